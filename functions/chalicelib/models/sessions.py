"""Login state: session families, refresh tokens, failed-attempt records."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.models import Model

from .base import table_meta


class SessionFamily(Model):
    """One login: the chain of refresh tokens rotated from it. Revoking it ends the session."""

    Meta = table_meta("sessions")
    family_id = UnicodeAttribute(hash_key=True)
    member_no = UnicodeAttribute()
    epoch = NumberAttribute()
    revoked = BooleanAttribute(default=False)
    created_at = NumberAttribute()
    expires_at = TTLAttribute()


class RefreshToken(Model):
    """A refresh token, stored only as its SHA-256; used once, then replaced."""

    Meta = table_meta("refresh-tokens")
    token_hash = UnicodeAttribute(hash_key=True)
    family_id = UnicodeAttribute()
    member_no = UnicodeAttribute()
    used_at = NumberAttribute(null=True)
    # Set when used: the hash of the one successor (tokens.successor_token), so a retry within
    # the grace period is answered with that same token, never a second live one.
    successor_hash = UnicodeAttribute(null=True)
    expires_at = TTLAttribute()


class LoginThrottle(Model):
    """Recent attempts for one account and action (`failures`, a sliding window), or the count
    of one fixed window for a client or the whole organisation (`count`, key ending #<window>)."""

    Meta = table_meta("login-throttle")
    key = UnicodeAttribute(hash_key=True)
    failures = ListAttribute(of=NumberAttribute, default=list)
    count = NumberAttribute(null=True)
    expires_at = TTLAttribute()
    version = VersionAttribute()

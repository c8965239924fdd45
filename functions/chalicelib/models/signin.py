"""Sign-in through WeCom or the Official Account: one-time OAuth states and bindings."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from .base import table_meta


class SignInState(Model):
    """A one-time item of the OAuth flow, short-lived (TTL, and `valid_until` checked since TTL
    deletion is late):

    - `state#<state>`: a started sign-in. `browser` is the SHA-256 of the browser's state cookie
      (login CSRF: another browser's callback fails); `used_at` is set by the one callback
      that may use it (a conditional write), so a replayed callback is refused.
    - `bind#<sha256 of the ticket>`: a verified WeCom userid / openid not yet bound to a member,
      waiting for the member's identity check (the ticket is the HttpOnly cookie `dj_bind`).
    """

    Meta = table_meta("signin-states")
    key = UnicodeAttribute(hash_key=True)
    provider = UnicodeAttribute()  # wecom / mp
    browser = UnicodeAttribute(null=True)
    next_path = UnicodeAttribute(null=True)
    subject = UnicodeAttribute(null=True)  # the verified userid / openid (bind items)
    used_at = NumberAttribute(null=True)
    valid_until = NumberAttribute()
    expires_at = TTLAttribute()


class SignInBinding(Model):
    """One WeCom userid / openid bound to one member, both ways, written in one transaction whose
    two conditions (neither item exists yet) make the binding one-to-one under parallel binds:

    - `<provider>#<corp or app id>#<subject>` → `member_no`
    - `member#<member_no>#<provider>#<corp or app id>` → `subject`
    """

    Meta = table_meta("signin-bindings")
    key = UnicodeAttribute(hash_key=True)
    member_no = UnicodeAttribute()
    subject = UnicodeAttribute()
    bound_at = NumberAttribute()


def member_binding_key(provider: str, app_id: str, member_no: str) -> str:
    """The key of a member's side of a binding (sign-in writes it, the push worker reads it)."""
    return f"member#{member_no}#{provider}#{app_id}"

"""WeCom state shared by every Lambda container: the access token and the jsapi_ticket."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from .base import table_meta


class WeComCache(Model):
    """One cached credential (`access_token#<corp>`, `jsapi_ticket#<corp>`) and its refresh lease.

    `lease_until` is set by the one caller refreshing it (a conditional write); the others wait
    and reread instead of all calling WeCom at once."""

    Meta = table_meta("wecom-cache")
    key = UnicodeAttribute(hash_key=True)
    value = UnicodeAttribute(null=True)
    valid_until = NumberAttribute(null=True)  # epoch seconds, a margin before WeCom's expiry
    lease_until = NumberAttribute(null=True)
    # +1 on each refresh: the lease is taken only on the generation the caller read, so one
    # that read just before another's refresh ended does not refresh it again.
    generation = NumberAttribute(null=True)
    expires_at = TTLAttribute(null=True)

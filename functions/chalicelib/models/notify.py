"""Notifications: the outbox (one row per message and recipient, which is also her 消息 centre)
and each member's notification preferences.

A message is written once, by `outbox.post`, under a deterministic id (the event's key and the
recipient), so posting the same event again changes nothing. The row then serves three readers:
- the member's 消息 centre: LSI `by-time` (newest first) and the sparse LSI `unread` (only unread
  rows carry `unread_at`), so the badge is one Query counting unread rows only;
- the delivery worker: the sparse GSI `push-due`, carried only while a push to WeCom or the
  Official Account is still owed (`push_shard`, `push_due`), removed once delivered or given up.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.indexes import (
    AllProjection,
    GlobalSecondaryIndex,
    KeysOnlyProjection,
    LocalSecondaryIndex,
)
from pynamodb.models import Model

from .base import table_meta


class ByTimeIndex(LocalSecondaryIndex["Message"]):
    class Meta:
        index_name = "by-time"
        projection = AllProjection()

    member_no = UnicodeAttribute(hash_key=True)
    sort_key = UnicodeAttribute(range_key=True)


class UnreadIndex(LocalSecondaryIndex["Message"]):
    """Sparse: only unread rows carry `unread_at`; counting them reads nothing else."""

    class Meta:
        index_name = "unread"
        projection = KeysOnlyProjection()

    member_no = UnicodeAttribute(hash_key=True)
    unread_at = UnicodeAttribute(range_key=True)


class PushDueIndex(GlobalSecondaryIndex["Message"]):
    """Sparse: rows with a push still owed, by shard and the epoch second it is due."""

    class Meta:
        index_name = "push-due"
        projection = AllProjection()

    push_shard = UnicodeAttribute(hash_key=True)
    push_due = NumberAttribute(range_key=True)


class AboutIndex(GlobalSecondaryIndex["Message"]):
    """Sparse: messages to staff about a member (her leave request, her transfer), so the
    deletion of a departed member's data finds them (personal_records.py). Keys only."""

    class Meta:
        index_name = "about"
        projection = KeysOnlyProjection()

    about = UnicodeAttribute(hash_key=True)
    message_id = UnicodeAttribute(range_key=True)


class Channel(MapAttribute):
    """One push channel's state for one message: `pending`, `sent`, `skipped` (no such channel
    for her, or muted) or `failed` (given up); attempts so far and the last error."""

    state = UnicodeAttribute()
    attempts = NumberAttribute(default=0)
    error = UnicodeAttribute(null=True)
    sent_at = NumberAttribute(null=True)
    # Set when a send begins, removed once its outcome is known: still there after the lease
    # ran out, the worker died mid-send and WeCom may have it (delivery.py: exactly once).
    sending_at = NumberAttribute(null=True)
    # With `sending_at`: the id of the stored call that send made (delivery.py: a resend is that
    # call again, byte for byte).
    call = UnicodeAttribute(null=True)


class Message(Model):
    """One message to one member."""

    Meta = table_meta("messages")
    member_no = UnicodeAttribute(hash_key=True)
    message_id = UnicodeAttribute(range_key=True)  # outbox.message_id(event_key, member_no)
    event_key = UnicodeAttribute()
    kind = UnicodeAttribute()  # a key of message_kinds.KINDS
    title = UnicodeAttribute()
    body = UnicodeAttribute()
    url = UnicodeAttribute(null=True)  # a site path the message links back to
    urgent = BooleanAttribute(default=False)  # pushed even in quiet hours
    created_at = NumberAttribute()  # epoch seconds
    sort_key = UnicodeAttribute()  # "<created, ISO 8601 UTC>#<message_id>"
    unread_at = UnicodeAttribute(null=True)  # = sort_key while unread
    read_at = NumberAttribute(null=True)
    # The push channels (outbox.CHANNELS); absent: that channel is not owed for this message.
    wecom = Channel(null=True)  # 企业微信 application message (text card)
    mp = Channel(null=True)  # the Official Account's template message
    push_shard = UnicodeAttribute(null=True)
    push_due = NumberAttribute(null=True)
    # Set by the worker that is delivering the row, so a second worker leaves it alone.
    lease_until = NumberAttribute(null=True)
    # The member a message to staff is about (outbox.post's `about`); absent otherwise.
    about = UnicodeAttribute(null=True)
    by_time = ByTimeIndex()
    unread = UnreadIndex()
    push_due_index = PushDueIndex()
    about_index = AboutIndex()


class NotifyPrefs(Model):
    """A member's choices: the kinds of message she muted (no push; still in her 消息 centre)."""

    Meta = table_meta("notify-prefs")
    member_no = UnicodeAttribute(hash_key=True)
    muted = UnicodeSetAttribute(null=True)
    updated_at = NumberAttribute(null=True)

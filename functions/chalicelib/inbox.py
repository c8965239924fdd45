"""A member's 消息 centre: her messages (the outbox's rows under her member number), the unread
count behind the badge, marking read, and which kinds of message she muted.

Every read and write is keyed by the caller's own member number (the table's hash key), so a
message id of another member names a row that does not exist for her: nothing to guess, no
check to forget.

Costs (AWS-billed, measured by tests/integration/test_inbox_api.py):
- the unread count is one COUNT Query of the sparse KEYS_ONLY LSI `unread`: it reads only the
  unread rows' index entries (~130 bytes each), so 0.5 read units up to about 30 unread and at
  most 2 read units at the cap (UNREAD_CAP + 1 entries read);
- a page of the list is one Query of LSI `by-time` (PAGE rows, a few hundred bytes each);
- marking one read is one conditional UpdateItem (the row leaves the `unread` index).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pynamodb.exceptions import UpdateError

from . import clock, cursors
from .errors import BadRequestError, NotFoundError
from .identifiers import is_message_id
from .message_kinds import IMMUTABLE_WHY, KINDS
from .models import Message, NotifyPrefs
from .models.base import condition_failed, dynamodb_client

PAGE = 20
UNREAD_CAP = 99  # the badge shows "99+" beyond this: a count never reads more entries
READ_ALL_LIMIT = 100  # rows marked by one 全部已读 call; the page calls again while `more`
_SORT_KEY = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z#[0-9a-f]{32}")


def _label(kind: str) -> str:
    spec = KINDS.get(kind)
    return spec.label if spec else "消息"


def view(row: Message) -> dict[str, Any]:
    """One message as the 消息 centre shows it."""
    return {
        "id": row.message_id,
        "kind": row.kind,
        "label": _label(row.kind),
        "title": row.title,
        "body": row.body,
        "url": row.url,
        "at": datetime.fromtimestamp(float(row.created_at), clock.TZ).isoformat(timespec="seconds"),
        "read": row.unread_at is None,
    }


def unread_count(member_no: str, *, consistent: bool = False) -> dict[str, Any]:
    """Her unread messages, counted on the sparse index: {unread (at most UNREAD_CAP), more}."""
    # One page of Select=COUNT with Limit: PynamoDB's `count(limit=)` would page on through
    # every unread row (its limit counts returned items, and COUNT returns none).
    reply = dynamodb_client().query(
        TableName=Message.Meta.table_name,
        IndexName=Message.unread.Meta.index_name,
        KeyConditionExpression="member_no = :m",
        ExpressionAttributeValues={":m": {"S": member_no}},
        Select="COUNT",
        Limit=UNREAD_CAP + 1,
        ConsistentRead=consistent,
    )
    n = int(reply["Count"])
    return {"unread": min(n, UNREAD_CAP), "more": n > UNREAD_CAP}


def page(member_no: str, cursor: str | None = None) -> dict[str, Any]:
    """Her messages, newest first, PAGE at a time; `next` is an opaque cursor or null. The first
    page also carries the unread count (the page's badge needs no call of its own)."""
    start = None
    if cursor:
        start = cursors.decode(
            cursor,
            {
                "member_no": lambda v: v == member_no,
                "message_id": is_message_id,
                "sort_key": lambda v: _SORT_KEY.fullmatch(v) is not None,
            },
        )
    results = Message.by_time.query(
        member_no, scan_index_forward=False, limit=PAGE, last_evaluated_key=start
    )
    rows = list(results)
    answer: dict[str, Any] = {
        "items": [view(r) for r in rows],
        "next": cursors.encode(results.last_evaluated_key),
    }
    if start is None:
        answer.update(unread_count(member_no))
    return answer


def _mark(member_no: str, message_id: str, now: float) -> bool:
    """Mark one row read; True if this call did it, False if it was read already (or does not
    exist: the caller tells them apart). The condition makes parallel calls count once, and an
    update under a failed condition creates no row."""
    try:
        Message(member_no, message_id).update(
            actions=[Message.unread_at.remove(), Message.read_at.set(now)],
            condition=Message.unread_at.exists(),
        )
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
        return False
    return True


def mark_read(member_no: str, message_id: str) -> dict[str, Any]:
    """Mark her message read (idempotent): {id, changed, unread, more}."""
    if not is_message_id(message_id):
        raise NotFoundError("消息不存在")
    changed = _mark(member_no, message_id, clock.now())
    if not changed:
        # Read already, or not hers / no such message: the key decides, not a check.
        try:
            Message.get(member_no, message_id, attributes_to_get=["message_id"])
        except Message.DoesNotExist:
            raise NotFoundError("消息不存在") from None
    return {"id": message_id, "changed": changed, **unread_count(member_no, consistent=True)}


def mark_all_read(member_no: str) -> dict[str, Any]:
    """Mark up to READ_ALL_LIMIT of her unread messages read: {marked, unread, more}. Read on
    the sparse index itself (keys only), so the call reads nothing but what it marks."""
    now = clock.now()
    marked = 0
    for entry in Message.unread.query(member_no, consistent_read=True, limit=READ_ALL_LIMIT):
        marked += _mark(member_no, entry.message_id, now)
    return {"marked": marked, **unread_count(member_no, consistent=True)}


# --- preferences: the kinds she muted --------------------------------------------------------


def _muted(member_no: str) -> set[str]:
    try:
        prefs = NotifyPrefs.get(member_no)
    except NotifyPrefs.DoesNotExist:
        return set()
    return set(prefs.muted or ())


def _settings(muted: set[str]) -> dict[str, Any]:
    return {
        "kinds": [
            {
                "kind": name,
                "label": spec.label,
                "mutable": spec.mutable,
                "muted": spec.mutable and name in muted,
                "why": None if spec.mutable else IMMUTABLE_WHY,
            }
            for name, spec in KINDS.items()
        ]
    }


def settings(member_no: str) -> dict[str, Any]:
    """Every kind with its label, whether she may mute it, and whether she has."""
    return _settings(_muted(member_no))


def save_settings(member_no: str, muted: list[object]) -> dict[str, Any]:
    """Replace the kinds she muted. Every entry must be a kind she may mute; otherwise 400 and
    nothing changes."""
    if len(muted) > len(KINDS):
        raise BadRequestError(f"静音的消息类型（muted）最多 {len(KINDS)} 项")
    wanted: set[str] = set()
    for name in muted:
        if not isinstance(name, str):
            raise BadRequestError("静音的消息类型（muted）须为字符串数组")
        spec = KINDS.get(name)
        if spec is None:
            raise BadRequestError(f"未知的消息类型：{name[:40]}")
        if not spec.mutable:
            raise BadRequestError(f"「{spec.label}」不能关闭：{IMMUTABLE_WHY}")
        wanted.add(name)
    NotifyPrefs(member_no, muted=wanted or None, updated_at=clock.now()).save()
    return _settings(wanted)

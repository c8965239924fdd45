"""The outbox: every message the platform sends is written here once, then delivered.

`post(event_key, ...)` writes one `Message` row per recipient under `message_id(event_key,
member_no)`, each with a condition that it does not exist yet: posting the same event again
(a retried request, a scheduled run repeated after a failure half-way through the recipients)
adds nothing and sends nothing twice. The event key names the event, not the moment it was
posted: `meeting:<id>:notice`, `reminder:political_birthday:2026-12-01`.

The row is at once the member's 消息 centre entry (unread until she opens it) and, where a push
channel is configured, a push owed to her (`push_shard`/`push_due`, read by the delivery worker).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from pynamodb.exceptions import PutError

from . import clock, mp_client, mp_templates
from .message_kinds import kind as kind_of
from .models import Message
from .models.base import condition_failed
from .models.notify import Channel
from .settings import get_settings, wecom_secret_configured

# WeCom's text card: title at most 128 bytes, description at most 512 (its documentation).
TITLE_MAX_BYTES = 128
BODY_MAX_BYTES = 512
PUSH_SHARDS = 4
# A path on the site: "/" then no second "/" or "\\" (browsers read "/\\x" as "//x", another
# host), no spaces or control characters.
SITE_PATH = re.compile(r"/(?![/\\])[^\s\\\x00-\x1f\x7f]*")


@dataclass(frozen=True)
class PostResult:
    created: int  # rows written now
    existing: int  # rows an earlier post of the same event had written


def message_id(event_key: str, member_no: str) -> str:
    """Deterministic: the same event to the same member is always the same row."""
    digest = hashlib.sha256(f"{event_key}\n{member_no}".encode()).hexdigest()
    return digest[:32]


def push_channels() -> tuple[str, ...]:
    """The push channels this stage has (besides the 消息 centre, which is always there)."""
    settings = get_settings()
    channels = []
    if settings.wecom_corp_id and settings.wecom_agent_id and wecom_secret_configured():
        channels.append("wecom")
    # The Official Account's template messages: its AppID, AppSecret and at least one template
    # (a kind without one is then skipped by the worker, with that reason).
    if mp_client.configured() and mp_templates.configured():
        channels.append("mp")
    return tuple(channels)


def _sort_key(created: float, mid: str) -> str:
    stamp = datetime.fromtimestamp(created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return f"{stamp}#{mid}"


def _check(event_key: str, title: str, body: str, url: str | None) -> None:
    if not event_key:
        raise ValueError("a message needs an event key")
    if not title or len(title.encode()) > TITLE_MAX_BYTES:
        raise ValueError(f"message title must be 1..{TITLE_MAX_BYTES} bytes: {title!r}")
    if len(body.encode()) > BODY_MAX_BYTES:
        raise ValueError(f"message body must be at most {BODY_MAX_BYTES} bytes")
    if url is not None and not SITE_PATH.fullmatch(url):
        raise ValueError(f"a message links to a site path, not {url!r}")


def build(
    event_key: str,
    kind: str,
    member_no: str,
    title: str,
    body: str,
    url: str | None = None,
    *,
    urgent: bool | None = None,
    created: float | None = None,
    channels: tuple[str, ...] | None = None,
    about: str | None = None,
) -> Message:
    """The row `post` writes for one recipient (not saved)."""
    spec = kind_of(kind)
    _check(event_key, title, body, url)
    created = clock.now() if created is None else created
    mid = message_id(event_key, member_no)
    sort_key = _sort_key(created, mid)
    row = Message(
        member_no,
        mid,
        event_key=event_key,
        kind=kind,
        title=title,
        body=body,
        url=url,
        urgent=spec.urgent if urgent is None else urgent,
        created_at=created,
        sort_key=sort_key,
        unread_at=sort_key,
        about=about,
    )
    owed = push_channels() if channels is None else channels
    for name in owed:
        setattr(row, name, Channel(state="pending", attempts=0))
    if owed:
        row.push_shard = f"p{int(mid[:8], 16) % PUSH_SHARDS}"
        row.push_due = int(created)
    return row


def post(
    event_key: str,
    kind: str,
    recipients: Iterable[str],
    title: str,
    body: str,
    url: str | None = None,
    *,
    urgent: bool | None = None,
    about: str | None = None,
) -> PostResult:
    """Write the message once for each recipient; rows that exist already are left as they are.
    `about`: the member a message to staff concerns (her data's deletion finds it by that)."""
    created = existing = 0
    now = clock.now()
    channels = push_channels()
    for member_no in dict.fromkeys(recipients):  # once each, in order
        row = build(
            event_key, kind, member_no, title, body, url,
            urgent=urgent, created=now, channels=channels, about=about,
        )  # fmt: skip
        try:
            row.save(condition=Message.message_id.does_not_exist())
        except PutError as exc:
            if not condition_failed(exc):
                raise
            existing += 1
        else:
            created += 1
    return PostResult(created=created, existing=existing)

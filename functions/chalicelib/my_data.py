"""我的数据: everything the platform keeps about the signed-in member, as the map
(`personal_data`) names it, read with Queries and GetItems on her keys (`personal_records`).

One section per table that holds something of hers, in the map's order, with the table's and
the fields' Chinese labels; only the fields the map lists are shown (never a password's hash,
a check-in secret or an index key). Rate-limited (`LIMIT` downloads per hour): a download reads
every table once, a few dozen read units for a year's activity.

Bounded, so the answer stays well under Lambda's 6 MB response for any member: her messages are
the newest `MESSAGES` (older ones are in the 消息 centre), and should the whole still exceed
`BUDGET` bytes of UTF-8 JSON, the largest sections are cut to their first rows until it fits.
Each cut section says how many rows it had and what was left out (`omitted`, `note`), and the
answer lists those notes (`notes`), which the page shows.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from pynamodb.attributes import MapAttribute

from . import clock, personal_data, personal_records, throttle
from .errors import TooManyRequestsError
from .models.notify import Message
from .models.points import PointDay
from .models.registry import Member

LIMIT = 10
WINDOW = 3600
FORMAT_VERSION = 1
MESSAGES = 500  # the newest messages shown; the 消息 centre pages through all of them
BUDGET = 3_000_000  # bytes of compact UTF-8 JSON: the file's indentation stays under 6 MB too
MESSAGES_NOTE = "只列出最近 {shown} 条消息（共 {total} 条），更早的消息请在「我的 → 消息」中查看"
CUT_NOTE = "「{label}」内容过多，只列出前 {shown} 条（共 {total} 条）；如需全部，请联系组织的管理员"


def _size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def _cut(section: dict[str, Any], shown: int, note: str) -> None:
    total = section.get("total", len(section["items"]))
    section["items"] = section["items"][:shown]
    section.update(total=total, omitted=total - shown, note=note.format(
        label=section["label"], shown=shown, total=total))  # fmt: skip


def _bound(sections: list[dict[str, Any]]) -> None:
    """Her messages to the newest MESSAGES; then the largest section halved until the whole
    fits BUDGET (rows of a few hundred bytes: a handful of rounds at most)."""
    for section in sections:
        if section["table"] == personal_data.place(Message).table:
            section["items"].sort(key=lambda r: r.get("created_at", 0), reverse=True)
            if len(section["items"]) > MESSAGES:
                _cut(section, MESSAGES, MESSAGES_NOTE)
    sizes = {id(s): _size(s) for s in sections}
    while sum(sizes.values()) > BUDGET:
        largest = max(sections, key=lambda s: sizes[id(s)])
        if not largest["items"]:
            break
        _cut(largest, len(largest["items"]) // 2, CUT_NOTE)
        sizes[id(largest)] = _size(largest)


def _plain(value: Any) -> Any:
    if isinstance(value, MapAttribute):
        return _plain(value.as_dict())
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted(_plain(v) for v in value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == int(value) else float(value)
    if isinstance(value, bytes):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _row(item: Any, fields: dict[str, str], member_no: str) -> dict[str, Any]:
    row = {}
    for name in fields:
        value = getattr(item, name, None)
        if name == "entries" and value is not None:  # the directory's shard: her entry only
            value = (value.as_dict() if isinstance(value, MapAttribute) else value).get(member_no)
        if value is not None and value != [] and value != {}:
            row[name] = _plain(value)
    return row


def collect(member: Member) -> dict[str, Any]:
    """Her data, in sections (no rate limit: `download` takes one first)."""
    found = personal_records.find(member, ledger=True)
    sections = []
    for place in personal_data.PLACES:
        if place.holds != "member" or not place.fields:
            continue
        if place.model is PointDay:
            rows = [
                {
                    "day": d.day,
                    "lines": {k: line.amount for k, line in sorted(d.lines.items())},
                }
                for d in found.ledger
            ]
            fields = {**place.fields, "lines": "积分明细"}
        else:
            fields = place.fields
            rows = [_row(i, fields, member.member_no) for i in found.of(place.model)]
        if not rows:
            continue
        sections.append(
            {"table": place.table, "label": place.label, "fields": fields, "items": rows}
        )
    _bound(sections)
    return {
        "format": FORMAT_VERSION,
        "member_no": member.member_no,
        "generated_at": int(clock.now()),
        "sections": sections,
        "notes": [s["note"] for s in sections if s.get("note")],
        # What each table is for and how long it is kept (the README's table, from the map).
        "purposes": [
            {"table": p.table, "label": p.label, "purpose": p.purpose, "keep": p.keep}
            for p in personal_data.PLACES
            if p.holds == "member" and p.fields
        ],
    }


def download(member: Member) -> dict[str, Any]:
    """`collect`, within her budget of LIMIT downloads an hour (429 with Retry-After beyond)."""
    try:
        throttle.reserve_window(f"mydata#{member.member_no}", LIMIT, WINDOW, clock.now())
    except TooManyRequestsError as exc:
        minutes = max(1, -(-exc.retry_after // 60))
        raise TooManyRequestsError(
            f"下载次数过多，请 {minutes} 分钟后再试", exc.retry_after
        ) from None
    return collect(member)


def as_file(data: dict[str, Any]) -> tuple[str, str]:
    """The download as a file: (its JSON text, its file name)."""
    day = clock.today().isoformat()
    return json.dumps(data, ensure_ascii=False, indent=1), f"my-data-{day}.json"

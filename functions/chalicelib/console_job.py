"""The 党务工作台's precompute job (`schedules.console_figures`, hourly; `make dev` runs it after
the demo data and then on its local scheduler): reads the registry and the points off the
request path and writes every unit's figures (`console_figures.compute`) to `console-figures`.

Reads, strongly consistent: the org units, the members and the point-years WHOLE (Scans, in
SEGMENTS parallel segments: the point-years table holds only year items, so every earlier year
comes along for 党章 progress at no extra cost), the exam best scores (a Scan of quiz-scores,
the best per member and exam), this month's dues rows (one Query of the `by-month` index) and
the monthly check's rows of this month (one Query). Writes: only the items whose digest
changed, in batches; the digests themselves are kept in DIGEST_SHARDS items beside the
figures, so the job never reads its figures back.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from . import clock, console_figures, console_periods
from .console_figures import DIGEST_UNIT, pack, unpack
from .models import ConsoleFigure, DuesMonth, Member, OrgUnit, PointTotal, QuizScore, UnitMonth

SEGMENTS = 4
PAGE = 250  # items a Scan page: short calls (a page of 1 MB can outlast a client's read timeout)
DIGEST_SHARDS = 16


def _scan(read: Callable[..., Iterable[Any]]) -> list[Any]:
    """A table read whole in SEGMENTS parallel segments, strongly consistent; `read(**kw)` calls
    the model's scan (named at the call, so the policy test sees which tables are scanned)."""

    def segment(i: int) -> list[Any]:
        return list(read(segment=i, total_segments=SEGMENTS, consistent_read=True, page_size=PAGE))

    with ThreadPoolExecutor(max_workers=SEGMENTS) as pool:
        return [item for part in pool.map(segment, range(SEGMENTS)) for item in part]


def _totals() -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for t in _scan(lambda **kw: PointTotal.scan(**kw)):
        if not str(t.period).startswith("y"):
            continue
        out[t.member_no].append(
            {
                "period": t.period,
                "points": int(t.points or 0),
                "months": t.months or {},
                "counts": t.counts or {},
                "weeks": t.weeks or {},
                "days": t.days or {},
                "rules": t.rules or {},
            }
        )
    return out


def _exam_scores(members: list[Any]) -> dict[str, list[int]]:
    """Each active member's best score per exam, by member: the best of her rows of the exam
    (one is written per unit on her branch's path at the time; a member who moved keeps rows
    under her old branch, and they are hers wherever she counts now)."""
    wanted = {m.member_no for m in members if m.active}
    best: dict[tuple[str, str], int] = {}
    for s in _scan(lambda **kw: QuizScore.scan(**kw)):
        if s.member_no not in wanted:
            continue
        key = (s.member_no, str(s.unit_key).rsplit("#", 1)[0])
        best[key] = max(best.get(key, 0), int(s.score))
    out: dict[str, list[int]] = defaultdict(list)
    for (member_no, _), score in sorted(best.items()):
        out[member_no].append(score)
    return out


def _dues_unpaid(month: str) -> dict[str, int]:
    from .dues_collection import status_of

    out: dict[str, int] = defaultdict(int)
    for row in DuesMonth.by_month.query(month):
        if status_of(month, row.expected_fen, int(row.paid_fen or 0), month) == "unpaid":
            out[row.branch_id] += 1
    return out


def _meetings_overdue(month: str) -> dict[str, int]:
    return {r.unit_id: len(r.overdue or ()) for r in UnitMonth.tree_month.query(month) if r.overdue}


@dataclass(slots=True)
class Person:
    """What the figures read of a member (plain attributes: read many times per member)."""

    member_no: str
    name: str
    gender: str | None
    phone: str | None
    branch_id: str
    status: str
    roles: list[str]
    joined_on: str | None
    birth_date: str | None
    education: str | None
    occupation: str | None
    active: bool


def _person(m: Member) -> Person:
    return Person(
        m.member_no,
        m.name,
        m.gender,
        m.phone,
        m.branch_id,
        m.status,
        list(m.roles or ()),
        m.joined_on,
        m.birth_date,
        m.education,
        m.occupation,
        bool(m.active),
    )


def gather() -> console_figures.Inputs:
    """Every row the figures need (the job's reads)."""
    today = clock.today()
    month = console_periods.containing(today, "month").key
    units = _scan(lambda **kw: OrgUnit.scan(**kw))
    members = [_person(m) for m in _scan(lambda **kw: Member.scan(**kw))]
    return console_figures.Inputs(
        today=today,
        years=(today.year - 1, today.year),
        units=units,
        members=members,
        totals=_totals(),
        exam_scores=_exam_scores(members),
        dues_unpaid=_dues_unpaid(month),
        meetings_overdue=_meetings_overdue(month),
    )


def _shard(unit_id: str, view: str) -> str:
    return f"{zlib.crc32(f'{unit_id}|{view}'.encode()) % DIGEST_SHARDS:02d}"


def _read_digests() -> dict[str, dict[str, str]]:
    keys = [(DIGEST_UNIT, f"{i:02d}") for i in range(DIGEST_SHARDS)]
    out: dict[str, dict[str, str]] = {f"{i:02d}": {} for i in range(DIGEST_SHARDS)}
    for item in ConsoleFigure.batch_get(keys, consistent_read=True):
        out[item.view] = unpack(item.data)
    return out


def run() -> dict[str, Any]:
    """Compute and write what changed; the counts of what it did."""
    inputs = gather()
    items = console_figures.compute(inputs)
    now = clock.now()
    digests = _read_digests()
    changed_shards: set[str] = set()
    written = 0
    # The figure items first, their digests after them in their own batches: a BatchWriteItem
    # is not atomic, so a crash between them may leave a figure written with its old digest
    # (rewritten next run), never a new digest over an item that was not written.
    with ConsoleFigure.batch_write() as batch:
        for (unit_id, view), data in items.items():
            d = console_figures.digest(data)
            shard = _shard(unit_id, view)
            key = f"{unit_id}|{view}"
            if digests[shard].get(key) == d:
                continue
            batch.save(
                ConsoleFigure(unit_id, view, data=pack(data), digest=d, computed_at=int(now))
            )
            digests[shard][key] = d
            changed_shards.add(shard)
            written += 1
    with ConsoleFigure.batch_write() as batch:
        for shard in sorted(changed_shards):
            batch.save(
                ConsoleFigure(
                    DIGEST_UNIT, shard, data=pack(digests[shard]), digest="", computed_at=int(now)
                )
            )
        # When the figures were last computed (the dashboards' "as of"), written each run.
        batch.save(
            ConsoleFigure(DIGEST_UNIT, "run", data=pack({}), digest="", computed_at=int(now))
        )
    return {
        "units": len(inputs.units),
        "members": len(inputs.members),
        "items": len(items),
        "written": written,
    }

"""The nightly 考核评价 job (`schedules.assess`): reads what the platform recorded for this month
(and, on a month's first three days, the previous one, which closes it), computes every
member's and branch's score with `assessment.py`, ranks the branches, puts the 红黑榜 and the
约谈 flags on the month, adds the year's months up, and writes what changed to the assessment
table (`models/assessment.py`). Off the request path: Scans of the registry, one Query per
member for her month of ledger days, one Query of the month's meetings and one per locked
meeting's attendance, one Query of the month's dues rows and of the monthly checks' rows.

It is a recomputation: right whatever day it runs, twice, or after a missed night; a run that
finds nothing changed writes nothing. With ASSESSMENT_ENABLED=false it does nothing."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from . import assessment, clock, points_ledger
from .assessment_rules import Rules, rules
from .models import Attendance, DuesMonth, Meeting, Member, OrgUnit, UnitMonth
from .models.assessment import AssessmentItem
from .settings import get_settings

READERS = 16  # parallel ledger Queries (the shared connection pool holds 50)
CLOSE_DAYS = 3  # the previous month is computed once more on the 1st to 3rd, then stands


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def previous_month(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:])
    return f"{year - 1:04d}-12" if mon == 1 else f"{year:04d}-{mon - 1:02d}"


def month_days(month: str) -> tuple[str, str]:
    return f"{month}-01", f"{month}-31"  # day keys compare as text: -31 bounds every month


def tree_of(path: Sequence[str]) -> str:
    return "/".join(path) + "/"


@dataclass
class Org:
    units: dict[str, OrgUnit]
    members: dict[str, list[Member]]  # branch id → its active members

    @classmethod
    def load(cls) -> Org:
        units = {u.unit_id: u for u in OrgUnit.scan()}
        members: dict[str, list[Member]] = defaultdict(list)
        for m in Member.scan(Member.active == True):  # noqa: E712 (a PynamoDB condition)
            if m.branch_id in units:
                members[m.branch_id].append(m)
        for rows in members.values():
            rows.sort(key=lambda m: m.member_no)
        return cls(units, dict(members))


@dataclass
class MonthRows:
    """One month's raw rows, by member (and the monthly checks' by unit)."""

    lines: dict[str, list[assessment.Line]] = field(default_factory=dict)
    attendance: dict[str, list[assessment.Presence]] = field(default_factory=dict)
    dues: dict[str, list[assessment.DuesRow]] = field(default_factory=dict)
    org_life: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    queries: int = 0


def read_month(month: str, members: Iterable[Member]) -> MonthRows:
    rows = MonthRows()
    since, until = month_days(month)

    def lines(member_no: str) -> list[assessment.Line]:
        days = points_ledger.days(member_no, since=since, until=until, consistent=False)
        return [assessment.Line(d.day, ln.rule, ln.amount) for d in days for ln in d.lines.values()]

    # One Query a member, in parallel (the one botocore client is thread-safe): the job's time
    # is these round trips, not their units.
    numbers = [m.member_no for m in members]
    with ThreadPoolExecutor(READERS) as pool:
        for member_no, got in zip(numbers, pool.map(lines, numbers), strict=True):
            rows.lines[member_no] = got
    rows.queries += len(numbers)
    attendance: dict[str, list[assessment.Presence]] = defaultdict(list)
    for meeting in Meeting.by_month.query(month):
        if meeting.locked_at is None or meeting.cancelled_at is not None:
            continue
        rows.queries += 1
        for row in Attendance.query(meeting.meeting_id):
            if row.role != "attendee":
                continue
            attendance[row.member_no].append(
                assessment.Presence(bool(row.present), bool(row.absent))
            )
    rows.attendance = dict(attendance)
    dues: dict[str, list[assessment.DuesRow]] = defaultdict(list)
    for d in DuesMonth.by_month.query(month):
        dues[d.member_no].append(
            assessment.DuesRow(
                d.month, None if d.expected_fen is None else int(d.expected_fen), int(d.paid_fen)
            )
        )
    rows.dues = dict(dues)
    org_life: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for u in UnitMonth.tree_month.query(month):
        org_life[u.unit_id].append(
            u.by_kind.as_dict() if hasattr(u.by_kind, "as_dict") else dict(u.by_kind)
        )
    rows.org_life = dict(org_life)
    rows.queries += 3
    return rows


def ranking_scope(unit: OrgUnit) -> str:
    """The 基层党委 a branch is ranked in: the nearest committee above it (the root when the
    tree has none)."""
    for unit_id, kind in zip(reversed(unit.path), reversed(unit.path_kinds), strict=True):
        if kind == "committee":
            return unit_id
    return unit.path[0]


def _digest(data: Any) -> str:
    raw = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()[:24]


def _unit_info(unit: OrgUnit) -> dict[str, Any]:
    return {
        "id": unit.unit_id,
        "name": unit.name,
        "path": list(unit.path),
        "sort": int(unit.sort_order or 0),
    }


def period_items(
    r: Rules,
    org: Org,
    measures: dict[str, dict[str, dict[str, float]]],
    org_life: dict[str, tuple[int, int]],
    bottom_before: Sequence[Sequence[str]],
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]], dict[str, Any]]:
    """A period's items: per branch its summary and its members, and the organisation's
    ranking. `measures` is branch → member → measures; `bottom_before` the bottom
    positions (`assessment.bottom`) of the months before (oldest first; empty for a year)."""
    summaries: dict[str, dict[str, Any]] = {}
    member_items: dict[str, dict[str, Any]] = {}
    for branch_id, branch_members in org.members.items():
        unit = org.units[branch_id]
        rows = []
        scores = []
        mine = measures.get(branch_id, {})
        for m in branch_members:
            values = mine.get(m.member_no, {})
            score = assessment.member_score(r, values)
            scores.append(score["score"])
            rows.append({"member_no": m.member_no, "name": m.name, "measures": values, **score})
        shares = assessment.branch_shares(
            r, [row["measures"] for row in rows], scores, org_life.get(branch_id, (0, 0))
        )
        summaries[branch_id] = {
            **_unit_info(unit),
            "members": len(rows),
            "shares": shares,
            "org_life": list(org_life.get(branch_id, (0, 0))),
            **assessment.branch_score(r, shares),
        }
        member_items[branch_id] = {"id": branch_id, "members": rows}
    # Seed 004 ranks within each 基层党委: each committee's branches are ranked (and listed on
    # its 红黑榜, counted for 约谈) among themselves, whatever group level stands above.
    by_scope: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for branch_id, summary in summaries.items():
        by_scope[ranking_scope(org.units[branch_id])].append(summary)
    ranked: list[dict[str, Any]] = []
    red: list[str] = []
    black: list[str] = []
    last: list[str] = []
    for key in sorted(by_scope):
        rows = assessment.rank(r, by_scope[key])
        scope_red, scope_black = assessment.red_black_lists(r, rows)
        ranked += [{**row, "scope": key} for row in rows]
        red += scope_red
        black += scope_black
        last += assessment.bottom(r, rows)
    flagged = assessment.talks(r, [*bottom_before, last])
    for row in ranked:
        summaries[row["id"]]["rank"] = row["rank"]
    org_item = {
        "ranked": ranked,
        "red": red,
        "black": black,
        "bottom": last,
        "talks": flagged,
        "branches": len(summaries),
    }
    return summaries, member_items, org_item


def _write(part: str, items: dict[str, dict[str, Any]], now: int) -> int:
    """The part's items that changed (one Query for the stored digests), and the deletion of
    every stored item no longer current — a branch moved elsewhere (its old path) or left
    without members — so no view reads a stale score; returns the writes."""
    stored = {i.tree: i.digest for i in AssessmentItem.query(part)}
    written = 0
    with AssessmentItem.batch_write() as batch:
        for tree, data in items.items():
            digest = _digest(data)
            if stored.get(tree) != digest:
                batch.save(AssessmentItem(part, tree, data=data, digest=digest, computed_at=now))
                written += 1
        for tree in stored.keys() - items.keys():
            batch.delete(AssessmentItem(part, tree))
            written += 1
    return written


def compute_month(r: Rules, org: Org, month: str, today: date) -> tuple[dict, dict, dict, int]:
    """The month's items, and the queries it took."""
    everyone = [m for rows in org.members.values() for m in rows]
    rows = read_month(month, everyone)
    current = month_of(today)
    measures: dict[str, dict[str, dict[str, float]]] = {}
    for branch_id, branch_members in org.members.items():
        measures[branch_id] = {
            m.member_no: assessment.member_measures(
                rows.lines.get(m.member_no, []),
                rows.attendance.get(m.member_no, []),
                rows.dues.get(m.member_no, []),
                current,
            )
            for m in branch_members
        }
    org_life = {
        unit_id: assessment.org_life_counts(kinds) for unit_id, kinds in rows.org_life.items()
    }
    bottom_before: list[list[str]] = []
    back = month
    for _ in range(r.talk_months - 1):
        back = previous_month(back)
        item = _get(f"org#m{back}") or {}
        # A month stored before "bottom" was kept: its 黑榜 (always within the bottom).
        bottom_before.insert(0, item.get("bottom", item.get("black", [])))
    summaries, members, org_item = period_items(r, org, measures, org_life, bottom_before)
    org_item["org_life"] = {k: list(v) for k, v in org_life.items()}
    return summaries, members, org_item, rows.queries


def _get(part: str) -> dict[str, Any] | None:
    try:
        return AssessmentItem.get(part, "#").data
    except AssessmentItem.DoesNotExist:
        return None


def compute_year(r: Rules, org: Org, year: int, until_month: str) -> tuple[dict, dict, dict]:
    """The year so far from its stored months (each month's members and org_life counts)."""
    # Summed by member number whichever branch a month stored her under: a member who moved
    # keeps her earlier months, and her year stands under the branch she is in now.
    by_member: dict[str, dict[str, float]] = {}
    org_life: dict[str, tuple[int, int]] = {}
    for mon in range(1, 13):
        month = f"{year:04d}-{mon:02d}"
        if month > until_month:
            break
        for item in AssessmentItem.query(f"members#m{month}"):
            for row in item.data["members"]:
                no = row["member_no"]
                by_member[no] = assessment.add(by_member.get(no, {}), row["measures"])
        org_item = _get(f"org#m{month}")
        for unit_id, (held, required) in (org_item or {}).get("org_life", {}).items():
            h, q = org_life.get(unit_id, (0, 0))
            org_life[unit_id] = (h + held, q + required)
    measures = {
        branch_id: {m.member_no: by_member.get(m.member_no, {}) for m in rows}
        for branch_id, rows in org.members.items()
    }
    summaries, members, org_item = period_items(r, org, measures, org_life, [])
    org_item["talks"] = []
    return summaries, members, org_item


def _save_period(
    period: str, org: Org, summaries: dict, members: dict, org_item: dict, now: int
) -> int:
    by_tree = lambda items: {  # noqa: E731
        tree_of(org.units[k].path): v for k, v in items.items()
    }
    written = _write(f"branches#{period}", by_tree(summaries), now)
    written += _write(f"members#{period}", by_tree(members), now)
    written += _write(f"org#{period}", {"#": org_item}, now)
    return written


def run(today: date | None = None, months: Sequence[str] | None = None) -> dict[str, Any]:
    """The scheduled run: this month (and the previous one on its first days), then the year;
    `months` (oldest first) recomputes those instead (the demo's past months)."""
    if not get_settings().assessment_enabled:
        return {"skipped": "ASSESSMENT_ENABLED=false"}
    today = today or clock.today()
    r = rules()
    org = Org.load()
    current = month_of(today)
    todo = list(
        months or ([previous_month(current)] if today.day <= CLOSE_DAYS else []) + [current]
    )
    if months is None:
        todo = sorted(set(todo))
    now = int(clock.now())
    stats: dict[str, Any] = {"day": today.isoformat(), "months": {}, "queries": 0, "written": 0}
    for month in todo:
        summaries, members, org_item, queries = compute_month(r, org, month, today)
        written = _save_period(f"m{month}", org, summaries, members, org_item, now)
        stats["months"][month] = {"branches": len(summaries), "written": written}
        stats["queries"] += queries
        stats["written"] += written
    for year in sorted({int(m[:4]) for m in todo}):
        until = min(current, f"{year:04d}-12")
        summaries, members, org_item = compute_year(r, org, year, until)
        stats["written"] += _save_period(f"y{year}", org, summaries, members, org_item, now)
    stats["members"] = sum(len(v) for v in org.members.values())
    return stats

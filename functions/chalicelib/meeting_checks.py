"""The monthly check: per unit and month, what the rules ask of it against what it held.

`run()` is the scheduled function's work (every day early in the morning, Beijing time). It is a
recomputation, correct whatever day it runs and however often: for the current month (and, on the
first `CLOSE_DAYS` days of a month, the previous one once more, so meetings recorded at its very
end are counted and its overdue list is final) it reads the month's meetings in one Query
(Meeting `by-month`; the earlier months of a quarter or year too when a quarterly or yearly
requirement is on this month's list) and every unit (one Scan of the org units: off the request
path, a few hundred small items), works out one `UnitMonth` per unit — `by_kind` {kind: {held,
required}}, `done`, the `overdue` kinds — and writes only the rows whose figures changed (a month's
rows are read first, in one Query of UnitMonth `by-month`). `warned_at` is the 主题党日 warning's
(audiences.theme_day_missing) and is never touched here. On the same first days it generates
every unit's monthly list (meeting_plans.generate: conditional puts, nothing twice).

A meeting counts as held when its record is locked (state "locked"), in the month of its start.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from . import clock, meeting_kinds, meeting_plans
from .meeting_plans import month_of, months_between, shift
from .models import Meeting, OrgUnit, UnitMonth

log = logging.getLogger(__name__)
CLOSE_DAYS = 3  # the previous month is recomputed on the 1st to 3rd, then left as it stands


def tree_sort(path: Iterable[str]) -> str:
    return "/".join(path) + "/"


class MeetingMonths:
    """Locked meetings counted per (unit, kind), one Query per month, each month read once."""

    def __init__(self) -> None:
        self._months: dict[str, Counter[tuple[str, str]]] = {}
        self.queries = 0
        self.meetings = 0

    def counts(self, month: str) -> Counter[tuple[str, str]]:
        if month not in self._months:
            found: Counter[tuple[str, str]] = Counter()
            for m in Meeting.by_month.query(month, filter_condition=Meeting.state == "locked"):
                found[(m.unit_id, m.kind)] += 1
                self.meetings += 1
            self.queries += 1
            self._months[month] = found
        return self._months[month]

    def held(self, unit_id: str, kind: str, months: Iterable[str]) -> int:
        return sum(self.counts(m)[(unit_id, kind)] for m in months)


def figures(unit: OrgUnit, month: str, meetings: MeetingMonths, today: date) -> dict[str, Any]:
    """The unit's month: every kind it may hold with what it held (in the kind's period for a
    requirement on this month's list, else in the month) and what is required; done; the
    overdue kinds (required, not held, past the due date)."""
    required = {k.key: k for k in meeting_kinds.required(unit.kind, month)}
    by_kind: dict[str, dict[str, int]] = {}
    overdue: list[str] = []
    for kind in meeting_kinds.held_by(unit.kind):
        if kind.key in required:
            held = meetings.held(unit.unit_id, kind.key, months_between(*kind.period(month)))
            need = kind.min_count
            if held < need and today > kind.due_date(month):
                overdue.append(kind.key)
        else:
            held, need = meetings.held(unit.unit_id, kind.key, [month]), 0
        by_kind[kind.key] = {"held": held, "required": need}
    done = all(v["held"] >= v["required"] for v in by_kind.values())
    return {
        "unit_name": unit.name,
        "unit_kind": unit.kind,
        "unit_path": list(unit.path),
        "tree_sort": tree_sort(unit.path),
        "by_kind": by_kind,
        "done": done,
        "overdue": overdue,
    }


def stored_figures(row: UnitMonth) -> dict[str, Any]:
    """A stored row in the shape `figures` returns (to see whether anything changed)."""
    raw = row.by_kind.as_dict() if row.by_kind is not None else {}
    return {
        "unit_name": row.unit_name,
        "unit_kind": row.unit_kind,
        "unit_path": list(row.unit_path or []),
        "tree_sort": row.tree_sort,
        "by_kind": {
            k: {"held": int(v.get("held", 0)), "required": int(v.get("required", 0))}
            for k, v in raw.items()
        },
        "done": bool(row.done),
        "overdue": list(row.overdue or []),
    }


def write(unit_id: str, month: str, new: dict[str, Any]) -> None:
    """One update (not a put): the warning's `warned_at` on the row is kept."""
    UnitMonth(unit_id, month).update(
        actions=[
            UnitMonth.unit_name.set(new["unit_name"]),
            UnitMonth.unit_kind.set(new["unit_kind"]),
            UnitMonth.unit_path.set(new["unit_path"]),
            UnitMonth.tree_sort.set(new["tree_sort"]),
            UnitMonth.by_kind.set(new["by_kind"]),
            UnitMonth.done.set(new["done"]),
            UnitMonth.overdue.set(new["overdue"]),
            UnitMonth.computed_at.set(clock.now()),
        ]
    )


def months_to_check(today: date) -> list[str]:
    current = month_of(today)
    return [shift(current, -1), current] if today.day <= CLOSE_DAYS else [current]


def check_month(
    month: str, units: dict[str, OrgUnit], meetings: MeetingMonths, today: date
) -> dict[str, int]:
    stored = {row.unit_id: row for row in UnitMonth.tree_month.query(month)}
    written = unchanged = 0
    for unit_id, unit in sorted(units.items()):
        new = figures(unit, month, meetings, today)
        row = stored.get(unit_id)
        if row is not None and stored_figures(row) == new:
            unchanged += 1
            continue
        write(unit_id, month, new)
        written += 1
    return {"written": written, "unchanged": unchanged}


def run(moment: datetime | None = None) -> dict[str, Any]:
    """The scheduled check: this month (and the previous one on its first days), every unit."""
    today = (moment or clock.local_now()).astimezone(clock.TZ).date()
    units = {u.unit_id: u for u in OrgUnit.scan()}
    meetings = MeetingMonths()
    stats: dict[str, Any] = {"day": today.isoformat(), "units": len(units), "months": {}}
    for month in months_to_check(today):
        stats["months"][month] = check_month(month, units, meetings, today)
    if today.day <= CLOSE_DAYS:
        directory = meeting_plans.Directory(units)
        month = month_of(today)
        planned = 0
        for unit in units.values():
            if meeting_kinds.required(unit.kind, month):
                meeting_plans.generate(unit, month, directory)
                planned += 1
        stats["plans"] = planned
    stats["meeting_queries"] = meetings.queries
    stats["meetings"] = meetings.meetings
    return stats

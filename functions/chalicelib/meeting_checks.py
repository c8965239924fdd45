"""The monthly check: per unit and month, what the rules ask of it against what it held.

`run()` is the scheduled function's work (every day early in the morning, Beijing time). It is
a recomputation, correct whatever day it runs and however often: for the current month (and,
on a month's first days, meeting_figures.CLOSE_DAYS, the previous one once more, so meetings
recorded at its very end are counted and its overdue list is final; and an earlier month while
a quarterly or yearly requirement on its list is within its period, meeting_figures.is_live,
then once more to mark it overdue) it reads the month's
meetings in one Query (Meeting `by-month`; the earlier months of a quarter or year too when a
quarterly or yearly requirement is on this month's list) and every unit (one Scan of the org
units: off the request path, a few hundred small items), works out one `UnitMonth` per unit
(meeting_figures: `by_kind` {kind: {held, required}}, `done`, the `overdue` kinds) and writes
only the rows whose figures changed (a month's rows are read first, in one Query of UnitMonth
`by-month`). `warned_at` is the 主题党日 warning's (audiences.theme_day_missing) and is never
touched here. On the same first days it generates every unit's monthly list
(meeting_plans.generate: conditional puts, nothing twice).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from . import clock, meeting_kinds, meeting_plans
from .meeting_figures import CLOSE_DAYS, figures, is_live, live_months, stored, write
from .meeting_plans import month_of
from .models import Meeting, OrgUnit, UnitMonth

log = logging.getLogger(__name__)


class MeetingMonths:
    """Locked meetings counted per (unit, kind), one Query per month, each month read once."""

    def __init__(self) -> None:
        self._months: dict[str, Counter[tuple[str, str]]] = {}
        self.queries = 0
        self.meetings = 0
        self.unsettled: list[str] = []

    def counts(self, month: str) -> Counter[tuple[str, str]]:
        if month not in self._months:
            found: Counter[tuple[str, str]] = Counter()
            for m in Meeting.by_month.query(month, filter_condition=Meeting.state == "locked"):
                found[(m.unit_id, m.kind)] += 1
                self.meetings += 1
                if m.settled_at is None:  # a lock whose settling nobody finished
                    self.unsettled.append(m.meeting_id)
            self.queries += 1
            self._months[month] = found
        return self._months[month]

    def held(self, unit_id: str, kind: str, months: Iterable[str]) -> int:
        return sum(self.counts(m)[(unit_id, kind)] for m in months)


def check_month(
    month: str, units: dict[str, OrgUnit], meetings: MeetingMonths, today: date
) -> dict[str, int]:
    rows = {row.unit_id: row for row in UnitMonth.tree_month.query(month)}
    written = unchanged = 0
    for unit_id, unit in sorted(units.items()):
        new = figures(unit, month, meetings.held, today)
        if stored(rows.get(unit_id)) == new:
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
    for month in live_months(today, {u.kind for u in units.values()}):
        live = {k: u for k, u in units.items() if is_live(u.kind, month, today)}
        stats["months"][month] = check_month(month, live, meetings, today)
    if today.day <= CLOSE_DAYS:
        directory = meeting_plans.Directory(units)
        month = month_of(today)
        planned = 0
        for unit in units.values():
            if meeting_kinds.required(unit.kind, month):
                meeting_plans.generate(unit, month, directory)
                planned += 1
        stats["plans"] = planned
    # Locks whose settling nobody finished (a page closed, a Lambda that died): settled now.
    from . import meeting_records

    stats["settled_pending"] = meeting_records.settle_unfinished(meetings.unsettled)["settled"]
    stats["meeting_queries"] = meetings.queries
    stats["meetings"] = meetings.meetings
    return stats

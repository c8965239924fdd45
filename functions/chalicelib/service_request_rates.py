"""The four rates of 诉求, defined once, for a unit's subtree and a period.

A request counts to the unit it was routed to at submission (`origin_unit`) and to the period
of its submission time (Beijing): month "2026-12", quarter "2026-Q4", year "2026". Over the
requests of a unit and period, withdrawn ones left out:

- 受理率 = requests accepted within their 受理 limit (first 受理 − submission ≤ accept_hours)
  / requests decided: accepted, or not accepted and past their 受理 limit at the time of
  reading (one still waiting within its limit is counted in neither);
- 导办率 = transferred requests whose new unit accepted them within its 受理 limit (after the
  last 移交: re-acceptance − last transfer ≤ accept_hours) / transferred requests; "—" when
  none was transferred;
- 办结率 = closed requests / accepted requests;
- 满意率 = (满意 + 基本满意) / rated requests.
A rate with no denominator is shown as "—". A unit's row covers its whole subtree (its own
requests and those of every unit below it), like the total. The limits are those copied onto
each request at submission. Reading never Scans: one range Query of the `by-origin` index per
unit of the subtree (the subtree itself read by parent, one Query per unit above the
branches); the rows are summed from those reads in memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from . import clock, scope
from .errors import BadRequestError
from .models.service_requests import ServiceRequest
from .scope import Caller
from .service_requests import _unit_in_scope, subtree

PERIOD = re.compile(r"([0-9]{4})(?:-(?:([0-9]{2})|Q([1-4])))?")
RATE_LABELS = {
    "accept": "受理率",
    "transfer": "导办率",
    "close": "办结率",
    "satisfy": "满意率",
}


@dataclass
class Counts:
    submitted: int = 0
    decided: int = 0
    accepted_in_time: int = 0
    transferred: int = 0
    reaccepted_in_time: int = 0
    accepted: int = 0
    closed: int = 0
    rated: int = 0
    satisfied: int = 0

    def add(self, r: ServiceRequest, now: float) -> None:
        """One request into the counts (the definitions above, nowhere else), read at `now`."""
        if r.state == "withdrawn":
            return
        self.submitted += 1
        limit = float(r.accept_hours) * 3600
        if r.accepted_at is not None:
            self.accepted += 1
            self.decided += 1
            if float(r.accepted_at) - float(r.submitted_at) <= limit:
                self.accepted_in_time += 1
        elif now - float(r.submitted_at) > limit:
            self.decided += 1  # late already: it cannot be accepted in time any more
        if int(r.transfers or 0) > 0:
            self.transferred += 1
            if (
                r.reaccepted_at is not None
                and r.transferred_at is not None
                and float(r.reaccepted_at) - float(r.transferred_at) <= limit
            ):
                self.reaccepted_in_time += 1
        if r.state == "closed":
            self.closed += 1
        if r.rating:
            self.rated += 1
            if r.rating in ("satisfied", "basic"):
                self.satisfied += 1

    def merge(self, other: Counts) -> None:
        for name in ("submitted", "decided", "accepted_in_time", "transferred",
                     "reaccepted_in_time", "accepted", "closed", "rated", "satisfied"):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def rates(self) -> dict[str, dict[str, Any]]:
        pairs = {
            "accept": (self.accepted_in_time, self.decided),
            "transfer": (self.reaccepted_in_time, self.transferred),
            "close": (self.closed, self.accepted),
            "satisfy": (self.satisfied, self.rated),
        }
        return {
            key: rate(num, den) | {"label": RATE_LABELS[key]} for key, (num, den) in pairs.items()
        }


def rate(num: int, den: int) -> dict[str, Any]:
    """A rate as numbers and as shown: one decimal percent, "—" without a denominator."""
    if den == 0:
        return {"num": num, "den": den, "value": None, "text": "—"}
    value = num / den
    return {"num": num, "den": den, "value": round(value, 4), "text": f"{value * 100:.1f}%"}


def period_bounds(period: str | None) -> tuple[str, float, float]:
    """The period's key and [start, end) in epoch seconds (Beijing); this month by default."""
    if period is None or period == "":
        today = clock.today()
        period = f"{today.year:04d}-{today.month:02d}"
    found = PERIOD.fullmatch(period) if isinstance(period, str) else None
    if not found:
        raise BadRequestError("统计周期（period）须为 2026-12（月）、2026-Q4（季度）或 2026（年）")
    year = int(found[1])
    if found[2]:
        month = int(found[2])
        if not 1 <= month <= 12:
            raise BadRequestError("统计周期的月份须为 01–12")
        first, months = month, 1
    elif found[3]:
        first, months = (int(found[3]) - 1) * 3 + 1, 3
    else:
        first, months = 1, 12
    if not 2000 <= year <= 2100:
        raise BadRequestError("统计周期的年份不正确")
    start = datetime(year, first, 1, tzinfo=clock.TZ)
    end_month = first + months
    end = datetime(year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1, tzinfo=clock.TZ)
    return period, start.timestamp(), end.timestamp()


def unit_counts(unit_id: str, start: float, end: float, now: float | None = None) -> Counts:
    """The unit's own requests of [start, end), read at `now` (the clock by default)."""
    now = clock.now() if now is None else now
    counts = Counts()
    low, high = f"{int(start * 1000):013d}", f"{int(end * 1000):013d}"
    for r in ServiceRequest.by_origin.query(unit_id, ServiceRequest.sort.between(low, high)):
        if start <= float(r.submitted_at) < end:
            counts.add(r, now)
    return counts


def report(caller: Caller, unit_id: str, period: str | None) -> dict[str, Any]:
    """Each unit of the subtree with the figures of ITS whole subtree (its own requests and
    those of every unit below it), and the total (the top row's). Each unit's requests are
    read once; the rows are summed in memory."""
    unit = _unit_in_scope(caller, unit_id)
    key, start, end = period_bounds(period)
    units = subtree(unit)
    now = clock.now()
    own = {u.unit_id: unit_counts(u.unit_id, start, end, now) for u in units}
    total = Counts()
    for counts in own.values():
        total.merge(counts)
    rows = []
    for u in units:
        counts = Counts()
        for other in units:
            if u.unit_id in other.path:  # `path` holds the unit itself and those above it
                counts.merge(own[other.unit_id])
        rows.append(
            {
                "unit": {
                    "id": u.unit_id,
                    "name": u.name,
                    "kind": u.kind,
                    "depth": len(u.path) - len(unit.path),
                },
                "submitted": counts.submitted,
                "rates": counts.rates(),
            }
        )
    return {
        "unit": {"id": unit.unit_id, "name": unit.name},
        "period": key,
        "manage": scope.unit_access(caller, list(unit.path)) == "manage",
        "total": {"submitted": total.submitted, "rates": total.rates()},
        "units": rows,
    }

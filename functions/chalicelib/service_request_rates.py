"""The four rates of 诉求, defined once, for a unit's subtree and a period.

A request counts to the unit it was routed to at submission (`origin_unit`) and to the period
of its submission time (Beijing): month "2026-12", quarter "2026-Q4", year "2026". Over the
requests of a unit and period, withdrawn ones left out:

- 受理率 = requests accepted within their 受理 limit (first 受理 − submission ≤ accept_hours)
  / requests submitted;
- 导办率 = transferred requests whose new unit accepted them within its 受理 limit (after the
  last 移交: re-acceptance − last transfer ≤ accept_hours) / transferred requests; "—" when
  none was transferred;
- 办结率 = closed requests / accepted requests;
- 满意率 = (满意 + 基本满意) / rated requests.
A rate with no denominator is shown as "—". The limits are those copied onto each request at
submission. Reading never Scans: one range Query of the `by-origin` index per unit of the
subtree (the subtree itself read by parent, one Query per unit above the branches).
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
    accepted_in_time: int = 0
    transferred: int = 0
    reaccepted_in_time: int = 0
    accepted: int = 0
    closed: int = 0
    rated: int = 0
    satisfied: int = 0

    def add(self, r: ServiceRequest) -> None:
        """One request into the counts (the definitions above, nowhere else)."""
        if r.state == "withdrawn":
            return
        self.submitted += 1
        limit = float(r.accept_hours) * 3600
        if r.accepted_at is not None:
            self.accepted += 1
            if float(r.accepted_at) - float(r.submitted_at) <= limit:
                self.accepted_in_time += 1
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
        for name in ("submitted", "accepted_in_time", "transferred", "reaccepted_in_time",
                     "accepted", "closed", "rated", "satisfied"):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def rates(self) -> dict[str, dict[str, Any]]:
        pairs = {
            "accept": (self.accepted_in_time, self.submitted),
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


def unit_counts(unit_id: str, start: float, end: float) -> Counts:
    counts = Counts()
    low, high = f"{int(start * 1000):013d}", f"{int(end * 1000):013d}"
    for r in ServiceRequest.by_origin.query(unit_id, ServiceRequest.sort.between(low, high)):
        if start <= float(r.submitted_at) < end:
            counts.add(r)
    return counts


def report(caller: Caller, unit_id: str, period: str | None) -> dict[str, Any]:
    """Each unit of the subtree (its own requests) and the subtree's total."""
    unit = _unit_in_scope(caller, unit_id)
    key, start, end = period_bounds(period)
    total = Counts()
    rows = []
    for u in subtree(unit):
        counts = unit_counts(u.unit_id, start, end)
        total.merge(counts)
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

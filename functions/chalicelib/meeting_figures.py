"""A unit's month of organisation life as figures (UnitMonth): what the rules ask of it against
what it held. One computation for the monthly job (meeting_checks, every unit from the month's
meetings) and for a unit's own list (meeting_plans, from the unit's meetings when its list is
viewed, so a record locked today shows to the superiors without waiting for the night's run).

A meeting counts as held when its record is locked (state "locked"), in the month of its start;
a requirement on this month's list (meeting_kinds.required) counts the meetings of its whole
period (a quarter, a year); a kind the unit may hold but is not asked for this month counts
the month's. Overdue: required, not held, past its due date.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Any

from . import clock, meeting_kinds
from .models import OrgUnit, UnitMonth

# (unit id, kind, months) → how many locked meetings of the kind the unit held in those months
Held = Callable[[str, str, list[str]], int]
CLOSE_DAYS = 3  # the previous month is recomputed on the 1st to 3rd, then left as it stands


def tree_sort(path: Iterable[str]) -> str:
    return "/".join(path) + "/"


def months_between(first: str, last: str) -> list[str]:
    out, month = [], first
    while month <= last:
        out.append(month)
        year, mm = int(month[:4]), int(month[5:7])
        month = f"{year + mm // 12:04d}-{mm % 12 + 1:02d}"
    return out


def open_months(today: date) -> list[str]:
    """The months whose figures are still computed: this one, and the previous one on the
    first CLOSE_DAYS days (then it is closed and its figures stand)."""
    current = f"{today.year:04d}-{today.month:02d}"
    if today.day > CLOSE_DAYS:
        return [current]
    year, mm = today.year, today.month
    previous = f"{year - (mm == 1):04d}-{(mm - 2) % 12 + 1:02d}"
    return [previous, current]


def _shift(month: str, n: int) -> str:
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def is_live(unit_kind: str, month: str, today: date) -> bool:
    """Whether a unit's row for the month is still computed: the month is open, or a
    requirement on its list is not yet past its due date by more than CLOSE_DAYS (a quarterly
    or yearly requirement on a month before its period's last runs to the period's end, and is
    marked overdue once after it; then the row stands like a closed month's)."""
    if month in open_months(today):
        return True
    return any(
        today <= k.due_date(month) + timedelta(days=CLOSE_DAYS)
        for k in meeting_kinds.required(unit_kind, month)
    )


def live_months(today: date, unit_kinds: Iterable[str]) -> list[str]:
    """The months, oldest first, whose row is still computed for some unit of these kinds
    (a period is at most a year, so the twelve months back are enough)."""
    current = f"{today.year:04d}-{today.month:02d}"
    wanted = set(unit_kinds)
    return [
        month
        for month in (_shift(current, n) for n in range(-12, 1))
        if any(is_live(kind, month, today) for kind in wanted)
    ]


def figures(unit: OrgUnit, month: str, held: Held, today: date) -> dict[str, Any]:
    required = {k.key: k for k in meeting_kinds.required(unit.kind, month)}
    by_kind: dict[str, dict[str, int]] = {}
    overdue: list[str] = []
    for kind in meeting_kinds.held_by(unit.kind):
        if kind.key in required:
            count = held(unit.unit_id, kind.key, months_between(*kind.period(month)))
            need = kind.min_count
            if count < need and today > kind.due_date(month):
                overdue.append(kind.key)
        else:
            count, need = held(unit.unit_id, kind.key, [month]), 0
        by_kind[kind.key] = {"held": count, "required": need}
    return {
        "unit_name": unit.name,
        "unit_kind": unit.kind,
        "unit_path": list(unit.path),
        "tree_sort": tree_sort(unit.path),
        "by_kind": by_kind,
        "done": all(v["held"] >= v["required"] for v in by_kind.values()),
        "overdue": overdue,
    }


def stored(row: UnitMonth | None) -> dict[str, Any] | None:
    """A stored row in the shape `figures` returns (to see whether anything changed)."""
    if row is None:
        return None
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

"""Key-field monitoring of the member registry, per branch: the one definition of the checks,
used by `python -m tools.data_quality` (the offline report) and the 党务工作台's precompute job
(`console_job`: each unit's data-quality problems).

`build_report` works on plain records (the importer's records or the registry's items: anything
with their attributes) so that it is testable without a database.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from .registry_import import parse_date  # the registry's one date parser (the import's)


class MemberRecord(Protocol):
    member_no: str
    name: str
    gender: str | None
    phone: str | None
    branch_id: str
    status: str
    joined_on: str | None
    active: bool

    @property
    def roles(self) -> Sequence[str]: ...


class UnitRecord(Protocol):
    unit_id: str
    name: str
    kind: str
    sort_order: Any

    @property
    def path(self) -> Sequence[str]: ...


# Problems counted per branch, in column order.
ISSUES: dict[str, str] = {
    "missing_phone": "缺手机号",
    "missing_joined_on": "缺入党日期",
    "missing_gender": "缺性别",
    "overdue_probation": "预备期超期",
    "shared_phone": "手机号重复",
    "future_join": "入党日期在未来",
    "inactive": "已停用",
}


@dataclass
class BranchReport:
    unit_id: str
    name: str
    members: int = 0  # active members
    has_secretary: bool = False
    issues: dict[str, list[MemberRecord]] = field(
        default_factory=lambda: {key: [] for key in ISSUES}
    )


@dataclass
class QualityReport:
    as_of: date
    branches: list[BranchReport]

    def totals(self) -> dict[str, int]:
        totals = {"members": sum(b.members for b in self.branches)}
        for key in ISSUES:
            totals[key] = sum(len(b.issues[key]) for b in self.branches)
        totals["branches_without_secretary"] = sum(not b.has_secretary for b in self.branches)
        return totals


def build_report(
    units: Iterable[UnitRecord], members: Iterable[MemberRecord], today: date | None = None
) -> QualityReport:
    today = today or date.today()
    units_by_id: dict[str, UnitRecord] = {u.unit_id: u for u in units}
    members = list(members)
    branches = {
        u.unit_id: BranchReport(u.unit_id, u.name)
        for u in sorted(units_by_id.values(), key=lambda u: _tree_order(u, units_by_id))
        if u.kind == "branch"
    }
    active = [m for m in members if m.active]
    phone_counts = Counter(m.phone for m in active if m.phone)
    for m in members:
        report = branches.get(m.branch_id)
        if report is None:  # members of a unit that is gone or not a branch still get listed
            report = branches[m.branch_id] = BranchReport(m.branch_id, "（未知支部）")
        if not m.active:
            report.issues["inactive"].append(m)
            continue
        report.members += 1
        report.has_secretary = report.has_secretary or "branch_secretary" in m.roles
        for key in _member_issues(m, phone_counts, today):
            report.issues[key].append(m)
    return QualityReport(today, list(branches.values()))


def _tree_order(unit: UnitRecord, units: dict[str, UnitRecord]) -> tuple:
    return tuple((units[p].sort_order, p) if p in units else (0, p) for p in unit.path)


def _member_issues(m: MemberRecord, phone_counts: Counter, today: date) -> list[str]:
    found = []
    if not m.phone:
        found.append("missing_phone")
    elif phone_counts[m.phone] > 1:
        found.append("shared_phone")
    if not m.gender:
        found.append("missing_gender")
    joined = _date_or_none(m.joined_on)
    if joined is None:
        found.append("missing_joined_on")
    elif joined > today:
        found.append("future_join")
    # The probationary period is one year; after that the member should have been confirmed.
    elif m.status == "probationary" and today > _one_year_after(joined):
        found.append("overdue_probation")
    return found


def _date_or_none(text: str | None) -> date | None:
    try:
        return parse_date(text) if text else None
    except ValueError:
        return None


def _one_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)

"""Key-field monitoring of the member registry, per branch: `python -m tools.data_quality`.

`build_report` works on plain records so that it is testable without a database; `main` reads the
units and members from DynamoDB (a Scan is fine in an offline tool).
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from tools.registry_import import MemberRecord, UnitRecord, load_members, load_units, parse_date

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
    units_by_id = {u.unit_id: u for u in units}
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


# --- output ----------------------------------------------------------------------------------

HEADINGS = ("单位编号", "支部名称", "党员人数", *ISSUES.values(), "支部书记")


def _cells(report: QualityReport) -> list[list[str]]:
    rows = []
    for b in report.branches:
        counts = [str(len(b.issues[k])) for k in ISSUES]
        rows.append([b.unit_id, b.name, str(b.members), *counts, "有" if b.has_secretary else "无"])
    totals = report.totals()
    missing = totals["branches_without_secretary"]
    rows.append(
        [
            "合计",
            f"{len(report.branches)} 个支部",
            str(totals["members"]),
            *(str(totals[k]) for k in ISSUES),
            f"{missing} 个支部无" if missing else "齐全",
        ]
    )
    return rows


def _details(report: QualityReport) -> list[str]:
    lines = []
    for key, label in ISSUES.items():
        for b in report.branches:
            for m in b.issues[key]:
                lines.append(f"{label}: {m.member_no} {m.name} ({b.name})")
    lines += [f"无支部书记：{b.unit_id} {b.name}" for b in report.branches if not b.has_secretary]
    return lines


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def render_text(report: QualityReport) -> str:
    table = [list(HEADINGS), *_cells(report)]
    widths = [max(_width(row[i]) for row in table) for i in range(len(HEADINGS))]
    lines = [f"党员信息数据质量报告（截至 {report.as_of.isoformat()}）", ""]
    for row in table:
        lines.append("  ".join(c + " " * (w - _width(c)) for c, w in zip(row, widths, strict=True)))
    details = _details(report)
    lines += ["", "问题明细：" if details else "未发现问题。", *(f"  {d}" for d in details)]
    return "\n".join(line.rstrip() for line in lines)


def render_markdown(report: QualityReport) -> str:
    lines = [f"## 党员信息数据质量报告（截至 {report.as_of.isoformat()}）", ""]
    lines.append("| " + " | ".join(HEADINGS) + " |")
    lines.append("|" + "|".join("---" for _ in HEADINGS) + "|")
    lines += ["| " + " | ".join(row) + " |" for row in _cells(report)]
    details = _details(report)
    lines += ["", "### 问题明细" if details else "未发现问题。", ""]
    lines += [f"- {d}" for d in details]
    return "\n".join(lines).rstrip() + "\n"


def render_json(report: QualityReport) -> str:
    data = {
        "as_of": report.as_of.isoformat(),
        "branches": [
            {
                "unit_id": b.unit_id,
                "name": b.name,
                "members": b.members,
                "has_secretary": b.has_secretary,
                "issues": {k: [m.member_no for m in b.issues[k]] for k in ISSUES},
            }
            for b in report.branches
        ],
        "totals": report.totals(),
        "labels": ISSUES,
    }
    return json.dumps(data, ensure_ascii=False, indent=2)


RENDERERS = {"text": render_text, "markdown": render_markdown, "json": render_json}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="党员名册关键字段监测报告")
    parser.add_argument("--format", choices=sorted(RENDERERS), default="text")
    parser.add_argument("--today", type=date.fromisoformat, help="按该日期计算（YYYY-MM-DD）")
    args = parser.parse_args(argv)
    report = build_report(load_units(), load_members(), args.today)
    print(RENDERERS[args.format](report))
    return 0


if __name__ == "__main__":
    sys.exit(main())

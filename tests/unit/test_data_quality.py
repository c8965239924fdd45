"""Data-quality report: finds the planted demo issues and each kind of problem."""

from __future__ import annotations

import json
from datetime import date

from tools.data_quality import (
    ISSUES,
    build_report,
    render_json,
    render_markdown,
    render_text,
)
from tools.demo_registry import AS_OF, PLANTED, generate
from tools.registry_import import MemberRecord, UnitRecord, validate_members, validate_units
from tools.spreadsheet import Row

TODAY = date(2026, 11, 22)


def _demo():
    units, members = generate()
    unit_records, _ = validate_units([Row(i, r) for i, r in enumerate(units, start=2)], [])
    member_records, errors = validate_members(
        [Row(i, r) for i, r in enumerate(members, start=2)], unit_records, today=TODAY
    )
    assert errors == []
    return unit_records, member_records


def _found(report) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {key: set() for key in ISSUES}
    for b in report.branches:
        for key, people in b.issues.items():
            found[key] |= {m.member_no for m in people}
    return found


def test_demo_report_finds_exactly_the_planted_issues():
    report = build_report(*_demo(), today=AS_OF)
    found = _found(report)
    for key in ISSUES:
        assert found[key] == set(PLANTED.get(key, ())), key
    totals = report.totals()
    assert totals["members"] == 178
    assert totals["branches_without_secretary"] == 0
    assert [b.members for b in report.branches] == [31, 17, 26, 19, 24, 14, 28, 19]
    assert [b.unit_id for b in report.branches][:2] == ["B0101", "B0102"]


UNITS = [
    UnitRecord("C1", "示范党委", "committee", None, ("C1",), sort_order=1),
    UnitRecord("B1", "第一党支部", "branch", "C1", ("C1", "B1"), sort_order=3),
    UnitRecord("B2", "第二党支部", "branch", "C1", ("C1", "B2"), sort_order=2),
]


def _m(no: str, branch: str = "B1", **kw) -> MemberRecord:
    base = dict(
        name=f"党员{no}",
        gender="男",
        phone=f"1380000000{no}",
        branch_id=branch,
        status="full",
        roles=(),
        joined_on="2001-07-01",
    )
    return MemberRecord(no, **{**base, **kw})


def test_each_kind_of_problem():
    members = [
        _m("1", roles=("branch_secretary",)),
        _m("2", phone=None, gender=None, joined_on=None),
        _m("3", status="probationary", joined_on="2025-11-21"),  # one year and a day
        _m("4", status="probationary", joined_on="2025-11-22"),  # exactly one year: not yet
        _m("5", joined_on="2027-01-01"),
        _m("6", "B2", phone="13800000001"),  # shares member 1's phone
        _m("7", "B2", active=False, phone="13800000001"),  # inactive: not counted as sharing
        _m("8", "B9"),  # a branch that no longer exists
    ]
    report = build_report(UNITS, members, today=TODAY)
    found = _found(report)
    assert found == {
        "missing_phone": {"2"},
        "missing_joined_on": {"2"},
        "missing_gender": {"2"},
        "overdue_probation": {"3"},
        "shared_phone": {"1", "6"},
        "future_join": {"5"},
        "inactive": {"7"},
    }
    branches = {b.unit_id: b for b in report.branches}
    assert [b.unit_id for b in report.branches] == ["B2", "B1", "B9"]  # tree order, then unknown
    assert (branches["B1"].members, branches["B1"].has_secretary) == (5, True)
    assert (branches["B2"].members, branches["B2"].has_secretary) == (1, False)
    assert branches["B9"].name == "（未知支部）"
    assert report.totals()["branches_without_secretary"] == 2


def test_leap_day_probation():
    members = [_m("1", roles=("branch_secretary",), status="probationary", joined_on="2024-02-29")]
    assert build_report(UNITS, members, today=date(2025, 2, 28)).totals()["overdue_probation"] == 0
    assert build_report(UNITS, members, today=date(2025, 3, 1)).totals()["overdue_probation"] == 1


def test_renderers():
    report = build_report(*_demo(), today=AS_OF)
    text = render_text(report)
    assert "预备期超期" in text and "合计" in text and "问题明细" in text
    lines = text.splitlines()
    assert any(line.startswith("B0101") for line in lines)
    markdown = render_markdown(report)
    assert "| 单位编号 | 支部名称 |" in markdown
    data = json.loads(render_json(report))
    assert data["totals"]["members"] == 178
    assert data["branches"][0]["issues"]["missing_phone"] == []
    clean = build_report(UNITS, [_m("1", roles=("branch_secretary",))], today=TODAY)
    assert "无支部书记：B2" in render_text(clean)

"""考核评价's demo (tools/demo_assessment.py) as `make dev` writes it over the demo registry: the
scores of four months and the year, last year's 民主评议 for every active member with the
reasons its rules ask for, this year's begun in two branches and not in the demo secretary's;
a second run adds nothing."""

from __future__ import annotations

import pytest

from chalicelib import clock
from chalicelib.models import Member
from chalicelib.models.assessment import AssessmentGrade, AssessmentItem
from tools import demo_assessment, seed_demo

pytestmark = pytest.mark.usefixtures("clean_tables")


def test_a_living_organisation_and_idempotent(dynamodb) -> None:
    seed_demo.seed()
    months, grades = demo_assessment.seed()
    assert months == 4 and grades > 178
    year = clock.today().year
    parts = {i.part for i in AssessmentItem.scan()}
    assert f"branches#y{year}" in parts and f"org#y{year}" in parts
    assert sum(p.startswith("branches#m") for p in parts) == 4
    active = {m.member_no: m for m in Member.scan() if m.active}
    last = {g.member_no: g for g in AssessmentGrade.query(str(year - 1))}
    assert set(last) == set(active)
    assert {g.grade for g in last.values()} >= {"excellent", "qualified"}
    assert all(g.reason for g in last.values() if g.grade in ("basic", "unqualified"))
    # Nobody graded herself: a secretary's grade is entered by a manager above the branch.
    assert all(g.entered_by != g.member_no for g in last.values())
    this = list(AssessmentGrade.query(str(year)))
    assert this and {g.branch_id for g in this} <= set(demo_assessment.STARTED_THIS_YEAR)
    assert demo_assessment.seed() == (4, 0)

"""What one 微党课 figures request costs (tools/capacity.py's AWS-billed units, calls counted per
operation and table), on a committee of 10 branches and ~250 members with a third of them having
watched: bounded by the unit's members (a Query per unit below and per branch, a BatchGet of read
marks per 100 members, watch progress only for the branch named), no Scan. The README quotes
these figures."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib import clock, lesson_assignments, registry
from chalicelib.models import CatalogItem, ReadMark
from tests.aws_units import billed
from tools.fixtures import generated_org, make_member

pytestmark = pytest.mark.usefixtures("clean_tables")


def test_figures_cost_is_bounded_by_the_units_members(dynamodb, capsys):
    _, members = generated_org(7, branches_per_general=7, size=(20, 30))
    boss = make_member("79999999", "B3", name="党委委员", roles=("party_committee",))
    CatalogItem(
        "cost-lesson", title="党课", url="/lessons/cost-lesson.html", category="微党课",
        kind="lesson", reading_minutes=1, chars=10, duration=600,
    ).save()  # fmt: skip
    for m in members[::3]:
        ReadMark(m.member_no, "lesson#cost-lesson", read_on=clock.today().isoformat()).save()
    caller = registry.caller_for(boss)
    due = (clock.today() + timedelta(days=7)).isoformat()
    lesson_assignments.assign(caller, {"unit_id": "C1", "slug": "cost-lesson", "due_on": due})
    n = len(members) + 1
    with billed() as bill:
        got = lesson_assignments.figures(caller, "C1", "cost-lesson", None)
    with billed() as named:
        lesson_assignments.figures(caller, "C1", "cost-lesson", "B1")
    assert got["members"] == n and got["watched"] == len(members[::3])
    branches = len(got["branches"])
    assert bill.count("Scan", "") == 0
    assert bill.count("BatchGetItem", "read-marks") == -(-n // 100)
    assert bill.count("Query", "members") == branches
    assert bill.count("BatchGetItem", "watch-progress") == 0
    assert named.count("BatchGetItem", "watch-progress") == 1
    with capsys.disabled():
        print(
            f"\nfigures of C1 ({n} members, {branches} branches): {bill.read_units:.1f} RCU,"
            f" {sum(bill.calls.values())} calls; with one branch's names:"
            f" {named.read_units:.1f} RCU, {sum(named.calls.values())} calls"
        )
    assert bill.read_units < n  # well under one unit a member

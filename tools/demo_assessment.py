"""考核评价's demo for `make dev` (infra/dev.py, after the other demo data): the scores of the
last three months and this one computed by the nightly job over the demo's meetings, dues,
volunteering and 60 days of activity, and 民主评议 grades — last year's for every branch (mostly
合格, some 优秀, a 基本合格 with its reason), this year's begun in two branches. The first
branch (the demo secretary's) has this year's still to enter. A second run adds nothing."""

from __future__ import annotations

import random

from pynamodb.exceptions import PutError

from chalicelib import assessment_job, clock
from chalicelib.assessment_views import GRADES
from chalicelib.models import Member, OrgUnit
from chalicelib.models.assessment import AssessmentGrade
from chalicelib.models.base import condition_failed

SEED = 20261202
STARTED_THIS_YEAR = ("B0201", "B0302")  # branches that began this year's 民主评议
REASONS = ("多次无故缺席组织生活，经批评教育有改正", "未按时交纳党费，学习参与较少")


def _months(today_month: str, back: int) -> list[str]:
    out = [today_month]
    for _ in range(back):
        out.insert(0, assessment_job.previous_month(out[0]))
    return out


def _grade(year: int, m: Member, unit: OrgUnit, grade: str, reason: str | None, by: str) -> int:
    row = AssessmentGrade(
        str(year),
        m.member_no,
        name=m.name,
        branch_id=unit.unit_id,
        tree_key="/".join(unit.path) + "/#" + m.member_no,
        grade=grade,
        reason=reason,
        entered_by=by,
        entered_at=int(clock.now()),
        request_key=f"demo-{year}-{m.member_no}",
    )
    try:
        row.save(condition=AssessmentGrade.member_no.does_not_exist())
        return 1
    except PutError as exc:
        if condition_failed(exc):
            return 0
        raise


def seed() -> tuple[int, int]:
    """(months computed, grades newly written)."""
    today = clock.today()
    months = _months(assessment_job.month_of(today), 3)
    assessment_job.run(today=today, months=months)
    rng = random.Random(SEED)
    units = {u.unit_id: u for u in OrgUnit.scan()}
    members = sorted(
        (m for m in Member.scan() if m.active and m.branch_id in units), key=lambda m: m.member_no
    )
    secretaries = {m.branch_id: m.member_no for m in members if "branch_secretary" in m.roles}
    # A secretary never grades herself: a 党委委员 (a manager above every branch) enters hers.
    above = next((m.member_no for m in members if "party_committee" in m.roles), None)
    written = 0
    for m in members:
        unit = units[m.branch_id]
        by = secretaries.get(m.branch_id, m.member_no)
        if by == m.member_no and above:
            by = above
        roll = rng.random()
        grade = "excellent" if roll < 0.2 else "basic" if roll > 0.97 else "qualified"
        reason = rng.choice(REASONS) if grade == "basic" else None
        written += _grade(today.year - 1, m, unit, grade, reason, by)
        if m.branch_id in STARTED_THIS_YEAR and rng.random() < 0.6:
            grade = "excellent" if rng.random() < 0.25 else "qualified"
            written += _grade(today.year, m, unit, grade, None, by)
    assert set(GRADES) >= {"excellent", "qualified", "basic"}
    return len(months), written


if __name__ == "__main__":
    print(seed())

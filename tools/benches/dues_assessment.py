"""党费核定: read and write units of her assessments page (GET /me/dues/assessments, a year and a
half of history: three assessments), her branch secretary's read of it, the read of the amount
in force that collection makes for each member and month (`dues_assessment.in_force`), and one
import row's assessment (`dues_assessment.assess`: a new month, and the same row again)."""

from __future__ import annotations

from infra.local_stack import LocalStack
from tools.bench import Row
from tools.bench_routes import Routes, unit_rows
from tools.capacity import metered


def run(stack: LocalStack) -> list[Row]:
    from chalicelib import dues_assessment
    from tools.fixtures import make_member, make_tree

    make_tree()
    sec = make_member("51000001", "B1", name="书记", roles=("branch_secretary",))
    her = make_member("51000002", "B1", name="党员")
    for month, base in (("2026-01", 480000), ("2026-07", 520000), ("2027-01", 530000)):
        dues_assessment.assess(
            her.member_no, month, "on_salary", base, branch_id="B1", reason="base_change", by="b"
        )
    routes = Routes()
    rows: list[Row] = []
    for action, path, who in (
        ("her dues assessments (3)", "/me/dues/assessments", her),
        ("a member's dues assessments (branch secretary, 3)", "/members/51000002/dues/assessments",
         sec),
    ):  # fmt: skip
        reply, got = routes.measure(action, "GET", path, member=who)
        assert reply.status_code == 200, reply.body
        rows += got
    with metered() as meter:
        dues_assessment.in_force(her.member_no, "2026-09")
    rows += unit_rows("dues in force for a month (dues_assessment.in_force)", meter)
    args = ("on_salary", 540000)
    kw = {"branch_id": "B1", "reason": "base_change", "by": "import"}
    with metered() as meter:
        dues_assessment.assess(her.member_no, "2027-07", *args, **kw)
    rows += unit_rows("dues assessed (one import row, a new month)", meter)
    with metered() as meter:
        dues_assessment.assess(her.member_no, "2027-07", *args, **kw)
    rows += unit_rows("dues assessed (the same row again: unchanged)", meter)
    return rows

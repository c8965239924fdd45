"""Meetings (会议室): read and write units per meeting created through the real route (token check,
the organiser's scope, the registry reads of the invitees, the attendance rows, the meeting, the
notice to each attendee), per attendee, for a branch of 30 (the kind's default: every member), a
general branch of 3 × 30 and a committee at the 500 cap; a retried create (the same request key);
and the member's and the organiser's other actions: 我的会议, a meeting, the attendance list, 请假
and its approval, and the home page's meeting entry (`meetings.todo`)."""

from __future__ import annotations

from datetime import timedelta

from infra.local_stack import LocalStack
from tools.bench import Row
from tools.bench_routes import Routes, unit_rows
from tools.capacity import metered

BRANCH = 30
# Written out whole: tools/cost_estimate.py prices this very row (its test finds the name here).
BRANCH_CREATED = "meeting created (branch, 30 attendees)"
CAP_BRANCHES = 10  # up to 10 branches of 50 more: the committee at the 500 cap
CREATED = "meeting created"
assert f"{CREATED} (branch, {BRANCH} attendees)" == BRANCH_CREATED


def _org() -> dict[str, object]:
    """C1 → G1 → B1, B2, B4 (30 members each); C1 → B3; C1 → CB0..CB9 (up to 50 each), so
    the committee has 500."""
    from chalicelib.models import Member, OrgUnit
    from tools.fixtures import make_member, make_tree

    units = make_tree()
    c1, g1 = units["C1"], units["G1"]
    extra = [("B4", g1)] + [(f"CB{i}", c1) for i in range(CAP_BRANCHES)]
    for uid, parent in extra:
        OrgUnit(
            uid, name=f"支部{uid}", kind="branch", parent_id=parent.unit_id,
            path=[*parent.path, uid], path_kinds=[*parent.path_kinds, "branch"],
        ).save()  # fmt: skip
    people = {
        "sec": make_member("50000001", "B1", name="书记", roles=("branch_secretary",)),
        "gb": make_member("50000002", "B1", name="总支委员", roles=("general_branch_committee",)),
        "pc": make_member("50000003", "B1", name="党委委员", roles=("party_committee",)),
        "member": make_member("50000004", "B1", name="党员"),
    }
    sizes = {"B1": BRANCH - 4, "B2": BRANCH, "B4": BRANCH}
    # CB0, CB1, … hold up to 50 each: the committee's 500 with what B1, B2 and B4 bring.
    left = 500 - 3 * BRANCH
    for i in range(CAP_BRANCHES):
        sizes[f"CB{i}"] = min(50, left)
        left -= sizes[f"CB{i}"]
    n = 0
    with Member.batch_write() as batch:
        for branch, size in sizes.items():
            for _ in range(size):
                n += 1
                batch.save(Member(f"6{n:07d}", name=f"党员{n}", branch_id=branch, status="full"))
    return people


def _body(unit: str, key: str, kind: str = "party_lecture", days: int = 1) -> dict:
    from chalicelib import clock

    start = clock.local_now().replace(second=0, microsecond=0) + timedelta(days=days)
    return {
        "unit_id": unit,
        "kind": kind,
        "topic": "学习贯彻党的二十届三中全会精神",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
        "place": "党员活动室",
        "request_key": key,
    }


def _per(rows: list[Row], action: str, n: int) -> list[Row]:
    """The same rows per attendee."""
    return [
        (f.replace(action, f"{action}, per attendee"), round(v / n, 2), u)
        for f, v, u in rows
        if "(AWS-billed)" in f
    ]


def run(stack: LocalStack) -> list[Row]:
    from chalicelib import meetings

    people = _org()
    routes = Routes()
    rows: list[Row] = []
    made = {}
    for who, unit, n, label in (
        ("sec", "B1", BRANCH, BRANCH_CREATED),
        ("gb", "G1", 3 * BRANCH, f"{CREATED} (general branch, {3 * BRANCH} attendees)"),
        ("pc", "C1", meetings.MAX_INVITED, f"{CREATED} (committee, {meetings.MAX_INVITED})"),
    ):
        reply, got = routes.measure(
            label, "POST", "/meetings", member=people[who], body=_body(unit, f"bench-{unit}-1")
        )
        answer = reply.json_body
        assert answer["invited"] == n, (unit, answer["invited"])
        made[unit] = answer["id"]
        rows += got + _per(got, label, n)
    _, got = routes.measure(
        f"{CREATED} again (the same request key, {BRANCH} attendees)",
        "POST", "/meetings", member=people["sec"], body=_body("B1", "bench-B1-1"),
    )  # fmt: skip
    rows += got
    mid = made["B1"]
    member, sec = people["member"], people["sec"]
    for action, method, path, who, body in (
        ("my meetings, upcoming (3 meetings)", "GET", "/me/meetings?when=upcoming", member, None),
        ("a meeting (member)", "GET", f"/meetings/{mid}", member, None),
        (f"a meeting (staff, with counts of {BRANCH})", "GET", f"/meetings/{mid}", sec, None),
        (f"attendance list ({BRANCH})", "GET", f"/meetings/{mid}/attendance", sec, None),
        ("ask for leave", "POST", f"/meetings/{mid}/leave", member, {"reason": "外出培训"}),
        ("leave approved (with her message)", "POST", f"/meetings/{mid}/leave/50000004", sec,
         {"decision": "approve"}),
    ):  # fmt: skip
        _, got = routes.measure(action, method, path, member=who, body=body)
        rows += got
    with metered() as meter:
        meetings.todo("50000004")
    rows += unit_rows("home page meeting entry (meetings.todo, 3 meetings)", meter)
    with metered() as meter:
        meetings.todo("00000000")
    rows += unit_rows("home page meeting entry (meetings.todo, none)", meter)
    return rows

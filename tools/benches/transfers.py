"""组织关系转接: read and write units of a staff member's actions through the real routes — a
transfer started, the receiving branch's approval (the move, the follow-up: one invitation of
the old branch withdrawn, the registry's version, her message), a retried approval, a 介绍信
out (the counter in the transaction), a unit's list of 20 transfers and one transfer read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from infra.local_stack import LocalStack
from tools.bench import Row
from tools.bench_routes import Routes

LISTED = 20


def run(stack: LocalStack) -> list[Row]:
    from chalicelib.models import Member
    from tools.fixtures import make_member, make_tree, rid

    make_tree()
    sec1 = make_member("51000001", "B1", name="一支书记", roles=("branch_secretary",))
    sec2 = make_member("52000001", "B2", name="二支书记", roles=("branch_secretary",))
    with Member.batch_write() as batch:
        for n in range(LISTED + 2):
            batch.save(Member(f"5300{n:04d}", name=f"党员{n}", branch_id="B1", status="full"))
    _coming_meeting("53000000")
    routes = Routes()
    rows: list[Row] = []
    body = {"member_no": "53000000", "to_unit": "B2", "reason": "工作调动", "request_key": rid()}
    reply, got = routes.measure("transfer started", "POST", "/transfers", member=sec1, body=body)
    rows += got
    tid = reply.json_body["id"]
    path = f"/transfers/{tid}/decision"
    decision = {"decision": "approve"}
    _, got = routes.measure(
        "transfer approved (the move, 1 invitation withdrawn, her message)",
        "POST", path, member=sec2, body=decision,
    )  # fmt: skip
    rows += got
    _, got = routes.measure("transfer approved again (a retry)", "POST", path, member=sec2,
                            body=decision)  # fmt: skip
    rows += got
    letter = {"member_no": "53000001", "other_org": "外单位党委", "reason": "调出",
              "request_key": rid()}  # fmt: skip
    _, got = routes.measure("introduction letter out (numbered)", "POST", "/transfer-letters",
                            member=sec1, body=letter)  # fmt: skip
    rows += got
    for n in range(2, LISTED):
        more = {
            "member_no": f"5300{n:04d}",
            "to_unit": "B3",
            "reason": "调动",
            "request_key": rid(),
        }
        routes.send("POST", "/transfers", member=sec1, body=more)
    _, got = routes.measure(f"a unit's transfers ({LISTED})", "GET", "/units/B1/transfers",
                            member=sec1)  # fmt: skip
    rows += got
    _, got = routes.measure("a transfer", "GET", f"/transfers/{tid}", member=sec2)
    return rows + got


def _coming_meeting(member_no: str) -> None:
    from chalicelib import clock
    from chalicelib.models import Attendance, Meeting

    iso = (datetime.now(UTC) + timedelta(days=3)).astimezone(clock.TZ).isoformat()
    Meeting(
        "mt_bench_transfer", unit_id="B1", unit_path=["C1", "G1", "B1"], unit_name="第一党支部",
        kind="theme_day", topic="主题党日", starts_at=iso, ends_at=iso, month=iso[:7],
        organiser="51000001", invited=1, checkin_secret="x" * 32, created_at=clock.now(),
        updated_at=clock.now(), unit_sort=f"{iso}#mt_bench_transfer",
        tree_sort=f"C1/G1/B1/#{iso}#mt_bench_transfer",
    ).save()  # fmt: skip
    Attendance("mt_bench_transfer", member_no, name="x", branch_id="B1", status="full",
               member_sort=f"{iso}#mt_bench_transfer").save()  # fmt: skip

"""志愿服务: read and write units of each action through the real routes — an activity
published, a sign-up (the transaction of her row and the activity's count), the same sign-up
again (a retry), a cancel (the transaction giving the place back), the desk's code, a check-in,
a participant's hours, the confirmation of an activity of PARTICIPANTS (each row fixed, then
奉献分 through the ledger: a claim and a line each), a correction after it, her page and the
sign-up list."""

from __future__ import annotations

from datetime import timedelta

from infra.local_stack import LocalStack
from tools.bench import Row
from tools.bench_routes import Routes

PARTICIPANTS = 10


def run(stack: LocalStack) -> list[Row]:
    from chalicelib import checkin_codes, clock
    from chalicelib.models import Member, VolunteerActivity
    from chalicelib.settings import get_settings
    from tools.fixtures import make_member, make_tree, rid

    make_tree()
    staff = make_member("V5100001", "B1", name="总支委员", roles=("general_branch_committee",))
    people = [
        Member(f"V530{n:04d}", name=f"党员{n}", branch_id="B1" if n % 2 else "B2", status="full")
        for n in range(PARTICIPANTS + 1)
    ]
    with Member.batch_write() as batch:
        for m in people:
            batch.save(m)
    routes = Routes()
    rows: list[Row] = []
    start = clock.local_now() + timedelta(days=1)
    body = {
        "unit_id": "G1",
        "topic": "社区义诊志愿服务",
        "place": "幸福里社区服务中心",
        "starts_at": start.isoformat(timespec="minutes"),
        "ends_at": (start + timedelta(hours=2)).isoformat(timespec="minutes"),
        "places": 50,
        "request_key": rid(),
    }
    reply, got = routes.measure("activity published", "POST", "/volunteer-activities",
                                member=staff, body=body)  # fmt: skip
    rows += got
    aid = reply.json_body["id"]
    base = f"/volunteer-activities/{aid}"
    first, *others = people
    _, got = routes.measure("sign-up (row + count, one transaction)", "POST", f"{base}/signup",
                            member=first)  # fmt: skip
    rows += got
    _, got = routes.measure("sign-up again (a retry)", "POST", f"{base}/signup", member=first)
    rows += got
    _, got = routes.measure("cancel (row + count, one transaction)", "POST", f"{base}/cancel",
                            member=first)  # fmt: skip
    rows += got
    for m in others:
        routes.send("POST", f"{base}/signup", member=m)
    _, got = routes.measure("her page (open activities, hers, totals)", "GET",
                            "/volunteer-activities", member=others[0])  # fmt: skip
    rows += got

    # The day: check-in opens 30 minutes before the start.
    now = clock.now()
    VolunteerActivity(aid).update(actions=[
        VolunteerActivity.starts_ts.set(int(now + 600)),
        VolunteerActivity.ends_ts.set(int(now + 600 + 7200)),
        VolunteerActivity.deadline_ts.set(int(now - 60)),
    ])  # fmt: skip
    _, got = routes.measure("the desk's code (with its QR code)", "GET", f"{base}/checkin-code",
                            member=staff)  # fmt: skip
    rows += got
    secret = VolunteerActivity.get(aid, consistent_read=True).checkin_secret
    step = get_settings().checkin_step_seconds

    def code() -> dict[str, str]:
        return {"code": checkin_codes.current(secret, clock.now(), step).code}

    _, got = routes.measure("check-in (budget + row)", "POST", f"{base}/checkin",
                            member=others[0], body=code())  # fmt: skip
    rows += got
    for m in others[1:]:
        routes.send("POST", f"{base}/checkin", member=m, body=code())
    _, got = routes.measure("a participant's hours", "POST",
                            f"{base}/hours/{others[1].member_no}", member=staff,
                            body={"hours": 1.5})  # fmt: skip
    rows += got
    _, got = routes.measure(f"sign-up list ({PARTICIPANTS})", "GET", f"{base}/signups",
                            member=staff)  # fmt: skip
    rows += got
    VolunteerActivity(aid).update(actions=[
        VolunteerActivity.starts_ts.set(int(now - 7200)),
        VolunteerActivity.ends_ts.set(int(now - 60)),
    ])  # fmt: skip
    # A literal name (PARTICIPANTS is 10): tools/cost_estimate.py prices it by this name.
    _, got = routes.measure("hours confirmed, 奉献分 awarded (10 participants)",
                            "POST", f"{base}/confirm", member=staff)  # fmt: skip
    rows += got
    _, got = routes.measure("hours corrected after confirming (row + adjustment)", "POST",
                            f"{base}/hours/{others[0].member_no}", member=staff,
                            body={"hours": 3})  # fmt: skip
    return rows + got

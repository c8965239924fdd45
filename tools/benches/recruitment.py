"""党员发展: read and write units per staff action through the real routes — registering an
applicant, recording a step of a person early in the process and of one late in it (her item
grows with every record), the committee's admission (the record and her member item in one
transaction), her timeline, and a unit's list for a branch of 20 people in the process and a
committee of 200 (one Query of the subtree; every person's item whole)."""

from __future__ import annotations

from datetime import timedelta

from infra.local_stack import LocalStack
from tools.bench import Row
from tools.bench_routes import Routes

BRANCH_PEOPLE = 20
COMMITTEE_PEOPLE = 200


def _people(units: dict, secretary: str, today) -> list[str]:
    """BRANCH_PEOPLE in B1 and the rest of COMMITTEE_PEOPLE spread over B2 and B3, each well
    into the process (ten records: an activist with her first reports)."""
    from chalicelib.models.recruitment import Recruit, StepRecord

    walk = ("application", "talk", "recommend", "activist", "activist_filed", "mentors")
    ids = []
    with Recruit.batch_write() as batch:
        for n in range(COMMITTEE_PEOPLE):
            unit = units["B1" if n < BRANCH_PEOPLE else ("B2", "B3")[n % 2]]
            pid = f"rp_bench_{n:04d}"
            ids.append(pid)
            on = (today - timedelta(days=400)).isoformat()
            records = [StepRecord(step=s, on=on, by=secretary, at=0) for s in walk]
            records += [StepRecord(step="report", on=on, by=secretary, at=0)] * 4
            batch.save(
                Recruit(
                    pid, name=f"积极分子{n}", branch_id=unit.unit_id, branch_path=list(unit.path),
                    branch_path_kinds=list(unit.path_kinds), root=unit.path[0],
                    tree_sort="/".join(unit.path) + "/#" + pid, stage="activist",
                    applied_on=on, records=records, version=len(records), created_at=0,
                    created_by=secretary,
                )
            )  # fmt: skip
    return ids


def run(stack: LocalStack) -> list[Row]:
    from chalicelib import clock
    from tools.fixtures import make_member, make_tree

    units = make_tree()
    sec = make_member("52000001", "B1", name="书记", roles=("branch_secretary",))
    pc = make_member("52000002", "B3", name="党委委员", roles=("party_committee",))
    today = clock.today()
    ids = _people(units, sec.member_no, today)
    routes = Routes()
    rows: list[Row] = []
    reply, got = routes.measure(
        "recruitment: applicant registered", "POST", "/units/B1/recruitment", member=sec,
        body={"name": "新申请人", "applied_on": today.isoformat(), "request_key": "bench-rc-1"},
    )  # fmt: skip
    rows += got
    fresh = reply.json_body["id"]
    _, got = routes.measure(
        "recruitment: step recorded (2 records before)", "POST", f"/recruitment/{fresh}/steps",
        member=sec, body={"step": "talk", "on": today.isoformat(), "request_key": "bench-rc-2"},
    )  # fmt: skip
    rows += got
    body = {"step": "candidate", "on": today.isoformat(), "request_key": "bench-rc-3"}
    _, got = routes.measure(
        "recruitment: step recorded (10 records before)", "POST", f"/recruitment/{ids[0]}/steps",
        member=sec, body=body,
    )  # fmt: skip
    rows += got
    # The admission: a person at the committee's approval, her member item written with it.
    from chalicelib.models.recruitment import Recruit, StepRecord

    person = Recruit.get(ids[1])
    on = (today - timedelta(days=10)).isoformat()
    tail = ("candidate", "candidate_filed", "sponsors", "political_review", "training",
            "publicity", "pre_review", "branch_meeting")  # fmt: skip
    person.update(
        actions=[
            Recruit.records.set(
                [
                    *person.records,
                    *[StepRecord(step=s, on=on, by=sec.member_no, at=0) for s in tail],
                ]
            ),
            Recruit.stage.set("candidate"),
        ]
    )
    _, got = routes.measure(
        "recruitment: admission approved (member item created)", "POST",
        f"/recruitment/{ids[1]}/steps", member=pc,
        body={"step": "admission", "on": today.isoformat(), "member_no": "52990001",
              "request_key": "bench-rc-4"},
    )  # fmt: skip
    rows += got
    for action, path, who in (
        ("recruitment: a person's timeline (18 records)", f"/recruitment/{ids[1]}", sec),
        (f"recruitment: branch list ({BRANCH_PEOPLE + 1} people)", "/units/B1/recruitment", sec),
        (f"recruitment: committee list ({COMMITTEE_PEOPLE + 1} people)", "/units/C1/recruitment",
         pc),
    ):  # fmt: skip
        _, got = routes.measure(action, "GET", path, member=who)
        rows += got
    return rows

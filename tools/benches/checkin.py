"""Meeting check-in: read and write units per check-in (the token check, the meeting, her row,
the guess budget taken and given back, the conditional write), per refresh of the organiser's
code, per poll of the live view of a meeting of 30 and of 200 invited, and per correction,
through the routes (tools/bench_routes.py); the check-in's time over HTTP and in-process (p50).

Meetings and attendance rows are written straight through the models, as the meeting's creation
writes them (meetings.py)."""

from __future__ import annotations

import statistics
import time
from datetime import datetime, timedelta

import requests

from infra.local_stack import LocalStack
from tools.bench import Row
from tools.bench_routes import Routes
from tools.fixtures import bearer, make_member, make_tree

SAMPLES = 30
SECRETARY = "33000000"


def _meeting(meeting_id: str, members: list) -> str:
    from chalicelib import checkin_codes, clock
    from chalicelib.models import Attendance, Meeting

    start = datetime.fromtimestamp(clock.now() - 600, clock.TZ)
    starts = start.isoformat(timespec="seconds")
    now = int(clock.now())
    Meeting(
        meeting_id,
        unit_id="B1",
        unit_path=["C1", "G1", "B1"],
        unit_name="第一党支部",
        kind="branch_assembly",
        topic="基准测试会议",
        starts_at=starts,
        ends_at=(start + timedelta(hours=2)).isoformat(timespec="seconds"),
        month=start.strftime("%Y-%m"),
        organiser=SECRETARY,
        checkin_secret=checkin_codes.new_secret(),
        created_at=now,
        updated_at=now,
        unit_sort=f"{starts}#{meeting_id}",
        tree_sort=f"C1/G1/B1/#{starts}#{meeting_id}",
    ).save()
    with Attendance.batch_write() as batch:
        for m in members:
            batch.save(
                Attendance(
                    meeting_id,
                    m.member_no,
                    name=m.name,
                    branch_id=m.branch_id,
                    status=m.status,
                    member_sort=f"{starts}#{meeting_id}",
                )
            )
    return meeting_id


def _p50(prepare, fn, n: int = SAMPLES) -> float:
    """The median of `fn(i, prepare())`, timing `fn` only."""
    samples = []
    for i in range(n):
        ready = prepare()
        start = time.perf_counter()
        fn(i, ready)
        samples.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(samples), 1)


def run(stack: LocalStack) -> list[Row]:
    make_tree()
    secretary = make_member(SECRETARY, "B1", roles=("branch_secretary",), password=None)
    members = [make_member(f"3300{i:04d}", "B1", password=None) for i in range(1, 201)]
    small = _meeting("mt_benchsmall01", members[:30])
    big = _meeting("mt_benchlarge01", members)
    routes = Routes()

    def code(meeting_id: str) -> str:
        path = f"/meetings/{meeting_id}/checkin-code"
        return routes.send("GET", path, member=secretary).json_body["code"]

    _, code_rows = routes.measure(
        "check-in code (organiser's page, each step)",
        "GET",
        f"/meetings/{small}/checkin-code",
        member=secretary,
    )
    _, checkin_rows = routes.measure(
        "check-in",
        "POST",
        f"/meetings/{small}/checkin",
        member=members[0],
        body={"code": code(small)},
    )
    _, status_rows = routes.measure(
        "check-in live view, 30 invited",
        "GET",
        f"/meetings/{small}/checkin-status",
        member=secretary,
    )
    _, status_big_rows = routes.measure(
        "check-in live view, 200 invited",
        "GET",
        f"/meetings/{big}/checkin-status",
        member=secretary,
    )
    _, correction_rows = routes.measure(
        "attendance correction",
        "POST",
        f"/meetings/{small}/attendance/{members[1].member_no}",
        member=secretary,
        body={"present": True, "reason": "现场核实出席"},
    )

    # Times: members 2..31 in-process, 32..61 over HTTP, each once, on the large meeting.
    # The code is fetched before each (not timed): a step may turn while the samples run.
    in_process = _p50(
        lambda: code(big),
        lambda i, c: routes.send(
            "POST", f"/meetings/{big}/checkin", member=members[2 + i], body={"code": c}
        ),
    )
    url = f"{stack.url}/api/meetings/{big}/checkin"

    def over_http(i: int, c: str) -> None:
        r = requests.post(
            url, json={"code": c}, headers=bearer(members[2 + SAMPLES + i]), timeout=30
        )
        assert r.status_code == 200, r.text

    http = _p50(lambda: code(big), over_http)
    return [
        *checkin_rows,
        *code_rows,
        *status_rows,
        *status_big_rows,
        *correction_rows,
        ("POST /meetings/{id}/checkin over HTTP, p50", http, "ms"),
        ("POST /meetings/{id}/checkin in-process, p50", in_process, "ms"),
    ]

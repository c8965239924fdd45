"""诉求: read and write units of each step through the real routes — a request submitted (and
the same submission retried), accepted, transferred to another unit, re-accepted, handled,
closed with an answer (her message), rated — and of the views: her list, a unit's queue, the
desk, a request read, and the four rates of a committee's subtree (5 units, each read with
one Query of the `by-origin` index) over 60 requests of a month."""

from __future__ import annotations

from infra.local_stack import LocalStack
from tools.bench import Row
from tools.bench_routes import Routes

GENERATED = 60  # with the one measured above: the 61 the view rows name


def run(stack: LocalStack) -> list[Row]:
    from chalicelib import registry, service_requests
    from tools.fixtures import make_member, make_tree, rid

    make_tree()  # C1 → G1 → B1, B2; C1 → B3
    member = make_member("61000001", "B1", name="王芳")
    sec1 = make_member("61000002", "B1", name="一支书记", roles=("branch_secretary",))
    sec3 = make_member("63000001", "B3", name="机关书记", roles=("branch_secretary",))
    pc = make_member("63000002", "B3", name="党委委员", roles=("party_committee",))
    routes = Routes()
    rows: list[Row] = []
    body = {"category": "branch_life", "text": "支部活动室的空调坏了，希望尽快维修。",
            "request_key": rid()}  # fmt: skip
    reply, got = routes.measure("request submitted", "POST", "/service-requests", member=member,
                                body=body)  # fmt: skip
    rows += got
    _, got = routes.measure("request submitted again (a retry)", "POST", "/service-requests",
                            member=member, body=body)  # fmt: skip
    rows += got
    path = f"/service-requests/{reply.json_body['id']}"
    steps = [
        ("request accepted (her message)", sec1, {"act": "accept"}),
        ("request transferred to another unit", sec1,
         {"act": "transfer", "to_unit": "B3", "note": "属机关支部职责"}),
        ("request accepted by the new unit (her message)", sec3, {"act": "accept"}),
        ("request handled", sec3, {"act": "handle", "note": "已联系后勤"}),
        ("request closed with an answer (her message)", sec3,
         {"act": "close", "answer": "空调已维修完毕。"}),
    ]  # fmt: skip
    for action, who, step in steps:
        _, got = routes.measure(action, "POST", f"{path}/steps", member=who, body=step)
        rows += got
    _, got = routes.measure("request rated", "POST", f"{path}/rating", member=member,
                            body={"rating": "satisfied"})  # fmt: skip
    rows += got
    # A month of requests across the committee (through the functions: the routes are measured
    # above), then the views.
    caller = registry.caller_for(member)
    for n in range(GENERATED):
        made, _ = service_requests.submit(caller, member, {
            "category": ("branch_life", "hardship", "workplace")[n % 3],
            "text": f"第{n}条诉求的内容", "request_key": rid(),
        })  # fmt: skip
        unit = made["unit"]["id"]
        staff = {"B1": sec1, "C1": pc}.get(unit)
        if staff is not None and n % 2 == 0:
            service_requests.act(registry.caller_for(staff), staff, made["id"], {"act": "accept"})
    views = [
        ("my requests (61: a page of 50)", "/me/service-requests", member),
        ("a request read (its timeline)", path, member),
        ("a unit's open queue", "/units/B1/service-requests", sec1),
        ("the desk (her unit's queue, the organisation's units)", "/service-requests/desk", sec1),
        ("the four rates of a committee's subtree (5 units, 61 requests)",
         "/units/C1/service-request-rates", pc),
    ]  # fmt: skip
    for action, url, who in views:
        _, got = routes.measure(action, "GET", url, member=who)
        rows += got
    return rows

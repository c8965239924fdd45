"""季度检查 and 通报: read and write units through the real routes — an inspection opened over a
committee's two units (the head and one row per unit in one transaction), a score (one
conditional update of the unit's row) and the same cell changed, the grid read (one Query of
the inspection's partition), publishing (one transaction over the head and every unit's row,
and the message to the units' staff), and a member's reads of the 通报: her list (one Query of
`by-unit` per unit on her branch's path) and one 通报."""

from __future__ import annotations

from infra.local_stack import LocalStack
from tools.bench import Row
from tools.bench_routes import Routes


def run(stack: LocalStack) -> list[Row]:
    from chalicelib import inspections, registry
    from chalicelib.inspection_checklist import checklist, points
    from tools.fixtures import make_member, make_tree, rid

    make_tree()  # C1 → G1 → B1, B2; C1 → B3
    member = make_member("64000001", "B1", name="王芳")
    make_member("64000002", "B2", name="总支委员", roles=("general_branch_committee",))
    make_member("64000003", "B3", name="机关书记", roles=("branch_secretary",))
    pc = make_member("64000004", "B3", name="党委委员", roles=("party_committee",))
    routes = Routes()
    rows: list[Row] = []
    body = {"unit_id": "C1", "quarter": inspections.current_quarter(), "request_key": rid()}
    made, got = routes.measure(
        "inspection opened (2 units)", "POST", "/inspections", member=pc, body=body
    )
    rows += got
    iid = made.json_body["id"]
    items = checklist().items
    first = items[0]
    cell = {"unit_id": "G1", "item": first.key, "score": points(first.max_tenths), "version": 0}
    _, got = routes.measure(
        "item scored (one cell)", "POST", f"/inspections/{iid}/scores", member=pc, body=cell
    )
    rows += got
    changed = {
        **cell,
        "score": points(first.max_tenths - 10),
        "comment": "记录缺一次。",
        "version": 1,
    }
    _, got = routes.measure(
        "item score changed (one cell)",
        "POST",
        f"/inspections/{iid}/scores",
        member=pc,
        body=changed,
    )
    rows += got
    caller = registry.caller_for(pc)
    for unit in ("G1", "B3"):
        for item in items:
            if (unit, item.key) != ("G1", first.key):
                inspections.score(caller, pc, iid, {"unit_id": unit, "item": item.key,
                                                    "score": points(item.max_tenths)})  # fmt: skip
    _, got = routes.measure(
        "inspection grid read (2 units × 8 items)", "GET", f"/inspections/{iid}", member=pc
    )
    rows += got
    summary = {"summary": "本季度各单位党建工作总体规范，请对照检查意见整改。"}
    _, got = routes.measure(
        "bulletin published (2 units, their staff told)", "POST", f"/inspections/{iid}/publish",
        member=pc, body=summary,
    )  # fmt: skip
    rows += got
    _, got = routes.measure("bulletins listed (a member)", "GET", "/bulletins", member=member)
    rows += got
    _, got = routes.measure("bulletin read (a member)", "GET", f"/bulletins/{iid}", member=member)
    rows += got
    return rows

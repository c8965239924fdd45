"""红能量: read and write units of a member's and a staff member's actions through the real
routes — the member's page (balance, catalogue of her path's units, orders, movements), a
redemption (movement, order, wallet, stock in one transaction), the same request again, a
donation, the staff desk of a unit, an order handed over and one cancelled (the refund)."""

from __future__ import annotations

from infra.local_stack import LocalStack
from tools.bench import Row
from tools.bench_routes import Routes


def run(stack: LocalStack) -> list[Row]:
    from chalicelib import clock
    from chalicelib.models import PointTotal
    from tools.fixtures import make_member, make_tree, rid

    make_tree()
    sec = make_member("56000001", "B1", name="一支书记", roles=("branch_secretary",))
    party = make_member("56000002", "B3", name="党委委员", roles=("party_committee",))
    member = make_member("56000003", "B1", name="王芳")
    today = clock.today()
    PointTotal(member.member_no, f"y{today.year}", points=500,
               months={f"{today.month:02d}": 500}).save()  # fmt: skip
    routes = Routes()
    rows: list[Row] = []
    item = {"title": "《中国共产党章程》", "cost": 20, "stock": 50, "request_key": rid()}
    reply, got = routes.measure("item added (staff)", "POST", "/red-energy/units/B1/items",
                                member=sec, body=item)  # fmt: skip
    rows += got
    item_id = reply.json_body["id"]
    notebook = {"title": "党员学习笔记本", "cost": 5, "stock": 50, "request_key": rid()}
    routes.send("POST", "/red-energy/units/C1/items", member=party, body=notebook)
    deadline = today.replace(year=today.year + 1).isoformat()
    project = {"title": "困难党员帮扶", "target": 1000, "deadline": deadline, "request_key": rid()}
    reply = routes.send("POST", "/red-energy/units/C1/projects", member=party, body=project)
    project_id = reply.json_body["id"]
    redemption = {"item_id": item_id, "quantity": 1, "cost": 20, "request_key": rid()}
    reply, got = routes.measure("redemption (movement, order, wallet, stock: one transaction)",
                                "POST", "/red-energy/redemptions", member=member,
                                body=redemption)  # fmt: skip
    rows += got
    order_id = reply.json_body["order"]["id"]
    _, got = routes.measure("redemption again (a retry: the first outcome)", "POST",
                            "/red-energy/redemptions", member=member, body=redemption)  # fmt: skip
    rows += got
    donation = {"project_id": project_id, "amount": 30, "request_key": rid()}
    _, got = routes.measure("donation (movement, wallet, project: one transaction)", "POST",
                            "/red-energy/donations", member=member, body=donation)  # fmt: skip
    rows += got
    _, got = routes.measure("member's page (balance, 2 units' catalogue, orders, movements)",
                            "GET", "/red-energy", member=member)  # fmt: skip
    rows += got
    _, got = routes.measure("a unit's desk (catalogue, open and closed orders)", "GET",
                            "/red-energy/units/B1", member=sec)  # fmt: skip
    rows += got
    _, got = routes.measure("order handed over (fulfilment)", "POST",
                            f"/red-energy/orders/{order_id}/decision", member=sec,
                            body={"decision": "fulfil"})  # fmt: skip
    rows += got
    second = {"item_id": item_id, "quantity": 2, "cost": 20, "request_key": rid()}
    order2 = routes.send("POST", "/red-energy/redemptions", member=member, body=second)
    _, got = routes.measure("order cancelled (refund, stock, wallet: one transaction)", "POST",
                            f"/red-energy/orders/{order2.json_body['order']['id']}/decision",
                            member=sec, body={"decision": "cancel", "reason": "缺货"})  # fmt: skip
    return rows + got

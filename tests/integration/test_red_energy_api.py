"""红能量 over HTTP on DynamoDB Local: staff stock the catalogue, a member redeems and donates
from her earned points (balance = earned − spent, her rank, boards and 我的党建 untouched);
parallel redemptions beyond the stock or her balance, parallel donations beyond a target and
parallel identical requests give exact outcomes; orders handed over or cancelled with a refund
exactly once; scope (another branch's item, an unknown id: the same 403); bad input refused in
Chinese with nothing changed; a later deduction leaves the balance negative and stops spending."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from chalicelib import clock, ranking
from chalicelib.models import Board, PointTotal
from chalicelib.models.red_energy import (
    RedEnergyMovement,
    RedEnergyOffer,
    RedEnergyOrder,
    RedEnergyWallet,
)
from tools.fixtures import bearer, make_member, make_tree, rid

pytestmark = pytest.mark.usefixtures("clean_tables")


@pytest.fixture
def org(stack):
    make_tree()  # C1 → G1 → B1, B2; C1 → B3
    return {
        "sec1": make_member("81000001", "B1", name="一支书记", roles=("branch_secretary",)),
        "a": make_member("81000002", "B1", name="王芳"),
        "b": make_member("81000003", "B1", name="李强"),
        "sec2": make_member("82000001", "B2", name="二支书记", roles=("branch_secretary",)),
        "m2": make_member("82000003", "B2", name="赵敏"),
        "party": make_member("83000001", "B3", name="党委委员", roles=("party_committee",)),
    }


def call(stack, method: str, path: str, member=None, **kw) -> requests.Response:
    headers = bearer(member) if member else {}
    return requests.request(method, f"{stack.url}/api{path}", headers=headers, timeout=60, **kw)


def earn(member_no: str, points: int) -> None:
    """Her earned points this year, as the aggregator keeps them."""
    today = clock.today()
    months = {f"{today.month:02d}": points}
    try:  # a versioned item: the one read is written back
        total = PointTotal.get(member_no, f"y{today.year}", consistent_read=True)
    except PointTotal.DoesNotExist:
        total = PointTotal(member_no, f"y{today.year}")
    total.points, total.months = points, months
    total.save()


def add_item(stack, staff, unit="B1", cost=10, stock=5, title="《习近平谈治国理政》") -> dict:
    body = {"title": title, "cost": cost, "stock": stock, "request_key": rid()}
    r = call(stack, "POST", f"/red-energy/units/{unit}/items", staff, json=body)
    assert r.status_code == 201, r.text
    return r.json()


def add_project(stack, staff, unit="B1", target=100, deadline=None) -> dict:
    day = deadline or clock.today().replace(year=clock.today().year + 1).isoformat()
    body = {"title": "困难党员帮扶", "target": target, "deadline": day, "request_key": rid()}
    r = call(stack, "POST", f"/red-energy/units/{unit}/projects", staff, json=body)
    assert r.status_code == 201, r.text
    return r.json()


def redeem(stack, member, item_id: str, quantity: int = 1, key: str | None = None, cost=None):
    """Her redemption at the cost her page shows (the item's cost now, unless given)."""
    if cost is None:
        try:
            cost = int(offer(item_id).cost)
        except RedEnergyOffer.DoesNotExist:
            cost = 10
    body = {"item_id": item_id, "quantity": quantity, "cost": cost, "request_key": key or rid()}
    return call(stack, "POST", "/red-energy/redemptions", member, json=body)


def donate(stack, member, project_id: str, amount: int, key: str | None = None):
    body = {"project_id": project_id, "amount": amount, "request_key": key or rid()}
    return call(stack, "POST", "/red-energy/donations", member, json=body)


def mine(stack, member) -> dict:
    r = call(stack, "GET", "/red-energy", member)
    assert r.status_code == 200, r.text
    return r.json()


def offer(offer_id: str) -> RedEnergyOffer:
    unit, rest = offer_id.split(".", 1)
    kind = "item" if rest.startswith("i-") else "project"
    return RedEnergyOffer.get(unit, f"{kind}#{rest}", consistent_read=True)


def wallet(member_no: str) -> int:
    try:
        return int(RedEnergyWallet.get(member_no, consistent_read=True).spent)
    except RedEnergyWallet.DoesNotExist:
        return 0


def lines(member_no: str) -> list[RedEnergyMovement]:
    return list(RedEnergyMovement.query(member_no, consistent_read=True))


def test_redeem_and_donate_end_to_end_rank_untouched(stack, org):
    a, b, sec1 = org["a"], org["b"], org["sec1"]
    earn(a.member_no, 120)
    earn(b.member_no, 100)
    item = add_item(stack, sec1, cost=30, stock=4)
    above = add_item(stack, org["party"], unit="C1", cost=5, stock=9, title="党员学习笔记本")
    project = add_project(stack, sec1, target=200)
    ranking.compute_boards()
    boards = {bd.board_id: bd.data for bd in Board.scan(consistent_read=True)}
    points_before = call(stack, "GET", "/points/me", a).json()
    board_before = call(stack, "GET", "/boards/branch/B1", a).json()

    page = mine(stack, a)
    assert (page["earned"], page["spent"], page["balance"]) == (120, 0, 120)
    assert {i["id"] for i in page["items"]} == {item["id"], above["id"]}
    assert page["items"][0]["id"] == item["id"]  # her branch's first, then the units above
    assert [p["id"] for p in page["projects"]] == [project["id"]]

    r = redeem(stack, a, item["id"], quantity=2)
    assert r.status_code == 201, r.text
    got = r.json()
    assert (got["balance"], got["spent"], got["repeat"]) == (60, 60, False)
    assert got["order"]["state"] == "pending" and got["order"]["state_label"] == "待发放"
    assert got["movement"]["delta"] == -60
    r = donate(stack, a, project["id"], 50)
    assert r.status_code == 201, r.text
    assert r.json()["balance"] == 10

    page = mine(stack, a)
    assert (page["earned"], page["spent"], page["balance"]) == (120, 110, 10)
    assert [m["kind"] for m in page["movements"]] == ["donate", "redeem"]
    assert [o["title"] for o in page["orders"]] == ["《习近平谈治国理政》"]
    assert next(p for p in page["projects"] if p["id"] == project["id"])["raised"] == 50
    assert offer(item["id"]).stock == 2

    # Spending writes nothing of the points: 我的党建, the boards and her place stay.
    ranking.compute_boards()
    assert {bd.board_id: bd.data for bd in Board.scan(consistent_read=True)} == boards
    assert call(stack, "GET", "/points/me", a).json() == points_before
    assert call(stack, "GET", "/boards/branch/B1", a).json() == board_before
    assert board_before["entries"][0]["me"] is True  # 120 > 100: still first


def test_parallel_redemptions_beyond_stock(stack, org):
    sec1 = org["sec1"]
    buyers = [make_member(f"8100{n:04d}", "B1", name=f"党员{n}") for n in range(10, 18)]
    for m in buyers:
        earn(m.member_no, 50)
    item = add_item(stack, sec1, cost=10, stock=3)
    with ThreadPoolExecutor(len(buyers)) as pool:
        answers = list(pool.map(lambda m: redeem(stack, m, item["id"]), buyers))
    codes = sorted(r.status_code for r in answers)
    assert codes == [201] * 3 + [409] * 5, [r.text for r in answers]
    assert all("库存不足" in r.json()["Message"] for r in answers if r.status_code == 409)
    assert (offer(item["id"]).stock, offer(item["id"]).redeemed) == (0, 3)
    winners = [m for m, r in zip(buyers, answers, strict=True) if r.status_code == 201]
    assert sorted(wallet(m.member_no) for m in buyers) == [0] * 5 + [10] * 3
    assert all(len(lines(m.member_no)) == 1 for m in winners)
    assert len(list(RedEnergyOrder.scan(consistent_read=True))) == 3


def test_parallel_redemptions_beyond_balance(stack, org):
    a, sec1 = org["a"], org["sec1"]
    earn(a.member_no, 50)
    item = add_item(stack, sec1, cost=10, stock=100)
    with ThreadPoolExecutor(9) as pool:
        answers = list(pool.map(lambda _: redeem(stack, a, item["id"]), range(9)))
    codes = sorted(r.status_code for r in answers)
    assert codes == [201] * 5 + [409] * 4, [r.text for r in answers]
    assert all("余额不足" in r.json()["Message"] for r in answers if r.status_code == 409)
    assert wallet(a.member_no) == 50 and offer(item["id"]).stock == 95
    assert mine(stack, a)["balance"] == 0
    assert len(lines(a.member_no)) == 5


def test_parallel_identical_requests_spend_once(stack, org):
    a, sec1 = org["a"], org["sec1"]
    earn(a.member_no, 10)  # enough for one only: a second spend would be refused, not repeated
    item = add_item(stack, sec1, cost=10, stock=1)
    key = rid()
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: redeem(stack, a, item["id"], key=key), range(6)))
    assert sorted(r.status_code for r in answers) == [200] * 5 + [201], [r.text for r in answers]
    orders = {r.json()["order"]["id"] for r in answers}
    assert len(orders) == 1
    assert all(r.json()["movement"]["amount"] == 10 for r in answers)
    assert (wallet(a.member_no), offer(item["id"]).stock, len(lines(a.member_no))) == (10, 0, 1)
    # Later, the same request again: the first outcome; the key for another item: refused.
    again = redeem(stack, a, item["id"], key=key)
    assert again.status_code == 200 and again.json()["repeat"] is True
    other = add_item(stack, sec1, cost=1, stock=1, title="党章")
    r = redeem(stack, a, other["id"], key=key)
    assert r.status_code == 409 and "请求编号" in r.json()["Message"]
    assert offer(other["id"]).stock == 1


def test_parallel_identical_donations_and_target(stack, org):
    a, b, sec1 = org["a"], org["b"], org["sec1"]
    earn(a.member_no, 100)
    earn(b.member_no, 100)
    project = add_project(stack, sec1, target=60)
    key = rid()
    with ThreadPoolExecutor(5) as pool:
        answers = list(pool.map(lambda _: donate(stack, a, project["id"], 40, key=key), range(5)))
    assert sorted(r.status_code for r in answers) == [200] * 4 + [201]
    assert (offer(project["id"]).raised, wallet(a.member_no)) == (40, 40)
    # The target is never exceeded: 30 more is refused with what remains, 20 fills it.
    r = donate(stack, b, project["id"], 30)
    assert r.status_code == 409 and "还差 20" in r.json()["Message"]
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: donate(stack, b, project["id"], 20), range(4)))
    assert sorted(r.status_code for r in answers) == [201, 409, 409, 409]
    assert (offer(project["id"]).raised, wallet(b.member_no)) == (60, 20)
    r = donate(stack, b, project["id"], 1)
    assert r.status_code == 409 and "已筹满" in r.json()["Message"]


def test_cancel_refunds_exactly_once_and_fulfil(stack, org):
    a, sec1, sec2 = org["a"], org["sec1"], org["sec2"]
    earn(a.member_no, 100)
    item = add_item(stack, sec1, cost=20, stock=5)
    first = redeem(stack, a, item["id"], quantity=2).json()["order"]
    second = redeem(stack, a, item["id"]).json()["order"]
    assert mine(stack, a)["balance"] == 40

    # Only staff managing the item's unit act; a member, another branch and an unknown id alike.
    path = f"/red-energy/orders/{first['id']}/decision"
    cancel = {"decision": "cancel", "reason": "该书暂时缺货"}
    for who in (a, sec2):
        r = call(stack, "POST", path, who, json=cancel)
        assert r.status_code == 403, r.text
    unknown = call(stack, "POST", "/red-energy/orders/od_" + "0" * 24 + "/decision", sec1,
                   json=cancel)  # fmt: skip
    assert unknown.status_code == 403
    assert unknown.json()["Message"] == r.json()["Message"]
    r = call(stack, "POST", path, sec1, json={"decision": "cancel"})
    assert r.status_code == 400 and "取消原因" in r.json()["Message"]

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: call(stack, "POST", path, sec1, json=cancel), range(4)))
    assert sorted(r.status_code for r in answers) == [200, 409, 409, 409], [r.text for r in answers]
    page = mine(stack, a)
    assert (page["spent"], page["balance"]) == (20, 80)
    assert [m["kind"] for m in page["movements"]] == ["refund", "redeem", "redeem"]
    assert page["movements"][0]["delta"] == 40
    assert offer(item["id"]).stock == 4
    r = call(stack, "POST", path, sec1, json={"decision": "fulfil"})
    assert r.status_code == 409 and "已取消" in r.json()["Message"]

    path2 = f"/red-energy/orders/{second['id']}/decision"
    r = call(stack, "POST", path2, sec1, json={"decision": "fulfil"})
    assert r.status_code == 200 and r.json()["state_label"] == "已发放"
    r = call(stack, "POST", path2, sec1, json=cancel)
    assert r.status_code == 409 and "已发放" in r.json()["Message"]
    assert mine(stack, a)["balance"] == 80
    desk = call(stack, "GET", "/red-energy/units/B1", sec1).json()
    assert desk["open_orders"] == []
    assert {o["state"] for o in desk["closed_orders"]} == {"done", "cancelled"}


def test_scope_other_branch_and_unknown_ids(stack, org):
    a, m2, sec1, sec2 = org["a"], org["m2"], org["sec1"], org["sec2"]
    earn(m2.member_no, 100)
    item = add_item(stack, sec1)
    project = add_project(stack, sec1)
    assert mine(stack, m2)["items"] == []
    r = redeem(stack, m2, item["id"])
    unknown = redeem(stack, m2, "B1.i-" + "0" * 16)
    assert r.status_code == unknown.status_code == 403
    assert r.json()["Message"] == unknown.json()["Message"]
    assert donate(stack, m2, project["id"], 5).status_code == 403
    assert wallet(m2.member_no) == 0 and offer(item["id"]).stock == 5
    # Staff of another branch: neither its desk nor its items; a member: no desk.
    for who in (sec2, a):
        body = {"title": "x", "cost": 1, "stock": 1, "request_key": rid()}
        assert call(stack, "POST", "/red-energy/units/B1/items", who, json=body).status_code == 403
        assert call(stack, "POST", f"/red-energy/items/{item['id']}", who,
                    json={"stock_change": 5}).status_code == 403  # fmt: skip
    assert call(stack, "GET", "/red-energy/units/B1", sec2).status_code == 403
    assert call(stack, "GET", "/red-energy/units/NOPE", sec2).status_code == 403
    # The committee's staff manage a branch below them.
    r = call(stack, "POST", f"/red-energy/items/{item['id']}", org["party"],
             json={"stock_change": 2, "request_key": rid()})  # fmt: skip
    assert r.status_code == 200 and r.json()["stock"] == 7
    assert call(stack, "GET", "/red-energy/desk", sec1).json()["units"] == [
        {"id": "B1", "name": "第一党支部"}
    ]


def test_staff_edits_deactivate_and_cost(stack, org):
    a, sec1 = org["a"], org["sec1"]
    earn(a.member_no, 100)
    item = add_item(stack, sec1, cost=10, stock=2)
    path = f"/red-energy/items/{item['id']}"
    r = call(stack, "POST", path, sec1, json={"stock_change": -3, "request_key": rid()})
    assert r.status_code == 409 and "库存" in r.json()["Message"]
    r = call(stack, "POST", path, sec1, json={"cost": 15, "title": "党章（新版）"})
    assert r.status_code == 200 and (r.json()["cost"], r.json()["title"]) == (15, "党章（新版）")
    # Her page still showed 10: refused, nothing spent; at the cost shown now it goes through.
    body = {"item_id": item["id"], "cost": 10, "request_key": rid()}
    r = call(stack, "POST", "/red-energy/redemptions", a, json=body)
    assert r.status_code == 409 and "兑换值已调整为每件 15" in r.json()["Message"]
    assert wallet(a.member_no) == 0 and offer(item["id"]).stock == 2
    body = {"item_id": item["id"], "cost": 15, "request_key": rid()}
    assert call(stack, "POST", "/red-energy/redemptions", a, json=body).json()["spent"] == 15
    assert call(stack, "POST", path, sec1, json={"active": False}).status_code == 200
    r = redeem(stack, a, item["id"])
    assert r.status_code == 409 and "已下架" in r.json()["Message"]
    assert mine(stack, a)["items"] == []
    assert call(stack, "GET", "/red-energy/units/B1", sec1).json()["items"][0]["active"] is False
    project = add_project(stack, sec1, target=50)
    donate(stack, a, project["id"], 30)
    p = f"/red-energy/projects/{project['id']}"
    r = call(stack, "POST", p, sec1, json={"target": 20})
    assert r.status_code == 409 and "募集目标" in r.json()["Message"]
    assert call(stack, "POST", p, sec1, json={"target": 80}).json()["remaining"] == 50


def test_deadline_passed_project_refused(stack, org):
    a, sec1 = org["a"], org["sec1"]
    earn(a.member_no, 100)
    project = add_project(stack, sec1, target=100)
    # chalice local runs in its own process with the real clock: the deadline is judged there.
    # So a past deadline is written straight to the table, as time passing would leave it.
    o = offer(project["id"])
    o.update(actions=[RedEnergyOffer.deadline.set("2020-01-01")])
    r = donate(stack, a, project["id"], 5)
    assert r.status_code == 409 and "截止" in r.json()["Message"]
    assert wallet(a.member_no) == 0


@pytest.mark.parametrize(
    ("path", "body", "words"),
    [
        ("/red-energy/units/B1/items", {"title": "书", "cost": "10", "stock": 1}, "整数"),
        ("/red-energy/units/B1/items", {"title": "书", "cost": 0, "stock": 1}, "之间"),
        ("/red-energy/units/B1/items", {"title": "好书😀", "cost": 1, "stock": 1}, "表情"),
        ("/red-energy/units/B1/items", {"title": "  ", "cost": 1, "stock": 1}, "名称"),
        ("/red-energy/units/B1/items", {"title": "书", "cost": 1, "stock": -1}, "库存"),
        ("/red-energy/units/B1/items", {"title": "书", "cost": True, "stock": 1}, "整数"),
        ("/red-energy/units/B1/items", {"title": "书" * 41, "cost": 1, "stock": 1}, "过长"),
        ("/red-energy/units/B1/items", {"title": "书", "cost": 1, "stock": 1, "x": 1}, "不支持"),
        ("/red-energy/units/B1/projects", {"title": "帮扶", "target": 9, "deadline": "2020-01-01"},
         "早于今天"),
        ("/red-energy/units/B1/projects", {"title": "帮扶", "target": 9, "deadline": "2027-02-30"},
         "有效的日期"),
    ],
)  # fmt: skip
def test_bad_staff_input(stack, org, path, body, words):
    r = call(stack, "POST", path, org["sec1"], json={**body, "request_key": rid()})
    assert r.status_code == 400, r.text
    assert words in r.json()["Message"]
    assert list(RedEnergyOffer.scan(consistent_read=True)) == []


def test_bad_member_input_changes_nothing(stack, org):
    a, sec1 = org["a"], org["sec1"]
    earn(a.member_no, 100)
    item = add_item(stack, sec1, cost=10, stock=5)
    project = add_project(stack, sec1)
    bad = [
        ("/red-energy/redemptions", {"item_id": item["id"], "quantity": 0}),
        ("/red-energy/redemptions", {"item_id": item["id"], "quantity": 11}),
        ("/red-energy/redemptions", {"item_id": item["id"], "quantity": "2"}),
        ("/red-energy/redemptions", {"item_id": item["id"], "quantity": 1.5}),
        ("/red-energy/redemptions", {"item_id": item["id"], "request_key": "短"}),
        ("/red-energy/redemptions", {"item_id": project["id"]}),  # a project is not an item
        ("/red-energy/donations", {"project_id": project["id"], "amount": -5}),
        ("/red-energy/donations", {"project_id": project["id"], "amount": False}),
        ("/red-energy/donations", {"project_id": project["id"], "amount": 5, "note": "x"}),
    ]
    for path, body in bad:
        full = {"request_key": rid(), **body}
        if "donations" in path:
            full.setdefault("amount", 1)
        else:
            full.setdefault("cost", 10)
        r = call(stack, "POST", path, a, json=full)
        assert 400 <= r.status_code < 500, (body, r.text)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in r.json()["Message"]), r.text
    huge = {**bearer(a), "Content-Type": "application/json"}
    url = f"{stack.url}/api/red-energy/redemptions"
    r = requests.post(url, data=b"x" * 300_000, headers=huge, timeout=60)
    assert r.status_code == 413
    assert wallet(a.member_no) == 0 and lines(a.member_no) == []
    assert offer(item["id"]).stock == 5 and offer(project["id"]).raised == 0
    r = redeem(stack, a, item["id"], quantity=11)
    assert r.status_code == 400 and "数量" in r.json()["Message"]


def test_later_deduction_leaves_balance_negative_and_stops_spending(stack, org):
    a, sec1 = org["a"], org["sec1"]
    earn(a.member_no, 30)
    item = add_item(stack, sec1, cost=30, stock=5)
    assert redeem(stack, a, item["id"]).status_code == 201
    earn(a.member_no, 20)  # a reversal of 10 earned points after she spent them
    page = mine(stack, a)
    assert (page["earned"], page["spent"], page["balance"]) == (20, 30, -10)
    cheap = add_item(stack, sec1, cost=1, stock=5, title="书签")
    r = redeem(stack, a, cheap["id"])
    assert r.status_code == 409 and "余额不足" in r.json()["Message"]
    assert "当前余额 -10" in r.json()["Message"]


def test_failure_after_the_spend_then_the_retry_answers_it(stack, org, fails_once):
    """The function dies after its transaction committed, before answering (as a Lambda timing
    out would): the phone sends the same request again and gets the first outcome; one spend."""
    from chalicelib import red_energy, registry

    a, sec1 = org["a"], org["sec1"]
    earn(a.member_no, 25)
    item = add_item(stack, sec1, cost=20, stock=1)
    calls = fails_once(red_energy, "_answer", "died before answering")
    caller = registry.caller_for(a)
    body = {"item_id": item["id"], "quantity": 1, "cost": 20, "request_key": rid()}
    with pytest.raises(RuntimeError):
        red_energy.redeem(caller, a, body)
    answer, created = red_energy.redeem(caller, a, body)
    assert calls["n"] == 2 and created is False and answer["repeat"] is True
    assert (answer["balance"], answer["order"]["state"]) == (5, "pending")
    assert (wallet(a.member_no), offer(item["id"]).stock, len(lines(a.member_no))) == (20, 0, 1)
    assert len(list(RedEnergyOrder.scan(consistent_read=True))) == 1


def test_refused_transaction_writes_nothing(stack, org, monkeypatch):
    """A redemption refused inside the transaction (the item went out of stock between the read
    and the write) leaves no movement, no order, no spend."""
    from chalicelib import red_energy, registry
    from chalicelib import red_energy_catalog as catalog

    a, sec1 = org["a"], org["sec1"]
    earn(a.member_no, 100)
    item = add_item(stack, sec1, cost=20, stock=1)
    real = catalog.usable_offer

    def stale(*args, **kwargs):  # what was read: one in stock; meanwhile another took it
        o = real(*args, **kwargs)
        offer(item["id"]).update(actions=[RedEnergyOffer.stock.set(0)])
        return o

    monkeypatch.setattr(catalog, "usable_offer", stale)
    body = {"item_id": item["id"], "cost": 20, "request_key": rid()}
    with pytest.raises(Exception, match="库存不足"):
        red_energy.redeem(registry.caller_for(a), a, body)
    assert (wallet(a.member_no), lines(a.member_no)) == (0, [])
    assert list(RedEnergyOrder.scan(consistent_read=True)) == []


def test_read_only_committee_member_views_but_cannot_act(stack, org):
    """A 支部委员 (read over her branch) sees the desk, adds and hands over nothing; a second
    hand-over of one order is refused."""
    a, sec1 = org["a"], org["sec1"]
    reader = make_member("81000009", "B1", name="支部委员", roles=("branch_committee",))
    earn(a.member_no, 50)
    item = add_item(stack, sec1, cost=10, stock=3)
    order = redeem(stack, a, item["id"]).json()["order"]
    desk = call(stack, "GET", "/red-energy/units/B1", reader)
    assert desk.status_code == 200 and desk.json()["manage"] is False
    # Her page lists the unit to open (read-only), not 「您没有可管理的单位」.
    units = call(stack, "GET", "/red-energy/desk", reader).json()["units"]
    assert units == [{"id": "B1", "name": "第一党支部"}]
    assert call(stack, "GET", "/red-energy/desk", a).json()["units"] == []
    path = f"/red-energy/orders/{order['id']}/decision"
    assert call(stack, "POST", path, reader, json={"decision": "fulfil"}).status_code == 403
    body = {"title": "书", "cost": 1, "stock": 1, "request_key": rid()}
    assert call(stack, "POST", "/red-energy/units/B1/items", reader, json=body).status_code == 403
    assert call(stack, "POST", path, sec1, json={"decision": "fulfil"}).status_code == 200
    again = call(stack, "POST", path, sec1, json={"decision": "fulfil"})
    assert again.status_code == 409 and "已发放" in again.json()["Message"]
    r = call(stack, "POST", path, sec1, json={"decision": "keep"})
    assert r.status_code == 400 and "fulfil" in r.json()["Message"]


def test_out_of_scope_ids_answer_exactly_like_unknown_ones(stack, org):
    """Staff of another branch learn nothing of which items, projects, orders and units exist:
    every route answers them as it answers an unknown id. Who can see the unit (a read-only
    role, a member of it) is told she lacks the right, not that it does not exist."""
    a, sec1, sec2 = org["a"], org["sec1"], org["sec2"]
    earn(a.member_no, 50)
    item = add_item(stack, sec1, cost=10, stock=3)
    project = add_project(stack, sec1)
    order = redeem(stack, a, item["id"]).json()["order"]
    pairs = [
        ("POST", f"/red-energy/items/{item['id']}", "/red-energy/items/B1.i-" + "0" * 16,
         {"active": False}),
        ("POST", f"/red-energy/projects/{project['id']}", "/red-energy/projects/B1.p-" + "0" * 16,
         {"active": False}),
        ("POST", f"/red-energy/orders/{order['id']}/decision",
         "/red-energy/orders/od_" + "0" * 24 + "/decision", {"decision": "fulfil"}),
        ("GET", "/red-energy/units/B1", "/red-energy/units/B9", None),
        ("POST", "/red-energy/units/B1/items", "/red-energy/units/B9/items",
         {"title": "书", "cost": 1, "stock": 1, "request_key": rid()}),
    ]  # fmt: skip
    for method, known, unknown, body in pairs:
        r1 = call(stack, method, known, sec2, json=body)
        r2 = call(stack, method, unknown, sec2, json=body)
        assert r1.status_code == r2.status_code == 403, (known, r1.text)
        assert r1.json()["Message"] == r2.json()["Message"], (known, r1.text, r2.text)
    assert offer(item["id"]).active is True
    reader = make_member("81000009", "B1", name="支部委员", roles=("branch_committee",))
    for method, path, body in [
        ("POST", f"/red-energy/items/{item['id']}", {"active": False}),
        ("POST", f"/red-energy/projects/{project['id']}", {"active": False}),
        ("POST", f"/red-energy/orders/{order['id']}/decision", {"decision": "fulfil"}),
        ("POST", "/red-energy/units/B1/items", {"title": "书", "cost": 1, "stock": 1,
                                                 "request_key": rid()}),
    ]:  # fmt: skip
        r = call(stack, method, path, reader, json=body)
        assert r.status_code == 403 and "没有管理" in r.json()["Message"], (path, r.text)
    r = call(stack, "GET", "/red-energy/units/B1", a)  # her own branch: no secret, no right
    assert r.status_code == 403 and "没有查看" in r.json()["Message"], r.text
    assert offer(item["id"]).active is True and offer(project["id"]).active is True


def test_rare_characters_beyond_the_bmp_pass_emoji_and_bidi_do_not(stack, org):
    sec1 = org["sec1"]
    path = "/red-energy/units/B1/items"
    body = {"title": "𠮷林红色故事", "description": "室温 25℃ 保存", "cost": 5, "stock": 3}
    r = call(stack, "POST", path, sec1, json={**body, "request_key": rid()})
    assert r.status_code == 201 and r.json()["title"] == "𠮷林红色故事", r.text
    for title in ("红色\u202e故事", "红色\u2066故事", "红色🀄故事", "红色\U000f0000故事"):
        r = call(stack, "POST", path, sec1, json={**body, "title": title, "request_key": rid()})
        assert r.status_code == 400 and "表情" in r.json()["Message"], (title, r.text)


def test_redemption_without_the_cost_she_saw_is_refused(stack, org):
    """An API client that leaves out `cost` is not charged whatever the cost is now."""
    a, sec1 = org["a"], org["sec1"]
    earn(a.member_no, 100)
    item = add_item(stack, sec1, cost=10, stock=5)
    call(stack, "POST", f"/red-energy/items/{item['id']}", sec1, json={"cost": 40})
    for body in ({"item_id": item["id"]}, {"item_id": item["id"], "cost": None}):
        r = call(stack, "POST", "/red-energy/redemptions", a, json={**body, "request_key": rid()})
        assert r.status_code == 400 and "cost" in r.json()["Message"], r.text
    assert (wallet(a.member_no), offer(item["id"]).stock, lines(a.member_no)) == (0, 5, [])


def test_a_resent_stock_change_applies_once(stack, org):
    """调整库存 is a change by so many pieces: its resend after a lost answer (the same request
    key) answers as done and adds nothing more; a change without a key is refused."""
    sec1 = org["sec1"]
    item = add_item(stack, sec1, cost=10, stock=5)
    path = f"/red-energy/items/{item['id']}"
    r = call(stack, "POST", path, sec1, json={"stock_change": 3})
    assert r.status_code == 400 and "request_key" in r.json()["Message"], r.text
    key = rid()
    for _ in range(3):
        r = call(stack, "POST", path, sec1, json={"stock_change": 3, "request_key": key})
        assert r.status_code == 200 and r.json()["stock"] == 8, r.text
    assert offer(item["id"]).stock == 8
    r = call(stack, "POST", path, sec1, json={"stock_change": 3, "request_key": rid()})
    assert r.json()["stock"] == 11 and offer(item["id"]).stock == 11

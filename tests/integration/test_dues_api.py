"""党费收缴 over HTTP on DynamoDB Local: a secretary records cash payments (arrears first,
partial, advance), idempotent by request key also under parallel requests, exact under parallel
payments of one member; a member sees her amount, how it was computed and her history; a unit's
month and the figures of its subtree by scope; bad input refused in Chinese with nothing
written; a reversal with its reason; a failure between the writes of a payment resumed exactly."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import pytest
import requests

from chalicelib import dues_collection as dc
from chalicelib import registry
from chalicelib.models import Member
from chalicelib.models.dues_collection import DuesMonth, DuesPayment
from tests.integration.dues_rows import assess
from tools.fixtures import bearer, make_member, make_tree, rid

pytestmark = pytest.mark.usefixtures("clean_tables")
CUR = dc.current_month()
PREV = dc.add_months(CUR, -1)
PREV2 = dc.add_months(CUR, -2)


@pytest.fixture
def org(stack):
    units = make_tree()
    people = {
        "sec": make_member("81000001", "B1", name="书记", roles=("branch_secretary",)),
        "cm": make_member("81000002", "B1", name="委员", roles=("branch_committee",)),
        "a": make_member("81000003", "B1", name="甲"),
        "b": make_member("81000004", "B1", name="乙"),
        "c": make_member("81000005", "B1", name="丙"),  # never assessed
        "b2": make_member("82000001", "B2", name="丁"),
        "b2sec": make_member("82000002", "B2", name="戊", roles=("branch_secretary",)),
        "gen": make_member("82000003", "B2", name="己", roles=("general_branch_committee",)),
    }
    for key in ("sec", "cm", "a", "b", "b2", "b2sec", "gen"):
        assess(people[key].member_no, 3000, "2026-01")
    # Her two months before this one were opened and not paid: arrears.
    for month in (PREV2, PREV):
        dc.open_member_month(people["a"], list(units["B1"].path), month)
    return people


def call(stack, method: str, path: str, member=None, **kw) -> requests.Response:
    headers = bearer(member) if member else {}
    return requests.request(method, f"{stack.url}/api{path}", headers=headers, timeout=60, **kw)


def pay(no: str, amount: int, /, key: str | None = None, **over) -> dict:
    body = {
        "member_no": no,
        "amount_fen": amount,
        "paid_on": dc.clock.today().isoformat(),
        "request_key": key or rid(),
    }
    body.update(over)
    return body


def post(stack, who, body):
    return call(stack, "POST", "/dues/payments", who, json=body)


def reverse(stack, ref, who, reason):
    # As the page sends it: the reference's ":" percent-encoded.
    path = f"/dues/payments/{quote(ref, safe='')}/reverse"
    return call(stack, "POST", path, who, json={"reason": reason})


def months(member_no: str) -> dict[str, tuple[int | None, int]]:
    return {
        r.month: (r.expected_fen, int(r.paid_fen))
        for r in DuesMonth.query(member_no, consistent_read=True)
    }


def snapshot() -> tuple:
    return (
        sorted((r.member_no, r.month, r.paid_fen) for r in DuesMonth.scan()),
        sorted(p.ref for p in DuesPayment.scan()),
    )


def test_cash_payment_arrears_first_then_partial_and_her_view(stack, org):
    r = call(stack, "POST", "/dues/payments", org["sec"], json=pay("81000003", 7500, note="现金"))
    assert r.status_code == 201, r.text
    got = r.json()["payment"]
    assert [(x["month"], x["fen"]) for x in got["allocations"]] == [
        (PREV2, 3000),
        (PREV, 3000),
        (CUR, 1500),
    ]
    assert months("81000003") == {PREV2: (3000, 3000), PREV: (3000, 3000), CUR: (3000, 1500)}

    mine = call(stack, "GET", "/me/dues", org["a"]).json()
    assert mine["assessment"]["amount_fen"] == 3000
    assert mine["assessment"]["base_fen"] == 300000  # hers: shown to her
    assert "0.5%" in mine["assessment"]["bracket"]
    assert mine["arrears_fen"] == 1500 and mine["arrears_months"] == [CUR]
    assert [m["status"] for m in mine["months"]] == ["partial", "paid", "paid"]
    assert mine["payments"][0]["amount_fen"] == 7500
    assert mine["payments"][0]["method_label"] == "现金（支部代收）"

    # Her staff see her months and payments, never her base.
    staff = call(stack, "GET", "/dues/members/81000003", org["sec"])
    assert staff.status_code == 200 and "base_fen" not in staff.text
    # A member of another branch's secretary: the same 404 as an unknown number.
    assert call(stack, "GET", "/dues/members/81000003", org["b2sec"]).status_code == 404
    assert call(stack, "GET", "/dues/members/99999999", org["b2sec"]).status_code == 404


def test_a_member_without_assessment_is_listed_not_zero(stack, org):
    mine = call(stack, "GET", "/me/dues", org["c"]).json()
    assert mine["assessment"] is None
    assert [(m["month"], m["status_label"]) for m in mine["months"]] == [(CUR, "未核定")]
    r = call(stack, "POST", "/dues/payments", org["sec"], json=pay("81000005", 3000))
    assert r.status_code == 409 and "尚未核定" in r.json()["Message"]
    listing = call(stack, "GET", f"/units/B1/dues?month={CUR}", org["sec"]).json()
    row = next(i for i in listing["items"] if i["member_no"] == "81000005")
    assert row["status_label"] == "未核定" and row["expected_fen"] is None
    assert listing["totals"]["unassessed"] == 1


def test_same_request_key_records_once_even_in_parallel(stack, org):
    body = pay("81000004", 3000, key=rid())
    with ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(
                lambda _: call(stack, "POST", "/dues/payments", org["sec"], json=body), range(8)
            )
        )
    assert sorted(a.status_code for a in answers) == [200] * 7 + [201], [a.text for a in answers]
    assert len({a.json()["payment"]["ref"] for a in answers}) == 1
    assert months("81000004")[CUR] == (3000, 3000)
    assert len(list(DuesPayment.by_member.query("81000004"))) == 1
    # The same key with another amount is not the same payment.
    other = call(stack, "POST", "/dues/payments", org["sec"], json={**body, "amount_fen": 100})
    assert other.status_code == 409 and "已用于另一笔付款" in other.json()["Message"]


def test_parallel_payments_of_one_member_are_all_counted_exactly(stack, org):
    with ThreadPoolExecutor(6) as pool:
        answers = list(
            pool.map(
                lambda _: call(
                    stack, "POST", "/dues/payments", org["sec"], json=pay("81000004", 2000)
                ),
                range(6),
            )
        )
    assert all(a.status_code == 201 for a in answers), [a.text for a in answers]
    got = months("81000004")
    assert sum(p for _, p in got.values()) == 12000
    # Oldest first: this month, then three months ahead, the last partly.
    assert got == {
        CUR: (3000, 3000),
        dc.add_months(CUR, 1): (3000, 3000),
        dc.add_months(CUR, 2): (3000, 3000),
        dc.add_months(CUR, 3): (3000, 3000),
    }
    shares = [a.json()["payment"]["allocations"] for a in answers]
    assert sum(x["fen"] for s in shares for x in s) == 12000


def test_advance_is_bounded(stack, org):
    most = 3000 * (dc.MAX_AHEAD + 1)
    before = snapshot()
    r = call(stack, "POST", "/dues/payments", org["sec"], json=pay("81000004", most + 1))
    assert r.status_code == 409 and "至多预交 12 个月" in r.json()["Message"]
    assert snapshot()[1] == before[1]
    ok = call(stack, "POST", "/dues/payments", org["sec"], json=pay("81000004", most))
    assert ok.status_code == 201
    mine = call(stack, "GET", "/me/dues", org["b"]).json()
    assert len(mine["advance_months"]) == dc.MAX_AHEAD and mine["arrears_fen"] == 0


@pytest.mark.parametrize(
    ("who", "body", "status", "words"),
    [
        ("sec", {"amount_fen": 0}, 400, "金额"),
        ("sec", {"amount_fen": "30"}, 400, "整数"),
        ("sec", {"amount_fen": True}, 400, "整数"),
        ("sec", {"amount_fen": 10_000_001}, 400, "金额"),
        ("sec", {"paid_on": "2099-01-01"}, 400, "不能晚于今天"),
        ("sec", {"paid_on": "2026-13-01"}, 400, "交费日期"),
        ("sec", {"paid_on": "2020-01-01"}, 400, "过早"),
        ("sec", {"request_key": "x"}, 400, "请求编号"),
        ("sec", {"member_no": "82000001"}, 404, "无权"),  # another branch's member
        ("sec", {"member_no": "99999999"}, 404, "无权"),  # nobody
        ("cm", {}, 404, "无权"),  # a committee member reads, does not manage
        ("a", {}, 404, "无权"),  # a member cannot record her own
    ],
)
def test_bad_input_refused_in_chinese_nothing_written(stack, org, who, body, status, words):
    before = snapshot()
    r = call(stack, "POST", "/dues/payments", org[who], json=pay("81000004", 3000, **body))
    assert r.status_code == status, r.text
    assert words in r.json()["Message"]
    after = snapshot()
    assert after[1] == before[1]
    assert [x for x in after[0] if x[0] == "81000004" and x[2]] == []


def test_only_her_branch_records_superiors_see_status_only(stack, org):
    # Recording shows her amounts: her branch's secretary only, not the general branch.
    assert (
        call(stack, "POST", "/dues/payments", org["gen"], json=pay("81000004", 3000)).status_code
        == 404
    )
    assert call(stack, "POST", "/dues/payments", org["b2sec"], json=pay("82000001", 3000)).ok
    # The general branch's committee member sees B1 and B2 (status, no amount); B2's secretary
    # only B2.
    listing = call(stack, "GET", "/units/B1/dues", org["gen"])
    assert listing.status_code == 200 and listing.json()["may_manage"] is False
    assert all("expected_fen" not in i and "paid_fen" not in i for i in listing.json()["items"])
    assert call(stack, "GET", "/units/B1/dues", org["b2sec"]).status_code == 404
    assert call(stack, "GET", "/units/C1/dues/figures", org["gen"]).status_code == 404
    assert call(stack, "GET", "/units/B1/dues", org["a"]).status_code == 404


def test_month_list_and_figures_compare_child_units(stack, org):
    call(stack, "POST", "/dues/payments", org["sec"], json=pay("81000004", 3000))
    call(stack, "POST", "/dues/payments", org["b2sec"], json=pay("82000001", 1500))
    listing = call(stack, "GET", "/units/B1/dues", org["sec"]).json()
    assert listing["may_manage"] is True
    status = {i["member_no"]: i["status"] for i in listing["items"]}
    assert status == {
        "81000001": "unpaid", "81000002": "unpaid", "81000003": "unpaid",
        "81000004": "paid", "81000005": "unassessed",
    }  # fmt: skip
    assert listing["totals"]["paid_members"] == 1 and listing["totals"]["assessed"] == 4
    assert call(stack, "GET", "/units/B1/dues", org["cm"]).json()["may_manage"] is False
    call(stack, "GET", "/units/B2/dues", org["b2sec"])  # B2's month opened by its first view

    fig = call(stack, "GET", "/units/G1/dues/figures", org["gen"]).json()
    assert fig["quarter"] == dc.quarter_of(CUR)
    by = {c["id"]: c for c in fig["children"]}
    assert set(by) == {"B1", "B2"}
    cur = next(m for m in by["B1"]["months"] if m["month"] == CUR)
    assert (cur["expected_fen"], cur["paid_fen"], cur["rate"]) == (12000, 3000, 25.0)
    cur2 = next(m for m in by["B2"]["months"] if m["month"] == CUR)
    assert (cur2["expected_fen"], cur2["paid_fen"]) == (9000, 1500)
    total = next(m for m in fig["total"]["months"] if m["month"] == CUR)
    assert (total["expected_fen"], total["paid_fen"]) == (21000, 4500)
    bad = call(stack, "GET", "/units/G1/dues/figures?quarter=2026-Q5", org["gen"])
    assert bad.status_code == 400 and "季度" in bad.json()["Message"]
    assert call(stack, "GET", "/units/B1/dues?month=2026-1", org["sec"]).status_code == 400


def test_a_unit_keeps_its_past_figures_when_she_moves(stack, org):
    call(stack, "POST", "/dues/payments", org["sec"], json=pay("81000003", 3000))
    before = call(stack, "GET", f"/units/B1/dues?month={PREV2}", org["sec"]).json()
    member = Member.get("81000003")
    member.update(actions=[Member.branch_id.set("B2")])
    after = call(stack, "GET", f"/units/B1/dues?month={PREV2}", org["sec"]).json()
    assert after["items"] == before["items"] and after["totals"]["paid_fen"] == 3000
    # Her assessment changes this month: her month row is brought up to date, in the branch
    # where it was opened (the month's figures stay with B1).
    assess("81000003", 3500, CUR)
    assert call(stack, "GET", "/me/dues", org["a"]).json()["assessment"]["amount_fen"] == 3500
    row = DuesMonth.get("81000003", CUR)
    assert (row.expected_fen, row.branch_id, row.tree_key) == (3500, "B1", "C1/G1/B1/#81000003")
    # Her new branch's secretary manages her now; her old one no longer.
    assert call(stack, "GET", "/dues/members/81000003", org["b2sec"]).status_code == 200
    assert call(stack, "GET", "/dues/members/81000003", org["sec"]).status_code == 404


def test_reversal_takes_the_shares_back_with_its_reason(stack, org):
    r = call(stack, "POST", "/dues/payments", org["sec"], json=pay("81000003", 4500))
    ref = r.json()["payment"]["ref"]
    no_reason = reverse(stack, ref, org["sec"], "x")
    assert no_reason.status_code == 400 and "冲正理由" in no_reason.json()["Message"]
    assert reverse(stack, ref, org["a"], "录入错误").status_code == 404
    assert reverse(stack, ref, org["b2sec"], "录入错误").status_code == 404
    assert reverse(stack, "cash:nothing", org["sec"], "录入错误").status_code == 404
    done = reverse(stack, ref, org["sec"], "金额录错")
    assert done.status_code == 200 and done.json()["changed"] is True
    assert done.json()["payment"]["reverse_reason"] == "金额录错"
    assert all(p == 0 for _, p in months("81000003").values())
    again = reverse(stack, ref, org["sec"], "再次")
    assert again.json()["changed"] is False
    assert all(p == 0 for _, p in months("81000003").values())
    mine = call(stack, "GET", "/me/dues", org["a"]).json()
    assert mine["payments"][0]["state"] == "reversed" and mine["arrears_fen"] == 9000


def test_a_payment_that_died_between_its_writes_is_completed_once(org, fails_once):
    sec = registry.caller_for(org["sec"])
    body = pay("81000004", 6000, key=rid())
    calls = fails_once(dc, "Transaction", "Lambda died after opening the month")
    with pytest.raises(RuntimeError):
        dc.record_cash(sec, body)
    assert months("81000004")[CUR] == (3000, 0)  # the month opened, nothing paid
    answer, created = dc.record_cash(sec, body)
    again, created_again = dc.record_cash(sec, body)
    assert (created, created_again, calls["n"]) == (True, False, 2)  # the third: by key
    assert answer["payment"]["ref"] == again["payment"]["ref"]
    assert sum(p for _, p in months("81000004").values()) == 6000

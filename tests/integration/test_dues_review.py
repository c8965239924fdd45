"""Review of 党费收缴 (issue 15): odd months and quarters refused; per-member amounts kept to
the member and her own branch's staff; a month row keeps the branch it was opened in; a member
transferred out gets no new months and her later months leave the unit figures; an overpaid
amount never vanishes and a corrected assessment reaches the month rows."""

from __future__ import annotations

import pytest

from chalicelib import dues_collection as dc
from tests.integration.test_dues_api import call, org, pay  # noqa: F401  (org: a fixture)

pytestmark = pytest.mark.usefixtures("clean_tables")
CUR = dc.current_month()


@pytest.mark.parametrize(
    "path",
    [
        "/units/G1/dues/figures?quarter=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%96-Q4",  # ２０２６-Q4
        "/units/G1/dues/figures?quarter=0000-Q1",
        "/units/G1/dues/figures?quarter=2101-Q1",
        "/units/G1/dues/figures?quarter=1999-Q4",
        "/units/B1/dues?month=0000-01",
        "/units/B1/dues?month=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%96-01",
        "/units/B1/dues?month=1999-12",
    ],
)
def test_odd_months_and_quarters_refused(stack, org, path):  # noqa: F811
    r = call(stack, "GET", path, org["gen"])
    assert r.status_code == 400, r.text
    assert "格式" in r.json()["Message"]


def test_import_amounts_take_ascii_digits_only():
    from tools import import_dues_payments as tool

    assert tool._fen("30.00") == 3000
    assert tool._fen("３０.００") is None and tool._fen("٣٠") is None


def test_a_view_by_her_new_branch_never_moves_an_opened_month(stack, org):  # noqa: F811
    from chalicelib.models import Member
    from chalicelib.models.dues_collection import DuesMonth

    assert call(stack, "POST", "/dues/payments", org["sec"], json=pay("81000004", 3000)).ok
    Member.get("81000004").update(actions=[Member.branch_id.set("B2")])  # moved to B2
    assert call(stack, "GET", "/units/B2/dues", org["b2sec"]).ok  # B2's desk opened
    assert call(stack, "GET", "/dues/members/81000004", org["b2sec"]).ok
    row = DuesMonth.get("81000004", CUR)
    assert (row.branch_id, row.tree_key, int(row.paid_fen)) == ("B1", "C1/G1/B1/#81000004", 3000)
    b1 = call(stack, "GET", "/units/B1/dues", org["sec"]).json()
    assert "81000004" in {i["member_no"] for i in b1["items"]}
    b2 = call(stack, "GET", "/units/B2/dues", org["b2sec"]).json()
    assert "81000004" not in {i["member_no"] for i in b2["items"]}


def _transfer_out(member_no: str, month: str) -> None:
    """As transfers.py records a transfer out (回执): inactive, with the moment she left."""
    from datetime import datetime

    from chalicelib.models import Member

    at = datetime(int(month[:4]), int(month[5:7]), 15, 10, tzinfo=dc.clock.TZ).timestamp()
    Member.get(member_no).update(
        actions=[Member.active.set(False), Member.transferred_out_at.set(at)]
    )


def test_a_member_transferred_out_gets_no_new_month_and_leaves_later_figures(stack, org):  # noqa: F811
    from chalicelib.models.dues_collection import DuesMonth

    prev = dc.add_months(CUR, -1)
    nxt = dc.add_months(CUR, 1)
    # 乙 paid this month and two ahead, then left last month (as if: paid before, left)...
    assert call(stack, "POST", "/dues/payments", org["sec"], json=pay("81000004", 9000)).ok
    _transfer_out("81000004", prev)
    # ...甲 (arrears of two months, nothing this month) left last month too.
    _transfer_out("81000003", prev)
    assert call(stack, "GET", "/dues/members/81000003", org["sec"]).ok
    assert call(stack, "GET", "/units/B1/dues", org["sec"]).ok
    assert CUR not in {r.month for r in DuesMonth.query("81000003")}  # no month opened
    listed = call(stack, "GET", f"/units/B1/dues?month={nxt}", org["sec"]).json()
    assert "81000004" not in {i["member_no"] for i in listed["items"]}
    assert listed["totals"]["paid_fen"] == 0
    cur = call(stack, "GET", "/units/B1/dues", org["sec"]).json()
    assert not {"81000003", "81000004"} & {i["member_no"] for i in cur["items"]}
    # The month she left stays in her branch's figures.
    before = call(stack, "GET", f"/units/B1/dues?month={prev}", org["sec"]).json()
    assert "81000003" in {i["member_no"] for i in before["items"]}
    fig = call(stack, "GET", "/units/G1/dues/figures", org["gen"]).json()
    b1 = next(c for c in fig["children"] if c["id"] == "B1")
    assert next(m for m in b1["months"] if m["month"] == CUR)["members"] == 3  # 书记, 委员, 丙


def test_a_lowered_amount_leaves_a_credit_never_a_loss(stack, org):  # noqa: F811
    from tests.integration.dues_rows import assess

    nxt, nxt2 = dc.add_months(CUR, 1), dc.add_months(CUR, 2)
    assert call(stack, "POST", "/dues/payments", org["sec"], json=pay("81000004", 9000)).ok
    assess("81000004", 1000, nxt)  # her base went down from next month
    mine = call(stack, "GET", "/me/dues", org["b"]).json()
    by = {m["month"]: m for m in mine["months"]}
    assert (by[nxt]["expected_fen"], by[nxt]["paid_fen"], by[nxt]["credit_fen"]) == (
        1000,
        3000,
        2000,
    )
    assert by[nxt2]["credit_fen"] == 2000 and mine["credit_fen"] == 4000
    staff = call(stack, "GET", "/dues/members/81000004", org["sec"]).json()
    assert staff["credit_fen"] == 4000
    listed = call(stack, "GET", f"/units/B1/dues?month={nxt}", org["sec"]).json()
    assert listed["totals"]["credit_fen"] == 2000


def test_a_corrected_past_assessment_reaches_her_month_rows(stack, org):  # noqa: F811
    from chalicelib.models.dues_collection import DuesMonth
    from tests.integration.dues_rows import assess

    prev2 = dc.add_months(CUR, -2)
    assess("81000003", 2500, "2026-01")  # `--correct` of the assessment in force: same month
    assess("81000003", 2000, prev2)  # and a new amount from two months ago
    mine = call(stack, "GET", "/me/dues", org["a"]).json()
    assert mine["arrears_fen"] == 3 * 2000
    assert DuesMonth.get("81000003", prev2).expected_fen == 2000
    assert DuesMonth.get("81000003", prev2).branch_id == "B1"


MONEY_KEYS = {"expected_fen", "paid_fen", "lacking_fen", "credit_fen", "amount_fen", "allocations"}


def _money_anywhere(data, totals_ok, me: str) -> list[str]:
    """Paths of per-member money in an answer (totals' money only where `totals_ok` says; the
    caller's own months are hers to see)."""
    found: list[str] = []

    def walk(node, path: str) -> None:
        if isinstance(node, dict) and node.get("member_no") == me:
            return
        if isinstance(node, dict):
            is_totals = "member_rate" in node
            for k, v in node.items():
                if k in MONEY_KEYS and v is not None and not (is_totals and totals_ok(node)):
                    found.append(f"{path}.{k}={v}")
                walk(v, f"{path}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{path}[{i}]")

    walk(data, "")
    return found


def test_no_amount_of_a_member_reaches_staff_above_her_branch(stack, org):  # noqa: F811
    from tests.integration.dues_rows import assess
    from tools.fixtures import make_member

    com = make_member("83000001", "B3", name="庚", roles=("party_committee",))
    adm = make_member("83000002", "B3", name="辛", roles=("admin",))
    b3sec = make_member("83000003", "B3", name="壬", roles=("branch_secretary",))
    solo = make_member("83000004", "B3", name="癸")
    assess(solo.member_no, 4567, "2026-01")  # 1% of a base of 4567 元: her amount is her base
    assess(b3sec.member_no, 1000, "2026-01")  # B3: two assessed members, too few for totals
    assert call(stack, "POST", "/dues/payments", org["sec"], json=pay("81000003", 4567)).ok
    assert call(stack, "POST", "/dues/payments", b3sec, json=pay("83000004", 4567)).ok
    assert call(stack, "GET", "/units/B3/dues", b3sec).ok
    prev = dc.add_months(CUR, -1)
    paths = [
        f"/units/{u}/dues{q}"
        for u in ("C1", "G1", "B1", "B2", "B3")
        for q in ("", f"?month={prev}", f"?month={dc.add_months(CUR, 1)}")
    ] + [f"/units/{u}/dues/figures" for u in ("C1", "G1", "B1", "B2", "B3")]
    paths += [f"/dues/members/{n}" for n in ("81000003", "81000004", "83000004", "83000003")]
    seen = 0
    for who in (org["gen"], com, adm, org["b2sec"]):
        for path in paths:
            if who is org["b2sec"] and path.startswith("/units/B2/"):
                continue  # her own branch: its amounts are hers to see
            r = call(stack, "GET", path, who)
            assert r.status_code in (200, 404), (who.member_no, path, r.text)
            if r.status_code == 404:
                continue
            seen += 1
            assert "4567" not in r.text and "5567" not in r.text, (who.member_no, path)
            # Totals only where every branch counted has 3 assessed (B3 has two).
            bad = _money_anywhere(r.json(), lambda t: t.get("money") is True, who.member_no)
            assert bad == [], (who.member_no, path, bad)
            if path.startswith("/dues/members/"):
                assert r.json()["amounts"] is False and r.json()["payments"] == []
        # Nobody above her branch records or reverses a payment of hers.
        assert (
            call(stack, "POST", "/dues/payments", who, json=pay("81000003", 100)).status_code == 404
        )
    assert seen > 30
    b3 = call(stack, "GET", "/units/B3/dues", com).json()
    assert b3["totals"]["money"] is False and b3["totals"]["expected_fen"] is None
    assert {i["status"] for i in b3["items"]} <= {"paid", "unpaid", "unassessed", "due"}
    # Her own branch's staff see her amounts; its committee member reads, only its secretary
    # records and reverses.
    cm = call(stack, "GET", "/dues/members/81000003", org["cm"]).json()
    assert cm["amounts"] is True and cm["payments"][0]["amount_fen"] == 4567
    own = call(stack, "GET", "/units/B3/dues", b3sec).json()
    assert own["totals"]["expected_fen"] == 5567 and own["may_manage"] is True
    ref = cm["payments"][0]["ref"]
    from urllib.parse import quote

    for who in (org["gen"], com, adm, org["cm"]):
        r = call(stack, "POST", f"/dues/payments/{quote(ref, safe='')}/reverse", who,
                 json={"reason": "录入错误"})  # fmt: skip
        assert r.status_code == 404, who.member_no

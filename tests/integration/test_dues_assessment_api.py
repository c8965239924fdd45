"""党费核定 over HTTP (chalice local on DynamoDB Local): she reads her own assessments (in
force, history, how each amount was found); her own branch's secretary and committee members
read hers; nobody else does — not the general branch, the party committee, the administrator,
another branch — and an unknown number is refused with the very same answer."""

from __future__ import annotations

import pytest
import requests

from chalicelib.dues_assessment import assess
from tools.fixtures import bearer, make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")


@pytest.fixture
def org(stack):
    make_tree()
    people = {
        "her": make_member("81000003", "B1", name="王芳", password=None),
        "sec": make_member("81000001", "B1", name="书记", roles=("branch_secretary",),
                           password=None),
        "cm": make_member("81000002", "B1", name="委员", roles=("branch_committee",),
                          password=None),
        "mate": make_member("81000004", "B1", name="同支部", password=None),
        # 党总支委员 who is herself a plain member of B1: her role applies at G1, not at B1.
        "gb": make_member("81000006", "B1", name="总支委员", roles=("general_branch_committee",),
                          password=None),
        "gb2": make_member("82000003", "B2", name="总支书记", roles=("general_branch_committee",),
                           password=None),
        "pc": make_member("83000001", "B3", name="党委委员", roles=("party_committee",),
                          password=None),
        "admin": make_member("83000002", "B3", name="管理员", roles=("admin",), password=None),
        "b2sec": make_member("82000001", "B2", name="二支书记", roles=("branch_secretary",),
                             password=None),
        "b2cm": make_member("82000002", "B2", name="二支委员", roles=("branch_committee",),
                            password=None),
    }  # fmt: skip
    assess("81000003", "2020-01", "on_salary", 480000, branch_id="B1", reason="base_change",
           by="import", source="base.xlsx:2")  # fmt: skip
    assess("81000003", "2020-07", "on_salary", 520000, branch_id="B1", reason="base_change",
           by="import")  # fmt: skip
    assess("81000003", "2099-01", "retired", 400000, branch_id="B1", reason="base_change",
           by="import")  # fmt: skip
    return people


def get(stack, path: str, member) -> requests.Response:
    return requests.get(f"{stack.url}/api{path}", headers=bearer(member), timeout=60)


def test_she_reads_her_own_with_how_each_amount_was_found(stack, org):
    r = get(stack, "/me/dues/assessments", org["her"])
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["member_no"], got["name"]) == ("81000003", "王芳")
    cur = got["current"]
    assert (cur["effective_from"], cur["amount"], cur["base"], cur["rate"]) == (
        "2020-07", "78.00", "5200.00", "1.5%",
    )  # fmt: skip
    assert cur["bracket"] == "在职党员：税后月工资收入 5000 元以上至 10000 元（含），按 1.5% 交纳"
    assert (cur["category_label"], cur["base_label"], cur["reason_label"]) == (
        "在职党员", "税后月工资收入", "基数变更",
    )  # fmt: skip
    months = [
        (h["effective_from"], h["amount"], h["in_force"], h["upcoming"]) for h in got["history"]
    ]
    assert months == [("2099-01", "20.00", False, True), ("2020-07", "78.00", True, False),
                      ("2020-01", "48.00", False, False)]  # fmt: skip
    assert got["history"][2]["reason_label"] == "首次核定"
    assert "2008" in got["regulation"] and got["rounding"] == "按分四舍五入"
    assert r.headers["Cache-Control"] == "no-store"
    # The same through her number.
    mine = get(stack, "/members/81000003/dues/assessments", org["her"])
    assert mine.status_code == 200 and mine.json()["history"] == got["history"]


@pytest.mark.parametrize("who", ["sec", "cm"])
def test_her_branch_staff_read_hers(stack, org, who):
    r = get(stack, "/members/81000003/dues/assessments", org[who])
    assert r.status_code == 200, r.text
    assert r.json()["current"]["base"] == "5200.00"


@pytest.mark.parametrize("who", ["mate", "gb", "gb2", "pc", "admin", "b2sec", "b2cm"])
def test_nobody_else_reads_hers_and_unknown_numbers_answer_alike(stack, org, who):
    refused = get(stack, "/members/81000003/dues/assessments", org[who])
    assert refused.status_code == 403
    assert refused.json()["Message"] == "仅本人和所在党支部的书记、支部委员可以查看"
    assert "5200" not in refused.text and "王芳" not in refused.text
    for number in ("89999999", "no-such-1", "x" * 40):
        unknown = get(stack, f"/members/{number}/dues/assessments", org[who])
        assert (unknown.status_code, unknown.json()) == (403, refused.json()), number


def test_secretary_of_her_branch_sees_never_assessed_and_signed_out_is_401(stack, org):
    r = get(stack, "/members/81000004/dues/assessments", org["sec"])
    assert r.status_code == 200 and (r.json()["current"], r.json()["history"]) == (None, [])
    # An unknown number is refused even to a branch secretary: no existence leak.
    assert get(stack, "/members/89999999/dues/assessments", org["sec"]).status_code == 403
    plain = requests.get(f"{stack.url}/api/me/dues/assessments", timeout=60)
    assert plain.status_code == 401

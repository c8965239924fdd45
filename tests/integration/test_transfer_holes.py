# ruff: noqa: F811 - `org` is the fixture of test_transfers_api, taken as an argument
"""组织关系转接, holes found in review, over HTTP on DynamoDB Local: no answer tells a member
number's existence to staff out of her scope; the sending and the receiving approval are two
people; odd dates refused."""

from __future__ import annotations

import pytest

from chalicelib import transfers
from chalicelib.models import Member
from tests.integration.test_transfers_api import call, org, start  # noqa: F401 - the fixture
from tools.bench_routes import Routes
from tools.fixtures import make_member, rid

pytestmark = pytest.mark.usefixtures("clean_tables")


def _answer(r) -> tuple[int, str]:
    return r.status_code, r.json().get("Message", "")


def _arrival(member_no: str, to_unit: str = "B3", **over) -> dict:
    body = {
        "member_no": member_no, "name": "孙丽", "to_unit": to_unit, "status": "full",
        "joined_on": "2012-07-01", "letter_no": "〔2026〕第088号", "other_org": "市交通局机关党委",
        "request_key": rid(),
    }  # fmt: skip
    return {**body, **over}


def test_unknown_and_out_of_scope_members_answer_alike(stack, org):
    gone = make_member("91000009", "B1", name="已停用", active=False)
    sec1 = org["sec1"]
    numbers = ["99999999", org["m2"].member_no, org["sec3"].member_no, gone.member_no]
    for path, extra in (
        ("/transfers", {"to_unit": "B2"}),
        ("/transfer-letters", {"other_org": "外单位"}),
    ):
        answers = set()
        for no in numbers:
            body = {"member_no": no, "reason": "调动", "request_key": rid(), **extra}
            answers.add(_answer(call(stack, "POST", path, sec1, json=body)))
        assert answers == {(404, transfers.NOT_MANAGED)}, (path, answers)
    assert not [t for t in transfers.Transfer.scan()]


def test_an_arrival_does_not_tell_whether_a_number_exists_elsewhere(stack, org):
    sec3 = org["sec3"]  # 机关党支部: neither B1 nor B2 is hers
    gone = make_member("91000009", "B1", name="已停用", active=False)
    replies = {
        no: call(stack, "POST", "/transfer-arrivals", sec3, json=_arrival(no))
        for no in ("96000001", org["a"].member_no, org["m2"].member_no, gone.member_no)
    }
    assert {r.status_code for r in replies.values()} == {201}
    shapes = {(r.json()["state"], tuple(r.json()["may"])) for r in replies.values()}
    assert len(shapes) == 1
    # At the confirmation the number in use fails, in words that say neither whose nor where.
    taken = call(stack, "POST", f"/transfers/{replies[org['a'].member_no].json()['id']}/decision",
                 sec3, json={"decision": "confirm"})  # fmt: skip
    assert _answer(taken) == (409, transfers.IN_NUMBER_TAKEN)
    for word in ("王芳", "第一党支部", "B1", "停用", "在册"):
        assert word not in taken.text
    a = Member.get(org["a"].member_no, consistent_read=True)
    assert (a.branch_id, a.name, a.active) == ("B1", "王芳", True)
    ok = call(stack, "POST", f"/transfers/{replies['96000001'].json()['id']}/decision", sec3,
              json={"decision": "confirm"})  # fmt: skip
    assert ok.status_code == 200 and Member.get("96000001").branch_id == "B3"
    # Her own registry she may be told about: a number of her branch (active or not) at once.
    mine = make_member("93000009", "B3", name="本支部停用", active=False)
    for no in (org["sec3"].member_no, mine.member_no):
        r = call(stack, "POST", "/transfer-arrivals", sec3, json=_arrival(no))
        assert r.status_code == 409, r.text


def test_an_arrival_into_an_unknown_or_foreign_branch_answers_alike(stack, org):
    sec3 = org["sec3"]
    answers = {
        _answer(call(stack, "POST", "/transfer-arrivals", sec3, json=_arrival("96000002", unit)))
        for unit in ("B9", "B1", "no such!")
    }
    assert len(answers) == 1 and next(iter(answers))[0] == 403, answers


def test_a_pending_arrival_elsewhere_is_not_told(stack, org):
    """Two branches register the same number: the second is not told of the first."""
    first = call(stack, "POST", "/transfer-arrivals", org["sec2"], json=_arrival("96000003", "B2"))
    assert first.status_code == 201
    again = call(stack, "POST", "/transfer-arrivals", org["sec3"], json=_arrival("96000003"))
    assert again.status_code == 201, again.text


def test_the_starter_does_not_approve_for_the_receiving_branch(stack, org):
    """总支委员 manages both B1 and B2: she may start, or approve, but not both on one transfer."""
    g1, sec2 = org["g1"], org["sec2"]
    t = start(stack, g1, org["a"].member_no).json()
    assert t["may"] == ["cancel"]
    decision = f"/transfers/{t['id']}/decision"
    for body in ({"decision": "approve"}, {"decision": "refuse", "note": "不同意"}):
        assert _answer(call(stack, "POST", decision, g1, json=body)) == (
            403,
            transfers.SAME_PERSON,
        )
    assert Member.get(org["a"].member_no, consistent_read=True).branch_id == "B1"
    assert call(stack, "GET", f"/transfers/{t['id']}", sec2).json()["may"] == ["approve", "refuse"]
    done = call(stack, "POST", decision, sec2, json={"decision": "approve"}).json()
    assert done["state"] == "done"
    assert [(s["act"], s["by"]) for s in done["steps"]] == [
        ("start", g1.member_no),
        ("approve", sec2.member_no),
    ]
    # The other way round: the sending secretary starts, the superior approves for B2.
    t = start(stack, org["sec1"], org["b"].member_no).json()
    assert "approve" in call(stack, "GET", f"/transfers/{t['id']}", g1).json()["may"]
    ok = call(stack, "POST", f"/transfers/{t['id']}/decision", g1, json={"decision": "approve"})
    assert ok.json()["state"] == "done"


@pytest.mark.parametrize(
    "joined_on",
    ["2026-W49-2", "2012-W01", "2012-183", "0001-01-01", "1921-06-30", "２０１２-07-01",
     "20120701", "2012-7-1", "2999-01-01", "2012-07-0１"],
)  # fmt: skip
def test_an_arrival_date_is_a_plain_day_of_the_partys_time(stack, org, joined_on):
    r = call(stack, "POST", "/transfer-arrivals", org["sec3"],
             json=_arrival("96000004", joined_on=joined_on))  # fmt: skip
    assert r.status_code == 400, (joined_on, r.text)
    assert "入党日期" in r.json()["Message"]
    assert not list(transfers.Transfer.scan())


@pytest.mark.parametrize("phone", ["１３９００００１１１１", "²²²²²²²²", "139 0000 1111"])
def test_an_arrival_phone_is_ascii_digits(stack, org, phone):
    r = call(stack, "POST", "/transfer-arrivals", org["sec3"],
             json=_arrival("96000005", phone=phone))  # fmt: skip
    assert r.status_code == 400 and "手机号" in r.json()["Message"], (phone, r.text)


def test_the_founding_day_and_today_are_accepted(stack, org):
    for no, day in (("96000006", "1921-07-01"), ("96000007", transfers.clock.today().isoformat())):
        r = call(stack, "POST", "/transfer-arrivals", org["sec3"], json=_arrival(no, joined_on=day))
        assert r.status_code == 201, r.text


def test_other_areas_hook_into_the_settle_through_one_list(stack, org, monkeypatch):
    """A hook appended to FOLLOW_UPS runs after the move, again after its own failure, and not
    once the transfer is settled."""
    seen: list[tuple[str, str | None]] = []

    def hook(t) -> None:
        seen.append((t.member_no, t.to_unit))
        if len(seen) == 1:
            raise RuntimeError("the other area failed once")

    monkeypatch.setattr(transfers, "FOLLOW_UPS", [*transfers.FOLLOW_UPS, hook])
    routes = Routes()
    t = start(stack, org["sec1"], org["a"].member_no).json()
    path = f"/transfers/{t['id']}/decision"
    with pytest.raises(RuntimeError):
        routes.send("POST", path, member=org["sec2"], body={"decision": "approve"})
    assert transfers.Transfer.get(t["id"], consistent_read=True).settled_at is None
    for _ in range(2):
        reply = routes.send("POST", path, member=org["sec2"], body={"decision": "approve"})
        assert reply.status_code == 200
    assert seen == [(org["a"].member_no, "B2")] * 2
    assert transfers.Transfer.get(t["id"], consistent_read=True).settled_at

"""诉求, the holes a review found: invisible or direction-changing text in every text field, the
timeline's limit (移交 ping-pong), each rates row over its own subtree, the overdue reminder
never to a request's own submitter, the loser of a race against a 移交, a retried step whose
body differs, her list paged, and 受理率 counting a request only once it is decided."""

from __future__ import annotations

import pytest

from chalicelib import registry, service_requests
from tests.integration import test_service_requests_api as api
from tests.integration.test_service_requests_api import call, items, step, submit
from tools.fixtures import rid

org = api.org  # the same people and tree

pytestmark = pytest.mark.usefixtures("clean_tables")

HIDDEN = [
    "\u200b" * 6,
    "\u2060" * 6,
    "\u202e好好好好好好",
    "好好\u202d好好好",
    "\u3164" * 6,
    "\u115f" * 6,
    "\u1160" * 6,
    "\uffa0" * 6,
    "\ufeff好好好好好",
    "好好\u2028好好好",
    "好" + "\u200b" * 5,
]


def _caller(member):
    return registry.caller_for(member)


@pytest.mark.parametrize("text", HIDDEN)
def test_invisible_or_reordering_text_is_refused_everywhere(stack, org, text):
    a, sec1 = org["a"], org["sec1"]
    r = submit(stack, a, text=text)
    assert r.status_code == 400, r.text
    assert items() == []
    req = submit(stack, a).json()
    assert step(stack, sec1, req["id"], "accept").status_code == 200
    short = text[:6]  # a short field: within its maximum
    for body in ({"act": "close", "answer": text}, {"act": "handle", "note": short},
                 {"act": "transfer", "to_unit": "B3", "note": short}):  # fmt: skip
        got = step(stack, sec1, req["id"], **body)
        assert got.status_code == 400, (body, got.text)
    assert step(stack, sec1, req["id"], "close", answer="已经修好了").status_code == 200
    rated = call(stack, "POST", f"/service-requests/{req['id']}/rating", a,
                 json={"rating": "basic", "comment": short})  # fmt: skip
    assert rated.status_code == 400, rated.text
    other = submit(stack, a).json()
    gone = call(stack, "POST", f"/service-requests/{other['id']}/withdrawal", a,
                json={"note": short})  # fmt: skip
    assert gone.status_code == 400, gone.text
    for item in items():
        assert item.rating is None and item.state in ("closed", "waiting")


def test_plain_text_with_blanks_inside_and_line_breaks_still_passes(stack, org):
    spaced = submit(stack, org["a"], text="好　　　　　　好")  # 2 visible characters
    assert spaced.status_code == 400 and "可见" in spaced.json()["Message"], spaced.text
    r = submit(stack, org["a"], text="第一行内容\n第二行 内容")
    assert r.status_code == 201, r.text


def test_rare_characters_and_symbols_are_text_emoji_are_not(stack, org):
    """The one emoji rule (text_chars): a rare ideograph beyond the BMP in a name or place
    (「𠮷」) and ℃ are text; a pictograph is still refused."""
    r = submit(stack, org["a"], text="𠮷家村的路灯坏了，夜里只有五℃")
    assert r.status_code == 201, r.text
    r = submit(stack, org["a"], text="路灯坏了，请尽快修理🙏")
    assert r.status_code == 400 and "表情" in r.json()["Message"], r.text


def test_the_overdue_reminder_never_goes_to_the_submitter_of_her_own_request(stack, org, at):
    from datetime import UTC, datetime

    from chalicelib import audiences

    sec1, sec2 = org["sec1"], org["sec2"]
    at("2026-11-01T00:00:00")
    body = {"category": "branch_life", "text": "书记本人提出的诉求", "request_key": rid(),
            "anonymous": True}  # fmt: skip
    service_requests.submit(_caller(sec1), sec1, body)
    at("2026-11-05T00:00:00")
    ctx = audiences.Context(datetime(2026, 11, 5, tzinfo=UTC))
    got = {d.member_no: d.fields for d in audiences.request_overdue(ctx, {})}
    assert sec1.member_no not in got
    assert org["com1"].member_no in got and org["g1"].member_no in got  # the others still hear
    # A late request of somebody else's still reaches her.
    service_requests.submit(_caller(org["a"]), org["a"], {**body, "request_key": rid()})
    at("2026-11-09T00:00:00")
    ctx = audiences.Context(datetime(2026, 11, 9, tzinfo=UTC))
    got = {d.member_no: d.fields for d in audiences.request_overdue(ctx, {})}
    assert sec1.member_no in got and sec2.member_no not in got


def _ping_pong(org, request_id: str, times: int) -> None:
    """移交 back and forth between the two branches, each accepting it again."""
    for i in range(times):
        who, to, taker = (
            (org["sec1"], "B2", org["sec2"]) if i % 2 == 0 else (org["sec2"], "B1", org["sec1"])
        )
        service_requests.act(_caller(who), who, request_id,
                             {"act": "transfer", "to_unit": to, "note": "移" * 200})  # fmt: skip
        service_requests.act(_caller(taker), taker, request_id, {"act": "accept"})


def test_transfers_are_capped_and_the_request_can_still_be_answered(stack, org):
    a, sec1 = org["a"], org["sec1"]
    req = submit(stack, a).json()
    assert step(stack, sec1, req["id"], "accept").status_code == 200
    limit = service_requests.rules().max_transfers
    assert limit == 10
    _ping_pong(org, req["id"], limit)
    holder = sec1 if limit % 2 == 0 else org["sec2"]
    shown = call(stack, "GET", f"/service-requests/{req['id']}", holder).json()
    assert shown["transfers"] == limit and "transfer" not in shown["may"], shown["may"]
    before = items()[0]
    refused = step(stack, holder, req["id"], "transfer", to_unit="B3", note="再移交一次")
    assert refused.status_code == 409, refused.text
    assert refused.json()["Message"] == "移交次数已达上限，请办结或报上级党组织协调"
    after = items()[0]
    assert (after.version, len(after.steps), after.unit_id) == (
        before.version, len(before.steps), before.unit_id,
    )  # fmt: skip
    assert step(stack, holder, req["id"], "handle").status_code == 200
    closed = step(stack, holder, req["id"], "close", answer="已协调办结")
    assert closed.status_code == 200, closed.text
    rated = call(stack, "POST", f"/service-requests/{req['id']}/rating", a,
                 json={"rating": "basic"})  # fmt: skip
    assert rated.status_code == 200, rated.text


def test_an_item_past_dynamodbs_size_limit_is_a_409_not_a_500(stack, org):
    """The backstop: a timeline grown by other means (an older rules file) still answers."""
    from pynamodb.exceptions import PutError

    from chalicelib.models.service_requests import RequestStep, ServiceRequest

    a, sec1 = org["a"], org["sec1"]
    req = submit(stack, a).json()
    assert step(stack, sec1, req["id"], "accept").status_code == 200
    item = ServiceRequest.get(req["id"], consistent_read=True)

    def pad(chars: int) -> RequestStep:
        return RequestStep(act="handle", by=sec1.member_no, by_name="一支书记", at=1.0,
                           note="记" * chars, unit_id="B1", unit_name="一支部")  # fmt: skip

    kept = list(item.steps) + [pad(4000) for _ in range(32)]  # ~384 KB
    item.steps = kept
    item.save()
    while True:  # grow to just under DynamoDB's 400 KB
        item.steps = [*kept, pad(300)]
        try:
            item.save()
        except PutError:
            break
        kept = item.steps
    got = step(stack, sec1, req["id"], "close", answer="答" * 1000)
    assert got.status_code == 409, got.text[:300]
    assert "上限" in got.json()["Message"]
    assert items()[0].state == "accepted"


def test_the_loser_of_a_race_against_a_transfer_gets_409(stack, org):
    from concurrent.futures import ThreadPoolExecutor

    sec1, com1 = org["sec1"], org["com1"]
    req = submit(stack, org["a"]).json()
    assert step(stack, sec1, req["id"], "accept").status_code == 200
    with ThreadPoolExecutor(2) as pool:
        moved = pool.submit(step, stack, sec1, req["id"], "transfer", to_unit="B3", note="转办")
        closed = pool.submit(step, stack, com1, req["id"], "close", answer="已答复", version=2)
        codes = sorted([moved.result().status_code, closed.result().status_code])
    assert codes == [200, 409], codes
    # After a 移交, at the version the page showed: 409 with the Chinese message.
    req = submit(stack, org["a"]).json()
    assert step(stack, sec1, req["id"], "accept").status_code == 200
    assert step(stack, sec1, req["id"], "transfer", to_unit="B3", note="转办").status_code == 200
    late = step(stack, com1, req["id"], "handle", version=2)
    assert late.status_code == 409 and "变化" in late.json()["Message"], late.text
    # Somebody who never had it in hand: the same 403 as for an unknown id.
    assert step(stack, org["sec2"], req["id"], "accept", version=3).status_code == 403


def test_a_retry_must_be_the_same_step(stack, org):
    sec1 = org["sec1"]
    req = submit(stack, org["a"]).json()
    assert step(stack, sec1, req["id"], "accept").status_code == 200
    assert step(stack, sec1, req["id"], "close", answer="第一次的答复").status_code == 200
    assert step(stack, sec1, req["id"], "close", answer="第一次的答复").status_code == 200
    other = step(stack, sec1, req["id"], "close", answer="改过的答复")
    assert other.status_code == 409, other.text
    item = items()[0]
    assert item.answer == "第一次的答复" and len(item.steps) == 3
    moved = submit(stack, org["a"]).json()
    step(stack, sec1, moved["id"], "accept")
    assert step(stack, sec1, moved["id"], "transfer", to_unit="B3", note="转").status_code == 200
    assert step(stack, sec1, moved["id"], "transfer", to_unit="B3", note="转").status_code == 200
    assert step(stack, sec1, moved["id"], "transfer", to_unit="B2", note="转").status_code == 409


def test_her_list_is_paged_and_a_request_to_rate_stays_reachable(stack, org):
    a, sec1 = org["a"], org["sec1"]
    body = {"category": "branch_life", "text": "最早的一条诉求", "request_key": rid()}
    oldest = service_requests.submit(_caller(a), a, body)[0]
    service_requests.act(_caller(sec1), sec1, oldest["id"], {"act": "accept"})
    service_requests.act(_caller(sec1), sec1, oldest["id"], {"act": "close", "answer": "已答复"})
    for n in range(service_requests.LISTED + 5):
        service_requests.submit(_caller(a), a, {"category": "branch_life",
                                "text": f"第{n}条诉求的内容", "request_key": rid()})  # fmt: skip
    first = call(stack, "GET", "/me/service-requests", a).json()
    assert len(first["requests"]) == service_requests.LISTED and first["next"]
    seen = [r["id"] for r in first["requests"]]
    page = call(stack, "GET", f"/me/service-requests?cursor={first['next']}", a).json()
    seen += [r["id"] for r in page["requests"]]
    assert len(seen) == len(set(seen)) == service_requests.LISTED + 6
    last = [r for r in page["requests"] if r["id"] == oldest["id"]]
    assert last and last[0]["may"] == ["rate"]
    # Another member's cursor (or a forged one) is refused, not read.
    forged = call(stack, "GET", f"/me/service-requests?cursor={first['next']}", org["b"])
    assert forged.status_code == 400
    assert call(stack, "GET", "/me/service-requests?cursor=abc", a).status_code == 400

"""诉求 over HTTP on DynamoDB Local: a request from submission to rating (routing, the steps
kept, who may see and act), anonymity, 移交 and the new unit's acceptance, withdrawal, the
refusals (a member closing her own, a handler outside the routed unit, rating twice), parallel
identical submissions and parallel staff acts (exactly one wins), a failure after a step's
write completed by the retry, overdue flags and the reminder, bad input refused in Chinese with
nothing changed, and the four rates against an independent oracle over generated requests."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import requests

from chalicelib import audiences, clock, service_request_rates, service_requests
from chalicelib.models import Message
from chalicelib.models.service_requests import ServiceRequest
from tools.bench_routes import Routes
from tools.fixtures import bearer, make_member, make_tree, rid

pytestmark = pytest.mark.usefixtures("clean_tables")


@pytest.fixture
def org(stack):
    make_tree()  # C1 → G1 → B1, B2; C1 → B3
    return {
        "a": make_member("81000001", "B1", name="王芳"),
        "b": make_member("81000002", "B1", name="李强"),
        "sec1": make_member("81000003", "B1", name="一支书记", roles=("branch_secretary",)),
        "com1": make_member("81000004", "B1", name="一支委员", roles=("branch_committee",)),
        "sec2": make_member("82000001", "B2", name="二支书记", roles=("branch_secretary",)),
        "g1": make_member("82000002", "B2", name="总支委员", roles=("general_branch_committee",)),
        "sec3": make_member("83000001", "B3", name="机关书记", roles=("branch_secretary",)),
        "pc": make_member("83000002", "B3", name="党委委员", roles=("party_committee",)),
    }


def call(stack, method: str, path: str, member=None, **kw) -> requests.Response:
    headers = bearer(member) if member else {}
    return requests.request(method, f"{stack.url}/api{path}", headers=headers, timeout=60, **kw)


def submit(stack, member, category: str = "branch_life", **over) -> requests.Response:
    body = {
        "category": category,
        "text": "支部活动室的空调坏了，希望尽快维修。",
        "request_key": rid(),
    }
    body.update(over)
    return call(stack, "POST", "/service-requests", member, json=body)


def step(stack, member, request_id: str, act: str, **over) -> requests.Response:
    body = {"act": act, **over}
    return call(stack, "POST", f"/service-requests/{request_id}/steps", member, json=body)


def items() -> list[ServiceRequest]:
    return list(ServiceRequest.scan(consistent_read=True))


def inbox(member_no: str) -> list[Message]:
    return [m for m in Message.scan(consistent_read=True) if m.member_no == member_no]


def test_a_request_from_submission_to_rating(stack, org):
    a, sec1, com1, g1, sec2 = org["a"], org["sec1"], org["com1"], org["g1"], org["sec2"]
    r = submit(stack, a)
    assert r.status_code == 201, r.text
    req = r.json()
    rid_ = req["id"]
    assert (req["state"], req["unit"]["id"], req["step"], req["limit_hours"]) == (
        "waiting", "B1", "受理", 24,
    )  # fmt: skip
    assert req["may"] == ["withdraw"]
    # Her branch's staff have it in their queue; the general branch above sees it, cannot act.
    desk = call(stack, "GET", "/service-requests/desk", sec1).json()
    assert [q["unit"]["id"] for q in desk["queues"]] == ["B1"]
    assert [x["id"] for x in desk["queues"][0]["requests"]] == [rid_]
    assert desk["queues"][0]["requests"][0]["may"] == ["accept"]
    sup = call(stack, "GET", f"/service-requests/{rid_}", g1)
    assert sup.status_code == 200 and sup.json()["relation"] == "supervisor"
    assert sup.json()["may"] == []
    assert step(stack, g1, rid_, "accept").status_code == 403
    # Outside the routed unit: refused, and the same answer as for an unknown id.
    outside = call(stack, "GET", f"/service-requests/{rid_}", sec2)
    unknown = call(stack, "GET", "/service-requests/sr_000000000000000000000000", sec2)
    assert outside.status_code == unknown.status_code == 403
    assert outside.json()["Message"] == unknown.json()["Message"]
    assert step(stack, sec2, rid_, "accept").status_code == 403
    assert call(stack, "GET", f"/service-requests/{rid_}", org["b"]).status_code == 403
    # She can neither accept nor close her own request.
    mine = step(stack, a, rid_, "accept")
    assert mine.status_code == 403 and "本人" in mine.json()["Message"]
    assert step(stack, a, rid_, "close", answer="已经好了").status_code == 403
    # Rating before the answer: refused.
    early = call(stack, "POST", f"/service-requests/{rid_}/rating", a, json={"rating": "satisfied"})
    assert early.status_code == 409
    ok = step(stack, sec1, rid_, "accept", version=1)
    assert ok.status_code == 200, ok.text
    assert (ok.json()["state"], ok.json()["step"], ok.json()["limit_hours"]) == (
        "accepted", "办理", 120,
    )  # fmt: skip
    again = step(stack, com1, rid_, "accept")
    assert again.status_code == 409 and "已受理" in again.json()["Message"]
    # A stale version (the page showed version 1) is refused: somebody acted meanwhile.
    stale = step(stack, com1, rid_, "handle", version=1)
    assert stale.status_code == 409
    assert step(stack, com1, rid_, "handle", note="已联系后勤").status_code == 200
    closed = step(stack, sec1, rid_, "close", answer="空调已于今日维修完毕，感谢您的反映。")
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    retry = step(stack, sec1, rid_, "close", answer="空调已于今日维修完毕，感谢您的反映。")
    assert retry.status_code == 200  # a retry: the very same step
    assert step(stack, sec1, rid_, "close", answer="再次答复").status_code == 409  # not a retry
    assert step(stack, com1, rid_, "close", answer="再次答复").status_code == 409
    # She reads the answer and rates it once.
    seen = call(stack, "GET", f"/service-requests/{rid_}", a).json()
    assert seen["answer"] == "空调已于今日维修完毕，感谢您的反映。" and seen["may"] == ["rate"]
    rated = call(stack, "POST", f"/service-requests/{rid_}/rating", a,
                 json={"rating": "basic", "comment": "修得挺快"})  # fmt: skip
    assert rated.status_code == 200 and rated.json()["rating_label"] == "基本满意"
    twice = call(stack, "POST", f"/service-requests/{rid_}/rating", a, json={"rating": "satisfied"})
    assert twice.status_code == 409 and "只能评价一次" in twice.json()["Message"]
    other = call(
        stack, "POST", f"/service-requests/{rid_}/rating", sec1, json={"rating": "satisfied"}
    )
    assert other.status_code == 403
    final = call(stack, "GET", f"/service-requests/{rid_}", a).json()
    assert [s["act"] for s in final["steps"]] == ["submit", "accept", "handle", "close", "rate"]
    assert [s["by_name"] for s in final["steps"]] == [
        "王芳",
        "一支书记",
        "一支委员",
        "一支书记",
        "王芳",
    ]
    assert final["rating"] == "basic" and final["version"] == 5
    listed = call(stack, "GET", "/me/service-requests", a).json()["requests"]
    assert [x["id"] for x in listed] == [rid_]
    assert call(stack, "GET", "/me/service-requests", org["b"]).json()["requests"] == []
    # Closed: out of the queue; she was told of 受理 and 办结, once each.
    assert call(stack, "GET", "/service-requests/desk", sec1).json()["queues"][0]["requests"] == []
    assert sorted(m.title for m in inbox(a.member_no)) == ["您的诉求已办结", "您的诉求已受理"]
    # 诉求公开: the answered one, without who raised it.
    public = call(stack, "GET", "/service-requests/answered", org["sec3"]).json()
    assert public["enabled"] and len(public["requests"]) == 1
    assert "王芳" not in str(public) and a.member_no not in str(public)


def test_routing_by_category_level(stack, org):
    a, sec3 = org["a"], org["sec3"]
    assert submit(stack, a, "hardship").json()["unit"]["id"] == "G1"
    assert submit(stack, a, "workplace").json()["unit"]["id"] == "C1"
    assert submit(stack, a, "rules").json()["unit"]["id"] == "C1"
    # B3 has no general branch: a general-branch category goes to the committee.
    assert submit(stack, sec3, "hardship").json()["unit"]["id"] == "C1"
    # The committee's staff handle C1's; the general branch's handle G1's.
    queues = call(stack, "GET", "/service-requests/desk", org["pc"]).json()["queues"]
    assert [q["unit"]["id"] for q in queues] == ["C1"] and len(queues[0]["requests"]) == 3
    g1 = call(stack, "GET", "/service-requests/desk", org["g1"]).json()["queues"]
    assert [len(q["requests"]) for q in g1] == [1]


def test_anonymous_name_shown_to_the_handling_staff_only(stack, org):
    a = org["a"]
    req = submit(stack, a, anonymous=True).json()
    handler = call(stack, "GET", f"/service-requests/{req['id']}", org["sec1"]).json()
    assert (handler["member_name"], handler["member_no"]) == ("王芳", a.member_no)
    for superior in (org["g1"], org["pc"]):
        seen = call(stack, "GET", f"/service-requests/{req['id']}", superior).json()
        assert seen["member_name"] == "匿名党员" and seen["member_no"] is None
        assert "王芳" not in str(seen) and a.member_no not in str(seen)
    queue = call(stack, "GET", "/units/B1/service-requests", org["g1"]).json()
    assert "王芳" not in str(queue) and queue["handles"] is False
    # Transferred to B3: B3's handlers see her name now; B1, no longer handling, does not.
    step(stack, org["sec1"], req["id"], "accept")
    step(stack, org["sec1"], req["id"], "transfer", to_unit="B3", note="属机关事务")
    assert "王芳" in str(call(stack, "GET", f"/service-requests/{req['id']}", org["sec3"]).json())
    gone = call(stack, "GET", f"/service-requests/{req['id']}", org["sec1"]).json()
    assert gone["relation"] == "supervisor" and "王芳" not in str(gone)


def test_transfer_then_the_new_unit_accepts(stack, org):
    sec1, sec3 = org["sec1"], org["sec3"]
    req = submit(stack, org["a"]).json()
    no_reason = step(stack, sec1, req["id"], "transfer", to_unit="B3")
    assert no_reason.status_code == 409 or no_reason.status_code == 400
    step(stack, sec1, req["id"], "accept")
    bad = step(stack, sec1, req["id"], "transfer", to_unit="B3")
    assert bad.status_code == 400 and "说明" in bad.json()["Message"]
    same = step(stack, sec1, req["id"], "transfer", to_unit="B1", note="转")
    assert same.status_code == 400
    foreign = step(stack, sec1, req["id"], "transfer", to_unit="ZZ9", note="转")
    assert foreign.status_code == 400
    moved = step(stack, sec1, req["id"], "transfer", to_unit="B3", note="属机关支部职责")
    assert moved.status_code == 200, moved.text
    assert (moved.json()["state"], moved.json()["unit"]["id"]) == ("waiting", "B3")
    assert (
        step(stack, sec1, req["id"], "transfer", to_unit="B3", note="属机关支部职责").status_code
        == 200
    )
    # It left her unit's hands: 409 (changed), not 403; a different 移交 is no retry.
    assert step(stack, sec1, req["id"], "close", answer="已答复").status_code == 409
    assert (
        step(stack, sec1, req["id"], "transfer", to_unit="B2", note="另一理由").status_code == 409
    )
    assert step(stack, org["com1"], req["id"], "accept", version=2).status_code == 409
    assert step(stack, org["g1"], req["id"], "accept", version=2).status_code == 403
    assert step(stack, org["sec3"], req["id"], "close", answer="已答复").status_code == 409
    assert step(stack, sec3, req["id"], "accept").status_code == 200
    done = step(stack, sec3, req["id"], "close", answer="已协调机关处理。")
    assert done.status_code == 200
    acts = [(s["act"], s["unit_name"]) for s in done.json()["steps"]]
    assert acts == [("submit", "第一党支部"), ("accept", "第一党支部"), ("transfer", "机关党支部"),
                    ("accept", "机关党支部"), ("close", "机关党支部")]  # fmt: skip
    item = ServiceRequest.get(req["id"])
    assert item.transfers == 1 and item.reaccepted_at and item.origin_unit == "B1"


def test_withdraw_before_acceptance_only(stack, org):
    a = org["a"]
    first = submit(stack, a).json()
    gone = call(stack, "POST", f"/service-requests/{first['id']}/withdrawal", a, json={})
    assert gone.status_code == 200 and gone.json()["state"] == "withdrawn"
    assert (
        call(stack, "POST", f"/service-requests/{first['id']}/withdrawal", a, json={}).status_code
        == 200
    )
    assert step(stack, org["sec1"], first["id"], "accept").status_code == 409
    second = submit(stack, a).json()
    assert call(stack, "POST", f"/service-requests/{second['id']}/withdrawal", org["sec1"],
                json={}).status_code == 403  # fmt: skip
    step(stack, org["sec1"], second["id"], "accept")
    late = call(stack, "POST", f"/service-requests/{second['id']}/withdrawal", a, json={})
    assert late.status_code == 409 and "已受理" in late.json()["Message"]


def test_a_secretary_cannot_handle_her_own_request(stack, org):
    req = submit(stack, org["sec1"]).json()
    assert req["unit"]["id"] == "B1"
    own = step(stack, org["sec1"], req["id"], "accept")
    assert own.status_code == 403 and "本人" in own.json()["Message"]
    # On her own request she has the submitter's buttons, not the staff's.
    assert call(stack, "GET", f"/service-requests/{req['id']}", org["sec1"]).json()["may"] == [
        "withdraw"
    ]
    assert step(stack, org["com1"], req["id"], "accept").status_code == 200


def test_parallel_identical_submissions_make_one_request(stack, org):
    body = {"category": "study", "text": "希望多组织一些线上学习。", "request_key": rid()}

    def send(_):
        return call(stack, "POST", "/service-requests", org["a"], json=body)

    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(send, range(8)))
    assert sorted(r.status_code for r in replies) == [200] * 7 + [201]
    assert len({r.json()["id"] for r in replies}) == 1
    assert len(items()) == 1


def test_parallel_staff_acts_exactly_one_wins(stack, org):
    req = submit(stack, org["a"]).json()

    def accept(who):
        return step(stack, who, req["id"], "accept")

    with ThreadPoolExecutor(2) as pool:
        replies = list(pool.map(accept, [org["sec1"], org["com1"]]))
    assert sorted(r.status_code for r in replies) == [200, 409]
    loser = next(r for r in replies if r.status_code == 409)
    assert "受理" in loser.json()["Message"] or "刷新" in loser.json()["Message"]
    item = ServiceRequest.get(req["id"], consistent_read=True)
    assert [s.act for s in item.steps] == ["submit", "accept"] and item.version == 2

    def close(pair):
        who, answer = pair
        return step(stack, who, req["id"], "close", answer=answer, version=2)

    with ThreadPoolExecutor(2) as pool:
        replies = list(pool.map(close, [(org["sec1"], "甲的答复"), (org["com1"], "乙的答复")]))
    assert sorted(r.status_code for r in replies) == [200, 409]
    item = ServiceRequest.get(req["id"], consistent_read=True)
    assert [s.act for s in item.steps] == ["submit", "accept", "close"] and item.version == 3


def test_a_failure_after_the_write_is_completed_by_the_retry(stack, org, fails_once):
    routes = Routes()
    req = submit(stack, org["a"]).json()
    path = f"/service-requests/{req['id']}/steps"
    step(stack, org["sec1"], req["id"], "accept")
    calls = fails_once(service_requests, "_tell", "Lambda died after the write")
    with pytest.raises(RuntimeError):
        routes.send("POST", path, member=org["sec1"], body={"act": "close", "answer": "已办理"})
    half = ServiceRequest.get(req["id"], consistent_read=True)
    assert half.state == "closed" and half.open_unit is None  # one write: all of it or nothing
    assert [m.title for m in inbox(org["a"].member_no)] == ["您的诉求已受理"]
    reply = routes.send("POST", path, member=org["sec1"], body={"act": "close", "answer": "已办理"})
    assert reply.status_code == 200 and calls["n"] == 2
    assert sorted(m.title for m in inbox(org["a"].member_no)) == [
        "您的诉求已办结",
        "您的诉求已受理",
    ]
    assert [s.act for s in ServiceRequest.get(req["id"]).steps] == ["submit", "accept", "close"]


def test_overdue_flags_and_the_reminder(stack, org, at):
    now = datetime.now(UTC).replace(microsecond=0)
    # Submitted 23 h 59 min ago (in time) and 24 h 1 min ago (overdue: 受理 limit 24 h).
    for minutes in (23 * 60 + 59, 24 * 60 + 1):
        at((now - timedelta(minutes=minutes)).replace(tzinfo=None).isoformat())
        service_requests.submit(
            _caller(org["a"]), org["a"],
            {"category": "branch_life", "text": f"第{minutes}分钟的诉求内容", "request_key": rid()},
        )  # fmt: skip
    at(now.replace(tzinfo=None).isoformat())
    rows = call(stack, "GET", "/units/B1/service-requests", org["sec1"]).json()
    flags = sorted((r["text"], r["overdue"]) for r in rows["requests"])
    assert flags == [("第1439分钟的诉求内容", False), ("第1441分钟的诉求内容", True)]
    assert rows["overdue"] == 1
    got = {d.member_no: d.fields for d in audiences.request_overdue(audiences.Context(now), {})}
    # B1's handlers (secretary, committee member) and the general branch's staff above it.
    assert set(got) == {org["sec1"].member_no, org["com1"].member_no, org["g1"].member_no}
    assert got[org["sec1"].member_no] == {
        "title": "第1441分钟的诉求内容",
        "step": "受理",
        "hours": 24,
    }


def _act(member, request_id: str, body: dict) -> None:
    service_requests.act(_caller(member), member, request_id, body)


def _caller(member):
    from chalicelib import registry

    return registry.caller_for(member)


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"category": "branch_life", "text": "好", "request_key": "k" * 16}, "5–1000"),
        ({"category": "branch_life", "text": "太好了😀谢谢大家", "request_key": "k" * 16}, "表情"),
        ({"category": "branch_life", "text": "字" * 1300, "request_key": "k" * 16}, "内容"),
        ({"category": "nope", "text": "一条正常的诉求内容", "request_key": "k" * 16}, "类别"),
        ({"category": "branch_life", "text": 12345, "request_key": "k" * 16}, "字符串"),
        (
            {"category": "branch_life", "text": "一条正常的诉求内容", "request_key": "短"},
            "请求编号",
        ),
        (
            {
                "category": "branch_life",
                "text": "一条正常的诉求内容",
                "request_key": "k" * 16,
                "extra": 1,
            },
            "不支持的字段",
        ),
        (
            {
                "category": "branch_life",
                "text": "一条正常的诉求内容",
                "request_key": "k" * 16,
                "anonymous": "yes",
            },
            "布尔",
        ),
        (
            {
                "category": "branch_life",
                "text": "一条正常的诉求内容",
                "request_key": "k" * 16,
                "photos": ["incoming/requests/99999999/x.jpg"],
            },
            "照片",
        ),
        (
            {
                "category": "branch_life",
                "text": "一条正常的诉求内容",
                "request_key": "k" * 16,
                "photos": ["a"] * 7,
            },
            "6",
        ),
        (
            {"category": "branch_life", "text": "含控制字符\x07的内容", "request_key": "k" * 16},
            "无效",
        ),
    ],
)
def test_bad_submissions_are_refused_in_chinese_and_change_nothing(stack, org, body, needle):
    r = call(stack, "POST", "/service-requests", org["a"], json=body)
    assert 400 <= r.status_code < 500, r.text
    assert needle in r.json()["Message"], r.json()["Message"]
    assert items() == []


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"act": "delete"}, 400),
        ({"act": "close"}, 400),  # no answer
        ({"act": "close", "answer": "好😀"}, 400),
        ({"act": "handle", "answer": "不该有"}, 400),
        ({"act": "handle", "to_unit": "B3"}, 400),
        ({"act": "handle", "version": "2"}, 400),
        ({"act": "handle", "version": 0}, 400),
        ({"act": "handle", "note": "说" * 300}, 400),
        ({"act": "accept"}, 409),  # accepted already
    ],
)
def test_bad_steps_are_refused_and_change_nothing(stack, org, body, status):
    req = submit(stack, org["a"]).json()
    step(stack, org["sec1"], req["id"], "accept")
    before = ServiceRequest.get(req["id"], consistent_read=True)
    r = step(stack, org["com1"], req["id"], **{"act": body.pop("act"), **body})
    assert r.status_code == status, r.text
    assert any("\u4e00" <= c <= "\u9fff" for c in r.json()["Message"])
    after = ServiceRequest.get(req["id"], consistent_read=True)
    assert (after.version, after.state, len(after.steps)) == (before.version, before.state, 2)


def test_bad_ratings_are_refused(stack, org):
    req = submit(stack, org["a"]).json()
    step(stack, org["sec1"], req["id"], "accept")
    step(stack, org["sec1"], req["id"], "close", answer="已答复")
    path = f"/service-requests/{req['id']}/rating"
    for body in ({"rating": "great"}, {"rating": "satisfied", "comment": "好" * 101},
                 {"rating": "satisfied", "comment": "👍"}, {"rating": 1}, {}):  # fmt: skip
        r = call(stack, "POST", path, org["a"], json=body)
        assert r.status_code == 400, (body, r.text)
    assert ServiceRequest.get(req["id"], consistent_read=True).rating is None


def test_rates_views_and_periods_are_checked(stack, org):
    assert call(stack, "GET", "/units/B2/service-request-rates", org["sec1"]).status_code == 403
    assert call(stack, "GET", "/units/NOPE/service-request-rates", org["sec1"]).status_code == 403
    assert call(stack, "GET", "/units/B1/service-request-rates", org["a"]).status_code == 403
    for bad in ("2026-13", "26-01", "2026-Q5", "x"):
        r = call(stack, "GET", f"/units/B1/service-request-rates?period={bad}", org["sec1"])
        assert r.status_code == 400 and "统计周期" in r.json()["Message"]
    empty = call(stack, "GET", "/units/C1/service-request-rates?period=2027-Q1", org["pc"]).json()
    assert [u["unit"]["id"] for u in empty["units"]] == ["C1", "G1", "B1", "B2", "B3"]
    assert {v["text"] for v in empty["total"]["rates"].values()} == {"—"}


# --- the four rates against an oracle ----------------------------------------------------------


def _oracle(log: list[dict], units: set[str], start: float, end: float, now: float
            ) -> dict[str, tuple]:  # fmt: skip
    """The rates computed from what the test did (not from the stored items), read at `now`:
    受理率 counts a request once it was accepted or its 受理 limit has passed."""
    mine = [e for e in log if e["origin"] in units and start <= e["submitted"] < end
            and not e["withdrawn"]]  # fmt: skip
    acc = sum(1 for e in mine if e["accepted"] is not None
              and e["accepted"] - e["submitted"] <= e["limit"] * 3600)  # fmt: skip
    decided = [e for e in mine if e["accepted"] is not None
               or now - e["submitted"] > e["limit"] * 3600]  # fmt: skip
    moved = [e for e in mine if e["transferred"] is not None]
    re_ok = sum(1 for e in moved if e["reaccepted"] is not None
                and e["reaccepted"] - e["transferred"] <= e["limit"] * 3600)  # fmt: skip
    accepted = [e for e in mine if e["accepted"] is not None]
    closed = sum(1 for e in mine if e["closed"])
    rated = [e for e in mine if e["rating"]]
    good = sum(1 for e in rated if e["rating"] in ("satisfied", "basic"))
    return {
        "accept": (acc, len(decided)),
        "transfer": (re_ok, len(moved)),
        "close": (closed, len(accepted)),
        "satisfy": (good, len(rated)),
    }


def test_the_four_rates_match_an_oracle(stack, org, at):
    """Generated at frozen times through the functions the routes call (the tokens of the
    routes would be out of date at a frozen clock), read over HTTP."""
    rng = random.Random(16)
    members = [org["a"], org["b"]] + [make_member(f"8200010{i}", "B2", name=f"二支{i}")
                                      for i in range(3)]  # fmt: skip
    handlers = {"B1": org["sec1"], "B2": org["sec2"], "G1": org["g1"], "B3": org["sec3"],
                "C1": org["pc"]}  # fmt: skip
    base = datetime(2027, 2, 20, 1, 0, tzinfo=UTC)  # February and March 2027 (Beijing)
    log: list[dict] = []
    for n in range(36):
        member = rng.choice(members)
        category = rng.choice(["branch_life", "study", "hardship"])
        submitted = base + timedelta(days=rng.randint(0, 30), hours=rng.randint(0, 20))
        at(submitted.replace(tzinfo=None).isoformat())
        body = {"category": category, "text": f"第{n}条生成的诉求内容", "request_key": rid()}
        reply, _ = service_requests.submit(_caller(member), member, body)
        unit = reply["unit"]["id"]
        entry = {
            "origin": unit,
            "submitted": submitted.timestamp(),
            "withdrawn": False,
            "limit": {"hardship": 12}.get(category, 24),
            "accepted": None,
            "transferred": None,
            "reaccepted": None,
            "closed": False,
            "rating": None,
        }
        log.append(entry)
        path = reply["id"]
        fate = rng.random()
        if fate < 0.1:
            at((submitted + timedelta(hours=1)).replace(tzinfo=None).isoformat())
            service_requests.withdraw(_caller(member), member, path, {})
            entry["withdrawn"] = True
            continue
        if fate < 0.2:
            continue  # never accepted
        t = submitted + timedelta(hours=rng.choice([2, 11, 13, 23, 25, 40]))
        at(t.replace(tzinfo=None).isoformat())
        _act(handlers[unit], path, {"act": "accept"})
        entry["accepted"] = t.timestamp()
        if rng.random() < 0.35:
            t += timedelta(hours=1)
            target = "B3" if unit != "B3" else "B1"
            at(t.replace(tzinfo=None).isoformat())
            _act(handlers[unit], path, {"act": "transfer", "to_unit": target, "note": "转办"})
            entry["transferred"] = t.timestamp()
            unit = target
            if rng.random() < 0.8:
                t += timedelta(hours=rng.choice([3, 30]))
                at(t.replace(tzinfo=None).isoformat())
                _act(handlers[unit], path, {"act": "accept"})
                entry["reaccepted"] = t.timestamp()
            else:
                continue
        if rng.random() < 0.75:
            t += timedelta(hours=5)
            at(t.replace(tzinfo=None).isoformat())
            _act(handlers[unit], path, {"act": "close", "answer": "已答复解释"})
            entry["closed"] = True
            if rng.random() < 0.7:
                rating = rng.choice(["satisfied", "basic", "unsatisfied"])
                service_requests.rate(_caller(member), member, path, {"rating": rating})
                entry["rating"] = rating
    # Read 2 hours after the last never-accepted submission: it is still within its 受理 limit
    # (left out of 受理率), the older never-accepted ones are late (counted).
    now = max(e["submitted"] for e in log if e["accepted"] is None and not e["withdrawn"]) + 7200
    at(datetime.fromtimestamp(now, UTC).replace(tzinfo=None).isoformat())
    tz = clock.TZ
    periods = {
        "2027-02": (datetime(2027, 2, 1, tzinfo=tz), datetime(2027, 3, 1, tzinfo=tz)),
        "2027-03": (datetime(2027, 3, 1, tzinfo=tz), datetime(2027, 4, 1, tzinfo=tz)),
        "2027-Q1": (datetime(2027, 1, 1, tzinfo=tz), datetime(2027, 4, 1, tzinfo=tz)),
        "2027": (datetime(2027, 1, 1, tzinfo=tz), datetime(2028, 1, 1, tzinfo=tz)),
    }
    subtrees = {"C1": {"C1", "G1", "B1", "B2", "B3"}, "G1": {"G1", "B1", "B2"}, "B1": {"B1"},
                "B2": {"B2"}, "B3": {"B3"}}  # fmt: skip
    viewer = {"C1": org["pc"], "G1": org["g1"], "B1": org["sec1"]}
    checked = 0
    for key, (start, end) in periods.items():
        for unit in viewer:
            got = service_request_rates.report(_caller(viewer[unit]), unit, key)
            want = _oracle(log, subtrees[unit], start.timestamp(), end.timestamp(), now)
            have = {k: (v["num"], v["den"]) for k, v in got["total"]["rates"].items()}
            assert have == want, (key, unit)
            # Each row: its own unit's whole subtree (README: a unit's figures cover it).
            for row in got["units"]:
                inside = subtrees[row["unit"]["id"]]
                mine = _oracle(log, inside, start.timestamp(), end.timestamp(), now)
                assert {k: (v["num"], v["den"]) for k, v in row["rates"].items()} == mine, (
                    key, unit, row["unit"]["id"],
                )  # fmt: skip
                assert row["submitted"] == sum(
                    1 for e in log if e["origin"] in inside and not e["withdrawn"]
                    and start.timestamp() <= e["submitted"] < end.timestamp()
                )  # fmt: skip
            checked += 1
    at(datetime.now(UTC).replace(tzinfo=None).isoformat())  # the tokens: now
    over_http = call(stack, "GET", "/units/C1/service-request-rates?period=2027-Q1", org["pc"])
    assert over_http.status_code == 200, over_http.text
    shown = {row["unit"]["id"]: row["submitted"] for row in over_http.json()["units"]}
    assert shown["C1"] == over_http.json()["total"]["submitted"]
    assert shown["G1"] >= shown["B1"] + shown["B2"] > 0
    assert shown["C1"] >= shown["G1"] + shown["B3"]
    total = _oracle(
        log, subtrees["C1"], periods["2027"][0].timestamp(), periods["2027"][1].timestamp(), now
    )
    late_waiting = [e for e in log if e["accepted"] is None and not e["withdrawn"]
                    and now - e["submitted"] <= e["limit"] * 3600]  # fmt: skip
    assert late_waiting, "some requests still within their 受理 limit at the reading"
    assert all(den > 0 for _, den in total.values())  # every rate exercised
    assert 0 < total["accept"][0] < total["accept"][1]  # some late, some in time
    assert checked == 12


# --- photos -------------------------------------------------------------------------------------

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 3000


def upload_photo(stack, who, data: bytes = JPEG) -> str:
    """What the page does: ask for a form, POST the file to storage, return the key."""
    form = call(stack, "POST", "/service-requests/photo-uploads", who,
                json={"content_type": "image/jpeg", "size": len(data)})  # fmt: skip
    assert form.status_code == 200, form.text
    form = form.json()
    sent = requests.post(form["url"], data=form["fields"],
                         files={"file": ("p.jpg", data, "image/jpeg")}, timeout=30)  # fmt: skip
    assert sent.status_code == 204, sent.text
    return form["key"]


def test_photos_are_checked_kept_and_shown_to_those_who_see_the_request(stack, org, s3):
    a = org["a"]
    keys = [upload_photo(stack, a) for _ in range(2)]
    fake = upload_photo(stack, a, b"not a photo at all" * 10)
    r = submit(stack, a, photos=[*keys, fake])
    assert r.status_code == 415 and "照片" in r.json()["Message"]
    assert items() == []
    # Another member's upload cannot be attached to hers.
    theirs = upload_photo(stack, org["b"])
    assert submit(stack, a, photos=[theirs]).status_code == 400
    r = submit(stack, a, photos=keys, anonymous=True)
    assert r.status_code == 201, r.text
    req = r.json()
    assert len(req["photos"]) == 2
    assert requests.get(req["photos"][0]["url"], timeout=10).content == JPEG
    for who in (org["sec1"], org["g1"]):  # the handler, and the superior (anonymous: no name)
        seen = call(stack, "GET", f"/service-requests/{req['id']}", who).json()
        assert len(seen["photos"]) == 2
    assert call(stack, "GET", f"/service-requests/{req['id']}", org["sec2"]).status_code == 403
    step(stack, org["sec1"], req["id"], "accept")
    step(stack, org["sec1"], req["id"], "close", answer="已处理")
    public = call(stack, "GET", "/service-requests/answered", org["b"]).json()
    assert public["requests"] and "photos" not in public["requests"][0]
    bad = call(stack, "POST", "/service-requests/photo-uploads", a,
               json={"content_type": "image/gif", "size": 10})  # fmt: skip
    assert bad.status_code == 415 and "照片" in bad.json()["Message"]


def test_a_failure_before_the_write_leaves_nothing_and_the_retry_makes_one(
    stack, org, s3, fails_once
):
    """The photos are checked and kept, then the Lambda dies before the request's one write:
    no request exists (nothing refers to a missing file); the phone's retry with the same key
    makes exactly one, with its photos."""
    from chalicelib.models.service_requests import ServiceRequest as Model

    routes = Routes()
    keys = [upload_photo(stack, org["a"])]
    body = {"category": "branch_life", "text": "活动室灯坏了，请尽快修理。", "photos": keys,
            "request_key": rid()}  # fmt: skip
    calls = fails_once(Model, "save", "Lambda died before the write")
    with pytest.raises(RuntimeError):
        routes.send("POST", "/service-requests", member=org["a"], body=body)
    assert items() == []
    reply = routes.send("POST", "/service-requests", member=org["a"], body=body)
    assert reply.status_code == 201 and calls["n"] == 2
    assert [len(r.photos) for r in items()] == [1]
    again = routes.send("POST", "/service-requests", member=org["a"], body=body)
    assert again.status_code == 200 and len(items()) == 1


def test_a_huge_body_is_refused(stack, org):
    body = {"category": "branch_life", "text": "字" * 300_000, "request_key": rid()}
    r = call(stack, "POST", "/service-requests", org["a"], json=body)
    assert r.status_code == 413 and any("\u4e00" <= c <= "\u9fff" for c in r.json()["Message"])
    assert items() == []

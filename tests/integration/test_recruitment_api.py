"""党员发展 through the routes at frozen clocks (the app in-process, Chalice's test client; the
parallel test against chalice local): an applicant's whole path to 正式党员 with the registry
updated at admission and at conversion and never in a board before; refusals (too early, out of
order, out of scope, a taken member number) that change nothing; extension; the unit lists of the
branch and its superiors with due and overdue; the reminder's recipients."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests

from chalicelib import clock, ranking
from chalicelib.audiences import Context, recruitment_due
from chalicelib.models import Member
from chalicelib.models.recruitment import Recruit
from tools.bench_routes import Routes
from tools.fixtures import bearer, make_member, make_tree, rid

pytestmark = pytest.mark.usefixtures("clean_tables")

_TOKENS: dict[str, dict[str, str]] = {}


def auth(member) -> dict[str, str]:
    """Her bearer token, made once at the real time (`iat` is checked against the real clock)."""
    if member.member_no not in _TOKENS:
        _TOKENS[member.member_no] = bearer(member)
    return _TOKENS[member.member_no]


@pytest.fixture
def org():
    units = make_tree()
    people = {
        "sec1": make_member("41000001", "B1", name="一支书记", roles=("branch_secretary",)),
        "sec2": make_member("41000002", "B2", name="二支书记", roles=("branch_secretary",)),
        "com1": make_member("41000003", "B1", name="一支委员", roles=("branch_committee",)),
        "gen": make_member("41000004", "B2", name="总支委员", roles=("general_branch_committee",)),
        "party": make_member("41000005", "B3", name="党委委员", roles=("party_committee",)),
        "m1": make_member("41000006", "B1", name="一支党员"),
    }
    for member in people.values():
        auth(member)
    return units, people


@pytest.fixture
def routes(dynamodb):
    return Routes()


def call(routes: Routes, method: str, path: str, member=None, body=None):
    headers = {"Content-Type": "application/json", **(auth(member) if member else {})}
    data = json.dumps(body).encode() if body is not None else b""
    reply = routes.http.request(method, path, headers=headers, body=data)
    return reply.status_code, json.loads(reply.body or b"null")


def ok(reply, status: int = 200):
    got, body = reply
    assert got == status, body
    return body


def register(routes, who, unit="B1", name="李小红", applied_on="2026-01-05", **extra):
    body = {"name": name, "applied_on": applied_on, "request_key": rid(), **extra}
    return call(routes, "POST", f"/units/{unit}/recruitment", who, body)


def step(routes, who, person_id, key, on, **extra):
    body = {"step": key, "on": on, "request_key": rid(), **extra}
    return call(routes, "POST", f"/recruitment/{person_id}/steps", who, body)


def day(at, text: str) -> None:
    """The clock at 10:00 Beijing time of that day."""
    at(f"{text}T02:00:00")


def next_of(timeline: dict) -> dict[str, dict]:
    return {n["step"]: n for n in timeline["next"]}


def stored(person_id: str) -> dict:
    values = dict(Recruit.get(person_id, consistent_read=True).attribute_values)
    values["records"] = [r.as_dict() for r in values.get("records") or []]
    return values


def board_names(routes, who) -> list[str]:
    ranking.compute_boards()
    body = ok(call(routes, "GET", "/boards/branch/B1?period=" + clock.today().strftime("%Y"), who))
    return [e["name"] for e in body["entries"]]


def invitee_names(routes, who) -> list[str]:
    body = ok(call(routes, "GET", "/units/B1/meeting-invitees", who))
    return [m["name"] for m in body["members"]]


def walk_to(routes, at, people, person_id, until: str) -> None:
    """Record every step of the process up to (not including) `until` on plausible days."""
    plan = [
        ("talk", "2026-01-20", "sec1"),
        ("recommend", "2026-01-25", "sec1"),
        ("activist", "2026-02-01", "sec1"),
        ("activist_filed", "2026-02-02", "sec1"),
        ("mentors", "2026-02-02", "sec1"),
        ("report", "2026-04-01", "sec1"),
        ("report", "2026-07-01", "sec1"),
        ("report", "2026-10-01", "sec1"),
        ("report", "2027-01-05", "sec1"),
        ("candidate", "2027-02-01", "sec1"),
        ("candidate_filed", "2027-02-02", "sec1"),
        ("sponsors", "2027-02-03", "sec1"),
        ("political_review", "2027-02-08", "sec1"),
        ("training", "2027-02-10", "sec1"),
        ("publicity", "2027-02-15", "sec1"),
        ("pre_review", "2027-02-22", "party"),
        ("branch_meeting", "2027-03-01", "sec1"),
    ]
    for key, on, who in plan:
        if key == until:
            return
        day(at, on)
        ok(step(routes, people[who], person_id, key, on))


def test_an_applicant_becomes_a_full_member_and_the_registry_follows(at, org, routes) -> None:
    _, people = org
    sec1, party = people["sec1"], people["party"]
    day(at, "2026-01-05")
    created = ok(register(routes, sec1, gender="女", phone="13900001111",
                          birth_date="1998-05-04"), 201)  # fmt: skip
    pid = created["id"]
    assert created["stage_label"] == "入党申请人"
    assert [d["step"] for d in created["done"]] == ["application"]
    talk = next_of(created)["talk"]
    # The guided next step: what, by when, under which rule.
    assert (talk["earliest"], talk["latest"], talk["status"]) == (
        "2026-01-05",
        "2026-02-05",
        "open",
    )
    assert "一个月内" in talk["rule"] and talk["may_record"] is True
    # Not a member: in no member list and no board.
    assert "李小红" not in invitee_names(routes, sec1)
    assert "李小红" not in board_names(routes, sec1)
    assert not list(Member.scan(Member.name == "李小红"))

    walk_to(routes, at, people, pid, "pre_review")
    # 公示 on Monday 15 Feb: 预审 from Monday 22 Feb (five working days), by the committee only.
    day(at, "2027-02-19")
    early = step(routes, party, pid, "pre_review", "2027-02-19")
    assert early[0] == 400 and "最早可于 2027-02-22" in early[1]["Message"]
    day(at, "2027-02-22")
    refused = step(routes, sec1, pid, "pre_review", "2027-02-22")
    assert refused[0] == 403 and "上级党委" in refused[1]["Message"]
    ok(step(routes, party, pid, "pre_review", "2027-02-22"))
    day(at, "2027-03-01")
    after_meeting = ok(step(routes, sec1, pid, "branch_meeting", "2027-03-01"))
    admission = next_of(after_meeting)["admission"]
    assert admission["latest"] == "2027-06-01" and admission["needs_member_no"] is True
    assert admission["may_record"] is False  # the secretary reads it; the committee approves
    assert "李小红" not in board_names(routes, sec1)

    # The admission: a number already taken is refused, nothing changes.
    day(at, "2027-03-10")
    before = stored(pid)
    taken = step(routes, party, pid, "admission", "2027-03-10", member_no="41000006")
    assert taken[0] == 409 and "41000006" in taken[1]["Message"]
    assert stored(pid) == before and Member.get("41000006").name == "一支党员"
    admitted = ok(step(routes, party, pid, "admission", "2027-03-10", member_no="41990001"))
    assert admitted["stage_label"] == "预备党员" and admitted["member_no"] == "41990001"
    member = Member.get("41990001", consistent_read=True)
    assert (member.name, member.status, member.branch_id, member.joined_on, member.gender) == (
        "李小红", "probationary", "B1", "2027-03-01", "女")  # fmt: skip
    assert member.password_hash is None and member.roles == []
    assert "李小红" in invitee_names(routes, sec1)

    day(at, "2027-03-15")
    ok(step(routes, sec1, pid, "oath", "2027-03-15"))
    # 转正: one year from the branch meeting, then the committee's approval within 3 months.
    day(at, "2028-02-29")
    early = step(routes, sec1, pid, "conversion", "2028-02-29", outcome="full")
    assert early[0] == 400 and "最早可于 2028-03-01" in early[1]["Message"]
    day(at, "2028-03-01")
    ok(step(routes, sec1, pid, "conversion", "2028-03-01", outcome="full", note="全票通过"))
    assert Member.get("41990001", consistent_read=True).status == "probationary"
    day(at, "2028-03-20")
    done = ok(step(routes, party, pid, "conversion_approval", "2028-03-20"))
    assert done["stage_label"] == "正式党员" and done["next"] == []
    assert Member.get("41990001", consistent_read=True).status == "full"
    last = done["done"][-1]
    assert (last["step"], last["by"], last["by_name"], last["on"]) == (
        "conversion_approval", "41000005", "党委委员", "2028-03-20")  # fmt: skip
    again = step(routes, sec1, pid, "oath", "2028-03-20")
    assert again[0] == 409


def _at_conversion(routes, at, people) -> str:
    day(at, "2026-01-05")
    pid = ok(register(routes, people["sec1"]), 201)["id"]
    walk_to(routes, at, people, pid, "admission")
    day(at, "2027-03-10")
    ok(step(routes, people["party"], pid, "admission", "2027-03-10", member_no="41990002"))
    day(at, "2027-03-15")
    ok(step(routes, people["sec1"], pid, "oath", "2027-03-15"))
    return pid


def test_an_extended_probation_has_a_new_due_date_once(at, org, routes) -> None:
    _, people = org
    pid = _at_conversion(routes, at, people)
    day(at, "2028-03-05")
    bad = step(routes, people["sec1"], pid, "conversion", "2028-03-05", outcome="extend", months=3)
    assert bad[0] == 400 and "六个月至一年" in bad[1]["Message"]
    ok(step(routes, people["sec1"], pid, "conversion", "2028-03-05", outcome="extend", months=6))
    day(at, "2028-03-20")
    after = ok(step(routes, people["party"], pid, "conversion_approval", "2028-03-20"))
    assert after["stage_label"] == "预备党员" and after["extension_months"] == 6
    conversion = next_of(after)["conversion"]
    assert (conversion["earliest"], conversion["latest"]) == ("2028-09-01", "2028-10-01")
    assert Member.get("41990002", consistent_read=True).status == "probationary"
    assert [d["superseded"] for d in after["done"][-2:]] == [True, True]
    day(at, "2028-09-01")
    twice = step(
        routes, people["sec1"], pid, "conversion", "2028-09-01", outcome="extend", months=6
    )
    assert twice[0] == 400 and "只能延长一次" in twice[1]["Message"]
    day(at, "2028-10-02")  # a day past the limit: overdue, still recordable, marked late
    assert next_of(ok(call(routes, "GET", f"/recruitment/{pid}", people["sec1"])))["conversion"][
        "status"] == "overdue"  # fmt: skip
    ok(step(routes, people["sec1"], pid, "conversion", "2028-10-02", outcome="full"))
    day(at, "2028-10-09")
    done = ok(step(routes, people["party"], pid, "conversion_approval", "2028-10-09"))
    assert done["stage_label"] == "正式党员"
    assert [d["late_days"] for d in done["done"] if d["step"] == "conversion"] == [None, 1]
    assert Member.get("41990002", consistent_read=True).status == "full"


def test_a_cancelled_probation_deactivates_her(at, org, routes) -> None:
    _, people = org
    pid = _at_conversion(routes, at, people)
    day(at, "2028-03-05")
    ok(step(routes, people["sec1"], pid, "conversion", "2028-03-05", outcome="cancel"))
    day(at, "2028-03-06")
    done = ok(step(routes, people["party"], pid, "conversion_approval", "2028-03-06"))
    assert done["stage"] == "cancelled" and done["next"] == []
    assert Member.get("41990002", consistent_read=True).active is False


LEFT = {  # how transfers.py and the registry leave her member item
    "transferred out": ([Member.active.set(False), Member.transferred_out_at.set(1.8e9)], "转出"),
    "deactivated": ([Member.active.set(False)], "已停用"),
    "moved branch": ([Member.branch_id.set("B2")], "其他支部"),
}


@pytest.mark.parametrize("left", LEFT)
@pytest.mark.parametrize("outcome", ["full", "extend", "cancel"])
def test_no_decision_on_her_probation_once_she_left_the_branch(at, org, routes, left, outcome):
    _, people = org
    pid = _at_conversion(routes, at, people)
    day(at, "2028-03-05")
    months = {"months": 6} if outcome == "extend" else {}
    ok(step(routes, people["sec1"], pid, "conversion", "2028-03-05", outcome=outcome, **months))
    actions, words = LEFT[left]
    Member("41990002").update(actions=actions)
    member, person = Member.get("41990002", consistent_read=True), stored(pid)
    day(at, "2028-03-20")
    got, body = step(routes, people["party"], pid, "conversion_approval", "2028-03-20")
    assert got == 409 and words in body["Message"] and "41990002" in body["Message"], body
    after = Member.get("41990002", consistent_read=True)
    assert after.attribute_values == member.attribute_values and after.status == "probationary"
    assert stored(pid) == person


@pytest.mark.parametrize("left", LEFT)
def test_no_step_of_her_probation_is_recorded_once_she_left_the_branch(at, org, routes, left):
    _, people = org
    pid = _at_conversion(routes, at, people)
    Member("41990002").update(actions=LEFT[left][0])
    person = stored(pid)
    day(at, "2028-03-05")
    got, body = step(routes, people["sec1"], pid, "conversion", "2028-03-05", outcome="full")
    assert got == 409 and LEFT[left][1] in body["Message"], body
    assert stored(pid) == person


def test_refusals_change_nothing(at, org, routes) -> None:
    _, people = org
    day(at, "2026-01-05")
    pid = ok(register(routes, people["sec1"]), 201)["id"]
    before = stored(pid)
    refusals = [
        (people["sec1"], {"step": "activist", "on": "2026-01-05"}, 400, "须先完成"),
        (people["sec1"], {"step": "talk", "on": "2026-01-04"}, 400, "最早可于 2026-01-05"),
        (people["sec1"], {"step": "talk", "on": "2026-01-06"}, 400, "不能晚于今天"),
        (people["sec1"], {"step": "application", "on": "2026-01-05"}, 409, "不能重复"),
        (people["sec1"], {"step": "nope", "on": "2026-01-05"}, 400, "没有这个发展环节"),
        (people["sec1"], {"step": "talk", "on": "2026-13-01"}, 400, "日期"),
        (people["sec1"], {"step": "talk", "on": "2026-01-05", "outcome": "full"}, 400, "结果"),
        (people["sec1"], {"step": "talk", "on": "2026-01-05", "member_no": "1"}, 400, "党员编号"),
        (people["com1"], {"step": "talk", "on": "2026-01-05"}, 403, "只有本支部书记"),
        (people["sec2"], {"step": "talk", "on": "2026-01-05"}, 404, "不存在"),
        (people["m1"], {"step": "talk", "on": "2026-01-05"}, 404, "不存在"),
    ]
    for who, body, status, says in refusals:
        got, answer = call(routes, "POST", f"/recruitment/{pid}/steps", who,
                           {**body, "request_key": rid()})  # fmt: skip
        assert (got, says in answer["Message"]) == (status, True), (body, answer)
        assert stored(pid) == before
    # Reading: staff over her branch only; her personal data to nobody else.
    assert ok(call(routes, "GET", f"/recruitment/{pid}", people["com1"]))["phone"] is None
    assert ok(call(routes, "GET", f"/recruitment/{pid}", people["party"]))["may_manage"] is True
    for who in ("sec2", "m1"):
        assert call(routes, "GET", f"/recruitment/{pid}", people[who])[0] == 404
    assert call(routes, "GET", "/recruitment/rp_nosuchperson1", people["sec1"])[0] == 404
    # Registration: manage scope over a branch; bad input named; nothing written.
    bad_registrations = [
        (people["com1"], "B1", {}, 403),
        (people["sec2"], "B1", {}, 403),
        (people["gen"], "G1", {}, 400),  # a general branch is no branch
        (people["sec1"], "B1", {"applied_on": "2026-01-06"}, 400),  # later than today
        (people["sec1"], "B1", {"birth_date": "2008-01-06"}, 400),  # under 18
        (people["sec1"], "B1", {"phone": "12345"}, 400),
        (people["sec1"], "B1", {"name": " "}, 400),
        (people["sec1"], "B1", {"gender": "x"}, 400),
    ]
    for who, unit, extra, status in bad_registrations:
        got, answer = register(routes, who, unit, **extra)
        assert got == status, (extra, answer)
    assert [p.person_id for p in Recruit.scan()] == [pid]


def test_a_retried_request_records_once(at, org, routes) -> None:
    _, people = org
    day(at, "2026-01-05")
    body = {"name": "王五", "applied_on": "2026-01-05", "request_key": rid()}
    first = call(routes, "POST", "/units/B1/recruitment", people["sec1"], body)
    again = call(routes, "POST", "/units/B1/recruitment", people["sec1"], body)
    assert (first[0], again[0]) == (201, 200) and first[1]["id"] == again[1]["id"]
    record = {"step": "talk", "on": "2026-01-05", "request_key": rid()}
    path = f"/recruitment/{first[1]['id']}/steps"
    ok(call(routes, "POST", path, people["sec1"], record))
    ok(call(routes, "POST", path, people["sec1"], record))
    assert [r["step"] for r in stored(first[1]["id"])["records"]] == ["application", "talk"]


def test_the_unit_lists_with_due_and_overdue_for_the_branch_and_its_superiors(
    at, org, routes
) -> None:
    _, people = org
    day(at, "2026-03-01")
    late = ok(register(routes, people["sec1"], name="逾期甲", applied_on="2026-01-20"), 201)
    soon = ok(register(routes, people["sec2"], "B2", name="到期乙", applied_on="2026-02-05"), 201)
    fine = ok(register(routes, people["sec1"], name="正常丙", applied_on="2026-02-20"), 201)
    day(at, "2026-03-01")
    branch = ok(call(routes, "GET", "/units/B1/recruitment", people["sec1"]))
    applicants = branch["groups"][0]
    assert applicants["label"] == "入党申请人" and branch["may_register"] is True
    assert [p["name"] for p in applicants["people"]] == ["逾期甲", "正常丙"]
    first = applicants["people"][0]
    assert (first["overdue"], first["next"]["status"], first["next"]["latest"]) == (
        1, "overdue", "2026-02-20")  # fmt: skip
    assert applicants["people"][1]["next"]["status"] == "open"
    assert (branch["overdue"], branch["due"]) == (1, 0)
    for who, unit in (("gen", "G1"), ("party", "C1")):
        tree = ok(call(routes, "GET", f"/units/{unit}/recruitment", people[who]))
        names = {p["name"]: p for g in tree["groups"] for p in g["people"]}
        assert set(names) == {"逾期甲", "到期乙", "正常丙"}
        assert names["到期乙"]["next"]["status"] == "due" and tree["may_register"] is False
    assert call(routes, "GET", "/units/B1/recruitment", people["sec2"])[0] == 403
    assert call(routes, "GET", "/units/B1/recruitment", people["m1"])[0] == 403
    assert call(routes, "GET", "/units/B1/recruitment?days=abc", people["sec1"])[0] == 400
    # The reminder: each person's branch staff and superiors, one message each.
    at("2026-03-02T01:00:00")
    got = {d.member_no: d.fields for d in recruitment_due(Context(clock.local_now()),
                                                          {"days_ahead": 7})}  # fmt: skip
    assert set(got) == {"41000001", "41000002", "41000004", "41000005"}
    assert got["41000001"]["name"] == "逾期甲" and got["41000001"]["unit_id"] == "B1"
    assert got["41000002"]["name"] == "到期乙" and got["41000002"]["due"] == "2026年3月5日"
    assert got["41000004"] == {"name": "逾期甲等2人", "stage": "党组织派人谈话",
                               "due": "2026年2月20日", "count": 2, "unit_id": "G1"}  # fmt: skip
    assert got["41000005"]["count"] == 2
    assert fine["id"] and late["id"] and soon["id"]


def test_parallel_recordings_of_one_step_record_it_once(stack, org) -> None:
    """Against chalice local (real threads, the real clock): eight secretaries' pages at once."""
    _, people = org
    today = clock.today()
    base = f"{stack.url}/api"
    reply = requests.post(
        f"{base}/units/B1/recruitment",
        headers=auth(people["sec1"]),
        json={"name": "并发丁", "applied_on": (today - timedelta(days=3)).isoformat(),
              "request_key": rid()},
        timeout=30,
    )  # fmt: skip
    assert reply.status_code == 201, reply.text
    pid = reply.json()["id"]

    def record(_: int) -> int:
        return requests.post(
            f"{base}/recruitment/{pid}/steps",
            headers=auth(people["sec1"]),
            json={"step": "talk", "on": today.isoformat(), "request_key": rid()},
            timeout=30,
        ).status_code

    with ThreadPoolExecutor(8) as pool:
        codes = sorted(pool.map(record, range(8)))
    assert codes.count(200) == 1 and set(codes) <= {200, 409}, codes
    assert [r["step"] for r in stored(pid)["records"]] == ["application", "talk"]


@pytest.mark.parametrize(
    ("today", "status"),
    [("2026-02-20", "open"), ("2026-02-21", "due"), ("2026-02-27", "due"),
     ("2026-02-28", "due"), ("2026-03-01", "overdue")],
)  # fmt: skip
def test_the_talks_limit_over_http_at_its_boundaries(at, org, routes, today, status) -> None:
    """Applied on 31 January: the talk by 28 February (one month, the month's last day); due
    from seven days before, overdue the day after — on her page, her branch's list and her
    superiors', and in the reminder."""
    _, people = org
    day(at, "2026-01-31")
    pid = ok(register(routes, people["sec1"], applied_on="2026-01-31"), 201)["id"]
    day(at, today)
    talk = next_of(ok(call(routes, "GET", f"/recruitment/{pid}", people["sec1"])))["talk"]
    assert (talk["latest"], talk["status"]) == ("2026-02-28", status)
    for who, unit in (("sec1", "B1"), ("party", "C1")):
        listed = ok(call(routes, "GET", f"/units/{unit}/recruitment", people[who]))
        [person] = [p for g in listed["groups"] for p in g["people"]]
        assert person["next"]["status"] == status
        assert (listed["overdue"], listed["due"]) == (status == "overdue", status == "due")
    at(f"{today}T01:00:00")
    sent = {d.member_no for d in recruitment_due(Context(clock.local_now()), {"days_ahead": 7})}
    assert sent == (set() if status == "open" else {"41000001", "41000004", "41000005"})

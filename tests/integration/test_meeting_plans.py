"""The monthly list (一月一清单) and the superiors' views through the routes, at frozen clocks
(the app in-process, Chalice's test client; one HTTP test against chalice local): the list
generated from the kinds' rules once, its secretary responsible, each item's status from the
unit's locked meetings; staff adjusting it with every bad input refused in Chinese and nothing
changed; the scope (a superior sees below, nobody beside); the subtree's month and overdue."""

from __future__ import annotations

import json

import pytest
import requests

from chalicelib import meeting_checks
from chalicelib.models import PlanItem
from tests.integration.meeting_rows import make_meeting
from tools.bench_routes import Routes
from tools.capacity import metered
from tools.fixtures import bearer, make_member, make_tree, rid

pytestmark = pytest.mark.usefixtures("clean_tables")


@pytest.fixture
def org():
    units = make_tree()
    people = {
        "sec1": make_member("21000001", "B1", name="一支书记", roles=("branch_secretary",)),
        "sec2": make_member("21000002", "B2", name="二支书记", roles=("branch_secretary",)),
        "com1": make_member("21000003", "B1", name="一支委员", roles=("branch_committee",)),
        "gen": make_member("21000004", "B2", name="总支委员", roles=("general_branch_committee",)),
        "party": make_member("21000005", "B3", name="党委委员", roles=("party_committee",)),
        "m1": make_member("21000006", "B1", name="一支党员"),
        "m3": make_member("21000007", "B3", name="机关党员"),
    }
    for member in people.values():
        auth(member)
    return units, people


@pytest.fixture
def routes(stack):
    return Routes()


_TOKENS: dict[str, dict[str, str]] = {}


def auth(member) -> dict[str, str]:
    """Her bearer token, made once at the real time (a token issued at a frozen future time
    would not be valid yet: the token library checks `iat` against the real clock)."""
    if member.member_no not in _TOKENS:
        _TOKENS[member.member_no] = bearer(member)
    return _TOKENS[member.member_no]


def call(routes: Routes, method: str, path: str, member=None, body=None):
    headers = {"Content-Type": "application/json", **(auth(member) if member else {})}
    data = json.dumps(body).encode() if body is not None else b""
    reply = routes.http.request(method, path, headers=headers, body=data)
    return reply.status_code, json.loads(reply.body or b"null")


def ok(reply):
    status, body = reply
    assert status == 200, body
    return body


def items_of(body) -> dict[str, dict]:
    return {i["kind"]: i for i in body["items"]}


def stored(unit_id: str) -> list[dict]:
    return sorted((i.attribute_values for i in PlanItem.query(unit_id)),
                  key=lambda v: v["plan_key"])  # fmt: skip


def test_a_branchs_list_generated_from_the_rules_once(at, org, routes) -> None:
    _, people = org
    at("2026-12-05T02:00:00")
    body = ok(call(routes, "GET", "/units/B1/plan", people["sec1"]))
    assert body["month"] == "2026-12" and body["may_manage"] is True
    found = items_of(body)
    # Monthly kinds, and December ends a quarter and the year: all seven.
    assert set(found) == {"branch_committee", "group_meeting", "theme_day", "branch_assembly",
                          "party_lecture", "life_meeting", "member_review"}  # fmt: skip
    theme = found["theme_day"]
    assert theme["due"] == "2026-12-20" and theme["title"] == "本月主题党日"
    assert theme["responsible"] == "21000001" and theme["responsible_name"] == "一支书记"
    assert theme["status"] == "open" and theme["source"] == "rule"
    assert theme["plan_key"] == "2026-12#theme_day#1" and theme["ref"] == "2026-12~theme_day~1"
    assert found["party_lecture"]["due"] == "2026-12-31"
    before = stored("B1")
    with metered() as m:
        again = ok(call(routes, "GET", "/units/B1/plan", people["sec1"]))
    assert again["items"] == body["items"] and stored("B1") == before
    assert m.calls.get("PutItem", 0) == 0
    # November: only the monthly kinds.
    nov = ok(call(routes, "GET", "/units/B1/plan?month=2026-11", people["sec1"]))
    assert set(items_of(nov)) == {"branch_committee", "group_meeting", "theme_day"}


def test_each_items_status_from_the_units_meetings(at, org, routes) -> None:
    units, people = org
    held = make_meeting(units["B1"], "theme_day", "2026-12-03T09:00")
    planned = make_meeting(units["B1"], "group_meeting", "2026-12-28T09:00", state="scheduled")
    make_meeting(units["B1"], "party_lecture", "2026-10-15T09:00")  # the quarter's
    make_meeting(units["B2"], "branch_committee", "2026-12-02T09:00")  # another branch's
    make_meeting(units["B1"], "branch_committee", "2026-12-04T09:00", state="cancelled")
    at("2026-12-21T02:00:00")
    found = items_of(ok(call(routes, "GET", "/units/B1/plan", people["sec1"])))
    assert found["theme_day"]["status"] == "done"
    assert found["theme_day"]["meeting"]["id"] == held.meeting_id
    assert found["theme_day"]["meeting"]["url"] == f"/meeting-record.html?id={held.meeting_id}"
    assert found["party_lecture"]["status"] == "done"
    assert found["group_meeting"]["status"] == "open"
    assert found["group_meeting"]["meeting"]["id"] == planned.meeting_id  # the one noticed
    assert found["branch_committee"]["status"] == "open"
    # On the 21st 主题党日 would be overdue had it not been held; January: past due.
    at("2027-01-02T02:00:00")
    found = items_of(ok(call(routes, "GET", "/units/B1/plan?month=2026-12", people["sec1"])))
    assert found["branch_committee"]["status"] == "overdue"
    assert found["theme_day"]["status"] == "done"


def test_staff_adjust_an_item_and_bad_input_changes_nothing(at, org, routes) -> None:
    _, people = org
    at("2026-12-05T02:00:00")
    ok(call(routes, "GET", "/units/B1/plan", people["sec1"]))
    path = "/units/B1/plan/2026-12~theme_day~1"
    change = {"responsible": "21000006", "due": "2026-12-18", "note": "结合主题教育"}
    body = ok(call(routes, "PUT", path, people["sec1"], change))
    theme = items_of(body)["theme_day"]
    assert (theme["responsible"], theme["responsible_name"]) == ("21000006", "一支党员")
    assert (theme["due"], theme["note"]) == ("2026-12-18", "结合主题教育")
    before = stored("B1")
    bad = [
        ({"responsible": "21000002"}, "本组织"),  # another branch's secretary
        ({"responsible": "99999999"}, "在册"),
        ({"due": "2027-01-02"}, "2026-12-01 至 2026-12-31"),
        ({"due": "2026-12-32"}, "YYYY-MM-DD"),
        ({"due": "18 Dec"}, "YYYY-MM-DD"),
        ({"note": "长" * 201}, "过长"),
        ({}, "没有要修改的内容"),
        ({"removed": "yes"}, "布尔值"),
        ({"due": "2026-12-10", "responsible": "21000007"}, "本组织"),  # one bad, none applied
        ({"owner": "x"}, "不支持的字段"),
    ]
    for change, words in bad:
        status, error = call(routes, "PUT", path, people["sec1"], change)
        assert status == 400 and words in error["Message"], (change, error)
    assert stored("B1") == before
    # The quarter's requirement may be moved within its quarter.
    lecture = "/units/B1/plan/2026-12~party_lecture~1"
    assert items_of(ok(call(routes, "PUT", lecture, people["sec1"], {"due": "2026-11-30"})))[
        "party_lecture"]["due"] == "2026-11-30"  # fmt: skip
    status, _ = call(routes, "PUT", lecture, people["sec1"], {"due": "2026-09-30"})
    assert status == 400
    # Unknown items: 404; the "#" form of the key is accepted as well.
    assert call(routes, "PUT", "/units/B1/plan/2026-12~nothing~1", people["sec1"],
                {"note": "x"})[0] == 404  # fmt: skip
    assert call(routes, "PUT", "/units/B1/plan/garbage", people["sec1"], {"note": "x"})[0] == 404
    # A closed month's list stands: open until the 3rd of the next month, then refused.
    at("2027-01-03T02:00:00")
    assert ok(call(routes, "PUT", path, people["sec1"], {"note": "补记"}))
    at("2027-01-04T02:00:00")
    before = stored("B1")
    status, error = call(routes, "PUT", path, people["sec1"], {"note": "再改"})
    assert status == 400 and "2026年12月已结束" in error["Message"]
    assert stored("B1") == before


def test_a_removed_item_stays_removed_and_can_be_restored(at, org, routes) -> None:
    _, people = org
    at("2026-12-05T02:00:00")
    ok(call(routes, "GET", "/units/B1/plan", people["sec1"]))
    path = "/units/B1/plan/2026-12~group_meeting~1"
    body = ok(call(routes, "PUT", path, people["sec1"], {"removed": True}))
    assert items_of(body)["group_meeting"]["status"] == "removed"
    again = ok(call(routes, "GET", "/units/B1/plan", people["sec1"]))  # not generated again
    assert items_of(again)["group_meeting"]["status"] == "removed"
    assert len(again["items"]) == 7
    body = ok(call(routes, "PUT", path, people["sec1"], {"removed": False, "note": ""}))
    assert items_of(body)["group_meeting"]["status"] == "open"


def test_staff_add_an_extra_item_once(at, org, routes) -> None:
    units, people = org
    at("2026-12-05T02:00:00")
    request = rid()
    add = {"month": "2026-12", "kind": "party_lecture", "title": "专题党课：学习全会精神",
           "due": "2026-12-26", "responsible": "21000003", "request": request}  # fmt: skip
    body = ok(call(routes, "POST", "/units/B1/plan", people["sec1"], add))
    extra = [i for i in body["items"] if i["source"] == "staff"]
    assert len(extra) == 1 and extra[0]["title"] == "专题党课：学习全会精神"
    assert extra[0]["due"] == "2026-12-26" and extra[0]["responsible_name"] == "一支委员"
    body = ok(call(routes, "POST", "/units/B1/plan", people["sec1"], add))  # retried
    assert len([i for i in body["items"] if i["source"] == "staff"]) == 1
    # Two lectures held: the rule's item and the extra one are both done, in time order.
    make_meeting(units["B1"], "party_lecture", "2026-12-08T09:00")
    make_meeting(units["B1"], "party_lecture", "2026-12-22T09:00")
    body = ok(call(routes, "GET", "/units/B1/plan", people["sec1"]))
    lectures = [i for i in body["items"] if i["kind"] == "party_lecture"]
    assert [i["status"] for i in lectures] == ["done", "done"]
    before = stored("B1")
    bad = [
        ({**add, "kind": "nothing", "request": rid()}, "不能召开"),
        ({**add, "month": "2026-11", "request": rid()}, "本月或下个月"),
        ({**add, "month": "2026-13", "request": rid()}, "YYYY-MM"),
        ({**add, "due": "2027-01-05", "request": rid()}, "之间"),
        ({**add, "request": "x"}, "请求编号"),
        ({**add, "responsible": "21000007", "request": rid()}, "本组织"),
    ]
    for change, words in bad:
        status, error = call(routes, "POST", "/units/B1/plan", people["sec1"], change)
        assert status == 400 and words in error["Message"], (change, error)
    assert stored("B1") == before


def test_scope_a_superior_sees_below_nobody_beside(at, org, routes) -> None:
    _, people = org
    at("2026-12-05T02:00:00")
    assert ok(call(routes, "GET", "/units/B1/plan", people["gen"]))["may_manage"] is True
    assert ok(call(routes, "GET", "/units/B1/plan", people["party"]))["may_manage"] is True
    assert ok(call(routes, "GET", "/units/B1/plan", people["com1"]))["may_manage"] is False
    for who in ("sec2", "m1", "m3"):
        status, error = call(routes, "GET", "/units/B1/plan", people[who])
        assert status == 403 and "无权" in error["Message"], who
    assert call(routes, "GET", "/units/B3/plan", people["gen"])[0] == 403  # beside him
    assert call(routes, "GET", "/units/NOPE/plan", people["party"])[0] == 403  # as beside
    assert call(routes, "GET", "/units/B1/plan")[0] == 401
    path = "/units/B1/plan/2026-12~theme_day~1"
    before = stored("B1")
    for who in ("com1", "sec2", "m1"):
        assert call(routes, "PUT", path, people[who], {"note": "改"})[0] == 403, who
    assert stored("B1") == before
    assert ok(call(routes, "PUT", path, people["gen"], {"note": "总支督办"}))
    for month in ("2026-1", "2027-02", "abcd-ef"):
        assert call(routes, "GET", f"/units/B1/plan?month={month}", people["sec1"])[0] == 400


def test_the_subtrees_month_and_overdue_for_a_superior(at, org, routes) -> None:
    units, people = org
    for kind in ("theme_day", "branch_committee", "group_meeting"):
        make_meeting(units["B1"], kind, "2026-11-10T09:00")
    make_meeting(units["B1"], "theme_day", "2026-12-03T09:00")
    at("2026-12-21T00:00:00")
    meeting_checks.run()
    body = ok(call(routes, "GET", "/units/G1/month", people["gen"]))
    rows = {r["unit_id"]: r for r in body["rows"]}
    assert set(rows) == {"G1", "B1", "B2"}  # his subtree, not B3
    assert rows["B1"]["by_kind"]["theme_day"] == {"held": 1, "required": 1}
    assert rows["B1"]["done"] is False and rows["B1"]["overdue"] == []
    assert rows["B2"]["overdue"] == [{"kind": "theme_day", "label": "主题党日"}]
    assert body["summary"] == {"units": 2, "done": 0, "overdue": 1, "warned": 0}
    assert [k["key"] for k in body["kinds"]][:3] == ["branch_assembly", "branch_committee",
                                                    "group_meeting"]  # fmt: skip
    # A record locked since the night's check: the month row follows when the branch's list
    # is next viewed (its meetings are read for the list anyway), not before.
    make_meeting(units["B2"], "theme_day", "2026-12-21T07:00")

    def month() -> dict[str, dict]:
        body = ok(call(routes, "GET", "/units/G1/month", people["gen"]))
        return {r["unit_id"]: r for r in body["rows"]}

    assert month()["B2"]["overdue"] != []
    ok(call(routes, "GET", "/units/B2/plan", people["sec2"]))
    rows = month()
    assert rows["B2"]["by_kind"]["theme_day"]["held"] == 1 and rows["B2"]["overdue"] == []
    with metered() as m:  # and once up to date, a view writes nothing
        ok(call(routes, "GET", "/units/B2/plan", people["sec2"]))
    assert m.calls.get("UpdateItem", 0) == 0
    # The committee sees all three branches; November too.
    body = ok(call(routes, "GET", "/units/C1/month?month=2026-11", people["party"]))
    assert {r["unit_id"] for r in body["rows"]} == set()  # November was never checked
    at("2026-12-01T18:30:00")  # 2 December: November is closed once more
    meeting_checks.run()
    body = ok(call(routes, "GET", "/units/C1/month?month=2026-11", people["party"]))
    rows = {r["unit_id"]: r for r in body["rows"]}
    assert set(rows) == {"C1", "G1", "B1", "B2", "B3"}
    assert rows["B1"]["done"] is True and rows["B3"]["done"] is False
    # Overdue: current and previous month, every unit below.
    at("2026-12-21T02:00:00")
    meeting_checks.run()
    body = ok(call(routes, "GET", "/units/C1/overdue", people["party"]))
    found = {(u["unit_id"], u["month"]): [k["kind"] for k in u["overdue"]] for u in body["units"]}
    assert found[("B3", "2026-12")] == ["theme_day"]
    assert ("B1", "2026-12") not in found and ("B2", "2026-12") not in found
    assert set(found[("B2", "2026-11")]) == {"theme_day", "branch_committee", "group_meeting"}
    assert body["units"][0]["overdue"][0]["due"]
    # Scope: a branch secretary sees her own branch only.
    assert call(routes, "GET", "/units/G1/month", people["sec1"])[0] == 403
    assert call(routes, "GET", "/units/C1/overdue", people["gen"])[0] == 403
    assert {r["unit_id"] for r in ok(call(routes, "GET", "/units/B1/month",
                                          people["sec1"]))["rows"]} == {"B1"}  # fmt: skip
    assert call(routes, "GET", "/units/B1/month?month=2027-01", people["sec1"])[0] == 400


def test_over_http(stack, org) -> None:
    """The real server (today's clock): the list and a change, by the routes' own paths."""
    _, people = org
    url = f"{stack.url}/api/units/B1/plan"
    reply = requests.get(url, headers=bearer(people["sec1"]), timeout=30)
    assert reply.status_code == 200, reply.text
    first = reply.json()["items"][0]
    reply = requests.put(f"{url}/{first['ref']}", headers=bearer(people["sec1"]),
                         json={"note": "按时召开"}, timeout=30)  # fmt: skip
    assert reply.status_code == 200, reply.text
    reply = requests.put(f"{url}/{first['ref']}", headers=bearer(people["sec1"]),
                         json={"due": "昨天"}, timeout=30)  # fmt: skip
    assert reply.status_code == 400 and "截止日期" in reply.json()["Message"]


def test_a_warned_branch_shows_before_the_nights_check(at, org, routes) -> None:
    """The 20th's warning marks the branch's month row even when the check has not written it
    yet: the superiors' table shows it warned, with no figures."""
    from chalicelib import reminders

    _, people = org
    at("2026-12-20T01:00:00")
    reminders.run_due()
    body = ok(call(routes, "GET", "/units/C1/month", people["party"]))
    rows = {r["unit_id"]: r for r in body["rows"]}
    assert {u for u, r in rows.items() if r["warned"]} == {"B1", "B2", "B3"}
    assert rows["B1"]["by_kind"] == {} and body["summary"]["warned"] == 3

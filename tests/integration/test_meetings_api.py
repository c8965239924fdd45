"""Meetings (会议室) over HTTP on DynamoDB Local: a secretary creates a meeting and exactly its
attendees get the notice in their 消息 centre; 我的会议; leave asked, approved and refused; bad
input refused in Chinese with nothing written; parallel creates with one request key make one
meeting; a member beside the meeting cannot see it; a create that died between its writes is
completed by the retry."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
import requests

from chalicelib import clock, meetings, registry
from chalicelib.models import Attendance, Meeting, Message, OrgUnit
from tools.fixtures import bearer, make_member, make_tree, rid

pytestmark = pytest.mark.usefixtures("clean_tables")


def at(days: float = 1, hours: float = 0) -> str:
    moment = clock.local_now().replace(second=0, microsecond=0)
    return (moment + timedelta(days=days, hours=hours)).isoformat()


@pytest.fixture
def org(stack):
    make_tree()
    # Another organisation altogether: its members are never guests of ours.
    OrgUnit("X1", name="外单位党委", kind="committee", path=["X1"], path_kinds=["committee"]).save()
    OrgUnit(
        "XB", name="外单位支部", kind="branch", parent_id="X1", path=["X1", "XB"],
        path_kinds=["committee", "branch"],
    ).save()  # fmt: skip
    return {
        "sec": make_member(
            "81000001", "B1", name="书记", roles=("branch_secretary",), password=None
        ),
        "cm": make_member(
            "81000002", "B1", name="委员", roles=("branch_committee",), password=None
        ),
        "a": make_member("81000003", "B1", name="甲", password=None),
        "b": make_member("81000004", "B1", name="乙", password=None),
        "gone": make_member("81000005", "B1", name="停用", password=None, active=False),
        "b2": make_member("82000001", "B2", name="丙", password=None),
        "b2sec": make_member(
            "82000002", "B2", name="丁", roles=("branch_secretary",), password=None
        ),
        "b3": make_member("83000001", "B3", name="戊", password=None),
        "x": make_member("89000001", "XB", name="外人", password=None),
    }


def call(stack, method: str, path: str, member=None, **kw) -> requests.Response:
    headers = bearer(member) if member else {}
    return requests.request(method, f"{stack.url}/api{path}", headers=headers, timeout=60, **kw)


def body(**over) -> dict:
    base = {
        "unit_id": "B1",
        "kind": "theme_day",
        "topic": "学习党的二十届三中全会精神",
        "starts_at": at(1),
        "ends_at": at(1, 2),
        "place": "三楼会议室",
        "request_key": rid(),
    }
    base.update(over)
    return base


def inbox_of(member_no: str) -> list[Message]:
    return [m for m in Message.query(member_no, consistent_read=True)]


def test_create_notifies_exactly_the_attendees_and_leave_flows(stack, org):
    r = call(
        stack, "POST", "/meetings", org["sec"], json=body(host="81000001", recorder="81000002")
    )
    assert r.status_code == 201, r.text
    m = r.json()
    assert m["id"].startswith("mt_") and "checkin_secret" not in r.text
    assert (m["kind_label"], m["invited"], m["guests"]) == ("主题党日", 4, 0)
    assert m["host"] == {"member_no": "81000001", "name": "书记"}
    # The default attendees of 主题党日: every active member of the branch; nobody else.
    rows = {a.member_no: a for a in Attendance.query(m["id"], consistent_read=True)}
    assert set(rows) == {"81000001", "81000002", "81000003", "81000004"}
    assert rows["81000003"].name == "甲" and rows["81000003"].branch_id == "B1"
    for key, member in org.items():
        got = [x for x in inbox_of(member.member_no) if x.kind == "meeting_notice"]
        assert len(got) == (1 if member.member_no in rows else 0), key
    notice = inbox_of("81000003")[0]
    assert (
        notice.url == f"/meetings.html?id={m['id']}" and "学习党的二十届三中全会精神" in notice.body
    )

    # 我的会议 and the meeting itself, for an attendee.
    mine = call(stack, "GET", "/me/meetings?when=upcoming", org["a"]).json()
    assert [i["id"] for i in mine["items"]] == [m["id"]]
    assert call(stack, "GET", "/me/meetings?when=past", org["a"]).json()["items"] == []
    seen = call(stack, "GET", f"/meetings/{m['id']}", org["a"]).json()
    assert seen["mine"]["role"] == "attendee" and "counts" not in seen and not seen["may_manage"]

    # Leave: asked, asked again (new reason), approved; then no more changes.
    short = call(stack, "POST", f"/meetings/{m['id']}/leave", org["a"], json={"reason": "病"})
    assert short.status_code == 400 and "请假理由" in short.json()["Message"]
    assert call(
        stack, "POST", f"/meetings/{m['id']}/leave", org["a"], json={"reason": "出差在外"}
    ).ok
    again = call(stack, "POST", f"/meetings/{m['id']}/leave", org["a"], json={"reason": "外地出差"})
    assert again.json()["mine"]["leave_reason"] == "外地出差"
    # The organiser heard of it once (the second ask changed only the reason).
    asked = [x for x in inbox_of("81000001") if x.kind == "meeting_change"]
    assert [x.title for x in asked] == ["请假申请：甲"] and "出差在外" in asked[0].body
    assert asked[0].url == f"/meeting-desk.html?unit=B1&id={m['id']}"
    # A member of the branch who is no manager cannot decide.
    no = call(stack, "POST", f"/meetings/{m['id']}/leave/81000003", org["cm"],
              json={"decision": "approve"})  # fmt: skip
    assert no.status_code == 403
    ok = call(stack, "POST", f"/meetings/{m['id']}/leave/81000003", org["sec"],
              json={"decision": "approve"})  # fmt: skip
    assert ok.status_code == 200 and ok.json()["leave"] == "approved" and ok.json()["changed"]
    told = [x for x in inbox_of("81000003") if x.kind == "meeting_change"]
    assert [x.title for x in told] == ["请假已批准"]
    late = call(stack, "POST", f"/meetings/{m['id']}/leave", org["a"], json={"reason": "改期了"})
    assert late.status_code == 409 and "已批准" in late.json()["Message"]
    # The other decision now is a conflict; the same one again changes nothing and tells once.
    other = call(stack, "POST", f"/meetings/{m['id']}/leave/81000003", org["sec"],
                 json={"decision": "refuse", "note": "必须参加"})  # fmt: skip
    assert other.status_code == 409
    same = call(stack, "POST", f"/meetings/{m['id']}/leave/81000003", org["sec"],
                json={"decision": "approve"})  # fmt: skip
    assert same.status_code == 200 and not same.json()["changed"]
    assert len([x for x in inbox_of("81000003") if x.kind == "meeting_change"]) == 1

    # Refusal needs a note, and tells her.
    assert call(
        stack, "POST", f"/meetings/{m['id']}/leave", org["b"], json={"reason": "家中有事"}
    ).ok
    bare = call(stack, "POST", f"/meetings/{m['id']}/leave/81000004", org["sec"],
                json={"decision": "refuse"})  # fmt: skip
    assert bare.status_code == 400 and "理由" in bare.json()["Message"]
    refused = call(stack, "POST", f"/meetings/{m['id']}/leave/81000004", org["sec"],
                   json={"decision": "refuse", "note": "本次为重要会议，请调整安排"})  # fmt: skip
    assert refused.json()["leave"] == "refused"
    [msg] = [x for x in inbox_of("81000004") if x.kind == "meeting_change"]
    assert msg.title == "请假未获批准" and "请调整安排" in msg.body

    # Staff: counts, the attendance list; the branch's committee member reads it too.
    staff = call(stack, "GET", f"/meetings/{m['id']}", org["sec"]).json()
    assert staff["counts"] == {
        "attendees": 4, "guests": 0, "leave_requested": 0, "leave_approved": 1, "present": 0,
    }  # fmt: skip
    listed = call(stack, "GET", f"/meetings/{m['id']}/attendance", org["cm"]).json()
    assert {r["member_no"]: r["leave"] for r in listed["rows"]}["81000003"] == "approved"
    denied = call(stack, "GET", f"/meetings/{m['id']}/attendance", org["a"])
    assert denied.status_code == 403
    units = call(stack, "GET", "/units/B1/meetings", org["cm"]).json()
    assert [i["id"] for i in units["items"]] == [m["id"]]
    assert {k["key"] for k in units["kinds"]} >= {"theme_day", "branch_committee"}


def test_beside_and_above_see_nothing(stack, org):
    m = call(stack, "POST", "/meetings", org["sec"], json=body()).json()
    for who in ("b2", "b2sec", "b3", "x"):
        r = call(stack, "GET", f"/meetings/{m['id']}", org[who])
        assert r.status_code == 404 and r.json()["Message"] == "会议不存在或您无权查看", who
        assert call(stack, "GET", f"/meetings/{m['id']}/attendance", org[who]).status_code == 404
        leave = call(stack, "POST", f"/meetings/{m['id']}/leave", org[who], json={"reason": "有事"})
        assert leave.status_code == 404
    assert call(stack, "GET", "/units/B1/meetings", org["b2sec"]).status_code == 403
    assert call(stack, "GET", "/units/B1/meetings", org["a"]).status_code == 403
    for query, words in (
        ("from=2027-13", "YYYY-MM"),
        ("from=27-01", "YYYY-MM"),
        ("from=2027-05&to=2027-04", "不能早于"),
        ("from=2027-01&to=2029-01", "24 个月"),
    ):
        r = call(stack, "GET", f"/units/B1/meetings?{query}", org["sec"])
        assert r.status_code == 400 and words in r.json()["Message"], query
    r = call(stack, "POST", f"/meetings/{m['id']}/leave/{'x' * 40}", org["sec"],
             json={"decision": "approve"})  # fmt: skip
    assert r.status_code == 404 and r.json()["Message"] == "该党员没有请假申请"
    # An unknown unit answers as one out of scope.
    unknown = call(stack, "GET", "/units/NOPE/meetings", org["sec"])
    assert unknown.status_code == 403 and unknown.json()["Message"] == "无权查看该组织的会议"
    assert call(stack, "GET", "/units/B2/meeting-invitees", org["sec"]).status_code == 403
    assert call(stack, "GET", "/units/B1/meeting-invitees", org["cm"]).status_code == 403
    invitees = call(stack, "GET", "/units/B1/meeting-invitees", org["sec"]).json()["members"]
    assert [m["member_no"] for m in invitees] == ["81000001", "81000002", "81000003", "81000004"]
    assert call(stack, "GET", "/meetings/mt_doesnotexist00", org["sec"]).status_code == 404
    assert call(stack, "GET", "/meetings/nonsense", org["sec"]).status_code == 404


def _nothing_written() -> None:
    assert list(Meeting.scan()) == []
    assert list(Attendance.scan()) == []
    assert list(Message.scan()) == []


@pytest.mark.parametrize(
    ("who", "over", "status", "words"),
    [
        ("sec", {"starts_at": at(-1), "ends_at": at(-1, 1)}, 400, "开始时间已过"),
        ("sec", {"starts_at": at(400), "ends_at": at(400, 1)}, 400, "一年以内"),
        ("sec", {"ends_at": at(1, -1)}, 400, "结束时间须晚于"),
        ("sec", {"ends_at": at(1, 13)}, 400, "12 小时"),
        ("sec", {"starts_at": "明天下午"}, 400, "ISO 8601"),
        ("sec", {"kind": "member_review", "unit_id": "G1"}, 403, "书记"),
        ("sec", {"kind": "nonsense"}, 400, "不能召开这种会议"),
        ("sec", {"topic": ""}, 400, "会议主题"),
        ("sec", {"place": None}, 400, "地点或线上会议链接"),
        ("sec", {"online_url": "http://meet.example/1"}, 400, "https://"),
        ("sec", {"online_url": "javascript:alert(1)"}, 400, "https://"),
        ("sec", {"attendees": {"units": ["B2"]}}, 403, "「B2」不在您管理的范围内"),
        ("sec", {"attendees": {"members": ["81000003", "82000001"]}}, 403, "「82000001」不在"),
        # An unknown member answers as one out of scope (no existence, no name leaks).
        ("sec", {"attendees": {"members": ["81009999"]}}, 403, "「81009999」不在您管理的范围内"),
        ("sec", {"attendees": {"units": ["NOPE"]}}, 403, "「NOPE」不在您管理的范围内"),
        ("sec", {"attendees": {"members": ["81000005"]}}, 400, "停用（81000005）」已停用"),
        ("sec", {"guests": ["89000001"]}, 400, "「89000001」不是本单位党组织的在册党员"),
        ("sec", {"guests": ["89009999"]}, 400, "「89009999」不是本单位党组织的在册党员"),
        ("sec", {"guests": ["81000005"]}, 400, "「81000005」不是本单位党组织的在册党员"),
        ("sec", {"unit_id": "NOPE"}, 403, "书记"),
        ("sec", {"topic": "第一行\n第二行"}, 400, "换行"),
        ("sec", {"place": "三楼\x07"}, 400, "控制字符"),
        ("sec", {"attendees": {"units": ["B1"], "people": []}}, 400, "attendees"),
        ("sec", {"attendees": {"members": [7]}}, 400, "党员编号的列表"),
        ("sec", {"visible_to_members": "yes"}, 400, "visible_to_members"),
        ("sec", {"guests": ["81000003"]}, 400, "已在参会名单中"),
        ("sec", {"host": "82000001"}, 400, "主持人须是参会党员"),
        ("sec", {"request_key": "short"}, 400, "request_key"),
        ("a", {}, 403, "书记"),
        ("cm", {}, 403, "书记"),
        ("b2sec", {}, 403, "书记"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_nothing_is_written(
    stack, org, who, over, status, words
):
    payload = body(**over)
    payload = {k: v for k, v in payload.items() if v is not None}
    r = call(stack, "POST", "/meetings", org[who], json=payload)
    assert r.status_code == status, r.text
    assert words in r.json()["Message"]
    _nothing_written()


def test_a_branch_may_not_hold_every_kind(stack, org):
    # A general branch's manager: 支部委员会 is a branch's meeting, not the general branch's.
    gb = make_member("81000009", "B1", name="总支委员", roles=("general_branch_committee",),
                     password=None)  # fmt: skip
    r = call(stack, "POST", "/meetings", gb, json=body(unit_id="G1", kind="branch_committee"))
    assert r.status_code == 400 and "第一党总支不能召开这种会议" in r.json()["Message"]
    _nothing_written()
    ok = call(stack, "POST", "/meetings", gb, json=body(unit_id="G1", kind="party_lecture"))
    assert ok.status_code == 201 and ok.json()["invited"] == 7  # B1's five and B2's two


def test_too_many_attendees_is_a_clear_400(stack, org, monkeypatch):
    monkeypatch.setattr(meetings, "MAX_INVITED", 3)  # in-process: the limit's own code path
    with pytest.raises(meetings.BadRequestError, match="最多通知 3 人"):
        meetings.create(registry.caller_for(org["sec"]), org["sec"], body())
    r = call(stack, "POST", "/meetings", org["sec"],
             json=body(attendees={"members": [f"8100{i:04d}" for i in range(501)]}))  # fmt: skip
    assert r.status_code == 400 and "最多通知 500 人" in r.json()["Message"]
    _nothing_written()


def test_chosen_members_committee_default_and_guests(stack, org):
    chosen = call(stack, "POST", "/meetings", org["sec"], json=body(
        attendees={"members": ["81000003"]}, guests=["82000001", "83000001"]))  # fmt: skip
    assert chosen.status_code == 201, chosen.text
    rows = {a.member_no: a.role for a in Attendance.query(chosen.json()["id"])}
    assert rows == {"81000003": "attendee", "82000001": "guest", "83000001": "guest"}
    # A guest sees the meeting; her colleague of the same branch does not.
    assert (
        call(stack, "GET", f"/meetings/{chosen.json()['id']}", org["b2"]).json()["mine"]["role"]
        == "guest"
    )
    # 支部委员会: by default the branch's committee (the members with a role in it).
    committee = call(stack, "POST", "/meetings", org["sec"], json=body(kind="branch_committee"))
    assert {a.member_no for a in Attendance.query(committee.json()["id"])} == {
        "81000001", "81000002",
    }  # fmt: skip


def test_parallel_creates_with_one_request_key_make_one_meeting(stack, org):
    payload = body()

    def create(_: int) -> requests.Response:
        return call(stack, "POST", "/meetings", org["sec"], json=payload)

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(create, range(6)))
    assert all(a.status_code in (200, 201) for a in answers), [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    assert [a.status_code for a in answers].count(201) >= 1
    assert len(list(Meeting.scan())) == 1
    assert len(list(Attendance.scan())) == 4
    for n in ("81000001", "81000002", "81000003", "81000004"):
        assert len(inbox_of(n)) == 1


@pytest.mark.parametrize("where", ["before the meeting", "before the notice"])
def test_a_create_that_died_between_its_writes_is_completed_by_the_retry(org, fails_once, where):
    if where == "before the meeting":
        calls = fails_once(Meeting, "save", "lambda timed out")
    else:
        calls = fails_once(meetings, "post_notice", "lambda timed out")
    caller = registry.caller_for(org["sec"])
    # The first attempt chose one member more; the retry (the page's edit) leaves her out.
    first = body(attendees={"members": ["81000003", "81000004"]})
    with pytest.raises(RuntimeError):
        meetings.create(caller, org["sec"], first)
    assert calls["n"] == 1
    retry = {**first, "attendees": {"members": ["81000003"]}}
    answer, _ = meetings.create(caller, org["sec"], retry)
    rows = {a.member_no for a in Attendance.query(answer["id"], consistent_read=True)}
    if where == "before the meeting":
        assert rows == {"81000003"}  # the unfinished attempt's other row is gone
    else:
        assert rows == {"81000003", "81000004"}  # committed: the stored rows stand
    assert len(list(Meeting.scan())) == 1
    for n in rows:
        assert len(inbox_of(n)) == 1
    # A third call is a replay: nothing more anywhere.
    again, created = meetings.create(caller, org["sec"], retry)
    assert (again["id"], created) == (answer["id"], False)
    assert sum(len(inbox_of(n)) for n in rows) == len(rows)


def test_past_meetings_and_the_page_cursor(stack, org):
    ids = []
    for i in range(3):
        r = call(stack, "POST", "/meetings", org["sec"],
                 json=body(starts_at=at(1 + i), ends_at=at(1 + i, 1)))  # fmt: skip
        ids.append(r.json()["id"])
    # One ended already (written as a meeting of yesterday would be).
    old = Meeting.get(ids[0])
    start = datetime.fromisoformat(at(-2))
    for a in Attendance.query(old.meeting_id):
        a.update(
            actions=[
                Attendance.member_sort.set(
                    f"{start.isoformat(timespec='minutes')}#{old.meeting_id}"
                )
            ]
        )
    ends = start + timedelta(hours=1)
    old.update(
        actions=[
            Meeting.starts_at.set(start.isoformat(timespec="minutes")),
            Meeting.ends_at.set(ends.isoformat(timespec="minutes")),
        ]
    )
    up = call(stack, "GET", "/me/meetings?when=upcoming", org["a"]).json()
    assert [i["id"] for i in up["items"]] == ids[1:]
    past = call(stack, "GET", "/me/meetings?when=past", org["a"]).json()
    assert [i["id"] for i in past["items"]] == ids[:1]
    bad = call(stack, "GET", "/me/meetings?cursor=abc", org["a"])
    assert bad.status_code == 400 and bad.json()["Message"] == "分页参数（cursor）无效"
    assert call(stack, "GET", "/me/meetings?when=soon", org["a"]).status_code == 400
    # Leave is over once it started.
    r = call(stack, "POST", f"/meetings/{ids[0]}/leave", org["a"], json={"reason": "事后请假"})
    assert r.status_code == 409 and "已开始" in r.json()["Message"]


def test_the_home_page_shows_her_next_meeting(stack, org):
    m = call(stack, "POST", "/meetings", org["sec"], json=body()).json()
    today = call(stack, "GET", "/me/today", org["a"]).json()
    assert today["meetings"]["count"] == 1
    assert today["meetings"]["next"]["url"] == f"/meetings.html?id={m['id']}"
    assert call(stack, "GET", "/me/today", org["b2"]).json()["meetings"] is None


def test_what_the_home_to_do_reads(stack, org):
    """The home page's meeting entry (AWS-billed): a keys-only Query of her index, then one
    batch read of the meetings found and her rows; nothing at all is read beyond the Query
    when she has none."""
    from tools.capacity import metered

    call(stack, "POST", "/meetings", org["sec"], json=body())
    call(stack, "POST", "/meetings", org["sec"], json=body(starts_at=at(2), ends_at=at(2, 1)))
    with metered() as m:
        out = meetings.todo("81000003")
    assert out["count"] == 2 and m.calls == {"Query": 1, "BatchGetItem": 2}
    assert m.read_units <= 2.5 and m.write_units == 0, m.read_units
    with metered() as m:
        assert meetings.todo("82000001") is None
    assert m.calls == {"Query": 1} and m.read_units == 0.5


def test_two_managers_deciding_at_once_give_one_outcome(stack, org):
    gb = make_member("81000009", "B2", name="总支委员", roles=("general_branch_committee",),
                     password=None)  # fmt: skip
    m = call(stack, "POST", "/meetings", org["sec"], json=body()).json()
    assert call(stack, "POST", f"/meetings/{m['id']}/leave", org["a"], json={"reason": "出差"}).ok
    decisions = [
        (org["sec"], {"decision": "approve"}),
        (gb, {"decision": "refuse", "note": "请务必参加"}),
    ] * 3

    def decide(pair) -> requests.Response:
        who, payload = pair
        return call(stack, "POST", f"/meetings/{m['id']}/leave/81000003", who, json=payload)

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(decide, decisions))
    row = Attendance.get(m["id"], "81000003", consistent_read=True)
    won = "approve" if row.leave == "approved" else "refuse"
    for (_, payload), answer in zip(decisions, answers, strict=True):
        if payload["decision"] == won:
            assert answer.status_code == 200, answer.text
        else:
            assert answer.status_code == 409 and "已处理" in answer.json()["Message"]
    assert sum(a.status_code == 200 and a.json()["changed"] for a in answers) == 1
    told = [x for x in inbox_of("81000003") if x.kind == "meeting_change"]
    assert len(told) == 1 and told[0].title == (
        "请假已批准" if won == "approve" else "请假未获批准"
    )


def test_a_decision_whose_message_was_lost_sends_it_on_the_retry(org, fails_once):
    from chalicelib import outbox

    caller = registry.caller_for(org["sec"])
    m, _ = meetings.create(caller, org["sec"], body())
    meetings.ask_leave(registry.caller_for(org["a"]), m["id"], "外地出差")
    calls = fails_once(outbox, "post", "lambda timed out")
    with pytest.raises(RuntimeError):
        meetings.decide_leave(caller, m["id"], "81000003", "refuse", "必须参加")
    assert calls["n"] == 1
    assert Attendance.get(m["id"], "81000003", consistent_read=True).leave == "refused"
    assert not [x for x in inbox_of("81000003") if x.kind == "meeting_change"]
    again = meetings.decide_leave(caller, m["id"], "81000003", "refuse", "必须参加")
    assert again["changed"] is False and again["leave"] == "refused"
    [told] = [x for x in inbox_of("81000003") if x.kind == "meeting_change"]
    assert told.title == "请假未获批准" and "必须参加" in told.body
    meetings.decide_leave(caller, m["id"], "81000003", "refuse", "必须参加")
    assert len([x for x in inbox_of("81000003") if x.kind == "meeting_change"]) == 1


def _lock_visible(meeting_id: str) -> None:
    """The record submitted and marked visible to members (as meeting_records' lock leaves it)."""
    Meeting.get(meeting_id).update(
        actions=[Meeting.state.set("locked"), Meeting.visible_to_members.set(True)]
    )


def test_a_visible_record_is_read_by_her_own_branch_never_from_above(stack, org):
    gb = make_member("81000009", "B2", name="总支委员", roles=("general_branch_committee",),
                     password=None)  # fmt: skip
    # A general branch's meeting (G1, above her branch B1) she is not invited to.
    g1 = body(unit_id="G1", kind="party_lecture", attendees={"members": ["82000001"]})
    above = call(stack, "POST", "/meetings", gb, json=g1).json()
    # Her own branch's meeting she is not invited to either.
    own = call(stack, "POST", "/meetings", org["sec"],
               json=body(attendees={"members": ["81000004"]})).json()  # fmt: skip
    _lock_visible(above["id"])
    _lock_visible(own["id"])
    assert call(stack, "GET", f"/meetings/{above['id']}", org["a"]).status_code == 404
    r = call(stack, "GET", f"/meetings/{above['id']}/record", org["a"])
    assert r.status_code == 404 and r.json()["Message"] == "会议不存在或您无权查看"
    # B3 is below the committee too: nothing of G1's (beside) nor of B1's.
    assert call(stack, "GET", f"/meetings/{above['id']}/record", org["b3"]).status_code == 404
    assert call(stack, "GET", f"/meetings/{own['id']}/record", org["b2"]).status_code == 404
    # Her own branch's visible record, and the invited member's of the general branch.
    assert call(stack, "GET", f"/meetings/{own['id']}/record", org["a"]).status_code == 200
    assert call(stack, "GET", f"/meetings/{above['id']}/record", org["b2"]).status_code == 200
    # Staff above read it whole.
    assert call(stack, "GET", f"/meetings/{own['id']}/record", gb).status_code == 200


def test_guests_are_few_and_refused_alike_whoever_they_are(stack, org):
    # More than 20 guests: refused before anyone is looked up (no bulk probe, no mass notice).
    many = [f"8200{i:04d}" for i in range(21)]
    r = call(stack, "POST", "/meetings", org["sec"], json=body(guests=many))
    assert r.status_code == 400 and "最多邀请 20 位列席人员" in r.json()["Message"], r.text
    _nothing_written()
    # Unknown, inactive, of another organisation: one answer, by number only.
    answers = set()
    for n in ("81009999", "81000005", "89000001"):
        r = call(stack, "POST", "/meetings", org["sec"], json=body(guests=[n]))
        answers.add((r.status_code, r.json()["Message"].replace(n, "#")))
    assert answers == {(400, "列席人员「#」不是本单位党组织的在册党员，不能邀请")}
    _nothing_written()
    mixed = call(stack, "POST", "/meetings", org["sec"], json=body(guests=[*many[:1], "82000001"]))
    assert mixed.status_code == 400  # 82000000 does not exist: refused as a whole
    _nothing_written()
    repeated = call(stack, "POST", "/meetings", org["sec"], json=body(guests=["82000001"] * 3))
    assert repeated.status_code == 201  # the same number repeated is one guest


def test_the_attendance_list_shows_guests_from_outside_scope_by_name_only(stack, org):
    gb = make_member("81000009", "B2", name="总支委员", roles=("general_branch_committee",),
                     password=None)  # fmt: skip
    m = call(stack, "POST", "/meetings", org["sec"],
             json=body(guests=["82000001", "83000001"])).json()  # fmt: skip
    for who, readable in ((org["sec"], {"B1"}), (org["cm"], {"B1"}), (gb, {"B1", "B2"})):
        rows = call(stack, "GET", f"/meetings/{m['id']}/attendance", who).json()["rows"]
        by_no = {r["member_no"]: r for r in rows}
        assert by_no["82000001"]["role"] == "guest" and by_no["82000001"]["name"] == "丙"
        for r in rows:
            branch = {"81": "B1", "82": "B2", "83": "B3"}[r["member_no"][:2]]
            if branch in readable:
                assert r["branch"]["id"] == branch and "status_label" in r, r
            else:
                assert {"branch", "status", "status_label"}.isdisjoint(r), r
                assert r["name"] and r["role"] == "guest"


def test_a_cancelled_meeting_tells_everyone_once_and_takes_nothing_more(stack, org):
    m = call(stack, "POST", "/meetings", org["sec"], json=body(guests=["82000001"])).json()
    assert call(stack, "POST", f"/meetings/{m['id']}/leave", org["b"], json={"reason": "出差"}).ok
    url = f"/meetings/{m['id']}/cancel"
    # Who may cancel: a manager of the unit; read scope is told why; anyone else a 404.
    assert call(stack, "POST", url, org["cm"], json={"reason": "会议室停电"}).status_code == 403
    for who in ("a", "b2", "b2sec"):
        assert call(stack, "POST", url, org[who], json={"reason": "会议室停电"}).status_code == 404
    short = call(stack, "POST", url, org["sec"], json={"reason": "停"})
    assert short.status_code == 400 and "取消原因" in short.json()["Message"]
    assert Meeting.get(m["id"], consistent_read=True).state == "scheduled"

    r = call(stack, "POST", url, org["sec"], json={"reason": "会议室停电，另行通知"})
    assert r.status_code == 200, r.text
    assert r.json()["changed"] and r.json()["meeting"]["state"] == "cancelled"
    assert r.json()["meeting"]["cancel_reason"] == "会议室停电，另行通知"
    # The same cancel again (a lost reply): nothing changes, nobody is told twice.
    again = call(stack, "POST", url, org["sec"], json={"reason": "另一个理由"})
    assert again.status_code == 200 and not again.json()["changed"]
    assert again.json()["meeting"]["cancel_reason"] == "会议室停电，另行通知"
    for n in ("81000001", "81000002", "81000003", "81000004", "82000001"):
        told = [x for x in inbox_of(n) if x.title.startswith("会议取消")]
        assert len(told) == 1 and told[0].kind == "meeting_change", n
        assert "会议室停电" in told[0].body and told[0].url == f"/meetings.html?id={m['id']}"
    assert not [x for x in inbox_of("83000001") if x.kind == "meeting_change"]

    # She sees it cancelled; it leaves her to-do; leave and check-in are refused.
    mine = call(stack, "GET", "/me/meetings?when=upcoming", org["a"]).json()["items"]
    assert [(i["id"], i["state"]) for i in mine] == [(m["id"], "cancelled")]
    assert call(stack, "GET", f"/meetings/{m['id']}", org["a"]).json()["state"] == "cancelled"
    assert call(stack, "GET", "/me/today", org["a"]).json()["meetings"] is None
    leave = call(stack, "POST", f"/meetings/{m['id']}/leave", org["a"], json={"reason": "有事"})
    assert leave.status_code == 409
    checkin = call(stack, "POST", f"/meetings/{m['id']}/checkin", org["a"],
                   json={"code": "123456"})  # fmt: skip
    assert checkin.status_code == 409 and "取消" in checkin.json()["Message"]
    desk = call(stack, "GET", "/units/B1/meetings", org["sec"]).json()["items"]
    assert [i["state"] for i in desk] == ["cancelled"]
    # A leave request left pending is not decided any more; a retried create does not re-notice.
    decide = call(stack, "POST", f"/meetings/{m['id']}/leave/81000004", org["sec"],
                  json={"decision": "approve"})  # fmt: skip
    assert decide.status_code == 409 and "已取消" in decide.json()["Message"]
    assert Attendance.get(m["id"], "81000004", consistent_read=True).leave == "requested"


def test_a_locked_meeting_cannot_be_cancelled(stack, org):
    m = call(stack, "POST", "/meetings", org["sec"], json=body()).json()
    Meeting.get(m["id"]).update(
        actions=[Meeting.state.set("locked"), Meeting.locked_at.set(clock.now())]
    )
    r = call(stack, "POST", f"/meetings/{m['id']}/cancel", org["sec"], json={"reason": "不开了"})
    assert r.status_code == 409 and "已提交锁定" in r.json()["Message"]
    assert Meeting.get(m["id"], consistent_read=True).state == "locked"
    assert not [x for x in inbox_of("81000003") if x.kind == "meeting_change"]


def test_parallel_cancels_give_one_outcome(stack, org):
    gb = make_member("81000009", "B2", name="总支委员", roles=("general_branch_committee",),
                     password=None)  # fmt: skip
    m = call(stack, "POST", "/meetings", org["sec"], json=body()).json()
    people = [(org["sec"], "会议室停电"), (gb, "上级另有安排")] * 3

    def cancel(pair) -> requests.Response:
        who, reason = pair
        return call(stack, "POST", f"/meetings/{m['id']}/cancel", who, json={"reason": reason})

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(cancel, people))
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    assert sum(a.json()["changed"] for a in answers) == 1
    stored = Meeting.get(m["id"], consistent_read=True)
    assert stored.state == "cancelled"
    assert {a.json()["meeting"]["cancel_reason"] for a in answers} == {stored.cancel_reason}
    assert len([x for x in inbox_of("81000003") if x.kind == "meeting_change"]) == 1


def test_a_cancel_whose_notice_was_lost_sends_it_on_the_retry(org, fails_once):
    from chalicelib import outbox

    caller = registry.caller_for(org["sec"])
    m, _ = meetings.create(caller, org["sec"], body())
    calls = fails_once(outbox, "post", "lambda timed out")
    with pytest.raises(RuntimeError):
        meetings.cancel(caller, m["id"], "会议室停电")
    assert calls["n"] == 1 and Meeting.get(m["id"], consistent_read=True).state == "cancelled"
    again = meetings.cancel(caller, m["id"], "会议室停电")
    assert again["changed"] is False
    meetings.cancel(caller, m["id"], "会议室停电")
    assert len([x for x in inbox_of("81000003") if x.kind == "meeting_change"]) == 1

"""Meeting check-in over HTTP on DynamoDB Local: the organiser's rotating code (manage scope
only), a member's check-in with it (invited, inside the window, the code this meeting's now),
one write however often she sends it, guessing throttled, and the organiser's corrections kept
with their reasons. Time moved by hand (`at`) goes through the same routes in-process."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import requests

from chalicelib import checkin_codes, clock, meeting_access, meeting_checkin
from chalicelib.errors import ConflictError
from chalicelib.models import Attendance, Meeting, Member
from chalicelib.settings import get_settings
from tools.bench_routes import Routes
from tools.capacity import metered
from tools.fixtures import bearer, make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")

STEP = get_settings().checkin_step_seconds


# --- meetings and attendance rows as the meeting's creation (meetings.py) writes them ---------


def make_meeting(
    meeting_id: str = "mt_checkin0001",
    *,
    unit: str = "B1",
    path: tuple[str, ...] = ("C1", "G1", "B1"),
    starts: float | None = None,
    minutes: int = 60,
    state: str = "scheduled",
    organiser: str = "71000001",
) -> Meeting:
    """A meeting of `unit` starting at `starts` (epoch; default ten minutes ago) for `minutes`."""
    start = datetime.fromtimestamp(clock.now() - 600 if starts is None else starts, clock.TZ)
    end = start + timedelta(minutes=minutes)
    now = int(clock.now())
    meeting = Meeting(
        meeting_id,
        unit_id=unit,
        unit_path=list(path),
        unit_name="第一党支部" if unit == "B1" else unit,
        kind="branch_committee",
        topic="学习贯彻全会精神",
        starts_at=start.isoformat(timespec="seconds"),
        ends_at=end.isoformat(timespec="seconds"),
        month=start.strftime("%Y-%m"),
        place="党员活动室",
        organiser=organiser,
        state=state,
        checkin_secret=checkin_codes.new_secret(),
        created_at=now,
        updated_at=now,
        unit_sort=f"{start.isoformat()}#{meeting_id}",
        tree_sort=f"{'/'.join(path)}/#{start.isoformat()}#{meeting_id}",
    )
    meeting.save()
    return meeting


def invite(meeting: Meeting, member, *, role: str = "attendee", leave: str | None = None):
    row = Attendance(
        meeting.meeting_id,
        member.member_no,
        name=member.name,
        branch_id=member.branch_id,
        status=member.status,
        role=role,
        leave=leave,
        member_sort=f"{meeting.starts_at}#{meeting.meeting_id}",
    )
    row.save()
    return row


@pytest.fixture
def people(stack):
    make_tree()
    return {
        "secretary": make_member("71000001", "B1", name="李书记", roles=("branch_secretary",)),
        "committee": make_member("71000002", "B1", name="周委员", roles=("branch_committee",)),
        "a": make_member("71000003", "B1", name="王红", password=None),
        "b": make_member("71000004", "B1", name="赵兰", password=None),
        "outsider": make_member("71000005", "B1", name="钱进", password=None),
        "other_secretary": make_member(
            "71000006", "B2", name="孙书记", roles=("branch_secretary",)
        ),
    }


@pytest.fixture
def meeting(people):
    m = make_meeting()
    for key in ("a", "b"):
        invite(m, people[key])
    return m


def call(stack, method: str, path: str, member=None, **kw) -> requests.Response:
    headers = bearer(member) if member else {}
    return requests.request(method, f"{stack.url}/api{path}", headers=headers, timeout=30, **kw)


def ok(r: requests.Response) -> dict:
    assert r.status_code == 200, r.text
    return r.json()


def refused(r, status: int, message: str) -> None:
    assert r.status_code == status, r.text
    assert message in r.json()["Message"], r.text


def code_of(stack, meeting: Meeting, people) -> str:
    path = f"/meetings/{meeting.meeting_id}/checkin-code"
    return ok(call(stack, "GET", path, people["secretary"]))["code"]


def check_in(stack, meeting: Meeting, member, code: str) -> requests.Response:
    return call(
        stack, "POST", f"/meetings/{meeting.meeting_id}/checkin", member, json={"code": code}
    )


def row(meeting: Meeting, member) -> Attendance:
    return Attendance.get(meeting.meeting_id, member.member_no, consistent_read=True)


# --- the code ------------------------------------------------------------------------------------


def test_the_organiser_gets_the_code_its_qr_and_times(stack, meeting, people):
    got = ok(
        call(stack, "GET", f"/meetings/{meeting.meeting_id}/checkin-code", people["secretary"])
    )
    code = got["code"]
    assert len(code) == 6 and code.isdigit()
    assert got["step_seconds"] == STEP
    assert got["valid_until"] == got["refresh_at"] + STEP
    assert got["refresh_at"] - STEP <= got["now"] < got["refresh_at"]
    assert got["url"] == f"/checkin.html?m={meeting.meeting_id}&c={code}"
    assert got["qr_svg"].startswith("<svg") and "viewBox" in got["qr_svg"]
    assert "checkin_secret" not in str(got) and meeting.checkin_secret not in str(got)
    # The QR holds the full address on the site's own origin (segno's own decoder-free check:
    # the same text gives the same drawing).
    origin = get_settings().site_origins[0]
    assert got["qr_svg"] == meeting_checkin._qr_svg(f"{origin}{got['url']}")


def test_only_staff_who_manage_the_unit_get_the_code(stack, meeting, people):
    path = f"/meetings/{meeting.meeting_id}/checkin-code"
    # Another branch's secretary learns nothing of the meeting: the 404 of an unknown one.
    refused(call(stack, "GET", path, people["other_secretary"]), 404, "会议不存在或您无权查看")
    refused(call(stack, "GET", "/meetings/mt_nosuchmeeting/checkin-code", people["secretary"]),
            404, "会议不存在")  # fmt: skip
    # A branch committee member (read scope) is told why.
    refused(call(stack, "GET", path, people["committee"]), 403, "只有本组织的书记")
    # An invited member does not get the code either (she would check herself in from home).
    refused(call(stack, "GET", path, people["a"]), 404, "会议不存在或您无权查看")
    for who in ("other_secretary", "committee", "a"):
        r = call(stack, "GET", f"/meetings/{meeting.meeting_id}/checkin-status", people[who])
        assert r.status_code in (403, 404), (who, r.text)
    refused(call(stack, "GET", path), 401, "请先登录")


def test_outside_the_window_there_is_no_code_and_no_check_in(stack, people):
    later = make_meeting("mt_later000001", starts=clock.now() + 3 * 3600)
    done = make_meeting("mt_done0000001", starts=clock.now() - 3 * 3600)
    for m in (later, done):
        invite(m, people["a"])
    r = call(stack, "GET", f"/meetings/{later.meeting_id}/checkin-code", people["secretary"])
    refused(r, 409, "签到尚未开始，将于 ")
    opens = datetime.fromisoformat(later.starts_at) - timedelta(minutes=30)
    assert f"{opens.month}月{opens.day}日 {opens:%H:%M} 开始" in r.json()["Message"]
    r = call(stack, "GET", f"/meetings/{done.meeting_id}/checkin-code", people["secretary"])
    closes = datetime.fromisoformat(done.ends_at) + timedelta(minutes=30)
    refused(r, 409, f"签到已于 {closes.month}月{closes.day}日 {closes:%H:%M} 结束")
    # The right code of either (as the server would compute it) does not check her in.
    for m in (later, done):
        code = checkin_codes.current(m.checkin_secret, clock.now(), STEP).code
        refused(check_in(stack, m, people["a"], code), 409, "签到")
        assert row(m, people["a"]).present is None


# --- check-in --------------------------------------------------------------------------------


def test_a_member_checks_in_with_the_code_shown(stack, meeting, people):
    code = code_of(stack, meeting, people)
    got = ok(check_in(stack, meeting, people["a"], code))
    assert got["present"] is True
    at = datetime.fromisoformat(got["checked_in_at"])
    assert at.utcoffset() == timedelta(hours=8)
    assert abs(at.timestamp() - clock.now()) < 30
    assert got["meeting"]["topic"] == "学习贯彻全会精神"
    saved = row(meeting, people["a"])
    assert saved.present is True and saved.checked_in_at == int(at.timestamp())
    assert not saved.corrections
    status = ok(call(stack, "GET", f"/meetings/{meeting.meeting_id}/checkin-status",
                     people["secretary"]))  # fmt: skip
    assert (status["present"], status["invited"], status["open"]) == (1, 2, True)
    assert meeting.checkin_secret not in str(status)
    mine = next(r for r in status["attendance"] if r["member_no"] == "71000003")
    assert mine["present"] is True and mine["checked_in_at"] == got["checked_in_at"]


def test_codes_from_a_screenshot_or_another_meeting_are_refused(stack, meeting, people):
    other = make_meeting("mt_othermeet01")
    now = clock.now()
    counter = checkin_codes.step_counter(now, STEP)
    stale = checkin_codes.code_at(meeting.checkin_secret, counter - 2)  # a minute old or more
    screenshot = checkin_codes.code_at(meeting.checkin_secret, counter - 10)  # five minutes
    theirs = checkin_codes.current(other.checkin_secret, now, STEP).code
    for code in (stale, screenshot, theirs):
        refused(check_in(stack, meeting, people["a"], code), 400,
                "签到码已过期或不正确，请扫描现场最新的签到码")  # fmt: skip
    assert row(meeting, people["a"]).present is None
    # Not six digits: a 400 that says so (and costs no guess).
    for bad in ("12345", "1234567", "abcdef", "12 34 5x"):
        refused(check_in(stack, meeting, people["a"], bad), 400, "签到码为 6 位数字")
    # Full-width digits and spaces from a Chinese keyboard are her code all the same.
    code = code_of(stack, meeting, people)
    wide = " ".join(chr(ord(d) + 0xFEE0) for d in code)
    ok(check_in(stack, meeting, people["a"], wide))


def test_only_invited_members_of_a_scheduled_meeting_check_in(stack, meeting, people):
    code = code_of(stack, meeting, people)
    refused(check_in(stack, meeting, people["outsider"], code), 403, "您不在本次会议的参会名单中")
    # Her branch's secretary is not on the list either, however much she manages it.
    refused(check_in(stack, meeting, people["secretary"], code), 403, "您不在本次会议的参会名单中")
    assert Attendance.count(meeting.meeting_id) == 2
    refused(call(stack, "POST", "/meetings/mt_nosuchmeeting/checkin", people["a"],
                 json={"code": code}), 404, "会议不存在")  # fmt: skip
    refused(call(stack, "POST", f"/meetings/{meeting.meeting_id}/checkin", json={"code": code}),
            401, "请先登录")  # fmt: skip
    for state, message in (("cancelled", "本次会议已取消"), ("locked", "会议记录已提交")):
        meeting.update(actions=[Meeting.state.set(state)])
        refused(check_in(stack, meeting, people["a"], code), 409, message)
        assert row(meeting, people["a"]).present is None


def test_a_lock_that_runs_meanwhile_stops_the_check_in(meeting, people, monkeypatch):
    """In-process: the meeting was read as scheduled, then the lock recorded her absent before
    her write: the conditional write refuses, so she is never both present and absent."""
    code = checkin_codes.current(meeting.checkin_secret, clock.now(), STEP).code
    real = meeting_access.attendance

    def then_locked(meeting_id, member_no, **kw):
        found = real(meeting_id, member_no, **kw)
        if not kw.get("consistent"):  # the check-in's first read; then the lock runs
            Attendance(meeting_id, member_no).update(actions=[Attendance.absent.set(True)])
        return found

    monkeypatch.setattr(meeting_access, "attendance", then_locked)
    with pytest.raises(ConflictError, match="会议记录已提交"):
        meeting_checkin.check_in("71000003", meeting.meeting_id, code)
    saved = row(meeting, people["a"])
    assert saved.present is None and saved.absent is True
    # Read after the lock: refused before the write.
    monkeypatch.setattr(meeting_access, "attendance", real)
    with pytest.raises(ConflictError, match="会议记录已提交"):
        meeting_checkin.check_in("71000003", meeting.meeting_id, code)


def test_a_member_on_approved_leave_may_still_check_in(stack, people):
    m = make_meeting("mt_leavecame01")
    invite(m, people["a"], leave="approved")
    ok(check_in(stack, m, people["a"], code_of(stack, m, people)))
    saved = row(m, people["a"])
    assert saved.present is True and saved.leave == "approved"


def test_a_second_check_in_changes_nothing(stack, meeting, people):
    first = ok(check_in(stack, meeting, people["a"], code_of(stack, meeting, people)))
    before = row(meeting, people["a"]).checked_in_at
    at = datetime.fromisoformat(first["checked_in_at"])
    r = check_in(stack, meeting, people["a"], code_of(stack, meeting, people))
    refused(r, 409, f"您已签到（{at.month}月{at.day}日 {at:%H:%M}）")
    # A wrong code after she checked in says the same (she is here; nothing to guess).
    refused(check_in(stack, meeting, people["a"], "000000"), 409, "您已签到")
    assert row(meeting, people["a"]).checked_in_at == before


def test_parallel_check_ins_of_one_member_write_once(stack, meeting, people):
    code = code_of(stack, meeting, people)
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: check_in(stack, meeting, people["a"], code), range(8)))
    statuses = sorted(r.status_code for r in answers)
    assert statuses.count(200) == 1, [r.text for r in answers]
    assert set(statuses) == {200, 409}, [r.text for r in answers]
    assert all("您已签到" in r.json()["Message"] for r in answers if r.status_code == 409)
    winner = next(r.json() for r in answers if r.status_code == 200)
    saved = row(meeting, people["a"])
    assert saved.present is True
    assert saved.checked_in_at == int(datetime.fromisoformat(winner["checked_in_at"]).timestamp())


def test_guessing_is_throttled(stack, meeting, people):
    code = code_of(stack, meeting, people)
    wrong = f"{(int(code) + 500_000) % 1_000_000:06d}"
    limit = get_settings().checkin_max_wrong
    for _ in range(limit):
        refused(check_in(stack, meeting, people["a"], wrong), 400, "签到码已过期或不正确")
    r = check_in(stack, meeting, people["a"], wrong)
    refused(r, 429, "签到码错误次数过多，请联系会议组织者为您登记签到")
    assert int(r.headers["Retry-After"]) > 0
    # Now even the right code waits: the budget is taken before the code is looked at.
    refused(check_in(stack, meeting, people["a"], code_of(stack, meeting, people)), 429, "过多")
    assert row(meeting, people["a"]).present is None
    # Her colleague's budget is her own; the right codes she sent before did not count.
    for _ in range(limit - 1):
        refused(check_in(stack, meeting, people["b"], wrong), 400, "签到码已过期或不正确")
    ok(check_in(stack, meeting, people["b"], code_of(stack, meeting, people)))
    # ... and the organiser records the one who was throttled.
    ok(correct(stack, meeting, people["secretary"], "71000003", True, "现场核实，签到码输错多次"))


# --- corrections -------------------------------------------------------------------------------


def correct(stack, meeting, who, member_no: str, present: bool, reason: str):
    path = f"/meetings/{meeting.meeting_id}/attendance/{member_no}"
    return call(stack, "POST", path, who, json={"present": present, "reason": reason})


def test_corrections_are_kept_with_their_reasons(stack, meeting, people):
    sec = people["secretary"]
    first = ok(correct(stack, meeting, sec, "71000004", True, "  手机没电，现场确认出席  "))
    assert first["present"] is True and first["checked_in_at"] is None
    [c1] = first["corrections"]
    assert (c1["by"], c1["reason"], c1["field"], c1["before"], c1["after"]) == (
        "71000001", "手机没电，现场确认出席", "present", None, "true",
    )  # fmt: skip
    second = ok(correct(stack, meeting, sec, "71000004", False, "提前离会，按缺席计"))
    assert [c["reason"] for c in second["corrections"]] == [
        "手机没电，现场确认出席",
        "提前离会，按缺席计",
    ]
    assert (second["corrections"][1]["before"], second["corrections"][1]["after"]) == (
        "true",
        "false",
    )
    saved = row(meeting, people["b"])
    assert saved.present is False and len(saved.corrections) == 2
    assert saved.corrections[0].reason == "手机没电，现场确认出席"
    assert saved.absent is None  # not locked: the lock decides `absent`
    # She may still check in herself (corrected absent is not present).
    ok(check_in(stack, meeting, people["b"], code_of(stack, meeting, people)))


def test_bad_corrections_are_refused_and_change_nothing(stack, meeting, people):
    sec = people["secretary"]
    cases = [
        (sec, "71000004", True, "短", 400, "更正理由须为 2 至 200 字"),
        (sec, "71000004", True, "   ", 400, "更正理由须为 2 至 200 字"),
        (sec, "71000004", True, "长" * 201, 400, "最多 200 字"),
        (sec, "71000005", True, "不在名单上的人", 404, "该党员不在本次会议的参会名单中"),
        (sec, "71000004", False, "本来就未出席", 409, "无需更正"),
        (people["committee"], "71000004", True, "委员想更正", 403, "只有本组织的书记"),
        (people["other_secretary"], "71000004", True, "别的支部", 404, "会议不存在或您无权查看"),
        (people["a"], "71000004", True, "党员自己更正", 404, "会议不存在或您无权查看"),
    ]
    for who, member_no, present, reason, status, message in cases:
        refused(correct(stack, meeting, who, member_no, present, reason), status, message)
    r = call(stack, "POST", f"/meetings/{meeting.meeting_id}/attendance/71000004", sec,
             json={"present": "yes", "reason": "类型不对的出席"})  # fmt: skip
    refused(r, 400, "须为布尔值")
    saved = row(meeting, people["b"])
    assert saved.present is None and not saved.corrections
    meeting.update(actions=[Meeting.state.set("cancelled")])
    refused(correct(stack, meeting, sec, "71000004", True, "会议已取消"), 409, "本次会议已取消")


def test_a_correction_after_the_lock_keeps_absent_consistent(stack, meeting, people, monkeypatch):
    invite(meeting, people["outsider"], leave="approved")
    meeting.update(actions=[Meeting.state.set("locked")])
    # At lock (meeting_records.py): b absent, the one on approved leave not.
    Attendance(meeting.meeting_id, "71000004").update(actions=[Attendance.absent.set(True)])
    got = ok(
        correct(stack, meeting, people["secretary"], "71000004", True, "补记：会议签到表有签名")
    )
    assert got["present"] is True and got["absent"] is False
    got = ok(correct(stack, meeting, people["secretary"], "71000004", False, "核实后仍为缺席"))
    assert got["absent"] is True and len(got["corrections"]) == 2
    got = ok(correct(stack, meeting, people["secretary"], "71000005", True, "请假后又到会"))
    assert got["absent"] is False
    got = ok(correct(stack, meeting, people["secretary"], "71000005", False, "实际未到，有假"))
    assert got["absent"] is False  # approved leave: excused


def test_the_locked_hook_is_called_with_a_stable_key(meeting, people, monkeypatch):
    """In-process: the hook gets the row written and the correction's number."""
    from chalicelib import registry

    seen = []
    monkeypatch.setattr(
        meeting_checkin,
        "locked_attendance_changed",
        lambda m, r, **kw: seen.append((m.meeting_id, r.member_no, kw)),
    )
    caller = registry.caller_for(people["secretary"])
    meeting_checkin.correct(caller, meeting.meeting_id, "71000004", True, "未锁定时更正")
    assert seen == []
    meeting.update(actions=[Meeting.state.set("locked")])
    meeting_checkin.correct(caller, meeting.meeting_id, "71000004", False, "锁定后更正")
    assert seen == [(meeting.meeting_id, "71000004", {"before": True, "number": 2})]


# --- time moved by hand: the same routes in-process --------------------------------------------

T0 = 1_798_000_200.0  # 2026-12-23 (a multiple of 30 s: a step starts here)


def send(routes: Routes, method: str, path: str, member, body=None) -> tuple[int, dict]:
    """`member`: a member, or her bearer header made earlier (a token made under a moved clock
    would be refused by the real one)."""
    import json

    token = member if isinstance(member, dict) else bearer(member)
    headers = {"Content-Type": "application/json", **token}
    data = json.dumps(body).encode() if body is not None else b""
    reply = routes.http.request(method, path, headers=headers, body=data)
    return reply.status_code, json.loads(reply.body)


def test_a_code_expires_as_the_clock_moves(at, people):
    assert T0 % STEP == 0
    people = {k: bearer(p) for k, p in people.items()}  # tokens of the real clock
    at_epoch = _at_epoch(at)
    at_epoch(T0)
    m = make_meeting("mt_frozenclock", starts=T0 - 300)
    for no in ("71000003", "71000004", "71000005"):
        invite(m, Member.get(no))
    routes = Routes()
    status, got = send(routes, "GET", f"/meetings/{m.meeting_id}/checkin-code", people["secretary"])
    assert status == 200 and (got["refresh_at"], got["valid_until"]) == (T0 + STEP, T0 + 2 * STEP)
    path = f"/meetings/{m.meeting_id}/checkin"
    at_epoch(T0 + STEP + 29)  # the next step: the code read a moment ago still works
    assert send(routes, "POST", path, people["a"], {"code": got["code"]})[0] == 200
    at_epoch(T0 + 2 * STEP)  # two steps on: the code on the screen has changed twice
    status, body = send(routes, "POST", path, people["b"], {"code": got["code"]})
    assert (status, body["Message"]) == (400, meeting_checkin.BAD_CODE)
    at_epoch(T0 + 3600)  # the screenshot an hour later
    status, body = send(routes, "POST", path, people["b"], {"code": got["code"]})
    assert status == 400
    # The room's code of that moment works, till check-in closes 30 minutes after the end.
    fresh = send(routes, "GET", f"/meetings/{m.meeting_id}/checkin-code", people["secretary"])[1]
    assert send(routes, "POST", path, people["b"], {"code": fresh["code"]})[0] == 200
    closes = T0 - 300 + 3600 + 30 * 60
    at_epoch(closes)
    status, body = send(routes, "POST", path, people["outsider"], {"code": fresh["code"]})
    assert status == 409 and "签到已于" in body["Message"]


def _at_epoch(at):
    def move(epoch: float) -> None:
        at(datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None).isoformat())

    return move


def test_what_a_check_in_costs(meeting, people):
    """POST /meetings/{id}/checkin, AWS-billed: the token check (1), the meeting and her row
    (0.5 each); her write budget's counter (write_budget.py), the guess budget's conditional
    counter (a right code keeps its unit: no give-back write) and her row's conditional update."""
    routes = Routes()
    code = send(routes, "GET", f"/meetings/{meeting.meeting_id}/checkin-code", people["secretary"])[
        1
    ]["code"]  # fmt: skip
    with metered() as m:
        status, _ = send(routes, "POST", f"/meetings/{meeting.meeting_id}/checkin", people["a"],
                         {"code": code})  # fmt: skip
    assert status == 200
    assert m.calls == {"GetItem": 3, "UpdateItem": 3}, m.calls
    assert m.read_units == 2.0, m.read_units
    assert m.write_units == 3.0, m.write_units


# --- a correction after the lock whose points adjustment failed ----------------------------------


def _locked_and_settled(routes: Routes, meeting: Meeting, people) -> None:
    """The record written and submitted through its routes: both invitees absent, −2 each."""
    sec = people["secretary"]
    path = f"/meetings/{meeting.meeting_id}"
    body = {"minutes": "学习了全会精神。", "decisions": [], "visible_to_members": False}
    assert send(routes, "PUT", f"{path}/record", sec, body)[0] == 200
    assert send(routes, "POST", f"{path}/submit", sec)[0] == 200
    assert Meeting.get(meeting.meeting_id, consistent_read=True).settled_at is not None


def _net(meeting: Meeting, member_no: str) -> tuple[int, int]:
    """Her points for this meeting in the ledger: (their sum, how many lines)."""
    from chalicelib import points_ledger

    day = points_ledger.get(member_no, clock.today().isoformat())
    lines = [ln.amount for ln in day.lines.values() if meeting.meeting_id in ln.key]
    return sum(lines), len(lines)


def _fail_once(monkeypatch) -> list[str]:
    """points.adjust raises the first time (the hook's write lost), then works."""
    from chalicelib import points

    real, failed = points.adjust, []

    def adjust(*args, **kw):
        if not failed:
            failed.append(args[2])
            raise RuntimeError("DynamoDB unavailable")
        return real(*args, **kw)

    monkeypatch.setattr(points, "adjust", adjust)
    return failed


def test_a_retried_correction_repairs_its_failed_points(meeting, people, monkeypatch):
    """The row written, then the points adjustment fails: the organiser's retry (same request)
    answers the correction made and adjusts once; a second retry changes nothing; a correction
    that was never made stays a 409."""
    routes = Routes()
    _locked_and_settled(routes, meeting, people)
    b = "71000004"
    assert _net(meeting, b) == (-2, 1)
    failed = _fail_once(monkeypatch)
    path = f"/meetings/{meeting.meeting_id}/attendance/{b}"
    request = {"present": True, "reason": "迟到补签"}
    status, _ = send(routes, "POST", path, people["secretary"], request)
    assert status == 500 and failed
    assert row(meeting, people["b"]).present is True  # the row was written ...
    assert _net(meeting, b) == (-2, 1)  # ... its points not
    status, got = send(routes, "POST", path, people["secretary"], request)
    assert status == 200, got
    assert got["present"] is True and got["absent"] is False and len(got["corrections"]) == 1
    assert _net(meeting, b) == (2, 3)  # the deduction undone (+2) and the award (+2)
    # A second retry, by another organiser too: the same answer, nothing more written.
    deputy = make_member("71000007", "B1", name="吴副书记", roles=("branch_secretary",))
    status, again = send(routes, "POST", path, deputy, request)
    assert status == 200 and again == got
    assert _net(meeting, b) == (2, 3)
    # Her colleague was never corrected: "present: false" is redundant, a 409 as before.
    other = f"/meetings/{meeting.meeting_id}/attendance/71000003"
    status, body = send(
        routes, "POST", other, people["secretary"], {"present": False, "reason": "本来就缺席"}
    )
    assert status == 409 and "无需更正" in body["Message"]
    assert _net(meeting, "71000003") == (-2, 1)


def test_a_failed_adjustment_is_repaired_by_the_next_correction(meeting, people, monkeypatch):
    """The hook fails, and the next correction goes the other way (not a retry): the failed
    one's adjustment is made first, so the net is what her state earns every time."""
    routes = Routes()
    _locked_and_settled(routes, meeting, people)
    b = "71000004"
    _fail_once(monkeypatch)
    path = f"/meetings/{meeting.meeting_id}/attendance/{b}"
    status, _ = send(routes, "POST", path, people["secretary"], {"present": True, "reason": "补签"})
    assert status == 500
    status, got = send(routes, "POST", path, people["secretary"],
                       {"present": False, "reason": "核实后确实缺席"})  # fmt: skip
    assert status == 200 and len(got["corrections"]) == 2 and got["absent"] is True
    assert _net(meeting, b)[0] == -2
    status, _ = send(routes, "POST", path, people["secretary"],
                     {"present": True, "reason": "再次核实：到会"})  # fmt: skip
    assert status == 200 and _net(meeting, b)[0] == 2


def test_a_correction_the_settle_counted_is_not_adjusted_again(meeting, people):
    """A correction on the locked record before its settle ran: the settle read her row as it
    left it, so its retry answers 200 and writes nothing (no hook for it)."""
    from chalicelib import meeting_records, registry

    routes = Routes()
    sec = people["secretary"]
    body = {"minutes": "学习了全会精神。", "decisions": [], "visible_to_members": False}
    assert send(routes, "PUT", f"/meetings/{meeting.meeting_id}/record", sec, body)[0] == 200
    now = clock.now()
    meeting.update(actions=[Meeting.state.set("locked"), Meeting.locked_at.set(now - 1)])
    path = f"/meetings/{meeting.meeting_id}/attendance/71000004"
    request = {"present": True, "reason": "迟到补签"}
    assert send(routes, "POST", path, sec, request)[0] == 200
    meeting_records.submit(registry.caller_for(sec), meeting.meeting_id)  # the settle
    assert _net(meeting, "71000004") == (2, 1)
    status, got = send(routes, "POST", path, sec, request)
    assert status == 200 and len(got["corrections"]) == 1
    assert _net(meeting, "71000004") == (2, 1)


def test_a_correction_read_before_the_lock_does_not_write_after_it(meeting, people, monkeypatch):
    """The organiser read the meeting scheduled, the lock decided her row meanwhile: the
    correction is refused (the row never present and recorded absent), nothing written."""
    from chalicelib import registry

    stale = Meeting.get(meeting.meeting_id, consistent_read=True)
    meeting.update(actions=[Meeting.state.set("locked"), Meeting.locked_at.set(clock.now())])
    Attendance(meeting.meeting_id, "71000004").update(actions=[Attendance.absent.set(True)])
    monkeypatch.setattr(meeting_access, "load_managed", lambda *a, **k: stale)
    with pytest.raises(ConflictError, match="会议记录刚刚提交"):
        meeting_checkin.correct(
            registry.caller_for(people["secretary"]), meeting.meeting_id, "71000004", True, "补签"
        )
    saved = row(meeting, people["b"])
    assert saved.present is None and saved.absent is True and not saved.corrections


def test_the_guess_budget_spans_the_whole_check_in_window(at, people):
    """One budget per meeting and member whatever the hour: a meeting across 08:00 Beijing
    (midnight UTC, where a day's window would turn) allows `checkin_max_wrong` wrong codes in
    all, and the 429 says to wait till check-in closes."""
    midnight = 1_798_070_400.0  # 2026-12-24 00:00 UTC, 08:00 Beijing
    people = {k: bearer(p) for k, p in people.items()}
    at_epoch = _at_epoch(at)
    at_epoch(midnight - 600)
    m = make_meeting("mt_across0800", starts=midnight - 1200)  # 07:40–08:40 Beijing
    invite(m, Member.get("71000003"))
    routes = Routes()
    code = send(routes, "GET", f"/meetings/{m.meeting_id}/checkin-code", people["secretary"])[1][
        "code"
    ]  # fmt: skip
    wrong = {"code": f"{(int(code) + 500_000) % 1_000_000:06d}"}
    path = f"/meetings/{m.meeting_id}/checkin"
    limit = get_settings().checkin_max_wrong
    for _ in range(limit - 1):
        assert send(routes, "POST", path, people["a"], wrong)[0] == 400
    at_epoch(midnight + 60)  # past 08:00 Beijing: still the same budget
    assert send(routes, "POST", path, people["a"], wrong)[0] == 400
    reply = routes.http.request(
        "POST", path, headers={"Content-Type": "application/json", **people["a"]},
        body=b'{"code": "' + wrong["code"].encode() + b'"}',
    )  # fmt: skip
    assert reply.status_code == 429
    closes = midnight - 1200 + 3600 + 60 * get_settings().checkin_closes_minutes
    assert int(reply.headers["Retry-After"]) == math.ceil(closes - (midnight + 60))


def test_the_live_view_shows_a_guests_name_not_her_registry_status(stack, meeting, people):
    """A guest from another unit is listed by name and role: her 正式/预备 status is registry
    data outside the organiser's scope (meeting_access.readable_branches)."""
    guest = make_member("71000007", "B2", name="冯列席", password=None)
    guest.update(actions=[type(guest).status.set("probationary")])
    invite(meeting, guest, role="guest")
    status = ok(call(stack, "GET", f"/meetings/{meeting.meeting_id}/checkin-status",
                     people["secretary"]))  # fmt: skip
    rows = {r["member_no"]: r for r in status["attendance"]}
    assert rows["71000007"]["name"] == "冯列席" and rows["71000007"]["role"] == "guest"
    assert rows["71000007"]["status"] is None
    assert rows["71000003"]["status"] == "full"

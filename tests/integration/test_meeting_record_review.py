"""The record's holes a review found: a lock whose settling stopped is finished by the page's own
calls (submit again, no save) and by the monthly check; settling works in slices within a budget,
each row's points once; a leave decided in the moment of the lock is refused; a correction that
would push the meeting past DynamoDB's 400 KB is refused clearly; a member reading the record does
not get the text corrected away."""

from __future__ import annotations

import json

import pytest

from chalicelib import meeting_checks, meeting_records, points, registry
from chalicelib.models import Attendance, Meeting
from tests.integration import test_meeting_records_api as records_api
from tests.integration.test_meeting_records_api import (
    ABSENT,
    EXPECTED,
    LEAVE,
    PRESENT,
    call,
    make_meeting,
    ok,
    refused,
    settled_points,
    write,
)
from tools.bench_routes import Routes

people = records_api.people  # the fixture

pytestmark = pytest.mark.usefixtures("clean_tables", "s3")


def page_open_and_settle(routes: Routes, who, mid: str, calls: int = 50) -> list[dict]:
    """What meeting_record.js does on opening a locked record that is not settled: GET the
    record, then POST /submit (no PUT: the record is locked) until it answers settled."""
    r = json.loads(routes.send("GET", f"/meetings/{mid}/record", member=who).body)
    answers = []
    assert r["locked"] and not r["settled"] and r["may_correct"]
    while not r["settled"] and len(answers) < calls:
        r = json.loads(routes.send("POST", f"/meetings/{mid}/submit", member=who).body)
        answers.append(r)
    return answers


def test_a_lock_that_failed_half_way_is_finished_by_the_page(stack, people, fails_once):
    sec = people["secretary"]
    mid = make_meeting()
    ok(write(stack, sec, mid))
    fails_once(points, "deduct", "Lambda died after the lock")
    with pytest.raises(RuntimeError):
        meeting_records.submit(registry.caller_for(sec), mid)
    # The page's first path (save, then submit) meets the lock's 409: not the way to finish it.
    refused(write(stack, sec, mid), 409, "记录已提交锁定")
    answers = page_open_and_settle(Routes(), sec, mid)
    assert answers[-1]["settled"] is True
    assert settled_points(mid) == EXPECTED
    assert Meeting.get(mid, consistent_read=True).settled_at is not None
    assert all(r.settled for r in Attendance.query(mid))


def test_settling_in_slices_gives_each_row_its_points_once(stack, people, monkeypatch):
    sec = people["secretary"]
    mid = make_meeting()
    ok(write(stack, sec, mid))
    monkeypatch.setattr(meeting_records, "SETTLE_ROWS", 1)
    routes = Routes()
    first = json.loads(routes.send("POST", f"/meetings/{mid}/submit", member=sec).body)
    assert first["locked"] and first["settled"] is False
    assert first["settle_progress"] == {"done": 1, "total": 4, "settled": False}
    answers = page_open_and_settle(routes, sec, mid)
    assert [a["settle_progress"]["done"] for a in answers] == [2, 3, 4]
    assert answers[-1]["settled"] is True
    assert settled_points(mid) == EXPECTED
    # One line each in the ledger: a finished row is never credited again.
    from chalicelib import clock, points_ledger

    for no, amount in ((PRESENT, 2), (ABSENT, -2)):
        day = points_ledger.get(no, clock.today().isoformat())
        assert [ln.amount for ln in day.lines.values()] == [amount]
    # A time budget spent stops the settle as well (between rows, never half a row).
    mid2 = make_meeting(topic="第二次")
    ok(write(stack, sec, mid2))
    monkeypatch.setattr(meeting_records, "SETTLE_ROWS", 400)
    monkeypatch.setattr(meeting_records, "SETTLE_SECONDS", -1.0)
    r = json.loads(routes.send("POST", f"/meetings/{mid2}/submit", member=sec).body)
    assert r["settled"] is False and r["settle_progress"]["done"] == 0
    monkeypatch.setattr(meeting_records, "SETTLE_SECONDS", 8.0)
    assert page_open_and_settle(routes, sec, mid2)[-1]["settled"] is True
    assert settled_points(mid2) == EXPECTED


def test_the_monthly_check_finishes_a_lock_nobody_finished(stack, people, monkeypatch):
    sec = people["secretary"]
    mid = make_meeting()
    ok(write(stack, sec, mid))
    monkeypatch.setattr(meeting_records, "SETTLE_ROWS", 1)
    ok(call(stack, "POST", f"/meetings/{mid}/submit", sec))  # chalice local: its own budget
    Meeting.get(mid).update(actions=[Meeting.settled_at.remove()])
    Attendance.get(mid, LEAVE).update(actions=[Attendance.settled.remove()])
    assert Meeting.get(mid, consistent_read=True).settled_at is None
    stats = meeting_checks.run()
    assert Meeting.get(mid, consistent_read=True).settled_at is not None
    assert stats["settled_pending"] >= 1
    assert settled_points(mid) == EXPECTED


def test_a_leave_decided_in_the_moment_of_the_lock_is_refused(stack, people):
    sec = people["secretary"]
    mid = make_meeting()
    # The lock's settle has decided her row (absent) while the meeting still read "scheduled".
    Attendance.get(mid, LEAVE).update(
        actions=[Attendance.leave.set("requested"), Attendance.absent.set(True)]
    )
    r = call(stack, "POST", f"/meetings/{mid}/leave/{LEAVE}", sec, json={"decision": "approve"})
    refused(r, 409, "会议记录已提交，请假已无法审批")
    row = Attendance.get(mid, LEAVE, consistent_read=True)
    assert row.leave == "requested" and row.absent is True


def test_a_correction_past_the_item_limit_is_refused_clearly(stack, people):
    sec = people["secretary"]
    mid = make_meeting()
    ok(write(stack, sec, mid, minutes="党" * meeting_records.MAX_MINUTES))
    ok(call(stack, "POST", f"/meetings/{mid}/submit", sec))
    path = f"/meetings/{mid}/corrections"
    done = 0
    for i in range(6):
        body = {"field": "minutes", "value": chr(0x4E00 + i) * 20_000, "reason": f"第{i}次更正"}
        r = call(stack, "POST", path, sec, json=body)
        if r.status_code != 200:
            refused(r, 413, "存储上限")
            break
        done += 1
    assert done == 2  # 60 KB of minutes, 120 KB a correction: the third would pass 400 KB
    kept = Meeting.get(mid, consistent_read=True)
    assert len(kept.corrections) == 2 and kept.minutes == chr(0x4E01) * 20_000
    # The measure agrees with DynamoDB: what it stored is under the limit by its own count.
    assert meeting_records.item_bytes(kept.serialize()) <= meeting_records.ITEM_LIMIT
    # A small correction still goes through.
    ok(call(stack, "POST", path, sec,
            json={"field": "visible_to_members", "value": False, "reason": "不公开"}))  # fmt: skip


def test_a_member_does_not_read_the_text_corrected_away(stack, people):
    sec = people["secretary"]
    mid = make_meeting()
    ok(write(stack, sec, mid, minutes="原记录：含有不应公开的内容"))
    ok(call(stack, "POST", f"/meetings/{mid}/submit", sec))
    fix = {"field": "minutes", "value": "更正后的记录", "reason": "删去不应公开的内容"}
    ok(call(stack, "POST", f"/meetings/{mid}/corrections", sec, json=fix))
    path = f"/meetings/{mid}/record"
    member = ok(call(stack, "GET", path, people["present"]))
    (c,) = member["corrections"]
    assert set(c) == {"at", "by", "by_name", "reason", "field"}
    assert "不应公开的内容" not in json.dumps(member, ensure_ascii=False).replace(c["reason"], "")
    for staff in ("secretary", "committee"):
        (c,) = ok(call(stack, "GET", path, people[staff]))["corrections"]
        assert c["before"] == "原记录：含有不应公开的内容" and c["after"] == "更正后的记录"


def test_a_leave_approved_after_the_settle_read_her_row_is_decided_again(stack, people):
    """The other order of the same race: the settle read her row (leave requested), the leave
    is approved, then the settle writes its decision — not absent, as the rule says."""
    mid = make_meeting()
    Attendance.get(mid, LEAVE).update(actions=[Attendance.leave.set("requested")])
    read_by_settle = Attendance.get(mid, LEAVE, consistent_read=True)
    Attendance.get(mid, LEAVE).update(actions=[Attendance.leave.set("approved")])
    meeting_records.decide(read_by_settle)
    row = Attendance.get(mid, LEAVE, consistent_read=True)
    assert row.leave == "approved" and row.absent is False

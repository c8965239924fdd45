"""One meeting's whole life over HTTP (chalice local, DynamoDB Local, the S3 stand-in), through
every area's routes in turn: create → the notice in exactly the attendees' 消息 centres → leave
asked and approved → check-in (the valid code; an old code from a screenshot; another meeting's
code; a member not invited; a second check-in) → the record with a photo → lock (points and the
deduction) → an edit refused → a correction kept → the month's figures for the superiors.
Each area's own tests go deeper; this one proves the areas fit together."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
import requests

from chalicelib import checkin_codes, clock, points, uploads
from chalicelib.models import Meeting, Message
from tests.integration.test_meeting_records_api import JPEG
from tools.fixtures import bearer, make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables", "s3")

SECRETARY, CAME, LEAVER, STAYED_AWAY, OTHER_BRANCH, COMMITTEE = (
    "78000001", "78000002", "78000003", "78000004", "78000005", "78000006",
)  # fmt: skip


def call(stack, method: str, path: str, who=None, **kw) -> requests.Response:
    headers = bearer(who) if who else {}
    return requests.request(method, f"{stack.url}/api{path}", headers=headers, timeout=60, **kw)


def ok(r: requests.Response) -> dict:
    assert r.status_code in (200, 201), r.text
    return r.json()


def refused(r: requests.Response, status: int, text: str) -> None:
    assert r.status_code == status, r.text
    assert text in r.json()["Message"], r.json()


def create(stack, who, topic: str, key: str, start: datetime) -> dict:
    body = {
        "unit_id": "B1",
        "kind": "theme_day",
        "topic": topic,
        "starts_at": start.strftime("%Y-%m-%dT%H:%M:%S"),
        "ends_at": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S"),
        "place": "党员活动室",
        "request_key": key,
    }
    return ok(call(stack, "POST", "/meetings", who, json=body))


def test_a_meeting_from_notice_to_correction(stack):
    now = datetime.fromtimestamp(clock.now(), clock.TZ)
    if now.hour == 23 or (now.day == 1 and now.hour == 0):
        pytest.skip("the meeting of this test starts now and lasts an hour within one month")
    uploads.reset_for_tests()
    make_tree()
    sec = make_member(SECRETARY, "B1", name="周书记", roles=("branch_secretary",))
    came = make_member(CAME, "B1", name="吴党员")
    leaver = make_member(LEAVER, "B1", name="郑党员")
    make_member(STAYED_AWAY, "B1", name="王党员")
    other = make_member(OTHER_BRANCH, "B2", name="冯党员")
    committee = make_member(COMMITTEE, "B3", name="钱委员", roles=("party_committee",))
    # It starts at the next whole minute (meetings start on a minute): leave may be asked until
    # then; check-in is already open (the window opens before the start); the record is locked
    # once it has begun.
    start = (now + timedelta(seconds=70)).replace(second=0, microsecond=0)

    meeting = create(stack, sec, "重温入党誓词", "req-flow-0001", start)
    mid = meeting["id"]
    # A retried create is the same meeting, noticed once.
    assert create(stack, sec, "重温入党誓词", "req-flow-0001", start)["id"] == mid
    # The notice reached exactly the branch's members, once each.
    for member_no in (SECRETARY, CAME, LEAVER, STAYED_AWAY):
        notices = [m for m in Message.query(member_no) if m.kind == "meeting_notice"]
        assert len(notices) == 1, member_no
    assert not list(Message.query(OTHER_BRANCH))
    refused(call(stack, "GET", f"/meetings/{mid}", other), 404, "会议不存在")

    # Leave asked, then approved by the secretary.
    ok(call(stack, "POST", f"/meetings/{mid}/leave", leaver, json={"reason": "外出培训"}))
    body = {"decision": "approve", "note": ""}
    ok(call(stack, "POST", f"/meetings/{mid}/leave/{LEAVER}", sec, json=body))

    # The meeting begins.
    time.sleep(max(0.0, start.timestamp() - clock.now() + 0.5))

    # Check-in: the code the secretary's phone shows.
    code = ok(call(stack, "GET", f"/meetings/{mid}/checkin-code", sec))["code"]
    secret = Meeting.get(mid).checkin_secret
    step = checkin_codes.step_counter(clock.now(), 30)
    screenshot = checkin_codes.code_at(secret, step - 3)  # a code of 90 s ago, shared
    if screenshot not in (code, checkin_codes.code_at(secret, step - 1)):
        refused(call(stack, "POST", f"/meetings/{mid}/checkin", came, json={"code": screenshot}),
                400, "签到码已过期或不正确")  # fmt: skip
    second = create(stack, sec, "支部委员会前的学习", "req-flow-0002", start)
    other_code = ok(call(stack, "GET", f"/meetings/{second['id']}/checkin-code", sec))["code"]
    if other_code != code:
        refused(call(stack, "POST", f"/meetings/{mid}/checkin", came, json={"code": other_code}),
                400, "签到码已过期或不正确")  # fmt: skip
    refused(call(stack, "POST", f"/meetings/{mid}/checkin", other, json={"code": code}),
            403, "您不在本次会议的参会名单中")  # fmt: skip
    code = ok(call(stack, "GET", f"/meetings/{mid}/checkin-code", sec))["code"]
    ok(call(stack, "POST", f"/meetings/{mid}/checkin", came, json={"code": code}))
    refused(call(stack, "POST", f"/meetings/{mid}/checkin", came, json={"code": code}),
            409, "您已签到")  # fmt: skip

    # The record, with a photo uploaded straight to storage, then locked.
    record = {"minutes": "重温入党誓词，交流学习体会。", "decisions": ["每月开展一次"],
              "visible_to_members": True}  # fmt: skip
    ok(call(stack, "PUT", f"/meetings/{mid}/record", sec, json=record))
    photo = {"kind": "photo", "name": "会场.jpg", "content_type": "image/jpeg", "size": len(JPEG)}
    form = ok(call(stack, "POST", f"/meetings/{mid}/uploads", sec, json=photo))
    sent = requests.post(form["url"], data=form["fields"],
                         files={"file": ("会场.jpg", JPEG, "image/jpeg")}, timeout=30)  # fmt: skip
    assert sent.status_code == 204, sent.text
    ok(call(stack, "POST", f"/meetings/{mid}/files", sec,
            json={"key": form["key"], "kind": "photo", "name": "会场.jpg"}))  # fmt: skip
    ok(call(stack, "POST", f"/meetings/{mid}/submit", sec))

    # Points: the one who came earned; the one on leave neither; the one who stayed away lost.
    assert points.credited(CAME, "meeting_attendance", mid) == 2
    assert points.credited(LEAVER, "meeting_attendance", mid) == 0
    assert points.credited(STAYED_AWAY, "meeting_absence", mid) < 0

    # Locked: an edit is refused and changes nothing; a correction is kept with its reason.
    edited = dict(record, minutes="改写的记录")
    refused(call(stack, "PUT", f"/meetings/{mid}/record", sec, json=edited), 409, "记录已提交锁定")
    assert Meeting.get(mid, consistent_read=True).minutes == record["minutes"]
    fix = {
        "field": "minutes",
        "value": "重温入党誓词，吴党员交流学习体会。",
        "reason": "补记发言人",
    }
    corrected = ok(call(stack, "POST", f"/meetings/{mid}/corrections", sec, json=fix))
    assert corrected["record"]["minutes"] == fix["value"] if "record" in corrected else True
    saved = Meeting.get(mid, consistent_read=True)
    assert saved.minutes == fix["value"]
    assert [(c.field, c.reason, c.by) for c in saved.corrections] == [
        ("minutes", "补记发言人", SECRETARY)
    ]

    # The superiors see the branch's 主题党日 held this month, straight after the lock.
    month = ok(call(stack, "GET", f"/units/C1/month?month={now:%Y-%m}", committee))
    [b1] = [u for u in month["rows"] if u["unit_id"] == "B1"]
    assert b1["by_kind"]["theme_day"]["held"] == 1

"""A meeting's record over HTTP (chalice local, DynamoDB Local, the S3 stand-in): minutes and
decisions, a photo uploaded straight to storage with the pre-signed form and then attached, the
refusals (oversize, not an image, another meeting's key, an unknown key, too many), submit → lock
→ edit refused → correction kept; attendance settled at the lock — absences marked, points and
deductions exactly once under parallel submits and after a failure half-way; scope (another
branch, a read-only committee member, members before and after the record is public); a member's
attendance record for the probation record.

Meetings and attendance rows are written straight through the models, as meeting creation and
check-in write them (helpers below)."""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
import requests

from chalicelib import clock, meeting_records, points, registry, uploads
from chalicelib.models import Attendance, Meeting
from tools.fixtures import bearer, make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables", "s3")

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 3000
SECRETARY, COMMITTEE, OTHER_SECRETARY, PARTY = "71000001", "71000002", "71000021", "71000031"
PRESENT, LEAVE, ABSENT, PROBATION, NOT_INVITED = (
    "71000011", "71000012", "71000013", "71000014", "71000015",
)  # fmt: skip


@pytest.fixture
def people(stack):
    uploads.reset_for_tests()
    make_tree()
    out = {
        "secretary": make_member(SECRETARY, "B1", name="李书记", roles=("branch_secretary",)),
        "committee": make_member(COMMITTEE, "B1", name="王委员", roles=("branch_committee",)),
        "other": make_member(OTHER_SECRETARY, "B2", name="赵书记", roles=("branch_secretary",)),
        "party": make_member(PARTY, "B3", name="党委钱", roles=("party_committee",)),
        "present": make_member(PRESENT, "B1", name="甲"),
        "leave": make_member(LEAVE, "B1", name="乙"),
        "absent": make_member(ABSENT, "B1", name="丙"),
        "probation": make_member(PROBATION, "B1", name="丁"),
        "outsider": make_member(NOT_INVITED, "B1", name="戊"),
    }
    out["probation"].update(actions=[type(out["probation"]).status.set("probationary")])
    return out


def make_meeting(starts_in_hours: float = -2, unit: str = "B1", topic: str = "学习党章") -> str:
    """A scheduled meeting of B1 as meeting creation writes it, with its attendance rows:
    one checked in, one on approved leave, one absent, one probationary member checked in."""
    start = datetime.fromtimestamp(clock.now(), clock.TZ) + timedelta(hours=starts_in_hours)
    mid = "mt_" + secrets.token_hex(6)
    path = ["C1", "G1", unit]
    now = clock.now()
    Meeting(
        mid, unit_id=unit, unit_path=path, unit_name="第一党支部", kind="theme_day",
        topic=topic, starts_at=start.isoformat(timespec="seconds"),
        ends_at=(start + timedelta(hours=2)).isoformat(timespec="seconds"),
        month=start.strftime("%Y-%m"), place="三楼会议室", organiser=SECRETARY,
        checkin_secret="s" * 32, invited=4, created_at=now, updated_at=now,
        unit_sort=f"{start.isoformat()}#{mid}",
        tree_sort=f"C1/G1/{unit}/#{start.isoformat()}#{mid}",
    ).save()  # fmt: skip
    rows = {
        PRESENT: {"present": True, "checked_in_at": now},
        LEAVE: {"leave": "approved", "leave_reason": "出差"},
        ABSENT: {"leave": "refused"},
        PROBATION: {"present": True, "checked_in_at": now},
    }
    for no, extra in rows.items():
        Attendance(
            mid, no, name=no, branch_id=unit,
            status="probationary" if no == PROBATION else "full", role="attendee",
            member_sort=f"{start.isoformat()}#{mid}", **extra,
        ).save()  # fmt: skip
    return mid


def call(stack, method: str, path: str, member=None, **kw) -> requests.Response:
    headers = bearer(member) if member else {}
    return requests.request(method, f"{stack.url}/api{path}", headers=headers, timeout=60, **kw)


def ok(r: requests.Response) -> dict:
    assert r.status_code == 200, r.text
    return r.json()


def refused(r: requests.Response, status: int, text: str) -> None:
    assert r.status_code == status, r.text
    assert text in r.json()["Message"], r.json()


def write(stack, who, mid: str, minutes: str = "会议学习了党章第一章。", visible: bool = True):
    body = {"minutes": minutes, "decisions": ["每月集中学习一次"], "visible_to_members": visible}
    return call(stack, "PUT", f"/meetings/{mid}/record", who, json=body)


def upload_photo(stack, who, mid: str, data: bytes = JPEG, declared: int | None = None) -> str:
    """What the page does: ask for a form, POST the file to storage, return the key."""
    form = ok(
        call(stack, "POST", f"/meetings/{mid}/uploads", who,
             json={"kind": "photo", "name": "现场.jpg", "content_type": "image/jpeg",
                   "size": declared or len(data)})
    )  # fmt: skip
    sent = requests.post(
        form["url"], data=form["fields"], files={"file": ("现场.jpg", data, "image/jpeg")},
        timeout=30,
    )  # fmt: skip
    assert sent.status_code == 204, sent.text
    return form["key"]


def attach(stack, who, mid: str, key: str, name: str = "现场.jpg") -> requests.Response:
    return call(
        stack,
        "POST",
        f"/meetings/{mid}/files",
        who,
        json={"key": key, "kind": "photo", "name": name},
    )


def stored(key: str) -> bool:
    try:
        uploads.s3().head_object(Bucket=uploads.get_settings().uploads_bucket, Key=key)
        return True
    except Exception:
        return False


def test_record_photo_lock_edit_refused_correction_kept(stack, people):
    sec = people["secretary"]
    mid = make_meeting()
    record = ok(write(stack, sec, mid))
    assert record["may_edit"] and not record["locked"]
    assert record["decisions"] == ["每月集中学习一次"]
    key = upload_photo(stack, sec, mid)
    record = ok(attach(stack, sec, mid, key))
    assert [p["name"] for p in record["photos"]] == ["现场.jpg"]
    photo = record["photos"][0]
    # Kept under a fresh name (uploads.keep): never the upload's, never overwritten.
    assert photo["key"].startswith("meetings/") and photo["key"].count("/") == 1
    assert photo["key"] != key.removeprefix("incoming/") and photo["size"] == len(JPEG)
    assert requests.get(photo["url"], timeout=10).content == JPEG  # a short-lived link
    assert not stored(key)  # moved out of incoming/ (never expires)
    # The same key attached again (a retry) adds it once.
    assert len(ok(attach(stack, sec, mid, key))["photos"]) == 1

    locked = ok(call(stack, "POST", f"/meetings/{mid}/submit", sec))
    assert locked["locked"] and locked["meeting"]["state"] == "locked"
    assert locked["locked_by"] == SECRETARY and locked["locked_by_name"] == "李书记"
    assert locked["may_correct"] and not locked["may_edit"]

    lock_text = "记录已提交锁定，如需修改请提交更正说明"
    refused(write(stack, sec, mid, "改过的记录"), 409, lock_text)
    refused(
        call(stack, "POST", f"/meetings/{mid}/uploads", sec,
             json={"kind": "photo", "name": "a.jpg", "content_type": "image/jpeg", "size": 10}),
        409, lock_text,
    )  # fmt: skip
    assert (
        ok(call(stack, "GET", f"/meetings/{mid}/record", sec))["minutes"]
        == "会议学习了党章第一章。"
    )

    fixed = ok(
        call(stack, "POST", f"/meetings/{mid}/corrections", sec,
             json={"field": "minutes", "value": "会议学习了党章第一章和第二章。",
                   "reason": "漏记第二章"})
    )  # fmt: skip
    assert fixed["minutes"] == "会议学习了党章第一章和第二章。"
    (c,) = fixed["corrections"]
    assert (c["field"], c["by"], c["by_name"], c["reason"]) == (
        "minutes",
        SECRETARY,
        "李书记",
        "漏记第二章",
    )
    assert (c["before"], c["after"]) == ("会议学习了党章第一章。", "会议学习了党章第一章和第二章。")
    # A second correction appends; the history comes back whole with the record.
    ok(
        call(stack, "POST", f"/meetings/{mid}/corrections", sec,
             json={"field": "decisions", "value": ["每月集中学习两次"], "reason": "笔误"})
    )  # fmt: skip
    again = ok(call(stack, "GET", f"/meetings/{mid}/record", sec))
    assert [c["field"] for c in again["corrections"]] == ["minutes", "decisions"]
    assert again["corrections"][1]["before"] == '["每月集中学习一次"]'
    # A correction without a reason, of an unknown field, or the same value: refused, unchanged.
    for body, text in (
        ({"field": "minutes", "value": "x", "reason": " "}, "请填写更正说明"),
        ({"field": "state", "value": "scheduled", "reason": "r"}, "更正项"),
        ({"field": "decisions", "value": ["每月集中学习两次"], "reason": "r"}, "相同"),
        ({"field": "photos", "value": ["meetings/x.jpg"], "reason": "r"}, "只能删除"),
    ):
        refused(call(stack, "POST", f"/meetings/{mid}/corrections", sec, json=body), 400, text)
    assert len(ok(call(stack, "GET", f"/meetings/{mid}/record", sec))["corrections"]) == 2
    # Removing the photo is a correction too.
    gone = ok(
        call(stack, "POST", f"/meetings/{mid}/corrections", sec,
             json={"field": "photos", "value": [], "reason": "照片拍错了会议"})
    )  # fmt: skip
    assert gone["photos"] == [] and gone["corrections"][-1]["before"] == '["现场.jpg"]'


def test_refused_uploads_change_nothing(stack, people):
    sec = people["secretary"]
    mid = make_meeting()
    ok(write(stack, sec, mid))
    up = f"/meetings/{mid}/uploads"
    for body, status, text in (
        ({"kind": "photo", "name": "a.jpg", "content_type": "image/jpeg", "size": 11 * 2**20},
         413, "照片不能超过 10 MB"),
        ({"kind": "photo", "name": "a.gif", "content_type": "image/gif", "size": 100},
         415, "照片须为 JPG、PNG 或 WebP 格式"),
        ({"kind": "video", "name": "a.mp4", "content_type": "video/mp4", "size": 100},
         400, "photo 或 attachment"),
        ({"kind": "attachment", "name": "a.doc", "content_type": "application/msword",
          "size": 100}, 415, "附件须为"),
        ({"kind": "photo", "name": " ", "content_type": "image/jpeg", "size": 100},
         400, "文件名"),
    ):  # fmt: skip
        refused(call(stack, "POST", up, sec, json=body), status, text)
    # Storage takes an oversize photo declared small (the stand-in does not enforce the
    # policy): the check refuses it, deletes it, and the record has no photo.
    big = upload_photo(stack, sec, mid, JPEG + b"\x00" * (10 * 2**20), declared=len(JPEG))
    refused(attach(stack, sec, mid, big), 413, "照片不能超过 10 MB")
    assert not stored(big)
    # Not an image, named .jpg.
    fake = upload_photo(stack, sec, mid, b"<html>not a photo</html>" * 20)
    refused(attach(stack, sec, mid, fake), 415, "文件内容不是 JPG、PNG 或 WebP 格式的照片")
    assert not stored(fake)
    # Another meeting's upload, and a key that was never uploaded.
    other = make_meeting()
    theirs = upload_photo(stack, sec, other)
    refused(attach(stack, sec, mid, theirs), 400, "不属于此会议")
    assert stored(theirs)
    unknown = f"incoming/meetings/{mid}/{'0' * 32}.jpg"
    refused(attach(stack, sec, mid, unknown), 404, "文件不存在或已过期")
    record = ok(call(stack, "GET", f"/meetings/{mid}/record", sec))
    assert record["photos"] == [] and record["minutes"] == "会议学习了党章第一章。"


def test_photo_limit_per_meeting(stack, people, monkeypatch):
    sec = people["secretary"]
    mid = make_meeting()
    keys = [upload_photo(stack, sec, mid) for _ in range(3)]
    # The limit is the server's (30): make the meeting hold 29 by writing them directly.
    from chalicelib.models.meetings import StoredFile

    filler = [
        StoredFile(key=f"meetings/{mid}/{i:032x}.jpg", name="x.jpg", content_type="image/jpeg",
                   size=1, by=SECRETARY, at=clock.now())
        for i in range(meeting_records.LIMITS["photo"] - 1)
    ]  # fmt: skip
    Meeting.get(mid).update(actions=[Meeting.photos.set(filler)])
    ok(attach(stack, sec, mid, keys[0]))
    refused(attach(stack, sec, mid, keys[1]), 409, "最多上传 30 个照片")
    assert not stored(keys[1])
    refused(
        call(stack, "POST", f"/meetings/{mid}/uploads", sec,
             json={"kind": "photo", "name": "a.jpg", "content_type": "image/jpeg", "size": 10}),
        409, "最多上传 30 个照片",
    )  # fmt: skip


def test_submit_needs_minutes_and_a_started_meeting(stack, people):
    sec = people["secretary"]
    mid = make_meeting()
    refused(call(stack, "POST", f"/meetings/{mid}/submit", sec), 400, "请先填写会议记录")
    later = make_meeting(starts_in_hours=24)
    ok(write(stack, sec, later))
    refused(call(stack, "POST", f"/meetings/{later}/submit", sec), 409, "会议尚未开始")
    assert Meeting.get(later).state == "scheduled"
    # Too long minutes, and decisions that are not texts.
    refused(write(stack, sec, mid, "字" * 20_001), 400, "过长")
    body = {"minutes": "x", "decisions": [1, 2], "visible_to_members": False}
    refused(call(stack, "PUT", f"/meetings/{mid}/record", sec, json=body), 400, "文字的数组")
    # 20,000 characters of Chinese (60 KB) are taken.
    assert len(ok(write(stack, sec, mid, "记" * 20_000))["minutes"]) == 20_000


def settled_points(mid: str) -> dict[str, int]:
    return {
        no: points.credited(no, "meeting_attendance", mid)
        + points.credited(no, "meeting_absence", mid)
        for no in (PRESENT, LEAVE, ABSENT, PROBATION)
    }


EXPECTED = {PRESENT: 2, LEAVE: 0, ABSENT: -2, PROBATION: 2}


def test_lock_settles_attendance_once_under_parallel_submits(stack, people):
    sec = people["secretary"]
    mid = make_meeting()
    ok(write(stack, sec, mid))
    with ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(lambda _: call(stack, "POST", f"/meetings/{mid}/submit", sec), range(8))
        )
    assert [r.status_code for r in answers] == [200] * 8, [r.text for r in answers]
    assert len({r.json()["locked_at"] for r in answers}) == 1
    assert settled_points(mid) == EXPECTED
    rows = {r.member_no: r for r in Attendance.query(mid)}
    assert rows[ABSENT].absent is True
    assert not rows[LEAVE].absent and not rows[PRESENT].absent
    # Exactly one line each in the ledger (a second submit later adds nothing).
    ok(call(stack, "POST", f"/meetings/{mid}/submit", sec))
    from chalicelib import points_ledger

    day = points_ledger.get(ABSENT, clock.today().isoformat())
    assert [ln.amount for ln in day.lines.values()] == [-2]
    assert Meeting.get(mid).settled_at is not None


def test_a_failure_between_the_locks_writes_is_repaired_by_submitting_again(
    stack, people, fails_once
):
    sec = people["secretary"]
    mid = make_meeting()
    ok(write(stack, sec, mid))
    calls = fails_once(points, "deduct", "Lambda died after the lock")
    caller = registry.caller_for(people["secretary"])
    with pytest.raises(RuntimeError):
        meeting_records.submit(caller, mid)
    assert calls["n"] == 1
    half = Meeting.get(mid, consistent_read=True)
    assert half.state == "locked" and half.settled_at is None
    # The organiser taps 提交 again: the lock stays as it was, the settling completes.
    again = ok(call(stack, "POST", f"/meetings/{mid}/submit", sec))
    assert again["locked_at"] is not None
    assert settled_points(mid) == EXPECTED
    assert Meeting.get(mid, consistent_read=True).settled_at is not None


def test_scope_of_the_record(stack, people):
    sec = people["secretary"]
    mid = make_meeting()
    ok(write(stack, sec, mid, visible=False))
    path = f"/meetings/{mid}/record"
    # Another branch's secretary: no such meeting for her (404), nothing changes.
    for method, p, body in (
        ("GET", path, None),
        ("PUT", path, {"minutes": "x", "decisions": [], "visible_to_members": True}),
        ("POST", f"/meetings/{mid}/submit", None),
        ("POST", f"/meetings/{mid}/uploads",
         {"kind": "photo", "name": "a.jpg", "content_type": "image/jpeg", "size": 10}),
    ):  # fmt: skip
        refused(call(stack, method, p, people["other"], json=body), 404, "会议不存在或您无权查看")
    # The branch's read-only committee member reads it but may not change it.
    assert ok(call(stack, "GET", path, people["committee"]))["may_edit"] is False
    refused(write(stack, people["committee"], mid, "改"), 403, "只有本组织的书记")
    refused(call(stack, "POST", f"/meetings/{mid}/submit", people["committee"]), 403, "书记")
    # The party committee above manages it.
    assert ok(call(stack, "GET", path, people["party"]))["may_edit"] is True
    # Members: an invitee before the record is public is told so; a member of the branch who
    # was not invited does not learn the meeting exists.
    refused(call(stack, "GET", path, people["present"]), 403, "会议记录尚未公开")
    refused(call(stack, "GET", path, people["outsider"]), 404, "会议不存在")
    ok(call(stack, "POST", f"/meetings/{mid}/submit", sec))
    refused(call(stack, "GET", path, people["present"]), 403, "尚未公开")
    ok(
        call(stack, "POST", f"/meetings/{mid}/corrections", sec,
             json={"field": "visible_to_members", "value": True, "reason": "向党员公开"})
    )  # fmt: skip
    seen = ok(call(stack, "GET", path, people["outsider"]))  # her branch's public record
    assert seen["minutes"] and not seen["may_edit"] and not seen["may_correct"]
    assert ok(call(stack, "GET", path, people["present"]))["locked"]
    refused(call(stack, "GET", path, people["other"]), 404, "会议不存在")
    refused(
        call(stack, "POST", f"/meetings/{mid}/corrections", people["present"],
             json={"field": "minutes", "value": "x", "reason": "r"}),
        404, "会议不存在",
    )  # fmt: skip
    refused(call(stack, "GET", "/meetings/mt_nosuchmeeting/record", sec), 404, "会议不存在")


def test_attendance_record_for_the_probation_record(stack, people):
    sec = people["secretary"]
    held = make_meeting(starts_in_hours=-30)
    ok(write(stack, sec, held))
    ok(call(stack, "POST", f"/meetings/{held}/submit", sec))
    make_meeting(starts_in_hours=48)  # not held yet
    today = clock.today()
    q = {
        "since": (today - timedelta(days=30)).isoformat(),
        "until": (today + timedelta(days=5)).isoformat(),
    }
    path = f"/members/{PROBATION}/attendance"
    rec = ok(call(stack, "GET", path, sec, params=q))
    assert (rec["held"], rec["attended"], rec["excused"], rec["absent"], rec["upcoming"]) == (
        1,
        1,
        0,
        0,
        1,
    )
    assert rec["status"] == "probationary" and rec["name"] == "丁"
    absent = ok(call(stack, "GET", f"/members/{ABSENT}/attendance", people["party"], params=q))
    assert (absent["held"], absent["absent"]) == (1, 1)
    excused = ok(call(stack, "GET", f"/members/{LEAVE}/attendance", people["committee"], params=q))
    assert excused["excused"] == 1
    assert ok(call(stack, "GET", path, people["probation"], params=q))["attended"] == 1  # her own
    # Out of scope: another branch's secretary, a fellow member, an unknown number — alike.
    for who, no in (
        (people["other"], PROBATION),
        (people["present"], PROBATION),
        (sec, "79999999"),
    ):
        refused(call(stack, "GET", f"/members/{no}/attendance", who, params=q), 403, "无权")
    refused(call(stack, "GET", path, sec, params={"since": "2026-13-01"}), 400, "日期")
    # In-process the same figures (the recruitment issue calls this).
    direct = meeting_records.attendance_record(
        PROBATION, today - timedelta(days=30), today + timedelta(days=5)
    )
    assert direct["attended"] == 1


def test_a_deduction_is_one_negative_line_whoever_repeats_it(dynamodb, monkeypatch):
    from chalicelib import points_ledger, points_rules

    with ThreadPoolExecutor(8) as pool:
        got = list(
            pool.map(lambda _: points.deduct("71000099", "meeting_absence", "mt_x"), range(8))
        )
    assert [g.amount for g in got if g] == [-2]
    assert points.deduct("71000099", "meeting_absence", "mt_x") is None
    assert points.award("71000099", "meeting_absence", "mt_x") is None  # never an award
    assert points.reverse("71000099", "meeting_absence", "mt_x") is None
    day = points_ledger.get("71000099", clock.today().isoformat())
    assert [ln.amount for ln in day.lines.values()] == [-2] and day.caps == {}
    with pytest.raises(ValueError):
        points.deduct("71000099", "meeting_attendance", "mt_x")  # an award rule
    # Set to 0 in the rules table: no deduction at all.
    off = points_rules.Rule("meeting_absence", "无故缺席组织生活", "meeting", 0, None, "object", 0)
    monkeypatch.setitem(points_rules.RULES, "meeting_absence", off)
    assert points.deduct("71000099", "meeting_absence", "mt_y") is None


def test_the_aggregator_takes_a_deduction_off_her_totals(dynamodb):
    """What the rankings read: the stream aggregator's year (and month) totals are net of the
    deduction, as of a reversal; her total may go below zero."""
    from chalicelib.models import PointTotal
    from infra import stream_poller

    stream_poller.drain()
    points.award("71000098", "meeting_attendance", "mt_a")
    points.deduct("71000098", "meeting_absence", "mt_b")
    points.deduct("71000098", "meeting_absence", "mt_c")
    stream_poller.drain()
    year = PointTotal.get("71000098", f"y{clock.today().year}")
    assert year.points == -2
    assert year.months[f"{clock.today().month:02d}"] == -2
    assert year.rules == {"meeting_attendance": 2, "meeting_absence": -4}


def test_what_the_lock_and_a_read_cost(stack, people):
    """The lock: one update, then per row its decision (`absent` written), per present member a
    claim and a ledger line, per absent one the deduction's claim and line, and the settled
    mark; reading the record is a handful of item reads. Measured in-process, the same routes
    (tools/bench_routes)."""
    from tools.bench_routes import Routes
    from tools.capacity import metered

    routes = Routes()
    sec = people["secretary"]
    mid = make_meeting()
    body = {"minutes": "记录", "decisions": ["决定"], "visible_to_members": True}
    routes.send("PUT", f"/meetings/{mid}/record", member=sec, body=body)
    with metered() as m:
        routes.send("POST", f"/meetings/{mid}/submit", member=sec)
    # 4 rows decided (1 write each) and marked settled (1 each); 2 present (2 more each), 1
    # absent (2), 1 on leave (0); the lock and the settled mark; the unit's month figures
    # (meeting_plans.refresh_after_lock: 2 reads, a Query, a write); her write budget's counter.
    assert m.calls == {"GetItem": 5, "Query": 2, "BatchGetItem": 1, "UpdateItem": 15, "PutItem": 3}
    assert m.write_units <= 23, m.write_units
    with metered() as m:
        routes.send("GET", f"/meetings/{mid}/record", member=people["present"])
    assert m.calls == {"GetItem": 4, "BatchGetItem": 1} and m.write_units == 0


def test_parallel_attaches_of_one_upload_add_it_once_and_all_succeed(stack, people):
    """A double tap or a retry racing the first request: every answer is the record with the
    photo once (never 文件不存在, though the first request already moved the upload)."""
    sec = people["secretary"]
    mid = make_meeting()
    key = upload_photo(stack, sec, mid)
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: attach(stack, sec, mid, key), range(6)))
    assert [r.status_code for r in answers] == [200] * 6, [r.text for r in answers]
    assert {len(r.json()["photos"]) for r in answers} == {1}
    assert len(Meeting.get(mid, consistent_read=True).photos) == 1
    assert not stored(key) and stored(Meeting.get(mid, consistent_read=True).photos[0].key)


def test_a_twin_that_read_the_meeting_before_the_first_attached_it_succeeds(
    stack, people, monkeypatch
):
    """The race above made certain: the twin read the meeting before the first request attached
    the photo, and finds the upload gone when it checks it."""
    sec = people["secretary"]
    mid = make_meeting()
    key = upload_photo(stack, sec, mid)
    caller = registry.caller_for(sec)
    stale = Meeting.get(mid, consistent_read=True)
    meeting_records.attach(caller, mid, key, "photo", "现场.jpg")
    monkeypatch.setattr(meeting_records.meeting_access, "load_managed", lambda *a, **k: stale)
    twin = meeting_records.attach(caller, mid, key, "photo", "现场.jpg")
    assert [p["name"] for p in twin["photos"]] == ["现场.jpg"]


def test_a_correction_made_on_a_stale_record_is_refused_not_overwriting(stack, people, monkeypatch):
    """Two organisers correcting at once: the one who read the record before the other's
    correction gets 409 and the first correction stays."""
    from chalicelib.errors import ConflictError

    sec = people["secretary"]
    mid = make_meeting()
    ok(write(stack, sec, mid))
    ok(call(stack, "POST", f"/meetings/{mid}/submit", sec))
    caller = registry.caller_for(sec)
    stale = Meeting.get(mid, consistent_read=True)
    meeting_records.correct(caller, mid, "minutes", "第一次更正", "补充")
    monkeypatch.setattr(meeting_records.meeting_access, "load_managed", lambda *a, **k: stale)
    with pytest.raises(ConflictError):
        meeting_records.correct(caller, mid, "minutes", "第二次更正", "补充")
    after = Meeting.get(mid, consistent_read=True)
    assert after.minutes == "第一次更正" and len(after.corrections) == 1


def test_a_wrong_photo_is_removed_before_the_lock(stack, people, monkeypatch):
    """Saving the draft with the keys of the photos kept removes the others (and deletes them);
    a key she does not have, or a list that misses a photo attached meanwhile, is refused."""
    sec = people["secretary"]
    mid = make_meeting()
    first, second = (upload_photo(stack, sec, mid) for _ in range(2))
    ok(attach(stack, sec, mid, first, "对的.jpg"))
    keys = [p["key"] for p in ok(attach(stack, sec, mid, second, "错的.jpg"))["photos"]]
    body = {"minutes": "记录", "decisions": [], "visible_to_members": False}
    for bad in ([keys[0], "meetings/x/y.jpg"], [keys[0], keys[0]], "k"):
        refused(
            call(stack, "PUT", f"/meetings/{mid}/record", sec, json={**body, "photos": bad}),
            400, "须为数组" if bad == "k" else "只能删除已有的文件",
        )  # fmt: skip
    saved = ok(
        call(stack, "PUT", f"/meetings/{mid}/record", sec, json={**body, "photos": keys[:1]})
    )
    assert [p["name"] for p in saved["photos"]] == ["对的.jpg"]
    assert stored(keys[0]) and not stored(keys[1])
    assert Meeting.get(mid, consistent_read=True).file_keys == {first}
    # A list read before another photo was attached would drop it: refused, nothing changes.
    caller = registry.caller_for(sec)
    third = upload_photo(stack, sec, mid)
    stale = Meeting.get(mid, consistent_read=True)
    ok(attach(stack, sec, mid, third))
    from chalicelib.errors import ConflictError

    monkeypatch.setattr(meeting_records.meeting_access, "load_managed", lambda *a, **k: stale)
    with pytest.raises(ConflictError):
        meeting_records.save_record(caller, mid, "记录", [], False, {"photos": []})
    assert len(Meeting.get(mid, consistent_read=True).photos) == 2


def test_points_follow_an_attendance_corrected_after_the_lock(stack, people):
    """Check-in's correction after the lock (meeting_checkin.correct → its hook): the absent
    member corrected to present loses the deduction and gets the attendance points; corrected
    back, the reverse; the present one corrected to absent likewise. Lines keyed by the
    correction's number: the net always what her state earns."""
    from chalicelib import meeting_checkin

    sec = people["secretary"]
    mid = make_meeting()
    ok(write(stack, sec, mid))
    ok(call(stack, "POST", f"/meetings/{mid}/submit", sec))
    assert settled_points(mid) == EXPECTED
    rows = {r.member_no: r for r in Attendance.query(mid, consistent_read=True)}
    assert {no: r.absent for no, r in rows.items()} == {
        PRESENT: False, LEAVE: False, ABSENT: True, PROBATION: False,
    }  # fmt: skip
    caller = registry.caller_for(sec)

    def net(no: str) -> int:
        from chalicelib import points_ledger

        day = points_ledger.get(no, clock.today().isoformat())
        return sum(ln.amount for ln in day.lines.values() if mid in ln.key)

    meeting_checkin.correct(caller, mid, ABSENT, True, "其实到场了，忘记签到")
    assert net(ABSENT) == 2
    meeting_checkin.correct(caller, mid, ABSENT, False, "核实后确实缺席")
    assert net(ABSENT) == -2
    meeting_checkin.correct(caller, mid, PRESENT, False, "代签到，本人未到")
    assert net(PRESENT) == -2
    meeting_checkin.correct(caller, mid, LEAVE, True, "请假后又来了")
    assert net(LEAVE) == 2
    # A retried hook (the same correction number) writes nothing more.
    row = Attendance.get(mid, LEAVE, consistent_read=True)
    meeting_records.attendance_changed(Meeting.get(mid), row, before=False, number=1)
    assert net(LEAVE) == 2


def test_the_lock_decides_every_row(stack, people):
    """Every row gets `absent` (True or False) at the lock: check-in refuses a decided row."""
    sec = people["secretary"]
    mid = make_meeting()
    ok(write(stack, sec, mid))
    ok(call(stack, "POST", f"/meetings/{mid}/submit", sec))
    assert all(r.absent is not None for r in Attendance.query(mid, consistent_read=True))

"""Personal data over HTTP on DynamoDB Local (个人信息保护法), on one demo organisation seeded once
for the module, in the order a member's life takes: her download (hers only, as an independent
read of the tables finds it), the refusals of a deletion (non-admin, still active, a wrong
confirmation: nothing changed), then the deletion of the departed member — cut by a failure
between two writes, completed by the retry — after which a Scan of EVERY table finds none of
her personal values, and the units' figures (points totals, attendance counts, the console's
and the boards' figures) are what they were before."""

from __future__ import annotations

import json
import re
import uuid
import zlib
from collections import Counter
from typing import Any

import pytest
import requests

from chalicelib import (
    assessment_job,
    clock,
    console_job,
    directory,
    my_data,
    personal_data,
    personal_erase,
    personal_records,
    ranking,
    registry,
)
from chalicelib.models import ALL_MODELS, Attendance, Board, ConsoleFigure, Member, PointTotal
from infra import stream_poller
from tests.quiz_factories import publish_test_quizzes
from tools import (
    demo_assessment,
    demo_dues,
    demo_dues_assessment,
    demo_meetings,
    demo_service_requests,
    demo_surveys,
    demo_volunteering,
    seed_demo,
)
from tools.fixtures import bearer, make_campaign, make_item, rid
from tools.tables import truncate_all

HER = "10000009"  # the demo's ordinary member, in most demo areas
ADMIN, SECRETARY, COMMITTEE = "10000008", "10000001", "10000005"
OTHER = "10000020"  # another member of her branch
# Her personal values, unique in the organisation by construction (set before the demo areas
# copy them into their rows): a Scan finding one of them after the deletion is a leftover.
NAME, PHONE, BIRTH = "测删甲乙丙", "13987654321", "1929-11-23"
COMMENT = "这是一条用于删除测试的点评内容壹贰叁"
POST = "支部家园删除测试帖子内容肆伍陆"
LEAVE = "删除测试的请假理由柒捌玖"
SURVEY_TEXT = "删除测试的问卷简答拾佰仟"


def call(stack, who: str, method: str, path: str, body=None, **kw) -> requests.Response:
    return requests.request(
        method,
        f"{stack.url}/api{path}",
        json=body,
        headers=bearer(Member.get(who)),
        timeout=60,
        **kw,
    )


def _activity(stack, tmp_path_factory) -> dict[str, Any]:
    """Her comment, vote, exam, post, leave request, survey answer and message settings, through
    the API as her pages send them."""
    make_item("pd-a1")
    r = call(stack, HER, "POST", "/articles/pd-a1/comments", {"text": COMMENT, "request_id": rid()})
    assert r.status_code == 201, r.text
    make_campaign("pdc", ("pd-c1", "pd-c2"))
    r = call(
        stack, HER, "POST", "/campaigns/pdc/votes", {"candidate": "pd-c1", "request_id": rid()}
    )
    assert r.status_code in (200, 201), r.text
    publish_test_quizzes(tmp_path_factory.mktemp("quizzes"))
    attempt = call(stack, HER, "POST", "/quizzes/texam/attempt").json()["attempt"]
    r = call(stack, HER, "POST", "/quizzes/texam/attempt/submit", {"attempt": attempt})
    assert r.status_code == 200, r.text
    r = call(stack, HER, "POST", "/branch-posts", {"text": POST, "request_key": rid()})
    assert r.status_code == 201, r.text
    r = call(stack, HER, "PUT", "/me/message-settings", {"muted": ["political_birthday"]})
    assert r.status_code == 200, r.text
    # A leave request for a meeting to come (the demo invites her to her branch's meetings;
    # past ones are refused).
    now = clock.now()
    asked = []
    for a in Attendance.by_member.query(HER, scan_index_forward=False):
        asked.append(call(stack, HER, "POST", f"/meetings/{a.meeting_id}/leave", {"reason": LEAVE}))
        if asked[-1].status_code == 200:
            break
    assert asked and asked[-1].status_code == 200, [r.text for r in asked]
    # A survey of her units open now, answered with a text wherever one is asked.
    from chalicelib.models.surveys import Survey, SurveyAnswer

    path = registry.get_unit(Member.get(HER).branch_id).path
    answered = False
    for unit in path:
        for s in Survey.by_unit.query(unit):
            survey = Survey.get(s.survey_id)
            if survey.state != "published" or survey.closes_at < now:
                continue
            try:
                SurveyAnswer.get(survey.survey_id, HER)
                continue
            except SurveyAnswer.DoesNotExist:
                pass
            answers = {}
            for q in json.loads(survey.questions):
                if q["kind"] == "text":
                    answers[q["id"]] = SURVEY_TEXT
                elif q["kind"] == "single":
                    answers[q["id"]] = q["options"][0]["id"]
                elif q["kind"] == "multiple":
                    answers[q["id"]] = [q["options"][0]["id"]]
                elif q["kind"] == "rating":
                    answers[q["id"]] = q.get("max", 5)
            r = call(
                stack, HER, "POST", f"/surveys/{survey.survey_id}/answers", {"answers": answers}
            )
            answered = answered or r.status_code in (200, 201)
    stream_poller.drain()
    return {"survey_answered": answered}


@pytest.fixture(scope="module")
def org(stack, tmp_path_factory) -> dict[str, Any]:
    truncate_all()
    stream_poller.skip()
    seed_demo.seed()
    others = json.dumps(
        [m.attribute_values for m in Member.scan()], ensure_ascii=False, default=str
    )
    assert not any(v in others for v in (NAME, PHONE, BIRTH)), "not unique"
    her = Member.get(HER)
    her.update(
        actions=[
            Member.name.set(NAME),
            Member.phone.set(PHONE),
            Member.birth_date.set(BIRTH),
        ]
    )
    directory.member_changed(Member.get(HER))
    demo_meetings.seed()
    demo_dues_assessment.seed()
    her = Member.get(HER)
    demo_dues.seed_member(her, registry.get_unit(her.branch_id), SECRETARY)
    demo_surveys.seed()
    demo_volunteering.seed()
    demo_service_requests.seed()
    demo_assessment.seed()
    done = _activity(stack, tmp_path_factory)
    texts = {NAME, PHONE, BIRTH, COMMENT, POST, LEAVE}
    if done["survey_answered"]:
        texts.add(SURVEY_TEXT)
    from chalicelib.models.service_requests import ServiceRequest

    texts |= {r.text for r in ServiceRequest.by_member.query(HER)}
    return {"texts": texts}


def scan_all() -> dict[str, list[dict[str, Any]]]:
    """Every item of every table, as plain JSON-able dicts (binary figures unpacked)."""
    out = {}
    for model in ALL_MODELS:
        rows = []
        for item in model.scan(consistent_read=True):
            row = {}
            for name, value in item.attribute_values.items():
                if isinstance(value, bytes):
                    try:
                        value = zlib.decompress(value).decode()
                    except zlib.error:
                        value = value.hex()
                row[name] = value
            rows.append(json.loads(json.dumps(row, ensure_ascii=False, default=_plain)))
        out[model.__name__] = rows
    return out


def _plain(value: Any) -> Any:
    if hasattr(value, "as_dict"):
        return value.as_dict()
    if isinstance(value, set | frozenset):
        return sorted(value)
    return str(value)


def _hers(row: dict[str, Any], place: personal_data.Place) -> bool:
    for attr in place.member:
        value = row.get(attr)
        if value == HER or (isinstance(value, dict) and HER in value):
            return True
        if isinstance(value, str) and attr == "comment_ref":
            return False
    return False


def test_her_download_is_hers_alone(org, stack) -> None:
    r = call(stack, HER, "GET", "/me/data")
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["member_no"] == HER
    sections = {s["table"]: s for s in data["sections"]}
    # An independent read: every table Scanned, her items picked by the attribute holding her
    # number; each such table's section has exactly as many rows.
    everything = scan_all()
    for place in personal_data.PLACES:
        if place.holds != "member" or not place.fields or place.model.__name__ == "PointDay":
            continue
        mine = [row for row in everything[place.model.__name__] if _hers(row, place)]
        shown = sections.get(place.table, {}).get("items", [])
        if place.model.__name__ in ("AuditEntry",):  # one copy per unit of the path: one row
            mine = list({row["entry_id"]: row for row in mine}.values())
        if place.model.__name__ == "CommentDecision":
            continue  # keyed by her comments, checked below
        assert len(shown) == len(mine), place.table
    assert {"members", "comments", "quiz-attempts", "branch-posts", "meeting-attendance"} <= set(
        sections
    )
    text = json.dumps(data, ensure_ascii=False)
    assert NAME in text and PHONE in text and COMMENT in text and POST in text and LEAVE in text
    # Nothing of another member: no other number, no other member's phone.
    others = [m for m in everything["Member"] if m["member_no"] != HER]
    for m in others:
        assert not re.search(rf"(?<!\d){m['member_no']}(?!\d)", text), m["member_no"]
        assert not m.get("phone") or m["phone"] not in text
    assert "password_hash" not in text and "checkin_secret" not in text
    # The file: the same JSON, as an attachment.
    f = call(stack, HER, "GET", "/me/data", params={"format": "file"})
    assert f.status_code == 200 and "attachment" in f.headers["Content-Disposition"]
    assert json.loads(f.content)["sections"] == data["sections"]
    bad = call(stack, HER, "GET", "/me/data", params={"format": "xml"})
    assert bad.status_code == 400 and "format" in bad.json()["Message"]
    # Ten downloads an hour: the eleventh waits.
    codes = [call(stack, HER, "GET", "/me/data").status_code for _ in range(my_data.LIMIT - 1)]
    assert codes == [200] * (my_data.LIMIT - 2) + [429]
    late = call(stack, HER, "GET", "/me/data")
    assert late.status_code == 429 and "下载次数过多" in late.json()["Message"]
    assert int(late.headers["Retry-After"]) > 0


def test_what_a_download_reads(org) -> None:
    """Queries and GetItems on her keys only (no Scan), and how many read units: the figure
    the README and the report quote."""
    from tests.aws_units import billed

    # Every table the map says holds her items is looked up (but the TTL-driven ones).
    found = personal_records.find(Member.get(HER), ledger=True)
    wanted = {p.model for p in personal_data.PLACES if p.holds == "member" and p.erase != "expire"}
    assert set(found.items) == wanted
    with billed() as bill:
        my_data.collect(Member.get(HER))
    assert not any(op == "Scan" for op, _ in bill.calls)
    print(f"download: {bill.read_units} read units, {sum(bill.calls.values())} calls")
    assert bill.read_units < 60  # 49 for her demo months (README)


def _unit_figures() -> dict[str, Any]:
    """The units' figures: the boards' unit totals, the console's figures of every unit, each
    meeting's attendance counts and the points totals of everyone."""
    boards = {
        b.board_id: {k: v for k, v in b.data.items() if k != "computed_at"}
        for b in Board.scan(consistent_read=True)
        if b.board_id.startswith(("unit#", "units#", "committee#"))
    }
    console = {
        (f.unit_id, f.view): zlib.decompress(f.data).decode()
        for f in ConsoleFigure.scan(consistent_read=True)
        if not f.unit_id.startswith("#")
    }
    attendance: Counter = Counter()
    for a in Attendance.scan(consistent_read=True):
        attendance[(a.meeting_id, a.role, bool(a.present), bool(a.absent), a.leave)] += 1
    points = sum(int(t.points) for t in PointTotal.scan(consistent_read=True))
    return {"boards": boards, "console": console, "attendance": attendance, "points": points}


def _recompute() -> None:
    stream_poller.drain()
    ranking.compute_boards()
    console_job.run()
    assessment_job.run()


def _lasting(tables: dict[str, list]) -> dict[str, list]:
    """Without the TTL-driven table (DynamoDB Local removes expired throttle windows meanwhile)."""
    return {t: rows for t, rows in tables.items() if t != "LoginThrottle"}


def test_a_deletion_is_refused_unless_it_is_the_admins_on_a_departed_member(org, stack) -> None:
    body = {"request_key": rid(), "confirm": HER}
    before = scan_all()
    for who in (SECRETARY, COMMITTEE, HER):
        r = call(stack, who, "POST", f"/registry/members/{HER}/erase", body)
        assert r.status_code == 403, (who, r.text)
    r = call(stack, ADMIN, "POST", f"/registry/members/{HER}/erase", body)
    assert r.status_code == 409 and "停用" in r.json()["Message"]
    assert _lasting(scan_all()) == _lasting(before)
    r = call(stack, ADMIN, "POST", f"/registry/members/{HER}/deactivate", {"request_key": rid()})
    assert r.status_code == 201, r.text
    before = scan_all()
    wrong = {"request_key": rid(), "confirm": OTHER}
    r = call(stack, ADMIN, "POST", f"/registry/members/{HER}/erase", wrong)
    assert r.status_code == 400 and r.json()["Field"] == "confirm", r.text
    assert "党员编号" in r.json()["Message"]
    assert _lasting(scan_all()) == _lasting(before)
    her = Member.get(HER)
    assert not her.active and her.erased_at is None and her.name == NAME


def test_a_staff_reminder_naming_her_is_about_her(org) -> None:
    """诉求超时 (like 转接超时 and 党员发展到期) names her request to the staff: the message carries
    `about`, so the deletion finds and deletes it (checked after the deletion below)."""
    from chalicelib import reminder_defs, reminders, service_requests
    from chalicelib.models.notify import Message
    from chalicelib.models.service_requests import ServiceRequest

    late = clock.now() - 86400
    mine = [r for r in ServiceRequest.by_member.query(HER) if r.state in service_requests.OPEN]
    assert mine, "the demo gives her an open request"
    for r in mine:
        r.update(
            actions=[
                ServiceRequest.due_at.set(late),
                ServiceRequest.due_sort.set(service_requests._due_sort(late, r.request_id)),
            ]
        )
    out = reminders.run_one(reminder_defs.by_key("request_overdue"))
    assert out.created
    about = [Message.get(m.member_no, m.message_id) for m in Message.about_index.query(HER)]
    assert about and all(m.member_no != HER for m in about)
    assert any(r.text.replace("\n", " ")[:10] in m.body for m in about for r in mine)
    org["reminded"] = [(m.member_no, m.message_id) for m in about]


def test_the_deletion_resumes_and_leaves_nothing_personal(org, stack) -> None:
    _recompute()
    figures = _unit_figures()
    everything = json.dumps(scan_all(), ensure_ascii=False)
    for value in org["texts"]:
        assert value in everything, f"the test would not see {value!r}"
    key = uuid.uuid4().hex
    body = {"request_key": key, "confirm": HER}
    # A failure between two writes (the 6th of them), as a Lambda dying midway.
    done = {"n": 0}

    def fails_midway(write) -> None:
        if done["n"] == 5:
            raise RuntimeError("died between two writes")
        write()
        done["n"] += 1

    admin = Member.get(ADMIN)
    with pytest.raises(RuntimeError):
        personal_erase.erase(
            registry.caller_for(admin), admin, HER, dict(body), write_one=fails_midway
        )
    assert Member.get(HER).erased_at is None  # not done: the placeholder is the last write
    r = call(stack, ADMIN, "POST", f"/registry/members/{HER}/erase", body)
    assert r.status_code == 201, r.text
    answer = r.json()
    print(f"deletion: {answer['writes']} writes over {len(answer['tables'])} tables (after 5)")
    again = call(stack, ADMIN, "POST", f"/registry/members/{HER}/erase", body)
    assert again.status_code == 200 and again.json() == answer
    other = call(
        stack, ADMIN, "POST", f"/registry/members/{HER}/erase", {**body, "request_key": rid()}
    )
    assert other.status_code == 409 and "已删除" in other.json()["Message"]

    _recompute()
    left = scan_all()
    dump = {t: json.dumps(rows, ensure_ascii=False) for t, rows in left.items()}
    for value in org["texts"]:
        found = [t for t, text in dump.items() if value in text]
        assert found == [], f"{value!r} left in {found}"
    # Her number is kept only as the key of anonymised figures: no table the map deletes from
    # holds an item of hers.
    for place in personal_data.PLACES:
        if place.erase == "delete" and place.member:
            assert not [row for row in left[place.model.__name__] if _hers(row, place)], place.table
    tomb = Member.get(HER)
    assert tomb.name == personal_data.ERASED_NAME and tomb.phone is None and not tomb.active
    assert _unit_figures() == figures
    # The audit entry of the deletion names no personal data.

    entries = [e for e in left["AuditEntry"] if e.get("action") == "member_erase"]
    assert entries and all(e["target_name"] == personal_data.ERASED_NAME for e in entries)
    # The staff's 诉求超时 reminders that named her request are gone.
    from chalicelib.models.notify import Message

    assert org.get("reminded") and not list(Message.batch_get(org["reminded"]))


def test_the_operators_command(org, stack, capsys) -> None:
    """`make erase-member`: the same checks (an admin, a departed member), resumable by running
    it again, which then only says it was done."""
    from tools import erase_member

    assert erase_member.main([OTHER, "--by", SECRETARY]) == 1
    assert "管理员" in capsys.readouterr().err
    assert erase_member.main([OTHER, "--by", ADMIN]) == 1
    assert "停用" in capsys.readouterr().err
    r = call(stack, ADMIN, "POST", f"/registry/members/{OTHER}/deactivate", {"request_key": rid()})
    assert r.status_code == 201, r.text
    assert erase_member.main([OTHER, "--by", ADMIN]) == 0
    assert "已删除" in capsys.readouterr().out
    assert erase_member.main([OTHER, "--by", ADMIN]) == 0
    assert "此前已删除" in capsys.readouterr().out
    assert Member.get(OTHER).name == personal_data.ERASED_NAME


# --- the review's holes (issue 18): moves, imports, reruns, refusals, size ------------------

MOVER_NAME, MOVER_PHONE = "测迁甲乙丁", "13987650002"
MOVER_TEXT = "两次调动前的问卷简答戊己庚"


def _answer_surveys(stack, who: str, text: str) -> int:
    """Her answers to the open surveys of her units, a text wherever one is asked."""
    from chalicelib.models.surveys import Survey, SurveyAnswer

    now, done = clock.now(), 0
    for unit in registry.get_unit(Member.get(who).branch_id).path:
        for s in Survey.by_unit.query(unit):
            survey = Survey.get(s.survey_id)
            if survey.state != "published" or survey.closes_at < now:
                continue
            if list(SurveyAnswer.query(survey.survey_id, SurveyAnswer.member_no == who)):
                continue
            answers = {}
            for q in json.loads(survey.questions):
                kind = q["kind"]
                if kind == "text":
                    answers[q["id"]] = text
                elif kind in ("single", "multiple"):
                    first = q["options"][0]["id"]
                    answers[q["id"]] = first if kind == "single" else [first]
                elif kind == "rating":
                    answers[q["id"]] = q.get("max", 5)
            path = f"/surveys/{survey.survey_id}/answers"
            r = call(stack, who, "POST", path, {"answers": answers})
            done += r.status_code in (200, 201) and text in json.dumps(answers, ensure_ascii=False)
    return done


def _mover() -> Member:
    """An ordinary member of the demo's first branch, not one the tests above used."""
    for m in Member.by_branch.query("B0101"):
        if m.active and not m.roles and m.member_no not in (HER, OTHER, ADMIN, SECRETARY):
            return m
    raise AssertionError("the demo has no ordinary member left in B0101")


def _import_row(stack, who: str, member: Member, **changes: str) -> requests.Response:
    from tests.integration.test_registry_upkeep_api import MEMBER_HEADERS, _row_of, _upload

    up = {"kind": "members", "filename": "m.csv"}
    up["content"] = _upload([_row_of(member, **changes)], MEMBER_HEADERS)
    return call(stack, who, "POST", "/registry/import", {"request_key": rid(), **up, "apply": True})


def test_a_member_moved_twice_then_reimported(org, stack) -> None:
    """Her exam score and survey answer from before two moves, and the registry log of every
    branch she was in, are found; a console upload that named her keeps no name in its stored
    report; after the deletion a re-import naming her is refused (nothing written, she stays
    inactive), and a deletion whose placeholder was written over runs again to completion."""
    no = _mover().member_no
    Member(no).update(actions=[Member.name.set(MOVER_NAME), Member.phone.set(MOVER_PHONE)])
    directory.member_changed(Member.get(no))
    attempt = call(stack, no, "POST", "/quizzes/texam/attempt").json()["attempt"]
    r = call(stack, no, "POST", "/quizzes/texam/attempt/submit", {"attempt": attempt})
    assert r.status_code == 200, r.text
    assert _answer_surveys(stack, no, MOVER_TEXT), "no open survey with a text in B0101"
    r = _import_row(stack, ADMIN, Member.get(no), 学历="研究生")
    assert r.status_code == 201, r.text
    assert any(MOVER_NAME in line for line in r.json()["lines"])  # the live answer names her
    for branch in ("B0102", "B0201"):
        rev = int(Member.get(no, consistent_read=True).rev or 0)
        body = {"request_key": rid(), "rev": rev, "branch_id": branch}
        r = call(stack, ADMIN, "POST", f"/registry/members/{no}/move", body)
        assert r.status_code == 201, r.text
    r = call(stack, ADMIN, "POST", f"/registry/members/{no}/deactivate", {"request_key": rid()})
    assert r.status_code == 201, r.text
    r = call(
        stack, ADMIN, "POST", f"/registry/members/{no}/erase", {"request_key": rid(), "confirm": no}
    )
    assert r.status_code == 201, r.text
    stream_poller.drain()
    dump = {t: json.dumps(rows, ensure_ascii=False) for t, rows in scan_all().items()}
    for value in (MOVER_NAME, MOVER_PHONE, MOVER_TEXT):
        assert [t for t, text in dump.items() if value in text] == [], value
    from chalicelib.models.quizzes import QuizScore

    scores = [s for s in QuizScore.scan() if s.member_no == no]
    assert {s.unit_key.split("#", 1)[1] for s in scores} >= {"B0101", "G01"}
    assert all(s.name == personal_data.ERASED_NAME for s in scores)

    # A re-import naming her: refused at her row, nothing written, still the placeholder.
    # (Also a 支部书记's upload for OTHER, erased above in her own branch B0101.)
    for who, tomb in ((ADMIN, Member.get(no)), (SECRETARY, Member.get(OTHER))):
        r = _import_row(stack, who, tomb, 姓名=MOVER_NAME, 手机号=MOVER_PHONE)
        assert r.status_code == 400, (who, r.text)
        [error] = r.json()["Errors"]
        assert error["field"] == "党员编号" and "已按规定删除" in error["message"], error
        after = Member.get(tomb.member_no, consistent_read=True)
        assert after.name == personal_data.ERASED_NAME and after.phone is None
        assert not after.active
    again = call(
        stack, ADMIN, "POST", f"/registry/members/{no}/erase", {"request_key": rid(), "confirm": no}
    )
    assert again.status_code == 409 and "已删除" in again.json()["Message"]
    # Her name written back by some other path (an old tool): "done" is decided by what the
    # placeholder still holds, so the deletion runs again and completes.
    Member(no).update(actions=[Member.name.set(MOVER_NAME), Member.phone.set(MOVER_PHONE)])
    rerun = call(
        stack, ADMIN, "POST", f"/registry/members/{no}/erase", {"request_key": rid(), "confirm": no}
    )
    assert rerun.status_code == 201, rerun.text
    gone = Member.get(no, consistent_read=True)
    assert gone.name == personal_data.ERASED_NAME and gone.phone is None


def test_who_may_erase_learns_nothing_else(org, stack) -> None:
    """A caller who is not the 管理员 gets one answer for a real number and an unknown one; the
    console's member list offers the button (`can_erase`) only to the 管理员; the command
    refuses a departed admin."""
    from tools import erase_member

    answers = []
    for no in (OTHER, "19999999"):
        r = call(
            stack,
            SECRETARY,
            "POST",
            f"/registry/members/{no}/erase",
            {"request_key": rid(), "confirm": no},
        )
        answers.append((r.status_code, r.json()["Message"]))
    assert answers[0] == answers[1] and answers[0][0] == 403
    listed = {
        who: call(stack, who, "GET", "/registry/units/B0101/members").json()["can_erase"]
        for who in (ADMIN, SECRETARY)
    }
    assert listed == {ADMIN: True, SECRETARY: False}
    from tools.fixtures import make_member

    make_member("10009998", "B0101", name="离任管理员", roles=("admin",), active=False)
    assert erase_member.main([OTHER, "--by", "10009998"]) == 2


def test_a_download_with_many_messages_stays_bounded(org, stack, monkeypatch) -> None:
    """Her newest 500 messages, the rest counted and pointed to (the 消息 centre); UTF-8; and a
    whole still too large is cut until it fits, each cut said."""
    from chalicelib import outbox
    from chalicelib.models.notify import Message

    who = COMMITTEE
    with Message.batch_write() as batch:
        for i in range(my_data.MESSAGES + 100):
            batch.save(
                outbox.build(f"pd-many{i}", "system", who, "标题" * 20, "关于" * 85, "/me.html")
            )
    r = call(stack, who, "GET", "/me/data")
    assert r.status_code == 200 and "charset=utf-8" in r.headers["Content-Type"]
    assert b"\\u" not in r.content and len(r.content) < my_data.BUDGET
    data = r.json()
    messages = next(s for s in data["sections"] if s["label"] == "消息")
    assert len(messages["items"]) == my_data.MESSAGES
    assert messages["total"] >= my_data.MESSAGES + 100 and messages["omitted"] >= 100
    assert "消息" in messages["note"] and messages["note"] in data["notes"]
    assert {p["label"] for p in data["purposes"]} >= {"消息", "党员名册"}
    monkeypatch.setattr(my_data, "BUDGET", 60_000)
    small = my_data.collect(Member.get(who))
    size = len(json.dumps(small, ensure_ascii=False, separators=(",", ":")).encode())
    assert (
        size < 60_000 + 20_000
    )  # the budget bounds the sections; the notes and purposes add a few KB
    assert any("内容过多" in n for n in small["notes"])

"""Quizzes over HTTP (chalice local + DynamoDB Local) and in-process with frozen time: no answer
before submission, one submission however often it is sent, the exam's time limit on the server,
rankings and self-check summaries within scope."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
import requests

from chalicelib import clock, points_figures, quiz_reports, quizzes, registry
from chalicelib.errors import ConflictError, ForbiddenError
from chalicelib.models import Quiz, QuizAttempt
from chalicelib.quiz_grading import right_answer
from tests.quiz_factories import EXPLANATIONS, publish_test_quizzes
from tools.fixtures import bearer, make_member, make_tree
from tools.publish_quizzes import publish

pytestmark = pytest.mark.usefixtures("clean_tables")


@pytest.fixture
def setup(tmp_path):
    make_tree()
    publish_test_quizzes(tmp_path / "quizzes")


def api(stack, method: str, path: str, member, body=None) -> requests.Response:
    return requests.request(
        method, f"{stack.url}/api{path}", json=body, headers=bearer(member), timeout=30
    )


def key_for(member_no: str, quiz_id: str, attempt_id: str) -> dict[str, list]:
    """The right responses of an attempt as its member saw it (read from the server's tables)."""
    attempt = QuizAttempt.get(member_no, f"{quiz_id}#{attempt_id}", consistent_read=True)
    data = quizzes.questions([i["ref"] for i in attempt.items])
    return {
        str(i): right_answer(data[item["ref"]], quizzes.served_perm(attempt, i, data[item["ref"]]))
        for i, item in enumerate(attempt.items)
    }


def assert_no_answers(body: dict) -> None:
    text = json.dumps(body, ensure_ascii=False)
    for word in ('answer"', "correct", "explanation", "marks", "perm", "seed", "ref"):
        assert word not in text.replace('"answers"', ""), f"{word} in {text[:300]}"
    for explanation in EXPLANATIONS:
        assert explanation not in text
    assert body["result"] is None and body["review"] is None


@pytest.mark.parametrize("quiz_id", ["tdaily", "tchallenge", "texam", "tsurvey"])
def test_start_never_returns_answers(stack, setup, quiz_id):
    member = make_member("80000001", "B1", password=None)
    r = api(stack, "POST", f"/quizzes/{quiz_id}/attempt", member)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "open" and body["questions"]
    assert_no_answers(body)
    again = api(stack, "GET", f"/quizzes/{quiz_id}/attempt/current", member).json()
    assert_no_answers(again)
    assert again["questions"] == body["questions"]  # the resume shows the same attempt


def test_daily_quiz_same_five_all_day_points_once(stack, setup):
    member = make_member("80000002", "B1", password=None)
    first = api(stack, "POST", "/quizzes/tdaily/attempt", member).json()
    second = api(stack, "POST", "/quizzes/tdaily/attempt", member).json()
    assert first["attempt"] == second["attempt"] == f"d{clock.today().isoformat()}"
    assert [q["stem"] for q in first["questions"]] == [q["stem"] for q in second["questions"]]
    assert len(first["questions"]) == 5
    key = key_for(member.member_no, "tdaily", first["attempt"])
    wrong = {"0": [9]} if first["questions"][0]["type"] != "fill" else {"0": ["错的"]}
    r = api(
        stack,
        "POST",
        "/quizzes/tdaily/attempt/answer",
        member,
        {"attempt": first["attempt"], "index": 0, "response": wrong["0"]},
    )
    assert r.status_code in (200, 400)  # option 9 does not exist: refused, nothing saved
    answers = {k: v for k, v in key.items() if k != "0"}
    for odd in ({"00": key["1"]}, {"²": key["1"]}, {"9" * 5000: key["1"]}):
        refused = api(
            stack,
            "POST",
            "/quizzes/tdaily/attempt/submit",
            member,
            {"attempt": first["attempt"], "answers": odd},
        )
        assert refused.status_code == 400, refused.text
    done = api(
        stack,
        "POST",
        "/quizzes/tdaily/attempt/submit",
        member,
        {"attempt": first["attempt"], "answers": answers},
    )
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["status"] == "submitted"
    assert body["result"]["correct"] == 4 and body["result"]["points"] == 4
    assert [e["explanation"] for e in body["review"]]  # shown after submission
    assert body["review"][1]["answer"] == key["1"]
    again = api(
        stack, "POST", "/quizzes/tdaily/attempt/submit", member, {"attempt": first["attempt"]}
    )
    assert again.status_code == 409
    ledger = [e for e in points_figures.ledger(member.member_no) if e.rule == "daily_quiz"]
    assert [int(e.amount) for e in ledger] == [4]
    # Starting again the same day returns the submitted attempt, not a new one.
    assert api(stack, "POST", "/quizzes/tdaily/attempt", member).json()["status"] == "submitted"


def test_parallel_submissions_count_once(stack, setup):
    member = make_member("80000003", "B1", password=None)
    attempt = api(stack, "POST", "/quizzes/texam/attempt", member).json()["attempt"]
    key = key_for(member.member_no, "texam", attempt)

    def send(_):
        return api(
            stack,
            "POST",
            "/quizzes/texam/attempt/submit",
            member,
            {"attempt": attempt, "answers": key},
        ).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(send, range(8)))
    assert codes.count(200) == 1 and codes.count(409) == 7, codes
    ledger = [e for e in points_figures.ledger(member.member_no) if e.rule == "exam"]
    assert [int(e.amount) for e in ledger] == [10]
    stored = QuizAttempt.get(member.member_no, f"texam#{attempt}")
    assert stored.result["score"] == 100 and stored.result["passed"] is True


def test_bad_responses_are_refused_with_a_message(stack, setup):
    member = make_member("80000004", "B1", password=None)
    attempt = api(stack, "POST", "/quizzes/texam/attempt", member).json()
    for body, status in (
        ({"attempt": attempt["attempt"], "index": 99, "response": [0]}, 400),
        ({"attempt": attempt["attempt"], "index": 0, "response": "A"}, 400),
        ({"attempt": attempt["attempt"], "index": 0}, 400),
        ({"attempt": "n00009", "index": 0, "response": [0]}, 404),
        ({"attempt": "../x", "index": 0, "response": [0]}, 404),
    ):
        r = api(stack, "POST", "/quizzes/texam/attempt/answer", member, body)
        assert r.status_code == status, (body, r.text)
        assert r.json()["Message"]
    assert api(stack, "POST", "/quizzes/nope/attempt", member).status_code == 404


def freeze(monkeypatch, stamp: float) -> None:
    monkeypatch.setattr(clock, "now", lambda: stamp)


def test_exam_time_limit_is_the_servers(setup, monkeypatch):
    member = make_member("80000005", "B1", password=None)
    caller = registry.caller_for(member)
    t0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC).timestamp()
    freeze(monkeypatch, t0)
    view = quizzes.start(member, caller, "texam")
    assert view["deadline"] == t0 + 600
    key = key_for(member.member_no, "texam", view["attempt"])
    freeze(monkeypatch, t0 + 300)
    quizzes.answer(member, "texam", view["attempt"], 0, key["0"])
    quizzes.answer(member, "texam", view["attempt"], 1, key["1"])
    # Within the grace after the deadline an answer in transit still counts ...
    freeze(monkeypatch, t0 + 600 + quizzes.GRACE_SECONDS)
    quizzes.answer(member, "texam", view["attempt"], 2, key["2"])
    # ... later ones are refused, and the attempt is closed with what was answered.
    freeze(monkeypatch, t0 + 600 + quizzes.GRACE_SECONDS + 1)
    with pytest.raises(ConflictError, match="时间已到"):
        quizzes.answer(member, "texam", view["attempt"], 3, key["3"])
    stored = QuizAttempt.get(member.member_no, f"texam#{view['attempt']}", consistent_read=True)
    assert stored.status == "submitted" and stored.closed_by == "timeout"
    assert stored.result["correct"] == 3 and sorted(stored.answers.as_dict()) == ["0", "1", "2"]
    with pytest.raises(ConflictError):
        quizzes.submit(member, "texam", view["attempt"], {"3": key["3"]})


def _per_question(body: dict) -> bool:
    """Does a response say anything about single questions (marks, right answers, reasons)?"""
    return bool(body.get("review")) or "marks" in (body.get("result") or {})


def test_a_retakeable_exam_keeps_its_answers_until_it_closes(setup, monkeypatch):
    """Attempt 1's review must not be the key to attempt 2: not the answers, not even which
    questions were right (for a 判断题 that is the answer)."""
    member = make_member("80000009", "B1", password=None)
    caller = registry.caller_for(member)
    freeze(monkeypatch, datetime(2026, 11, 20, 2, 0, tzinfo=UTC).timestamp())
    view = quizzes.start(member, caller, "texam")
    key = key_for("80000009", "texam", view["attempt"])
    done = quizzes.submit(member, "texam", view["attempt"], {"0": key["0"]})
    assert done["status"] == "submitted" and done["result"]["correct"] == 1
    assert not _per_question(done)
    assert not _per_question(quizzes.current(member, "texam"))
    freeze(monkeypatch, datetime(2100, 1, 1, tzinfo=UTC).timestamp())  # the exam has closed
    later = quizzes.current(member, "texam")
    assert all("answer" in e and "explanation" in e and "correct" in e for e in later["review"])


def _set_attempts(quiz_id: str, attempts: int | None) -> None:
    quiz = Quiz.get(quiz_id)
    quiz.settings = {**quiz.settings, "attempts": attempts}
    quiz.save()


def test_attempts_added_later_hide_the_review_again(setup, monkeypatch):
    """A one-attempt exam shows its review; once staff allow more attempts (a make-up exam),
    that review would be the key to them: it is held again."""
    member = make_member("80000015", "B1", password=None)
    caller = registry.caller_for(member)
    freeze(monkeypatch, datetime(2026, 11, 20, 2, 0, tzinfo=UTC).timestamp())
    _set_attempts("texam", 1)
    first = quizzes.start(member, caller, "texam")
    assert _per_question(quizzes.submit(member, "texam", first["attempt"]))
    _set_attempts("texam", 3)
    assert not _per_question(quizzes.current(member, "texam"))
    _set_attempts("texam", None)  # no limit: held until the window closes
    assert not _per_question(quizzes.current(member, "texam"))


def test_the_last_attempt_shows_the_review_while_the_window_is_open(setup, monkeypatch):
    member = make_member("80000014", "B1", password=None)
    caller = registry.caller_for(member)
    freeze(monkeypatch, datetime(2026, 11, 20, 2, 0, tzinfo=UTC).timestamp())
    first = quizzes.start(member, caller, "texam")
    assert not _per_question(quizzes.submit(member, "texam", first["attempt"]))
    second = quizzes.start(member, caller, "texam")  # the second and last of two
    last = quizzes.submit(member, "texam", second["attempt"])
    assert last["review"] and "marks" in last["result"]


def test_an_expired_attempt_is_closed_by_the_next_request(setup, monkeypatch):
    member = make_member("80000006", "B1", password=None)
    caller = registry.caller_for(member)
    t0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC).timestamp()
    freeze(monkeypatch, t0)
    first = quizzes.start(member, caller, "texam")
    quizzes.answer(
        member, "texam", first["attempt"], 0, key_for("80000006", "texam", "n00001")["0"]
    )
    freeze(monkeypatch, t0 + 3600)
    resumed = quizzes.current(member, "texam")
    assert resumed["status"] == "submitted" and resumed["closed_by"] == "timeout"
    assert resumed["result"]["correct"] == 1
    second = quizzes.start(member, caller, "texam")  # two attempts allowed
    assert second["attempt"] == "n00002" and second["status"] == "open"
    quizzes.submit(member, "texam", "n00002")
    with pytest.raises(ConflictError, match="2 次"):
        quizzes.start(member, caller, "texam")


def test_exam_outside_its_window_or_scope(setup, monkeypatch):
    member = make_member("80000007", "B1", password=None)
    caller = registry.caller_for(member)
    freeze(monkeypatch, datetime(2019, 6, 1, tzinfo=UTC).timestamp())
    with pytest.raises(ConflictError, match="尚未开始"):
        quizzes.start(member, caller, "texam")
    monkeypatch.undo()
    with pytest.raises(ForbiddenError):
        quizzes.start(member, caller, "tscoped")  # only B3's members
    other = make_member("80000008", "B3", password=None)
    assert quizzes.start(other, registry.caller_for(other), "tscoped")["status"] == "open"
    assert "tscoped" not in [q["id"] for q in quiz_reports.hub(member, caller)["quizzes"]]


def test_challenge_ends_at_the_first_wrong_answer(stack, setup):
    member = make_member("80000009", "B1", password=None)
    view = api(stack, "POST", "/quizzes/tchallenge/attempt", member).json()
    assert len(view["questions"]) == 1 and view["total"] is None
    attempt = view["attempt"]
    key = key_for(member.member_no, "tchallenge", attempt)
    for i in range(3):
        r = api(
            stack,
            "POST",
            "/quizzes/tchallenge/attempt/answer",
            member,
            {"attempt": attempt, "index": i, "response": key[str(i)]},
        ).json()
        assert r["correct"] and r["streak"] == i + 1 and r["next"]["index"] == i + 1
        assert "answer" not in json.dumps(r["next"], ensure_ascii=False)
    # The same question answered twice counts once.
    replay = api(
        stack,
        "POST",
        "/quizzes/tchallenge/attempt/answer",
        member,
        {"attempt": attempt, "index": 2, "response": key["2"]},
    )
    assert replay.status_code == 409
    q3 = api(stack, "GET", "/quizzes/tchallenge/attempt/current", member).json()["questions"][3]
    wrong = (
        ["不对", "不对"][: q3["blanks"]]
        if q3["type"] == "fill"
        else ([i for i in range(len(q3["options"])) if [i] != key["3"]][:1])
    )
    end = api(
        stack,
        "POST",
        "/quizzes/tchallenge/attempt/answer",
        member,
        {"attempt": attempt, "index": 3, "response": wrong},
    ).json()
    assert end["correct"] is False and end["finished"] and end["result"]["streak"] == 3
    ledger = [e for e in points_figures.ledger(member.member_no) if e.rule == "challenge_quiz"]
    assert [int(e.amount) for e in ledger] == [3]
    again = api(stack, "POST", "/quizzes/tchallenge/attempt", member).json()
    assert again["attempt"] == "n00002" and again["status"] == "open"


def test_exam_ranking_within_scope(stack, setup):
    a = make_member("80000010", "B1", name="甲", password=None)
    b = make_member("80000011", "B1", name="乙", password=None)
    c = make_member("80000012", "B2", name="丙", password=None)
    secretary_b2 = make_member("80000013", "B2", roles=("branch_secretary",), password=None)
    for member, right in ((a, 7), (b, 3), (c, 5)):
        view = api(stack, "POST", "/quizzes/texam/attempt", member).json()
        key = key_for(member.member_no, "texam", view["attempt"])
        answers = {k: v for k, v in key.items() if int(k) < right}
        assert (
            api(
                stack,
                "POST",
                "/quizzes/texam/attempt/submit",
                member,
                {"attempt": view["attempt"], "answers": answers},
            ).status_code
            == 200
        )
    mine = api(stack, "GET", "/quizzes/texam/ranking", a).json()
    assert [e["name"] for e in mine["entries"]] == ["甲", "乙"] and mine["me"]["rank"] == 1
    general = api(stack, "GET", "/quizzes/texam/ranking?unit=G1", b).json()
    assert [(e["name"], e["branch"]) for e in general["entries"]] == [
        ("甲", "第一党支部"),
        ("丙", "第二党支部"),
        ("乙", "第一党支部"),
    ]
    assert general["me"]["rank"] == 3
    # Name and branch only: no member number (the login id) of anyone.
    text = api(stack, "GET", "/quizzes/texam/ranking?unit=G1", b).text
    assert not any(m.member_no in text for m in (a, b, c))
    # Beside her own branch: refused; the B2 secretary sees B2 only.
    assert api(stack, "GET", "/quizzes/texam/ranking?unit=B2", a).status_code == 403
    assert api(stack, "GET", "/quizzes/texam/ranking?unit=B1", secretary_b2).status_code == 403
    assert api(stack, "GET", "/quizzes/texam/ranking?unit=B2", secretary_b2).status_code == 200
    # An unknown unit is refused like one out of scope: nobody learns which ids exist.
    assert api(stack, "GET", "/quizzes/texam/ranking?unit=NOPE", a).status_code == 403


def test_self_check_branch_sees_counts_only(stack, setup):
    members = [make_member(f"8100000{i}", "B1", password=None) for i in range(4)]
    secretary = make_member("81000009", "B1", roles=("branch_secretary",), password=None)
    outsider = make_member("81000010", "B2", roles=("branch_secretary",), password=None)
    choices = [[0], [0], [2], [1]]
    for member, choice in zip(members, choices, strict=True):
        view = api(stack, "POST", "/quizzes/tsurvey/attempt", member).json()
        assert view["attempt"] == f"q{quizzes.quarter(clock.today())}"
        r = api(
            stack,
            "POST",
            "/quizzes/tsurvey/attempt/submit",
            member,
            {"attempt": view["attempt"], "answers": {"0": choice, "1": [0, 2]}},
        )
        assert r.status_code == 200, r.text
        if member is members[0]:
            summary = api(stack, "GET", "/quizzes/tsurvey/summary", secretary).json()
            assert summary["respondents"] == 1 and summary["shown"] is False
            assert all(o["count"] is None for q in summary["questions"] for o in q["options"])
    # A second submission of the same quarter counts nothing.
    again = api(
        stack,
        "POST",
        "/quizzes/tsurvey/attempt/submit",
        members[0],
        {"attempt": f"q{quizzes.quarter(clock.today())}"},
    )
    assert again.status_code == 409
    summary = api(stack, "GET", "/quizzes/tsurvey/summary", secretary).json()
    assert summary["respondents"] == 4 and summary["shown"] is True
    first = [o["count"] for o in summary["questions"][0]["options"]]
    assert first == [2, 1, 1]
    assert [o["count"] for o in summary["questions"][1]["options"]] == [4, 0, 4]
    text = json.dumps(summary, ensure_ascii=False)
    assert "8100000" not in text  # no member numbers, no individual answers
    # Members see only their own answers; other units' staff and plain members no summary.
    assert api(stack, "GET", "/quizzes/tsurvey/summary", members[1]).status_code == 403
    assert api(stack, "GET", "/quizzes/tsurvey/summary?unit=B1", outsider).status_code == 403
    history = api(stack, "GET", "/quizzes/tsurvey/attempts", members[2]).json()
    assert history["attempts"][0]["answers"][0]["chosen"] == ["差"]
    general = api(stack, "GET", "/quizzes/tsurvey/summary?unit=G1", outsider).status_code
    assert general == 403
    unknown = api(stack, "GET", "/quizzes/tsurvey/summary?unit=NOPE", secretary).status_code
    assert unknown == 403


def test_an_attempt_keeps_the_bank_version_and_order_it_was_served(tmp_path):
    make_tree()
    folder = tmp_path / "quizzes"
    publish_test_quizzes(folder)
    member = make_member("80000020", "B1", password=None)
    view = quizzes.start(member, registry.caller_for(member), "texam")
    stored = QuizAttempt.get(member.member_no, f"texam#{view['attempt']}")
    assert [len(i.get("perm", [])) for i in stored.items]  # the option order is stored
    key = key_for(member.member_no, "texam", view["attempt"])
    # The editor changes every answer of the bank and publishes it again.
    bank = (folder / "testexam.yaml").read_text(encoding="utf-8")
    (folder / "testexam.yaml").write_text(
        bank.replace("answer: B", "answer: A").replace("stem: 单选题一", "stem: 改过的题"),
        encoding="utf-8",
    )
    counts = publish(folder, units_file=None)
    assert counts["banks_written"] == 1 and counts["quizzes_written"] == 2  # the two exams
    again = quizzes.current(member, "texam")
    assert again["questions"] == view["questions"]
    done = quizzes.submit(member, "texam", view["attempt"], key)
    assert done["result"]["score"] == 100  # graded against the version it was served

"""The submit paths after they stopped re-reading what they wrote: an exam's award over several
attempts (the earlier ones found by their sort keys), a challenge ended by its member, parallel
first self-checks of a branch (its tally's counts map created once, no response lost), and an
expired attempt shown as the closing request wrote it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from chalicelib import clock, points_figures, quiz_reports, quizzes, registry
from chalicelib.models import Quiz, QuizTally
from tests.aws_units import billed
from tests.integration.test_quiz_api import key_for
from tests.integration.test_quiz_capacity import reads_of
from tests.quiz_factories import publish_test_quizzes
from tools.fixtures import make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")


@pytest.fixture
def setup(tmp_path):
    make_tree()
    publish_test_quizzes(tmp_path / "quizzes")


def _attempts(quiz_id: str, attempts: int | None) -> None:
    quiz = Quiz.get(quiz_id)
    quiz.settings = {**quiz.settings, "attempts": attempts}
    quiz.save()


def _exam_points(member_no: str) -> list[int]:
    return [int(e.amount) for e in points_figures.ledger(member_no) if e.rule == "exam"]


def test_exam_points_follow_the_best_of_all_attempts(setup):
    _attempts("texam", 4)
    member = make_member("82000001", "B1", password=None)
    caller = registry.caller_for(member)
    scores = []
    for right in (3, 7, 2, 5):  # of 7 questions: 43, 100, 29, 71
        attempt = quizzes.start(member, caller, "texam")["attempt"]
        key = key_for(member.member_no, "texam", attempt)
        done = quizzes.submit(
            member, "texam", attempt, {k: v for k, v in key.items() if int(k) < right}
        )
        scores.append((done["result"]["score"], done["result"]["points"]))
    assert scores == [(43, 4), (100, 6), (29, 0), (71, 0)]
    assert sorted(_exam_points(member.member_no)) == [4, 6]  # 10 in all: the best score's
    ranking = quiz_reports.ranking(member, caller, "texam", None)
    assert ranking["me"]["score"] == 100


def test_a_challenge_ended_by_its_member(setup):
    member = make_member("82000002", "B1", password=None)
    attempt = quizzes.start(member, registry.caller_for(member), "tchallenge")["attempt"]
    key = key_for(member.member_no, "tchallenge", attempt)
    for i in range(2):
        assert quizzes.answer(member, "tchallenge", attempt, i, key[str(i)])["correct"]
    with billed() as bill:
        done = quizzes.submit(member, "tchallenge", attempt)
    assert done["status"] == "submitted" and done["closed_by"] == "member"
    result = done["result"]
    assert result["marks"] == [1, 1] and result["streak"] == 2 and result["points"] == 2
    assert [e["index"] for e in done["review"]] == [0, 1]
    assert all(e["correct"] and "answer" in e for e in done["review"])
    assert len(done["questions"]) == 2
    assert reads_of(bill, "quiz-attempts") == 1 and reads_of(bill, "quiz-questions") == 1
    ledger = [e for e in points_figures.ledger(member.member_no) if e.rule == "challenge_quiz"]
    assert [int(e.amount) for e in ledger] == [2]


def test_parallel_first_self_checks_of_a_branch_all_count(setup):
    members = [make_member(f"8200010{i}", "B2", password=None) for i in range(6)]
    attempts = [quizzes.start(m, registry.caller_for(m), "tsurvey")["attempt"] for m in members]

    def send(n: int) -> str:
        return quizzes.submit(members[n], "tsurvey", attempts[n], {"0": [n % 3], "1": [1]})[
            "status"
        ]

    with ThreadPoolExecutor(max_workers=6) as pool:
        assert list(pool.map(send, range(6))) == ["submitted"] * 6
    tally = QuizTally.get(f"tsurvey#{quizzes.quarter(clock.today())}#B2")
    assert int(tally.respondents) == 6
    counts = tally.counts.as_dict()
    assert sum(int(v) for k, v in counts.items() if k.startswith("a1_")) == 6
    assert sum(int(v) for k, v in counts.items() if k.startswith("a2_")) == 6


def test_an_expired_attempt_submitted_is_shown_as_closed(setup, monkeypatch):
    member = make_member("82000003", "B1", password=None)
    t0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC).timestamp()
    monkeypatch.setattr(clock, "now", lambda: t0)
    attempt = quizzes.start(member, registry.caller_for(member), "texam")["attempt"]
    key = key_for(member.member_no, "texam", attempt)
    quizzes.answer(member, "texam", attempt, 0, key["0"])
    monkeypatch.setattr(clock, "now", lambda: t0 + 3600)
    with billed() as bill:
        done = quizzes.submit(member, "texam", attempt)
    assert done["status"] == "submitted" and done["closed_by"] == "timeout"
    assert done["result"]["correct"] == 1 and done["answers"] == {"0": key["0"]}
    assert reads_of(bill, "quiz-attempts") == 1 and reads_of(bill, "quiz-questions") == 1


def test_a_challenge_past_the_days_cap_says_it_earned_nothing(setup):
    """The day's challenge points are capped at 6: a result never claims points that were not
    credited (the page shows them, and toasts them)."""
    member = make_member("82000003", "B1", password=None)
    shown = []
    for streak in (4, 3, 2):  # 4 credited, then 2 of 3 (the cap), then none of 2
        attempt = quizzes.start(member, registry.caller_for(member), "tchallenge")["attempt"]
        key = key_for(member.member_no, "tchallenge", attempt)
        for i in range(streak):
            assert quizzes.answer(member, "tchallenge", attempt, i, key[str(i)])["correct"]
        done = quizzes.submit(member, "tchallenge", attempt)
        shown.append(done["result"]["points"])
        again = quizzes.current(member, "tchallenge")  # as a reload shows it
        assert again["result"]["points"] == shown[-1]
    ledger = [e for e in points_figures.ledger(member.member_no) if e.rule == "challenge_quiz"]
    assert sorted(int(e.amount) for e in ledger) == [2, 4]
    assert shown == [4, 2, 0]

"""今日学习's choice of the daily quiz (no tables): in the member's scope, open now, the first by
id, with her attempt of today read from the raw item the BatchGetItem returns."""

from __future__ import annotations

from chalicelib import clock, today
from chalicelib.models import QuizAttempt
from chalicelib.scope import Caller

B1 = Caller("77000001", ("C1", "G1", "B1"), ("committee", "general_branch", "branch"), ())


def quiz(quiz_id: str, **settings: object) -> dict:
    return {"id": quiz_id, "title": f"{quiz_id} 标题", "settings": {"count": 5, **settings}}


def raw_attempt(quiz_id: str, status: str, result: dict | None) -> dict:
    attempt = QuizAttempt(
        "77000001",
        f"{quiz_id}#d{clock.today().isoformat()}",
        quiz_id=quiz_id,
        quiz_version="v1",
        kind="daily",
        branch_id="B1",
        status=status,
        items=[],
        settings={},
        started_at=clock.now(),
        result=result,
    )
    return attempt.serialize()


def test_none_when_no_daily_quiz_is_hers() -> None:
    assert today._daily_quiz(B1, [], []) is None
    others = [quiz("b2-only", scope=["B2"]), quiz("closed", closes=clock.now() - 1)]
    assert today._daily_quiz(B1, [*others, quiz("later", opens=clock.now() + 60)], []) is None


def test_the_first_open_quiz_in_her_scope_with_her_attempt() -> None:
    quizzes = [quiz("z-daily"), quiz("a-other", scope=["B2"]), quiz("m-daily", scope=["G1"])]
    out = today._daily_quiz(B1, quizzes, [])
    assert out["id"] == "m-daily" and out["status"] is None and out["done"] is False
    attempts = [
        raw_attempt("z-daily", "submitted", {"correct": 5, "total": 5, "points": 5}),
        raw_attempt("m-daily", "submitted", {"correct": 2, "total": 5, "points": 2}),
    ]
    out = today._daily_quiz(B1, quizzes, attempts)
    assert (out["done"], out["correct"], out["total"], out["points"]) == (True, 2, 5, 2)
    started = today._daily_quiz(B1, quizzes, [raw_attempt("m-daily", "open", None)])
    assert started["status"] == "open" and started["done"] is False

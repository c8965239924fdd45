"""Grading, table-driven (tests/unit/quiz_grading_cases.yaml), the draw and the option shuffle."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from chalicelib import quizzes
from chalicelib.quiz_grading import (
    ResponseError,
    check_response,
    mark,
    normalise_text,
    right_answer,
)

CASES = yaml.safe_load((Path(__file__).with_name("quiz_grading_cases.yaml")).read_text("utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_recorded_responses_get_the_expected_mark(case):
    got = mark(case["question"], case["perm"], case["response"], case.get("scoring", "exact"))
    assert got == pytest.approx(case["mark"], abs=0.001)


def test_the_right_answer_is_given_as_the_member_saw_it():
    q = {"type": "multiple", "options": list("abcd"), "answer": [0, 2]}
    assert right_answer(q, [2, 3, 0, 1]) == [0, 2]
    assert right_answer(q, [1, 0, 3, 2]) == [1, 3]
    assert right_answer({"type": "fill", "answer": [["一年", "1年"]]}, []) == ["一年"]


def test_normalise_text():
    assert normalise_text("  １９２１ 年。") == "1921年"
    assert normalise_text("“党章”") == "党章"


@pytest.mark.parametrize(
    ("qtype", "response"),
    [
        ("single", [0, 1]),
        ("single", ["A"]),
        ("single", [4]),
        ("multiple", [1, 1]),
        ("fill", ["a", "b"]),
        ("fill", [1]),
        ("truefalse", [True]),
        ("fill", ["x" * 101]),
    ],
)
def test_responses_of_the_wrong_shape_are_refused(qtype, response):
    with pytest.raises(ResponseError):
        check_response(qtype, 4, 1, response)


def test_the_daily_draw_is_the_same_all_day_and_differs_between_members_and_days():
    pool = [f"b@v/q{i}" for i in range(30)]
    one = quizzes.draw(pool, 5, quizzes.daily_seed("daily", "10000009", "2026-11-22"), True)
    assert one == quizzes.draw(pool, 5, quizzes.daily_seed("daily", "10000009", "2026-11-22"), True)
    assert len(set(one)) == 5 and set(one) <= set(pool)
    other_member = quizzes.draw(
        pool, 5, quizzes.daily_seed("daily", "10000001", "2026-11-22"), True
    )
    next_day = quizzes.draw(pool, 5, quizzes.daily_seed("daily", "10000009", "2026-11-23"), True)
    assert one != other_member and one != next_day
    assert quizzes.draw(pool, 5, "x", False) == pool[:5]
    assert (
        quizzes.draw(pool[:3], 5, "x", True) != []
        and len(quizzes.draw(pool[:3], 5, "x", True)) == 3
    )


def test_option_shuffle_is_a_permutation_seeded_per_attempt_and_question():
    perms = {tuple(quizzes.option_perm(f"seed{i}", 0, 4, True)) for i in range(40)}
    assert len(perms) > 5 and all(sorted(p) == [0, 1, 2, 3] for p in perms)
    assert quizzes.option_perm("s", 1, 4, True) == quizzes.option_perm("s", 1, 4, True)
    assert quizzes.option_perm("s", 1, 4, False) == [0, 1, 2, 3]


def test_quarters():
    from datetime import date

    assert quizzes.quarter(date(2026, 1, 1)) == "2026Q1"
    assert quizzes.quarter(date(2026, 12, 31)) == "2026Q4"

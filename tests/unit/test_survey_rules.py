"""问卷's pure rules: the questionnaire's validation (messages naming the question), answers
checked against frozen questions, the tallies, and small-group protection with its secondary
suppression (the overall figures minus the shown groups must not give a hidden group away)."""

from __future__ import annotations

import pytest

from chalicelib import survey_results, surveys
from chalicelib.errors import BadRequestError

QS = surveys.normalise_questions(
    [
        {"kind": "single", "text": "评价", "options": ["好", "中", "差"]},
        {"kind": "multiple", "text": "形式", "options": ["讲座", "参观", "微课"], "max": 2},
        {"kind": "rating", "text": "打分"},
        {"kind": "text", "text": "建议"},
    ]
)


def test_questions_get_ids_and_defaults():
    assert [q["id"] for q in QS] == ["q1", "q2", "q3", "q4"]
    assert QS[1]["min"] == 1 and QS[1]["max"] == 2
    assert [q["required"] for q in QS] == [True, True, True, False]
    assert QS[0]["options"][2] == {"id": "o3", "text": "差"}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([{"kind": "single", "text": "a", "options": ["x", " x "]}], "第1题：选项不能重复"),
        (
            [{"kind": "multiple", "text": "a", "options": ["x", "y"], "min": True}],
            "第1题：最少选择数",
        ),
        ([{"kind": "text", "text": "a\u0085b\u200d"}], "第1题：题目含有不可见的控制字符"),
    ],
)
def test_bad_questions_name_the_question(raw, message):
    with pytest.raises(BadRequestError) as caught:
        surveys.normalise_questions(raw)
    assert message in caught.value.message


def test_answers_are_normalised():
    got = surveys.check_answers(QS, {"q1": "o2", "q2": ["o3", "o1"], "q3": 5, "q4": "  好👍 "})
    assert got == {"q1": "o2", "q2": ["o1", "o3"], "q3": 5, "q4": "好👍"}
    assert surveys.check_answers(QS, {"q1": "o1", "q2": ["o1"], "q3": 1, "q4": "   "}) == {
        "q1": "o1",
        "q2": ["o1"],
        "q3": 1,
    }


@pytest.mark.parametrize(
    ("groups", "hidden"),
    [
        ({"A": 5, "B": 4}, set()),
        ({"A": 5, "B": 2}, {"A", "B"}),  # B alone would be overall − A
        ({"A": 5, "B": 4, "C": 1}, {"B", "C"}),  # the next smallest hides with C
        ({"A": 5, "B": 1, "C": 2}, {"B", "C"}),  # together 3: enough
        ({"A": 3, "B": 0}, {"B"}),  # an empty group says nothing
        ({"A": 2}, {"A"}),
    ],
)
def test_protection_and_secondary_suppression(groups, hidden):
    assert survey_results._protect(groups) == hidden


def test_protect_threshold_is_one_constant():
    assert survey_results.MIN_GROUP == 3
    assert survey_results._protect({"A": survey_results.MIN_GROUP - 1, "B": 9}) == {"A", "B"}


def test_tally_counts_average_and_texts():
    rows = [
        {"q1": "o1", "q2": ["o1", "o2"], "q3": 5, "q4": "乙"},
        {"q1": "o1", "q2": ["o2"], "q3": 4, "q4": "甲"},
        {"q1": "o3", "q2": ["o2"], "q3": 4},
    ]
    q1, q2, q3, q4 = survey_results.tally(QS, rows, texts=True)
    assert [o["count"] for o in q1["options"]] == [2, 0, 1]
    assert [o["count"] for o in q2["options"]] == [1, 3, 0]
    assert q3["distribution"] == [0, 0, 0, 2, 1] and q3["average"] == 4.33
    assert q4 == {"id": "q4", "answered": 2, "protected": False, "texts": sorted(["乙", "甲"])}
    # in a group not even how many wrote a text: that would place the texts in groups
    assert survey_results.tally(QS, rows, texts=False)[3] == {
        "id": "q4",
        "answered": None,
        "protected": False,
    }


def test_phase_at_its_boundaries(monkeypatch):
    from chalicelib import clock
    from chalicelib.models.surveys import Survey

    opens = surveys.parse_local("2027-03-01 09:00", "开始时间")
    closes = surveys.parse_local("2027-03-10 18:00", "截止时间")
    s = Survey("sv_" + "0" * 24, state="published", opens_at=opens, closes_at=closes)
    for at, want in (
        (opens - 1, "upcoming"),
        (opens, "open"),
        (closes - 1, "open"),
        (closes, "ended"),
    ):
        monkeypatch.setattr(clock, "now", lambda at=at: at)
        assert surveys.phase(s) == want
    s.state = "closed"
    monkeypatch.setattr(clock, "now", lambda: opens + 60)
    assert surveys.phase(s) == "ended"
    assert surveys.local_label(opens) == "2027-03-01 09:00"  # Beijing, whatever the host's zone


def test_times_refuse_the_past_with_a_frozen_clock(monkeypatch):
    from chalicelib import clock

    now = surveys.parse_local("2027-03-01 09:00:00"[:16], "x") + 30  # 09:00:30 Beijing
    monkeypatch.setattr(clock, "now", lambda: now)
    assert surveys._times({"opens_at": "2027-03-01 09:00", "closes_at": "2027-03-01 09:01"})
    with pytest.raises(BadRequestError, match="开始时间不能早于现在"):
        surveys._times({"opens_at": "2027-03-01 08:59", "closes_at": "2027-03-02 09:00"})
    with pytest.raises(BadRequestError, match="截止时间须晚于现在"):
        surveys._times({"closes_at": "2027-03-01 09:00"})


def test_question_suppression_per_group():
    """A question fewer than MIN_GROUP answered in a group is hidden there, and the next
    smallest shown group hides it too; a question hidden overall is hidden in every group."""
    qs = [{"id": "q1", "kind": "rating"}, {"id": "q2", "kind": "rating"}]
    by_group = {
        "A": [{"q1": 1, "q2": 2}, {"q1": 2}, {"q1": 3}],
        "B": [{"q1": 4, "q2": 5}] * 4,
        "C": [{"q1": 5, "q2": 5}] * 5,
    }
    hide = survey_results._question_suppression(qs, by_group, set(), set())
    assert hide == {"A": {"q2"}, "B": {"q2"}, "C": set()}
    hide = survey_results._question_suppression(qs, by_group, set(), {"q1"})
    assert hide == {"A": {"q1", "q2"}, "B": {"q1", "q2"}, "C": {"q1"}}

"""考核评价's pure rules: the ranking (competition ranks, small branches not ranked), the 红黑榜
(ties at a list's end whole or not at all, never more than half, nobody on both) and the 约谈
rule (on the 黑榜 each of the last three months, not two, not three with a gap); the member
score's parts and caps."""

from __future__ import annotations

from dataclasses import replace

from chalicelib import assessment, assessment_rules

RULES = replace(assessment_rules.load(), ranking_size=2, talk_months=3, min_members=3)


def _branches(scores: dict[str, float], members: int = 10) -> list[dict]:
    return [{"id": b, "score": s, "members": members} for b, s in scores.items()]


def test_competition_ranks_and_small_branches_left_out():
    rows = _branches({"A": 90, "B": 80, "C": 80, "D": 70})
    rows.append({"id": "S", "score": 99, "members": 2})  # too small to compare
    ranked = assessment.rank(RULES, rows)
    assert [(r["id"], r["rank"]) for r in ranked] == [("A", 1), ("B", 2), ("C", 2), ("D", 4)]


def test_a_tie_at_the_end_of_a_list_goes_on_whole_or_not_at_all():
    ranked = assessment.rank(
        RULES, _branches({"A": 90, "B": 80, "C": 80, "D": 70, "E": 60, "F": 50})
    )
    red, black = assessment.red_black_lists(RULES, ranked)
    assert red == ["A", "B", "C"]  # B and C tie at the end: both on
    assert black == ["F", "E"]
    # Four tied at the end of a list of six would pass half the branches: left out whole.
    ranked = assessment.rank(
        RULES, _branches({"A": 90, "B": 80, "C": 80, "D": 80, "E": 80, "F": 50})
    )
    red, black = assessment.red_black_lists(RULES, ranked)
    assert red == ["A"] and "B" not in black and black == ["F"]


def test_nobody_on_both_lists_and_equal_scores_make_no_lists():
    ranked = assessment.rank(RULES, _branches({"A": 80, "B": 80, "C": 80, "D": 80}))
    red, black = assessment.red_black_lists(RULES, ranked)
    assert black == [] and set(red).isdisjoint(black)
    ranked = assessment.rank(RULES, _branches({"A": 80, "B": 70}))
    red, black = assessment.red_black_lists(RULES, ranked)
    assert red == ["A"] and black == ["B"]  # two branches: one each at most (half)


def test_talk_after_three_months_running_on_the_black_list():
    assert assessment.talks(RULES, [["X", "Y"], ["X"], ["X", "Y"]]) == ["X"]
    assert assessment.talks(RULES, [["X"], ["X"]]) == []  # two months only
    assert assessment.talks(RULES, [["X"], [], ["X"], ["X"]]) == []  # a gap breaks the run
    assert assessment.talks(RULES, [["X"], ["X"], ["X"], ["X"]]) == ["X"]
    one = replace(RULES, talk_months=1)
    assert assessment.talks(one, [["Z"]]) == ["Z"]


def test_the_member_score_keeps_the_base_within_bounds_and_caps_each_item():
    nothing = assessment.member_score(RULES, {})
    assert nothing == {
        "score": 100.0,
        "base": 100.0,
        "bonus": 0.0,
        "items": dict.fromkeys([i.key for i in RULES.member], 0.0),
    }
    bad = assessment.member_score(RULES, {"meetings_absent": 50, "dues_unpaid_months": 50})
    assert bad["items"]["absent"] == -30 and bad["base"] == 40.0 and bad["score"] == 40.0
    busy = assessment.member_score(RULES, {"study_points": 10_000, "volunteer_hours": 3.5})
    assert busy["items"]["study"] == 20 and busy["items"]["volunteer"] == 3.5
    assert busy["score"] == 123.5


def test_measures_from_rows():
    lines = [
        assessment.Line("2026-11-02", "article_read", 1),
        assessment.Line("2026-11-02", "daily_quiz", 3),
        assessment.Line("2026-11-02", "exam", 8),  # same day: one quiz day
        assessment.Line("2026-11-03", "comment", -1),  # a reversal
        assessment.Line("2026-11-03", "daily_login", 1),  # not study
        assessment.Line("2026-11-04", "volunteer_service", 5),
    ]
    rows = [assessment.Presence(True, False), assessment.Presence(False, True)]
    dues = [
        assessment.DuesRow("2026-10", 1000, 1000),
        assessment.DuesRow("2026-11", 1000, 400),  # this month: not yet unpaid
        assessment.DuesRow("2026-09", None, 0),  # 未核定
        assessment.DuesRow("2026-08", 1000, 0),
    ]
    got = assessment.member_measures(lines, rows, dues, "2026-11")
    assert got["study_points"] == 11 and got["quiz_days"] == 1
    assert got["volunteer_hours"] == 2.5
    assert (got["meetings_attended"], got["meetings_absent"]) == (1, 1)
    assert (got["dues_paid_months"], got["dues_unpaid_months"]) == (1, 1)
    assert (got["dues_expected_fen"], got["dues_collected_fen"]) == (3000, 1400)


def test_talks_count_the_bottom_positions_with_ties_whole():
    """Seed 004 「连续三个月排名在后 N 名」: the last N positions, not who made the capped
    黑榜 — four branches tied at the bottom of seven are too many for the 黑榜 (more than
    half) yet every one of them ranks in the last three positions."""
    three = replace(RULES, ranking_size=3)
    ranked = assessment.rank(
        three, _branches({"A": 95, "B": 90, "C": 85, "D": 40, "E": 40, "F": 40, "G": 40})
    )
    _, black = assessment.red_black_lists(three, ranked)
    assert black == []  # the 黑榜's display rule is unchanged
    last = assessment.bottom(three, ranked)
    assert sorted(last) == ["D", "E", "F", "G"]
    assert assessment.talks(three, [last, last, last]) == ["D", "E", "F", "G"]
    # A tie across the boundary counts whole; one just above it does not.
    ranked = assessment.rank(RULES, _branches({"A": 90, "B": 80, "C": 70, "D": 60, "E": 60}))
    assert sorted(assessment.bottom(RULES, ranked)) == ["D", "E"]
    ranked = assessment.rank(RULES, _branches({"A": 90, "B": 80, "C": 70, "D": 70, "E": 60}))
    assert sorted(assessment.bottom(RULES, ranked)) == ["C", "D", "E"]
    # Everyone equal: nobody is behind; one branch alone is not compared.
    ranked = assessment.rank(RULES, _branches({"A": 80, "B": 80, "C": 80, "D": 80}))
    assert assessment.bottom(RULES, ranked) == []
    assert assessment.bottom(RULES, assessment.rank(RULES, _branches({"A": 1}))) == []
    # Never more positions than half the ranked branches: two of five, not three.
    ranked = assessment.rank(three, _branches({"A": 90, "B": 80, "C": 70, "D": 60, "E": 50}))
    assert sorted(assessment.bottom(three, ranked)) == ["D", "E"]

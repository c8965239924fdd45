"""The 红黑榜 rules on small organisations (ranking.red_black): no branch on both lists, no
branch without points on the 红榜, nothing on the 黑榜 when nobody did better, ties kept whole."""

from __future__ import annotations

from chalicelib.leaderboards import rank
from chalicelib.ranking import red_black


def _lists(points: dict[str, float], size: int = 2) -> tuple[list[str], list[str]]:
    ranked = rank([{"id": k, "name": k, "points": v} for k, v in points.items()])
    red, black = red_black(ranked, size)
    return [e["id"] for e in red], [e["id"] for e in black]


def test_a_month_without_points_has_empty_lists():
    assert _lists({"a": 0, "b": 0, "c": 0, "d": 0}) == ([], [])


def test_no_branch_without_points_on_the_red_list():
    red, black = _lists({"a": 3, "b": 1, "c": 0, "d": 0, "e": 0, "f": 0})
    assert red == ["a", "b"]
    assert black == []  # four tied at 0 would pass half (3): left out whole
    red, black = _lists({"a": 3, "b": 0, "c": 0, "d": 1, "e": 2, "f": 2})
    assert red == ["a", "e", "f"] and black == ["b", "c"]


def test_ties_at_the_end_of_a_list_go_together_or_not_at_all():
    # Two places on each list, ten branches: b and c tie for second, both are on the 红榜.
    pts = {"a": 9, "b": 7, "c": 7, "d": 5, "e": 5, "f": 4, "g": 3, "h": 2, "i": 1, "j": 1}
    red, black = _lists(pts)
    assert red == ["a", "b", "c"]
    assert black == ["i", "j"]  # both at 1: tied for last
    ranked = rank([{"id": k, "name": k, "points": v} for k, v in pts.items()])
    by_id = {e["id"]: e for e in ranked}
    assert by_id["b"]["rank"] == by_id["c"]["rank"] == 2  # ties share their rank


def test_a_tie_that_would_pass_half_the_branches_is_left_out():
    # Four branches, at most two a list: the 0-point tie of three cannot fit on the 黑榜.
    red, black = _lists({"a": 5, "b": 0, "c": 0, "d": 0}, size=2)
    assert red == ["a"] and black == []


def test_no_branch_is_on_both_lists_however_small_the_organisation():
    for pts in ({"a": 1}, {"a": 2, "b": 1}, {"a": 2, "b": 2}, {"a": 3, "b": 2, "c": 1}):
        red, black = _lists(pts, size=5)
        assert not set(red) & set(black), pts
        assert len(red) <= len(pts) // 2 and len(black) <= len(pts) // 2

"""Pure rules of 组织关系转接: which roles a moved member keeps, where the ranking job counts a
moved member's figures (her former branch for the closed periods before the move), and the
overdue boundary (day 30 in time, day 31 not)."""

from __future__ import annotations

from datetime import date, datetime

from chalicelib import clock, ranking, transfers
from chalicelib.models import OrgUnit
from chalicelib.models.transfers import Transfer


def unit(uid: str, path: list[str], kinds: list[str]) -> OrgUnit:
    return OrgUnit(uid, name=uid, kind=kinds[-1], path=path, path_kinds=kinds)


B1 = unit("B1", ["C1", "G1", "B1"], ["committee", "general_branch", "branch"])
B2 = unit("B2", ["C1", "G1", "B2"], ["committee", "general_branch", "branch"])
B3 = unit("B3", ["C1", "B3"], ["committee", "branch"])


def test_roles_kept_only_where_they_still_apply_to_the_same_unit():
    roles = ["branch_secretary", "general_branch_committee", "party_committee", "admin"]
    assert transfers.kept_roles(roles, B1, B2) == [
        "general_branch_committee",
        "party_committee",
        "admin",
    ]
    assert transfers.kept_roles(roles, B1, B3) == ["party_committee", "admin"]
    assert transfers.kept_roles(["branch_committee"], B1, B2) == []


def test_placements_keep_closed_periods_on_the_former_branch():
    periods = ranking.periods_for(date(2026, 12, 2))
    moved = ranking.Person("1", "甲", "B2", True, "B1", "2026-12")
    assert ranking.placements(moved, periods) == [
        ("B1", frozenset({"m2026-11"})),
        ("B2", frozenset(periods.keys - {"m2026-11"})),
    ]
    # The month after: nothing closed before the move is shown any more.
    later = ranking.periods_for(date(2027, 1, 5))
    assert ranking.placements(moved, later) == [("B2", None)]
    # Moved in January: December and last year stay with the former branch.
    january = ranking.Person("5", "己", "B2", True, "B1", "2027-01")
    assert ranking.placements(january, later)[0] == ("B1", frozenset({"m2026-12", "y2026"}))
    out = ranking.Person("2", "乙", "B1", False, "B1", "2026-12")
    assert ranking.placements(out, periods) == [("B1", frozenset({"m2026-11"}))]
    assert ranking.placements(ranking.Person("3", "丙", "B1"), periods) == [("B1", None)]
    assert ranking.placements(ranking.Person("4", "丁", "B1", False), periods) == []


def test_a_moved_members_rows_count_once_per_period():
    periods = ranking.periods_for(date(2026, 12, 2))
    figs = {"m2026-11": 40, "m2026-12": 7, "y2026": 47, "total": 47}
    moved = ranking.Person("1", "甲", "B2", True, "B1", "2026-12")
    rows = {h: ranking.row_for(moved, figs, keys) for h, keys in ranking.placements(moved, periods)}
    assert rows["B1"][2] == {"m2026-11": 40}
    assert rows["B2"][2] == {"m2026-12": 7, "y2026": 47, "total": 47}
    old = ranking.holder_sums([rows["B1"], ["9", "戊", {"m2026-11": 2}]], periods)
    assert (ranking._heads(old, "m2026-11"), ranking._heads(old, "m2026-12")) == (2, 1)
    b1 = ranking.Unit("B1", "B1", "branch", ("C1", "B1"), 0)
    board = ranking.branch_boards(b1, [rows["B1"], ["9", "戊", {}]], periods)
    assert [e["id"] for e in board["branch#B1#m2026-11"]["entries"]] == ["1", "9"]
    assert [e["id"] for e in board["branch#B1#m2026-12"]["entries"]] == ["9"]


def test_overdue_boundary():
    start = datetime(2026, 11, 1, 23, 50, tzinfo=clock.TZ).timestamp()
    t = Transfer("tr_x", kind="internal", state="pending", started_at=start)
    assert not transfers.is_overdue(t, date(2026, 12, 1), 30)  # day 30
    assert transfers.is_overdue(t, date(2026, 12, 2), 30)  # day 31
    t.state = "done"
    assert not transfers.is_overdue(t, date(2027, 1, 1), 30)

"""Every figure a member sees is the sum of its ledger lines, also after reversals: today ≤ month
≤ year ≤ all time for non-negative activity, and each equal to the ledger (in-process, with the
day moved by hand)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime

import pytest

from chalicelib import clock, comments, points, points_figures
from infra import stream_poller
from tools.fixtures import make_item, make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")
# Days in the future: the day counters of past days may be removed by TTL.
NEXT = date.today().year + 1


@pytest.fixture
def day(monkeypatch: pytest.MonkeyPatch):
    """`day(date)` sets the server's clock to 10:00 Beijing time on that day."""
    stamp = [0.0]
    monkeypatch.setattr(clock, "now", lambda: stamp[0])

    def move(d: date, seconds: int = 0) -> None:
        # Days pass: the stream aggregator has applied what came before (within seconds in
        # AWS). Within a day the figures are checked before it runs (see _check).
        stream_poller.drain()
        stamp[0] = datetime(d.year, d.month, d.day, 2, 0, tzinfo=UTC).timestamp() + seconds

    return move


def _ledger(member_no: str) -> dict[str, int]:
    """The sums a member's figures must equal, straight from the ledger lines."""
    today = clock.today()
    sums: dict[str, int] = defaultdict(int)
    for e in points_figures.ledger(member_no):
        d = date.fromisoformat(e.day)
        amount = int(e.amount)
        sums["all"] += amount
        if d.year == today.year:
            sums["year"] += amount
            if d.month == today.month:
                sums["month"] += amount
                if d == today:
                    sums["today"] += amount
                    sums[f"today:{e.rule}"] += amount
    return sums


def _check(member_no: str) -> dict:
    """The figures equal the ledger before the aggregator applies the latest lines, and after."""
    ledger = _ledger(member_no)
    for settled in (False, True):
        if settled:
            stream_poller.drain()
        figures = points_figures.totals(member_no)
        for name in ("today", "month", "year", "all"):
            assert figures[name] == ledger[name], (settled, name, figures[name], ledger[name])
        for rule in figures["rules"]:
            assert rule["today"] == ledger[f"today:{rule['key']}"], rule
    return figures


def test_a_hidden_comment_leaves_every_figure_equal_to_its_ledger(day):
    make_tree()
    author = make_member("74000001", "B1", password=None)
    reviewer = make_member("74000002", "B1", roles=("branch_secretary",), password=None)
    make_item("a1")
    day(date(NEXT, 11, 30))
    points.award("74000001", "article_read", "x1")
    posted = comments.post(author, "a1", "今天学习了支部工作条例。", "req-0000-0001")
    assert posted["award"] == {"rule": "comment", "points": 1}
    _check("74000001")
    day(date(NEXT, 12, 1))  # next day, next month: the reviewer hides yesterday's comment
    points.award("74000001", "daily_login", "login")
    comments.decide(reviewer, "a1", posted["id"], "hide", "离题")
    figures = _check("74000001")
    assert (figures["today"], figures["month"], figures["all"]) == (0, 0, 2)
    # The same day: a comment posted and hidden today leaves today's figure at the login point.
    again = comments.post(author, "a1", "再谈一点体会，学以致用。", "req-0000-0002")
    assert again["award"] is not None
    comments.decide(reviewer, "a1", again["id"], "hide", "重复")
    figures = _check("74000001")
    assert figures["today"] == 0  # +1 login +1 comment −1 yesterday's −1 today's
    comment_rule = next(r for r in figures["rules"] if r["key"] == "comment")
    assert comment_rule["cap_used"] == 1  # a reversal does not give the daily cap back


def test_figures_stay_ordered_for_non_negative_activity(day):
    make_tree()
    make_member("74000003", "B1", password=None)
    for n, d in enumerate((date(NEXT, 12, 31), date(NEXT + 1, 1, 5), date(NEXT + 1, 1, 6))):
        day(d)
        points.award("74000003", "article_read", f"y{n}")
        points.award("74000003", "daily_login", "login")
        figures = _check("74000003")
        assert figures["today"] <= figures["month"] <= figures["year"] <= figures["all"]


def test_a_restored_comment_earns_its_point_again_once(day):
    make_tree()
    author = make_member("74000004", "B1", password=None)
    reviewer = make_member("74000005", "B1", roles=("branch_secretary",), password=None)
    make_item("a2")
    day(date(NEXT, 6, 1))
    posted = comments.post(author, "a2", "学习心得：踏踏实实做好本职工作。", "req-0000-0009")
    day(date(NEXT, 6, 1), 60)
    comments.decide(reviewer, "a2", posted["id"], "hide", "待核实")
    assert _check("74000004")["all"] == 0
    day(date(NEXT, 6, 1), 120)
    comments.decide(reviewer, "a2", posted["id"], "restore")
    assert _check("74000004")["all"] == 1  # visible again: its point again
    day(date(NEXT, 6, 1), 180)
    comments.decide(reviewer, "a2", posted["id"], "hide", "再次核实")
    day(date(NEXT, 6, 1), 240)
    comments.decide(reviewer, "a2", posted["id"], "restore")
    # The day's comment cap (2) was used by the first two rounds: nothing more today.
    assert _check("74000004")["all"] == 0
    day(date(NEXT, 6, 2))
    comments.decide(reviewer, "a2", posted["id"], "hide", "第三次核实")
    day(date(NEXT, 6, 2), 60)
    comments.decide(reviewer, "a2", posted["id"], "restore")
    assert _check("74000004")["all"] == 1  # never more than one point at a time

"""Holes found in review of issue 11 §1 (the new write paths). Each test FAILS on the code it was
written against and names the guarantee it breaks; see the review report for the fix.

Frozen clocks use dates in the future (2027–2028) so TTLs never remove what a test wrote.
"""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib import comment_limits, comments, points, points_figures, points_ledger
from chalicelib.models import Comment, PointTotal
from infra import stream_poller
from tools.fixtures import make_item, make_member, make_tree, rid

pytestmark = pytest.mark.usefixtures("clean_tables")


def _ledger_sum(member_no: str) -> int:
    return sum(ln.amount for ln in points_figures.ledger(member_no))


def _member(no: str) -> None:
    make_tree()
    make_member(no, "B1", password=None)


# --- the aggregator and 我的党建 ---------------------------------------------------------------


def test_a_line_on_a_closed_day_is_refused_and_every_figure_stays_its_ledger(at):
    """A late award dated days back (a daily quiz attempt closed by timeout days later settles on
    the attempt's day) used to land on a day the aggregator had let go of and be counted twice,
    and to be missing from 我的党建 until the stream ran. Days older than yesterday are closed:
    the award is refused, and every figure stays the sum of the ledger, at once and after."""
    _member("79000001")
    at("2027-03-01T02:00:00")
    points.award("79000001", "daily_quiz", "dq-d2027-03-01", amount=3, day=date(2027, 3, 1))
    stream_poller.drain()
    at("2027-03-10T02:00:00")
    points.award("79000001", "article_read", "a1")
    late = points.award("79000001", "daily_quiz", "dq2-d2027-03-01", amount=2, day=date(2027, 3, 1))
    assert late is None
    assert points_figures.totals("79000001")["year"] == _ledger_sum("79000001") == 4
    stream_poller.drain()
    assert int(PointTotal.get("79000001", "y2027").points) == 4
    assert points_figures.totals("79000001")["year"] == 4
    # Yesterday is still open (a quiz started before midnight, submitted after it).
    got = points.award("79000001", "daily_quiz", "dq-d2027-03-09", amount=2, day=date(2027, 3, 9))
    assert got is not None and got.day == "2027-03-09"
    assert points_figures.totals("79000001")["year"] == _ledger_sum("79000001") == 6


def test_all_time_carried_goes_stale_when_a_late_line_lands_on_last_year(at):
    """The new year's item copies every earlier year's points once, when it is made
    (points_stream._carried); a line that lands on 31 Dec afterwards (a daily quiz started
    before midnight and submitted after it is settled on 31 Dec) never reaches `carried`, so the
    ranking's all-time total (ranking.member_figures: carried + points) stays short for good."""
    _member("79000003")
    at("2027-12-31T02:00:00")
    points.award("79000003", "article_read", "a1")
    stream_poller.drain()
    at("2028-01-01T02:00:00")
    points.award("79000003", "article_read", "a2")
    stream_poller.drain()  # y2028 made now: carried = 1
    points.award("79000003", "daily_quiz", "dq-d2027-12-31", amount=3, day=date(2027, 12, 31))
    stream_poller.drain()
    y2028 = PointTotal.get("79000003", "y2028")
    assert _ledger_sum("79000003") == 5
    assert int(y2028.carried) + int(y2028.points) == 5  # got 2


# --- a reversal racing the award it reverses --------------------------------------------------


@pytest.fixture
def org():
    make_tree()
    make_item("a1")
    return {
        "author": make_member("79000010", "B1", name="刘党员", password=None),
        "sec1": make_member("79000011", "B1", name="B1书记", roles=("branch_secretary",)),
    }


def test_a_comment_hidden_while_its_post_awards_keeps_its_point(at, org, monkeypatch):
    """The post writes the visible comment, then awards; a reviewer who hides it in between
    reverses nothing (points.reverse finds no claim/line yet and returns None) and the post's
    award then lands: a hidden comment keeps its point, the ledger has no reversal. Neither the
    award (comments._answer, from the comment in memory) nor the reversal leaves a mark the other
    sees."""
    at("2027-03-01T02:00:00")
    real_award = points.award
    hidden = {}

    def award_after_a_hide(member_no, rule_key, object_id, *args, **kwargs):
        if rule_key == "comment" and not hidden:
            (c,) = list(Comment.query("a1"))
            hidden["by"] = comments.decide(org["sec1"], "a1", c.comment_id, "hide")
        return real_award(member_no, rule_key, object_id, *args, **kwargs)

    monkeypatch.setattr(points, "award", award_after_a_hide)
    comments.post(org["author"], "a1", "一条会被隐藏的评论", rid())
    (c,) = list(Comment.query("a1"))
    assert c.status == comments.HIDDEN
    assert _ledger_sum("79000010") == 0  # got 1: the hidden comment's point stands


# --- comment limits ---------------------------------------------------------------------------


def test_a_delayed_post_of_the_previous_minute_resets_this_minutes_count(at):
    """comment_limits.count used to start a new minute whenever the stored minute differed
    (`#m <> :m`), also when the stored one was NEWER: a post whose request read the clock at
    10:00:59.9 but wrote after one of 10:01:00.1 set the minute back, and 10:01 then admitted
    the limit again. Now the late post counts in the stored (later) minute: 10:01 admits 2."""
    member, limit = "79000020", 2
    at("2027-03-01T02:01:00.100")  # 10:01:00.1 in Beijing
    assert comment_limits.count(member, rid(), "a1#1", limit, 20) is None
    at("2027-03-01T02:00:59.900")  # a request of 10:00 whose write arrives late
    assert comment_limits.count(member, rid(), "a1#2", limit, 20) is None
    at("2027-03-01T02:01:01")
    third = comment_limits.count(member, rid(), "a1#3", limit, 20)
    assert isinstance(third, comment_limits.Refused)  # was None: a 3rd post in 10:01
    at("2027-03-01T02:02:00")
    assert comment_limits.count(member, rid(), "a1#4", limit, 20) is None  # a new minute


def test_twins_of_one_post_on_both_sides_of_midnight_make_two_comments(at, org, monkeypatch):
    """A retry sent at 00:00:00.1 while its first attempt (23:59:59.9) is still in flight:
    made_before looks in both days' items but finds nothing yet, then count() records the
    request in TODAY's item only (`attribute_not_exists(#r)` is checked on one day), so both
    attempts are counted and two comments are made for one request id."""
    request = rid()
    real = comment_limits.made_before
    first: dict = {}

    def interleaved(member_no, request_id):
        found = real(member_no, request_id)
        if not first:  # the retry looked; now the first attempt (before midnight) completes
            first["made"] = None
            at("2027-03-01T15:59:59.900")
            first["made"] = comments.post(org["author"], "a1", "跨越午夜的评论", request)
            at("2027-03-01T16:00:00.100")
        return found

    at("2027-03-01T16:00:00.100")  # 00:00:00.1 in Beijing, 2 March
    monkeypatch.setattr(comment_limits, "made_before", interleaved)
    retry = comments.post(org["author"], "a1", "跨越午夜的评论", request)
    assert len(list(Comment.query("a1"))) == 1  # got 2
    assert retry["id"] == first["made"]["id"]


# --- sign-in awards ---------------------------------------------------------------------------


def test_a_birthday_award_cut_between_claim_and_line_is_never_completed(at, monkeypatch):
    """on_sign_in asks points_ledger.already, which counts a claim of an earlier day as awarded
    even with no line (points_ledger.already: `claim.day != day`); so when the birthday award
    died between its claim and its line and the member signs in again only the next day, the
    year's 政治生日 points are never given (award itself would take the orphan over)."""
    _member("79000030")  # joined 2001-07-01
    member = make_member("79000030", "B1", password=None)
    real = points_ledger.add_line

    def birthday_line_dies(member_no, day, line, **kwargs):
        if line.key.startswith("political_birthday"):
            raise RuntimeError("the Lambda died after the claim")
        return real(member_no, day, line, **kwargs)

    at("2027-07-01T02:00:00")
    monkeypatch.setattr(points_ledger, "add_line", birthday_line_dies)
    with pytest.raises(RuntimeError):
        points.on_sign_in(member)
    monkeypatch.setattr(points_ledger, "add_line", real)
    at("2027-07-02T02:00:00")  # she comes back the next day
    points.on_sign_in(member)
    rules = {ln.rule for ln in points_figures.ledger("79000030")}
    assert "political_birthday" in rules  # got only daily_login


# --- kept: a guarantee that holds (passes today) ---------------------------------------------


def test_holds_ledger_pages_show_every_line_once_across_days_and_equal_ms(at):
    """PASSES (kept as a pin): lines written in the same millisecond on several days, paged
    20 at a time, come back each exactly once, newest day first (the cursor's position is
    "<ms>#<key>", unique within a day, and the cursor names its day)."""
    _member("79000040")
    written = set()
    for i in range(45):
        day = date(2027, 3, 1 + i % 9)
        at(f"{day.isoformat()}T02:00:00")  # one frozen ms for every line of a day
        assert points.award("79000040", "exam", f"e{i:02d}", amount=1, day=day) is not None
        written.add((day.isoformat(), f"e{i:02d}"))
    seen: list[tuple[str, str]] = []
    cursor = None
    while True:
        page = points_figures.ledger_page("79000040", cursor)
        seen += [(it["day"], it["object_id"]) for it in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert len(seen) == len(written) and set(seen) == written
    assert [d for d, _ in seen] == sorted((d for d, _ in seen), reverse=True)


def test_a_year_of_unicode_digits_is_a_400_not_a_500():
    """ "²²²²" is four digits to str.isdigit() but not to int(): the yearly report refuses it."""
    from chalicelib import points_reports
    from chalicelib.errors import BadRequestError

    _member("79000050")
    member = make_member("79000050", "B1", password=None)
    for year in ("²²²²", "２０２６", "٢٠٢٦", "20 6"):
        with pytest.raises(BadRequestError):
            points_reports.year_report(member, year)

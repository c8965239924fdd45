"""Awards unique for ever: the claim written before the line. A failure between the two writes, a
retry the same day, a request on a later day, a cap that leaves nothing, parallel twins."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib import errors, points, points_figures, points_ledger
from chalicelib.models import PointClaim
from tools.fixtures import make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")


@pytest.fixture
def line_fails_once(fails_once):
    return fails_once(points_ledger, "add_line", "the Lambda died after the claim")


def _lines(member_no: str) -> list[tuple[str, str, int]]:
    return sorted((ln.day, ln.key, ln.amount) for ln in points_figures.ledger(member_no))


def test_a_failure_between_claim_and_line_is_completed_by_the_retry(at, line_fails_once):
    make_tree()
    make_member("77000001", "B1", password=None)
    at("2027-03-01T02:00:00")
    with pytest.raises(RuntimeError):
        points.award("77000001", "article_read", "a1")
    assert _lines("77000001") == []
    got = points.award("77000001", "article_read", "a1")  # the phone retries
    assert got is not None and got.amount == 1
    assert points.award("77000001", "article_read", "a1") is None
    assert _lines("77000001") == [("2027-03-01", "article_read#a1", 1)]


def test_an_orphaned_claim_is_taken_over_on_a_later_day_once_it_is_old(at, line_fails_once):
    make_tree()
    make_member("77000002", "B1", password=None)
    at("2027-03-01T15:59:30")  # 23:59:30 in Beijing
    with pytest.raises(RuntimeError):
        points.award("77000002", "article_read", "a1")
    at("2027-03-01T16:00:10")  # 40 s later it is the next day; the first request may still run
    with pytest.raises(errors.ServiceUnavailableError):
        points.award("77000002", "article_read", "a1")
    at("2027-03-01T16:05:00")  # no line came: the claim is an orphan
    got = points.award("77000002", "article_read", "a1")
    assert got is not None and got.day == "2027-03-02"
    assert PointClaim.get("77000002", "article_read#a1").day == "2027-03-02"
    assert _lines("77000002") == [("2027-03-02", "article_read#a1", 1)]


def test_an_object_awarded_yesterday_is_refused_without_using_todays_cap(at):
    make_tree()
    make_member("77000003", "B1", password=None)
    at("2027-03-01T02:00:00")
    assert points.award("77000003", "article_read", "a1") is not None
    at("2027-03-02T02:00:00")
    assert points.award("77000003", "article_read", "a1") is None
    assert points_ledger.get("77000003", "2027-03-02").caps == {}
    assert PointClaim.get("77000003", "article_read#a1").day == "2027-03-01"


def test_a_cap_that_leaves_nothing_gives_the_claim_back(at):
    make_tree()
    make_member("77000004", "B1", password=None)
    at("2027-03-01T02:00:00")
    for i in range(6):
        assert points.award("77000004", "article_read", f"a{i}") is not None
    assert points.award("77000004", "article_read", "late") is None
    with pytest.raises(PointClaim.DoesNotExist):
        PointClaim.get("77000004", "article_read#late")
    at("2027-03-02T02:00:00")  # another day, another cap: the article can still be credited
    assert points.award("77000004", "article_read", "late") is not None


def test_parallel_identical_awards_write_one_line(at):
    make_tree()
    make_member("77000005", "B1", password=None)
    at("2027-03-01T02:00:00")
    with ThreadPoolExecutor(max_workers=10) as pool:
        got = list(pool.map(lambda _: points.award("77000005", "comment", "c1"), range(30)))
    assert sum(1 for g in got if g) == 1
    assert _lines("77000005") == [("2027-03-01", "comment#c1", 1)]
    with ThreadPoolExecutor(max_workers=10) as pool:
        undone = list(pool.map(lambda _: points.reverse("77000005", "comment", "c1"), range(20)))
    assert sum(1 for u in undone if u) == 1
    assert [a for _, _, a in _lines("77000005")] == [1, -1]

"""A vote or a comment whose point failed after its own write (a timeout, throttling, eight
transaction conflicts) gets the point when the phone retries with the same request id — once,
never twice (in-process, the award made to fail on its first call)."""

from __future__ import annotations

import pytest

from chalicelib import comments, points, points_figures, votes
from infra import stream_poller
from tools.fixtures import make_campaign, make_item, make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")


@pytest.fixture
def award_fails_once(fails_once):
    return fails_once(points, "award", "award 1 for x did not settle")


def _ledger(member_no: str, rule: str) -> list[int]:
    return [int(e.amount) for e in points_figures.ledger(member_no) if e.rule == rule]


def test_a_vote_whose_award_failed_gets_it_on_the_retry(award_fails_once):
    make_tree()
    member = make_member("75000001", "B1", password=None)
    make_campaign("c1")
    with pytest.raises(RuntimeError):
        votes.cast(member, "c1", "cand-a", "req-vote-0001")
    assert _ledger("75000001", "vote") == []
    retry = votes.cast(member, "c1", "cand-a", "req-vote-0001")
    assert retry["replay"] is True and retry["award"] == {"rule": "vote", "points": 1}
    again = votes.cast(member, "c1", "cand-a", "req-vote-0001")
    assert again["replay"] is True and again["award"] is None
    assert _ledger("75000001", "vote") == [1]
    assert retry["me"]["used"] == 1 if "used" in retry["me"] else True


def test_a_comment_whose_award_failed_gets_it_on_the_retry(award_fails_once):
    make_tree()
    member = make_member("75000002", "B1", password=None)
    make_item("a1")
    with pytest.raises(RuntimeError):
        comments.post(member, "a1", "学习体会：把理论落到实处。", "req-cmt-0001")
    assert _ledger("75000002", "comment") == []
    retry = comments.post(member, "a1", "学习体会：把理论落到实处。", "req-cmt-0001")
    assert retry["replay"] is True and retry["award"] == {"rule": "comment", "points": 1}
    again = comments.post(member, "a1", "学习体会：把理论落到实处。", "req-cmt-0001")
    assert again["award"] is None
    assert _ledger("75000002", "comment") == [1]
    stream_poller.drain()
    assert comments.counts(["a1"]) == {"a1": 1}


@pytest.fixture
def comment_put_fails_once(fails_once):
    return fails_once(comments, "_write", "the Lambda died after counting the post")


def test_a_post_counted_but_not_written_is_written_by_the_retry(comment_put_fails_once):
    """A failure between the request record and the comment: the retry writes the comment with
    the id the request recorded, once, counted once against the limits, its point once."""
    make_tree()
    member = make_member("75000003", "B1", password=None)
    make_item("a1")
    with pytest.raises(RuntimeError):
        comments.post(member, "a1", "学习体会：理论联系实际。", "req-cmt-0003")
    assert comments.list_for("a1", member)["items"] == []
    retry = comments.post(member, "a1", "学习体会：理论联系实际。", "req-cmt-0003")
    assert retry["replay"] is True and retry["award"] == {"rule": "comment", "points": 1}
    again = comments.post(member, "a1", "学习体会：理论联系实际。", "req-cmt-0003")
    assert again["id"] == retry["id"] and again["award"] is None
    stream_poller.drain()
    page = comments.list_for("a1", member)
    assert [c["id"] for c in page["items"]] == [retry["id"]] and page["count"] == 1
    assert _ledger("75000003", "comment") == [1]

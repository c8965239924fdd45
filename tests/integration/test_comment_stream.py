"""The comments aggregator against DynamoDB Local's stream (the handler Lambda runs): each item's
visible count equals its visible comments after draining, after replays (whole, reversed, split),
after a fault in the middle of a batch, and the day limit stays exact under parallel posts."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib import comment_stream, comments
from chalicelib.errors import TooManyRequestsError
from chalicelib.models import Comment, CommentStats
from infra import stream_poller
from tools.fixtures import make_item, make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")
SLUGS = ("a1", "a2", "a3")


@pytest.fixture(autouse=True)
def fresh_settings():
    """Tests here change limits through the environment: settings are read again after."""
    from chalicelib import settings

    yield
    settings.reset_for_tests()


def _activity(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMMENTS_PER_MINUTE", "100")
    from chalicelib import settings

    settings.reset_for_tests()
    make_tree()
    reviewer = make_member("78000099", "B1", roles=("branch_secretary",), password=None)
    made = []
    for i in range(6):
        member = make_member(f"7800{i:04d}", "B1", password=None)
        for slug in SLUGS[: 1 + i % 3]:
            text = f"学习体会第{i}条，联系实际。"
            made.append(comments.post(member, slug, text, f"req-{i}-{slug}"))
    for c in made[::3]:
        comments.decide(reviewer, c["slug"], c["id"], "hide", "离题")
    comments.decide(reviewer, made[0]["slug"], made[0]["id"], "restore", None)


def _truth() -> dict[str, int]:
    return {
        slug: sum(1 for c in Comment.query(slug, consistent_read=True) if c.status == "visible")
        for slug in SLUGS
    }


def _counts() -> dict[str, int]:
    return {slug: int(CommentStats.get(slug, consistent_read=True).visible) for slug in SLUGS}


def test_counts_equal_the_visible_comments_after_replays_of_every_kind(stream_batches, monkeypatch):
    batches = stream_batches(Comment)
    for slug in SLUGS:
        make_item(slug)
    _activity(monkeypatch)
    stream_poller.drain()
    assert _counts() == _truth() and sum(_truth().values()) > 0
    records = [r for b in batches for r in b]
    for replay in (records, list(reversed(records)), records[: len(records) // 2], records[3:]):
        comment_stream.apply(replay)
        assert _counts() == _truth()


def test_a_fault_in_the_middle_of_a_batch_is_repaired_by_its_redelivery(monkeypatch):
    for slug in SLUGS:
        make_item(slug)
    _activity(monkeypatch)
    real = comment_stream._apply
    calls = {"n": 0}

    def dies_on_the_second(slug: str, rows: list) -> int:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("timed out")
        return real(slug, rows)

    monkeypatch.setattr(comment_stream, "_apply", dies_on_the_second)
    with pytest.raises(RuntimeError):
        stream_poller.drain()
    stream_poller.drain()
    assert _counts() == _truth()


def test_parallel_posts_cannot_pass_the_day_limit(monkeypatch):
    monkeypatch.setenv("COMMENTS_PER_MINUTE", "100")
    monkeypatch.setenv("COMMENTS_PER_DAY", "5")
    from chalicelib import settings

    settings.reset_for_tests()
    make_tree()
    make_item("a1")
    member = make_member("78100001", "B1", password=None)

    def post(i: int) -> str:
        try:
            comments.post(member, "a1", f"第{i}条学习体会，认真学习。", f"req-day-{i:03d}")
        except TooManyRequestsError:
            return "refused"
        return "posted"

    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(post, range(16)))
    assert got.count("posted") == 5
    assert len(list(Comment.query("a1"))) == 5


def test_a_one_page_item_counts_its_comments_before_the_stream_function_runs():
    make_tree()
    make_item("a1")
    member = make_member("78200001", "B1", password=None)
    comments.post(member, "a1", "刚发表的学习体会。", "req-now-0001")
    assert comments.list_for("a1", None)["count"] == 1  # the counter itself is not there yet
    with pytest.raises(CommentStats.DoesNotExist):
        CommentStats.get("a1", consistent_read=True)

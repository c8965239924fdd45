"""The points aggregator against DynamoDB Local's stream (the same handler Lambda runs): the year
totals equal the ledger's sums once the stream is drained, after the whole stream is replayed,
after a fault in the middle of a batch and its redelivery, and with two aggregators racing."""

from __future__ import annotations

import random
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib import points, points_figures, points_stream
from chalicelib.models import PointDay, PointTotal
from infra import stream_poller
from tools.fixtures import make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")

MEMBERS = [f"7600{i:04d}" for i in range(12)]


def _activity(seed: int) -> None:
    make_tree()
    for no in MEMBERS:
        make_member(no, "B1", password=None)
    rng = random.Random(seed)
    for no in MEMBERS:
        for i in range(rng.randint(1, 9)):
            rule = rng.choice(["article_read", "comment", "daily_quiz", "exam", "vote"])
            amount = rng.randint(1, 5) if rule in {"daily_quiz", "exam"} else None
            points.award(no, rule, f"o{i}", amount=amount)
        if rng.random() < 0.5:
            points.reverse(no, "article_read", "o0", note="测试撤销")


def _ledger_sums(member_no: str) -> tuple[int, dict[str, int]]:
    by_rule: dict[str, int] = defaultdict(int)
    for line in points_figures.ledger(member_no):
        by_rule[line.rule] += line.amount
    return sum(by_rule.values()), {r: v for r, v in by_rule.items() if v}


def _stored(member_no: str) -> tuple[int, dict[str, int]]:
    out = [t for t in PointTotal.query(member_no, consistent_read=True)]
    rules: dict[str, int] = defaultdict(int)
    for t in out:
        for r, v in t.rules.items():
            rules[r] += v
    return sum(int(t.points) for t in out), {r: v for r, v in rules.items() if v}


def _assert_totals_equal_the_ledger() -> None:
    for no in MEMBERS:
        assert _stored(no) == _ledger_sums(no), no


def test_totals_equal_the_ledger_after_draining_and_after_a_full_replay(stream_batches):
    batches = stream_batches(PointDay)
    _activity(seed=1)
    assert stream_poller.drain() > 0
    _assert_totals_equal_the_ledger()
    before = {no: PointTotal.get(no, f"y{points.clock.today().year}").revision for no in MEMBERS}
    # Lambda may deliver a batch again (a retry, a timeout after the writes): nothing changes,
    # and nothing is even written.
    for batch in batches:
        assert points_stream.apply(batch)["written"] == 0
    for batch in reversed(batches):  # out of order too
        points_stream.apply(batch)
    _assert_totals_equal_the_ledger()
    after = {no: PointTotal.get(no, f"y{points.clock.today().year}").revision for no in MEMBERS}
    assert after == before


def test_a_fault_in_the_middle_of_a_batch_is_repaired_by_its_redelivery(monkeypatch):
    _activity(seed=2)
    real = points_stream._apply_year
    calls = {"n": 0}

    def dies_on_the_fifth(member_no: str, year: int, days: list) -> int:
        calls["n"] += 1
        if calls["n"] == 5:
            raise RuntimeError("Lambda timed out in the middle of the batch")
        return real(member_no, year, days)

    monkeypatch.setattr(points_stream, "_apply_year", dies_on_the_fifth)
    with pytest.raises(RuntimeError):
        stream_poller.drain()
    # Four members were written, the rest not: the batch comes again, whole.
    assert sum(1 for no in MEMBERS if list(PointTotal.query(no))) == 4
    assert stream_poller.drain() > 0
    _assert_totals_equal_the_ledger()


def test_two_aggregators_on_the_same_records_apply_them_once(stream_batches):
    batches = stream_batches(PointDay)
    _activity(seed=3)
    stream_poller.drain()
    everything = [r for batch in batches for r in batch]
    # Wipe the totals and let two workers apply the same records at once (a shard split can hand
    # a parent's records to two invocations): the revision lock lets one win per member.
    for t in PointTotal.scan():
        t.delete()
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(points_stream.apply, [everything] * 4))
    _assert_totals_equal_the_ledger()


def test_member_figures_are_exact_before_the_aggregator_runs():
    """我的党建 adds the lines the aggregator has not applied yet."""
    _activity(seed=4)
    for no in MEMBERS[:3]:
        figures = points_figures.totals(no)
        total, _ = _ledger_sums(no)
        assert (figures["today"], figures["month"], figures["year"], figures["all"]) == (total,) * 4
    stream_poller.drain()
    points.award(MEMBERS[0], "daily_login", "login")  # one line more, not applied yet
    total, _ = _ledger_sums(MEMBERS[0])
    assert points_figures.totals(MEMBERS[0])["all"] == total


def test_a_stream_read_again_from_its_start_adds_nothing_for_days_long_applied(at, stream_batches):
    """`make dev` restarted reads DynamoDB Local's stream from its start (the poller's place is
    kept in memory): records of days the totals applied and let go of (older than their last
    RECENT_DAYS) are replays too — the demo history writes 60 days within minutes."""
    batches = stream_batches(PointDay)
    make_tree()
    make_member(MEMBERS[0], "B1", password=None)
    for n in range(3 * points_stream.RECENT_DAYS):
        at(f"2027-03-{n + 1:02d}T02:00:00")
        points.award(MEMBERS[0], "daily_login", "login")
        points.award(MEMBERS[0], "article_read", f"a{n}")
        stream_poller.drain()  # the aggregator runs within seconds, day after day
    _assert_totals_equal_the_ledger_of(MEMBERS[0])
    everything = [r for batch in batches for r in batch]
    points_stream.apply(everything)
    _assert_totals_equal_the_ledger_of(MEMBERS[0])
    for batch in batches:
        points_stream.apply(batch)
    _assert_totals_equal_the_ledger_of(MEMBERS[0])


def _assert_totals_equal_the_ledger_of(member_no: str) -> None:
    days = 3 * points_stream.RECENT_DAYS
    ledger = (2 * days, {"daily_login": days, "article_read": days})
    assert _ledger_sums(member_no) == ledger
    assert _stored(member_no) == ledger

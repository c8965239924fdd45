"""The points aggregator against DynamoDB Local's stream (the same handler Lambda runs): the year
totals equal the ledger's sums once the stream is drained, after the whole stream is replayed,
after a fault in the middle of a batch and its redelivery, and with two aggregators racing."""

from __future__ import annotations

import random
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import date

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


def _ledger_counts(member_no: str) -> tuple[dict, dict, dict]:
    """Straight from the lines: per month and rule the lines (a reversal -1), per ISO week the
    points and lines, per month the days with a positive line."""
    months: dict = defaultdict(lambda: defaultdict(int))
    weeks: dict = defaultdict(lambda: {"p": 0, "c": defaultdict(int)})
    days: dict = defaultdict(set)
    for line in points_figures.ledger(member_no):
        y, w, _ = date.fromisoformat(line.day).isocalendar()
        week = weeks[f"{y:04d}-W{w:02d}"]
        step = -1 if line.key.endswith("#reversal") else 1
        months[line.day[5:7]][line.rule] += step
        week["p"] += line.amount
        week["c"][line.rule] += step
        if line.amount > 0:
            days[line.day[5:7]].add(int(line.day[8:10]))
    clean = lambda d: {k: v for k, v in d.items() if v}  # noqa: E731
    return (
        {m: clean(c) for m, c in months.items() if clean(c)},
        {w: {"p": v["p"], "c": clean(v["c"])} for w, v in weeks.items() if v["p"] or clean(v["c"])},
        {m: sorted(d) for m, d in days.items()},
    )


def _stored_counts(member_no: str) -> tuple[dict, dict, dict]:
    months: dict = {}
    weeks: dict = {}
    days: dict = {}
    for t in PointTotal.query(member_no, consistent_read=True):
        months.update(t.counts or {})
        weeks.update(t.weeks or {})
        days.update({m: sorted(v) for m, v in (t.days or {}).items() if v})
    return months, weeks, days


def _assert_totals_equal_the_ledger() -> None:
    for no in MEMBERS:
        assert _stored(no) == _ledger_sums(no), no
        assert _stored_counts(no) == _ledger_counts(no), no


@pytest.mark.smoke
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
    assert _stored_counts(member_no) == _ledger_counts(member_no)


def test_a_day_applied_before_counts_existed_takes_its_counts_once(stream_batches):
    """A year item written before counts were kept has days in `recent` without "c": the same
    image delivered again adds their counts (once), not their sums."""
    batches = stream_batches(PointDay)
    _activity(seed=5)
    stream_poller.drain()
    no = MEMBERS[0]
    year = f"y{points.clock.today().year}"
    item = PointTotal.get(no, year)
    item.recent = {d: {"v": v["v"], "s": v["s"]} for d, v in item.recent.items()}
    item.counts, item.weeks, item.days = {}, {}, {}
    item.save()
    for _ in range(2):
        for batch in batches:
            points_stream.apply(batch)
    assert _stored(no) == _ledger_sums(no)
    assert _stored_counts(no) == _ledger_counts(no)

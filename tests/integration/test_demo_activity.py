"""The demo history (tools/demo_activity.py) against DynamoDB Local, as `make dev` runs it: points
through the real award path on their own days, totals from the stream aggregator equal to the
ledger, boards from the ranking job, the demo member's streak and 党章 progress; a second run adds
nothing, and a run cut short resumes without doubling anything."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from chalicelib import clock, passwords, points, points_ledger, reading
from chalicelib.models import Board, Member, Message, PointTotal, RankingState
from tools import demo_activity, demo_registry, publish_catalog, publish_quizzes, review, seed_demo

ROOT = Path(__file__).resolve().parents[2]
DAYS = 4

pytestmark = pytest.mark.usefixtures("clean_tables")


@pytest.fixture
def demo_org(tmp_path: Path) -> None:
    """What `make dev` loads before the history: registry, approved content, catalog, quizzes."""
    seed_demo.seed()
    review.seed_demo_approvals(demo_registry.DEMO_COMMITTEE.member_no)
    out = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pelican", "content", "-q", "-o", str(out)], cwd=ROOT, check=True
    )
    publish_catalog.publish(out / publish_catalog.FILENAME)
    publish_quizzes.publish()


def _ledgers(members: list[str]) -> dict[str, dict[str, int]]:
    """Each member's points by day, from the ledger."""
    return {
        no: {d.day: sum(ln.amount for ln in d.lines.values()) for d in points_ledger.days(no)}
        for no in members
    }


def _stored(member_no: str) -> int:
    return sum(int(t.points) for t in PointTotal.query(member_no, consistent_read=True))


def test_the_history_goes_through_the_api_once(demo_org) -> None:
    today = clock.today()
    days = [(today - timedelta(n)).isoformat() for n in range(DAYS, 0, -1)]
    # A demo account whose password a developer changed: her days are skipped, not a crash.
    admin = Member.get(demo_registry.DEMO_ADMIN.member_no)
    admin.update(actions=[Member.password_hash.set(passwords.hash_password("another-one-2026"))])
    counts = demo_activity.run(days=DAYS)
    assert counts.days == DAYS and counts.sessions >= DAYS * 3 and counts.skipped >= 1
    assert not points_ledger.days(admin.member_no)
    assert counts.activations and counts.reads and counts.quizzes and counts.points > 0
    work_members = sorted({t.member_no for t in PointTotal.scan()})
    ledgers = _ledgers(work_members)
    # Every line is dated on one of the generated days (the clock was moved to each), none today.
    assert {d for ledger in ledgers.values() for d in ledger} <= set(days)
    # The aggregator applied each day once: totals equal the ledger's sums.
    for no in work_members:
        assert _stored(no) == sum(ledgers[no].values()), no
    # The demo member: signed in every day up to yesterday, 党章 days 1..4 read in order.
    me = demo_registry.DEMO_MEMBER.member_no
    logins = {
        d.day
        for d in points_ledger.days(me)
        if any(ln.rule == "daily_login" for ln in d.lines.values())
    }
    assert logins == set(days)
    assert reading.progress(me, "constitution")["days"] == [1, 2, 3, 4]
    # The ranking job ran: the demo branch's board of yesterday's month ranks members by points.
    month = points.month_key(today - timedelta(1))
    board = Board.get(f"branch#B0101#{month}").data
    ranked = [e for e in board["entries"] if e["points"] > 0]
    assert len(ranked) >= 3 and ranked[0]["rank"] == 1
    # The reminders ran on each day: every 政治生日 card of those days, each on its day, and the
    # count the run reports is what the 消息 centres hold.
    rows = [m for m in Message.scan() if m.event_key.startswith("reminder:")]
    assert counts.messages == len(rows)
    leap = {m.member_no for m in Member.scan() if (m.joined_on or "").endswith("-02-29")}
    cards = {
        (m.member_no, m.event_key.rsplit(":", 1)[1])
        for m in rows
        if m.kind == "political_birthday" and m.member_no not in leap  # their 28 Feb: elsewhere
    }
    born = {
        (m.member_no, d)
        for m in Member.scan()
        if m.active and m.joined_on and m.member_no not in leap
        for d in days
        if m.joined_on[5:] == d[5:] and m.joined_on < d
    }
    assert cards == born

    # A second start the same day: nothing to do, nothing changes.
    again = demo_activity.run(days=DAYS)
    assert again.days == 0 and again.requests == 0
    assert _ledgers(work_members) == ledgers

    # A run cut short (no marker written): done again, every member already finished is skipped.
    RankingState(*demo_activity.MARKER).delete()
    resumed = demo_activity.run(days=DAYS)
    assert resumed.days == DAYS and resumed.sessions == 0
    assert resumed.messages == 0  # the reminders' event keys: nobody is told twice
    assert _ledgers(work_members) == ledgers
    assert all(_stored(no) == sum(ledgers[no].values()) for no in work_members)

"""微党课 in the demo history (tools/demo_lessons.py, called by tools/demo_activity.py) against
DynamoDB Local, through the real lesson heartbeat path as `make dev` runs it: the demo member's
first lesson half watched (「继续观看」) and the audio lesson watched, the branch secretary's
assignment with its 消息, the points of 视听学习 on their days; done again, nothing changes."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from chalicelib import clock, lessons, points_ledger
from chalicelib.models import LessonAssignment, Message, RankingState
from chalicelib.models.lessons import WatchProgress
from tools import demo_activity, demo_lessons, demo_registry, lesson_fixtures, seed_demo

ROOT = Path(__file__).resolve().parents[2]
DAYS = 4  # the assignment is made three days before yesterday
WATCHERS = 4  # members besides the demo accounts whose days are played

pytestmark = pytest.mark.usefixtures("clean_tables")


@pytest.fixture
def demo_org() -> dict[str, int]:
    """The registry and accounts, and the demo lessons in the catalog as the build writes them
    (their Duration and kind from the sources; no site build needed)."""
    seed_demo.seed()
    out = {}
    for path in sorted((ROOT / "content" / "lessons").glob("*.md")):
        head = path.read_text(encoding="utf-8").split("\n\n", 1)[0]
        slug = re.search(r"^Slug:\s*(\S+)", head, re.M).group(1)
        minutes, seconds = re.search(r"^Duration:\s*(\d+):(\d+)", head, re.M).groups()
        kind = "audio" if re.search(r"^Media:.*\.m4a", head, re.M) else "video"
        out[slug] = int(minutes) * 60 + int(seconds)
        lesson_fixtures.make_lesson(slug, out[slug], kind)
    return out


def _ledger(members: list[str]) -> dict[str, list[tuple[str, str, int]]]:
    return {
        no: sorted(
            (d.day, ln.rule, ln.amount)
            for d in points_ledger.days(no)
            for ln in d.lines.values()
            if ln.rule in {"lesson_watched", "watch_time"}
        )
        for no in members
    }


def _progress() -> list[tuple]:
    return sorted(
        (p.member_no, p.slug, p.covered_seconds, p.seconds, float(p.position), p.watched_on)
        for p in WatchProgress.scan()
    )


def test_the_demo_lessons_are_watched_through_the_heartbeats_once(demo_org) -> None:
    work = demo_activity.prepare(days=DAYS)
    # The demo accounts and a few members who watch something on these days (every member's
    # days: demo_activity's own test).
    demo = {a.member_no for a in demo_registry.DEMO_ACCOUNTS}
    watching = sorted(m for m, ss in work.sessions.items() if any(s.watches for s in ss))
    chosen = sorted(demo | set([m for m in watching if m not in demo][:WATCHERS]))
    counts = demo_activity.generate(work, chosen)
    demo_activity._mark(work.first, work.last)  # as finish() does (its reminders and boards:
    # demo_activity's own test)
    assert counts.assignment == "created" and counts.lessons >= 2 and counts.lessons_watched >= 1

    today = clock.today()
    last = today - timedelta(1)
    me = demo_registry.DEMO_MEMBER.member_no
    catalog = demo_lessons.lessons(demo_activity._article_dates())
    first, audio = demo_lessons.first_lesson(catalog), demo_lessons.audio_lesson(catalog)
    # The demo member: the first lesson stopped half way yesterday (the home page's 「继续观看」),
    # the audio lesson watched the day before, its points on that day.
    going = lessons.mine(me, "3", "in_progress")["lessons"]
    assert [x["slug"] for x in going] == [first.slug]
    assert going[0]["position"] == first.duration // 2 and going[0]["covered_share"] == 0.5
    assert [x["slug"] for x in lessons.mine(me, None, "watched")["lessons"]] == [audio.slug]
    assert (str(last - timedelta(1)), "lesson_watched", 1) in _ledger([me])[me]

    # The secretary asked B0101 to watch the first lesson by a day next week; its 消息 went to
    # the branch's members.
    task = LessonAssignment.get("B0101", first.slug)
    assert task.assigned_by == demo_registry.DEMO_SECRETARY.member_no
    assert str(today + timedelta(days=3)) <= task.due_on <= str(today + timedelta(days=11))
    told = {m.member_no for m in Message.scan() if m.kind == "lesson_assigned"}
    assert me in told and demo_registry.DEMO_SECRETARY.member_no in told

    # Every award of watching is on a day generated, never today; each lesson watched once.
    ledgers = _ledger(chosen)
    lines = [line for ls in ledgers.values() for line in ls]
    assert {d for d, _, _ in lines} <= {str(today - timedelta(n)) for n in range(1, DAYS + 1)}
    watched = [line for line in lines if line[1] == "lesson_watched"]
    assert len(watched) == counts.lessons_watched
    progress = _progress()

    # A second start: nothing to do. A run cut short (no marker): every member finished is
    # skipped; and a watch played again replays its beats: nothing changes.
    assert demo_activity.run(days=DAYS).requests == 0
    RankingState(*demo_activity.MARKER).delete()
    again = demo_activity.prepare(days=DAYS)
    assert demo_activity.generate(again, chosen).lessons == 0
    yesterday = next(s for s in work.sessions[me] if s.start.date() == last)
    with demo_activity.moved_clock() as at:
        driver = demo_activity.Driver(at, demo_activity.Counts())
        at[0] = demo_activity._epoch(yesterday.start)
        token = driver.sign_in(work.people[me], last)
        replayed = demo_lessons.watch(driver, me, token, yesterday.watches[0], last)
    assert replayed["awards"] == [] and replayed["position"] == first.duration // 2
    assert _progress() == progress and _ledger(chosen) == ledgers

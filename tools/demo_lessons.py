"""微党课 in the demo history (tools/demo_activity.py): who watches which demo lesson on which of
her days, how (speed, where she stops), and playing it through the lesson heartbeats.

The demo history calls this module; it has one job, the lessons:

- `plan` adds watches to the sessions the history planned (pure: RNGs seeded by member and
  lesson). Over the last WINDOW_DAYS days, from each lesson's Date on, some members watch it in
  one of their sessions, most at 1×, some at 1.5× or 2×, some stopping part way; a member who
  watches two lessons on one day completes a minute of watching (视听学习时长). In the assigned
  branch (ASSIGN_BRANCH) more members watch the first lesson once it was assigned, so the
  console's 微党课学习 shows a mix. The demo member has the first lesson half watched
  (yesterday: the home page's 「继续观看」) and the audio lesson watched (the day before).
- `assign`: the assigned branch's secretary asks the branch to watch the first lesson by a day
  next week, through `lesson_assignments.assign` (so the members' 消息 go out through the
  outbox), with the history's clock moved to the day it was asked; once (an existing
  assignment is kept as it is).
- `watch` plays one watch as the lesson page does: heartbeat 0 when the page opens, then a beat
  each 15 s of playing with the wall seconds, the media ranges played and the position, and a
  last beat where she stops (pause or the end). View ids come from `demo_activity.key`, so a
  run done again replays the same beats and changes nothing.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as dtime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tools.demo_activity import Driver, Person, Session

SEED = 20261202
WINDOW_DAYS = 21  # members watch over the last three weeks
CHANCE = 0.3  # a member with a session after a lesson's Date watches it
ASSIGNED_CHANCE = 0.65  # the assigned branch, after the assignment, the assigned lesson
TOGETHER = 0.6  # a second lesson joins a session she watches one in already
STOP_CHANCE = 0.25  # she stops part way
STOP_SHARE = (0.3, 0.7)  # ... somewhere in this share of the lesson
RESUME_CHANCE = 0.5  # ... and goes on from there in a later session
KEEN = "daily"  # a member of this habit (demo_activity.HABITS) watches every lesson
RATES = ((1.0, 0.6), (1.5, 0.25), (2.0, 0.15))  # speed, share of watches
OPEN_SECONDS = 4  # from the page's opening (heartbeat 0) to the tap on play
BEAT = 15  # seconds of playing between two heartbeats (lesson.js)
ASSIGN_BRANCH = "B0101"
ASSIGN_DAYS_AGO = 3  # the secretary asked this many days before yesterday
ASSIGN_NOTE = "请利用工作间隙观看，下次主题党日交流学习体会。"


@dataclass(frozen=True)
class Lesson:
    slug: str
    duration: int  # seconds
    media_kind: str  # "video" or "audio"
    published_on: date  # its Date: watched from then on


@dataclass(frozen=True)
class Watch:
    """One lesson played in a session: at `rate` from media second `start` (0, or where she
    stopped last time) up to `stop`."""

    slug: str
    rate: float
    stop: int
    start: int = 0


@dataclass(frozen=True)
class Assignment:
    unit_id: str
    slug: str
    on: date  # the day the secretary asked
    due_on: date  # a day of the week after today


def first_lesson(lessons: list[Lesson]) -> Lesson | None:
    return min(lessons, key=lambda x: (x.published_on, x.slug)) if lessons else None


def audio_lesson(lessons: list[Lesson]) -> Lesson | None:
    audio = [x for x in lessons if x.media_kind == "audio"]
    return first_lesson(audio)


def assignment(lessons: list[Lesson], last: date) -> Assignment | None:
    """The demo's assignment: the first lesson, asked three days before yesterday (not before
    its Date), due on the Friday of next week."""
    first = first_lesson(lessons)
    if first is None or first.published_on > last:
        return None
    today = last + timedelta(1)
    on = max(first.published_on, last - timedelta(ASSIGN_DAYS_AGO))
    due = today + timedelta(7 - today.weekday() + 4)
    return Assignment(ASSIGN_BRANCH, first.slug, on, due)


def _rate(rng: random.Random) -> float:
    return rng.choices([r for r, _ in RATES], weights=[w for _, w in RATES])[0]


def plan(
    sessions: dict[date, list[Session]],
    people: list[Person],
    lessons: list[Lesson],
    last: date,
    *,
    demo_member: str | None = None,
) -> Assignment | None:
    """Add the watches to the planned sessions (in place, each session's `watches` in the
    lessons' order); the assignment they follow. The same on every run."""
    from tools.demo_activity import habit_of

    if not lessons:
        return None
    task = assignment(lessons, last)
    branch = {p.member_no: p.branch_id for p in people}
    mine: dict[str, list[Session]] = {}
    for day in sorted(sessions):
        for s in sessions[day]:
            mine.setdefault(s.member_no, []).append(s)
    since = last - timedelta(WINDOW_DAYS - 1)
    ordered = sorted(lessons, key=lambda x: (x.published_on, x.slug))
    for member_no in sorted(mine):
        own = mine[member_no]
        if member_no == demo_member:
            _demo_member(own, lessons, last)
            continue
        keen = habit_of(member_no) == KEEN
        for lesson in ordered:
            rng = random.Random(f"{SEED}:{member_no}:{lesson.slug}")
            start = max(lesson.published_on, since)
            days = [s for s in own if s.start.date() >= start]
            if keen and days:
                # Every lesson to the end at 1×, all in her latest session: a minute or more.
                days[-1].watches.append(Watch(lesson.slug, 1.0, lesson.duration))
                continue
            chosen = None
            if task and lesson.slug == task.slug and branch.get(member_no) == task.unit_id:
                after = [s for s in days if s.start.date() >= task.on]
                if after and rng.random() < ASSIGNED_CHANCE:
                    chosen = rng.choice(after)
            if chosen is None and days and rng.random() < CHANCE:
                # Lessons are often watched together: with a lesson already in a session.
                busy = [s for s in days if s.watches]
                chosen = rng.choice(busy if busy and rng.random() < TOGETHER else days)
            if chosen is None:
                continue
            rate, stop = _rate(rng), lesson.duration
            if rng.random() < STOP_CHANCE:
                stop = max(1, round(lesson.duration * rng.uniform(*STOP_SHARE)))
                later = [s for s in days if s.start > chosen.start]
                if later and rng.random() < RESUME_CHANCE:  # she goes on another day
                    rng.choice(later).watches.append(
                        Watch(lesson.slug, rate, lesson.duration, stop)
                    )
            chosen.watches.append(Watch(lesson.slug, rate, stop))
    return task


def _demo_member(own: list[Session], lessons: list[Lesson], last: date) -> None:
    """The demo member: the audio lesson watched the day before yesterday at 1.5×, the first
    lesson stopped half way yesterday (the home page offers to go on)."""
    by_day = {s.start.date(): s for s in own}
    audio, first = audio_lesson(lessons), first_lesson(lessons)
    before = last - timedelta(1)
    if audio and audio != first and before in by_day and audio.published_on <= before:
        by_day[before].watches.append(Watch(audio.slug, 1.5, audio.duration))
    if first and last in by_day and first.published_on <= last:
        by_day[last].watches.append(Watch(first.slug, 1.0, first.duration // 2))


def lessons(dates: dict[str, date]) -> list[Lesson]:
    """The published lessons of the catalog with their Date (`dates`: the sources' Dates)."""
    from chalicelib.models import CatalogItem

    return sorted(
        (
            Lesson(i.slug, int(i.duration), i.media_kind or "video", dates[i.slug])
            for i in CatalogItem.scan()
            if i.published and i.kind == "lesson" and i.duration and i.slug in dates
        ),
        key=lambda x: x.slug,
    )


# --- playing ---------------------------------------------------------------------------------


def watch(driver: Driver, member_no: str, token: str, w: Watch, day: date) -> dict[str, Any]:
    """Play the watch through POST /reading/heartbeat as lesson.js does; the last reply's
    `lesson` (position, covered_share, watched, ...) and the points it awarded on the way."""
    from tools.demo_activity import key

    view = key("lesson", member_no, day.isoformat(), w.slug)
    base = {"view_id": view, "slug": w.slug}
    driver.send("POST", "/reading/heartbeat", {**base, "seq": 0, "seconds": 0}, token=token)
    driver.at[0] += OPEN_SECONDS
    at, seq, awards = float(w.start), 1, []
    reply: dict[str, Any] = {}
    while at < w.stop:
        wall = min(BEAT, math.ceil((w.stop - at) / w.rate))
        end = min(float(w.stop), at + wall * w.rate)
        driver.at[0] += wall
        body = {
            **base,
            "seq": seq,
            "seconds": wall,
            "position": math.floor(end),
            "ranges": [[round(at, 1), round(end, 1)]],
        }
        reply = json.loads(driver.send("POST", "/reading/heartbeat", body, token=token).body)
        awards += [a["rule"] for a in reply.get("awards") or []]
        at, seq = end, seq + 1
    return {**reply.get("lesson", {}), "awards": awards}


def assign(at: list[float], task: Assignment) -> str:
    """The assignment through the domain function, as the branch secretary on its day (the
    clock `at` moved there); "kept" when the branch has it already (a second run, or changed by
    hand since)."""
    from chalicelib import clock, lesson_assignments, registry
    from chalicelib.models import LessonAssignment, Member
    from tools import demo_registry

    try:
        LessonAssignment.get(task.unit_id, task.slug, consistent_read=True)
        return "kept"
    except LessonAssignment.DoesNotExist:
        pass
    at[0] = datetime.combine(task.on, dtime(9, 40)).replace(tzinfo=clock.TZ).timestamp()
    secretary = registry.caller_for(Member.get(demo_registry.DEMO_SECRETARY.member_no))
    body = {
        "unit_id": task.unit_id,
        "slug": task.slug,
        "due_on": task.due_on.isoformat(),
        "note": ASSIGN_NOTE,
    }
    _, outcome = lesson_assignments.assign(secretary, body)
    return outcome

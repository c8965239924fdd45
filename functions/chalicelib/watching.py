"""Watch credit for 微党课 lessons: what a lesson heartbeat buys once reading.py has laid its wall
seconds on the member's one line (the grant). reading.py keeps the line, the views, replays and
the one conditional write; this module only says what a grant means on a lesson.

- **Time.** The grant is wall-clock time, exactly as for an article (at most 20 s a beat, at most
  the time that passed on her line, across tabs and devices); a lesson view is capped at
  VIEW_CAP_FACTOR × its duration. At 2× speed a minute of wall time is still a minute.
- **Coverage.** The beat's `ranges` (media seconds played) are truncated, in the order sent, to
  grant × MAX_RATE seconds of media, then kept as a bitmap of SEGMENT_SECONDS segments: a
  segment counts when the beat played at least half of it (so a segment split between two beats
  is counted by one of them). The coverage a beat adds never exceeds grant × MAX_RATE; playing
  a part again (seeking back) adds nothing. Watched: covered ≥ WATCHED_SHARE × duration.
- **Points.** The day's lesson grants accumulate in ReadingState.watch_day/watch_seconds (same
  write): each newly completed whole minute k gives `watch_time` for "<day>#<k>", for k up to
  what the rule's daily cap allows; the lesson watched gives `lesson_watched` and the read mark
  "lesson#<slug>" once ever (reading.complete). Awards come after the write and are idempotent;
  a replayed beat awards what a crash between the write and the awards left out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pynamodb.expressions.update import Action

from . import clock, lesson_rules, points, points_ledger
from .errors import BadRequestError, NotFoundError
from .models import CatalogItem, ReadingState
from .models.lessons import WatchProgress
from .points_rules import RULES

KIND = "lesson"
MAX_RANGES = 8
# The duration in the catalog is whole seconds; the media's own may run a fraction past it.
DURATION_SLACK = 1.0


@dataclass(frozen=True)
class Play:
    """What a lesson beat reports about the media: where it is now and what it played."""

    position: float | None = None
    ranges: tuple[tuple[float, float], ...] = ()


def duration(item: CatalogItem) -> int:
    """A lesson's duration in seconds; a lesson without one cannot be credited (404 as if
    unpublished: the catalog entry is incomplete)."""
    if item.kind != KIND or not item.duration or int(item.duration) <= 0:
        raise NotFoundError("微党课不存在或尚未发布")
    return int(item.duration)


def view_cap(item: CatalogItem) -> int:
    return lesson_rules.VIEW_CAP_FACTOR * duration(item)


def required(item: CatalogItem) -> int:
    """Media seconds to cover for the lesson to count as watched."""
    return math.ceil(lesson_rules.WATCHED_SHARE * duration(item))


def check(item: CatalogItem, position: float | None, ranges: list[Any] | None) -> Play:
    """The beat's media fields against the lesson's duration (400 when out of it). Shapes and
    finiteness were checked by the route."""
    if item.kind != KIND:
        if position is not None or ranges:
            raise BadRequestError("只有微党课可提交播放位置（position）和播放区间（ranges）")
        return Play()
    # Positions past the end are clamped, not refused: `Duration:` is the editor's rounded
    # figure and the file may run a little longer; refusing would lose the beat's seconds too.
    if position is not None and position < 0:
        raise BadRequestError(f"播放位置（position）须在 0 到 {duration(item)} 秒之间")
    pairs = tuple((float(a), float(b)) for a, b in ranges or ())
    if any(not 0 <= a <= b for a, b in pairs):
        raise BadRequestError(
            f"播放区间（ranges）须在 0 到 {duration(item)} 秒之间，且起点不大于终点"
        )
    end = float(duration(item))
    return Play(
        None if position is None else min(float(position), end),
        tuple((min(a, end), min(b, end)) for a, b in pairs),
    )


# --- coverage ---------------------------------------------------------------------------------


def truncate(ranges: tuple[tuple[float, float], ...], budget: float) -> list[tuple[float, float]]:
    """The ranges in the order sent, cut once their total length reaches `budget`."""
    out: list[tuple[float, float]] = []
    left = budget
    for a, b in ranges:
        if left <= 0:
            break
        b = min(b, a + left)
        out.append((a, b))
        left -= b - a
    return out


def _union(ranges: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for a, b in sorted(r for r in ranges if r[1] > r[0]):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def segment_length(index: int, length: int) -> int:
    start = index * lesson_rules.SEGMENT_SECONDS
    return min(start + lesson_rules.SEGMENT_SECONDS, length) - start


def played_segments(ranges: list[tuple[float, float]], length: int) -> list[int]:
    """Segments of which the ranges played at least half (ascending)."""
    played: dict[int, float] = {}
    size = lesson_rules.SEGMENT_SECONDS
    count = lesson_rules.segments(length)
    for a, b in _union(ranges):
        for i in range(int(a // size), min(count, math.ceil(b / size))):
            start = i * size
            overlap = min(b, start + size) - max(a, start)
            if overlap > 0:
                played[i] = played.get(i, 0.0) + overlap
    return sorted(i for i, s in played.items() if 2 * s >= segment_length(i, length))


def has(bitmap: bytes, index: int) -> bool:
    return index // 8 < len(bitmap) and bool(bitmap[index // 8] >> (index % 8) & 1)


def covered_seconds(bitmap: bytes, length: int) -> int:
    count = lesson_rules.segments(length)
    return sum(segment_length(i, length) for i in range(count) if has(bitmap, i))


def cover(bitmap: bytes, length: int, ranges: list[tuple[float, float]], budget: float) -> bytes:
    """The bitmap with the newly played segments set, adding at most `budget` media seconds."""
    out = bytearray(bitmap.ljust((lesson_rules.segments(length) + 7) // 8, b"\0"))
    added = 0
    for i in played_segments(ranges, length):
        if has(out, i):
            continue
        size = segment_length(i, length)
        if added + size > budget:
            break
        out[i // 8] |= 1 << (i % 8)
        added += size
    return bytes(out)


# --- one beat -------------------------------------------------------------------------------


def minute_cap() -> int | None:
    """How many `watch_time` awards a day can hold (None: no cap)."""
    rule = RULES["watch_time"]
    return None if rule.daily_cap is None else rule.daily_cap // rule.points


def _minutes(before: int, after: int) -> list[int]:
    top = after // 60
    cap = minute_cap()
    if cap is not None:
        top = min(top, cap)
    return list(range(before // 60 + 1, top + 1))


@dataclass
class Step:
    """What one applied lesson beat changes: the progress item to put (None: nothing to keep),
    her watching time today, and what to award after the write."""

    progress: WatchProgress | None
    day: str
    watch_seconds: int
    minutes: list[int] = field(default_factory=list)
    watched_now: bool = False

    def state_actions(self) -> list[Action]:
        return [
            ReadingState.watch_day.set(self.day),
            ReadingState.watch_seconds.set(self.watch_seconds),
        ]

    def state_attributes(self) -> dict[str, Any]:
        return {"watch_day": self.day, "watch_seconds": self.watch_seconds}


def progress_of(member_no: str, slug: str) -> WatchProgress | None:
    try:
        return WatchProgress.get(member_no, slug, consistent_read=True)
    except WatchProgress.DoesNotExist:
        return None


def today_seconds(state: ReadingState | None, day: str) -> int:
    if state is None or state.watch_day != day:
        return 0
    return int(state.watch_seconds or 0)


def step(
    member_no: str,
    item: CatalogItem,
    play: Play,
    grant: int,
    state: ReadingState | None,
    now: float,
    *,
    late: bool,
    start: float,
) -> Step:
    """The beat's effect on the lesson, from the progress read now (consistent) and the state the
    caller read: written by the caller in one transaction conditional on that state's version.
    `late`: a later beat of the same view was applied first, so its position is not the newest.
    `start`: where the grant sits on her line. Its day is the day the time was watched, not the
    day the beat arrived, so beats held past midnight count to their own (capped) day; the line
    only moves forward, so the day never goes back to one already left."""
    length = duration(item)
    day = clock.day_of(start).isoformat()
    before = today_seconds(state, day)
    old = progress_of(member_no, item.slug)
    bitmap = bytes(old.covered or b"") if old else b""
    budget = grant * lesson_rules.MAX_RATE
    if budget > 0 and play.ranges:
        bitmap = cover(bitmap, length, truncate(play.ranges, budget), budget)
    position = float(old.position or 0) if old else 0.0
    # A page that just opened reports 0 before it resumes: that must not undo where she left
    # off on another device. Restarting from the start moves it as soon as something plays.
    if play.position is not None and not late and (play.position > 0 or play.ranges):
        position = play.position
    covered = covered_seconds(bitmap, length)
    keep = old is not None or grant > 0 or position > 0 or covered > 0
    watched_on = old.watched_on if old else None
    watched_now = watched_on is None and covered >= lesson_rules.WATCHED_SHARE * length
    if watched_now:
        watched_on = day
    progress = None
    if keep:
        progress = WatchProgress(
            member_no,
            item.slug,
            position=_number(position),
            duration=length,
            covered=bitmap or None,
            covered_seconds=covered,
            seconds=int(old.seconds or 0) + grant if old else grant,
            watched_on=watched_on,
            updated=round(now, 3),
        )
    return Step(
        progress=progress,
        day=day,
        watch_seconds=before + grant,
        minutes=_minutes(before, before + grant),
        watched_now=watched_now,
    )


def _number(value: float) -> float | int:
    """Positions and stamps to a tenth of a second (the item stays small)."""
    rounded = round(value, 1)
    return int(rounded) if rounded == int(rounded) else rounded


def award_minutes(member_no: str, day: str, minutes: list[int]) -> list[points.Award]:
    """`watch_time` for each whole minute k of the day's watching time (idempotent per k)."""
    out = []
    for k in minutes:
        got = points.award(member_no, "watch_time", f"{day}#{k}", day=date.fromisoformat(day))
        if got is not None:
            out.append(got)
    return out


def missing_minutes(member_no: str, state: ReadingState | None) -> list[int]:
    """The minutes her watching time today has completed that the ledger lacks (a crash
    between the write and the awards): one read of the day's ledger item."""
    if state is None or not state.watch_day or int(state.watch_seconds or 0) < 60:
        return []
    rule = RULES["watch_time"]
    day = date.fromisoformat(state.watch_day)
    lines = points_ledger.get(member_no, state.watch_day).lines
    return [
        k
        for k in _minutes(0, int(state.watch_seconds or 0))
        if points.ledger_key(rule, f"{state.watch_day}#{k}", day) not in lines
    ]


def summary(item: CatalogItem, progress: WatchProgress | None) -> dict[str, Any]:
    """The member's progress on a lesson, as the heartbeat and GET /lessons/… answer it."""
    length = duration(item)
    covered = int(progress.covered_seconds or 0) if progress else 0
    return {
        "position": _number(float(progress.position or 0)) if progress else 0,
        "duration": length,
        "covered_share": round(min(1.0, covered / length), 3),
        "watched": bool(progress and progress.watched_on),
        "seconds": int(progress.seconds or 0) if progress else 0,
    }

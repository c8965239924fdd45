"""The points aggregator: the ledger's DynamoDB Stream → the members' year totals.

`apply(records)` is the handler of the Lambda on the `point-days` stream (`streams.py`); locally
`infra/stream_poller.py` feeds it the same records from DynamoDB Local's stream, so development and
tests see what production does.

Why a stream: an award used to write its six totals in its own transaction (20 write units). Off
the request path the totals cost one write per member per batch, however many lines the batch
holds, and unit boards can follow within seconds of an award instead of a job's interval.

Safe to replay, by construction: a record is a day item's whole new image, and a day item's
version (`v`) grows with each line. For each member and year the aggregator reads her year item,
takes from the batch each day's newest image, and adds, per rule, that day's sum of lines minus
what the year item says it applied for that day (`recent[day]`: version and per-rule sums),
then writes the item back under its revision (optimistic lock; on a lost race it reads again).
A redelivered or out-of-order record finds its version applied and adds nothing; a batch cut by
a fault leaves the members written so far applied and the rest to the retry. `recent` keeps
the last RECENT_DAYS days, longer than a stream keeps a record (24 h).

Counts and active days (the 党务工作台's figures, `console_figures`): beside the sums the year
item keeps, per month, how many ledger lines each rule has (`counts`: a reversal counts -1, so
a removed comment is no comment), per ISO week the points and counts (`weeks`: "2026-W48" →
{"p": points, "c": {rule: n}}), and the days with any positive line (`days`: month → sorted day
numbers). Counts are applied exactly like the sums: `recent[day]["c"]` records the counts
applied for that day, and a newer image adds only the difference. Active days are a set (a
line is never removed: a reversal is a line of its own), so adding a day again changes nothing.

A day in `recent` without "c" was applied before counts existed: its sums are in, its counts
and week points are not. Its next image of the same or a newer version adds those in full
and the sums' difference as usual; an older image still adds nothing. Days let go of before the
change are not counted (a year item made before it counts from its recent days on; sums and
everything after are exact).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from pynamodb.exceptions import PutError

from . import clock, points_ledger, ranking_log
from .errors import busy
from .models import PointTotal
from .models.base import condition_failed
from .points import LATE_DAYS
from .points_ledger import Day

RECENT_DAYS = 7
MAX_ATTEMPTS = 8


def newest_days(records: Iterable[dict[str, Any]]) -> list[Day]:
    """The newest image of each (member, day) among stream records (Lambda's event shape)."""
    newest: dict[tuple[str, str], Day] = {}
    for record in records:
        image = (record.get("dynamodb") or {}).get("NewImage")
        if record.get("eventName") not in ("INSERT", "MODIFY") or not image:
            continue  # a removed day item (tests empty the tables) changes no total
        day = points_ledger.parse(image)
        key = (day.member_no, day.day)
        if key not in newest or day.version > newest[key].version:
            newest[key] = day
    return list(newest.values())


def apply(records: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Apply a batch of stream records; returns how many days and year items it wrote."""
    groups: dict[tuple[str, int], list[Day]] = defaultdict(list)
    days = newest_days(records)
    for day in days:
        groups[(day.member_no, int(day.day[:4]))].append(day)
    written = 0
    for (member_no, year), ds in sorted(groups.items()):  # a member's earlier year first
        written += _apply_year(member_no, year, ds)
        if any(d.day >= f"{year:04d}-12-{31 - LATE_DAYS:02d}" for d in ds):
            written += _fix_carried(member_no, year + 1)
    # After the totals, one write for the batch: the ranking job recomputes only these members.
    ranking_log.record(member_no for member_no, _ in groups)
    return {"days": len(days), "written": written}


def _carried(member_no: str, year: int) -> int:
    """All the member's points before `year` (read when her year item is made)."""
    return sum(
        int(t.points or 0)
        for t in PointTotal.query(
            member_no, PointTotal.period < f"y{year:04d}", consistent_read=True
        )
        if t.period.startswith("y")
    )


def _fix_carried(member_no: str, year: int) -> int:
    """A line on the last days of a year can come after the next year's item was made (a daily
    quiz of 31 Dec submitted on 1 Jan): that item's `carried` is set again from the earlier
    years, an absolute figure, so a replay sets the same. 1 if it had to write."""
    for _ in range(MAX_ATTEMPTS):
        try:
            item = PointTotal.get(member_no, f"y{year:04d}", consistent_read=True)
        except PointTotal.DoesNotExist:
            return 0
        carried = _carried(member_no, year)
        if int(item.carried or 0) == carried:
            return 0
        item.carried = carried
        try:
            item.save()
            return 1
        except PutError as exc:
            if not condition_failed(exc):
                raise
    raise busy()


def _apply_year(member_no: str, year: int, days: list[Day]) -> int:
    period = f"y{year:04d}"
    for _ in range(MAX_ATTEMPTS):
        try:
            item = PointTotal.get(member_no, period, consistent_read=True)
        except PointTotal.DoesNotExist:
            item = PointTotal(
                member_no,
                period,
                carried=_carried(member_no, year),
            )
        if not _add(item, days):
            return 0  # every image here was applied before: a replay
        try:
            item.save()  # conditional on `revision`: a parallel batch makes us read again
            return 1
        except PutError as exc:
            if not condition_failed(exc):
                raise
    raise busy()


def _horizon(recent: dict[str, Any]) -> str | None:
    """The oldest day `recent` keeps: RECENT_DAYS back from the newest day applied."""
    if not recent:
        return None
    newest = max(date.fromisoformat(d) for d in recent)
    return (newest - timedelta(days=RECENT_DAYS - 1)).isoformat()


def week_key(day: str) -> str:
    """The ISO week of a day, "2026-W48" (a week may begin in the year before)."""
    year, week, _ = date.fromisoformat(day).isocalendar()
    return f"{year:04d}-W{week:02d}"


def day_counts(day: Day) -> dict[str, int]:
    """The day's number of lines per rule, a reversal counting -1 (net of reversals); a line of
    no points (a key voided by `points.reverse` with nothing to undo) counts nothing."""
    out: dict[str, int] = defaultdict(int)
    for line in day.lines.values():
        if line.amount:
            out[line.rule] += -1 if line.reversal else 1
    return {r: n for r, n in out.items() if n}


def active(day: Day) -> bool:
    """Has the day any positive line (the member did something that earned points)?"""
    return any(line.amount > 0 for line in day.lines.values())


def _bump(target: dict[str, Any], key: str, delta: int) -> None:
    value = int(target.get(key, 0)) + delta
    if value:
        target[key] = value
    else:
        target.pop(key, None)


def _add(item: PointTotal, days: list[Day]) -> bool:
    """Add what `days` bring beyond what `item` applied; False if they bring nothing new."""
    recent: dict[str, Any] = dict(item.recent or {})
    months: dict[str, int] = dict(item.months or {})
    rules: dict[str, int] = dict(item.rules or {})
    counts: dict[str, dict[str, int]] = {m: dict(v) for m, v in (item.counts or {}).items()}
    weeks: dict[str, dict[str, Any]] = {
        w: {"p": int(v.get("p", 0)), "c": dict(v.get("c") or {})}
        for w, v in (item.weeks or {}).items()
    }
    active_days: dict[str, list[int]] = {m: list(v) for m, v in (item.days or {}).items()}
    total = int(item.points or 0)
    changed = False
    # A day before the oldest `recent` still covers was applied and let go of: its record can
    # only be a replay (a line comes at most LATE_DAYS after its day, its record within a day;
    # RECENT_DAYS is longer than both), e.g. `make dev`'s poller reading the stream from its
    # start again after a restart.
    horizon = _horizon(recent)
    for day in days:
        applied = recent.get(day.day)
        if applied and int(applied["v"]) > day.version:
            continue
        if applied and int(applied["v"]) == day.version and "c" in applied:
            continue  # a replay (a day applied before counts existed takes its counts now)
        if applied is None and horizon is not None and day.day < horizon:
            continue
        base: dict[str, int] = applied["s"] if applied else {}
        base_counts: dict[str, int] = (applied or {}).get("c") or {}
        now = day.by_rule()
        now_counts = day_counts(day)
        month = day.day[5:7]
        week = weeks.setdefault(week_key(day.day), {"p": 0, "c": {}})
        for rule in set(now) | set(base):
            delta = now.get(rule, 0) - base.get(rule, 0)
            if delta:
                total += delta
                months[month] = months.get(month, 0) + delta
                rules[rule] = rules.get(rule, 0) + delta
        # The week's points are new like the counts: a day applied before them adds in full.
        counted = sum(base.values()) if applied and "c" in applied else 0
        week["p"] += sum(now.values()) - counted
        month_counts = counts.setdefault(month, {})
        for rule in set(now_counts) | set(base_counts):
            delta = now_counts.get(rule, 0) - int(base_counts.get(rule, 0))
            if delta:
                _bump(month_counts, rule, delta)
                _bump(week["c"], rule, delta)
        if active(day):
            on = set(active_days.get(month, ()))
            on.add(int(day.day[8:10]))
            active_days[month] = sorted(on)
        recent[day.day] = {"v": day.version, "s": now, "c": now_counts}
        changed = True
    if not changed:
        return False
    oldest = _horizon(recent)
    item.recent = {d: v for d, v in sorted(recent.items()) if oldest is None or d >= oldest}
    item.months = months
    item.rules = rules
    item.counts = {m: c for m, c in counts.items() if c}
    item.weeks = {w: v for w, v in weeks.items() if v["p"] or v["c"]}
    item.days = active_days
    item.points = total
    item.updated_at = clock.now()
    return True

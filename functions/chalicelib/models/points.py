"""Points: the ledger (one item per member and day), the claims that keep an award unique for
ever, the members' totals the stream aggregator keeps, and the precomputed boards.

Why this shape: see `chalicelib.points` (the request path) and `chalicelib.points_stream` (the
aggregator). The lines of a day are attributes of that day's item with names that carry the
ledger key ("L:article_read#slug"), so an award is ONE UpdateItem; those attributes are read and
written through the low-level client in `points_ledger`, not as model attributes.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BinaryAttribute,
    JSONAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    VersionAttribute,
)
from pynamodb.models import Model

from .base import table_meta


class PointDay(Model):
    """The ledger of one member's day (Asia/Shanghai): every award and reversal dated that day.

    Besides the keys and `v` (how many lines the day has: it grows by one with each line, so the
    aggregator can tell a newer image from an older one), the item holds:
      "L:<ledger key>"  a line: {"a": points (negative for a reversal), "t": ms, "n": note?}
      "c:<rule>"        the points of the rule awarded that day: its daily cap's counter.
    Its stream (new and old images) feeds the totals (`points_stream`)."""

    Meta = table_meta("point-days", stream="NEW_AND_OLD_IMAGES")
    member_no = UnicodeAttribute(hash_key=True)
    day = UnicodeAttribute(range_key=True)  # YYYY-MM-DD
    version = NumberAttribute(attr_name="v", default=0)


class PointClaim(Model):
    """Which day holds the line of an award that is unique for ever ("object" rules: an article,
    a comment's round, a campaign). Written before the line (see `points.award`)."""

    Meta = table_meta("point-claims")
    member_no = UnicodeAttribute(hash_key=True)
    key = UnicodeAttribute(range_key=True)  # the ledger key, "article_read#slug"
    day = UnicodeAttribute()  # the day whose item holds (or will hold) the line
    at = NumberAttribute()  # epoch seconds of the claim: an old claim without a line is orphaned


class PointTotal(Model):
    """A member's year, as the stream aggregator (`points_stream`) keeps it: never written on a
    request path. `period` is "y2026".

    `recent` maps each of the last days the aggregator applied to what it applied:
    {"2026-12-01": {"v": the day item's version, "s": {rule: net points}, "c": {rule: lines}}};
    that makes a
    redelivered stream record a no-op, and lets 我的党建 add the lines it has not applied yet."""

    # "point-years": a table of its own, not the earlier per-period counters' "point-totals"
    # (a local database made before keeps that table, unread).
    Meta = table_meta("point-years")
    member_no = UnicodeAttribute(hash_key=True)
    period = UnicodeAttribute(range_key=True)  # "y2026"
    points = NumberAttribute(default=0)  # the year
    carried = NumberAttribute(default=0)  # every earlier year: all time = carried + points
    months = JSONAttribute(default=dict)  # {"01": points, ...}
    rules = JSONAttribute(default=dict)  # {"article_read": points, ...}: the year's mix
    # For the 党务工作台 (see points_stream): lines per rule per month (net of reversals), per ISO
    # week the points and lines, and the days of each month with a positive line.
    counts = JSONAttribute(default=dict)  # {"11": {"article_read": 12, ...}}
    weeks = JSONAttribute(default=dict)  # {"2026-W48": {"p": 30, "c": {"article_read": 5}}}
    days = JSONAttribute(default=dict)  # {"11": [2, 3, 17]}
    recent = JSONAttribute(default=dict)
    updated_at = NumberAttribute(default=0)
    revision = VersionAttribute()  # optimistic lock: two aggregator batches never both apply


class Board(Model):
    """A precomputed board, read with one GetItem: "branch#B0101#m2026-11", "committee#C01#y2026",
    "org#m2026-11", "redblack#m2026-11", "units#m2026-11" (every unit's total)."""

    Meta = table_meta("boards")
    board_id = UnicodeAttribute(hash_key=True)
    data = JSONAttribute()
    digest = UnicodeAttribute()  # the job rewrites a board only when this changes
    computed_at = NumberAttribute()


class RankingState(Model):
    """What the ranking job needs between runs, and what tells it what changed (`ranking_log`,
    `ranking`); never read or written on a request path.

    - ("meta", "job"): the job's header (the day it last ran for, its change-log cursor, the
      registry version and settings it computed with);
    - ("meta", "registry"): `version`, bumped by every registry import (the job re-reads the
      registry only when it moved);
    - ("org", "state"): the organisation's figures per unit holding members, the org boards'
      candidates, the registry's units and the digests of every board but the branch boards;
    - ("holder#<unit>", "state"): a unit's members with their figures and its boards' digests;
    - ("log#<UTC day>", "<ms>#<random>"): the members one aggregator batch changed (`members`),
      kept two days (`expires`)."""

    Meta = table_meta("ranking-state")
    scope = UnicodeAttribute(hash_key=True)
    key = UnicodeAttribute(range_key=True)
    data = BinaryAttribute(legacy_encoding=False, null=True)  # zlib-compressed JSON
    members = UnicodeSetAttribute(null=True)
    version = NumberAttribute(null=True)
    expires = TTLAttribute(null=True)

"""Points: the append-only ledger, the members' counters, and the precomputed boards."""

from __future__ import annotations

from pynamodb.attributes import (
    JSONAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

from .base import table_meta

# Sparse GSI partitions of the counters are split this many ways so that no single key takes
# every award of the organisation (one partition key: ~1,000 writes/s).
BOARD_SHARDS = 10


class LedgerTimeIndex(GlobalSecondaryIndex["PointEntry"]):
    class Meta:
        index_name = "by-time"
        projection = AllProjection()

    member_no = UnicodeAttribute(hash_key=True)
    at_key = UnicodeAttribute(range_key=True)


class PointEntry(Model):
    """One award or reversal. The key is deterministic (rule, object, and the day where the rule
    is per day), written with attribute_not_exists: an award can never be written twice."""

    Meta = table_meta("point-ledger")
    member_no = UnicodeAttribute(hash_key=True)
    key = UnicodeAttribute(range_key=True)  # "article_read#slug", "daily_login#login#2026-11-03"
    rule = UnicodeAttribute()
    object_id = UnicodeAttribute()
    amount = NumberAttribute()  # negative for a reversal
    day = UnicodeAttribute()  # YYYY-MM-DD (Asia/Shanghai) the entry counts for
    at = NumberAttribute()
    at_key = UnicodeAttribute()  # "<ms since epoch, 13 digits>#<key>": the detail log's order
    note = UnicodeAttribute(null=True)
    by_time = LedgerTimeIndex()


class BoardIndex(GlobalSecondaryIndex["PointTotal"]):
    """Sparse: only period totals carry `board_key` ("m2026-11#3"); the ranking job reads them."""

    class Meta:
        index_name = "by-board"
        projection = IncludeProjection(["points"])

    board_key = UnicodeAttribute(hash_key=True)
    member_no = UnicodeAttribute(range_key=True)


class PointTotal(Model):
    """A member's counter for one period, updated in the award's own transaction.

    `period`: "d2026-11-03#<rule>" (today's per-rule total, also the daily-cap counter),
    "m2026-11" (month), "y2026" (year), "y2026#<rule>" (the year's activity mix), "all".
    Org units' totals are not counters here (they would be hot keys): the ranking job sums them.
    """

    Meta = table_meta("point-totals")
    member_no = UnicodeAttribute(hash_key=True)
    period = UnicodeAttribute(range_key=True)
    points = NumberAttribute(default=0)
    # Day counters only: reversals dated this day (<= 0). `points` stays the daily cap's gross
    # count; the day's figure is points + reversed, the sum of the day's ledger lines.
    reversed = NumberAttribute(null=True)
    board_key = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)  # day counters only; the day is in the key anyway
    by_board = BoardIndex()


class Board(Model):
    """A precomputed board, read with one GetItem: "branch#B0101#m2026-11", "committee#C01#y2026",
    "org#m2026-11", "redblack#m2026-11", "units#m2026-11" (every unit's total)."""

    Meta = table_meta("boards")
    board_id = UnicodeAttribute(hash_key=True)
    data = JSONAttribute()
    digest = UnicodeAttribute()  # the job rewrites a board only when this changes
    computed_at = NumberAttribute()

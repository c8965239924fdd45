"""How long an item takes to read and what makes it read: one definition for the build (the
reading time shown on pages, plugins/reading_time) and the API (credit caps and the read mark).

An item's length is counted in units: each Han character, and each run of other letters or
digits (an English word, a number), is one unit.
"""

from __future__ import annotations

import math

UNITS_PER_MINUTE = 400  # Han characters (or other words) a member reads in a minute
HEARTBEAT_MAX_CREDIT = 20  # seconds one heartbeat may credit; the page sends about 15 s each
MIN_READ_SECONDS = 10
MAX_READ_SECONDS = 300


def reading_minutes(units: int) -> int:
    """The reading time shown on a page: whole minutes, never less than 1."""
    return max(1, math.ceil(units / UNITS_PER_MINUTE))


def estimated_seconds(units: int) -> int:
    """Reading time estimated from the item's length (at least 20 s)."""
    return max(20, round(units * 60 / UNITS_PER_MINUTE))


def view_cap(units: int) -> int:
    """The most one page view can be credited: twice the estimated reading time."""
    return 2 * estimated_seconds(units)


def min_seconds(units: int) -> int:
    """Credited seconds that make an item read: half the estimate, within [10 s, 5 min]."""
    return max(MIN_READ_SECONDS, min(MAX_READ_SECONDS, estimated_seconds(units) // 2))

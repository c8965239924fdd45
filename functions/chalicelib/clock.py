"""The time, in one place: the organisation's day is Asia/Shanghai's.

Everything that needs "now" or "today" calls these, so tests freeze time by patching
`chalicelib.clock.now` in-process.
"""

from __future__ import annotations

import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")


def now() -> float:
    """Seconds since the epoch."""
    return time.time()


def local_now() -> datetime:
    return datetime.fromtimestamp(now(), TZ)


def today() -> date:
    """Today's date in Asia/Shanghai: daily caps and quotas turn over at Beijing midnight."""
    return local_now().date()


def day_of(epoch: float) -> date:
    """The Asia/Shanghai date of a moment (seconds since the epoch)."""
    return datetime.fromtimestamp(epoch, TZ).date()

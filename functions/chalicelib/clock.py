"""The time, in one place: the organisation's day is Asia/Shanghai's.

Everything that needs "now" or "today" calls these, so tests can freeze time by patching
`chalicelib.clock.now` (in-process) or set `CLOCK_OFFSET_SECONDS` (for a whole API process).
"""

from __future__ import annotations

import os
import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")


def now() -> float:
    """Seconds since the epoch; shifted by CLOCK_OFFSET_SECONDS (tests only) when set."""
    return time.time() + float(os.environ.get("CLOCK_OFFSET_SECONDS", "0"))


def local_now() -> datetime:
    return datetime.fromtimestamp(now(), TZ)


def today() -> date:
    """Today's date in Asia/Shanghai: daily caps and quotas turn over at Beijing midnight."""
    return local_now().date()

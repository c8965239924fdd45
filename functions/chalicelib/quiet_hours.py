"""Quiet hours: no pushes of non-urgent messages at night, in the organisation's time zone.

`PUSH_QUIET_HOURS` is "HH:MM-HH:MM" in Asia/Shanghai (default "22:00-07:30"; it may cross
midnight, or not); empty turns quiet hours off. `held_until(now)` answers when the quiet hours
that `now` falls in end (the epoch second non-urgent pushes wait for), or None outside them.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from .clock import TZ
from .settings import SettingsError, get_settings


def parse(spec: str) -> tuple[time, time] | None:
    """("22:00", "07:30") from "22:00-07:30"; None for ""."""
    if not spec.strip():
        return None
    try:
        start, end = (time.fromisoformat(part.strip()) for part in spec.split("-"))
    except ValueError:
        raise SettingsError(f"PUSH_QUIET_HOURS must be HH:MM-HH:MM, not {spec!r}") from None
    if start == end:
        raise SettingsError(f"PUSH_QUIET_HOURS {spec!r}: start and end are the same time")
    return start, end


def held_until(now: float, spec: str | None = None) -> int | None:
    """The end of the quiet hours `now` is in (epoch seconds), or None."""
    window = parse(get_settings().push_quiet_hours if spec is None else spec)
    if window is None:
        return None
    start, end = window
    local = datetime.fromtimestamp(now, TZ)
    t = local.time()
    if start < end:  # e.g. 12:00-14:00, within one day
        quiet = start <= t < end
        end_day = local.date()
    else:  # e.g. 22:00-07:30, across midnight
        quiet = t >= start or t < end
        end_day = local.date() + timedelta(days=1) if t >= start else local.date()
    if not quiet:
        return None
    return int(datetime.combine(end_day, end, TZ).timestamp())

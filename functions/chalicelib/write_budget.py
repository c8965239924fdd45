"""The per-member write budget: at most `WRITE_BUDGET_LIMIT` write requests (POST, PUT, PATCH,
DELETE) by one signed-in member per fixed window of `WRITE_BUDGET_WINDOW_SECONDS`, beyond each
action's own limits (README: Limits). A stolen token or a page stuck in a loop then costs a
bounded number of writes a minute, whatever route it hits.

Taken by `web.signed_in` / `web.signed_in_or_anonymous` after the token check and before the
route's work, with throttle.py's fixed-window counter: one conditional UpdateItem (one write
unit), exact under parallel requests. A refused request is a 429 with `Retry-After` (the seconds
to the window's end) and changes nothing else; an accepted one keeps its unit, whatever the
route answers (a flood of invalid writes is still a flood).
"""

from __future__ import annotations

import math

from . import clock, metric_names, observe, throttle
from .errors import TooManyRequestsError
from .settings import get_settings

METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def take(member_no: str) -> None:
    """Count one write of this member in the current window, or raise the 429."""
    settings = get_settings()
    try:
        throttle.reserve_window(
            f"write#{member_no}",
            settings.write_budget_limit,
            settings.write_budget_window_seconds,
            clock.now(),
        )
    except TooManyRequestsError as exc:
        observe.count(metric_names.WRITE_BUDGET_REFUSALS)
        wait = exc.retry_after
        after = f"{wait} 秒" if wait < 120 else f"{math.ceil(wait / 60)} 分钟"
        raise TooManyRequestsError(f"操作过于频繁，请 {after}后再试", wait) from None

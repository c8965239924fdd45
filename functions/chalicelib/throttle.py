"""Brute-force protection: at most 5 failures per account and action within 15 minutes.

Failures are not recorded while an account is locked, so nobody can keep a member locked out for
longer than one window after the fifth failure.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from pynamodb.exceptions import PutError, UpdateError

from .errors import TooManyRequestsError
from .models import LoginThrottle
from .settings import get_settings


def _recent(item: LoginThrottle | None, now: float) -> list[float]:
    if item is None:
        return []
    window = get_settings().login_window_seconds
    return [t for t in item.failures if t > now - window]


def _get(key: str) -> LoginThrottle | None:
    try:
        return LoginThrottle.get(key, consistent_read=True)
    except LoginThrottle.DoesNotExist:
        return None


def check(key: str, now: float) -> LoginThrottle | None:
    """Raise 429 while locked; return the record so a failure can be added without a read."""
    settings = get_settings()
    item = _get(key)
    recent = _recent(item, now)
    if len(recent) >= settings.login_max_failures:
        unlock_at = recent[-settings.login_max_failures] + settings.login_window_seconds
        wait = max(1, math.ceil(unlock_at - now))
        minutes = math.ceil(wait / 60)
        raise TooManyRequestsError(f"尝试次数过多,请 {minutes} 分钟后再试", retry_after=wait)
    return item


def record_failure(key: str, item: LoginThrottle | None, now: float) -> None:
    settings = get_settings()
    for _ in range(3):  # optimistic locking: retry when a parallel attempt wrote first
        recent = _recent(item, now)
        record = item or LoginThrottle(key)
        record.failures = [*recent, now][-settings.login_max_failures :]
        record.expires_at = datetime.fromtimestamp(now + settings.login_window_seconds, UTC)
        try:
            record.save()
            return
        except (PutError, UpdateError):
            item = _get(key)


def clear(key: str, item: LoginThrottle | None) -> None:
    if item is not None and item.failures:
        item.delete()

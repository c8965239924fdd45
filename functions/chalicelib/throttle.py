"""Brute-force protection: at most 5 attempts per account and action within 15 minutes.

Each attempt takes a slot *before* the password is checked, with an optimistic-locking write, so
parallel guesses cannot all slip past the check; a success frees the slots. Nothing is recorded
while an account is locked, so nobody can keep a member locked out for longer than one window
after the fifth failure.
"""

from __future__ import annotations

import contextlib
import math
from datetime import UTC, datetime

from pynamodb.exceptions import DeleteError, PutError

from .errors import TooManyRequestsError
from .models import LoginThrottle
from .settings import get_settings

_TRIES = 5


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


def reserve(key: str, now: float) -> LoginThrottle:
    """Count this attempt, or raise 429 while the account is locked (with the wait in seconds)."""
    settings = get_settings()
    for _ in range(_TRIES):
        item = _get(key)
        recent = _recent(item, now)
        if len(recent) >= settings.login_max_failures:
            unlock_at = recent[-settings.login_max_failures] + settings.login_window_seconds
            wait = max(1, math.ceil(unlock_at - now))
            raise TooManyRequestsError(
                f"尝试次数过多,请 {math.ceil(wait / 60)} 分钟后再试", retry_after=wait
            )
        record = item or LoginThrottle(key)
        record.failures = [*recent, now]
        record.expires_at = datetime.fromtimestamp(now + settings.login_window_seconds, UTC)
        try:
            record.save()  # conditional on the version read: parallel attempts serialise here
            return record
        except PutError:
            continue
    raise TooManyRequestsError("尝试过于频繁,请稍后再试", retry_after=5)


def release(record: LoginThrottle) -> None:
    """A success frees the account's slots (unless a parallel attempt wrote meanwhile)."""
    with contextlib.suppress(DeleteError):
        record.delete()

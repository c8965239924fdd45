"""Brute-force protection: budgets of attempts that are taken *before* the secret is checked.

- Per account and action (`reserve`): at most 5 attempts within a sliding 15 minutes. Each
  attempt takes a slot with an optimistic-locking write, so parallel guesses cannot all slip past
  the check; a success frees the slot. Nothing is recorded while an account is locked, so nobody
  can keep a member locked out for longer than one window after the fifth failure.
- Per client or organisation-wide (`reserve_window`): a counter per fixed window, incremented
  with a condition `count < limit` (one conditional write; parallel requests cannot overshoot);
  a success gives its unit back.

`reserve_all` takes several budgets at once and gives back the ones it took when a later one is
exhausted, so a refused attempt counts against nothing.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from datetime import UTC, datetime

from pynamodb.exceptions import DeleteError, PutError, UpdateError

from .errors import TooManyRequestsError
from .models import LoginThrottle
from .models.base import condition_failed
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


def _too_many(wait: float) -> TooManyRequestsError:
    wait = max(1, math.ceil(wait))
    return TooManyRequestsError(f"尝试次数过多，请 {math.ceil(wait / 60)} 分钟后再试", wait)


def reserve(key: str, now: float) -> LoginThrottle:
    """Count this attempt, or raise 429 while the account is locked (with the wait in seconds)."""
    settings = get_settings()
    for _ in range(_TRIES):
        item = _get(key)
        recent = _recent(item, now)
        if len(recent) >= settings.login_max_failures:
            unlock_at = recent[-settings.login_max_failures] + settings.login_window_seconds
            raise _too_many(unlock_at - now)
        record = item or LoginThrottle(key)
        record.failures = [*recent, now]
        record.expires_at = datetime.fromtimestamp(now + settings.login_window_seconds, UTC)
        try:
            record.save()  # conditional on the version read: parallel attempts serialise here
            return record
        except PutError as exc:
            if not condition_failed(exc):
                raise  # throttling or an outage: a 503, not "too many attempts"
            continue
    raise TooManyRequestsError("尝试过于频繁，请稍后再试", retry_after=5)


def release(record: LoginThrottle) -> None:
    """A success: the account's failures are forgiven (its record deleted, unless a parallel
    attempt wrote meanwhile); a window counter gives this attempt back."""
    if record.count is not None:
        give_back(record)
        return
    with contextlib.suppress(DeleteError):
        record.delete()


def give_back(record: LoginThrottle) -> None:
    """Take back exactly this attempt and nothing else (a later budget refused it): its own
    timestamp from an account's list, or one from a window's count."""
    if record.count is not None:
        with contextlib.suppress(UpdateError):
            record.update(actions=[LoginThrottle.count.add(-1)], add_version_condition=False)
        return
    mine = record.failures[-1] if record.failures else None
    for _ in range(_TRIES):
        current = _get(record.key)
        if current is None or mine not in current.failures:
            return
        current.failures = [t for t in current.failures if t != mine]
        try:
            current.save()  # conditional on the version read
            return
        except PutError as exc:
            if not condition_failed(exc):
                raise


def reserve_window(prefix: str, limit: int, window_seconds: int, now: float) -> LoginThrottle:
    """Count this attempt in the current fixed window of `prefix`, or raise 429 when `limit`
    attempts are already counted there."""
    start = int(now // window_seconds) * window_seconds
    record = LoginThrottle(f"{prefix}#{start}")
    try:
        record.update(
            actions=[
                LoginThrottle.count.add(1),
                LoginThrottle.expires_at.set(
                    datetime.fromtimestamp(start + 2 * window_seconds, UTC)
                ),
            ],
            condition=LoginThrottle.count.does_not_exist() | (LoginThrottle.count < limit),
            add_version_condition=False,
        )
    except UpdateError as exc:
        if condition_failed(exc):
            raise _too_many(start + window_seconds - now) from None
        raise
    return record


@dataclass(frozen=True)
class Budget:
    """One budget an attempt must fit: an account's sliding window (no limit given) or a fixed
    window of `limit` attempts per `window_seconds`."""

    key: str
    limit: int | None = None
    window_seconds: int = 0


def reserve_all(now: float, *budgets: Budget) -> list[LoginThrottle]:
    taken: list[LoginThrottle] = []
    try:
        for b in budgets:
            if b.limit is None:
                taken.append(reserve(b.key, now))
            else:
                taken.append(reserve_window(b.key, b.limit, b.window_seconds, now))
    except TooManyRequestsError:
        for record in taken:
            give_back(record)
        raise
    return taken

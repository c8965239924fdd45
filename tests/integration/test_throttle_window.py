"""The lockout lasts one window after the fifth failure, no longer (time is passed in)."""

from __future__ import annotations

import pytest

from chalicelib import throttle
from chalicelib.errors import TooManyRequestsError

pytestmark = pytest.mark.usefixtures("clean_tables")
T0 = 1_800_000_000.0


def fail(key: str, now: float) -> None:
    throttle.record_failure(key, throttle.check(key, now), now)


def test_five_failures_lock_until_the_first_leaves_the_window():
    for i in range(5):
        fail("login#1", T0 + i * 60)  # failures at 0, 1, 2, 3, 4 minutes
    with pytest.raises(TooManyRequestsError) as locked:
        throttle.check("login#1", T0 + 5 * 60)
    assert locked.value.retry_after == 10 * 60  # the first failure leaves the window at 15 min
    # Attempts while locked are not counted, so hammering does not extend the lock.
    for i in range(20):
        with pytest.raises(TooManyRequestsError):
            throttle.check("login#1", T0 + 5 * 60 + i)
    assert throttle.check("login#1", T0 + 15 * 60 + 1) is not None


def test_the_lock_never_outlasts_one_window_after_the_fifth_failure():
    for i in range(5):
        fail("login#2", T0 + i)
    with pytest.raises(TooManyRequestsError) as locked:
        throttle.check("login#2", T0 + 4)
    assert locked.value.retry_after <= 15 * 60
    throttle.check("login#2", T0 + 4 + 15 * 60)


def test_old_failures_do_not_count():
    for i in range(4):
        fail("login#3", T0 + i)
    fail("login#3", T0 + 16 * 60)  # four old ones have left the window
    assert throttle.check("login#3", T0 + 16 * 60 + 1) is not None

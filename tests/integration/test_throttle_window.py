"""The lockout lasts one window after the fifth attempt, no longer (time is passed in)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib import throttle
from chalicelib.errors import TooManyRequestsError

pytestmark = pytest.mark.usefixtures("clean_tables")
T0 = 1_800_000_000.0


def test_five_attempts_lock_until_the_first_leaves_the_window():
    for i in range(5):
        throttle.reserve("login#1", T0 + i * 60)  # attempts at 0, 1, 2, 3, 4 minutes
    with pytest.raises(TooManyRequestsError) as locked:
        throttle.reserve("login#1", T0 + 5 * 60)
    assert locked.value.retry_after == 10 * 60  # the first attempt leaves the window at 15 min
    # Attempts while locked are not counted, so hammering does not extend the lock.
    for i in range(20):
        with pytest.raises(TooManyRequestsError):
            throttle.reserve("login#1", T0 + 5 * 60 + i)
    assert throttle.reserve("login#1", T0 + 15 * 60 + 1)


def test_the_lock_never_outlasts_one_window_after_the_fifth_attempt():
    for i in range(5):
        throttle.reserve("login#2", T0 + i)
    with pytest.raises(TooManyRequestsError) as locked:
        throttle.reserve("login#2", T0 + 4)
    assert locked.value.retry_after <= 15 * 60
    throttle.reserve("login#2", T0 + 4 + 15 * 60)


def test_old_attempts_do_not_count():
    for i in range(4):
        throttle.reserve("login#3", T0 + i)
    throttle.reserve("login#3", T0 + 16 * 60)  # four old ones have left the window
    assert throttle.reserve("login#3", T0 + 16 * 60 + 1)


def test_a_success_frees_the_slots():
    for i in range(4):
        attempt = throttle.reserve("login#4", T0 + i)
    throttle.release(attempt)
    for i in range(5):
        throttle.reserve("login#4", T0 + 10 + i)


def test_parallel_attempts_get_at_most_five_slots():
    """Guesses sent at once must not all pass a check that reads before anyone writes."""

    def attempt(_: int) -> bool:
        try:
            throttle.reserve("login#5", T0)
            return True
        except TooManyRequestsError:
            return False

    with ThreadPoolExecutor(max_workers=12) as pool:
        granted = sum(pool.map(attempt, range(30)))
    assert granted <= 5
    with pytest.raises(TooManyRequestsError):
        throttle.reserve("login#5", T0 + 1)

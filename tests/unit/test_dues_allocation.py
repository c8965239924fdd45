"""党费收缴's allocation: oldest months first, partial payments, the surplus refused; the
money helpers (fen ↔ yuan, months)."""

from __future__ import annotations

import pytest

from chalicelib.dues_collection import TooMuchError, add_months, allocate, status_of, yuan


@pytest.mark.parametrize(
    ("owed", "amount", "expected"),
    [
        # exactly the oldest month
        ([("2026-10", 3000), ("2026-11", 3000)], 3000, {"2026-10": 3000}),
        # arrears first, then the current month, partly
        ([("2026-10", 3000), ("2026-11", 3000)], 4500, {"2026-10": 3000, "2026-11": 1500}),
        # a month partly paid before takes only what it lacks
        ([("2026-10", 1000), ("2026-11", 3000)], 2000, {"2026-10": 1000, "2026-11": 1000}),
        # paid months (nothing lacking) and overpaid ones are skipped
        ([("2026-09", 0), ("2026-10", -500), ("2026-11", 3000)], 3000, {"2026-11": 3000}),
        # one fen
        ([("2026-11", 3000)], 1, {"2026-11": 1}),
    ],
)
def test_oldest_first_and_partial(owed, amount, expected):
    assert allocate(owed, amount) == expected


def test_surplus_is_refused_with_its_amount():
    with pytest.raises(TooMuchError) as info:
        allocate([("2026-11", 3000), ("2026-12", 3000)], 6001)
    assert info.value.surplus == 1
    with pytest.raises(TooMuchError):
        allocate([], 100)


@pytest.mark.parametrize(
    ("fen", "text"),
    [(0, "0.00"), (1, "0.01"), (12000, "120.00"), (12345, "123.45"), (-50, "-0.50")],
)
def test_yuan(fen, text):
    assert yuan(fen) == text


def test_months_roll_over_years():
    assert add_months("2026-12", 1) == "2027-01"
    assert add_months("2026-01", -1) == "2025-12"
    assert add_months("2026-11", 14) == "2028-01"


@pytest.mark.parametrize(
    ("month", "expected", "paid", "status"),
    [
        ("2026-11", None, 0, "unassessed"),
        ("2026-11", 0, 0, "exempt"),
        ("2026-11", 3000, 3000, "paid"),
        ("2026-11", 3000, 100, "partial"),
        ("2026-11", 3000, 0, "unpaid"),
        ("2027-01", 3000, 3000, "advance"),
        ("2027-01", 3000, 0, "due"),
    ],
)
def test_status(month, expected, paid, status):
    assert status_of(month, expected, paid, "2026-12") == status

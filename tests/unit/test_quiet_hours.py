"""Quiet hours in Beijing time: across midnight or within a day, and the setting's errors."""

from __future__ import annotations

from datetime import datetime

import pytest

from chalicelib.clock import TZ
from chalicelib.quiet_hours import held_until, parse
from chalicelib.settings import SettingsError


def _at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=TZ).timestamp()


@pytest.mark.parametrize(
    ("now", "until"),
    [
        ("2027-03-01 21:59:59", None),
        ("2027-03-01 22:00:00", "2027-03-02 07:30:00"),
        ("2027-03-01 23:59:59", "2027-03-02 07:30:00"),
        ("2027-03-02 00:00:00", "2027-03-02 07:30:00"),
        ("2027-03-02 07:29:59", "2027-03-02 07:30:00"),
        ("2027-03-02 07:30:00", None),
        ("2027-03-02 12:00:00", None),
    ],
)
def test_default_quiet_hours_cross_midnight(now: str, until: str | None) -> None:
    expected = None if until is None else int(_at(until))
    assert held_until(_at(now), "22:00-07:30") == expected


def test_quiet_hours_within_one_day() -> None:
    assert held_until(_at("2027-03-01 12:30:00"), "12:00-14:00") == int(_at("2027-03-01 14:00"))
    assert held_until(_at("2027-03-01 14:00:00"), "12:00-14:00") is None
    assert held_until(_at("2027-03-01 11:59:00"), "12:00-14:00") is None


def test_no_quiet_hours() -> None:
    assert parse("") is None
    assert held_until(_at("2027-03-01 03:00:00"), "") is None


@pytest.mark.parametrize("spec", ["22:00", "22-7", "25:00-07:00", "07:00-07:00"])
def test_a_bad_setting_is_a_settings_error(spec: str) -> None:
    with pytest.raises(SettingsError):
        parse(spec)

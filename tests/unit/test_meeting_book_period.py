"""The export's period (meeting_book.period): months checked, at most 12, and without months the
three ending this one in Beijing, across a year end and at Beijing midnight."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib import clock, meeting_book
from chalicelib.errors import BadRequestError


def frozen(monkeypatch: pytest.MonkeyPatch, iso_utc: str) -> None:
    stamp = datetime.fromisoformat(iso_utc).replace(tzinfo=UTC).timestamp()
    monkeypatch.setattr(clock, "now", lambda: stamp)


@pytest.mark.parametrize(
    ("utc", "expected"),
    [
        ("2027-02-28T15:59:59", ("2026-12", "2027-02")),  # 23:59:59 on 28 Feb in Beijing
        ("2027-02-28T16:00:00", ("2027-01", "2027-03")),  # midnight: March in Beijing
        ("2027-01-15T00:00:00", ("2026-11", "2027-01")),
    ],
)
def test_default_period_is_the_three_months_ending_this_one(monkeypatch, utc, expected):
    frozen(monkeypatch, utc)
    assert meeting_book.period(None, None) == expected


def test_one_side_given():
    assert meeting_book.period("2026-11", None) == ("2026-11", "2027-01")
    assert meeting_book.period(None, "2026-02") == ("2025-12", "2026-02")
    assert meeting_book.period("2026-01", "2026-12") == ("2026-01", "2026-12")
    assert meeting_book.period("2026-05", "2026-05") == ("2026-05", "2026-05")


@pytest.mark.parametrize(
    ("start", "end"),
    [("2026-00", "2026-01"), ("2026-13", None), ("2026-1", None), ("２０２６-01", None),
     ("2026-01-01", None), ("2026-01\n", None), ("2026-01 ", None), ("0000-01", "0000-02"),
     ("2025-12", "2026-12"), ("2026-02", "2026-01"), (None, "abcd-ef")],
)  # fmt: skip
def test_bad_periods(start, end):
    with pytest.raises(BadRequestError):
        meeting_book.period(start, end)


def test_labels_and_file_name():
    assert meeting_book.period_label("2026-10", "2026-10") == "2026年10月"
    assert meeting_book.period_label("2025-12", "2026-02") == "2025年12月至2026年2月"
    disposition = meeting_book.content_disposition("支部 记录.xlsx", "book.xlsx")
    encoded = "%E6%94%AF%E9%83%A8%20%E8%AE%B0%E5%BD%95.xlsx"
    assert disposition == f"attachment; filename=\"book.xlsx\"; filename*=UTF-8''{encoded}"

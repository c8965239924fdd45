"""政治生日: the one anniversary definition (29 Feb included), the card's next birthday on other
days, the organisation's lines file and its checks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from chalicelib import birthday
from chalicelib.models import Member
from chalicelib.points import anniversary


@pytest.mark.parametrize(
    ("joined", "year", "expected"),
    [
        ("2001-07-01", 2026, date(2026, 7, 1)),
        ("2000-02-29", 2026, date(2026, 2, 28)),  # not a leap year: 28 Feb
        ("2000-02-29", 2028, date(2028, 2, 29)),  # a leap year: the day itself
        ("2026-03-01", 2026, None),  # joined this year: no anniversary yet
        ("", 2026, None),
        (None, 2026, None),
        ("2001-13-01", 2026, None),
    ],
)
def test_anniversary(joined, year, expected) -> None:
    assert anniversary(joined, year) == expected


def _member(joined: str | None) -> Member:
    return Member("10000001", name="王红", branch_id="B1", status="full", joined_on=joined)


def freeze(monkeypatch: pytest.MonkeyPatch, day: date) -> None:
    from chalicelib import clock

    monkeypatch.setattr(clock, "today", lambda: day)


@pytest.mark.parametrize(
    ("joined", "today", "next_date", "years", "days"),
    [
        ("2001-07-01", date(2026, 6, 30), "2026-07-01", 25, 1),
        ("2001-07-01", date(2026, 7, 2), "2027-07-01", 26, 364),
        ("2000-02-29", date(2026, 2, 27), "2026-02-28", 26, 1),
        ("2000-02-29", date(2026, 3, 1), "2027-02-28", 27, 364),
        ("2000-02-29", date(2027, 3, 1), "2028-02-29", 28, 365),
        ("2025-12-31", date(2025, 12, 31), None, None, None),  # joined today: nothing yet
    ],
)
def test_other_days_say_when_the_next_one_is(monkeypatch, joined, today, next_date, years, days):
    freeze(monkeypatch, today)
    got = birthday.card(_member(joined))
    assert got["is_birthday"] is False
    if next_date is None:
        assert got["next"] is None
    else:
        assert got["next"] == {"date": next_date, "years": years, "days": days}


def test_no_joining_date_has_no_card(monkeypatch) -> None:
    freeze(monkeypatch, date(2026, 7, 1))
    got = birthday.card(_member(None))
    assert got["joined_on"] is None and got["next"] is None and got["is_birthday"] is False


def test_the_line_is_the_one_for_her_years() -> None:
    lines = birthday.load_lines()
    assert birthday.line_for(1) == lines[1]
    assert birthday.line_for(9) == lines[1]
    assert birthday.line_for(10) == lines[10]
    assert birthday.line_for(57) == lines[50]


ONE = '[[line]]\nfrom_years = 1\ntext = "不忘初心牢记使命"\n'
BAD = [
    ('[[line]]\nfrom_years = 1\ntext = "短"\n', 3, "text"),
    ('[[line]]\nfrom_years = 0\ntext = "不忘初心牢记使命"\n', 2, "from_years"),
    ('[[line]]\nfrom_years = 1\ntext = "不忘初心\\n牢记使命"\n', 3, "一行"),
    ('[[line]]\nfrom_years = 10\ntext = "不忘初心牢记使命"\n', 1, "from_years = 1"),
    (ONE + '[[line]]\nfrom_years = 1\ntext = "再一句寄语"\n', 5, "重复"),
    ('[[line]]\nfrom_years = 1\ntext = "' + "长" * 41 + '"\n', 3, "4–40"),
    ('[[line]]\nfrom_years = 1\ntext = "不忘初心牢记使命"\nsize = 3\n', 4, "不认识"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "line", "words"), BAD)
def test_a_bad_lines_file_names_file_line_and_field(tmp_path: Path, text, line, words) -> None:
    path = tmp_path / "birthday.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(birthday.LinesFileError) as err:
        birthday.load_lines(path)
    assert f"{path}:{line}:" in str(err.value)
    assert words in str(err.value)


@pytest.mark.parametrize(
    "month", ["2026-13", "2026-00", "2026-7", "26-07", "", None, "2026-07-01", "１９９９-01"]
)
def test_a_bad_month_is_refused_in_chinese(month) -> None:
    from chalicelib.errors import BadRequestError

    with pytest.raises(BadRequestError, match="月份"):
        birthday.check_month(month)


@pytest.mark.parametrize(
    ("joined", "today", "expected"),
    [
        ("2016-12-02", date(2026, 12, 2), {"years": 10}),
        ("2016-12-02", date(2026, 12, 3), None),
        ("2000-02-29", date(2026, 2, 28), {"years": 26}),
        ("2000-02-29", date(2028, 2, 28), None),  # a leap year: the 29th is the day
        (None, date(2026, 12, 2), None),
    ],
)
def test_the_home_pages_mark(monkeypatch, joined, today, expected) -> None:
    freeze(monkeypatch, today)
    assert birthday.today_mark(_member(joined)) == expected


def test_every_month_has_demo_anniversaries_in_the_demo_accounts_branch() -> None:
    """make dev's staff list is never empty: the demo secretary's branch (B0101) has someone's
    political birthday in every month (the registry's dates are fixed by its seed)."""
    from tools import demo_registry

    _, members = demo_registry.generate()
    months = {m["入党日期"][5:7] for m in members if m["入党日期"] and m["所在支部"] == "B0101"}
    assert months == {f"{n:02d}" for n in range(1, 13)}


def test_the_day_is_beijings(at) -> None:
    """16:00 UTC is midnight in Beijing: the card turns over then, not at UTC midnight."""
    member = _member("2016-12-03")
    at("2026-12-02T15:59:00")
    assert birthday.today_mark(member) is None
    at("2026-12-02T16:00:00")
    assert birthday.today_mark(member) == {"years": 10}
    at("2026-12-03T15:59:00")
    assert birthday.today_mark(member) == {"years": 10}
    at("2026-12-03T16:00:00")
    assert birthday.today_mark(member) is None

"""The reminders file (functions/chalicelib/reminders.toml) as its editors meet it: every
problem named by file, line and field, nothing loaded when anything is wrong; the schedules'
grammar and their due times in Beijing time."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from chalicelib import clock, reminder_defs
from chalicelib.reminder_defs import ReminderFileError, load, parse_schedule
from tools import reminders as tool

GOOD = """\
[[reminder]]
key = "political_birthday"
kind = "political_birthday"
audience = "political_birthday"
schedule = "daily 08:30"
title = "政治生日快乐！"
template = "{name}同志：今天是您入党{years}周年的政治生日。"
link = "/my-dangjian.html"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "reminders.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = _write(tmp_path, text)
    with pytest.raises(ReminderFileError) as caught:
        load(path)
    return str(caught.value).splitlines()


def test_the_shipped_file_loads_and_says_what_runs_today() -> None:
    found = {r.key: r for r in load()}
    assert {k for k, r in found.items() if r.runnable} == {
        "political_birthday",
        "review_overdue",
        "moderation_overdue",
        "theme_day_missing",
        "recruitment_due",
        "transfer_overdue",
        "dues_unpaid",
        "request_overdue",
        "lesson_due",  # 微党课 (issue 19)
    }
    # 诉求 (issue 16) brought its resolver: nothing in the shipped file waits any more.
    assert found["request_overdue"].runnable
    assert found["request_overdue"].link == "/requests-desk.html"
    assert found["dues_unpaid"].title.startswith("温馨提示")


def test_a_template_field_the_audience_does_not_provide_is_named_with_its_line(
    tmp_path: Path,
) -> None:
    text = GOOD.replace("{years}周年", "{age}周年")
    [problem] = _problems(tmp_path, text)
    assert problem.startswith(f"{tmp_path / 'reminders.toml'}:7: ")
    assert "political_birthday" in problem and "template" in problem and "{age}" in problem


def test_every_problem_of_every_entry_is_reported_at_once(tmp_path: Path) -> None:
    second = (
        GOOD.replace('key = "political_birthday"', 'key = "second"')
        .replace('schedule = "daily 08:30"', 'schedule = "daily 23:30"')
        .replace('kind = "political_birthday"', 'kind = "birthday"')
    )
    text = GOOD.replace('link = "/my-dangjian.html"', 'link = "https://x.example/"') + "\n" + second
    problems = _problems(tmp_path, text)
    assert [p.split(": ", 1)[0].rsplit(":", 1)[1] for p in problems] == ["8", "12", "14"]
    assert "link" in problems[0] and "kind" in problems[1] and "23:00" in problems[2]


@pytest.mark.parametrize(
    ("change", "line", "field"),
    [
        (('audience = "political_birthday"', 'audience = "everyone"'), 4, "audience"),
        (('schedule = "daily 08:30"', 'schedule = "monthly 31 08:30"'), 5, "schedule"),
        (('schedule = "daily 08:30"', 'schedule = "daily 8:30"'), 5, "schedule"),
        # Posted by the 22:00 run, or the 07:00 one: pushed only after the quiet hours.
        (('schedule = "daily 08:30"', 'schedule = "daily 21:30"'), 5, "schedule"),
        (('schedule = "daily 08:30"', 'schedule = "daily 06:30"'), 5, "schedule"),
        (('title = "政治生日快乐！"', 'title = "生日{"'), 6, "title"),
        (('title = "政治生日快乐！"', 'title = "{name!r}"'), 6, "title"),
        (('link = "/my-dangjian.html"', 'link = "/m/{member}"'), 8, "link"),
        (('key = "political_birthday"', 'key = "Political Birthday"'), 2, "key"),
        (('link = "/my-dangjian.html"', 'link = "/x"\nshedule = "daily 09:00"'), 9, "shedule"),
        (('link = "/my-dangjian.html"', 'link = "/x"\nparams = { days = 3 }'), 9, "params"),
        (('link = "/my-dangjian.html"', 'link = "/x"\nenabled = "no"'), 9, "enabled"),
        (('title = "政治生日快乐！"\n', ""), 1, "title"),
        (("{name}同志", "{name}同志" + "很长" * 90), 7, "template"),
    ],
)
def test_each_field_is_checked(
    tmp_path: Path, change: tuple[str, str], line: int, field: str
) -> None:
    problems = _problems(tmp_path, GOOD.replace(*change))
    assert any(p.startswith(f"{tmp_path / 'reminders.toml'}:{line}: ") and f"字段 {field}" in p
               for p in problems), problems  # fmt: skip


def test_a_repeated_key_names_both_lines(tmp_path: Path) -> None:
    [problem] = _problems(tmp_path, GOOD + "\n" + GOOD)
    assert ":11: " in problem and "第 1 行" in problem


def test_a_toml_syntax_error_names_its_line(tmp_path: Path) -> None:
    [problem] = _problems(tmp_path, GOOD.replace('kind = "political_birthday"', "kind = "))
    assert problem.startswith(f"{tmp_path / 'reminders.toml'}:3: ")


def test_the_check_command_prints_the_problems_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, GOOD.replace("{years}", "{age}"))
    assert tool.main(["check", str(path)]) == 1
    assert f"{path}:7:" in capsys.readouterr().err
    assert tool.main(["check", str(_write(tmp_path, GOOD))]) == 0


def _local(iso: str) -> datetime:
    return datetime.fromisoformat(iso).replace(tzinfo=clock.TZ)


@pytest.mark.parametrize(
    ("schedule", "moment", "due"),
    [
        ("daily 08:30", "2026-12-01T08:29", None),
        ("daily 08:30", "2026-12-01T08:30", date(2026, 12, 1)),
        ("daily 08:30", "2026-12-01T22:00", date(2026, 12, 1)),  # a missed run, caught up
        ("weekdays 09:00", "2026-12-05T10:00", None),  # a Saturday
        ("weekdays 09:00", "2026-12-07T10:00", date(2026, 12, 7)),
        ("weekly tue 09:00", "2026-12-01T09:00", date(2026, 12, 1)),
        ("weekly mon 09:00", "2026-12-01T09:00", None),
        ("monthly 20 09:00", "2026-12-20T09:00", date(2026, 12, 20)),
        ("monthly 20 09:00", "2026-12-21T09:00", None),
        ("monthly last 10:00", "2027-02-28T10:00", date(2027, 2, 28)),
        ("monthly last 10:00", "2028-02-28T10:00", None),  # 2028 is a leap year
        ("monthly last 10:00", "2028-02-29T10:00", date(2028, 2, 29)),
    ],
)
def test_schedules_in_beijing_time(schedule: str, moment: str, due: date | None) -> None:
    assert parse_schedule(schedule).due(_local(moment)) == due


def test_a_long_value_is_cut_to_wecoms_limits() -> None:
    assert reminder_defs.fit("短", 128) == "短"
    cut = reminder_defs.fit("长" * 100, 128)
    assert len(cut.encode()) <= 128 and cut.endswith("…")


def test_without_quiet_hours_a_late_reminder_is_fine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    from chalicelib import settings

    monkeypatch.setattr(
        settings, "_settings", replace(settings.get_settings(), push_quiet_hours="")
    )
    [found] = load(_write(tmp_path, GOOD.replace("daily 08:30", "daily 21:30")))
    assert found.schedule.at.hour == 21

"""The kinds of meeting (functions/chalicelib/meeting_kinds.toml) as an organisation's editor
meets them: the shipped rules; every problem named by file, line and field, all at once, nothing
loaded; the one warned kind and its due day, which the 主题党日 reminder's schedule must agree
with (checked by the reminders' loader and by `make meeting-kinds`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from chalicelib import meeting_kinds, reminder_defs
from chalicelib.meeting_kinds import KindFileError, load
from tools import meeting_kinds as tool

SHIPPED = meeting_kinds.DEFAULT_FILE.read_text(encoding="utf-8")
REMINDERS = reminder_defs.DEFAULT_FILE.read_text(encoding="utf-8")
KIND = """\
[[kind]]
key = "theme_day"
label = "主题党日"
group = "主题党日"
holders = ["branch"]
required_of = ["branch"]
frequency = "monthly"
min_count = 1
due_day = 20
attendees = "members"
warn = true
"""


def _write(tmp_path: Path, text: str, name: str = "meeting_kinds.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = _write(tmp_path, text)
    with pytest.raises(KindFileError) as caught:
        load(path)
    return str(caught.value).splitlines()


def test_the_shipped_rules() -> None:
    kinds = load()
    labels = [
        "支部党员大会",
        "支部委员会",
        "党小组会",
        "党课",
        "主题党日",
        "组织生活会",
        "民主评议党员",
    ]
    assert [k.label for k in kinds.values()] == labels
    assert {k.key: k.frequency for k in kinds.values()} == {
        "branch_assembly": "quarterly", "branch_committee": "monthly",
        "group_meeting": "monthly", "party_lecture": "quarterly", "theme_day": "monthly",
        "life_meeting": "yearly", "member_review": "yearly",
    }  # fmt: skip
    assert [k.key for k in kinds.values() if k.warn] == ["theme_day"]
    assert kinds["theme_day"].due_date("2026-12") == date(2026, 12, 20)
    assert kinds["party_lecture"].due_date("2026-12") == date(2026, 12, 31)
    assert kinds["party_lecture"].period("2026-11") == ("2026-10", "2026-12")
    assert kinds["member_review"].due_date("2027-02") == date(2027, 12, 31)
    assert [k.key for k in meeting_kinds.required("branch", "2027-02")] == [
        "branch_committee", "group_meeting", "theme_day"]  # fmt: skip
    assert len(meeting_kinds.required("branch", "2027-03")) == 5  # a quarter's last month
    assert len(meeting_kinds.required("branch", "2026-12")) == 7  # and the year's
    assert meeting_kinds.required("committee", "2026-12") == []


def test_every_problem_names_its_file_line_and_field(tmp_path: Path) -> None:
    text = (
        KIND.replace('frequency = "monthly"', 'frequency = "weekly"').replace(  # line 7
            "due_day = 20", "due_day = 31"
        )  # line 9
        + "\n"
        + KIND.replace('key = "theme_day"', 'key = "Bad Key"')  # line 14
        .replace('required_of = ["branch"]', 'required_of = ["committee"]')  # line 18
        .replace("warn = true", "warn = false\ncolour = 1")  # line 24
    )
    problems = _problems(tmp_path, text)
    path = tmp_path / "meeting_kinds.toml"
    expected = [
        (7, "theme_day", "frequency"),
        (9, "theme_day", "due_day"),
        (14, "Bad Key", "key"),
        (18, "Bad Key", "required_of"),
        (24, "Bad Key", "colour"),
    ]
    for line, key, field in expected:
        prefix = f"{path}:{line}: 种类「{key}」字段 {field}："
        assert any(p.startswith(prefix) for p in problems), (prefix, problems)


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (('frequency = "monthly"', 'frequency = "quarterly"\nplan_month = 3'), "warn", "每月"),
        (("due_day = 20", "due_day = 0"), "warn", "due_day"),
        (('required_of = ["branch"]', "required_of = []"), "warn", "required_of"),
        (("min_count = 1", "min_count = 0"), "min_count", "1–31"),
        (('holders = ["branch"]', 'holders = ["branch", "office"]'), "holders", "组织类型"),
        (("warn = true", 'warn = "yes"'), "warn", "true 或 false"),
    ],
)
def test_each_rule_of_a_field(tmp_path: Path, change, field: str, words: str) -> None:
    problems = _problems(tmp_path, KIND.replace(*change))
    [problem] = [p for p in problems if f"字段 {field}：" in p]
    assert words in problem and problem.startswith(f"{tmp_path / 'meeting_kinds.toml'}:"), problem


def test_only_one_kind_is_warned(tmp_path: Path) -> None:
    second = KIND.replace('key = "theme_day"', 'key = "second_day"')
    [problem] = _problems(tmp_path, KIND + "\n" + second)
    assert problem.startswith(f"{tmp_path / 'meeting_kinds.toml'}:23: 种类「second_day」字段 warn")
    assert "theme_day" in problem


def test_the_reminders_schedule_must_be_the_due_day(tmp_path: Path) -> None:
    """One deadline: the kind's due_day. The reminders' loader refuses a 主题党日 warning on
    another day, with the reminder's line and field."""
    text = REMINDERS.replace('schedule = "monthly 20 09:00"', 'schedule = "monthly 21 09:00"')
    path = _write(tmp_path, text, "reminders.toml")
    with pytest.raises(reminder_defs.ReminderFileError) as caught:
        reminder_defs.load(path)
    [problem] = str(caught.value).splitlines()
    line = text.splitlines().index('schedule = "monthly 21 09:00"') + 1
    assert problem.startswith(f"{path}:{line}: 提醒「theme_day_missing」字段 schedule：")
    assert "due_day（20）" in problem
    # The deadline is not a reminder param any more: writing one is refused.
    text = REMINDERS.replace(
        'schedule = "monthly 20 09:00"\n',
        'schedule = "monthly 20 09:00"\nparams = { deadline_day = 20 }\n',
    )
    with pytest.raises(reminder_defs.ReminderFileError, match="deadline_day"):
        reminder_defs.load(_write(tmp_path, text, "reminders.toml"))


def test_make_meeting_kinds(tmp_path: Path, capsys) -> None:
    assert tool.main([]) == 0
    assert (
        "主题党日（theme_day）：党支部每月至少 1 次，截止 20日，到期未记录预警"
        in capsys.readouterr().out
    )
    moved = SHIPPED.replace("due_day = 20", "due_day = 25")
    path = _write(tmp_path, moved)
    assert tool.main([str(path)]) == 1
    err = capsys.readouterr().err
    line = moved.splitlines().index("due_day = 25") + 1
    assert f"{path}:{line}: 种类「theme_day」字段 due_day：25 日与 " in err
    assert "monthly 20 09:00" in err
    bad = _write(tmp_path, KIND.replace("due_day = 20", "due_day = 29"))
    assert tool.main([str(bad)]) == 1
    assert f"{bad}:9: 种类「theme_day」字段 due_day：" in capsys.readouterr().err

"""考核评价's rules file: the shipped file loads; every mistake is reported as file:line with its
field (a measure the platform does not record, weights not summing to 100, a bad amount or cap,
an unknown field or setting), all at once, and nothing is loaded; the make target's tool says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from chalicelib import assessment_rules
from chalicelib.assessment_rules import AssessmentRulesError
from tools import assessment_rules as tool

SHIPPED = assessment_rules.DEFAULT_FILE.read_text(encoding="utf-8")


def test_the_shipped_file_loads_and_weights_sum_to_100():
    rules = assessment_rules.load()
    assert rules.base == 100
    assert sum(b.weight for b in rules.branch) == 100
    assert {i.part for i in rules.member} == {"base", "bonus"}


def _line_of(text: str, needle: str, after: str = "") -> int:
    lines = text.splitlines()
    start = next(n for n, line in enumerate(lines) if after in line) if after else 0
    return next(n for n in range(start, len(lines)) if needle in lines[n]) + 1


def _load(tmp_path: Path, text: str) -> str:
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AssessmentRulesError) as info:
        assessment_rules.load(path)
    return str(info.value)


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('measure = "volunteer_hours"', 'measure = "party_spirit"', "member.measure"),
        ('measure = "dues_rate"', 'measure = "satisfaction_rate"', "branch.measure"),
        ("amount = -5\ncap = 30", "amount = 0\ncap = 30", "member.amount"),
        ("amount = 1\ncap = 24", 'amount = 1\ncap = "24"', "member.cap"),
        ('part = "bonus"', 'part = "extra"', "member.part"),
        ('key = "quiz"', 'key = "Quiz!"', "member.key"),
        ('key = "quiz"', 'key = "study"', "member.key"),
        ("weight = 30", "weight = 0", "branch.weight"),
        ("full_at = 120", "", "branch.full_at"),
        ("ranking_size = 3", "ranking_size = 0", "settings.ranking_size"),
        ("talk_months = 3", "talk_months = 3\nbottom = 50", "settings.bottom"),
        ('label = "志愿服务"', 'label = "志愿服务"\nhours = 2', "member.hours"),
    ],
)
def test_each_mistake_names_its_file_line_and_field(tmp_path, old, new, field):
    assert old in SHIPPED
    text = SHIPPED.replace(old, new, 1)
    message = _load(tmp_path, text)
    first = message.splitlines()[0]
    path, line, rest = first.split(":", 2)
    assert path == str(tmp_path / "rules.toml")
    assert rest.strip().startswith(f"{field}："), first
    changed = new.splitlines()[-1] if new else None
    if changed and field != "settings.ranking_size":
        assert text.splitlines()[int(line) - 1].strip() in {n.strip() for n in new.splitlines()}
    if field == "branch.full_at":  # the entry's header: the field is missing
        assert text.splitlines()[int(line) - 1].startswith("[[branch]]")


def test_weights_not_summing_to_100_are_refused_at_the_first_branch(tmp_path):
    message = _load(tmp_path, SHIPPED.replace("weight = 30", "weight = 25", 1))
    assert "branch.weight：各项权重之和须为 100（百分制），现为 95" in message
    line = int(message.split(":")[1])
    assert SHIPPED.splitlines()[line - 1] == "[[branch]]"


def test_every_problem_is_reported_at_once(tmp_path):
    text = SHIPPED.replace('measure = "quiz_days"', 'measure = "likes"').replace(
        "weight = 15", "weight = -1", 1
    )
    problems = _load(tmp_path, text).splitlines()
    assert [p.split(": ", 1)[1].split("：")[0] for p in problems] == [
        "member.measure",
        "branch.weight",
    ]
    assert problems[0].split(":")[1] == str(_line_of(text, 'measure = "likes"'))


def test_not_toml_names_the_line(tmp_path):
    message = _load(tmp_path, SHIPPED + "\n[[member]\n")
    assert "TOML 格式错误" in message and message.startswith(str(tmp_path / "rules.toml") + ":")


def test_the_tool_prints_the_rules_or_the_problems(tmp_path, capsys):
    assert tool.main([]) == 0
    assert "100 分基准分 + 奉献分" in capsys.readouterr().out
    bad = tmp_path / "draft.toml"
    bad.write_text(SHIPPED.replace('measure = "study_rate"', 'measure = "x"'), encoding="utf-8")
    assert tool.main([str(bad)]) == 1
    err = capsys.readouterr().err
    line = _line_of(bad.read_text(), 'measure = "x"')
    assert f"{bad}:{line}: branch.measure：" in err
    assert "整个文件不生效" in err


def test_the_weights_sum_is_reported_with_the_other_problems(tmp_path):
    text = SHIPPED.replace("weight = 30", "weight = 20", 1)  # the weights now sum to 90
    text = text.replace('measure = "meetings_absent"', 'measure = "meetings_skipped"', 1)
    message = _load(tmp_path, text)
    assert "member.measure" in message
    assert "branch.weight：各项权重之和须为 100（百分制），现为 90" in message

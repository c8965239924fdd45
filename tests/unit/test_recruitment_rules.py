"""党员发展 rules (recruitment_stages.toml) and timelines, table-driven at each interval's
boundaries: the day before, the day of and the day after the earliest and latest dates; the
loader's file:line:field errors."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from chalicelib import recruitment_stages
from chalicelib.recruitment_stages import StageFileError, parse_span
from chalicelib.recruitment_timeline import Person, RuleError, check, next_steps

RULES = recruitment_stages.rules()
ORDER = list(RULES.steps)
D0 = "2026-01-05"


def person_before(step: str, stage: str = "activist", extension: int = 0, reports: int = 4,
                  **dates: str) -> Person:  # fmt: skip
    """Every step before `step` done (on D0 unless `dates` says), `reports` 思想汇报."""
    records = []
    for key in ORDER[: ORDER.index(step)]:
        if key == "report":
            records += [{"step": "report", "on": dates.get("report", D0)}] * reports
        elif key == "conversion":
            records.append({"step": key, "on": dates.get(key, D0), "outcome": "full"})
        else:
            records.append({"step": key, "on": dates.get(key, D0)})
    return Person(stage=stage, records=records, extension_months=extension)


def status_of(person: Person, step: str, day: date) -> str:
    found = {n.step.key: n for n in next_steps(RULES, person, day)}
    return found[step].status


def d(text: str) -> date:
    return date.fromisoformat(text)


# (step, anchor step, anchor date, extension months, earliest, latest)
WINDOWS = [
    ("talk", "application", "2027-03-05", 0, "2027-03-05", "2027-04-05"),
    ("talk", "application", "2027-01-31", 0, "2027-01-31", "2027-02-28"),  # month end
    ("candidate", "activist", "2027-03-10", 0, "2028-03-10", None),
    ("candidate", "activist", "2028-02-29", 0, "2029-02-28", None),  # leap day
    ("pre_review", "publicity", "2027-03-05", 0, "2027-03-12", None),  # Fri + 5 workdays
    ("pre_review", "publicity", "2027-03-08", 0, "2027-03-15", None),  # Mon + 5 workdays
    ("admission", "branch_meeting", "2027-06-15", 0, "2027-06-15", "2027-09-15"),
    ("conversion", "branch_meeting", "2027-06-15", 0, "2028-06-15", "2028-07-15"),
    ("conversion", "branch_meeting", "2027-06-15", 6, "2028-12-15", "2029-01-15"),
    ("conversion", "branch_meeting", "2027-06-15", 12, "2029-06-15", "2029-07-15"),
]


@pytest.mark.parametrize(("step", "anchor", "on", "ext", "earliest", "latest"), WINDOWS)
def test_each_limit_at_its_boundaries(step, anchor, on, ext, earliest, latest) -> None:
    stage = "probationary" if step == "conversion" else "candidate"
    person = person_before(step, stage=stage, extension=ext, **{anchor: on})
    first, last = d(earliest), d(latest) if latest else None
    found = {n.step.key: n for n in next_steps(RULES, person, first)}[step]
    assert (found.earliest, found.latest) == (first, last)
    # The earliest date: the day before is refused naming the rule, the day of is allowed.
    day_before = first - timedelta(days=1)
    if day_before >= d(on):
        assert status_of(person, step, day_before) == "waiting"
        with pytest.raises(RuleError) as refused:
            check(RULES, person, step, day_before, day_before, *_result(step))
        assert earliest in str(refused.value) and RULES.steps[step].rule() in str(refused.value)
    check(RULES, person, step, first, first, *_result(step))
    if last is None:
        assert status_of(person, step, first + timedelta(days=3650)) in ("open", "waiting")
        return
    # The latest date: due through the day itself, overdue the day after.
    assert status_of(person, step, last - timedelta(days=8)) in ("open", "waiting")
    assert status_of(person, step, last - timedelta(days=7)) == "due"
    assert status_of(person, step, last - timedelta(days=1)) == "due"
    assert status_of(person, step, last) == "due"
    assert status_of(person, step, last + timedelta(days=1)) == "overdue"


def _result(step: str) -> tuple[str | None, int | None]:
    return ("full", None) if step == "conversion" else (None, None)


def test_reports_each_quarter_from_the_last_one() -> None:
    person = person_before("report", stage="activist", activist="2027-03-10", reports=0)
    assert status_of(person, "report", d("2027-06-10")) == "due"
    assert status_of(person, "report", d("2027-06-11")) == "overdue"
    person.records.append({"step": "report", "on": "2027-05-01"})
    found = {n.step.key: n for n in next_steps(RULES, person, d("2027-06-11"))}["report"]
    assert found.latest == d("2027-08-01") and found.status == "open"


def test_the_candidate_needs_four_reports_and_a_year() -> None:
    person = person_before("candidate", activist="2027-03-10", reports=3)
    with pytest.raises(RuleError, match="须先有 4 次「思想汇报与考察」记录（已有 3 次）"):
        check(RULES, person, "candidate", d("2028-04-01"), d("2028-04-01"))
    person.records.append({"step": "report", "on": "2028-03-01"})
    check(RULES, person, "candidate", d("2028-04-01"), d("2028-04-01"))
    # Once a candidate, no more reports are asked for.
    person.records.append({"step": "candidate", "on": "2028-04-01"})
    assert "report" not in {n.step.key for n in next_steps(RULES, person, d("2028-12-01"))}


def test_out_of_order_and_twice_are_refused_naming_the_rule() -> None:
    person = person_before("talk", stage="applicant")
    with pytest.raises(RuleError, match="须先完成「党组织派人谈话」"):
        check(RULES, person, "recommend", d("2026-02-01"), d("2026-02-01"))
    with pytest.raises(RuleError) as twice:
        check(RULES, person, "application", d("2026-02-01"), d("2026-02-01"))
    assert twice.value.status == 409
    with pytest.raises(RuleError, match="不能晚于今天"):
        check(RULES, person, "talk", d("2026-02-02"), d("2026-02-01"))
    with pytest.raises(RuleError, match="最早可于 2026-01-05"):
        check(RULES, person, "talk", d("2026-01-04"), d("2026-02-01"))


def test_conversion_results() -> None:
    person = person_before("conversion", stage="probationary", branch_meeting="2027-06-15")
    day = d("2028-06-20")
    with pytest.raises(RuleError, match="请选择结果"):
        check(RULES, person, "conversion", day, day)
    with pytest.raises(RuleError, match="六个月至一年"):
        check(RULES, person, "conversion", day, day, "extend", 3)
    check(RULES, person, "conversion", day, day, "extend", 6)
    person.extension_months = 6
    with pytest.raises(RuleError, match="只能延长一次"):
        check(RULES, person, "conversion", d("2028-12-20"), d("2028-12-20"), "extend", 6)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1 month", (0, 1, 0, 0)), ("1 year 1 month", (1, 1, 0, 0)), ("5 workdays", (0, 0, 0, 5)),
     ("0 days", (0, 0, 0, 0)), ("1 mnth", None), ("month", None), ("-1 days", None), ("", None)],
)  # fmt: skip
def test_spans(text, expected) -> None:
    span = parse_span(text)
    assert (span and (span.years, span.months, span.days, span.workdays)) == expected


def _broken(tmp_path: Path, old: str, new: str) -> str:
    text = recruitment_stages.DEFAULT_FILE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "stages.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(StageFileError) as exc:
        recruitment_stages.load(path)
    return str(exc.value)


def _line(text: str) -> int:
    lines = recruitment_stages.DEFAULT_FILE.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if line == text)


@pytest.mark.parametrize(
    ("old", "new", "line_of", "says"),
    [
        ('max = "1 month"', 'max = "1 mnth"', 'max = "1 month"', "环节「talk」字段 max"),
        ('by = "committee"\nguide = "上级党委审查', 'by = "party"\nguide = "上级党委审查',
         'by = "committee"', "环节「pre_review」字段 by"),
        ('after = ["talk"]', 'after = ["activist"]', 'after = ["talk"]', "之前的环节"),
        ('needs = { report = 4 }', 'needs = { talk = 4 }', "needs = { report = 4 }", "字段 needs"),
        ('stage = "candidate"', 'stage = "nominee"', 'stage = "candidate"', "字段 stage"),
        ('min = "1 year"', 'minimum = 3\nmin = "1 year"', 'min = "1 year"', "不认识的字段"),
    ],
)  # fmt: skip
def test_a_broken_file_names_file_line_and_field(tmp_path, old, new, line_of, says) -> None:
    message = _broken(tmp_path, old, new)
    assert says in message
    assert f"stages.toml:{_line(line_of)}:" in message, message


def test_the_shipped_file_loads() -> None:
    assert [s.label for s in RULES.stages.values()] == [
        "入党申请人", "入党积极分子", "发展对象", "预备党员", "正式党员"]  # fmt: skip
    assert RULES.first.key == "application"
    assert {k for k, s in RULES.steps.items() if s.by == "committee"} == {
        "pre_review", "admission", "conversion_approval"}  # fmt: skip


def test_make_recruitment_stages_exits_1_naming_the_line(tmp_path, capsys) -> None:
    from tools import recruitment_stages as tool

    assert tool.main([]) == 0
    text = recruitment_stages.DEFAULT_FILE.read_text(encoding="utf-8")
    bad = tmp_path / "draft.toml"
    bad.write_text(text.replace('max = "3 months"', 'max = "3 moons"', 1), encoding="utf-8")
    assert tool.main([str(bad)]) == 1
    assert "draft.toml:" in capsys.readouterr().err


LIMITED = [s for s in RULES.steps.values() if s.min or s.max or s.repeat]


@pytest.mark.parametrize("step", LIMITED, ids=lambda s: s.key)
@pytest.mark.parametrize("anchor", ["2027-01-31", "2027-03-05", "2028-02-29"])
def test_every_limit_of_the_file_at_its_boundaries(step, anchor) -> None:
    """Over the rules themselves: every step with a limit, its prerequisites done on `anchor`;
    the day before the earliest refused, the day of allowed; due through the latest day,
    overdue the day after."""
    stage = "probationary" if step.probation else "candidate"
    person = person_before(step.key, stage=stage, reports=0 if step.repeat else 4,
                           **{k: anchor for k in ORDER})  # fmt: skip
    if step.repeat:  # a repeated step counts from its prerequisite until its first record
        person.records = [r for r in person.records if r["step"] != step.key]
    start = d(anchor)
    earliest = step.min.after(start) if step.min else start
    limit = step.repeat or step.max
    latest = limit.after(start) if limit else None
    result = ("full", None) if step.outcomes else (None, None)
    if earliest > start:
        before = earliest - timedelta(days=1)
        assert status_of(person, step.key, before) == "waiting"
        with pytest.raises(RuleError, match=f"最早可于 {earliest.isoformat()}"):
            check(RULES, person, step.key, before, before, *result)
    check(RULES, person, step.key, earliest, earliest, *result)
    if latest is not None:
        assert status_of(person, step.key, latest) == "due"
        assert status_of(person, step.key, latest + timedelta(days=1)) == "overdue"
        # Still recordable when late (the record keeps how late).
        check(RULES, person, step.key, latest + timedelta(days=1), latest + timedelta(days=1),
              *result)  # fmt: skip

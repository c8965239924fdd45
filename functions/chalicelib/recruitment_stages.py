"""The stages and steps of 党员发展 and their time limits, as data: `recruitment_stages.toml`
beside this module, read and checked here (every problem as `file:line: 环节「key」字段 f：…`;
nothing is loaded if anything is wrong).

A step says which steps must be done before it (`after`), the step its limits count from
(`from`), the earliest and latest dates as spans after that step's date (`min`, `max`: "1 month",
"1 year 1 month", "5 workdays"), who records it (`by`: the branch's staff or the committee), the
stage it moves the person into, and for the steps with a result (转正) the results allowed.
`recruitment_timeline.py` turns a person's records and a day into what is done and what is next.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from . import toml_entries

DEFAULT_FILE = Path(__file__).with_name("recruitment_stages.toml")
KEY = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
BY = {"branch": "支部", "committee": "上级党委"}
OUTCOMES = {"full": "按期转正", "extend": "延长预备期", "cancel": "取消预备党员资格"}
STAGE_FIELDS = {"key", "label"}
STEP_FIELDS = {
    "key", "label", "stage", "after", "from", "min", "max", "by", "repeat", "count", "needs",
    "probation", "outcomes", "applies", "guide", "note",
}  # fmt: skip
_TERM = re.compile(r"([0-9]{1,3}) (days?|workdays?|months?|years?)")  # ASCII digits
_UNIT_WORDS = {"day": "天", "workday": "个工作日", "month": "个月", "year": "年"}


class StageFileError(ValueError):
    """Every problem of the file, one `file:line: ...` per line."""


@dataclass(frozen=True)
class Span:
    """A time limit: years and months (calendar), then days, then working days (Mon–Fri)."""

    years: int = 0
    months: int = 0
    days: int = 0
    workdays: int = 0
    text: str = ""

    def after(self, day: date) -> date:
        """The day this span after `day`: 31 Jan + 1 month is 28/29 Feb."""
        total = day.month - 1 + self.months + 12 * self.years
        year, month = day.year + total // 12, total % 12 + 1
        out = date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
        out += timedelta(days=self.days)
        left = self.workdays
        while left:
            out += timedelta(days=1)
            if out.weekday() < 5:
                left -= 1
        return out

    def words(self) -> str:
        parts = [
            f"{n}{_UNIT_WORDS[u]}"
            for n, u in (
                (self.years, "year"),
                (self.months, "month"),
                (self.days, "day"),
                (self.workdays, "workday"),
            )
            if n
        ]
        return "".join(parts) or "当天"


def parse_span(text: object) -> Span | None:
    """ "1 year 1 month" → Span; None if it is not written that way."""
    if not isinstance(text, str) or not text.strip():
        return None
    terms = text.split()
    if len(terms) % 2:
        return None
    values = {"day": 0, "workday": 0, "month": 0, "year": 0}
    for i in range(0, len(terms), 2):
        found = _TERM.fullmatch(f"{terms[i]} {terms[i + 1]}")
        if not found:
            return None
        unit = found[2].rstrip("s")
        values[unit] += int(found[1])
    return Span(values["year"], values["month"], values["day"], values["workday"], text.strip())


@dataclass(frozen=True)
class Stage:
    key: str
    label: str


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    stage: str | None  # the stage the person enters when it is recorded
    after: tuple[str, ...]
    start: str | None  # `from`: the step the limits count from
    min: Span | None
    max: Span | None
    by: str  # branch / committee
    repeat: Span | None
    count: int
    needs: dict[str, int]
    probation: bool
    outcomes: tuple[str, ...]
    applies: bool
    guide: str
    note: str

    def rule(self) -> str:
        """The rule in words, for refusals and the guide: 「…」 what it says and where from."""
        return self.note or self.label


@dataclass(frozen=True)
class Rules:
    stages: dict[str, Stage]
    steps: dict[str, Step]  # in the file's order: the order of the process

    @property
    def first(self) -> Step:
        return next(iter(self.steps.values()))

    def stage_label(self, key: str) -> str:
        if key == "cancelled":
            return "已取消预备党员资格"
        stage = self.stages.get(key)
        return stage.label if stage else key


def _span(entry: dict[str, Any], name: str, bad: Any) -> Span | None:
    if name not in entry:
        return None
    span = parse_span(entry[name])
    if span is None:
        bad(name, '须写成 "数字 单位"，单位为 days、workdays、months、years，如 "1 month"')
    return span


def _strings(entry: dict[str, Any], name: str, bad: Any) -> tuple[str, ...]:
    value = entry.get(name, [])
    if not isinstance(value, list) or any(not isinstance(v, str) for v in value):
        bad(name, "须为字符串列表")
        return ()
    return tuple(value)


def _step(entry: dict[str, Any], stages: dict[str, Stage], fail: Any) -> Step | None:
    errors = 0

    def bad(field: str, message: str) -> None:
        nonlocal errors
        errors += 1
        fail(field, message)

    for name in sorted(set(entry) - STEP_FIELDS):
        bad(name, "不认识的字段")
    for name in ("key", "label", "by", "guide"):
        if name not in entry:
            bad(name, "缺少此字段")
    if errors:
        return None
    if not isinstance(entry["key"], str) or not KEY.match(entry["key"]):
        bad("key", "只能用小写字母、数字和 _，以字母开头")
    for name, limit in (("label", 30), ("guide", 200), ("note", 200)):
        value = entry.get(name, "")
        if not isinstance(value, str) or (name != "note" and not value.strip()):
            bad(name, "须为文字")
        elif len(value) > limit:
            bad(name, f"最多 {limit} 个字")
    stage = entry.get("stage")
    if stage is not None and stage not in stages:
        bad("stage", f"须为已写的阶段之一：{'、'.join(stages)}")
    if entry["by"] not in BY:
        bad("by", f"须为 {' / '.join(BY)} 之一")
    after = _strings(entry, "after", bad)
    start = entry.get("from")
    if start is not None and not isinstance(start, str):
        bad("from", "须为环节的 key")
    lo, hi = _span(entry, "min", bad), _span(entry, "max", bad)
    repeat = _span(entry, "repeat", bad)
    count = entry.get("count", 0)
    if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= 24:
        bad("count", "须为 0–24 的整数")
    if count and repeat is None:
        bad("count", "只用于定期重复（repeat）的环节")
    needs = entry.get("needs", {})
    if not isinstance(needs, dict) or any(
        not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= 24 for v in needs.values()
    ):
        bad("needs", "须写成 { 环节 = 次数 }，次数 1–24")
        needs = {}
    outcomes = _strings(entry, "outcomes", bad)
    if set(outcomes) - set(OUTCOMES):
        bad("outcomes", f"只能是 {' / '.join(OUTCOMES)}")
    for name in ("probation", "applies"):
        if not isinstance(entry.get(name, False), bool):
            bad(name, "须为 true 或 false")
    if entry.get("applies") and entry["by"] != "committee":
        bad("applies", '审批（applies）的环节须由上级党委记录（by = "committee"）')
    if errors:
        return None
    return Step(
        key=entry["key"],
        label=entry["label"].strip(),
        stage=stage,
        after=after,
        start=start,
        min=lo,
        max=hi,
        by=entry["by"],
        repeat=repeat,
        count=count,
        needs=dict(needs),
        probation=entry.get("probation", False),
        outcomes=outcomes,
        applies=entry.get("applies", False),
        guide=entry["guide"].strip(),
        note=entry.get("note", "").strip(),
    )


def load(path: Path = DEFAULT_FILE) -> Rules:
    """The file's stages and steps, checked; StageFileError lists every problem."""
    stage_entries = toml_entries.read(path, "stage", StageFileError)
    step_entries = toml_entries.read(path, "step", StageFileError)
    problems = [
        f"{path}:1: 未知的表「{name}」：阶段写成 [[stage]]，环节写成 [[step]]"
        for name in sorted(set(stage_entries.other_tables) - {"step"})
    ]
    stages: dict[str, Stage] = {}
    for entry, head in stage_entries.entries:
        key = entry.get("key")

        def fail_stage(field: str, message: str, head: int = head, key: Any = key) -> None:
            line = stage_entries.field_line(head, field)
            problems.append(f"{path}:{line}: 阶段「{key}」字段 {field}：{message}")

        for name in sorted(set(entry) - STAGE_FIELDS):
            fail_stage(name, "不认识的字段")
        if not isinstance(key, str) or not KEY.match(key):
            fail_stage("key", "只能用小写字母、数字和 _，以字母开头")
        elif key in stages:
            fail_stage("key", "阶段重复")
        elif not isinstance(entry.get("label"), str) or not entry["label"].strip():
            fail_stage("label", "缺少阶段名称")
        else:
            stages[key] = Stage(key, entry["label"].strip())
    steps: dict[str, Step] = {}
    heads: dict[str, int] = {}
    for entry, head in step_entries.entries:
        label = str(entry.get("key", "?"))

        def fail(field: str, message: str, head: int = head, label: str = label) -> None:
            line = step_entries.field_line(head, field)
            problems.append(f"{path}:{line}: 环节「{label}」字段 {field}：{message}")

        step = _step(entry, stages, fail)
        if step is None:
            continue
        if step.key in steps:
            fail("key", f"与第 {heads[step.key]} 行的环节重复")
            continue
        # The process is written in order: a step may only refer to steps above it.
        for name, refs in (
            ("after", step.after),
            ("from", (step.start,) if step.start else ()),
            ("needs", tuple(step.needs)),
        ):
            for ref in refs:
                if ref not in steps:
                    fail(name, f"「{ref}」须是写在本环节之前的环节")
        if not steps and step.after:
            fail("after", "第一个环节（登记）不能有前置环节")
        if steps and not step.after:
            fail("after", "除第一个环节外，每个环节都须写前置环节")
        if (step.min or step.max) and not (step.after or step.start):
            fail("min", "有时限的环节须有前置环节（时限从它算起）")
        if (
            step.min
            and step.max
            and step.min.after(date(2001, 1, 1)) > step.max.after(date(2001, 1, 1))
        ):
            fail("max", "最晚期限早于最早期限")
        if step.needs and any(steps[k].repeat is None for k in step.needs if k in steps):
            fail("needs", "只能要求定期重复（repeat）的环节的次数")
        heads[step.key] = head
        steps[step.key] = step
    if not stages:
        problems.append(f"{path}:1: 至少要有一个 [[stage]]")
    if not steps:
        problems.append(f"{path}:1: 至少要有一个 [[step]]")
    elif next(iter(steps.values())).stage is None:
        problems.append(
            f"{path}:{heads[next(iter(steps))]}: 第一个环节须写 stage（登记进入的阶段）"
        )
    if problems:
        raise StageFileError("\n".join(problems))
    return Rules(stages, steps)


@cache
def rules() -> Rules:
    """The organisation's rules (the default file), loaded once per process."""
    return load()

"""A person's 党员发展 timeline from her records and a day: what is done, what comes next with its
earliest and latest dates under the rules (recruitment_stages.toml), and whether it is due soon or
overdue; and the check of a new record against the same rules. Pure: no table, no clock.

Dates are the organisation's days (Asia/Shanghai). A limit is inclusive: "within one month of
the application" received on 5 March means 5 April is the last day (due), 6 April overdue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .recruitment_stages import OUTCOMES, Rules, Span, Step

TERMINAL = ("full", "cancelled")
EXTENSION_MONTHS = (6, 12)  # 延长预备期：六个月至一年，只能一次


class RuleError(ValueError):
    """A record the rules refuse; `status` 409 when it was already recorded, else 400."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Person:
    """What the timeline needs of a person: her records (dicts with `step`, `on` "YYYY-MM-DD",
    and `outcome`, `months`, `superseded` where they apply), her stage and any extension."""

    stage: str
    records: list[dict[str, Any]] = field(default_factory=list)
    extension_months: int = 0

    def live(self, step: str) -> list[dict[str, Any]]:
        return [r for r in self.records if r["step"] == step and not r.get("superseded")]

    def done_on(self, step: str) -> date | None:
        """The (latest) day the step was recorded, None if not (or only superseded) recorded."""
        found = self.live(step)
        return max(date.fromisoformat(r["on"]) for r in found) if found else None


@dataclass(frozen=True)
class Next:
    step: Step
    earliest: date
    latest: date | None
    status: str  # waiting / open / due / overdue / blocked
    blocked: str | None  # why it cannot be recorded yet (a count the rules need)
    done_count: int  # repeated steps: how many so far

    def as_dict(self, rules: Rules) -> dict[str, Any]:
        return {
            "step": self.step.key,
            "label": self.step.label,
            "guide": self.step.guide,
            "rule": self.step.rule(),
            "by": self.step.by,
            "earliest": self.earliest.isoformat(),
            "latest": self.latest.isoformat() if self.latest else None,
            "status": self.status,
            "blocked": self.blocked,
            "outcomes": [{"key": o, "label": OUTCOMES[o]} for o in self.step.outcomes],
            "repeat": self.step.repeat is not None,
            "done_count": self.done_count,
            "count": self.step.count,
            "stage": rules.stage_label(self.step.stage) if self.step.stage else None,
        }


def _anchor(rules: Rules, person: Person, step: Step) -> date | None:
    """The day the step's limits count from: its own last record for a repeated step, else
    its `from` step (or its first prerequisite)."""
    if step.repeat is not None:
        own = person.done_on(step.key)
        if own is not None:
            return own
    source = step.start or (step.after[0] if step.after else None)
    return person.done_on(source) if source else None


def _extra(person: Person, step: Step) -> int:
    return person.extension_months if step.probation else 0


def _shift(day: date, months: int) -> date:
    return Span(months=months).after(day) if months else day


def _window(rules: Rules, person: Person, step: Step) -> tuple[date, date | None] | None:
    """(earliest, latest) of the step, None when a prerequisite is not done."""
    prereq = [person.done_on(k) for k in step.after]
    if any(d is None for d in prereq):
        return None
    anchor = _anchor(rules, person, step)
    if anchor is None:
        return None
    extra = _extra(person, step)
    earliest = _shift(step.min.after(anchor), extra) if step.min else anchor
    earliest = max([earliest, *[d for d in prereq if d is not None]])
    limit = step.repeat or step.max
    latest = _shift(limit.after(anchor), extra) if limit else None
    return earliest, latest


def _stopped(rules: Rules, person: Person, step: Step) -> bool:
    """A repeated step stops once a step that needs its count is done."""
    return any(
        step.key in other.needs and person.done_on(other.key) is not None
        for other in rules.steps.values()
    )


def next_steps(rules: Rules, person: Person, today: date, days_ahead: int = 7) -> list[Next]:
    """The steps that may or must come next, in the order of the process."""
    if person.stage in TERMINAL:
        return []
    out = []
    for step in rules.steps.values():
        if step.repeat is None and person.done_on(step.key) is not None:
            continue
        if step.repeat is not None and _stopped(rules, person, step):
            continue
        window = _window(rules, person, step)
        if window is None:
            continue
        earliest, latest = window
        blocked = _unmet(rules, person, step)
        if blocked:
            status = "blocked"
        elif today < earliest:
            status = "waiting"
        elif latest is not None and today > latest:
            status = "overdue"
        elif latest is not None and (latest - today).days <= days_ahead:
            status = "due"
        else:
            status = "open"
        # An overdue or due limit is news even while the step waits for a count.
        if blocked and latest is not None and today > latest:
            status = "overdue"
        out.append(Next(step, earliest, latest, status, blocked, len(person.live(step.key))))
    return out


def _unmet(rules: Rules, person: Person, step: Step) -> str | None:
    for key, need in step.needs.items():
        have = len(person.live(key))
        if have < need:
            return f"须先有 {need} 次「{rules.steps[key].label}」记录（已有 {have} 次）"
    return None


def check(
    rules: Rules,
    person: Person,
    step_key: str,
    on: date,
    today: date,
    outcome: str | None = None,
    months: int | None = None,
) -> Step:
    """The step if a record of it on `on` is allowed now; RuleError naming the rule if not."""
    step = rules.steps.get(step_key)
    if step is None:
        raise RuleError("没有这个发展环节")
    if person.stage in TERMINAL:
        raise RuleError(f"此人已是「{rules.stage_label(person.stage)}」，发展流程已结束", 409)
    if step.repeat is None and person.done_on(step.key) is not None:
        raise RuleError(f"「{step.label}」已于 {person.done_on(step.key)} 记录，不能重复记录", 409)
    if on > today:
        raise RuleError("日期不能晚于今天")
    missing = [rules.steps[k].label for k in step.after if person.done_on(k) is None]
    if missing:
        raise RuleError(
            f"须先完成「{'」「'.join(missing)}」，才能记录「{step.label}」（依据：{step.rule()}）"
        )
    if step.repeat is not None and _stopped(rules, person, step):
        raise RuleError(f"「{step.label}」已不再需要记录")
    blocked = _unmet(rules, person, step)
    if blocked:
        raise RuleError(f"{blocked}，才能记录「{step.label}」（依据：{step.rule()}）")
    window = _window(rules, person, step)
    if window is None:  # a `from` step not done (the file's order makes this the prerequisite)
        raise RuleError(f"「{step.label}」的起算环节尚未完成（依据：{step.rule()}）")
    earliest, _ = window
    if on < earliest:
        raise RuleError(
            f"「{step.label}」最早可于 {earliest.isoformat()} 记录（依据：{step.rule()}）"
        )
    if step.outcomes:
        if outcome not in step.outcomes:
            raise RuleError(f"请选择结果：{'、'.join(OUTCOMES[o] for o in step.outcomes)}")
        if outcome == "extend":
            if person.extension_months:
                raise RuleError("预备期只能延长一次（党章第七条）")
            if months is None or not EXTENSION_MONTHS[0] <= months <= EXTENSION_MONTHS[1]:
                raise RuleError("延长预备期须为六个月至一年（6–12 个月，党章第七条）")
        elif months is not None:
            raise RuleError("只有延长预备期需要填写月数")
    elif outcome is not None or months is not None:
        raise RuleError(f"「{step.label}」没有可选的结果")
    return step


def decided(rules: Rules, person: Person, step: Step) -> dict[str, Any] | None:
    """For an approval (`applies`): the record it approves (its first prerequisite's)."""
    if not step.applies or not step.after:
        return None
    found = person.live(step.after[0])
    return found[-1] if found else None

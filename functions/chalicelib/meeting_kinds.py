"""The kinds of meeting of organisation life and their rules, as data: `meeting_kinds.toml`
beside this module, read and checked here (every problem as `file:line: 种类「key」字段 f：…`;
nothing is loaded if anything is wrong).

A kind says which units may hold it (`holders`), which must (`required_of`) and how often
(`frequency`, `min_count`), its due day, and the month a quarterly or yearly requirement is put
on the monthly list (`plan_month`). `required(kind, unit_kind, month)` and `due_date` are what
the monthly list, the monthly check and the warnings ask.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from . import toml_entries
from .org import UNIT_KINDS

DEFAULT_FILE = Path(__file__).with_name("meeting_kinds.toml")
KEY = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
FREQUENCIES = {"monthly": "每月", "quarterly": "每季度", "yearly": "每年"}
ATTENDEES = ("members", "committee")
FIELDS = {
    "key", "label", "group", "holders", "required_of", "frequency", "min_count", "due_day",
    "plan_month", "attendees", "warn",
}  # fmt: skip
REQUIRED = ("key", "label", "group", "holders", "required_of", "frequency")


class KindFileError(ValueError):
    """Every problem of the file, one `file:line: ...` per line."""


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    group: str
    holders: tuple[str, ...]
    required_of: tuple[str, ...]
    frequency: str  # monthly / quarterly / yearly
    min_count: int
    due_day: int  # 1..28, or 0: the period's last day
    plan_month: int  # quarterly: 1..3 within the quarter; yearly: 1..12; monthly: 0
    attendees: str  # members / committee
    warn: bool

    def period(self, month: str) -> tuple[str, str]:
        """The first and last month ("YYYY-MM") of the period the month falls in."""
        year, mm = int(month[:4]), int(month[5:7])
        if self.frequency == "monthly":
            return month, month
        if self.frequency == "quarterly":
            first = (mm - 1) // 3 * 3 + 1
            return f"{year:04d}-{first:02d}", f"{year:04d}-{first + 2:02d}"
        return f"{year:04d}-01", f"{year:04d}-12"

    def planned_in(self, month: str) -> bool:
        """Whether the requirement goes on this month's list (monthly kinds: every month)."""
        mm = int(month[5:7])
        if self.frequency == "monthly":
            return True
        if self.frequency == "quarterly":
            return (mm - 1) % 3 + 1 == self.plan_month
        return mm == self.plan_month

    def due_date(self, month: str) -> date:
        """The due date of the requirement on this month's list: the due day of the month
        (monthly), or of the period's last month."""
        last_month = self.period(month)[1]
        year, mm = int(last_month[:4]), int(last_month[5:7])
        last = calendar.monthrange(year, mm)[1]
        if self.frequency == "monthly" and self.due_day:
            return date(year, mm, self.due_day)
        return date(year, mm, last if not self.due_day else min(self.due_day, last))


def _entry(entry: dict[str, Any], fail: Any) -> Kind | None:
    errors = 0

    def bad(field: str, message: str) -> None:
        nonlocal errors
        errors += 1
        fail(field, message)

    for name in sorted(set(entry) - FIELDS):
        bad(name, "不认识的字段")
    missing = [name for name in REQUIRED if name not in entry]
    for name in missing:
        bad(name, "缺少此字段")
    if missing:  # an unknown field alone does not stop the other checks
        return None
    key, label, group = entry["key"], entry["label"], entry["group"]
    if not isinstance(key, str) or not KEY.match(key):
        bad("key", "只能用小写字母、数字和 _，以字母开头")
    for name in ("label", "group"):
        value = entry[name]
        if not isinstance(value, str) or not 1 <= len(value.strip()) <= 20:
            bad(name, "须为 1–20 个字")
    units: dict[str, tuple[str, ...]] = {}
    for name in ("holders", "required_of"):
        value = entry[name]
        if not isinstance(value, list) or any(v not in UNIT_KINDS for v in value):
            bad(name, f"须为组织类型的列表，可选：{'、'.join(UNIT_KINDS)}")
            units[name] = ()
        else:
            units[name] = tuple(value)
    if entry["holders"] == []:
        bad("holders", "至少要有一种组织可以召开")
    if set(units["required_of"]) - set(units["holders"]):
        bad("required_of", "须是 holders 中的组织类型")
    frequency = entry["frequency"]
    if frequency not in FREQUENCIES:
        bad("frequency", f"须为 {' / '.join(FREQUENCIES)} 之一")
    min_count = entry.get("min_count", 1)
    if not isinstance(min_count, int) or isinstance(min_count, bool) or not 1 <= min_count <= 31:
        bad("min_count", "须为 1–31 的整数")
    due_day = entry.get("due_day", 0)
    if not isinstance(due_day, int) or isinstance(due_day, bool) or not 0 <= due_day <= 28:
        bad("due_day", "须为 0–28 的整数（0 表示周期最后一天）")
    plan_month = entry.get("plan_month", 0 if frequency == "monthly" else None)
    limits = {"monthly": (0, 0), "quarterly": (1, 3), "yearly": (1, 12)}.get(frequency, (0, 12))
    if plan_month is None:
        bad("plan_month", "季度、年度要求须写明列入哪个月的清单")
    elif (
        not isinstance(plan_month, int)
        or isinstance(plan_month, bool)
        or not limits[0] <= plan_month <= limits[1]
    ):
        bad("plan_month", f"须为 {limits[0]}–{limits[1]} 的整数")
    attendees = entry.get("attendees", "members")
    if attendees not in ATTENDEES:
        bad("attendees", f"须为 {' / '.join(ATTENDEES)} 之一")
    warn = entry.get("warn", False)
    if not isinstance(warn, bool):
        bad("warn", "须为 true 或 false")
    elif warn and (frequency != "monthly" or not isinstance(due_day, int) or due_day == 0):
        # The warning goes out on the due day of each month (reminders.toml, theme_day_missing).
        bad("warn", "预警只适用于每月（monthly）且写明 due_day（1–28）的种类")
    elif warn and not units["required_of"]:
        bad("warn", "预警的种类须有 required_of（哪些组织必须召开）")
    if errors:
        return None
    return Kind(
        key=key,
        label=label.strip(),
        group=group.strip(),
        holders=units["holders"],
        required_of=units["required_of"],
        frequency=frequency,
        min_count=min_count,
        due_day=due_day,
        plan_month=plan_month or 0,
        attendees=attendees,
        warn=warn,
    )


def load(path: Path = DEFAULT_FILE) -> dict[str, Kind]:
    """Every kind of the file, checked, in the file's order; KindFileError lists every problem."""
    found = toml_entries.read(path, "kind", KindFileError)
    problems = [
        f"{path}:1: 未知的表「{name}」：每个种类写成 [[kind]]" for name in found.other_tables
    ]
    out: dict[str, Kind] = {}
    seen: dict[str, int] = {}
    for entry, head in found.entries:
        label = str(entry.get("key", "?"))

        def fail(field: str, message: str, head: int = head, label: str = label) -> None:
            problems.append(
                f"{path}:{found.field_line(head, field)}: 种类「{label}」字段 {field}：{message}"
            )

        kind = _entry(entry, fail)
        if kind is None:
            continue
        if kind.key in seen:
            fail("key", f"与第 {seen[kind.key]} 行的种类重复")
            continue
        seen[kind.key] = head
        warned = [k for k in out.values() if k.warn]
        if kind.warn and warned:
            fail("warn", f"只能有一个种类预警，「{warned[0].key}」已设 warn = true")
            continue
        out[kind.key] = kind
    if not out and not problems:
        problems.append(f"{path}:1: 至少要有一个 [[kind]]")
    if problems:
        raise KindFileError("\n".join(problems))
    return out


@cache
def kinds() -> dict[str, Kind]:
    """The organisation's kinds (the default file), loaded once per process."""
    return load()


def warned_kind() -> Kind | None:
    """The kind whose absence on its due day is warned (主题党日 by the 20th), if any."""
    return next((k for k in kinds().values() if k.warn), None)


def held_by(unit_kind: str) -> list[Kind]:
    """The kinds a unit of this kind may hold."""
    return [k for k in kinds().values() if unit_kind in k.holders]


def required(unit_kind: str, month: str) -> list[Kind]:
    """The kinds a unit of this kind must hold that go on this month's list (Kind.planned_in);
    each is met by meetings held in its period (Kind.period)."""
    return [k for k in kinds().values() if unit_kind in k.required_of and k.planned_in(month)]

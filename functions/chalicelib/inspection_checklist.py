"""季度检查's checklist, in one file (inspection_checklist.toml): the items grouped by category,
each with its full marks and what the inspector looks at, the steps a score moves in, the grades
of a total and whether the 通报 ranks the units. Checked at load: every problem is reported as
`file:line: field: message`, like the other rule files.

Scores are kept in tenths of a point (integers): 0.5 + 0.1 never drifts."""

from __future__ import annotations

import re
import tomllib
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

from . import toml_entries

DEFAULT_FILE = Path(__file__).with_name("inspection_checklist.toml")
KEY = re.compile(r"[a-z0-9_]{1,32}")
MAX_ITEMS = 40
SETTINGS = {"step", "show_rank", "comment_max", "deduct_comment"}
ITEM_FIELDS = {"key", "category", "label", "max", "looks_at"}
GRADE_FIELDS = {"label", "min"}


class ChecklistError(ValueError):
    """A problem in the checklist file, as `file:line: field: message`."""


@dataclass(frozen=True)
class Item:
    key: str
    category: str
    label: str
    max_tenths: int
    looks_at: str


@dataclass(frozen=True)
class Grade:
    label: str
    min_percent: int


@dataclass(frozen=True)
class Checklist:
    step_tenths: int
    show_rank: bool
    comment_max: int
    deduct_comment: bool
    items: tuple[Item, ...]
    grades: tuple[Grade, ...]  # highest first; the last has min 0

    @property
    def full_tenths(self) -> int:
        return sum(i.max_tenths for i in self.items)

    def item(self, key: str) -> Item | None:
        return next((i for i in self.items if i.key == key), None)

    def grade(self, total_tenths: int) -> str:
        full = self.full_tenths or 1
        for g in self.grades:
            if total_tenths * 100 >= g.min_percent * full:
                return g.label
        return self.grades[-1].label

    def to_dict(self) -> dict[str, Any]:
        return {
            "step_tenths": self.step_tenths,
            "show_rank": self.show_rank,
            "comment_max": self.comment_max,
            "deduct_comment": self.deduct_comment,
            "items": [asdict(i) for i in self.items],
            "grades": [asdict(g) for g in self.grades],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Checklist:
        return cls(
            int(data["step_tenths"]),
            bool(data["show_rank"]),
            int(data["comment_max"]),
            bool(data["deduct_comment"]),
            tuple(Item(**i) for i in data["items"]),
            tuple(Grade(**g) for g in data["grades"]),
        )


def tenths(value: Any) -> int | None:
    """A number of points as tenths, or None when it is not one (bool, text, 0.25, NaN)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not -1e6 <= value <= 1e6:  # 1e308 * 10 is inf: no score is near either
        return None
    scaled = round(value * 10)
    if abs(value * 10 - scaled) > 1e-6:
        return None
    return int(scaled)


def points(value_tenths: int) -> int | float:
    """Tenths back to points for JSON and pages: 15 → 1.5, 20 → 2."""
    return value_tenths // 10 if value_tenths % 10 == 0 else value_tenths / 10


def _line(lines: list[str], name: str) -> int:
    pattern = re.compile(rf"^\s*{re.escape(name)}\s*=")
    return next((n for n, line in enumerate(lines, 1) if pattern.match(line)), 1)


def load(path: Path = DEFAULT_FILE) -> Checklist:
    items_file = toml_entries.read(path, "item", ChecklistError)
    grades_file = toml_entries.read(path, "grade", ChecklistError)
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    lines = items_file.lines
    unknown = sorted(set(data) - {"item", "grade", "settings"})
    if unknown:
        head = next((n for n, t in enumerate(lines, 1) if unknown[0] in t), 1)
        raise ChecklistError(f"{path}:{head}: {unknown[0]}: 未知的表（应为 settings、grade、item）")
    settings = data.get("settings", {})

    def fail_setting(name: str, message: str) -> None:
        raise ChecklistError(f"{path}:{_line(lines, name)}: settings.{name}: {message}")

    if not isinstance(settings, dict):
        fail_setting("settings", "须为表 [settings]")
    for name in sorted(set(settings) - SETTINGS):
        fail_setting(name, "未知字段（应为 " + "、".join(sorted(SETTINGS)) + "）")
    step = tenths(settings.get("step", 1))
    if step is None or not 1 <= step <= 100:
        fail_setting("step", "须为 0.1–10 的数，至多一位小数")
    show_rank = settings.get("show_rank", True)
    if not isinstance(show_rank, bool):
        fail_setting("show_rank", "须为 true 或 false")
    comment_max = settings.get("comment_max", 300)
    if isinstance(comment_max, bool) or not isinstance(comment_max, int):
        fail_setting("comment_max", "须为 20–1000 的整数")
    if not 20 <= comment_max <= 1000:
        fail_setting("comment_max", "须为 20–1000 的整数")
    deduct = settings.get("deduct_comment", True)
    if not isinstance(deduct, bool):
        fail_setting("deduct_comment", "须为 true 或 false")

    grades: list[Grade] = []
    for entry, head in grades_file.entries:

        def gfail(field: str, message: str, head: int = head) -> None:
            line = grades_file.field_line(head, field)
            raise ChecklistError(f"{path}:{line}: grade.{field}: {message}")

        for name in sorted(set(entry) - GRADE_FIELDS):
            gfail(name, "未知字段（应为 label、min）")
        label = entry.get("label")
        if not isinstance(label, str) or not 1 <= len(label.strip()) <= 8:
            gfail("label", "须为 1–8 字的等次名称")
        low = entry.get("min")
        if isinstance(low, bool) or not isinstance(low, int) or not 0 <= low <= 100:
            gfail("min", "须为 0–100 的整数（满分的百分比）")
        if grades and low >= grades[-1].min_percent:
            gfail("min", "各等次须从高到低排列，min 逐项减小")
        grades.append(Grade(label.strip(), low))
    if not grades:
        raise ChecklistError(f"{path}:1: grade: 至少须有一个 [[grade]]")
    if grades[-1].min_percent != 0:
        line = grades_file.field_line(grades_file.entries[-1][1], "min")
        raise ChecklistError(f"{path}:{line}: grade.min: 最后一个等次的 min 须为 0")

    items: list[Item] = []
    seen_categories: list[str] = []
    for entry, head in items_file.entries:

        def fail(field: str, message: str, head: int = head) -> None:
            line = items_file.field_line(head, field)
            raise ChecklistError(f"{path}:{line}: item.{field}: {message}")

        for name in sorted(set(entry) - ITEM_FIELDS):
            fail(name, "未知字段（应为 " + "、".join(sorted(ITEM_FIELDS)) + "）")
        key = entry.get("key")
        if not isinstance(key, str) or not KEY.fullmatch(key):
            fail("key", "须为 1–32 个小写字母、数字或下划线")
        if any(i.key == key for i in items):
            fail("key", f"重复的检查项 {key}")
        category = entry.get("category")
        if not isinstance(category, str) or not 1 <= len(category.strip()) <= 20:
            fail("category", "须为 1–20 字的类别名称")
        category = category.strip()
        if category in seen_categories and seen_categories[-1] != category:
            fail("category", f"同一类别「{category}」的检查项须写在一起")
        if category not in seen_categories:
            seen_categories.append(category)
        label = entry.get("label")
        if not isinstance(label, str) or not 1 <= len(label.strip()) <= 40:
            fail("label", "须为 1–40 字的检查项目名称")
        full = tenths(entry.get("max"))
        if full is None or not 10 <= full <= 1000 or full % step:
            fail("max", f"须为 1–100 分，且为步长 {points(step)} 的整数倍")
        looks = entry.get("looks_at")
        if not isinstance(looks, str) or not 1 <= len(looks.strip()) <= 200:
            fail("looks_at", "须写明检查内容（1–200 字）")
        items.append(Item(key, category, label.strip(), full, looks.strip()))
    if not items:
        raise ChecklistError(f"{path}:1: item: 至少须有一个 [[item]]")
    if len(items) > MAX_ITEMS:
        line = items_file.entries[MAX_ITEMS][1]
        raise ChecklistError(f"{path}:{line}: item: 至多 {MAX_ITEMS} 项")
    return Checklist(step, show_rank, comment_max, deduct, tuple(items), tuple(grades))


@cache
def checklist() -> Checklist:
    return load()

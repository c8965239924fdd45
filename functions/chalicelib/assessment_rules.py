"""考核评价's rules, in one file (assessment_rules.toml): the member score (基准分 + 奉献分, each
item a measure the platform records times an amount, capped) and the branch score (百分制:
weighted shares). Checked at load: every problem is reported as `file:line: field：message`,
like the other rule files, and a file with any problem is not used."""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from . import toml_entries

DEFAULT_FILE = Path(__file__).with_name("assessment_rules.toml")
KEY = re.compile(r"[a-z0-9_]{1,32}")

# What the platform records for a member in a period: measure → (label, unit).
MEMBER_MEASURES: dict[str, tuple[str, str]] = {
    "study_points": ("学习积分", "分"),
    "quiz_days": ("参加答题", "天"),
    "meetings_attended": ("参加组织生活", "次"),
    "meetings_absent": ("无故缺席组织生活", "次"),
    "volunteer_hours": ("志愿服务工时", "小时"),
    "dues_paid_months": ("按月交清党费", "月"),
    "dues_unpaid_months": ("未交清党费", "月"),
}
# A branch's shares (0–1) in a period: measure → label.
BRANCH_MEASURES: dict[str, str] = {
    "org_life_rate": "组织生活按要求开展",
    "dues_rate": "党费收缴率",
    "study_rate": "学习参与率",
    "attendance_rate": "组织生活出勤率",
    "volunteer_rate": "志愿服务参与率",
    "member_average": "党员平均分",
}
PARTS = {"base": "基准分", "bonus": "奉献分"}
SETTINGS = {"base", "ranking_size", "talk_months", "min_members"}
MEMBER_FIELDS = {"key", "label", "part", "measure", "amount", "cap"}
BRANCH_FIELDS = {"key", "label", "measure", "weight", "full_at"}


class AssessmentRulesError(ValueError):
    """Problems in the rules file, one `file:line: field：message` a line."""


@dataclass(frozen=True)
class MemberItem:
    key: str
    label: str
    part: str  # base / bonus
    measure: str
    amount: float
    cap: float


@dataclass(frozen=True)
class BranchItem:
    key: str
    label: str
    measure: str
    weight: float
    full_at: float | None = None


@dataclass(frozen=True)
class Rules:
    base: int
    ranking_size: int
    talk_months: int
    min_members: int
    member: tuple[MemberItem, ...]
    branch: tuple[BranchItem, ...]


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _int_in(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _setting_line(lines: list[str], name: str) -> int:
    pattern = re.compile(rf"^\s*{re.escape(name)}\s*=")
    return next((n for n, line in enumerate(lines, 1) if pattern.match(line)), 1)


def load(path: Path = DEFAULT_FILE) -> Rules:
    problems: list[str] = []
    members = toml_entries.read(path, "member", AssessmentRulesError)
    branches = toml_entries.read(path, "branch", AssessmentRulesError)
    lines = members.lines
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    for name in sorted(set(data) - {"settings", "member", "branch"}):
        line = _setting_line(lines, name)
        problems.append(f"{path}:{line}: {name}：未知的表或字段（应为 settings、member、branch）")
    settings = data.get("settings", {})
    if not isinstance(settings, dict):
        settings = {}
        problems.append(f"{path}:1: settings：须为表 [settings]")

    def bad_setting(name: str, message: str) -> None:
        problems.append(f"{path}:{_setting_line(lines, name)}: settings.{name}：{message}")

    for name in sorted(set(settings) - SETTINGS):
        bad_setting(name, "未知字段（应为 " + "、".join(sorted(SETTINGS)) + "）")
    limits = {
        "base": (100, 1, 1000),
        "ranking_size": (5, 1, 100),
        "talk_months": (3, 1, 12),
        "min_members": (3, 1, 50),
    }
    values: dict[str, int] = {}
    for name, (default, low, high) in limits.items():
        value = settings.get(name, default)
        if not _int_in(value, low, high):
            bad_setting(name, f"须为 {low}–{high} 的整数")
            value = default
        values[name] = value

    member_items: list[MemberItem] = []
    seen: set[str] = set()
    for entry, head in members.entries:

        def bad(field: str, message: str, head: int = head) -> None:
            problems.append(f"{path}:{members.field_line(head, field)}: member.{field}：{message}")

        for name in sorted(set(entry) - MEMBER_FIELDS):
            bad(name, "未知字段（应为 " + "、".join(sorted(MEMBER_FIELDS)) + "）")
        key, label, part, measure = (entry.get(f) for f in ("key", "label", "part", "measure"))
        amount, cap = entry.get("amount"), entry.get("cap")
        ok = True
        if not isinstance(key, str) or not KEY.fullmatch(key):
            bad("key", "须为 1–32 个小写字母、数字或下划线")
            ok = False
        elif key in seen:
            bad("key", f"重复的项目 {key}")
            ok = False
        if not isinstance(label, str) or not 1 <= len(label.strip()) <= 20:
            bad("label", "须为 1–20 字的中文名称")
            ok = False
        if part not in PARTS:
            bad("part", "须为 base（基准分）或 bonus（奉献分）")
            ok = False
        if measure not in MEMBER_MEASURES:
            bad("measure", "平台没有记录该数据，须为 " + "、".join(MEMBER_MEASURES) + " 之一")
            ok = False
        if not _number(amount) or amount == 0 or abs(amount) > 100:
            bad("amount", "须为非零数字，绝对值不超过 100（每单位的加分或扣分）")
            ok = False
        if not _number(cap) or not 0 < cap <= 1000:
            bad("cap", "须为大于 0、不超过 1000 的数字（每期最多加减的分数）")
            ok = False
        if ok:
            seen.add(key)
            member_items.append(
                MemberItem(key, label.strip(), part, measure, float(amount), float(cap))
            )
    if not members.entries:
        problems.append(f"{path}:1: member：至少须有一个 [[member]]")

    branch_items: list[BranchItem] = []
    seen = set()
    total = 0.0
    weights_ok = True  # a sum is only worth reporting when every weight is a number
    for entry, head in branches.entries:

        def bad(field: str, message: str, head: int = head) -> None:
            problems.append(f"{path}:{branches.field_line(head, field)}: branch.{field}：{message}")

        for name in sorted(set(entry) - BRANCH_FIELDS):
            bad(name, "未知字段（应为 " + "、".join(sorted(BRANCH_FIELDS)) + "）")
        key, label, measure = (entry.get(f) for f in ("key", "label", "measure"))
        weight, full_at = entry.get("weight"), entry.get("full_at")
        ok = True
        if not isinstance(key, str) or not KEY.fullmatch(key):
            bad("key", "须为 1–32 个小写字母、数字或下划线")
            ok = False
        elif key in seen:
            bad("key", f"重复的项目 {key}")
            ok = False
        if not isinstance(label, str) or not 1 <= len(label.strip()) <= 20:
            bad("label", "须为 1–20 字的中文名称")
            ok = False
        if measure not in BRANCH_MEASURES:
            bad("measure", "平台没有记录该数据，须为 " + "、".join(BRANCH_MEASURES) + " 之一")
            ok = False
        if not _number(weight) or not 0 < weight <= 100:
            bad("weight", "须为大于 0、不超过 100 的数字（权重）")
            ok = weights_ok = False
        else:
            total += weight
        if measure == "member_average":
            if not _number(full_at) or not 0 < full_at <= 10 * values["base"]:
                bad("full_at", "党员平均分须给出满分对应的平均分（大于 0 的数字）")
                ok = False
        elif full_at is not None:
            bad("full_at", "只用于 member_average")
            ok = False
        if ok:
            seen.add(key)
            branch_items.append(
                BranchItem(
                    key,
                    label.strip(),
                    measure,
                    float(weight),
                    float(full_at) if full_at is not None else None,
                )
            )
    if not branches.entries:
        problems.append(f"{path}:1: branch：至少须有一个 [[branch]]")
    elif weights_ok and abs(total - 100) > 1e-9:  # with every other problem, not after them
        head = branches.entries[0][1]
        problems.append(
            f"{path}:{head}: branch.weight：各项权重之和须为 100（百分制），现为 {total:g}"
        )
    if problems:
        raise AssessmentRulesError("\n".join(problems))
    return Rules(
        values["base"],
        values["ranking_size"],
        values["talk_months"],
        values["min_members"],
        tuple(member_items),
        tuple(branch_items),
    )


def describe(rules: Rules) -> list[str]:
    """The rules in words, as staff read them."""
    out = [f"党员考核：{rules.base} 分基准分 + 奉献分；每项每期最多加减的分数如下。"]
    for item in rules.member:
        name, unit = MEMBER_MEASURES[item.measure]
        sign = "加" if item.amount > 0 else "扣"
        out.append(
            f"  {PARTS[item.part]}·{item.label}：{name}每 1 {unit}{sign} {abs(item.amount):g} 分，"
            f"最多 {item.cap:g} 分"
        )
    out.append("党支部考核：百分制。")
    for b in rules.branch:
        extra = f"（平均 {b.full_at:g} 分为满分）" if b.full_at else ""
        out.append(f"  {b.label}：{BRANCH_MEASURES[b.measure]}，权重 {b.weight:g}{extra}")
    out.append(
        f"红黑榜：最好和最差的 {rules.ranking_size} 个党支部；连续 {rules.talk_months} 个月"
        f"排名在后 {rules.ranking_size} 位（同分并列）的党支部，约谈支部主要负责人；"
        f"不足 {rules.min_members} 名党员的支部不排名。"
    )
    return out


@cache
def rules() -> Rules:
    return load()

"""诉求's configurable rules, in one file (service_request_rules.toml): the categories, the level
each is routed to relative to the submitter, the time limits of 受理 and 办理 in hours, and
whether answered requests are published anonymised. Checked at load: every problem is reported
as `file:line: field: message`, like the other rule files."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from . import toml_entries
from .org import UNIT_KINDS

DEFAULT_FILE = Path(__file__).with_name("service_request_rules.toml")
KEY = re.compile(r"[a-z0-9_]{1,32}")
MAX_HOURS = 2160  # 90 days
# 移交 per request: each one adds steps to the request's one item (its timeline), which must
# stay far below DynamoDB's 400 KB item limit.
MAX_TRANSFERS = 20
# Levels a category may be routed to: the unit kinds below the top, then the top unit itself.
LEVELS: dict[str, str] = {
    "branch": UNIT_KINDS["branch"],
    "general_branch": UNIT_KINDS["general_branch"],
    "committee": UNIT_KINDS["committee"],
    "root": "本组织党办（最上级党组织）",
}
# From the branch up: a level missing above a branch falls to the next one up.
_UPWARDS = ("branch", "general_branch", "committee")
SETTINGS = {"publish_answered", "accept_hours", "handle_hours", "max_transfers"}
CATEGORY_FIELDS = {"key", "label", "route", "accept_hours", "handle_hours"}


class RulesFileError(ValueError):
    """A problem in the rules file, as `file:line: message`."""


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    route: str
    accept_hours: int
    handle_hours: int


@dataclass(frozen=True)
class Rules:
    publish_answered: bool
    accept_hours: int
    handle_hours: int
    categories: dict[str, Category]
    max_transfers: int = 10


def route_unit(route: str, path: tuple[str, ...], kinds: tuple[str, ...]) -> str:
    """The unit a request of level `route` goes to from a branch at `path` (root first): the
    nearest unit of that kind above the branch, else the next level up, else the top."""
    if route != "root":
        for level in _UPWARDS[_UPWARDS.index(route) :]:
            for unit_id, kind in zip(reversed(path), reversed(kinds), strict=True):
                if kind == level:
                    return unit_id
    return path[0]


def _hours(value: Any, fail: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_HOURS:
        fail(name, f"须为 1–{MAX_HOURS} 的整数（小时）")
    return int(value)


def _setting_line(lines: list[str], name: str) -> int:
    pattern = re.compile(rf"^\s*{re.escape(name)}\s*=")
    return next((n for n, line in enumerate(lines, 1) if pattern.match(line)), 1)


def load(path: Path = DEFAULT_FILE) -> Rules:
    entries = toml_entries.read(path, "category", RulesFileError)
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    unknown = sorted(set(data) - {"category", "settings"})
    if unknown:
        line = _setting_line(entries.lines, unknown[0])
        head = next(
            (n for n, t in enumerate(entries.lines, 1) if t.strip() == f"[{unknown[0]}]"), line
        )
        raise RulesFileError(
            f"{path}:{head}: 未知的表或字段：{unknown[0]}（应为 settings、category）"
        )
    settings = data.get("settings", {})

    def fail_setting(name: str, message: str) -> None:
        raise RulesFileError(
            f"{path}:{_setting_line(entries.lines, name)}: settings.{name}: {message}"
        )

    if not isinstance(settings, dict):
        fail_setting("settings", "须为表 [settings]")
    for name in sorted(set(settings) - SETTINGS):
        fail_setting(name, "未知字段（应为 " + "、".join(sorted(SETTINGS)) + "）")
    publish = settings.get("publish_answered", False)
    if not isinstance(publish, bool):
        fail_setting("publish_answered", "须为 true 或 false")
    accept = _hours(settings.get("accept_hours", 24), fail_setting, "accept_hours")
    handle = _hours(settings.get("handle_hours", 120), fail_setting, "handle_hours")
    transfers = settings.get("max_transfers", 10)
    if (
        isinstance(transfers, bool)
        or not isinstance(transfers, int)
        or not 1 <= transfers <= MAX_TRANSFERS
    ):
        fail_setting("max_transfers", f"须为 1–{MAX_TRANSFERS} 的整数（每个诉求可移交的次数）")
    categories: dict[str, Category] = {}
    for entry, head in entries.entries:

        def fail(field: str, message: str, head: int = head) -> None:
            line = entries.field_line(head, field)
            raise RulesFileError(f"{path}:{line}: category.{field}: {message}")

        for name in sorted(set(entry) - CATEGORY_FIELDS):
            fail(name, "未知字段（应为 " + "、".join(sorted(CATEGORY_FIELDS)) + "）")
        key = entry.get("key")
        if not isinstance(key, str) or not KEY.fullmatch(key):
            fail("key", "须为 1–32 个小写字母、数字或下划线")
        if key in categories:
            fail("key", f"重复的类别 {key}")
        label = entry.get("label")
        if not isinstance(label, str) or not 1 <= len(label.strip()) <= 20:
            fail("label", "须为 1–20 字的中文名称")
        route = entry.get("route")
        if route not in LEVELS:
            fail("route", "须为 " + "、".join(LEVELS) + " 之一")
        categories[key] = Category(
            key,
            label.strip(),
            route,
            _hours(entry.get("accept_hours", accept), fail, "accept_hours"),
            _hours(entry.get("handle_hours", handle), fail, "handle_hours"),
        )
    if not categories:
        raise RulesFileError(f"{path}:1: 至少须有一个 [[category]]")
    return Rules(publish, accept, handle, categories, int(transfers))


@cache
def rules() -> Rules:
    return load()

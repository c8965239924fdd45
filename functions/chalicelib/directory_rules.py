"""Who sees which field of a colleague in 通讯录: `directory.toml` beside this module, read and
checked here (every problem as `file:line: 字段「key」…`; nothing loads while any is there), and
the one decision `visible_fields` that every directory answer is filtered through.

A field's `members` level names a unit relative to the colleague: 本支部 her branch, 本党总支 her
general branch (her branch when she has none above it), 本党委 her committee (the root when the
tree has none), 全组织 the root; a viewer sees the field when that unit is on her own path, i.e.
both belong to it. With `staff = true` a viewer whose role reaches the colleague's branch
(`scope.unit_access`, read or manage) sees it as well. 不显示 hides it from everyone. The member
herself sees every field that is not 不显示. `name` decides whether a colleague is listed at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from . import scope, toml_entries
from .scope import Caller

DEFAULT_FILE = Path(__file__).with_name("directory.toml")
LEVELS: dict[str, str | None] = {
    "本支部": "branch",
    "本党总支": "general_branch",
    "本党委": "committee",
    "全组织": "organisation",
    "不显示": None,
}
FIELDS: dict[str, str] = {
    "name": "姓名",
    "member_no": "党员编号",
    "branch": "所在支部",
    "gender": "性别",
    "roles": "职务",
    "status": "人员类别",
    "phone": "手机号",
    "joined_on": "入党日期",
}
_KEYS = {"key", "members", "staff"}


class DirectoryFileError(ValueError):
    """Every problem of the file, one `file:line: ...` per line."""


@dataclass(frozen=True)
class FieldRule:
    key: str
    level: str | None  # a value of LEVELS
    staff: bool


def load(path: Path = DEFAULT_FILE) -> dict[str, FieldRule]:
    """The rules by field key; DirectoryFileError listing every problem."""
    read = toml_entries.read(path, "field", DirectoryFileError)
    problems: list[str] = [f"{path}:1: 未知的表「{name}」" for name in read.other_tables]
    rules: dict[str, FieldRule] = {}
    for entry, head in read.entries:

        def bad(name: str, message: str, entry: dict = entry, head: int = head) -> None:
            key = entry.get("key", "?")
            problems.append(f"{path}:{read.field_line(head, name)}: 字段「{key}」{name}：{message}")

        for extra in sorted(set(entry) - _KEYS):
            bad(extra, "不认识这一项（只能写 key、members、staff）")
        key = entry.get("key")
        if key not in FIELDS:
            bad("key", "须是 " + "、".join(FIELDS) + " 之一")
            continue
        if key in rules:
            bad("key", "重复定义")
            continue
        members = entry.get("members")
        if members not in LEVELS:
            bad("members", "须是 " + " / ".join(LEVELS) + " 之一")
            continue
        staff = entry.get("staff", False)
        if not isinstance(staff, bool):
            bad("staff", "须是 true 或 false")
            continue
        if LEVELS[members] is None and staff:
            bad("staff", "“不显示”的字段对所有人都不显示，staff 须为 false")
            continue
        if key == "name" and LEVELS[members] is None:
            bad("members", "姓名决定能否在通讯录里找到一个人，不能是“不显示”")
            continue
        rules[key] = FieldRule(key, LEVELS[members], staff)
    if "name" not in rules and not any("「name」" in p for p in problems):
        problems.append(f'{path}:1: 缺少姓名（key = "name"）的设置')
    if problems:
        raise DirectoryFileError("\n".join(problems))
    # A field the file leaves out is shown to nobody: only what is written is visible.
    return rules


@cache
def rules() -> dict[str, FieldRule]:
    """The deployed file's rules, read once per process."""
    return load()


def level_unit(level: str, path: Sequence[str], kinds: Sequence[str]) -> str | None:
    """The unit a colleague (her branch's path and kinds) and a viewer must share for `level`."""
    if not path:
        return None
    if level == "branch":
        return path[-1]
    if level == "organisation":
        return path[0]
    for unit_id, kind in zip(reversed(path), reversed(kinds), strict=True):
        if kind == level:
            return unit_id
    return path[-1] if level == "general_branch" else path[0]


def visible_fields(
    viewer: Caller,
    member_no: str,
    path: Sequence[str],
    kinds: Sequence[str],
    table: dict[str, FieldRule] | None = None,
) -> frozenset[str]:
    """The fields of this colleague the viewer may see; empty when she may not find her at all."""
    table = rules() if table is None else table
    own = member_no == viewer.member_no
    staff = scope.unit_access(viewer, path) != "none"
    seen = set()
    for rule in table.values():
        if rule.level is None:
            continue
        if own or (rule.staff and staff) or level_unit(rule.level, path, kinds) in viewer.path:
            seen.add(rule.key)
    return frozenset(seen) if "name" in seen else frozenset()

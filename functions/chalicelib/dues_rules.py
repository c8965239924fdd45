"""The dues brackets of the 2008 regulation (关于中国共产党党费收缴、使用和管理的规定) as data:
`dues_rules.toml` beside this module, read and checked here (every problem as
`file:line: 类别「key」字段 f：…`; nothing is loaded if anything is wrong).

Money is integer fen and rates are `Decimal`: no float ever touches an amount. A category is
`brackets` (a rate by the band the monthly base falls in, each upper bound included: 「含」),
`fixed` (one amount a month) or `set` (an amount the branch sets, given in the import, within
the file's bounds). A brackets category may share another's bands (`brackets_of`: 年薪制 and
不按月取得收入 members on the 在职 bands, each with its own base). `Rules.digest` names the
rules the file holds (not its comments), stored with each assessment.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any

from . import toml_entries

DEFAULT_FILE = Path(__file__).with_name("dues_rules.toml")
KEY = re.compile(r"^[a-z][a-z0-9_]{0,30}$")
KINDS = ("brackets", "fixed", "set")
ROUNDINGS = {"fen_half_up": ("按分四舍五入", 1), "jiao_half_up": ("按角四舍五入", 10)}
HEADER = ("regulation", "issued", "rounding")
FIELDS = {
    "key", "label", "aliases", "kind", "base_label", "brackets", "brackets_of", "amount", "min",
    "max",
}  # fmt: skip
_YUAN = re.compile(r"^[0-9]{1,9}(\.[0-9]{1,2})?$")
_RATE = re.compile(r"^([0-9]{1,2}(\.[0-9]{1,3})?)%$")


class DuesRulesError(ValueError):
    """Every problem of the file, one `file:line: ...` per line."""


@dataclass(frozen=True)
class Bracket:
    above_fen: int  # the band starts above this (0 for the first band)
    up_to_fen: int | None  # the band's upper bound, included; None for the last band
    rate: Decimal  # a fraction: 1% is Decimal("0.01")
    rate_text: str  # "1%", as the file writes it

    def holds(self, base_fen: int) -> bool:
        return base_fen > self.above_fen and (self.up_to_fen is None or base_fen <= self.up_to_fen)


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    aliases: tuple[str, ...]
    kind: str  # brackets / fixed / set
    base_label: str = ""
    brackets: tuple[Bracket, ...] = ()
    amount_fen: int | None = None  # fixed: the amount; set: the default (may be None)
    min_fen: int | None = None
    max_fen: int | None = None


@dataclass(frozen=True)
class Rules:
    path: Path
    regulation: str
    issued: int
    rounding: str
    categories: dict[str, Category]
    digest: str

    @property
    def rounding_label(self) -> str:
        return ROUNDINGS[self.rounding][0]

    def find(self, text: str) -> Category | None:
        """The category a spreadsheet names by its key, label or one of its aliases."""
        text = text.strip()
        for cat in self.categories.values():
            if text in (cat.key, cat.label, *cat.aliases):
                return cat
        return None

    def round_fen(self, exact: Decimal) -> int:
        """An exact amount in fen, rounded half up to the file's unit (fen or jiao)."""
        step = ROUNDINGS[self.rounding][1]
        return int((exact / step).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * step


def yuan_to_fen(text: str) -> int:
    """ "3000", "3000.5", "3000.50" → fen; ValueError for anything else (no sign, ≤ 2 decimals)."""
    if not _YUAN.match(text):
        raise ValueError(text)
    return int(Decimal(text) * 100)


def fen_text(fen: int) -> str:
    """Fen as yuan with two decimals: 1250 → "12.50"."""
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def plain_yuan(fen: int) -> str:
    """A bound as people write it: 300000 → "3000", 500 → "5", 20 → "0.20"."""
    return str(fen // 100) if fen % 100 == 0 else fen_text(fen)


def _money(value: Any, bad: Any, field: str) -> int | None:
    if isinstance(value, (bool, float)):
        bad(field, '金额写成带引号的文本（如 "0.20"），不要写成小数')
        return None
    try:
        return yuan_to_fen(str(value))
    except ValueError:
        bad(field, "须为不小于 0 的金额（元），最多两位小数")
        return None


def _brackets(value: Any, bad: Any) -> tuple[Bracket, ...]:
    if not isinstance(value, list) or not value:
        bad("brackets", '须为各档的列表，每档 { up_to = "…", rate = "…%" }')
        return ()
    out: list[Bracket] = []
    above = 0
    for n, band in enumerate(value, 1):
        where = f"第 {n} 档"
        if not isinstance(band, dict) or set(band) - {"up_to", "rate"}:
            bad("brackets", f"{where}只能写 up_to 和 rate", band=n)
            return ()
        rate_text = band.get("rate")
        found = _RATE.match(rate_text) if isinstance(rate_text, str) else None
        if found is None:
            bad("brackets", f'{where}的 rate 须为百分比文本，如 "1.5%"', band=n)
            return ()
        last = n == len(value)
        if "up_to" not in band:
            if not last:
                bad("brackets", f"{where}缺少 up_to：只有最后一档不写上限", band=n)
                return ()
            up_to = None
        else:
            if last:
                bad("brackets", f"{where}是最后一档，不写 up_to（以上全部按此档）", band=n)
                return ()
            raw = band["up_to"]
            try:
                if isinstance(raw, (bool, float)):
                    raise ValueError(raw)
                up_to = yuan_to_fen(str(raw))
            except ValueError:
                bad("brackets", f"{where}的 up_to 须为带引号的金额文本（元），最多两位小数", band=n)
                return ()
            if up_to <= above:
                bad("brackets", f"{where}的 up_to 须高于上一档", band=n)
                return ()
        rate = Decimal(found[1]) / 100
        if rate <= 0 or (out and rate < out[-1].rate):
            bad("brackets", f"{where}的比例须大于 0，且不低于上一档", band=n)
            return ()
        out.append(Bracket(above, up_to, rate, rate_text))
        above = up_to or above
    return tuple(out)


def _entry(entry: dict[str, Any], bad: Any, earlier: dict[str, Category]) -> Category | None:
    before = bad.count
    for name in sorted(set(entry) - FIELDS):
        bad(name, "不认识的字段")
    for name in ("key", "label", "kind"):
        if name not in entry:
            bad(name, "缺少此字段")
    if bad.count > before:
        return None
    key, label, kind = entry["key"], entry["label"], entry["kind"]
    if not isinstance(key, str) or not KEY.match(key):
        bad("key", "只能用小写字母、数字和 _，以字母开头")
    if not isinstance(label, str) or not 1 <= len(label.strip()) <= 30:
        bad("label", "须为 1–30 个字")
    aliases = entry.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        bad("aliases", "须为文本的列表")
        aliases = []
    if kind not in KINDS:
        bad("kind", f"须为 {' / '.join(KINDS)} 之一")
        return None
    wanted = {
        "brackets": {"base_label"},
        "fixed": {"amount"},
        "set": {"min", "max"},
    }[kind]
    allowed = wanted | {"key", "label", "aliases", "kind"}
    allowed |= {
        "fixed": {"min", "max"},
        "set": {"amount"},
        "brackets": {"brackets", "brackets_of"},
    }[kind]
    for name in sorted(set(entry) & FIELDS - allowed):
        bad(name, f"{kind} 类别不用此字段")
    for name in sorted(wanted - set(entry)):
        bad(name, f"{kind} 类别须写此字段")
    if kind == "brackets" and ("brackets" in entry) == ("brackets_of" in entry):
        bad("brackets", "brackets 与 brackets_of 须写且只写一个")
    if bad.count > before:
        return None
    base_label, brackets = "", ()
    if kind == "brackets":
        base_label = entry["base_label"]
        if not isinstance(base_label, str) or not 1 <= len(base_label.strip()) <= 20:
            bad("base_label", "须为 1–20 个字")
        if "brackets" in entry:
            brackets = _brackets(entry["brackets"], bad)
        else:
            same = (
                earlier.get(entry["brackets_of"]) if isinstance(entry["brackets_of"], str) else None
            )
            if same is None or same.kind != "brackets":
                bad("brackets_of", "须为前面已写的按比例交纳（brackets）类别的 key")
            else:
                brackets = same.brackets
    money = {n: _money(entry[n], bad, n) for n in ("amount", "min", "max") if n in entry}
    low, high, amount = money.get("min"), money.get("max"), money.get("amount")
    if ("min" in entry) != ("max" in entry):
        bad("max" if "min" in entry else "min", "min 与 max 须同时写")
    if low is not None and high is not None and low > high:
        bad("max", "不能低于 min")
    elif amount is not None and low is not None and high is not None and not low <= amount <= high:
        bad("amount", f"须在 {fen_text(low)} 元至 {fen_text(high)} 元之间（含）")
    if amount == 0:
        bad("amount", "须大于 0")
    if low == 0:
        bad("min", "须大于 0")
    if bad.count > before:
        return None
    return Category(
        key=key,
        label=label.strip(),
        aliases=tuple(a.strip() for a in aliases),
        kind=kind,
        base_label=base_label.strip(),
        brackets=brackets,
        amount_fen=amount,
        min_fen=low,
        max_fen=high,
    )


class _Problems:
    """Collects `file:line: message` lines for the whole file."""

    def __init__(self, found: toml_entries.Entries) -> None:
        self.found = found
        self.lines: list[str] = []

    def at(self, line: int, message: str) -> None:
        self.lines.append(f"{self.found.path}:{line}: {message}")

    def for_entry(self, head: int, label: str) -> _Bad:
        return _Bad(self, head, label)


class _Bad:
    """Reports a problem of one entry at its field's line: `类别「key」字段 f：message`."""

    def __init__(self, problems: _Problems, head: int, label: str) -> None:
        self.problems, self.head, self.label = problems, head, label

    def __call__(self, field: str, message: str, band: int = 0) -> None:
        line = self.problems.found.field_line(self.head, field) if field else self.head
        if band:
            line = self._band_line(line, band)
        self.problems.at(line, f"类别「{self.label}」字段 {field}：{message}")

    def _band_line(self, start: int, band: int) -> int:
        """The line of the band'th `{ ... }` of the list starting at line `start`."""
        seen = 0
        for n in range(start - 1, len(self.problems.found.lines)):
            text = self.problems.found.lines[n]
            if n >= start and text.lstrip().startswith("["):
                break
            seen += text.count("{")
            if seen >= band:
                return n + 1
        return start

    @property
    def count(self) -> int:
        return len(self.problems.lines)


def _header_line(found: toml_entries.Entries, name: str) -> int:
    pattern = re.compile(rf"^\s*{re.escape(name)}\s*=")
    return next((n for n, line in enumerate(found.lines, 1) if pattern.match(line)), 1)


def load(path: Path = DEFAULT_FILE) -> Rules:
    """The file's rules, checked; DuesRulesError lists every problem."""
    found = toml_entries.read(path, "category", DuesRulesError)
    problems = _Problems(found)
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    for name in found.other_tables:
        if name not in HEADER:
            problems.at(_header_line(found, name), f"不认识的「{name}」：每个类别写成 [[category]]")
    regulation, issued, rounding = (data.get(n) for n in HEADER)
    if not isinstance(regulation, str) or "党费" not in regulation:
        problems.at(_header_line(found, "regulation"), "regulation：须写明依据的党费规定名称")
    if not isinstance(issued, int) or isinstance(issued, bool) or not 1921 <= issued <= 2100:
        problems.at(_header_line(found, "issued"), "issued：须写明规定印发的年份（如 2008）")
    if rounding not in ROUNDINGS:
        problems.at(_header_line(found, "rounding"), f"rounding：须为 {' / '.join(ROUNDINGS)} 之一")
    out: dict[str, Category] = {}
    names: dict[str, str] = {}
    for entry, head in found.entries:
        bad = problems.for_entry(head, str(entry.get("key", "?")))
        cat = _entry(entry, bad, out)
        if cat is None:
            continue
        if cat.key in out:
            bad("key", "与前面的类别重复")
            continue
        for text in (cat.label, *cat.aliases):
            if text in names:
                bad("aliases", f"「{text}」已是类别「{names[text]}」的写法")
            names[text] = cat.key
        out[cat.key] = cat
    if not out and not problems.lines:
        problems.at(1, "至少要有一个 [[category]]")
    if problems.lines:
        raise DuesRulesError("\n".join(problems.lines))
    return Rules(
        path=path,
        regulation=regulation,
        issued=issued,
        rounding=rounding,
        categories=out,
        # Of the rules, not of the text: a comment edited or a line moved is not a new standard.
        digest=hashlib.sha256(
            json.dumps(data, sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()[:16],
    )


@cache
def rules() -> Rules:
    """The organisation's rules (the default file), loaded once per process."""
    return load()


def bracket_text(cat: Category, band: Bracket) -> str:
    """The band as a member reads it: 「…3000 元以上至 5000 元（含），按 1% 交纳」."""
    if band.up_to_fen is None:
        span = f"{plain_yuan(band.above_fen)} 元以上"
    elif band.above_fen == 0:
        span = f"{plain_yuan(band.up_to_fen)} 元（含）以下"
    else:
        span = f"{plain_yuan(band.above_fen)} 元以上至 {plain_yuan(band.up_to_fen)} 元（含）"
    return f"{cat.label}：{cat.base_label} {span}，按 {band.rate_text} 交纳"


def describe(rules: Rules) -> list[str]:
    """Every category's rule, one line each (for `make dues-rules`)."""
    out = []
    for cat in rules.categories.values():
        if cat.kind == "brackets":
            out.extend(bracket_text(cat, b) for b in cat.brackets)
        elif cat.kind == "fixed":
            out.append(f"{cat.label}：每月交纳 {fen_text(cat.amount_fen or 0)} 元")
        else:
            assert cat.min_fen is not None and cat.max_fen is not None
            out.append(
                f"{cat.label}：由党支部核定，每月 {fen_text(cat.min_fen)} 元至 "
                f"{fen_text(cat.max_fen)} 元"
            )
    return out

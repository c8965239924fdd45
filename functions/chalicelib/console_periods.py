"""The 党务工作台's periods: "2026-W48" (ISO week), "2026-11" (month), "2026-Q4" (quarter),
"2026" (year) — parsed, labelled, and listed for a year. One definition for the job and the API.

A week belongs to its ISO year (its Thursday's year): "2027-W53"… do not exist, "2026-W01" may
begin on 29 December 2025. The job stores a year's weeks with the year, so a week is always
found in the item of the year its key names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from . import clock
from .errors import BadRequestError

KINDS = ("week", "month", "quarter", "year")
KIND_LABELS = {"week": "周", "month": "月", "quarter": "季度", "year": "年"}
FIELD = "统计周期"
# ASCII digits only, the whole text (Python's \d is any Unicode digit, and `$` allows a final
# newline: "2026-１１" or "2026-11\n" would parse, key nothing stored and answer zeros).
_RE = re.compile(r"\A([0-9]{4})(?:-(W[0-9]{2}|[0-9]{2}|Q[1-4]))?\Z", re.ASCII)
FIRST_YEAR = 2000


@dataclass(frozen=True)
class Period:
    key: str
    kind: str
    year: int
    start: date
    end: date  # inclusive

    @property
    def label(self) -> str:
        if self.kind == "week":
            return f"{self.year}年第{int(self.key[-2:])}周"
        if self.kind == "month":
            return f"{self.year}年{int(self.key[5:])}月"
        if self.kind == "quarter":
            return f"{self.year}年第{self.key[-1]}季度"
        return f"{self.year}年"

    def view(self) -> dict[str, str]:
        return {
            "key": self.key,
            "kind": self.kind,
            "label": self.label,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
        }


def _weeks_in(year: int) -> int:
    return date(year, 12, 28).isocalendar()[1]


def parse(text: object) -> Period:
    """A period from its key; a 400 naming 统计周期 for anything else."""
    found = _RE.fullmatch(text) if isinstance(text, str) else None
    if not found:
        raise BadRequestError(f"{FIELD}格式应为 2026-W48、2026-11、2026-Q4 或 2026")
    year = int(found[1])
    if not FIRST_YEAR <= year <= 9998:
        raise BadRequestError(f"{FIELD}的年份超出范围")
    part = found[2]
    if part is None:
        return Period(str(year), "year", year, date(year, 1, 1), date(year, 12, 31))
    if part.startswith("W"):
        week = int(part[1:])
        if not 1 <= week <= _weeks_in(year):
            raise BadRequestError(f"{FIELD}：{year}年没有第{week}周")
        start = date.fromisocalendar(year, week, 1)
        return Period(f"{year}-{part}", "week", year, start, start + timedelta(days=6))
    if part.startswith("Q"):
        q = int(part[1])
        start = date(year, 3 * q - 2, 1)
        return Period(f"{year}-{part}", "quarter", year, start, _month_end(year, 3 * q))
    month = int(part)
    if not 1 <= month <= 12:
        raise BadRequestError(f"{FIELD}：月份应为 01 至 12")
    return Period(f"{year}-{part}", "month", year, date(year, month, 1), _month_end(year, month))


def _month_end(year: int, month: int) -> date:
    nxt = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return nxt - timedelta(days=1)


def of_year(year: int, kind: str) -> list[Period]:
    """Every period of `kind` in the year, in order."""
    if kind == "week":
        return [parse(f"{year}-W{w:02d}") for w in range(1, _weeks_in(year) + 1)]
    if kind == "month":
        return [parse(f"{year}-{m:02d}") for m in range(1, 13)]
    if kind == "quarter":
        return [parse(f"{year}-Q{q}") for q in range(1, 5)]
    return [parse(str(year))]


def containing(day: date, kind: str) -> Period:
    if kind == "week":
        y, w, _ = day.isocalendar()
        return parse(f"{y}-W{w:02d}")
    if kind == "month":
        return parse(f"{day.year}-{day.month:02d}")
    if kind == "quarter":
        return parse(f"{day.year}-Q{(day.month - 1) // 3 + 1}")
    return parse(str(day.year))


def current(kind: str = "month") -> Period:
    return containing(clock.today(), kind)


def parse_kind(text: object) -> str:
    if text is None or text == "":
        return "month"
    if text not in KINDS:
        raise BadRequestError(f"{FIELD}类型应为 week、month、quarter 或 year")
    return str(text)


def parse_year(text: object, field: str = "年份") -> int:
    """A year the job keeps figures for: this one and the last (the API's `year`)."""
    this = clock.today().year
    if text is None or text == "":
        return this
    if not isinstance(text, str) or not re.fullmatch(r"[0-9]{4}", text, re.ASCII):
        raise BadRequestError(f"{field}格式应为四位数字，如 {this}")
    return int(text)

"""The registry's member-structure fields (seed 004: 年龄结构、文化职业), defined once for the
registry import, the console's upkeep forms and the structure analytics.

学历 and 职业 follow the categories of the Party's internal statistics (党内统计): a value outside
the list is refused wherever it is entered, so every count by category adds up.
"""

from __future__ import annotations

from datetime import date

EDUCATION: tuple[str, ...] = ("研究生", "大学本科", "大学专科", "中专", "高中", "初中及以下")
OCCUPATIONS: tuple[str, ...] = (
    "工人",
    "农牧渔民",
    "专业技术人员",
    "企事业单位管理人员",
    "党政机关工作人员",
    "学生",
    "军人武警",
    "离退休人员",
    "其他",
)
# The column headers and the field labels (web.FIELD_LABELS carries the same).
LABELS = {"birth_date": "出生日期", "education": "学历", "occupation": "职业"}
EARLIEST_BIRTH = date(1900, 1, 1)
# One joins the Party at 18 at the earliest (党章 第一条).
MIN_JOIN_AGE = 18


def age_on(birth: date, day: date) -> int:
    """Whole years from `birth` to `day`."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def birth_date_problem(birth: date, today: date, joined: date | None = None) -> str | None:
    """Why a birth date is not plausible, or None: not before 1900, not in the future, and at
    least 18 years before the joining date when there is one."""
    if birth < EARLIEST_BIRTH:
        return "不能早于 1900-01-01"
    if birth > today:
        return "不能晚于今天"
    if age_on(birth, today) < MIN_JOIN_AGE:
        return f"按出生日期未满 {MIN_JOIN_AGE} 岁，不能是党员"
    if joined is not None and age_on(birth, joined) < MIN_JOIN_AGE:
        return f"与入党日期不符：入党时未满 {MIN_JOIN_AGE} 岁"
    return None


def choice_problem(field: str, value: str) -> str | None:
    """Why a 学历 / 职业 value is refused, or None."""
    allowed = EDUCATION if field == "education" else OCCUPATIONS
    if value in allowed:
        return None
    return "应为 " + "、".join(allowed) + " 之一"

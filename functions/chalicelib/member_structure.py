"""Member structure (seed 004: 年龄结构、文化职业): the bands a party statistician counts by
(党内统计), one definition for the precompute job, the API and its tests.

Every dimension ends with 「未填写」 for a member whose registry lacks the field (or holds an
unreadable value), so the bands of each dimension add up to the unit's members. Ages and 党龄
are whole years on the day the job runs (Beijing); 党龄 as 党章 第七条 counts it (below)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, Protocol

from .registry_fields import EDUCATION, OCCUPATIONS
from .registry_import import parse_date

MISSING = "未填写"

# 党内统计's age groups and 党龄 groups.
AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("30岁及以下", 0, 30),
    ("31–35岁", 31, 35),
    ("36–45岁", 36, 45),
    ("46–55岁", 46, 55),
    ("56–60岁", 56, 60),
    ("61岁及以上", 61, 999),
)
YEARS_BANDS: tuple[tuple[str, int, int], ...] = (
    ("5年及以下", 0, 5),
    ("6–10年", 6, 10),
    ("11–20年", 11, 20),
    ("21–30年", 21, 30),
    ("31–40年", 31, 40),
    ("41–50年", 41, 50),
    ("51年及以上", 51, 999),
)
STATUS = {"full": "正式党员", "probationary": "预备党员"}
GENDERS = ("男", "女")
# 党章 第七条: 预备党员的党龄从转为正式党员之日算起 — a probationary member has none yet.
NO_PARTY_AGE = "预备党员（无党龄）"
# The registry keeps no 转正 date: a full member's 党龄 counts from 入党日期 plus the usual
# one-year probation (党章 第七条), a year late for one whose probation was extended.
PROBATION_YEARS = 1

DIMENSIONS: tuple[tuple[str, str], ...] = (
    ("age", "年龄结构"),
    ("years", "党龄"),
    ("status", "党员类别"),
    ("gender", "性别"),
    ("education", "学历"),
    ("occupation", "职业"),
)


class Person(Protocol):
    status: str
    gender: str | None
    joined_on: str | None
    birth_date: str | None
    education: str | None
    occupation: str | None


def _date(text: str | None) -> date | None:
    try:
        return parse_date(text) if text else None
    except ValueError:
        return None


def _years(since: date | None, today: date) -> int | None:
    if since is None or since > today:
        return None
    return today.year - since.year - ((today.month, today.day) < (since.month, since.day))


def _party_age(m: Person, today: date) -> str:
    """党龄's band: none for a 预备党员; for a full member, whole years since 入党日期 plus the
    probation (at least 0: a full member who joined less than a year ago is still counted)."""
    if m.status == "probationary":
        return NO_PARTY_AGE
    joined = _date(m.joined_on)
    if joined is None or joined > today:
        return MISSING
    years = _years(joined, today)
    return _band(max(0, (years or 0) - PROBATION_YEARS), YEARS_BANDS)


def _band(value: int | None, bands: tuple[tuple[str, int, int], ...]) -> str:
    if value is None:
        return MISSING
    return next((label for label, lo, hi in bands if lo <= value <= hi), MISSING)


def labels(key: str) -> list[str]:
    """Every band of a dimension, in order, 「未填写」 last."""
    if key == "age":
        out = [b[0] for b in AGE_BANDS]
    elif key == "years":
        out = [b[0] for b in YEARS_BANDS] + [NO_PARTY_AGE]
    elif key == "status":
        out = list(STATUS.values())
    elif key == "gender":
        out = list(GENDERS)
    elif key == "education":
        out = list(EDUCATION)
    else:
        out = list(OCCUPATIONS)
    return [*out, MISSING]


def bands_of(m: Person, today: date) -> dict[str, str]:
    """The band of each dimension a member falls in."""
    return {
        "age": _band(_years(_date(m.birth_date), today), AGE_BANDS),
        "years": _party_age(m, today),
        "status": STATUS.get(m.status, MISSING),
        "gender": m.gender if m.gender in GENDERS else MISSING,
        "education": m.education if m.education in EDUCATION else MISSING,
        "occupation": m.occupation if m.occupation in OCCUPATIONS else MISSING,
    }


def counts(people: Iterable[dict[str, str]]) -> dict[str, dict[str, int]]:
    """Band counts per dimension from members' `bands_of`."""
    out: dict[str, dict[str, int]] = {key: dict.fromkeys(labels(key), 0) for key, _ in DIMENSIONS}
    for bands in people:
        for key, band in bands.items():
            out[key][band] += 1
    return out


def view(counted: dict[str, dict[str, int]]) -> list[dict[str, Any]]:
    """The API's `dimensions`: each with its bands in order."""
    return [
        {
            "key": key,
            "label": label,
            "bands": [{"label": b, "count": counted.get(key, {}).get(b, 0)} for b in labels(key)],
        }
        for key, label in DIMENSIONS
    ]

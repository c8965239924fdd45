"""政治生日: a member's card on the anniversary of joining, and a unit's anniversaries of a month.

The anniversary is `points.anniversary` — the one definition the sign-in award and the
political_birthday reminder use too (29 Feb joiners on 28 Feb in other years), on the
Asia/Shanghai day (`clock.today`). The award stays the sign-in's (`points.on_sign_in`); the
card only says whether it is in her ledger. The organisation's line is `birthday.toml`.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from . import clock, points_ledger, registry, scope, toml_entries
from .errors import BadRequestError, NotFoundError
from .models import Member, OrgUnit
from .org import STATUS_LABELS
from .points import anniversary, ledger_key
from .points_rules import RULES
from .scope import Caller

DEFAULT_FILE = Path(__file__).with_name("birthday.toml")
MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")
ROUND_YEARS = 10  # 10, 20, 30, 40, 50 … years are marked on the staff's list
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


class LinesFileError(ValueError):
    """Every problem of the file, one `file:line: ...` per line."""


def load_lines(path: Path = DEFAULT_FILE) -> dict[int, str]:
    """from_years -> text; LinesFileError listing every problem."""
    read = toml_entries.read(path, "line", LinesFileError)
    problems = [f"{path}:1: 未知的表「{name}」" for name in read.other_tables]
    lines: dict[int, str] = {}
    for entry, head in read.entries:

        def bad(name: str, message: str, head: int = head) -> None:
            problems.append(f"{path}:{read.field_line(head, name)}: 寄语 {name}：{message}")

        for extra in sorted(set(entry) - {"from_years", "text"}):
            bad(extra, "不认识这一项（只能写 from_years、text）")
        years, text = entry.get("from_years"), entry.get("text")
        if not isinstance(years, int) or isinstance(years, bool) or not 1 <= years <= 80:
            bad("from_years", "须是 1–80 的整数")
            continue
        if years in lines:
            bad("from_years", f"{years} 重复")
            continue
        if not isinstance(text, str) or not 4 <= len(text.strip()) <= 40:
            bad("text", "须是 4–40 个字")
            continue
        if _CONTROL.search(text):
            bad("text", "须是一行，不含换行或控制字符")
            continue
        lines[years] = text.strip()
    if not problems and 1 not in lines:
        problems.append(f"{path}:1: 须有一句 from_years = 1 的寄语")
    if problems:
        raise LinesFileError("\n".join(problems))
    return lines


@cache
def lines() -> dict[int, str]:
    return load_lines()


def line_for(years: int) -> str:
    table = lines()
    return table[max(y for y in table if y <= max(years, 1))]


def _joined(member: Member) -> date | None:
    try:
        return date.fromisoformat(member.joined_on or "")
    except ValueError:
        return None


def today_mark(member: Member) -> dict[str, int] | None:
    """`{"years": n}` when today is her political birthday, else None (the home page's link to
    her card; no read: the member is in hand)."""
    today = clock.today()
    joined = _joined(member)
    if joined is None or anniversary(member.joined_on, today.year) != today:
        return None
    return {"years": today.year - joined.year}


def card(member: Member) -> dict[str, Any]:
    """What the card and 政治生日 page need: her name, the day she joined, and either today's
    card (years, the organisation's line and name, the points) or her next political birthday."""
    today = clock.today()
    joined = _joined(member)
    out: dict[str, Any] = {"name": member.name, "today": today.isoformat(), "joined_on": None}
    if joined is None or joined >= today:
        return {**out, "is_birthday": False, "next": None}
    this_year = anniversary(member.joined_on, today.year)
    out["joined_on"] = joined.isoformat()
    if this_year != today:
        upcoming = this_year if this_year and this_year > today else None
        upcoming = upcoming or anniversary(member.joined_on, today.year + 1)
        assert upcoming is not None
        return {
            **out,
            "is_birthday": False,
            "next": {
                "date": upcoming.isoformat(),
                "years": upcoming.year - joined.year,
                "days": (upcoming - today).days,
            },
        }
    years = today.year - joined.year
    rule = RULES["political_birthday"]
    # The same one read `points.on_sign_in` makes: is this year's claim there?
    login_key = ledger_key(RULES["daily_login"], "login", today)
    key = ledger_key(rule, str(today.year), today)
    _, awarded = points_ledger.already(member.member_no, today.isoformat(), login_key, key)
    branch = registry.get_unit(member.branch_id)
    org = {u.unit_id: u.name for u in OrgUnit.batch_get(branch.path[:1])}
    return {
        **out,
        "is_birthday": True,
        "years": years,
        "line": line_for(years),
        "organisation": org.get(branch.path[0], branch.name),
        "points": rule.points,
        "awarded": awarded,
    }


def check_month(month: str | None) -> tuple[int, int]:
    found = MONTH.match(month or "")
    if not found or not 1 <= int(found[2]) <= 12 or not 1950 <= int(found[1]) <= 2100:
        raise BadRequestError("月份（month）格式应为 YYYY-MM，例如 2026-07")
    return int(found[1]), int(found[2])


def unit_anniversaries(caller: Caller, unit_id: str, month: str | None) -> dict[str, Any]:
    """The active members of the unit's subtree whose political birthday falls in the month
    (read scope over the unit): one `by-parent` Query per unit above branch level and one
    `by-branch` Query per branch, never a Scan."""
    from .meetings import subtree

    year, mm = check_month(month)
    try:
        unit: OrgUnit | None = registry.get_unit(unit_id)
    except NotFoundError:
        unit = None
    # An unknown unit is refused like one out of scope: nobody learns which ids exist.
    scope.require_unit(caller, unit.path if unit else (), "read")
    assert unit is not None
    branches = [u for u in subtree(unit) if u.kind == "branch"]
    rows = []
    for branch in branches:
        for member in Member.by_branch.query(branch.unit_id):
            # Party members only (an applicant the registry may hold has no political birthday).
            member_of_party = member.active and member.status in STATUS_LABELS
            day = anniversary(member.joined_on, year) if member_of_party else None
            if day is None or day.month != mm:
                continue
            years = year - int(member.joined_on[:4])
            rows.append(
                {
                    "member_no": member.member_no,
                    "name": member.name,
                    "branch": {"id": branch.unit_id, "name": branch.name},
                    "joined_on": member.joined_on,
                    "date": day.isoformat(),
                    "years": years,
                    "round": years % ROUND_YEARS == 0,
                }
            )
    rows.sort(key=lambda r: (r["date"], r["name"], r["member_no"]))
    return {
        "unit": {"id": unit.unit_id, "name": unit.name},
        "month": f"{year:04d}-{mm:02d}",
        "members": rows,
    }

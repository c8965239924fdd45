"""What members and staff read of the points: 我的党建, a detail log, the 年度党建报告.

Each function takes the signed-in member and decides through the one scope check; the routes in
`api_points` only parse and shape.
"""

from __future__ import annotations

from typing import Any

from . import clock, leaderboards, points, points_figures, registry, scope
from .errors import BadRequestError
from .models import Member
from .settings import get_settings


def my_summary(member: Member) -> dict[str, Any]:
    """我的党建: today / month / year / all, per-rule progress, 12 months, mix, rank and stars."""
    body: dict[str, Any] = points_figures.totals(member.member_no)
    enabled = get_settings().rankings_enabled
    body["rankings_enabled"] = enabled
    body["standing"] = (
        leaderboards.standing(member, points.month_key(clock.today())) if enabled else None
    )
    return body


def log_for(member: Member, target: str | None, cursor: str | None) -> dict[str, Any]:
    """A member's detail log: her own, or someone else's through a role over that member's
    branch. An unknown number is refused like someone else's: no probing who exists."""
    target = target or member.member_no
    if target != member.member_no:
        other = registry.get_member(target)
        path = registry.get_unit(other.branch_id).path if other else ()
        scope.require_member(registry.caller_for(member), target, path)
    return points_figures.ledger_page(target, cursor)


def year_report(member: Member, year: str) -> dict[str, Any]:
    """The 年度党建报告 of the signed-in member (never anybody else's)."""
    # ASCII digits only: "²" is a digit to str.isdigit() but not to int() (a 500, not a 400).
    if not (year.isascii() and year.isdigit() and len(year) == 4) or not (
        2000 <= int(year) <= clock.today().year
    ):
        raise BadRequestError("年份不正确")
    body = points_figures.year_report(member.member_no, int(year))
    body["name"] = member.name
    body["branch"] = registry.get_unit(member.branch_id).name
    body["standing"] = None
    if get_settings().rankings_enabled:
        body["standing"] = leaderboards.standing(member, f"y{int(year)}")
    return body

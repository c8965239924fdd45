"""A member's points as she reads them: 我的党建, the 年度党建报告, the detail log.

The figures are the aggregator's year totals (`PointTotal`, kept by `points_stream`) plus the
lines of the last PENDING_DAYS days it has not applied yet (each year total records, per recent
day, the day item's version it applied), so every figure is, at once, the sum of the ledger's
lines — whether the stream has caught up or not. Two Queries: the member's years, her last days.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from . import clock, cursors, points_ledger
from .models import PointTotal
from .points import PENDING_DAYS
from .points_ledger import Day
from .points_rules import ACTIVITY_LABELS, RULES, describe

LOG_PAGE = 20
_DAYS_A_QUERY = 7  # the detail log reads this many days at a time


@dataclass
class Year:
    points: int = 0
    months: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    rules: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def pending(total: PointTotal | None, day: Day) -> dict[str, int]:
    """What `day` adds per rule beyond what the aggregator applied to `total` (its year)."""
    applied = (total.recent if total else {}).get(day.day)
    if applied and int(applied["v"]) >= day.version:
        return {}
    base = applied["s"] if applied else {}
    now = day.by_rule()
    return {r: now.get(r, 0) - base.get(r, 0) for r in set(now) | set(base)}


def _years(member_no: str, recent: list[Day]) -> dict[int, Year]:
    stored = {t.period: t for t in PointTotal.query(member_no, consistent_read=True)}
    years: dict[int, Year] = defaultdict(Year)
    for period, t in stored.items():
        y = years[int(period[1:])]
        y.points += int(t.points or 0)
        for m, v in (t.months or {}).items():
            y.months[m] += int(v)
        for r, v in (t.rules or {}).items():
            y.rules[r] += int(v)
    for day in recent:
        delta = pending(stored.get(f"y{day.day[:4]}"), day)
        y = years[int(day.day[:4])]
        for rule, v in delta.items():
            y.points += v
            y.months[day.day[5:7]] += v
            y.rules[rule] += v
    return years


def _recent(member_no: str, today: date) -> list[Day]:
    since = today - timedelta(days=PENDING_DAYS - 1)
    return points_ledger.days(member_no, since=since.isoformat())


def _previous_months(today: date, count: int) -> list[tuple[int, str]]:
    out = []
    year, month = today.year, today.month
    for _ in range(count):
        out.append((year, f"{month:02d}"))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(out))


def _mix(by_rule: dict[str, int]) -> list[dict[str, Any]]:
    groups: dict[str, int] = dict.fromkeys(ACTIVITY_LABELS, 0)
    for key, pts in by_rule.items():
        if key in RULES:
            groups[RULES[key].activity] += pts
    return [{"activity": k, "label": ACTIVITY_LABELS[k], "points": v} for k, v in groups.items()]


def rule_progress(day: Day) -> list[dict[str, Any]]:
    """Each rule with the day's net points and how much of its daily cap is used (我的党建, the
    home page's 今日学习)."""
    by_rule = day.by_rule()
    return [
        {
            **describe(r),
            "today": by_rule.get(r.key, 0),
            # toward the daily cap: awards only, a reversal does not give the cap back
            "cap_used": day.caps.get(r.key, 0),
        }
        for r in RULES.values()
    ]


def totals(member_no: str) -> dict[str, Any]:
    """Today / month / year / all time, today's points per rule, the last 12 months, the year's
    activity mix."""
    today = clock.today()
    recent = _recent(member_no, today)
    years = _years(member_no, recent)
    this = years[today.year]
    day = next((d for d in recent if d.day == today.isoformat()), Day(member_no, today.isoformat()))
    by_rule_today = day.by_rule()  # net: the sum of today's lines (reversals included)
    return {
        "day": today.isoformat(),
        "today": sum(by_rule_today.values()),
        "month": this.months.get(f"{today.month:02d}", 0),
        "year": this.points,
        "all": sum(y.points for y in years.values()),
        "rules": rule_progress(day),
        "months": [
            {"month": f"{y}-{m}", "points": years[y].months.get(m, 0) if y in years else 0}
            for y, m in _previous_months(today, 12)
        ],
        "mix": _mix(this.rules),
    }


def year_report(member_no: str, year: int) -> dict[str, Any]:
    """年度党建报告: the year's total, its months, its activity mix and rule by rule."""
    years = _years(member_no, _recent(member_no, clock.today()))
    y = years.get(year, Year())
    months = [
        {"month": f"{year:04d}-{m:02d}", "points": y.months.get(f"{m:02d}", 0)}
        for m in range(1, 13)
    ]
    best = max(months, key=lambda m: m["points"])
    return {
        "year": year,
        "points": y.points,
        "months": months,
        "best_month": best if best["points"] > 0 else None,
        "active_months": sum(1 for m in months if m["points"] > 0),
        "mix": _mix(y.rules),
        "rules": [
            {"key": r.key, "label": r.label, "points": y.rules.get(r.key, 0)}
            for r in RULES.values()
        ],
        "articles_credited": y.rules.get("article_read", 0) // RULES["article_read"].points,
        "constitution_days_credited": y.rules.get("constitution_read", 0)
        // RULES["constitution_read"].points,
    }


def _position(line: points_ledger.Line) -> str:
    return f"{line.at_ms:013d}#{line.key}"


def ledger_page(member_no: str, cursor: str | None = None, limit: int = LOG_PAGE) -> dict[str, Any]:
    """The detail log, newest first; `next` is an opaque cursor (the last line shown) or null.
    Reads a week of day items a Query (a day item holds all its lines)."""
    day, after = None, None
    if cursor:
        key = cursors.decode(
            cursor,
            {"member_no": lambda v: v == member_no, "day": _is_day, "after": bool},
        )
        day, after = key["day"]["S"], key["after"]["S"]
    rows: list[tuple[str, points_ledger.Line]] = []  # lines of no points (voided keys) not shown
    until = day
    while len(rows) <= limit:
        batch = points_ledger.days(
            member_no, until=until, newest_first=True, limit=_DAYS_A_QUERY, consistent=False
        )
        for d in batch:
            lines = sorted(
                (ln for ln in d.lines.values() if ln.amount), key=_position, reverse=True
            )
            if d.day == day and after:
                lines = [ln for ln in lines if _position(ln) < after]
            rows += [(d.day, ln) for ln in lines]
        if len(batch) < _DAYS_A_QUERY:
            break
        until = (date.fromisoformat(batch[-1].day) - timedelta(days=1)).isoformat()
    shown = rows[:limit]
    items = [
        {
            "rule": ln.rule,
            "label": RULES[ln.rule].label if ln.rule in RULES else ln.rule,
            "object_id": ln.object_id,
            "points": ln.amount,
            "day": d,
            "at": datetime.fromtimestamp(ln.at_ms / 1000, clock.TZ).isoformat(timespec="seconds"),
            "reversal": ln.reversal,
            "note": ln.note,
        }
        for d, ln in shown
    ]
    more = None
    if len(rows) > limit:
        last_day, last = shown[-1]
        more = {
            "member_no": {"S": member_no},
            "day": {"S": last_day},
            "after": {"S": _position(last)},
        }
    return {"items": items, "next": cursors.encode(more)}


def _is_day(value: str) -> bool:
    try:
        return date.fromisoformat(value).isoformat() == value
    except ValueError:
        return False


def ledger(member_no: str) -> list[points_ledger.Line]:
    """Every line of points of the member's ledger, oldest day first (checks, repairs, tests);
    not the keys taken by a line of no points (`points.reverse` with nothing to undo)."""
    return [ln for d in points_ledger.days(member_no) for ln in d.lines.values() if ln.amount]

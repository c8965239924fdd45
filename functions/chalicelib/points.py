"""Points: awards and reversals through the append-only ledger, and a member's totals.

Other areas award points through two plain functions (reading, comments, votes, quizzes):

    award(member_no, rule_key, object_id, amount=None, day=None) -> Award | None
    reverse(member_no, rule_key, object_id, day=None) -> Award | None

`award` returns what was credited, or None when nothing was (already awarded for that key, or the
daily cap is used up). It is safe to call again with the same arguments: the ledger key is
deterministic — (member, rule, object, and the day for per-day rules; see points_rules) — and the
ledger entry is written with attribute_not_exists, so a retry or a replayed request awards nothing.
The day is Asia/Shanghai's (`clock.today()`) unless given.

How totals stay right (the decision, and why):

- Member totals are counters written in the SAME TransactWriteItems as the ledger entry: the entry
  (condition: not there yet), today's per-rule counter (condition: points + amount <= daily cap;
  it is also the cap), the month, the year, the year's per-rule counter and the all-time total.
  Either everything is written or nothing, so retries and concurrent requests can neither lose
  nor double a point, and 我的党建 reads exact figures at once. A member's parallel awards conflict
  only on that member's own items, which is the serialisation the cap needs.
- Caps clamp: an award that would cross the cap is retried with what is left (a consistent read
  of the cap counter, then the same conditional transaction), so N parallel awards give exactly
  the cap, never more, and a quiz's last points are not thrown away.
- Org-unit totals (branch, general branch, committee, organisation) are NOT counters: every award
  in the organisation would write the same committee item — one hot key (~1,000 writes/s per
  partition) and, worse, constant TransactionConflicts. The scheduled ranking job
  (`leaderboards.compute_boards`, every 10 minutes) sums them from the members' period totals,
  which carry a sharded sparse GSI key (`board_key`, "m2026-11#<0..9>") so it reads them with a
  few Queries and no Scan of the counters. Unit figures are at most one job interval old.
- A reversal (a removed comment) is a negative ledger entry dated the day it happens, subtracted
  from that day's figure (the day counter's `reversed`) and its month / year / all-time totals, so
  every figure a member sees is the sum of its ledger lines. It does not give the daily cap back
  (the cap counts `points`, the gross awards), and the original key stays taken, so the same
  object can never be awarded again.
"""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from . import clock, cursors
from .errors import busy
from .models import Member, PointEntry, PointTotal
from .models.base import Transaction, TransactionCancelled
from .models.points import BOARD_SHARDS
from .points_rules import ACTIVITY_LABELS, RULES, Rule, describe

MAX_ATTEMPTS = 8
DAY_COUNTER_DAYS = 40  # day counters expire (TTL) after this; the day is in their key
LOG_PAGE = 20


@dataclass(frozen=True)
class Award:
    member_no: str
    rule: str
    object_id: str
    amount: int  # negative for a reversal
    day: str
    key: str


def ledger_key(rule: Rule, object_id: str, day: date) -> str:
    """The deterministic key that makes an award unique (see points_rules.Rule.unique)."""
    if rule.unique == "object_day":
        return f"{rule.key}#{object_id}#{day.isoformat()}"
    return f"{rule.key}#{object_id}"


def shard(member_no: str) -> int:
    """A stable shard (not Python's salted hash): the same member always lands in the same one."""
    return zlib.crc32(member_no.encode()) % BOARD_SHARDS


def month_key(day: date) -> str:
    return f"m{day.year:04d}-{day.month:02d}"


def _counter_updates(tx: Transaction, member_no: str, rule: Rule, day: date, amount: int) -> None:
    """The month, year, year-by-rule and all-time counters (not the day counter: see award)."""
    s = shard(member_no)
    for period, board in (
        (month_key(day), f"{month_key(day)}#{s}"),
        (f"y{day.year}", f"y{day.year}#{s}"),
        (f"y{day.year}#{rule.key}", None),
        ("total", f"total#{s}"),
    ):
        actions = [PointTotal.points.add(amount)]
        if board:
            actions.append(PointTotal.board_key.set(board))
        tx.update(period, PointTotal(member_no, period), actions=actions)


def _day_expiry(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=DAY_COUNTER_DAYS), datetime.min.time(), UTC)


def _day_counter(member_no: str, rule: Rule, day: date) -> PointTotal:
    return PointTotal(member_no, f"d{day.isoformat()}#{rule.key}")


def _earned_today(member_no: str, rule: Rule, day: date) -> int:
    try:
        item = PointTotal.get(member_no, f"d{day.isoformat()}#{rule.key}", consistent_read=True)
    except PointTotal.DoesNotExist:
        return 0
    return int(item.points or 0)


def _entry(
    member_no: str,
    key: str,
    rule: Rule,
    object_id: str,
    amount: int,
    day: date,
    now: float,
    note: str | None,
) -> PointEntry:
    """A ledger line; `at_key` orders the detail log by time (ms) and stays unique by the key."""
    return PointEntry(
        member_no,
        key,
        rule=rule.key,
        object_id=object_id,
        amount=amount,
        day=day.isoformat(),
        at=now,
        at_key=f"{int(now * 1000):013d}#{key}",
        note=note,
    )


def award(
    member_no: str,
    rule_key: str,
    object_id: str,
    amount: int | None = None,
    day: date | None = None,
    *,
    note: str | None = None,
) -> Award | None:
    """Credit `rule_key` for `object_id` once; None if already credited or the day's cap is used.

    `amount` defaults to the rule's points and may not exceed its `per_award_max` (ValueError).
    An award that would cross the daily cap is clamped to what is left. One TransactWriteItems of
    six items (ledger entry + five counters); see the module docstring for why.
    """
    rule = RULES.get(rule_key)
    if rule is None:
        raise ValueError(f"unknown points rule {rule_key!r}")
    amount = rule.points if amount is None else int(amount)
    if amount > rule.per_award_max:
        raise ValueError(f"{rule_key}: {amount} exceeds the per-award maximum")
    if amount <= 0 or not object_id:
        return None
    day = day or clock.today()
    key = ledger_key(rule, object_id, day)
    s = shard(member_no)
    for attempt in range(MAX_ATTEMPTS):
        now = clock.now()
        cap_condition = None
        if rule.daily_cap is not None:
            cap_condition = PointTotal.points.does_not_exist() | (
                PointTotal.points <= rule.daily_cap - amount
            )
        try:
            with Transaction() as tx:
                tx.save(
                    "entry",
                    _entry(member_no, key, rule, object_id, amount, day, now, note),
                    condition=PointEntry.key.does_not_exist(),
                )
                tx.update(
                    "cap",
                    _day_counter(member_no, rule, day),
                    actions=[
                        PointTotal.points.add(amount),
                        PointTotal.board_key.set(f"d{day.isoformat()}#{s}"),
                        PointTotal.expires_at.set(_day_expiry(day)),
                    ],
                    condition=cap_condition,
                )
                _counter_updates(tx, member_no, rule, day, amount)
        except TransactionCancelled as exc:
            if exc.failed("entry"):
                return None  # this key was awarded before: a replay or a retry
            if exc.failed("cap"):
                left = (rule.daily_cap or 0) - _earned_today(member_no, rule, day)
                if left <= 0:
                    return None
                amount = min(amount, left)
                continue
            if exc.conflict:
                time.sleep(0.01 * (attempt + 1))  # another write to the same items: try again
                continue
            raise
        return Award(member_no, rule.key, object_id, amount, day.isoformat(), key)
    # Conflicts all the way (her own parallel awards): the caller's retry repairs it (503).
    raise busy()


def reverse(
    member_no: str,
    rule_key: str,
    object_id: str,
    day: date | None = None,
    *,
    note: str | None = None,
) -> Award | None:
    """Undo an award with a negative entry (e.g. the comment was removed); None if there was no
    award or it was already reversed. `day` is the award's day, needed for per-day rules only."""
    rule = RULES.get(rule_key)
    if rule is None:
        raise ValueError(f"unknown points rule {rule_key!r}")
    key = ledger_key(rule, object_id, day or clock.today())
    try:
        original = PointEntry.get(member_no, key, consistent_read=True)
    except PointEntry.DoesNotExist:
        return None
    today = clock.today()
    now = clock.now()
    amount = -int(original.amount)
    reversal_key = f"{key}#reversal"
    for attempt in range(MAX_ATTEMPTS):
        try:
            with Transaction() as tx:
                tx.save(
                    "entry",
                    _entry(member_no, reversal_key, rule, object_id, amount, today, now, note),
                    condition=PointEntry.key.does_not_exist(),
                )
                # Today's figure is the sum of today's ledger lines, so the reversal counts on
                # today's counter too — as `reversed`, apart from the cap's `points`: a reversal
                # never gives the daily cap back.
                tx.update(
                    "day",
                    _day_counter(member_no, rule, today),
                    actions=[
                        PointTotal.reversed.add(amount),
                        PointTotal.board_key.set(f"d{today.isoformat()}#{shard(member_no)}"),
                        PointTotal.expires_at.set(_day_expiry(today)),
                    ],
                )
                _counter_updates(tx, member_no, rule, today, amount)
        except TransactionCancelled as exc:
            if exc.failed("entry"):
                return None
            if exc.conflict:
                time.sleep(0.01 * (attempt + 1))
                continue
            raise
        break
    else:
        raise busy()
    return Award(member_no, rule.key, object_id, amount, today.isoformat(), reversal_key)


def anniversary(joined_on: str | None, year: int) -> date | None:
    """The political birthday (入党纪念日) in `year`; 29 Feb falls on 28 Feb in other years."""
    try:
        joined = date.fromisoformat(joined_on or "")
    except ValueError:
        return None
    if joined.year >= year:
        return None
    try:
        return joined.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


def on_sign_in(member: Member) -> list[Award]:
    """The daily login point and, on or after the member's 入党纪念日, the year's birthday points.

    Called after a successful login, activation or token refresh (api_auth): a member who uses the
    app on a day signs in or refreshes her 15-minute access token that day. One BatchGetItem tells
    which keys are already in the ledger, so most refreshes cost no write.
    """
    today = clock.today()
    member_no = member.member_no
    wanted: list[tuple[str, str]] = [("daily_login", "login")]
    birthday = anniversary(member.joined_on, today.year)
    if birthday is not None and birthday <= today:
        wanted.append(("political_birthday", str(today.year)))
    keys = [ledger_key(RULES[r], obj, today) for r, obj in wanted]
    have = {e.key for e in PointEntry.batch_get([(member_no, k) for k in keys])}
    awarded = []
    for (rule_key, obj), key in zip(wanted, keys, strict=True):
        if key not in have:
            got = award(member_no, rule_key, obj, day=today)
            if got:
                awarded.append(got)
    return awarded


def _previous_months(today: date, count: int) -> list[str]:
    out = []
    year, month = today.year, today.month
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(out))


def _mix(by_rule: dict[str, int]) -> list[dict[str, Any]]:
    groups: dict[str, int] = dict.fromkeys(ACTIVITY_LABELS, 0)
    for key, pts in by_rule.items():
        if key in RULES:
            groups[RULES[key].activity] += pts
    return [{"activity": k, "label": ACTIVITY_LABELS[k], "points": v} for k, v in groups.items()]


def totals(member_no: str) -> dict[str, Any]:
    """Today / month / year / all time, today's points per rule, the last 12 months, the year's
    activity mix: ONE Query (periods from "d<today>" up sort after every older day counter)."""
    today = clock.today()
    found = list(PointTotal.query(member_no, PointTotal.period >= f"d{today.isoformat()}"))
    items = {t.period: int(t.points or 0) for t in found}
    day_prefix = f"d{today.isoformat()}#"
    # Per rule today: `cap_used` counts toward the daily cap (a reversal does not give it back);
    # `today` is the net figure, the sum of today's ledger lines.
    cap_used: dict[str, int] = {}
    by_rule_today: dict[str, int] = {}
    for t in found:
        if t.period.startswith(day_prefix):
            rule = t.period[len(day_prefix) :]
            cap_used[rule] = int(t.points or 0)
            by_rule_today[rule] = cap_used[rule] + int(t.reversed or 0)
    year_prefix = f"y{today.year}#"
    by_rule_year = {p[len(year_prefix) :]: v for p, v in items.items() if p.startswith(year_prefix)}
    return {
        "day": today.isoformat(),
        "today": sum(by_rule_today.values()),
        "month": items.get(month_key(today), 0),
        "year": items.get(f"y{today.year}", 0),
        "all": items.get("total", 0),
        "rules": [
            {
                **describe(r),
                "today": by_rule_today.get(r.key, 0),
                "cap_used": cap_used.get(r.key, 0),
            }
            for r in RULES.values()
        ],
        "months": [
            {"month": m, "points": items.get(f"m{m}", 0)} for m in _previous_months(today, 12)
        ],
        "mix": _mix(by_rule_year),
    }


def year_report(member_no: str, year: int) -> dict[str, Any]:
    """年度党建报告: the year's total, its months, its activity mix and rule by rule (one Query)."""
    items = {
        t.period: int(t.points or 0)
        for t in PointTotal.query(
            member_no, PointTotal.period.between(f"m{year:04d}-01", f"y{year:04d}#~")
        )
    }
    months = [
        {"month": f"{year:04d}-{m:02d}", "points": items.get(f"m{year:04d}-{m:02d}", 0)}
        for m in range(1, 13)
    ]
    prefix = f"y{year:04d}#"
    by_rule = {p[len(prefix) :]: v for p, v in items.items() if p.startswith(prefix)}
    best = max(months, key=lambda m: m["points"])
    return {
        "year": year,
        "points": items.get(f"y{year:04d}", 0),
        "months": months,
        "best_month": best if best["points"] > 0 else None,
        "active_months": sum(1 for m in months if m["points"] > 0),
        "mix": _mix(by_rule),
        "rules": [
            {"key": r.key, "label": r.label, "points": by_rule.get(r.key, 0)}
            for r in RULES.values()
        ],
        "articles_credited": by_rule.get("article_read", 0) // RULES["article_read"].points,
        "constitution_days_credited": by_rule.get("constitution_read", 0)
        // RULES["constitution_read"].points,
    }


def ledger_page(member_no: str, cursor: str | None = None, limit: int = LOG_PAGE) -> dict[str, Any]:
    """The detail log, newest first, one Query per page; `next` is an opaque cursor or null."""
    start = (
        cursors.decode(
            cursor,
            {"member_no": lambda v: v == member_no, "key": bool, "at_key": bool},
            lambda k: k["at_key"].endswith("#" + k["key"]),
        )
        if cursor
        else None
    )
    results = PointEntry.by_time.query(
        member_no, scan_index_forward=False, limit=limit, last_evaluated_key=start
    )
    items = [
        {
            "rule": e.rule,
            "label": RULES[e.rule].label if e.rule in RULES else e.rule,
            "object_id": e.object_id,
            "points": int(e.amount),
            "day": e.day,
            "at": datetime.fromtimestamp(e.at, clock.TZ).isoformat(timespec="seconds"),
            "reversal": e.key.endswith("#reversal"),
            "note": e.note,
        }
        for e in results
    ]
    more = results.last_evaluated_key if len(items) == limit else None
    return {"items": items, "next": cursors.encode(more)}

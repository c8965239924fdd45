"""Points: awards and reversals written to the ledger, and a member's figures read back.

Other areas award points through two plain functions (reading, comments, votes, quizzes):

    award(member_no, rule_key, object_id, amount=None, day=None) -> Award | None
    deduct(member_no, rule_key, object_id) -> Award | None   (rules with negative points)
    reverse(member_no, rule_key, object_id, day=None) -> Award | None

`award` returns what was credited, or None when nothing was (already awarded for that key, or the
daily cap is used up). It is safe to call again with the same arguments: the ledger key is
deterministic — (member, rule, object, and the day for per-day rules; see points_rules) — so a
retry or a replayed request awards nothing. The day is Asia/Shanghai's (`clock.today()`) unless
given.

How it is written (the decision, and why) — the request path costs one or two single-item
writes, never a transaction and never an index write:

- The ledger is one item per member and day (`PointDay`); each award or reversal is a line on
  it, named by its ledger key, added by ONE conditional UpdateItem (`points_ledger.add_line`):
  the line must not exist yet and the rule's daily counter on the same item must leave room
  under the cap. One item carries both the uniqueness of the day and the cap, so N parallel
  awards give exactly the cap, and an award costs 1 write unit (a day's item stays under 1 KB).
  An award that would cross the cap is clamped to what is left and tried again.
- Rules unique for ever ("object": an article, a comment's round, a campaign) first take a
  claim (`PointClaim`, keyed by the ledger key, one PutItem) that names the day holding the
  line; a claim taken on another day means "awarded then" if that day has the line. A claim
  is taken before the line and given back if the cap leaves nothing, so a crash between the two
  writes leaves a claim without a line, which a retry the same day completes and a request on a
  later day takes over once it is older than a Lambda can run (ORPHAN_SECONDS).
- A reversal (a removed comment) is a negative line dated the day it happens, unique for ever
  like an "object" award. It does not give the daily cap back (the cap counts awards), and the
  original key stays taken, so the same object can never be awarded again.
- Totals (month, year, all time, the year's mix) are kept OFF the request path by the stream
  aggregator (`points_stream`, on the day items' DynamoDB Stream): before, six counters were
  written in the award's own transaction (20 write units an award, every item doubled).
  The aggregator applies each day's newest image idempotently and records what it applied per
  day, so 我的党建 adds the lines of the last days it has not applied yet and shows, at once,
  exactly the sum of the ledger's lines. Unit totals follow from the same aggregates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from pynamodb.exceptions import DeleteError, PutError

from . import clock, metric_names, observe, points_ledger
from .errors import busy
from .models import Member, PointClaim
from .models.base import condition_failed
from .points_ledger import CapReached, Line, LineExists
from .points_rules import RULES, Rule

MAX_ATTEMPTS = 8
# A claim older than this with no line was left by a request that died between its two writes
# (a Lambda runs 15 s at most): a later request may take it over.
ORPHAN_SECONDS = 120
# An award may be dated this many days back at most (a daily quiz started before midnight and
# submitted after it counts for its own day); older days are closed. 我的党建 adds the lines of
# the last PENDING_DAYS days the aggregator may not have applied yet (it runs within seconds),
# and the aggregator remembers more days than that (points_stream.RECENT_DAYS), so a line can
# never land on a day either has let go of.
LATE_DAYS = 1
PENDING_DAYS = 3


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


def month_key(day: date) -> str:
    return f"m{day.year:04d}-{day.month:02d}"


def _claim(member_no: str, key: str, day: str) -> bool:
    """Take the for-ever key for `day`; False when another day holds its line."""
    for _ in range(MAX_ATTEMPTS):
        now = clock.now()
        try:
            PointClaim(member_no, key, day=day, at=now).save(
                condition=PointClaim.key.does_not_exist() | (PointClaim.day == day)
            )
            return True
        except PutError as exc:
            if not condition_failed(exc):
                raise
        try:
            held = PointClaim.get(member_no, key, consistent_read=True)
        except PointClaim.DoesNotExist:
            continue  # given back meanwhile: claim again
        if held.day == day:
            return True
        if points_ledger.has_line(member_no, held.day, key):
            return False  # awarded on that day
        if now - float(held.at) < ORPHAN_SECONDS:
            raise busy()  # its request may still be writing the line: the retry decides
        try:  # orphaned: take it over
            PointClaim(member_no, key, day=day, at=now).save(condition=PointClaim.day == held.day)
            return True
        except PutError as exc:
            if not condition_failed(exc):
                raise
    raise busy()


def _give_back(member_no: str, key: str, day: str) -> None:
    try:
        PointClaim(member_no, key).delete(condition=PointClaim.day == day)
    except DeleteError as exc:
        if not condition_failed(exc):
            raise


def _write(
    member_no: str, rule: Rule, key: str, amount: int, day: date, note: str | None
) -> int | None:
    """Add the line, clamped to the cap; the points written, or None (exists, or cap used)."""
    cap = rule.daily_cap if amount > 0 else None
    for _ in range(MAX_ATTEMPTS):
        line = Line(key, amount, int(clock.now() * 1000), note)
        try:
            points_ledger.add_line(member_no, day.isoformat(), line, cap=cap)
            return amount
        except LineExists:
            return None
        except CapReached as full:
            left = (cap or 0) - full.used
            if left <= 0:
                return None
            amount = min(amount, left)
    raise busy()


def _credit(
    member_no: str, rule: Rule, key: str, amount: int, day: date, note: str | None, *, forever: bool
) -> int | None:
    if forever and not _claim(member_no, key, day.isoformat()):
        return None
    got = _write(member_no, rule, key, amount, day, note)
    # Nothing written: if the line exists the claim is rightly ours; if the cap refused it,
    # give the claim back so another day can award the object.
    if (
        got is None
        and forever
        and amount > 0
        and points_ledger.has_line(member_no, day.isoformat(), key) is None
    ):
        _give_back(member_no, key, day.isoformat())
    return got


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
    An award that would cross the daily cap is clamped to what is left. One UpdateItem, after
    a claim for rules unique for ever; see the module docstring for why.
    """
    rule = RULES.get(rule_key)
    if rule is None:
        raise ValueError(f"unknown points rule {rule_key!r}")
    amount = rule.points if amount is None else int(amount)
    if amount > rule.per_award_max:
        raise ValueError(f"{rule_key}: {amount} exceeds the per-award maximum")
    if amount <= 0 or not object_id:
        return None
    today = clock.today()
    day = day or today
    if not today - timedelta(days=LATE_DAYS) <= day <= today:
        return None  # a closed day (or one not begun): nothing is credited on it
    key = ledger_key(rule, object_id, day)
    got = _credit(member_no, rule, key, amount, day, note, forever=rule.unique == "object")
    if got is None:
        return None
    observe.count(metric_names.AWARDS)
    return Award(member_no, rule.key, object_id, got, day.isoformat(), key)


def deduct(
    member_no: str, rule_key: str, object_id: str, *, note: str | None = None
) -> Award | None:
    """Take a rule's (negative) points once for `object_id` (an unexcused absence from a meeting);
    None when already deducted or the rule is set to 0. The same path as an award unique for
    ever — a claim on the deterministic key, then one conditional line dated today — so a retried
    or parallel call deducts once. A deduction is not counted against any daily cap; reverse()
    does not undo it (a later correction would add a line of its own)."""
    rule = RULES.get(rule_key)
    if rule is None:
        raise ValueError(f"unknown points rule {rule_key!r}")
    if rule.points > 0 or rule.unique != "object":
        raise ValueError(f"{rule_key}: not a deduction rule")
    if rule.points == 0 or not object_id:
        return None
    today = clock.today()
    key = ledger_key(rule, object_id, today)
    got = _credit(member_no, rule, key, rule.points, today, note, forever=True)
    if got is None:
        return None
    return Award(member_no, rule.key, object_id, got, today.isoformat(), key)


def adjust(
    member_no: str, rule_key: str, object_id: str, amount: int, *, note: str | None = None
) -> Award | None:
    """A signed line of `amount` for a rule unique for ever, once for `object_id` (a correction
    of what an earlier line credited: an attendance corrected after a meeting's lock, keyed by
    the correction). The path of deduct; no daily cap; None when written already."""
    rule = RULES.get(rule_key)
    if rule is None or rule.unique != "object":
        raise ValueError(f"{rule_key}: adjustments need a rule unique per object")
    if not amount or not object_id:
        return None
    today = clock.today()
    key = ledger_key(rule, object_id, today)
    got = _write_forever(member_no, rule, key, int(amount), today, note)
    if got is None:
        return None
    return Award(member_no, rule.key, object_id, got, today.isoformat(), key)


def _write_forever(
    member_no: str, rule: Rule, key: str, amount: int, day: date, note: str | None
) -> int | None:
    """A line unique for ever, not counted against a cap (a deduction, an adjustment)."""
    if not _claim(member_no, key, day.isoformat()):
        return None
    return _write_uncapped(member_no, key, amount, day, note)


def _write_uncapped(
    member_no: str, key: str, amount: int, day: date, note: str | None
) -> int | None:
    line = Line(key, amount, int(clock.now() * 1000), note)
    try:
        points_ledger.add_line(member_no, day.isoformat(), line)
        return amount
    except LineExists:
        return None


def credited(member_no: str, rule_key: str, object_id: str, day: date | None = None) -> int:
    """The points the award for `object_id` holds (0 if none): after award() answered None, this
    tells a replay of an earlier award (its amount) from a day's cap already used (0)."""
    rule = RULES[rule_key]
    day = day or clock.today()
    line = _find(member_no, rule, ledger_key(rule, object_id, day), day)
    return line.amount if line is not None else 0


def _find(member_no: str, rule: Rule, key: str, day: date) -> Line | None:
    """The line of an award: per-day keys name their day; others are found through the claim."""
    where = day.isoformat()
    if rule.unique == "object":
        try:
            where = PointClaim.get(member_no, key, consistent_read=True).day
        except PointClaim.DoesNotExist:
            return None
    return points_ledger.has_line(member_no, where, key)


def reverse(
    member_no: str,
    rule_key: str,
    object_id: str,
    day: date | None = None,
    *,
    note: str | None = None,
) -> Award | None:
    """Undo an award with a negative line (e.g. the comment was removed); None if there was no
    award or it was already reversed. `day` is the award's day, needed for per-day rules only.

    With no award to undo, the key is taken by a line of no points (shown nowhere, summed as 0):
    an award still on its way (a post's point after a reviewer hid the comment) then finds its
    key taken, so the object it was for, now withdrawn, earns nothing."""
    rule = RULES.get(rule_key)
    if rule is None:
        raise ValueError(f"unknown points rule {rule_key!r}")
    today = clock.today()
    key = ledger_key(rule, object_id, day or today)
    original = _find(member_no, rule, key, day or today)
    if original is None:
        void_day = day or today if rule.unique == "object_day" else today
        _credit(member_no, rule, key, 0, void_day, note, forever=rule.unique == "object")
        return None
    if original.amount <= 0:
        return None
    reversal_key = key + points_ledger.REVERSAL
    got = _credit(member_no, rule, reversal_key, -original.amount, today, note, forever=True)
    if got is None:
        return None
    return Award(member_no, rule.key, object_id, got, today.isoformat(), reversal_key)


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
    app on a day signs in or refreshes her 15-minute access token that day. One read (today's
    ledger item, and the birthday's claim when it is due) tells which are already there, so most
    refreshes write nothing."""
    today = clock.today()
    member_no = member.member_no
    login_key = ledger_key(RULES["daily_login"], "login", today)
    birthday = anniversary(member.joined_on, today.year)
    birthday_key = None
    if birthday is not None and birthday <= today:
        birthday_key = ledger_key(RULES["political_birthday"], str(today.year), today)
    have_login, have_birthday = points_ledger.already(
        member_no, today.isoformat(), login_key, birthday_key
    )
    awarded = []
    if not have_login:
        got = award(member_no, "daily_login", "login", day=today)
        if got:
            awarded.append(got)
    if birthday_key and not have_birthday:
        got = award(member_no, "political_birthday", str(today.year), day=today)
        if got:
            awarded.append(got)
    return awarded

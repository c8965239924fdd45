"""志愿服务 (volunteering): staff publish an activity, members sign up, cancel before the deadline,
check in on the day with the rotating code, and staff confirm the hours, which award 奉献分.

Who acts (through the one scope check, `scope.py`):
- Staff with `manage` over a unit publish an activity for it; the members of that unit's
  subtree may join (optionally only 正式党员). Staff with `read` over the unit see the activity
  and its sign-ups; the code screen, hours and confirming need `manage`.
- A member sees the activities of the units on her own path (her branch and those above it);
  any other id, existing or not, is the same 403.

Exact under parallel requests and retries (the points of the issue):
- Sign-up is ONE transaction: the sign-up's Put (condition: no sign-up of hers yet) and the
  activity's `taken + 1` (condition: `taken < places`, before the deadline, still open). N
  parallel sign-ups for P places give exactly P; the same member twice gives one (the second
  answer is her sign-up, 200). Cancel is one transaction too: the Delete (condition: signed
  up, not checked in) and `taken - 1` (before the deadline); the place goes back.
- Check-in shares meetings' mechanism (checkin_screen.py over checkin_codes.py): the
  activity's own secret, a 6-digit code that turns every 30 s, a guess budget per member and
  activity (of wrong codes: a right code's unit is given back); only a signed-up member, from
  30 minutes before the start to the end, once (the write is conditional on no check-in yet).
- Hours are half-hour steps kept as integers (`*_half`). A checked-in member gets the
  activity's hours unless staff set hers (0–24); a member signed up but not checked in gets 0
  unless staff set hers. Confirming (after the end) writes each row's `confirmed_half`
  (conditional: not confirmed yet, and her set hours and check-in still as read, else read
  again: hours set while confirming are the hours awarded) and then awards
  `volunteer_service` through the points ledger, 2 points an hour (1 per half hour), keyed by
  the activity: a second or parallel confirm, or the retry after a failure between the writes,
  awards nothing twice. The activity is marked confirmed last. A later change of a member's
  hours is a correction kept on her row, with a `points.adjust` line keyed by the correction's
  number.
"""

from __future__ import annotations

import base64
import hashlib
import math
import random
import re
import time
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import PutError, UpdateError

from . import checkin_codes, checkin_screen, clock, points, registry, scope, text_chars
from .errors import (
    BadRequestError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    TooManyRequestsError,
    busy,
)
from .identifiers import is_client_key, is_member_no, is_unit_id
from .meetings import parse_time
from .models import Member
from .models.base import Transaction, TransactionCancelled, condition_failed
from .models.volunteering import HoursCorrection, VolunteerActivity, VolunteerSignup
from .scope import Caller

RULE = "volunteer_service"
TOPIC = (2, 40)
PLACE = (2, 60)
DESCRIPTION = (0, 1000)
PLACES = (1, 500)
MAX_HALF = 48  # 24 hours
MAX_AHEAD = timedelta(days=366)
MIN_LENGTH = timedelta(minutes=30)
MAX_LENGTH = timedelta(hours=12)
OPENS_BEFORE = timedelta(minutes=30)  # check-in opens this long before the start
LIST_LIMIT = 100
TX_ATTEMPTS = 8

NOT_FOUND = "活动不存在或您无权查看"
NOT_MANAGED = "只有本组织的书记、委员或上级党组织的管理人员可以管理志愿服务活动"
NOT_SIGNED = "您尚未报名本次活动"
FULL = "名额已满"
CLOSED = "报名已截止"
CONFIRMED = "本次活动的工时已确认，不能再报名或签到"
TOO_MANY = "签到码错误次数过多，请联系活动组织者为您登记工时"
HOURS_RULE = "工时须为 0 至 24 之间、以半小时为单位的数字（如 2 或 2.5）"

STATE_LABELS = {"open": "报名中", "confirmed": "工时已确认"}


# --- small helpers ----------------------------------------------------------------------------


def activity_id_for(publisher: str, request_key: str) -> str:
    """Deterministic: the same publisher's same request is always the same activity."""
    digest = hashlib.sha256(f"volunteer\n{publisher}\n{request_key}".encode()).digest()
    return "va_" + base64.urlsafe_b64encode(digest).decode().rstrip("=")[:24]


def _iso(moment: datetime) -> str:
    return moment.astimezone(clock.TZ).isoformat(timespec="minutes")


def _iso_ts(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(float(ts), clock.TZ).isoformat(timespec="seconds")


def _when(ts: float) -> str:
    t = datetime.fromtimestamp(ts, clock.TZ)
    return f"{t.month}月{t.day}日 {t:%H:%M}"


def hours(half: int | None) -> int | float | None:
    """Half hours as members read them: 5 → 2.5, 4 → 2."""
    if half is None:
        return None
    half = int(half)
    return half // 2 if half % 2 == 0 else half / 2


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAK = re.compile(r"[\r\n\u2028\u2029]")


def _has_emoji(text: str) -> bool:
    """A title or a place of emoji says nothing; emoji anywhere are refused alike."""
    return any(text_chars.is_emoji(ch) for ch in text)


def _text(value: Any, field: str, bounds: tuple[int, int], *, lines: bool = False) -> str:
    """Trimmed text within bounds; one line unless `lines`; no control characters, no emoji,
    no invisible characters; a non-empty text must say something (a letter or digit)."""
    low, high = bounds
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise BadRequestError(f"{field}须为文字")
    text = value.replace("\r\n", "\n").strip()
    if not low <= len(text) <= high:
        raise BadRequestError(f"{field}须为 {low}–{high} 个字（现在 {len(text)} 字）")
    if _CONTROL.search(text) or (not lines and _LINE_BREAK.search(text)):
        raise BadRequestError(f"{field}不能包含换行或控制字符")
    if _has_emoji(text):  # before the check below: an emoji's joiner (Cf) is told as emoji
        raise BadRequestError(f"{field}不能包含表情符号")
    if any(text_chars.is_invisible(ch) for ch in text):
        raise BadRequestError(f"{field}不能包含零宽字符、文字方向控制符等不可见字符")
    if text and not any(ch.isalnum() for ch in text):
        raise BadRequestError(f"{field}须包含文字或数字")
    return text


def clean_hours(value: Any) -> int:
    """Hours (a JSON number, 0–24 in half-hour steps) as half hours."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadRequestError(HOURS_RULE)
    if isinstance(value, float) and not math.isfinite(value):  # JSON's NaN and Infinity
        raise BadRequestError(HOURS_RULE)
    if not 0 <= value <= MAX_HALF / 2 or value * 2 != int(value * 2):  # 25, 10**400, 2.3
        raise BadRequestError(HOURS_RULE)
    return int(value * 2)


def window(a: VolunteerActivity) -> tuple[float, float]:
    """When check-in opens and closes (epoch seconds): 30 minutes before the start to the end."""
    return float(a.starts_ts) - OPENS_BEFORE.total_seconds(), float(a.ends_ts)


# --- loading and scope ------------------------------------------------------------------------


def _get(activity_id: str, *, consistent: bool = False) -> VolunteerActivity | None:
    if not isinstance(activity_id, str) or not activity_id.startswith("va_"):
        return None
    if not is_client_key(activity_id[3:]):
        return None
    try:
        return VolunteerActivity.get(activity_id, consistent_read=consistent)
    except VolunteerActivity.DoesNotExist:
        return None


def _staff_access(caller: Caller, a: VolunteerActivity) -> scope.Access:
    return scope.unit_access(caller, a.unit_path)


def load_visible(
    caller: Caller, activity_id: str, *, consistent: bool = False
) -> VolunteerActivity:
    """An activity she may see: of a unit on her path, or one her role reaches (read); any
    other id, existing or not, is the same 403."""
    a = _get(activity_id, consistent=consistent)
    if a is None or (a.unit_id not in caller.path and _staff_access(caller, a) == "none"):
        raise ForbiddenError(NOT_FOUND)
    return a


def load_managed(
    caller: Caller, activity_id: str, *, consistent: bool = False
) -> VolunteerActivity:
    """An activity she manages. One who cannot even read it gets exactly the answer of an
    unknown id (no oracle of which ids exist); only one who can read it is told she may not
    manage it."""
    a = load_visible(caller, activity_id, consistent=consistent)
    if _staff_access(caller, a) != "manage":
        raise ForbiddenError(NOT_MANAGED)
    return a


def _signup(activity_id: str, member_no: str) -> VolunteerSignup | None:
    try:
        return VolunteerSignup.get(activity_id, member_no, consistent_read=True)
    except VolunteerSignup.DoesNotExist:
        return None


def _unit(caller: Caller, unit_id: Any, need: scope.Access) -> Any:
    if not is_unit_id(unit_id):
        raise BadRequestError("组织编号（unit_id）格式不正确")
    try:
        unit = registry.get_unit(unit_id)
    except NotFoundError:
        raise ForbiddenError(NOT_MANAGED) from None
    access = scope.unit_access(caller, unit.path)
    if access == "none" or (need == "manage" and access != "manage"):
        raise ForbiddenError(NOT_MANAGED)
    return unit


# --- views ------------------------------------------------------------------------------------


def view(a: VolunteerActivity) -> dict[str, Any]:
    opens, closes = window(a)
    return {
        "id": a.activity_id,
        "topic": a.topic,
        "description": a.description,
        "place": a.place,
        "unit_id": a.unit_id,
        "unit_name": a.unit_name,
        "starts_at": a.starts_at,
        "ends_at": a.ends_at,
        "deadline_at": a.deadline_at,
        "checkin_opens_at": _iso_ts(opens),
        "checkin_closes_at": _iso_ts(closes),
        "places": int(a.places),
        "taken": int(a.taken or 0),
        "left": max(0, int(a.places) - int(a.taken or 0)),
        "full_only": bool(a.full_only),
        "hours": hours(a.default_half),
        "state": a.state,
        "state_label": STATE_LABELS.get(a.state, a.state),
        "publisher_name": a.publisher_name,
        "confirmed_at": _iso_ts(a.confirmed_at),
    }


def _awarded_half(a: VolunteerActivity, row: VolunteerSignup) -> int:
    """The hours a row gets when confirmed: what staff set, else the default if she checked in."""
    if row.hours_half is not None:
        return int(row.hours_half)
    return int(a.default_half) if row.checked_in_at else 0


def _row_view(a: VolunteerActivity | None, row: VolunteerSignup) -> dict[str, Any]:
    planned = _awarded_half(a, row) if a is not None else row.hours_half
    confirmed = row.confirmed_half
    return {
        "member_no": row.member_no,
        "name": row.name,
        "branch_id": row.branch_id,
        "signed_at": _iso_ts(row.signed_at),
        "checked_in": row.checked_in_at is not None,
        "checked_in_at": _iso_ts(row.checked_in_at),
        "hours": hours(confirmed if confirmed is not None else planned),
        "hours_set": row.hours_half is not None,
        "confirmed": confirmed is not None,
        "points": int(confirmed) if confirmed is not None else None,
        "corrections": [
            {
                "at": _iso_ts(c.at),
                "by": c.by,
                "before": hours(c.before),
                "after": hours(c.after),
            }
            for c in row.corrections or []
        ],
    }


def _member_view(
    caller: Caller, member: Member, a: VolunteerActivity, row: VolunteerSignup | None
) -> dict[str, Any]:
    now = clock.now()
    opens, closes = window(a)
    eligible, reason = _eligible(caller, member, a)
    out = view(a)
    out["mine"] = _row_view(a, row) if row is not None else None
    out["can_sign_up"] = (
        row is None
        and eligible
        and a.state == "open"
        and now < float(a.deadline_ts)
        and int(a.taken or 0) < int(a.places)
    )
    out["why_not"] = None if eligible else reason
    out["can_cancel"] = (
        row is not None
        and row.checked_in_at is None
        and a.state == "open"
        and now < float(a.deadline_ts)
    )
    out["can_check_in"] = (
        row is not None
        and row.checked_in_at is None
        and a.state == "open"
        and opens <= now < closes
    )
    return out


def _eligible(caller: Caller, member: Member, a: VolunteerActivity) -> tuple[bool, str | None]:
    if a.unit_id not in caller.path or not member.active:
        return False, f"本活动面向{a.unit_name}的党员"
    if a.full_only and member.status != "full":
        return False, "本活动仅限正式党员报名"
    return True, None


# --- staff: publish, lists --------------------------------------------------------------------


def _times(body: dict[str, Any]) -> tuple[datetime, datetime, datetime]:
    start = parse_time(body.get("starts_at"), "开始时间（starts_at）")
    end = parse_time(body.get("ends_at"), "结束时间（ends_at）")
    raw_deadline = body.get("deadline_at")
    deadline = start if raw_deadline in (None, "") else parse_time(raw_deadline, "报名截止时间")
    now = clock.local_now()
    if start <= now:
        raise BadRequestError("开始时间已过，不能发布过去的活动")
    if start > now + MAX_AHEAD:
        raise BadRequestError("开始时间最多安排在一年以内")
    if end <= start:
        raise BadRequestError("结束时间须晚于开始时间")
    if end - start < MIN_LENGTH:
        raise BadRequestError("一次活动至少 30 分钟")
    if end - start > MAX_LENGTH:
        raise BadRequestError("一次活动最长 12 小时")
    if deadline > start:
        raise BadRequestError("报名截止时间不能晚于开始时间")
    if deadline <= now:
        raise BadRequestError("报名截止时间已过")
    return start, end, deadline


def publish(caller: Caller, publisher: Member, body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Publish (or find again, by the request key) an activity; (its view, whether created)."""
    request_key = body.get("request_key")
    if not is_client_key(request_key):
        raise BadRequestError("请求编号（request_key）须为 8–64 位字母、数字、_ 或 -")
    activity_id = activity_id_for(caller.member_no, request_key)
    existing = _get(activity_id, consistent=True)
    if existing is not None:
        return view(existing), False
    unit = _unit(caller, body.get("unit_id"), "manage")
    topic = _text(body.get("topic"), "活动主题", TOPIC)
    description = _text(body.get("description"), "活动内容", DESCRIPTION, lines=True) or None
    place = _text(body.get("place"), "活动地点", PLACE)
    start, end, deadline = _times(body)
    places = body.get("places")
    if (
        isinstance(places, bool)
        or not isinstance(places, int)
        or not (PLACES[0] <= places <= PLACES[1])
    ):
        raise BadRequestError(f"招募人数须为 {PLACES[0]}–{PLACES[1]} 的整数")
    full_only = body.get("full_only", False)
    if not isinstance(full_only, bool):
        raise BadRequestError("仅限正式党员（full_only）须为 true 或 false")
    minutes = (end - start).total_seconds() / 60
    default_half = max(1, min(MAX_HALF, round(minutes / 30)))
    if body.get("hours") is not None:
        default_half = clean_hours(body["hours"])
        if default_half == 0:
            raise BadRequestError("活动工时须大于 0")
    starts_at, ends_at = _iso(start), _iso(end)
    path = list(unit.path)
    a = VolunteerActivity(
        activity_id,
        unit_id=unit.unit_id,
        unit_path=path,
        unit_name=unit.name,
        org=path[0],
        topic=topic,
        description=description,
        place=place,
        starts_at=starts_at,
        ends_at=ends_at,
        deadline_at=_iso(deadline),
        starts_ts=int(start.timestamp()),
        ends_ts=int(end.timestamp()),
        deadline_ts=int(deadline.timestamp()),
        places=places,
        taken=0,
        full_only=full_only,
        default_half=default_half,
        state="open",
        checkin_secret=checkin_codes.new_secret(),
        publisher=caller.member_no,
        publisher_name=publisher.name,
        request_key=request_key,
        created_at=clock.now(),
        unit_sort=f"{starts_at}#{activity_id}",
        tree_sort="/".join(path) + f"/#{starts_at}#{activity_id}",
    )
    try:
        a.save(condition=VolunteerActivity.activity_id.does_not_exist())
    except PutError as exc:
        if not condition_failed(exc):
            raise
        winner = _get(activity_id, consistent=True)
        if winner is None:
            raise
        return view(winner), False
    return view(a), True


def unit_list(caller: Caller, unit_id: str) -> dict[str, Any]:
    """A unit's activities and those of its subtree, the newest LIST_LIMIT by start (one Query
    of `by-tree`, read whole: its order is by unit path first, so a limit in the Query would
    keep one branch's activities rather than the newest; a subtree holds a few a month)."""
    unit = _unit(caller, unit_id, "read")
    prefix = "/".join(unit.path) + "/"
    found = VolunteerActivity.by_tree.query(
        unit.path[0], VolunteerActivity.tree_sort.startswith(prefix)
    )
    items = sorted(found, key=lambda a: (a.starts_at, a.activity_id), reverse=True)[:LIST_LIMIT]
    return {
        "unit": {"id": unit.unit_id, "name": unit.name},
        "manage": scope.unit_access(caller, unit.path) == "manage",
        "activities": [view(a) for a in items],
    }


def signups(caller: Caller, activity_id: str) -> dict[str, Any]:
    """The sign-up list (staff with read access or more): one Query of the activity's rows."""
    a = load_visible(caller, activity_id, consistent=True)
    access = _staff_access(caller, a)
    if access == "none":
        raise ForbiddenError(NOT_MANAGED)
    rows = sorted(
        VolunteerSignup.query(a.activity_id, consistent_read=True), key=lambda r: r.signed_at
    )
    opens, closes = window(a)
    now = clock.now()
    return {
        "activity": view(a),
        "manage": access == "manage",
        "open": a.state == "open" and opens <= now < closes,
        "signed_up": len(rows),
        "checked_in": sum(1 for r in rows if r.checked_in_at is not None),
        "rows": [_row_view(a, r) for r in rows],
    }


def checkin_url(activity_id: str, code: str) -> str:
    return f"/volunteering.html?a={activity_id}&c={code}"


def checkin_code(caller: Caller, activity_id: str, origin: str) -> dict[str, Any]:
    """The code to show on the day (manage scope), inside the check-in window only."""
    a = load_managed(caller, activity_id)
    if a.state != "open":
        raise ConflictError(CONFIRMED)
    now = clock.now()
    _require_window(a, now)
    screen = checkin_screen.screen(
        a.checkin_secret, now, checkin_url(a.activity_id, "{code}"), origin
    )
    _, closes = window(a)
    screen["closes_at"] = _iso_ts(closes)
    return screen


def _require_window(a: VolunteerActivity, now: float) -> None:
    opens, closes = window(a)
    if now < opens:
        raise ConflictError(f"签到尚未开始，将于 {_when(opens)} 开始")
    if now >= closes:
        raise ConflictError(f"签到已于 {_when(closes)} 结束")


# --- members: list, detail, sign up, cancel, check in -----------------------------------------


def detail(caller: Caller, member: Member, activity_id: str) -> dict[str, Any]:
    a = load_visible(caller, activity_id)
    return _member_view(caller, member, a, _signup(a.activity_id, member.member_no))


def mine(caller: Caller, member: Member) -> dict[str, Any]:
    """Her page: the open activities of the units on her path (one Query each, at most four),
    her own sign-ups with their hours (one Query of `by-member`), her total hours and 奉献分."""
    now = clock.now()
    since = _iso(clock.local_now() - MAX_LENGTH)
    rows = {
        r.activity_id: r
        for r in VolunteerSignup.by_member.query(member.member_no, scan_index_forward=False)
    }
    upcoming: list[VolunteerActivity] = []
    for unit_id in caller.path:
        for a in VolunteerActivity.by_unit.query(
            unit_id, VolunteerActivity.unit_sort >= since, limit=LIST_LIMIT
        ):
            if a.state == "open" and float(a.ends_ts) > now:
                upcoming.append(a)
    upcoming.sort(key=lambda a: (a.starts_at, a.activity_id))
    shown = {a.activity_id for a in upcoming}
    history_ids = [aid for aid in rows if aid not in shown]
    history: dict[str, VolunteerActivity] = {}
    for i in range(0, len(history_ids), 100):
        history.update(
            (a.activity_id, a) for a in VolunteerActivity.batch_get(history_ids[i : i + 100])
        )
    past = [
        {**view(history[aid]), "mine": _row_view(history[aid], rows[aid])}
        for aid in history_ids
        if aid in history
    ]
    total_half = sum(int(r.confirmed_half or 0) for r in rows.values())
    return {
        "open": [_member_view(caller, member, a, rows.get(a.activity_id)) for a in upcoming],
        "past": past,
        "total_hours": hours(total_half),
        "total_points": total_half,  # 2 points an hour: 1 per half hour
        "activities": sum(1 for r in rows.values() if r.confirmed_half),
    }


def _transact(build: Any) -> None:
    """Run a transaction again after a conflict with a parallel one (DynamoDB cancels both
    sides of a conflict; the loser's conditions are then evaluated afresh)."""
    for attempt in range(TX_ATTEMPTS):
        try:
            with Transaction() as tx:
                build(tx)
            return
        except TransactionCancelled as exc:
            if not exc.conflict or any(exc.failed(label) for label in exc.reasons):
                raise
            time.sleep(random.uniform(0.02, 0.05) * (attempt + 1))
    raise busy()


def sign_up(caller: Caller, member: Member, activity_id: str) -> tuple[dict[str, Any], bool]:
    """Her sign-up: ONE transaction of the row and the activity's count; (view, created)."""
    a = load_visible(caller, activity_id)
    eligible, reason = _eligible(caller, member, a)
    if not eligible:
        raise ForbiddenError(reason or NOT_FOUND)
    existing = _signup(a.activity_id, member.member_no)
    if existing is not None:
        return _member_view(caller, member, a, existing), False
    now = clock.now()
    _open_for_signup(a, now)
    row = VolunteerSignup(
        a.activity_id,
        member.member_no,
        name=member.name,
        branch_id=member.branch_id,
        signed_at=round(now, 3),
        member_sort=f"{a.starts_at}#{a.activity_id}",
    )

    def build(tx: Transaction) -> None:
        tx.save("signup", row, condition=VolunteerSignup.member_no.does_not_exist())
        tx.update(
            "activity",
            VolunteerActivity(a.activity_id),
            actions=[VolunteerActivity.taken.add(1)],
            condition=VolunteerActivity.activity_id.exists()
            & (VolunteerActivity.state == "open")
            & (VolunteerActivity.taken < VolunteerActivity.places)
            & (VolunteerActivity.deadline_ts > int(now)),
        )

    try:
        _transact(build)
    except TransactionCancelled as exc:
        if exc.failed("signup"):  # a retry or a parallel tap of hers: her one sign-up
            got = _signup(a.activity_id, member.member_no)
            if got is not None:
                return _member_view(caller, member, a, got), False
        fresh = _get(a.activity_id, consistent=True) or a
        _open_for_signup(fresh, now)
        raise ConflictError(FULL) from None
    a.taken = int(a.taken or 0) + 1
    return _member_view(caller, member, a, row), True


def _open_for_signup(a: VolunteerActivity, now: float) -> None:
    if a.state != "open":
        raise ConflictError(CONFIRMED)
    if now >= float(a.deadline_ts):
        raise ConflictError(f"{CLOSED}（{_when(float(a.deadline_ts))}）")
    if int(a.taken or 0) >= int(a.places):
        raise ConflictError(FULL)


def cancel(caller: Caller, member: Member, activity_id: str) -> dict[str, Any]:
    """Her cancellation before the deadline: ONE transaction deleting the row (signed up, not
    checked in) and giving the place back."""
    a = load_visible(caller, activity_id)
    row = _signup(a.activity_id, member.member_no)
    if row is None:
        raise ConflictError(NOT_SIGNED)
    if row.checked_in_at is not None:
        raise ConflictError("您已签到，不能取消报名")
    now = clock.now()
    if a.state != "open":
        raise ConflictError(CONFIRMED)
    if now >= float(a.deadline_ts):
        raise ConflictError(f"已过取消截止时间（{_when(float(a.deadline_ts))}）")

    def build(tx: Transaction) -> None:
        tx.delete(
            "signup",
            VolunteerSignup(a.activity_id, member.member_no),
            condition=VolunteerSignup.member_no.exists()
            & VolunteerSignup.checked_in_at.does_not_exist(),
        )
        tx.update(
            "activity",
            VolunteerActivity(a.activity_id),
            actions=[VolunteerActivity.taken.add(-1)],
            condition=(VolunteerActivity.state == "open")
            & (VolunteerActivity.taken > 0)
            & (VolunteerActivity.deadline_ts > int(now)),
        )

    try:
        _transact(build)
    except TransactionCancelled as exc:
        if exc.failed("signup"):
            current = _signup(a.activity_id, member.member_no)
            if current is None:
                raise ConflictError(NOT_SIGNED) from None
            raise ConflictError("您已签到，不能取消报名") from None
        raise ConflictError("已过取消截止时间") from None
    a.taken = max(0, int(a.taken or 0) - 1)
    return _member_view(caller, member, a, None)


def check_in(caller: Caller, member: Member, activity_id: str, code: str) -> dict[str, Any]:
    """Her check-in with the code shown on the day: signed up, inside the window, this
    activity's code now; exactly one write however often she sends it."""
    code = checkin_screen.clean_code(code)
    a = load_visible(caller, activity_id)
    row = _signup(a.activity_id, member.member_no)
    if row is None:
        raise ForbiddenError(NOT_SIGNED + "，不能签到")
    if row.checked_in_at is not None:
        raise ConflictError(f"您已签到（{_when(float(row.checked_in_at))}）")
    if a.state != "open":
        raise ConflictError(CONFIRMED)
    now = clock.now()
    _require_window(a, now)
    unit = _take_guess(a, member.member_no, now)
    if not checkin_screen.verify(a.checkin_secret, code, now):
        raise BadRequestError(checkin_screen.BAD_CODE)
    checkin_screen.give_back(unit)  # only wrong codes count
    try:
        row.update(
            actions=[VolunteerSignup.checked_in_at.set(int(now))],
            condition=VolunteerSignup.member_no.exists()
            & VolunteerSignup.checked_in_at.does_not_exist()
            & VolunteerSignup.confirmed_half.does_not_exist(),
        )
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
        current = _signup(a.activity_id, member.member_no)
        if current is None:
            raise ForbiddenError(NOT_SIGNED + "，不能签到") from None
        if current.checked_in_at is not None:
            raise ConflictError(f"您已签到（{_when(float(current.checked_in_at))}）") from None
        raise ConflictError(CONFIRMED) from None
    return _member_view(caller, member, a, row)


GUESS_TRIES = 3


def _take_guess(a: VolunteerActivity, member_no: str, now: float) -> Any:
    """A unit of her guess budget, taken before the code is looked at (parallel guesses cannot
    slip past it). A refusal may be her own right code in flight in a parallel tap (its unit is
    given back, or her check-in written, a moment later): she is told her check-in then, after
    a short wait and a second try; her own row says nothing about the code."""
    opens, closes = window(a)
    key = f"volcheckin#{a.activity_id}#{member_no}"
    for attempt in range(GUESS_TRIES):
        try:
            return checkin_screen.guess_budget(key, opens, closes, now, TOO_MANY)
        except TooManyRequestsError:
            current = _signup(a.activity_id, member_no)
            if current is not None and current.checked_in_at is not None:
                raise ConflictError(f"您已签到（{_when(float(current.checked_in_at))}）") from None
            if attempt == GUESS_TRIES - 1:
                raise
            time.sleep(0.1 * (attempt + 1))
    raise AssertionError("unreachable")


# --- staff: hours and confirmation ------------------------------------------------------------


def set_hours(caller: Caller, activity_id: str, member_no: str, value: Any) -> dict[str, Any]:
    """One participant's hours (manage scope): before confirming, what she will get; after, a
    correction kept on her row with its own points adjustment."""
    half = clean_hours(value)
    a = load_managed(caller, activity_id, consistent=True)
    if not is_member_no(member_no):
        raise NotFoundError("该党员未报名本次活动")
    now = clock.now()
    opens, _ = window(a)
    if now < opens:
        raise ConflictError(f"活动签到开始（{_when(opens)}）后才能登记工时")
    row = _signup(a.activity_id, member_no)
    if row is None:
        raise NotFoundError("该党员未报名本次活动")
    if row.confirmed_half is None:
        try:
            row.update(
                actions=[VolunteerSignup.hours_half.set(half)],
                condition=VolunteerSignup.member_no.exists()
                & VolunteerSignup.confirmed_half.does_not_exist(),
            )
            return _row_view(a, row)
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
        row = _signup(a.activity_id, member_no)
        if row is None:
            raise NotFoundError("该党员未报名本次活动")
        a = load_managed(caller, activity_id, consistent=True)
    if a.state != "confirmed":
        raise ConflictError("工时正在确认，请稍后再试")
    return _correct(caller, a, row, half)


def _adjust_for(a: VolunteerActivity, row: VolunteerSignup, number: int) -> None:
    """The ledger line of correction `number` (1-based): keyed by it, so a retry writes nothing."""
    c = row.corrections[number - 1]
    delta = int(c.after) - int(c.before)
    points.adjust(
        row.member_no,
        RULE,
        f"{a.activity_id}:correction:{number}",
        delta,
        note=f"{a.topic}（工时更正）",
    )


def _correct(
    caller: Caller, a: VolunteerActivity, row: VolunteerSignup, half: int
) -> dict[str, Any]:
    count = len(row.corrections or [])
    if count:
        _adjust_for(a, row, count)  # the one before may have failed after its row's write
    before = int(row.confirmed_half)
    if half == before:
        return _row_view(a, row)
    correction = HoursCorrection(at=round(clock.now(), 3), by=caller.member_no, before=before,
                                 after=half)  # fmt: skip
    try:
        row.update(
            actions=[
                VolunteerSignup.confirmed_half.set(half),
                VolunteerSignup.hours_half.set(half),
                VolunteerSignup.corrections.set(
                    (VolunteerSignup.corrections | []).append([correction])
                ),
            ],
            condition=VolunteerSignup.confirmed_half == before,
        )
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
        current = _signup(a.activity_id, row.member_no)
        if current is None or current.confirmed_half is None or int(current.confirmed_half) != half:
            raise ConflictError("工时刚被他人更正，请刷新后再试") from None
        # The same hours were set meanwhile (her retry, a double tap): the first outcome.
        _adjust_for(a, current, len(current.corrections or []))
        return _row_view(a, current)
    _adjust_for(a, row, count + 1)
    return _row_view(a, row)


def _unchanged(attr: Any, value: Any) -> Any:
    return attr.does_not_exist() if value is None else attr == value


def _fix_hours(a: VolunteerActivity, row: VolunteerSignup) -> VolunteerSignup | None:
    """Her row's `confirmed_half`, computed from the row as read and written only if what it
    comes from is still what was read: hours staff set (set_hours) or a check-in landing
    between the read and this write fails it, and the row is read again and computed afresh.
    So the hours staff were told they set (or her check-in) are the hours awarded, exactly.
    None: the row is gone (not possible after the deadline; kept safe)."""
    for _ in range(TX_ATTEMPTS):
        if row.confirmed_half is not None:  # a parallel confirm fixed it first
            return row
        try:
            row.update(
                actions=[VolunteerSignup.confirmed_half.set(_awarded_half(a, row))],
                condition=VolunteerSignup.member_no.exists()
                & VolunteerSignup.confirmed_half.does_not_exist()
                & _unchanged(VolunteerSignup.hours_half, row.hours_half)
                & _unchanged(VolunteerSignup.checked_in_at, row.checked_in_at),
            )
            return row
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
        fresh = _signup(a.activity_id, row.member_no)
        if fresh is None:
            return None
        row = fresh
    raise busy()


def confirm(caller: Caller, activity_id: str) -> dict[str, Any]:
    """Confirm the hours after the end (manage scope): each row's hours fixed (conditional),
    then 奉献分 awarded through the ledger (keyed by the activity: once per member), then the
    activity marked confirmed. A retry after a failure anywhere in between completes it."""
    a = load_managed(caller, activity_id, consistent=True)
    if a.state == "confirmed":
        raise ConflictError(f"本次活动的工时已于 {_when(float(a.confirmed_at))} 确认")
    now = clock.now()
    if now < float(a.ends_ts):
        raise ConflictError(f"活动结束（{_when(float(a.ends_ts))}）后才能确认工时")
    read = VolunteerSignup.query(a.activity_id, consistent_read=True)
    rows = [fixed for row in read if (fixed := _fix_hours(a, row)) is not None]
    for row in rows:  # every row's hours fixed first: what is awarded no longer moves
        if row.confirmed_half and not row.corrections:
            points.award(
                row.member_no, RULE, a.activity_id, amount=int(row.confirmed_half), note=a.topic
            )
    try:
        a.update(
            actions=[
                VolunteerActivity.state.set("confirmed"),
                VolunteerActivity.confirmed_at.set(int(now)),
                VolunteerActivity.confirmed_by.set(caller.member_no),
            ],
            condition=VolunteerActivity.state == "open",
        )
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
        a.refresh(consistent_read=True)  # a parallel confirm marked it first: the same outcome
    return {
        "activity": view(a),
        "participants": sum(1 for r in rows if r.confirmed_half),
        "hours": hours(sum(int(r.confirmed_half or 0) for r in rows)),
        "points": sum(int(r.confirmed_half or 0) for r in rows),
    }

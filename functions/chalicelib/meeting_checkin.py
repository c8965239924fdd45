"""Attendance at a meeting: the rotating check-in code the organiser's phone shows, a member's
check-in with it, and the organiser's corrections (each kept with who, when and why).

- The code (checkin_codes.py) comes from the meeting's own secret, so a code of another meeting
  never checks anyone in here, and it is accepted only in its own step and the next (30–60 s by
  default): a screenshot shared later, or a code read out on the phone to someone at home a few
  minutes after, is refused.
- Check-in and the code exist only inside the check-in window (`window`): from
  `checkin_opens_minutes` before the start to `checkin_closes_minutes` after the end (settings).
- A member checks in once: the write is conditional on `present` not being true, so parallel
  taps, a retried request or a second visit change nothing (409 with her time).
- Each code she sends costs a member one unit of a budget (throttle.py) of `checkin_max_wrong`
  per meeting for its whole check-in window, taken before the code is checked (parallel
  guesses cannot slip past); a right code ends her check-in, so in effect the budget counts
  wrong codes.
- A correction sets `present` and appends a `Correction` to the row's `corrections` (never
  replacing an earlier one); after the record is locked it also keeps `absent` consistent and
  calls `locked_attendance_changed`, the one hook for what the lock derived from attendance
  (the attendance points awarded at lock, meeting_records.py). The hook runs after the row's
  write: a retry of that correction (or the row's next one) runs it again, keyed to adjust once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.exceptions import UpdateError

from . import checkin_screen, clock, meeting_access, meeting_records
from .errors import (
    BadRequestError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
)
from .identifiers import is_member_no
from .models import Attendance, Meeting
from .models.base import condition_failed
from .models.meetings import Correction
from .scope import Caller
from .settings import get_settings

NOT_INVITED = "您不在本次会议的参会名单中"
BAD_CODE = checkin_screen.BAD_CODE
CODE_FORMAT = checkin_screen.CODE_FORMAT
TOO_MANY = "签到码错误次数过多，请联系会议组织者为您登记签到"
CANCELLED = "本次会议已取消"
LOCKED = "会议记录已提交，签到已结束"
NOT_ATTENDEE = "该党员不在本次会议的参会名单中"
REASON_RULE = "更正理由须为 2 至 200 字"
REASON_MIN, REASON_MAX = 2, 200


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def _local(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, clock.TZ)


def _when(ts: float) -> str:
    """A moment as a member reads it: 12月3日 14:30 (Beijing)."""
    t = _local(ts)
    return f"{t.month}月{t.day}日 {t:%H:%M}"


def _iso(ts: float | None) -> str | None:
    return None if ts is None else _local(ts).isoformat(timespec="seconds")


def window(meeting: Meeting) -> tuple[float, float]:
    """When check-in opens and closes (epoch seconds): the one definition, from settings."""
    settings = get_settings()
    opens = _epoch(meeting.starts_at) - 60 * settings.checkin_opens_minutes
    closes = _epoch(meeting.ends_at) + 60 * settings.checkin_closes_minutes
    return opens, closes


def _require_scheduled(meeting: Meeting) -> None:
    if meeting.state == "cancelled":
        raise ConflictError(CANCELLED)
    if meeting.state == "locked":
        raise ConflictError(LOCKED)


def _require_open(meeting: Meeting, now: float) -> None:
    opens, closes = window(meeting)
    if now < opens:
        raise ConflictError(f"签到尚未开始，将于 {_when(opens)} 开始")
    if now >= closes:
        raise ConflictError(f"签到已于 {_when(closes)} 结束")


def checkin_url(meeting_id: str, code: str) -> str:
    return f"/checkin.html?m={meeting_id}&c={code}"


# Shared with volunteering's check-in (checkin_screen.py): one QR code, one code cleaning.
_qr_svg = checkin_screen.qr_svg
clean_code = checkin_screen.clean_code


def checkin_code(caller: Caller, meeting_id: str, origin: str) -> dict[str, Any]:
    """The code to show the room now (manage scope over the meeting's unit), with its QR code
    for `origin` (the site's address) and the times the page needs: `refresh_at`, when the
    next code starts (the page fetches it then), and `valid_until`, when this one is refused;
    `now`, the server's time, so a phone whose clock is off still counts down right."""
    meeting = meeting_access.load_managed(caller, meeting_id)
    _require_scheduled(meeting)
    now = clock.now()
    _require_open(meeting, now)
    return checkin_screen.screen(
        meeting.checkin_secret, now, checkin_url(meeting.meeting_id, "{code}"), origin
    )


def _row_view(row: Attendance) -> dict[str, Any]:
    return {
        "member_no": row.member_no,
        "name": row.name,
        "role": row.role,
        # A guest's 正式/预备 status is registry data from beside or above the organiser's
        # scope (meeting_access.readable_branches): her own attendees' only.
        "status": row.status if row.role != "guest" else None,
        "leave": row.leave,
        "present": bool(row.present),
        "checked_in_at": _iso(row.checked_in_at),
        "absent": row.absent,
        "corrections": [
            {
                "at": _iso(c.at),
                "by": c.by,
                "reason": c.reason,
                "field": c.field,
                "before": c.before,
                "after": c.after,
            }
            for c in row.corrections or []
        ],
    }


def _meeting_view(meeting: Meeting) -> dict[str, Any]:
    return {
        "id": meeting.meeting_id,
        "topic": meeting.topic,
        "kind": meeting.kind,
        "unit_name": meeting.unit_name,
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "place": meeting.place,
        "state": meeting.state,
    }


def status(caller: Caller, meeting_id: str) -> dict[str, Any]:
    """The organiser's live view (manage scope): the window, how many of the invited have
    checked in, and every invited member's row (one Query of the meeting's rows)."""
    meeting = meeting_access.load_managed(caller, meeting_id)
    opens, closes = window(meeting)
    now = clock.now()
    rows = sorted(Attendance.query(meeting.meeting_id), key=lambda r: (r.role, r.member_no))
    return {
        "meeting": _meeting_view(meeting),
        "opens_at": _iso(opens),
        "closes_at": _iso(closes),
        "open": meeting.state == "scheduled" and opens <= now < closes,
        "invited": len(rows),
        "present": sum(1 for r in rows if r.present),
        "attendance": [_row_view(r) for r in rows],
    }


def _already(row: Attendance) -> ConflictError:
    if row.checked_in_at:
        return ConflictError(f"您已签到（{_when(row.checked_in_at)}）")
    return ConflictError("您已签到（由会议组织者登记）")


def _guess_budget(meeting: Meeting, member_no: str, now: float) -> None:
    """One budget per meeting and member for the whole check-in window (checkin_screen.py)."""
    opens, closes = window(meeting)
    key = f"checkin#{meeting.meeting_id}#{member_no}"
    checkin_screen.guess_budget(key, opens, closes, now, TOO_MANY)


def check_in(member_no: str, meeting_id: str, code: str) -> dict[str, Any]:
    """Her check-in with the code shown in the room: invited, the meeting scheduled and its
    check-in open, the code this meeting's now. Exactly one write however often she sends it."""
    code = clean_code(code)
    meeting = meeting_access.load(meeting_id)
    row = meeting_access.attendance(meeting.meeting_id, member_no)
    if row is None:
        raise ForbiddenError(NOT_INVITED)
    _require_scheduled(meeting)
    if row.present:
        raise _already(row)
    if row.absent is not None:  # the lock decided her row (the meeting read a moment before it)
        raise ConflictError(LOCKED)
    now = clock.now()
    _require_open(meeting, now)
    # The budget is taken before the code is looked at, so parallel guesses cannot slip past
    # it. A right code keeps its unit: it ends her check-in (any later request is a 409 before
    # the budget), so giving it back would be a write that buys nothing.
    _guess_budget(meeting, member_no, now)
    if not checkin_screen.verify(meeting.checkin_secret, code, now):
        raise BadRequestError(BAD_CODE)
    try:
        # `absent` is written by the lock only: a lock that ran since the meeting was read
        # stops this write too, so no row is ever both present and recorded absent.
        row.update(
            actions=[Attendance.present.set(True), Attendance.checked_in_at.set(int(now))],
            condition=Attendance.member_no.exists()
            & Attendance.absent.does_not_exist()
            & (Attendance.present.does_not_exist() | (Attendance.present == False)),  # noqa: E712
        )
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
        current = meeting_access.attendance(meeting.meeting_id, member_no, consistent=True)
        if current is None:
            raise ForbiddenError(NOT_INVITED) from None
        if current.present:
            raise _already(current) from None
        raise ConflictError(LOCKED) from None
    return {
        "present": True,
        "checked_in_at": _iso(int(now)),
        "meeting": _meeting_view(meeting),
    }


def clean_reason(reason: str) -> str:
    reason = " ".join(reason.split())
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        raise BadRequestError(REASON_RULE)
    return reason


def _flag(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")


def correct(
    caller: Caller, meeting_id: str, member_no: str, present: bool, reason: str
) -> dict[str, Any]:
    """The organiser sets one invited member's `present` (manage scope), with a reason kept in
    the row's corrections; also after the lock, when `absent` follows and the lock's derived
    figures are told (`locked_attendance_changed`)."""
    meeting = meeting_access.load_managed(caller, meeting_id, consistent=True)
    reason = clean_reason(reason)
    if not is_member_no(member_no):
        raise NotFoundError(NOT_ATTENDEE)
    if meeting.state == "cancelled":
        raise ConflictError(CANCELLED)
    now = clock.now()
    opens, _ = window(meeting)
    if now < opens:
        raise ConflictError(f"签到尚未开始（{_when(opens)} 开始），暂不能更正出勤")
    row = meeting_access.attendance(meeting.meeting_id, member_no, consistent=True)
    if row is None:
        raise NotFoundError(NOT_ATTENDEE)
    before = bool(row.present)
    locked = meeting.state == "locked"
    last = _last_locked_change(meeting, row) if locked else None
    if before == present:
        if last is not None and last.after == _flag(present):
            # A retry of the correction already made (its answer lost, or its hook failed):
            # the hook again for that correction, which adjusts at most once, then its answer.
            _rerun_hook(meeting, row, last)
            return _row_view(row)
        raise ConflictError(f"{row.name}已是「{'出席' if present else '未出席'}」，无需更正")
    if last is not None:
        # The hook of the correction before this one may have failed: it runs first, or the
        # points of that change would be lost under this one's.
        _rerun_hook(meeting, row, last)
    correction = Correction(
        # to the millisecond: whether it came after the lock's settle (`_rerun_hook`)
        at=round(now, 3),
        by=caller.member_no,
        reason=reason,
        field="present",
        before=_flag(row.present),
        after=_flag(present),
    )
    actions = [
        Attendance.present.set(present),
        Attendance.corrections.set((Attendance.corrections | []).append([correction])),
    ]
    if locked:
        absent = meeting_records.absent_after(row, present)
        actions.append(Attendance.absent.set(absent))
    # Conditional on what was read: a parallel correction is not silently overwritten.
    same = (
        Attendance.present.does_not_exist()
        if row.present is None
        else (Attendance.present == row.present)
    )
    if not locked:
        # `absent` is written by the lock only: a lock that ran since the meeting was read stops
        # this write (its rule and its points went by the row as it read it).
        same = same & Attendance.absent.does_not_exist()
    try:
        row.update(actions=actions, condition=Attendance.member_no.exists() & same)
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
        if not locked and meeting_access.load(meeting.meeting_id, consistent=True).state != (
            "scheduled"
        ):
            raise ConflictError("会议记录刚刚提交，请刷新后再更正") from None
        raise ConflictError("出勤刚被他人更正，请刷新后再试") from None
    if locked:
        locked_attendance_changed(meeting, row, before=before, number=len(row.corrections or []))
    return _row_view(row)


def _last_locked_change(meeting: Meeting, row: Attendance) -> Correction | None:
    """The row's last correction if it set `present` on the locked record; else None."""
    corrections = row.corrections or []
    if not corrections or meeting.locked_at is None:
        return None
    last = corrections[-1]
    if last.field != "present" or float(last.at) < float(meeting.locked_at):
        return None
    return last


def _rerun_hook(meeting: Meeting, row: Attendance, last: Correction) -> None:
    """The hook again for the row's last correction (`row` as it left it), when the hook is what
    adjusts for it: made after the lock settled (the settle did not read it; one made in the
    very moment of a settle counts as before it, so nothing is adjusted twice). Its ledger keys,
    by the correction's number, make a hook that already ran write nothing."""
    if meeting.settled_at is None or float(last.at) < float(meeting.settled_at):
        return  # the settle reads (or read) her row as this correction left it
    locked_attendance_changed(
        meeting, row, before=last.before == "true", number=len(row.corrections or [])
    )


def locked_attendance_changed(
    meeting: Meeting, row: Attendance, *, before: bool, number: int
) -> None:
    """THE HOOK: a locked meeting's attendance changed (`row` as written; `before` her
    `present` before; `number` the correction's 1-based position in `row.corrections`, a stable
    key for an idempotent adjustment, e.g. `meeting:<id>:<member_no>:correction:<number>`).

    The lock (meeting_records.py) derives figures from attendance — the attendance points and
    the unexcused-absence deductions (points_rules.py) — and must adjust them here, reversing
    what no longer holds and awarding what now does. It is called after the row is written;
    nothing else calls it."""
    meeting_records.attendance_changed(meeting, row, before=before, number=number)

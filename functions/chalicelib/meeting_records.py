"""A meeting's record: minutes, decisions, photos and attachments, the lock, later corrections, and
the attendance it settles (absences, points). Every route goes through meeting_access.

- While the meeting is "scheduled" the organiser (manage scope) edits the record and attaches
  files uploaded straight to storage (uploads.py); each write is conditional on the state, so an
  edit racing the lock loses with a 409 and changes nothing.
- `submit` locks it: one conditional update ("scheduled" → "locked"), so parallel submits lock
  once. Then the lock is settled: each attendee neither present nor on approved leave is marked
  `absent`, present members get `meeting_attendance` points, the absent the `meeting_absence`
  deduction (deterministic ledger keys: each once, whoever repeats it), and `settled_at` is set
  last. A failure in between is repaired by calling submit again: a locked, unsettled meeting
  settles again.
- After the lock only corrections change the record: each appends a Correction (who, when, why,
  before, after) in the same conditional update that applies it.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import size

from . import (
    clock,
    identifiers,
    meeting_access,
    meeting_kinds,
    meeting_plans,
    points,
    points_rules,
    registry,
    scope,
    uploads,
)
from .errors import (
    BadRequestError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    PayloadTooLargeError,
)
from .models import Attendance, Meeting, Member
from .models.base import condition_failed
from .models.meetings import Correction, StoredFile
from .scope import Caller

log = logging.getLogger(__name__)

MAX_MINUTES = 20_000
MAX_DECISIONS = 30
MAX_DECISION_CHARS = 200
MAX_REASON_CHARS = 200
LIMITS = {"photo": 30, "attachment": 10}  # files per meeting
FIELDS = {"photo": "photos", "attachment": "attachments"}
LOCKED = "记录已提交锁定，如需修改请提交更正说明"
CANCELLED = "会议已取消，不能填写记录"
NOT_PUBLIC = "会议记录尚未公开"
CORRECTABLE = ("minutes", "decisions", "visible_to_members", "photos", "attachments")
MAX_RANGE_DAYS = 3 * 366


def prefix(meeting_id: str) -> str:
    """The meeting's folder in the uploads bucket."""
    return f"meetings/{meeting_id}"


# --- reading -------------------------------------------------------------------------------


def load_readable(caller: Caller, meeting_id: str) -> tuple[Meeting, str]:
    """The meeting and the caller's staff access, when she may read its record (403 for an
    invitee before it is public, the 404 of meeting_access for anyone else)."""
    meeting = meeting_access.load(meeting_id, consistent=True)
    access = meeting_access.staff_access(caller, meeting)
    row = meeting_access.attendance(meeting.meeting_id, caller.member_no)
    if meeting_access.may_read_record(caller, meeting, row):
        return meeting, access
    if row is not None:
        raise ForbiddenError(NOT_PUBLIC)
    raise NotFoundError(meeting_access.NOT_FOUND)


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(float(epoch), clock.TZ).isoformat(timespec="seconds")


def _names(numbers: set[str]) -> dict[str, str]:
    numbers = {n for n in numbers if n}
    if not numbers:
        return {}
    return {m.member_no: m.name for m in Member.batch_get(sorted(numbers))}


def _file(f: StoredFile, kind: str) -> dict[str, Any]:
    return {
        "key": f.key,
        "name": f.name,
        "content_type": f.content_type,
        "size": int(f.size),
        "at": _iso(f.at),
        # Photos open in the page; attachments download under their own name.
        "url": uploads.signed_get(f.key, None if kind == "photo" else f.name),
    }


def view(meeting: Meeting, access: str) -> dict[str, Any]:
    """The record as the page shows it, with the full history of corrections."""
    corrections = list(meeting.corrections or [])
    names = _names({meeting.locked_by or "", *(c.by for c in corrections)})
    kind = meeting_kinds.kinds().get(meeting.kind)
    manage = access == "manage"
    staff = access in ("manage", "read")
    return {
        "meeting": {
            "id": meeting.meeting_id,
            "unit_id": meeting.unit_id,
            "unit_name": meeting.unit_name,
            "kind": meeting.kind,
            "kind_label": kind.label if kind else meeting.kind,
            "topic": meeting.topic,
            "starts_at": meeting.starts_at,
            "ends_at": meeting.ends_at,
            "place": meeting.place,
            "state": meeting.state,
        },
        "minutes": meeting.minutes or "",
        "decisions": list(meeting.decisions or []),
        "visible_to_members": bool(meeting.visible_to_members),
        "photos": [_file(f, "photo") for f in meeting.photos or []],
        "attachments": [_file(f, "attachment") for f in meeting.attachments or []],
        "locked": meeting.state == "locked",
        "locked_at": _iso(meeting.locked_at),
        "locked_by": meeting.locked_by,
        "locked_by_name": names.get(meeting.locked_by or ""),
        # Locked but not settled (a settle that stopped): the organiser's page calls submit.
        "settled": meeting.settled_at is not None,
        "corrections": [
            {
                "at": _iso(c.at),
                "by": c.by,
                "by_name": names.get(c.by),
                "reason": c.reason,
                "field": c.field,
                # Staff see what changed; a member reads the record as it is now (text
                # corrected away is not hers to read): who, when, why and which field.
                **({"before": c.before, "after": c.after} if staff else {}),
            }
            for c in corrections
        ],
        "may_edit": manage and meeting.state == "scheduled",
        "may_correct": manage and meeting.state == "locked",
        "limits": {
            k: {"count": LIMITS[k], "max_mb": uploads.KINDS[k].max_bytes // uploads.MB}
            for k in LIMITS
        },
    }


def get_record(caller: Caller, meeting_id: str) -> dict[str, Any]:
    meeting, access = load_readable(caller, meeting_id)
    return view(meeting, access)


# --- editing before the lock ---------------------------------------------------------------


def _refuse_state(meeting: Meeting) -> None:
    if meeting.state == "locked":
        raise ConflictError(LOCKED)
    if meeting.state == "cancelled":
        raise ConflictError(CANCELLED)


def check_minutes(minutes: str) -> str:
    if len(minutes) > MAX_MINUTES:
        raise BadRequestError(f"会议记录（minutes）过长（最多 {MAX_MINUTES} 字）")
    return minutes


def check_decisions(decisions: Any) -> list[str]:
    if not isinstance(decisions, list) or not all(isinstance(d, str) for d in decisions):
        raise BadRequestError("会议决定（decisions）须为文字的数组")
    kept = [d.strip() for d in decisions if d.strip()]
    if len(kept) > MAX_DECISIONS:
        raise BadRequestError(f"会议决定（decisions）最多 {MAX_DECISIONS} 条")
    for i, text in enumerate(kept, 1):
        if len(text) > MAX_DECISION_CHARS:
            raise BadRequestError(f"第 {i} 条会议决定过长（最多 {MAX_DECISION_CHARS} 字）")
    return kept


def _update(meeting: Meeting, actions: list, condition: Any) -> bool:
    """A conditional update of the loaded meeting (refreshed with the new values); False when
    the condition did not hold (the meeting is re-read)."""
    try:
        meeting.update(actions=actions, condition=condition)
        return True
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
    meeting.refresh(consistent_read=True)
    return False


def keep_only(meeting: Meeting, field: str, keys: Any) -> tuple[list[Any], list[Any]]:
    """(kept, removed) of the meeting's `field` (photos / attachments) when only `keys` stay,
    in their order: a list of the files' keys may remove files, never add or repeat one."""
    files = list(getattr(meeting, field) or [])
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise BadRequestError(f"{FIELD_LABELS[field]}（{field}）须为保留文件的 key 数组")
    have = {f.key: f for f in files}
    if any(k not in have for k in keys) or len(set(keys)) != len(keys):
        raise BadRequestError("只能删除已有的文件，不能添加或重复")
    return [have[k] for k in keys], [f for f in files if f.key not in set(keys)]


FIELD_LABELS = {"photos": "现场照片", "attachments": "附件"}


def save_record(
    caller: Caller,
    meeting_id: str,
    minutes: str,
    decisions: Any,
    visible: bool,
    files: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Save the draft. `files` ({"photos": [keys kept], "attachments": [...]}, each optional)
    removes files before the lock; they are deleted from storage once the record is saved."""
    meeting = meeting_access.load_managed(caller, meeting_id, consistent=True)
    _refuse_state(meeting)
    minutes = check_minutes(minutes)
    kept = check_decisions(decisions)
    actions = [
        Meeting.minutes.set(minutes),
        Meeting.decisions.set(kept),
        Meeting.visible_to_members.set(bool(visible)),
        Meeting.updated_at.set(clock.now()),
    ]
    condition = Meeting.state == "scheduled"
    removed: list[Any] = []
    for field, keys in (files or {}).items():
        if keys is None:
            continue
        stay, gone = keep_only(meeting, field, keys)
        if gone:
            attr = getattr(Meeting, field)
            actions.append(attr.set(stay))
            # Files attached meanwhile are not dropped: the list must be the one she saw.
            condition &= size(attr) == len(stay) + len(gone)
            removed += gone
    if removed:
        actions.append(Meeting.file_keys.delete({f.source or f.key for f in removed}))
    if not _update(meeting, actions, condition):
        _refuse_state(meeting)
        raise ConflictError("会议记录已变化，请刷新后再试")
    for f in removed:
        uploads.discard(f.key)
    return view(meeting, "manage")


def _count(meeting: Meeting, kind: str) -> int:
    return len(getattr(meeting, FIELDS[kind]) or [])


def _full(kind: str) -> ConflictError:
    label = uploads.KINDS[kind].label
    return ConflictError(f"每次会议最多上传 {LIMITS[kind]} 个{label}")


def start_upload(
    caller: Caller, meeting_id: str, kind_key: str, name: str, content_type: str, size: int
) -> dict[str, Any]:
    """A pre-signed POST for one file; the declared type and size are refused up front."""
    meeting = meeting_access.load_managed(caller, meeting_id)
    _refuse_state(meeting)
    kind = uploads.kind_of(kind_key)
    uploads.clean_name(name)
    if _count(meeting, kind.key) >= LIMITS[kind.key]:
        raise _full(kind.key)
    return uploads.presign(prefix(meeting.meeting_id), kind, content_type, size)


def attach(caller: Caller, meeting_id: str, key: str, kind_key: str, name: str) -> dict[str, Any]:
    """Check what was uploaded to `key` and add it to the record; refusing changes nothing
    (and deletes the upload). Attaching the same key again adds it once."""
    meeting = meeting_access.load_managed(caller, meeting_id, consistent=True)
    kind = uploads.kind_of(kind_key)
    name = uploads.clean_name(name)
    if not uploads.is_upload_key(key, prefix(meeting.meeting_id)):
        raise BadRequestError("文件标识（key）不正确，或文件不属于此会议")
    # `file_keys` holds the upload keys attached (each is kept under a fresh name).
    if key in (meeting.file_keys or set()):
        return view(meeting, "manage")  # attached already: a retry
    _refuse_state(meeting)
    if _count(meeting, kind.key) >= LIMITS[kind.key]:
        uploads.discard(key)
        raise _full(kind.key)
    try:
        checked = uploads.verify(key, prefix(meeting.meeting_id), kind)
        kept = uploads.keep(checked)
    except NotFoundError:
        # A twin request (a double tap, a retry) attached it and removed the upload meanwhile.
        meeting.refresh(consistent_read=True)
        if key in (meeting.file_keys or set()):
            return view(meeting, "manage")
        raise
    stored = StoredFile(
        key=kept,
        source=key,
        name=name,
        content_type=checked.content_type,
        size=checked.size,
        by=caller.member_no,
        at=clock.now(),
    )
    field = getattr(Meeting, FIELDS[kind.key])
    condition = (
        (Meeting.state == "scheduled")
        & ~Meeting.file_keys.contains(key)
        & (field.does_not_exist() | (size(field) < LIMITS[kind.key]))
    )
    actions = [
        field.set((field | []).append([stored])),
        Meeting.file_keys.add({key}),
        Meeting.updated_at.set(clock.now()),
    ]
    if not _update(meeting, actions, condition):
        uploads.discard(kept)
        if key in (meeting.file_keys or set()):
            return view(meeting, "manage")
        _refuse_state(meeting)
        if _count(meeting, kind.key) >= LIMITS[kind.key]:
            raise _full(kind.key)
        raise ConflictError("会议记录已变化，请重新上传")
    uploads.discard(key)
    return view(meeting, "manage")


# --- the lock --------------------------------------------------------------------------------


def _started(meeting: Meeting) -> bool:
    return datetime.fromisoformat(meeting.starts_at).timestamp() <= clock.now()


def submit(caller: Caller, meeting_id: str) -> dict[str, Any]:
    """Lock the record (once, whoever else submits) and settle the attendance within a time
    budget; a locked record whose settling did not finish goes on where it stopped (the answer's
    `settled` false and `settle_progress`: the page calls again)."""
    meeting = meeting_access.load_managed(caller, meeting_id, consistent=True)
    if meeting.state == "scheduled":
        if not (meeting.minutes or "").strip():
            raise BadRequestError("请先填写会议记录再提交")
        if not _started(meeting):
            raise ConflictError("会议尚未开始，不能提交记录")
        now = clock.now()
        actions = [
            Meeting.state.set("locked"),
            Meeting.locked_at.set(now),
            Meeting.locked_by.set(caller.member_no),
            Meeting.updated_at.set(now),
        ]
        _update(meeting, actions, Meeting.state == "scheduled")
    if meeting.state == "cancelled":
        raise ConflictError("会议已取消，不能提交记录")
    progress = None
    if meeting.settled_at is None:
        progress = settle(meeting)
    body = view(meeting, "manage")
    if progress is not None:
        body["settle_progress"] = progress
    return body


# One call settles at most this long / this many rows (the API Lambda times out at 15 s; a row
# costs up to 4 writes); the rest is settled by the next call, the page's or the monthly check's.
SETTLE_SECONDS = 8.0
SETTLE_ROWS = 400


def absent_after(row: Attendance, present: bool) -> bool:
    """The lock's rule, the one definition (check-in's corrections after the lock use it too):
    an attendee neither present nor on approved leave is absent."""
    return row.role == "attendee" and not present and row.leave != "approved"


def settle(meeting: Meeting, *, seconds: float | None = None, rows: int | None = None) -> dict:
    """The lock's follow-up writes, each safe to repeat: every row decided (`absent` written,
    True or False — absent_after, the one rule; a check-in after it is refused),
    its points (present: the award; absent: the deduction), then the row marked `settled`, so a
    settle that stopped (its budget spent, a failure) goes on from the rows not marked; when
    none is left, the meeting's `settled_at`. Returns {"done", "total", "settled"}."""
    budget = SETTLE_SECONDS if seconds is None else seconds
    limit = SETTLE_ROWS if rows is None else rows
    started = time.monotonic()
    note = meeting.topic[:40]
    done = total = worked = 0
    stopped = False
    for row in Attendance.query(meeting.meeting_id, consistent_read=True):
        total += 1
        if row.settled:
            done += 1
            continue
        if stopped or worked >= limit or time.monotonic() - started > budget:
            stopped = True
            continue
        decide(row)
        if row.present:
            points.award(row.member_no, "meeting_attendance", meeting.meeting_id, note=note)
        elif row.absent:
            points.deduct(row.member_no, "meeting_absence", meeting.meeting_id, note=note)
        row.update(actions=[Attendance.settled.set(True)])
        worked += 1
        done += 1
    if stopped:
        return {"done": done, "total": total, "settled": False}
    meeting.update(actions=[Meeting.settled_at.set(clock.now())])
    # The month's figures of the unit (what its superiors see) follow the lock at once.
    meeting_plans.refresh_after_lock(meeting.unit_id, meeting.month)
    return {"done": done, "total": total, "settled": True}


def settle_unfinished(meeting_ids: Iterable[str]) -> dict[str, int]:
    """The monthly check's sweep: settle the locked meetings whose settling nobody finished (a
    page closed, a Lambda that died). The check finds them among the month's meetings it reads
    anyway (locked, no `settled_at`), so the sweep costs nothing when there are none."""
    found = finished = 0
    for meeting_id in meeting_ids:
        found += 1
        try:
            meeting = Meeting.get(meeting_id, consistent_read=True)
            if meeting.settled_at is None and meeting.state == "locked":
                while not settle(meeting)["settled"]:
                    pass
            finished += 1
        except Exception:  # one meeting's trouble does not stop the check; tried again tomorrow
            log.exception("settling %s failed", meeting_id)
    return {"pending": found, "settled": finished}


def decide(row: Attendance) -> None:
    """Write the lock's `absent` on a row not decided yet, from `present` as read (conditional on
    both, so a check-in or a correction in between is decided again); `row` is then current."""
    for _ in range(5):
        if row.absent is not None:
            return
        present = bool(row.present)
        same = (
            Attendance.present.does_not_exist()
            if row.present is None
            else (Attendance.present == row.present)
        )
        # Her leave as read, too: a leave approved in between is decided again (not absent).
        leave = Attendance.leave
        same &= leave.does_not_exist() if row.leave is None else (leave == row.leave)
        try:
            row.update(
                actions=[Attendance.absent.set(absent_after(row, present))],
                condition=Attendance.absent.does_not_exist() & same,
            )
            return
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
        row.refresh(consistent_read=True)
    raise ConflictError("出勤正在变化，请稍后再提交")


def attendance_changed(meeting: Meeting, row: Attendance, *, before: bool, number: int) -> None:
    """A locked meeting's attendance was corrected (meeting_checkin's hook): her points follow.
    The difference between what the lock credited for her state before and what her state now
    earns is written as lines keyed by the correction's number, so a retried correction adjusts
    once. While the lock is not settled yet nothing is written here: settling reads her row as
    it is now. (A correction in the same second as a settle that already read her row is the
    one case left: settle credits what it read.)"""
    # Her row marked settled: her lock points are written (the meeting may still be settling
    # others). Rows settled before the mark existed count by the meeting's settled_at.
    if not row.settled:
        current = meeting_access.load(meeting.meeting_id, consistent=True)
        if current.settled_at is None:
            return
    note = f"{meeting.topic[:30]}（出勤更正）"
    was_absent = absent_after(row, before)
    now_absent = bool(row.absent)
    changes = {
        "meeting_attendance": _points("meeting_attendance", row.present)
        - _points("meeting_attendance", before),
        "meeting_absence": _points("meeting_absence", now_absent)
        - _points("meeting_absence", was_absent),
    }
    for rule, amount in changes.items():
        if amount:
            points.adjust(
                row.member_no, rule, f"{meeting.meeting_id}:correction:{number}", amount, note=note
            )


def _points(rule: str, applies: bool | None) -> int:
    return points_rules.RULES[rule].points if applies else 0


# --- corrections after the lock --------------------------------------------------------------


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _corrected(meeting: Meeting, field: str, value: Any) -> tuple[Any, Any, Any]:
    """(the update action, before, after) of one correction, its value checked."""
    if field == "minutes":
        if not isinstance(value, str) or not value.strip():
            raise BadRequestError("更正后的会议记录（value）须为不为空的文字")
        return Meeting.minutes.set(check_minutes(value)), meeting.minutes, value
    if field == "decisions":
        kept = check_decisions(value)
        return Meeting.decisions.set(kept), list(meeting.decisions or []), kept
    if field == "visible_to_members":
        if not isinstance(value, bool):
            raise BadRequestError("是否对党员公开（value）须为布尔值")
        return Meeting.visible_to_members.set(value), bool(meeting.visible_to_members), value
    # photos / attachments: the keys kept, in order (a correction removes, it never adds; the
    # removed file stays in storage, as the history names it)
    files = list(getattr(meeting, field) or [])
    kept_files, _ = keep_only(meeting, field, value)
    attr = getattr(Meeting, field)
    return attr.set(kept_files), [f.name for f in files], [f.name for f in kept_files]


def correct(caller: Caller, meeting_id: str, field: str, value: Any, reason: str) -> dict[str, Any]:
    meeting = meeting_access.load_managed(caller, meeting_id, consistent=True)
    if meeting.state != "locked":
        raise ConflictError("记录尚未提交锁定，请直接修改")
    if field not in CORRECTABLE:
        raise BadRequestError("更正项（field）须为 " + "、".join(CORRECTABLE) + " 之一")
    reason = (reason or "").strip()
    if not reason:
        raise BadRequestError("请填写更正说明（reason）")
    if len(reason) > MAX_REASON_CHARS:
        raise BadRequestError(f"更正说明（reason）过长（最多 {MAX_REASON_CHARS} 字）")
    action, before, after = _corrected(meeting, field, value)
    if before == after:
        raise BadRequestError("更正内容与原记录相同")
    now = clock.now()
    entry = Correction(
        at=now, by=caller.member_no, reason=reason, field=field,
        before=_text(before), after=_text(after),
    )  # fmt: skip
    _refuse_too_large(meeting, field, after_value(meeting, field, value), entry)
    actions = [
        action,
        Meeting.corrections.set((Meeting.corrections | []).append([entry])),
        Meeting.updated_at.set(now),
    ]
    # The record as she read it: a correction made meanwhile by someone else is not overwritten.
    condition = (Meeting.state == "locked") & (Meeting.updated_at == meeting.updated_at)
    if not _update(meeting, actions, condition):
        raise ConflictError("记录刚被他人更正，请刷新后再试")
    return view(meeting, "manage")


# DynamoDB refuses an item over 400 KB. Each correction keeps the text before and after, so long
# minutes corrected a few times reach it; a correction that would is refused with a clear answer
# (the margin leaves room for the small writes that still come: settled_at, updated_at).
ITEM_LIMIT = 400 * 1024
ITEM_MARGIN = 8 * 1024
TOO_LARGE = (
    "会议记录及其更正历史已接近存储上限（400 KB），不能再保存这次更正；请精简更正内容，或联系管理员"
)


def after_value(meeting: Meeting, field: str, value: Any) -> Any:
    """The field's new value as the update stores it (the checked list of files for files)."""
    if field in FIELDS.values():
        return keep_only(meeting, field, value)[0]
    if field == "decisions":
        return check_decisions(value)
    return value


def value_bytes(value: dict[str, Any]) -> int:
    """The size DynamoDB counts for one serialized attribute value ({"S": ...}, {"L": [...]}):
    UTF-8 bytes of strings, names of map keys, 1 byte of overhead per list/map element, ~21
    bytes at most for a number."""
    ((kind, inner),) = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        return min(21, len(inner))
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "NS", "BS"):
        return sum(len(str(v).encode()) for v in inner)
    if kind == "L":
        return 3 + sum(1 + value_bytes(v) for v in inner)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + value_bytes(v) for k, v in inner.items())
    return len(json.dumps(inner).encode())


def item_bytes(item: dict[str, dict[str, Any]]) -> int:
    """An item's size as DynamoDB counts it: names and values, UTF-8."""
    return sum(len(name.encode()) + value_bytes(v) for name, v in item.items())


def _refuse_too_large(meeting: Meeting, field: str, new: Any, entry: Correction) -> None:
    item = meeting.serialize()
    attr = getattr(Meeting, field)
    item[attr.attr_name] = {attr.attr_type: attr.serialize(new)}
    history = [*(meeting.corrections or []), entry]
    item[Meeting.corrections.attr_name] = {"L": Meeting.corrections.serialize(history)}
    if item_bytes(item) > ITEM_LIMIT - ITEM_MARGIN:
        raise PayloadTooLargeError(TOO_LARGE)


# --- a member's attendance over a period (the probation record) ----------------------------


def _day(text: str | None, name: str) -> date:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        raise BadRequestError(f"{name} 须为日期（YYYY-MM-DD）") from None


def attendance_record(member_no: str, since: date, until: date) -> dict[str, Any]:
    """Her meetings whose start falls in [since, until] (Beijing dates), counted from the
    Attendance `by-member` index: held (locked records she was an attendee of), attended,
    excused (approved leave), absent (unexcused), and those not yet held."""
    end = (until + timedelta(days=1)).isoformat()
    keys = [
        (k.meeting_id, k.member_no)
        for k in Attendance.by_member.query(
            member_no, Attendance.member_sort.between(since.isoformat(), end)
        )
        if k.member_sort < end
    ]
    rows = {r.meeting_id: r for r in Attendance.batch_get(keys)} if keys else {}
    meetings = {m.meeting_id: m for m in Meeting.batch_get(list(rows))} if rows else {}
    counts = {"held": 0, "attended": 0, "excused": 0, "absent": 0, "upcoming": 0}
    items = []
    for mid, row in sorted(rows.items(), key=lambda kv: kv[1].member_sort):
        meeting = meetings.get(mid)
        if meeting is None or meeting.state == "cancelled" or row.role != "attendee":
            continue
        if meeting.state != "locked":
            outcome = "upcoming"
        elif row.present:
            outcome = "attended"
        elif row.leave == "approved":
            outcome = "excused"
        else:
            outcome = "absent"
        if outcome != "upcoming":
            counts["held"] += 1
        counts[outcome] += 1
        items.append(
            {
                "meeting_id": mid,
                "kind": meeting.kind,
                "topic": meeting.topic,
                "starts_at": meeting.starts_at,
                "unit_name": meeting.unit_name,
                "outcome": outcome,
            }
        )
    return {
        "member_no": member_no,
        "since": since.isoformat(),
        "until": until.isoformat(),
        **counts,
        "meetings": items,
    }


def member_attendance(
    caller: Caller, member_no: str, since: str | None, until: str | None
) -> dict[str, Any]:
    """Her record for staff in scope over her branch (and for herself); others are refused like
    an unknown number."""
    valid = identifiers.MEMBER_NO.fullmatch(member_no or "") is not None
    other = registry.get_member(member_no) if valid else None
    path = registry.get_unit(other.branch_id).path if other else ()
    scope.require_member(caller, member_no, path)
    if other is None:
        raise NotFoundError("党员不存在")
    today = clock.today()
    first = _day(since, "起始日期（since）") if since else today - timedelta(days=365)
    last = _day(until, "截止日期（until）") if until else today
    if first > last or (last - first).days > MAX_RANGE_DAYS:
        raise BadRequestError("日期范围不正确（最长三年）")
    body = attendance_record(member_no, first, last)
    body["name"] = other.name
    body["status"] = other.status
    return body

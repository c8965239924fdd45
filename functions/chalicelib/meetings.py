"""Meetings (会议室): a staff member creates one with its notice to exactly the people who must
attend; 我的会议; a unit's meetings; 请假 and its decision; the home page's meeting to-do.

Create is idempotent by the client's `request_key`: the meeting id is derived from (organiser,
key), so a retried or doubled create makes one meeting, one set of rows and one notice each.
Write order (each step repairable by the retry):
  1. the attendance rows (BatchWrite; rows of an earlier, unfinished attempt that are not in this
     one are deleted first), while no meeting exists, nobody can act on them;
  2. the meeting, under the condition that it does not exist (the commit point);
  3. the notice through the outbox (one conditional row per recipient).
A retry that finds the meeting already there writes no row again (leave requests made since are
kept) and posts the notice to the rows that exist (the outbox adds only the missing ones).

Registry reads on the request path are Queries of indexes (units by parent, members by branch)
and batch reads by key, never a Scan.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from pynamodb.exceptions import PutError, UpdateError

from . import checkin_codes, clock, cursors, meeting_access, meeting_kinds, outbox, registry, scope
from .errors import BadRequestError, ConflictError, ForbiddenError, NotFoundError
from .identifiers import is_client_key, is_member_no, is_unit_id
from .models import Attendance, Meeting, Member, OrgUnit
from .models.base import condition_failed
from .org import STATUS_LABELS
from .scope import Caller

MAX_INVITED = 500  # attendees and guests together
# Guests come from anywhere in the organisation, outside the organiser's scope: a few per
# meeting, so a create cannot be used to probe the registry or message the whole organisation.
MAX_GUESTS = 20
TOPIC_MAX = 60
AGENDA_MAX = 2000
PLACE_MAX = 60
URL_MAX = 500
REASON = (2, 200)
START_GRACE = timedelta(minutes=5)
MAX_AHEAD = timedelta(days=366)
MAX_LENGTH = timedelta(hours=12)
PAGE = 20
UNIT_LIST_LIMIT = 200
MAX_MONTHS = 24
TODO_DAYS = 7
TODO_LIMIT = 10
GUEST_REFUSED = "列席人员「{}」不是本单位党组织的在册党员，不能邀请"
LEAVE_LABELS = {"requested": "请假待批", "approved": "已准假", "refused": "请假未准"}


# --- small helpers ----------------------------------------------------------------------------


def meeting_id_for(organiser: str, request_key: str) -> str:
    """Deterministic: the same organiser's same request is always the same meeting."""
    digest = hashlib.sha256(f"meeting\n{organiser}\n{request_key}".encode()).digest()
    return "mt_" + base64.urlsafe_b64encode(digest).decode().rstrip("=")[:24]


def parse_time(value: Any, field: str) -> datetime:
    """ISO 8601; without an offset it is Beijing time. Returned in Asia/Shanghai, to the minute."""
    if not isinstance(value, str) or not 10 <= len(value) <= 40:
        raise BadRequestError(f"{field}须为 ISO 8601 时间，如 2027-03-01T14:30+08:00")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BadRequestError(f"{field}须为 ISO 8601 时间，如 2027-03-01T14:30+08:00") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clock.TZ)
    return moment.astimezone(clock.TZ).replace(second=0, microsecond=0)


def iso(moment: datetime) -> str:
    return moment.astimezone(clock.TZ).isoformat(timespec="minutes")


def _now() -> datetime:
    return clock.local_now()


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAK = re.compile(r"[\r\n\u2028\u2029]")


def _text(value: Any, field: str, low: int, high: int, *, lines: bool = False) -> str:
    """Trimmed text of low..high characters; one line unless `lines`; no control characters."""
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None or not low <= len(text) <= high:
        raise BadRequestError(f"{field}须为 {low}–{high} 个字")
    if _CONTROL.search(text) or (not lines and _LINE_BREAK.search(text)):
        raise BadRequestError(f"{field}不能包含换行或控制字符")
    return text


def _member_numbers(value: Any, field: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadRequestError(f"{field}须为党员编号的列表")
    bad = [v for v in value if not is_member_no(v)]
    if bad:
        raise BadRequestError(f"{field}中的党员编号格式不正确：{bad[0][:32]}")
    return list(dict.fromkeys(value))


def _check_size(n: int) -> None:
    if n > MAX_INVITED:
        raise BadRequestError(f"参会人员过多：共 {n} 人，一次会议最多通知 {MAX_INVITED} 人")


# --- registry reads (indexes and keys only) ---------------------------------------------------


def subtree(unit: OrgUnit) -> list[OrgUnit]:
    """The unit and every unit below it: one Query of the `by-parent` index per unit above
    branch level (a branch has no children: no Query)."""
    out = [unit]
    todo = [unit.unit_id] if unit.kind != "branch" else []
    while todo:
        parent = todo.pop()
        for child in OrgUnit.children.query(parent):
            out.append(child)
            if child.kind != "branch":
                todo.append(child.unit_id)
    return out


def members_of(units: Iterable[OrgUnit]) -> list[Member]:
    """Active members of these units' branches: one Query of `by-branch` per branch."""
    out: list[Member] = []
    for unit in units:
        if unit.kind == "branch":
            out.extend(m for m in Member.by_branch.query(unit.unit_id) if m.active)
    return out


def _members(numbers: list[str]) -> dict[str, Member]:
    found: dict[str, Member] = {}
    for i in range(0, len(numbers), 100):
        found.update((m.member_no, m) for m in Member.batch_get(numbers[i : i + 100]))
    return found


def _units(unit_ids: Iterable[str]) -> dict[str, OrgUnit]:
    wanted = sorted(set(unit_ids))
    found: dict[str, OrgUnit] = {}
    for i in range(0, len(wanted), 100):
        found.update((u.unit_id, u) for u in OrgUnit.batch_get(wanted[i : i + 100]))
    return found


def committee_of(unit: OrgUnit, units: dict[str, OrgUnit], members: list[Member]) -> list[Member]:
    """The members of the subtree whose role applies at this very unit (its 委员会)."""
    out = []
    for m in members:
        branch = units.get(m.branch_id)
        if not m.roles or branch is None:
            continue
        view = Caller(m.member_no, tuple(branch.path), tuple(branch.path_kinds), tuple(m.roles))
        if any(scope.role_unit(view, r) == unit.unit_id for r in m.roles if r != "admin"):
            out.append(m)
    return out


# --- create -----------------------------------------------------------------------------------


@dataclass
class Invitee:
    member: Member
    role: str  # attendee / guest


def _resolve_attendees(
    caller: Caller, unit: OrgUnit, kind: meeting_kinds.Kind, attendees: Any, guests: Any
) -> list[Invitee]:
    if attendees is None:
        attendees = {}
    if not isinstance(attendees, dict) or set(attendees) - {"units", "members"}:
        raise BadRequestError("参会人员（attendees）须为 {units: [组织编号], members: [党员编号]}")
    unit_ids = attendees.get("units") or []
    if not isinstance(unit_ids, list) or not all(is_unit_id(u) for u in unit_ids):
        raise BadRequestError("参会组织（attendees.units）须为组织编号的列表")
    numbers = _member_numbers(attendees.get("members"), "参会党员（attendees.members）")
    if isinstance(guests, list) and len(guests) > MAX_GUESTS:
        raise BadRequestError(f"列席人员过多：一次会议最多邀请 {MAX_GUESTS} 位列席人员")
    guest_numbers = _member_numbers(guests, "列席人员（guests）")
    _check_size(len(numbers) + len(guest_numbers))
    if len(unit_ids) > 50:
        raise BadRequestError("参会组织过多（最多 50 个）")

    chosen: dict[str, Member] = {}
    if not unit_ids and not numbers:
        # The kind's default: the whole unit, or its committee.
        tree = subtree(unit)
        everyone = members_of(tree)
        if kind.attendees == "committee":
            everyone = committee_of(unit, {u.unit_id: u for u in tree}, everyone)
        chosen.update((m.member_no, m) for m in everyone)
    units = _units(unit_ids) if unit_ids else {}
    covered: dict[str, OrgUnit] = {}  # every unit of the chosen subtrees, each read once
    for uid in dict.fromkeys(unit_ids):
        target = units.get(uid)
        # An unknown unit answers as one out of scope: nobody learns which ids exist.
        if target is None or scope.unit_access(caller, target.path) != "manage":
            raise ForbiddenError(f"参会组织「{uid}」不在您管理的范围内")
        if uid not in covered:
            covered.update((u.unit_id, u) for u in subtree(target))
    for m in members_of(covered.values()):
        chosen.setdefault(m.member_no, m)
    _check_size(len(chosen) + len(guest_numbers))
    wanted = [n for n in numbers if n not in chosen] + guest_numbers
    people = _members(wanted) if wanted else {}
    branches = _units({m.branch_id for m in people.values()})
    for n in numbers:
        if n in chosen:
            continue
        m = people.get(n)
        branch = branches.get(m.branch_id) if m else None
        # Unknown and out of scope alike, by number only: no name or existence leaks.
        if m is None or branch is None or scope.unit_access(caller, branch.path) != "manage":
            raise ForbiddenError(f"参会党员「{n}」不在您管理的范围内")
        if not m.active:
            raise BadRequestError(f"参会党员「{m.name}（{n}）」已停用")
        chosen[n] = m
    out = [Invitee(m, "attendee") for m in chosen.values()]
    root = unit.path[0]
    for n in guest_numbers:
        if n in chosen:
            raise BadRequestError(f"列席人员「{n}」已在参会名单中")
        m = people.get(n)
        branch = branches.get(m.branch_id) if m else None
        # Unknown, inactive and of another organisation alike, by number only.
        if m is None or branch is None or branch.path[0] != root or not m.active:
            raise BadRequestError(GUEST_REFUSED.format(n))
        out.append(Invitee(m, "guest"))
    if not any(i.role == "attendee" for i in out):
        raise BadRequestError("参会人员为空：请选择参会的组织或党员")
    _check_size(len(out))
    return out


def _online_url(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) > URL_MAX:
        raise BadRequestError(f"线上会议链接须为不超过 {URL_MAX} 字的 https 地址")
    parts = urlsplit(value.strip())
    if parts.scheme != "https" or not parts.hostname or any(c.isspace() for c in value.strip()):
        raise BadRequestError("线上会议链接须以 https:// 开头")
    return value.strip()


def _times(starts: Any, ends: Any) -> tuple[datetime, datetime]:
    start = parse_time(starts, "开始时间（starts_at）")
    end = parse_time(ends, "结束时间（ends_at）")
    now = _now()
    if start < now - START_GRACE:
        raise BadRequestError("开始时间已过，不能通知过去的会议")
    if start > now + MAX_AHEAD:
        raise BadRequestError("开始时间最多安排在一年以内")
    if end <= start:
        raise BadRequestError("结束时间须晚于开始时间")
    if end - start > MAX_LENGTH:
        raise BadRequestError("一次会议最长 12 小时")
    return start, end


def _row(meeting_id: str, starts_at: str, invitee: Invitee) -> Attendance:
    m = invitee.member
    return Attendance(
        meeting_id,
        m.member_no,
        name=m.name,
        branch_id=m.branch_id,
        status=m.status,
        role=invitee.role,
        member_sort=f"{starts_at}#{meeting_id}",
    )


def _write_rows(meeting_id: str, rows: list[Attendance]) -> None:
    """Step 1: the rows, and away with rows an unfinished earlier attempt left that this one
    does not have (one consistent key Query, which finds nothing on a first attempt)."""
    keep = {r.member_no for r in rows}
    stale = [
        r
        for r in Attendance.query(
            meeting_id, consistent_read=True, attributes_to_get=["meeting_id", "member_no"]
        )
        if r.member_no not in keep
    ]
    with Attendance.batch_write() as batch:
        for r in stale:
            batch.delete(r)
        for r in rows:
            batch.save(r)


def _fit(text: str, limit: int) -> str:
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode(errors="ignore") + "…"


def when_text(starts_at: str, ends_at: str) -> str:
    s = datetime.fromisoformat(starts_at)
    e = datetime.fromisoformat(ends_at)
    week = "一二三四五六日"[s.weekday()]
    end = e.strftime("%H:%M") if e.date() == s.date() else f"{e.month}月{e.day}日 {e:%H:%M}"
    return f"{s.month}月{s.day}日（周{week}）{s:%H:%M}–{end}"


def _notice(meeting: Meeting) -> tuple[str, str]:
    label = (
        meeting_kinds.kinds()[meeting.kind].label if meeting.kind in meeting_kinds.kinds() else ""
    )
    title = _fit(f"会议通知：{label}", outbox.TITLE_MAX_BYTES)
    where = meeting.place or "线上会议"
    if meeting.place and meeting.online_url:
        where += "（另有线上参会链接）"
    body = (
        f"{meeting.unit_name}\n主题：{meeting.topic}"
        f"\n时间：{when_text(meeting.starts_at, meeting.ends_at)}\n地点：{where}"
        "\n请准时参加；不能参加请在「我的会议」中请假。"
    )
    return title, _fit(body, outbox.BODY_MAX_BYTES)


def post_notice(meeting: Meeting, recipients: list[str]) -> outbox.PostResult:
    title, body = _notice(meeting)
    return outbox.post(
        f"meeting:{meeting.meeting_id}:notice",
        "meeting_notice",
        recipients,
        title,
        body,
        url=f"/meetings.html?id={meeting.meeting_id}",
    )


def create(caller: Caller, organiser: Member, body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Create (or find again) the meeting; (its view, whether this call created it)."""
    request_key = body.get("request_key")
    if not is_client_key(request_key):
        raise BadRequestError("请求编号（request_key）须为 8–64 位字母、数字、_ 或 -")
    meeting_id = meeting_id_for(caller.member_no, request_key)
    existing = _get(meeting_id)
    if existing is not None:
        _renotice(existing)
        return view(existing, "manage", None, with_counts=True), False

    unit_id = body.get("unit_id")
    if not is_unit_id(unit_id):
        raise BadRequestError("组织编号（unit_id）格式不正确")
    unit = _unit(caller, unit_id, "manage", "只有本组织的书记或上级党组织的管理人员可以通知会议")
    allowed = {k.key: k for k in meeting_kinds.held_by(unit.kind)}
    kind = allowed.get(body.get("kind"))  # type: ignore[arg-type]
    if kind is None:
        names = "、".join(k.label for k in allowed.values()) or "无"
        raise BadRequestError(f"{unit.name}不能召开这种会议；可召开：{names}")
    topic = _text(body.get("topic"), "会议主题", 1, TOPIC_MAX)
    agenda = _text(body.get("agenda"), "会议议程", 0, AGENDA_MAX, lines=True) or None
    start, end = _times(body.get("starts_at"), body.get("ends_at"))
    place = _text(body.get("place"), "会议地点", 0, PLACE_MAX) or None
    online_url = _online_url(body.get("online_url"))
    if not place and not online_url:
        raise BadRequestError("请填写会议地点或线上会议链接")
    visible = body.get("visible_to_members", False)
    if not isinstance(visible, bool):
        raise BadRequestError("是否向党员公开（visible_to_members）须为 true 或 false")
    invitees = _resolve_attendees(caller, unit, kind, body.get("attendees"), body.get("guests"))
    by_no = {i.member.member_no: i for i in invitees}
    names: dict[str, str | None] = {}
    for field, label in (("host", "主持人"), ("recorder", "记录人")):
        n = body.get(field)
        if n in (None, ""):
            names[field] = None
            continue
        if not isinstance(n, str) or n not in by_no or by_no[n].role != "attendee":
            raise BadRequestError(f"{label}须是参会党员之一")
        names[field] = n

    starts_at, ends_at = iso(start), iso(end)
    now = clock.now()
    path = list(unit.path)
    meeting = Meeting(
        meeting_id,
        unit_id=unit.unit_id,
        unit_path=path,
        unit_name=unit.name,
        kind=kind.key,
        topic=topic,
        agenda=agenda,
        starts_at=starts_at,
        ends_at=ends_at,
        month=starts_at[:7],
        place=place,
        online_url=online_url,
        organiser=caller.member_no,
        organiser_name=organiser.name,
        host=names["host"],
        host_name=by_no[names["host"]].member.name if names["host"] else None,
        recorder=names["recorder"],
        recorder_name=by_no[names["recorder"]].member.name if names["recorder"] else None,
        state="scheduled",
        visible_to_members=visible,
        invited=sum(1 for i in invitees if i.role == "attendee"),
        guests=sum(1 for i in invitees if i.role == "guest"),
        checkin_secret=checkin_codes.new_secret(),
        request_key=request_key,
        created_at=now,
        updated_at=now,
        unit_sort=f"{starts_at}#{meeting_id}",
        tree_sort="/".join(path) + f"/#{starts_at}#{meeting_id}",
    )
    rows = [_row(meeting_id, starts_at, i) for i in invitees]
    _write_rows(meeting_id, rows)
    try:
        meeting.save(condition=Meeting.meeting_id.does_not_exist())
    except PutError as exc:
        if not condition_failed(exc):
            raise
        # A parallel create of the same request committed first: its rows and notice stand.
        winner = _get(meeting_id)
        if winner is None:
            raise
        _renotice(winner)
        return view(winner, "manage", None, with_counts=True), False
    post_notice(meeting, [r.member_no for r in rows])
    return view(meeting, "manage", None, with_counts=True, rows=rows), True


def _unit(caller: Caller, unit_id: str, need: scope.Access, refusal: str) -> OrgUnit:
    """The unit if the caller's access reaches `need`; an unknown unit is refused alike (403),
    so nobody learns which ids exist."""
    try:
        unit = registry.get_unit(unit_id)
    except NotFoundError:
        raise ForbiddenError(refusal) from None
    access = scope.unit_access(caller, unit.path)
    if access == "none" or (need == "manage" and access != "manage"):
        raise ForbiddenError(refusal)
    return unit


def _get(meeting_id: str) -> Meeting | None:
    try:
        return Meeting.get(meeting_id, consistent_read=True)
    except Meeting.DoesNotExist:
        return None


def _rows(meeting_id: str, *, consistent: bool = False) -> list[Attendance]:
    return list(Attendance.query(meeting_id, consistent_read=consistent))


def _renotice(meeting: Meeting) -> None:
    """Step 3 again for a meeting that exists: the outbox adds only the missing messages."""
    if meeting.state == "scheduled":
        post_notice(meeting, [r.member_no for r in _rows(meeting.meeting_id, consistent=True)])


# --- views ------------------------------------------------------------------------------------


def kind_label(key: str) -> str:
    found = meeting_kinds.kinds().get(key)
    return found.label if found else key


def view(
    meeting: Meeting,
    access: str,
    row: Attendance | None,
    *,
    with_counts: bool = False,
    rows: list[Attendance] | None = None,
) -> dict[str, Any]:
    """What a page shows of a meeting (never the check-in secret)."""
    now = _now()
    starts = datetime.fromisoformat(meeting.starts_at)
    ends = datetime.fromisoformat(meeting.ends_at)
    out: dict[str, Any] = {
        "id": meeting.meeting_id,
        "unit": {"id": meeting.unit_id, "name": meeting.unit_name},
        "kind": meeting.kind,
        "kind_label": kind_label(meeting.kind),
        "topic": meeting.topic,
        "agenda": meeting.agenda,
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "when": when_text(meeting.starts_at, meeting.ends_at),
        "place": meeting.place,
        "online_url": meeting.online_url,
        "organiser": {"member_no": meeting.organiser, "name": meeting.organiser_name},
        "host": _person(meeting.host, meeting.host_name),
        "recorder": _person(meeting.recorder, meeting.recorder_name),
        "state": meeting.state,
        "phase": "upcoming" if now < starts else ("ongoing" if now <= ends else "ended"),
        "visible_to_members": bool(meeting.visible_to_members),
        "invited": int(meeting.invited or 0),
        "guests": int(meeting.guests or 0),
        "access": access,
        "may_manage": access == "manage",
        "mine": my_row(row) if row is not None else None,
        "cancel_reason": meeting.cancel_reason,
        "may_cancel": access == "manage" and meeting.state == "scheduled",
    }
    if with_counts:
        out["counts"] = counts(rows if rows is not None else _rows(meeting.meeting_id))
    return out


def _person(member_no: str | None, name: str | None) -> dict[str, Any] | None:
    return {"member_no": member_no, "name": name} if member_no else None


def my_row(row: Attendance) -> dict[str, Any]:
    return {
        "role": row.role,
        "leave": row.leave,
        "leave_label": LEAVE_LABELS.get(row.leave or ""),
        "leave_reason": row.leave_reason,
        "leave_note": row.leave_note,
        "present": row.present,
        "checked_in_at": row.checked_in_at,
    }


def counts(rows: list[Attendance]) -> dict[str, int]:
    attendees = [r for r in rows if r.role == "attendee"]
    return {
        "attendees": len(attendees),
        "guests": len(rows) - len(attendees),
        "leave_requested": sum(1 for r in rows if r.leave == "requested"),
        "leave_approved": sum(1 for r in attendees if r.leave == "approved"),
        "present": sum(1 for r in attendees if r.present),
    }


def row_view(row: Attendance, branches: dict[str, str]) -> dict[str, Any]:
    """One invited member; `branches` holds only the branches the caller reads, so a row from
    outside her scope carries no branch and no status (name, role and this meeting's facts)."""
    out: dict[str, Any] = {"member_no": row.member_no, "name": row.name}
    if row.branch_id in branches:
        out["branch"] = {"id": row.branch_id, "name": branches[row.branch_id]}
        out["status"] = row.status
        out["status_label"] = STATUS_LABELS.get(row.status, row.status)
    return {**out, **my_row(row), "absent": row.absent}


def detail(caller: Caller, meeting_id: str) -> dict[str, Any]:
    meeting, access, row = meeting_access.load_visible(caller, meeting_id)
    return view(meeting, access, row, with_counts=access != "none")


def attendance_list(caller: Caller, meeting_id: str) -> dict[str, Any]:
    meeting, access, _ = meeting_access.load_visible(caller, meeting_id)
    if access == "none":
        raise ForbiddenError("只有组织的管理人员可以查看参会名单")
    rows = _rows(meeting.meeting_id)
    branches = meeting_access.readable_branches(caller, (r.branch_id for r in rows))
    rows.sort(key=lambda r: (r.role != "attendee", r.leave != "requested", r.member_no))
    return {
        "meeting": view(meeting, access, None, with_counts=True, rows=rows),
        "rows": [row_view(r, branches) for r in rows],
    }


# --- her meetings -----------------------------------------------------------------------------


def _sort_ok(value: str) -> bool:
    return len(value) <= 80 and "#mt_" in value


def mine(member_no: str, when: str, cursor: str | None) -> dict[str, Any]:
    """我的会议: upcoming (not ended: next first) or past (ended: newest first), PAGE a time."""
    if when not in ("upcoming", "past"):
        raise BadRequestError("when 须为 upcoming 或 past")
    start = None
    if cursor:
        start = cursors.decode(
            cursor,
            {
                "member_no": lambda v: v == member_no,
                "meeting_id": lambda v: meeting_access.MEETING_ID.match(v) is not None,
                "member_sort": _sort_ok,
            },
        )
    now = _now()
    if when == "upcoming":
        cond = Attendance.member_sort >= iso(now - MAX_LENGTH)
        forward = True
    else:
        cond = Attendance.member_sort < iso(now + timedelta(minutes=1))
        forward = False
    results = Attendance.by_member.query(
        member_no, cond, scan_index_forward=forward, limit=PAGE, last_evaluated_key=start
    )
    keys = [r.meeting_id for r in results]
    items = _her_meetings(member_no, keys)
    now_iso = iso(now)
    if when == "upcoming":
        items = [i for i in items if i["ends_at"] >= now_iso]
    else:
        items = [i for i in items if i["ends_at"] < now_iso]
    return {"items": items, "next": cursors.encode(results.last_evaluated_key)}


def _her_meetings(member_no: str, meeting_ids: list[str]) -> list[dict[str, Any]]:
    """The meetings and her rows, in the order given (two batch reads)."""
    if not meeting_ids:
        return []
    meetings = {m.meeting_id: m for m in Meeting.batch_get(meeting_ids)}
    rows = {r.meeting_id: r for r in Attendance.batch_get([(i, member_no) for i in meeting_ids])}
    return [_summary(meetings[i], rows.get(i)) for i in meeting_ids if i in meetings and i in rows]


def _summary(meeting: Meeting, row: Attendance | None) -> dict[str, Any]:
    return {
        "id": meeting.meeting_id,
        "unit": {"id": meeting.unit_id, "name": meeting.unit_name},
        "kind": meeting.kind,
        "kind_label": kind_label(meeting.kind),
        "topic": meeting.topic,
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "when": when_text(meeting.starts_at, meeting.ends_at),
        "place": meeting.place,
        "online": bool(meeting.online_url),
        "state": meeting.state,
        "cancel_reason": meeting.cancel_reason,
        "invited": int(meeting.invited or 0),
        "guests": int(meeting.guests or 0),
        "mine": my_row(row) if row is not None else None,
    }


# --- a unit's meetings ------------------------------------------------------------------------


def _month(value: str | None, default: str, field: str) -> str:
    if value is None or value == "":
        return default
    try:
        datetime.strptime(value, "%Y-%m")
    except ValueError:
        raise BadRequestError(f"{field}须为 YYYY-MM，如 2027-03") from None
    if len(value) != 7:
        raise BadRequestError(f"{field}须为 YYYY-MM，如 2027-03")
    return value


def _shift(month: str, n: int) -> str:
    y, m = divmod(int(month[:4]) * 12 + int(month[5:7]) - 1 + n, 12)
    return f"{y:04d}-{m + 1:02d}"


def unit_meetings(
    caller: Caller, unit_id: str, month_from: str | None, month_to: str | None
) -> dict[str, Any]:
    """A unit's meetings in months from..to (default: 3 months back, 6 ahead), newest first."""
    unit = _unit(caller, unit_id, "read", "无权查看该组织的会议")
    access = scope.unit_access(caller, unit.path)
    this = _now().strftime("%Y-%m")
    first = _month(month_from, _shift(this, -3), "起始月份（from）")
    last = _month(month_to, _shift(this, 6), "截止月份（to）")
    if last < first:
        raise BadRequestError("截止月份不能早于起始月份")
    if _shift(first, MAX_MONTHS - 1) < last:
        raise BadRequestError(f"一次最多查看 {MAX_MONTHS} 个月")
    found = Meeting.by_unit.query(
        unit.unit_id,
        Meeting.unit_sort.between(first, last + "-32"),
        scan_index_forward=False,
        limit=UNIT_LIST_LIMIT,
    )
    items = [_summary(m, None) for m in found]
    return {
        "unit": {"id": unit.unit_id, "name": unit.name, "kind": unit.kind},
        "access": access,
        "kinds": [{"key": k.key, "label": k.label} for k in meeting_kinds.held_by(unit.kind)],
        "from": first,
        "to": last,
        "items": items,
        "more": len(items) >= UNIT_LIST_LIMIT,
    }


def unit_members(caller: Caller, unit_id: str) -> dict[str, Any]:
    """The desk's checklist: active members of a unit's subtree (manage scope)."""
    unit = _unit(caller, unit_id, "manage", "无权管理该组织的会议")
    tree = subtree(unit)
    names = {u.unit_id: u.name for u in tree}
    people = sorted(members_of(tree), key=lambda m: (m.branch_id, m.member_no))
    return {
        "unit": {"id": unit.unit_id, "name": unit.name, "kind": unit.kind},
        "members": [
            {
                "member_no": m.member_no,
                "name": m.name,
                "branch": names.get(m.branch_id, ""),
                "roles": list(m.roles or ()),
            }
            for m in people
        ],
    }


# --- leave ------------------------------------------------------------------------------------


def ask_leave(caller: Caller, meeting_id: str, reason: Any) -> dict[str, Any]:
    """请假: an invited member, before the meeting starts; again while requested: new reason."""
    meeting, _, row = meeting_access.load_visible(caller, meeting_id, consistent=True)
    if row is None:
        raise ForbiddenError("您不在本次会议的参会名单中")
    text = _text(reason, "请假理由", *REASON, lines=True)
    if meeting.state != "scheduled":
        raise ConflictError("会议已结束或已取消，不能请假")
    if _now() >= datetime.fromisoformat(meeting.starts_at):
        raise ConflictError("会议已开始，不能再请假；请联系会议组织人")
    if row.present:
        raise ConflictError("您已签到，无需请假")
    try:
        row.update(
            actions=[
                Attendance.leave.set("requested"),
                Attendance.leave_reason.set(text),
                Attendance.leave_at.set(clock.now()),
            ],
            condition=(Attendance.leave.does_not_exist() | (Attendance.leave == "requested"))
            & (Attendance.present.does_not_exist() | (Attendance.present == False)),  # noqa: E712
        )
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
        current = meeting_access.attendance(meeting.meeting_id, caller.member_no, consistent=True)
        state = current.leave if current else None
        if state == "approved":
            raise ConflictError("请假已批准，不能再修改") from None
        if state == "refused":
            raise ConflictError("请假申请未获批准；如有变化请联系会议组织人") from None
        raise ConflictError("您已签到，无需请假") from None
    _tell_organiser(meeting, row.name, caller.member_no, text)
    return {"meeting": meeting.meeting_id, "mine": my_row(row)}


def _tell_organiser(meeting: Meeting, name: str, member_no: str, reason: str) -> None:
    """The organiser hears of a request once (its event key names the member, not the reason):
    her retry after a lost reply posts the same row, which is there already."""
    when = when_text(meeting.starts_at, meeting.ends_at)
    body = f"{kind_label(meeting.kind)}：{meeting.topic}\n时间：{when}\n理由：{reason}"
    outbox.post(
        f"meeting:{meeting.meeting_id}:leave:{member_no}:requested",
        "meeting_change",
        [meeting.organiser],
        _fit(f"请假申请：{name}", outbox.TITLE_MAX_BYTES),
        _fit(body, outbox.BODY_MAX_BYTES),
        url=f"/meeting-desk.html?unit={meeting.unit_id}&id={meeting.meeting_id}",
        urgent=False,
        about=member_no,
    )


def decide_leave(
    caller: Caller, meeting_id: str, member_no: str, decision: Any, note: Any
) -> dict[str, Any]:
    """批准 / 驳回 by a manager of the unit; one outcome under parallel decisions."""
    meeting = meeting_access.load_managed(caller, meeting_id, consistent=True)
    if decision not in ("approve", "refuse"):
        raise BadRequestError("decision 须为 approve（批准）或 refuse（驳回）")
    text = (note or "").strip() if isinstance(note, str) or note is None else None
    if text is None or len(text) > REASON[1]:
        raise BadRequestError(f"说明须不超过 {REASON[1]} 字")
    if decision == "refuse" and len(text) < REASON[0]:
        raise BadRequestError("驳回请假须写明理由（至少 2 个字）")
    if meeting.state == "locked":
        raise ConflictError("会议记录已提交锁定，不能再处理请假")
    if meeting.state == "cancelled":
        raise ConflictError("会议已取消，无需处理请假")
    row = (
        meeting_access.attendance(meeting.meeting_id, member_no, consistent=True)
        if is_member_no(member_no)
        else None
    )
    if row is None or row.leave is None:
        raise NotFoundError("该党员没有请假申请")
    outcome = "approved" if decision == "approve" else "refused"
    changed = True
    try:
        row.update(
            actions=[
                Attendance.leave.set(outcome),
                Attendance.leave_decided_by.set(caller.member_no),
                Attendance.leave_decided_at.set(clock.now()),
                Attendance.leave_note.set(text) if text else Attendance.leave_note.remove(),
            ],
            # A lock settling in this moment decided her row: the leave comes too late.
            condition=(Attendance.leave == "requested") & Attendance.absent.does_not_exist(),
        )
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
        row = meeting_access.attendance(meeting.meeting_id, member_no, consistent=True) or row
        if row.absent is not None and row.leave == "requested":
            raise ConflictError("会议记录已提交，请假已无法审批") from None
        if row.leave != outcome:
            label = LEAVE_LABELS.get(row.leave or "", "未请假")
            raise ConflictError(f"该请假申请已处理（{label}）") from None
        changed = False
    _tell_decision(meeting, member_no, outcome, row.leave_note if not changed else text)
    return {"member_no": member_no, "changed": changed, **my_row(row)}


def _tell_decision(meeting: Meeting, member_no: str, outcome: str, note: str | None) -> None:
    ok = outcome == "approved"
    title = "请假已批准" if ok else "请假未获批准"
    when = when_text(meeting.starts_at, meeting.ends_at)
    body = f"{kind_label(meeting.kind)}：{meeting.topic}\n时间：{when}"
    if note:
        body += f"\n说明：{note}"
    if not ok:
        body += "\n请按时参加会议。"
    outbox.post(
        f"meeting:{meeting.meeting_id}:leave:{member_no}:{outcome}",
        "meeting_change",
        [member_no],
        title,
        _fit(body, outbox.BODY_MAX_BYTES),
        url=f"/meetings.html?id={meeting.meeting_id}",
        urgent=False,
    )


# --- cancel -----------------------------------------------------------------------------------


def cancel(caller: Caller, meeting_id: str, reason: Any) -> dict[str, Any]:
    """取消会议 by a manager of the unit, while it is "scheduled" (never once its record is
    locked): one conditional update, so of parallel cancels and a parallel lock one outcome
    stands. Every invited member gets one 会议变更 message (`meeting:<id>:cancel`); a retry of a
    cancel that went through answers 200 `changed: false` and posts it again, so a message lost
    with the reply arrives once."""
    meeting = meeting_access.load_managed(caller, meeting_id, consistent=True)
    text = _text(reason, "取消原因", *REASON, lines=True)
    changed = False
    if meeting.state == "scheduled":
        now = clock.now()
        try:
            meeting.update(
                actions=[
                    Meeting.state.set("cancelled"),
                    Meeting.cancelled_at.set(now),
                    Meeting.cancelled_by.set(caller.member_no),
                    Meeting.cancel_reason.set(text),
                    Meeting.updated_at.set(now),
                ],
                condition=(Meeting.state == "scheduled") & Meeting.locked_at.does_not_exist(),
            )
            changed = True
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
            meeting = meeting_access.load(meeting_id, consistent=True)
    if meeting.state == "locked":
        raise ConflictError("会议记录已提交锁定，不能取消会议")
    if meeting.state != "cancelled":
        raise ConflictError("会议状态已变化，请刷新后重试")
    _tell_cancelled(meeting)
    return {
        "changed": changed,
        "meeting": view(meeting, "manage", None, with_counts=True),
    }


def _tell_cancelled(meeting: Meeting) -> None:
    when = when_text(meeting.starts_at, meeting.ends_at)
    body = f"{meeting.unit_name}\n主题：{meeting.topic}\n原定时间：{when}"
    if meeting.cancel_reason:
        body += f"\n取消原因：{meeting.cancel_reason}"
    outbox.post(
        f"meeting:{meeting.meeting_id}:cancel",
        "meeting_change",
        [r.member_no for r in _rows(meeting.meeting_id, consistent=True)],
        _fit(f"会议取消：{kind_label(meeting.kind)}", outbox.TITLE_MAX_BYTES),
        _fit(body, outbox.BODY_MAX_BYTES),
        url=f"/meetings.html?id={meeting.meeting_id}",
    )


# --- the home page's to-do --------------------------------------------------------------------


def todo(member_no: str) -> dict[str, Any] | None:
    """Her meetings of the next 7 days (and any going on now) she has not checked in to: one
    Query of her index (keys only) and one batch read of those meetings and her rows. None when
    there are none."""
    now = _now()
    found = list(
        Attendance.by_member.query(
            member_no,
            Attendance.member_sort.between(
                iso(now - MAX_LENGTH), iso(now + timedelta(days=TODO_DAYS))
            ),
            limit=TODO_LIMIT,
        )
    )
    if not found:
        return None
    items = _her_meetings(member_no, [r.meeting_id for r in found])
    now_iso = iso(now)
    open_ = [
        i
        for i in items
        if i["ends_at"] >= now_iso
        and i["state"] == "scheduled"
        and not (i["mine"] and (i["mine"]["present"] or i["mine"]["leave"] == "approved"))
    ]
    if not open_:
        return None
    first = open_[0]
    return {
        "count": len(open_),
        "more": len(found) >= TODO_LIMIT,
        "next": {
            "id": first["id"],
            "topic": first["topic"],
            "kind_label": first["kind_label"],
            "when": first["when"],
            "starts_at": first["starts_at"],
            "url": f"/meetings.html?id={first['id']}",
        },
    }

"""Who may see or act on a meeting, through the one scope check (scope.py).

- Staff whose role reaches the meeting's unit read it (`read`) or run it (`manage`: notice,
  leave decisions, the check-in code, attendance corrections, the record).
- An invited member (attendee or guest) sees the meeting, her own attendance and may ask for
  leave and check in.
- A member of the meeting's own branch (the unit is her branch, not a unit above it) sees a
  locked record only when it is marked visible to members; so does an invited member.
Nobody sees a meeting beside or above her; an unknown id and one out of scope answer alike (404),
so nobody learns which meetings exist.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from . import scope
from .errors import ForbiddenError, NotFoundError
from .models import Attendance, Meeting, OrgUnit
from .scope import Access, Caller

MEETING_ID = re.compile(r"^mt_[A-Za-z0-9_-]{8,40}$")
NOT_FOUND = "会议不存在或您无权查看"


def load(meeting_id: str, *, consistent: bool = False) -> Meeting:
    """The meeting, or 404 (also for an id that cannot be one)."""
    if not MEETING_ID.match(meeting_id or ""):
        raise NotFoundError(NOT_FOUND)
    try:
        return Meeting.get(meeting_id, consistent_read=consistent)
    except Meeting.DoesNotExist:
        raise NotFoundError(NOT_FOUND) from None


def staff_access(caller: Caller, meeting: Meeting) -> Access:
    """The caller's role over the meeting's unit (its path as recorded when it was created)."""
    return scope.unit_access(caller, meeting.unit_path)


def attendance(meeting_id: str, member_no: str, *, consistent: bool = False) -> Attendance | None:
    """Her row of the meeting (None: she is not invited)."""
    try:
        return Attendance.get(meeting_id, member_no, consistent_read=consistent)
    except Attendance.DoesNotExist:
        return None


def require_manage(caller: Caller, meeting: Meeting) -> None:
    """Run the meeting: a `manage` role over its unit. Staff who can read it are told why;
    anyone else gets the 404 of a meeting they may not know about."""
    access = staff_access(caller, meeting)
    if access == "manage":
        return
    if access == "read":
        raise ForbiddenError("只有本组织的书记或上级党组织的管理人员可以管理此会议")
    raise NotFoundError(NOT_FOUND)


def load_managed(caller: Caller, meeting_id: str, *, consistent: bool = False) -> Meeting:
    meeting = load(meeting_id, consistent=consistent)
    require_manage(caller, meeting)
    return meeting


def load_visible(
    caller: Caller, meeting_id: str, *, consistent: bool = False
) -> tuple[Meeting, Access, Attendance | None]:
    """The meeting, the caller's staff access to it, and her own row if invited; 404 when she
    is neither staff over it nor invited."""
    meeting = load(meeting_id, consistent=consistent)
    access = staff_access(caller, meeting)
    row = attendance(meeting.meeting_id, caller.member_no, consistent=consistent)
    if access == "none" and row is None:
        raise NotFoundError(NOT_FOUND)
    return meeting, access, row


def readable_branches(caller: Caller, branch_ids: Iterable[str]) -> dict[str, str]:
    """Branch id -> name of those among the rows' branches that the caller's role reads (one
    batch read). A row of a branch outside it (a guest from beside or above) is shown by name
    and role only: inviting someone must not open the registry (branch, 预备党员 status)."""
    wanted = sorted({b for b in branch_ids if b})
    units: list[OrgUnit] = []
    for i in range(0, len(wanted), 100):
        units.extend(OrgUnit.batch_get(wanted[i : i + 100]))
    return {u.unit_id: u.name for u in units if scope.unit_access(caller, u.path) != "none"}


def reads_as_staff(caller: Caller, meeting: Meeting) -> bool:
    """Staff whose role reaches the meeting's unit: they see the record whole (drafts, every
    correction's before and after); anyone else reads only the member-facing view."""
    return staff_access(caller, meeting) != "none"


def may_read_record(caller: Caller, meeting: Meeting, row: Attendance | None) -> bool:
    """The minutes and photos: staff over the unit; once the record is locked and marked
    visible to members, an invited member and a member of that very branch (`caller.path[-1]`)
    — never of a unit above her branch, which she cannot see (`load_visible` is 404 for her)."""
    if reads_as_staff(caller, meeting):
        return True
    if not (meeting.state == "locked" and meeting.visible_to_members):
        return False
    own_branch = bool(caller.path) and meeting.unit_id == caller.path[-1]
    return row is not None or own_branch

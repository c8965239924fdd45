"""Organisation life (三会一课, 主题党日, 组织生活会, 民主评议党员): meetings, who attends them,
each unit's monthly plan (一月一清单) and the month's figures per unit.

- `Meeting`: one meeting of one unit, from its notice to its locked record. Two indexes: a
  unit's meetings over time (`by-unit`), and a month's meetings across the organisation by
  unit path (`by-month`: the monthly check reads one month in one Query; a superior reads her
  subtree's month with a path prefix).
- `Attendance`: one row per meeting and invited member (attendee or guest): leave, check-in,
  corrections. Index `by-member`: her meetings (我的会议, the home page's to-do, her record).
- `PlanItem`: one line of a unit's monthly list: what must be held, who is responsible, by when.
- `UnitMonth`: the month's figures of one unit (held vs required by kind, warnings), written by
  the monthly check; index `by-month` for a superior's subtree in one Query.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from .base import table_meta


class Correction(MapAttribute):
    """A change made after the fact, kept for ever: who, when, why, and what changed."""

    at = NumberAttribute()  # epoch seconds
    by = UnicodeAttribute()  # member number
    reason = UnicodeAttribute()
    field = UnicodeAttribute()  # what was corrected: "minutes", "decisions", "present", ...
    before = UnicodeAttribute(null=True)
    after = UnicodeAttribute(null=True)


class StoredFile(MapAttribute):
    """A photo or attachment uploaded straight to storage (uploads.py) and checked after."""

    key = UnicodeAttribute()  # the object's key in the uploads bucket
    source = UnicodeAttribute(null=True)  # the upload key it was kept from (a fresh name)
    name = UnicodeAttribute()  # the file name she chose, for display
    content_type = UnicodeAttribute()
    size = NumberAttribute()
    sha256 = UnicodeAttribute(null=True)
    by = UnicodeAttribute()
    at = NumberAttribute()


class UnitIndex(GlobalSecondaryIndex["Meeting"]):
    class Meta:
        index_name = "by-unit"
        projection = AllProjection()

    unit_id = UnicodeAttribute(hash_key=True)
    unit_sort = UnicodeAttribute(range_key=True)  # "<starts_at>#<meeting_id>"


class MonthIndex(GlobalSecondaryIndex["Meeting"]):
    class Meta:
        index_name = "by-month"
        projection = AllProjection()

    month = UnicodeAttribute(hash_key=True)  # "YYYY-MM" (Beijing) of starts_at
    tree_sort = UnicodeAttribute(range_key=True)  # "<unit path joined by '/'>/#<starts_at>#<id>"


class Meeting(Model):
    """One meeting of one unit. `state`: "scheduled" (noticed), "cancelled", "locked" (the
    organiser submitted the record; later changes only append `corrections`)."""

    Meta = table_meta("meetings")
    meeting_id = UnicodeAttribute(hash_key=True)
    unit_id = UnicodeAttribute()
    unit_path = ListAttribute(of=UnicodeAttribute)  # root first, ending with unit_id
    unit_name = UnicodeAttribute()
    kind = UnicodeAttribute()  # a key of meeting_kinds.KINDS
    topic = UnicodeAttribute()
    agenda = UnicodeAttribute(null=True)
    starts_at = UnicodeAttribute()  # ISO 8601 with offset, Asia/Shanghai
    ends_at = UnicodeAttribute()
    month = UnicodeAttribute()
    place = UnicodeAttribute(null=True)
    online_url = UnicodeAttribute(null=True)
    organiser = UnicodeAttribute()  # member number of the staff member who created it
    organiser_name = UnicodeAttribute(null=True)  # names as at the notice, for display
    host = UnicodeAttribute(null=True)  # 主持人 (member number)
    host_name = UnicodeAttribute(null=True)
    recorder = UnicodeAttribute(null=True)  # 记录人 (member number)
    recorder_name = UnicodeAttribute(null=True)
    state = UnicodeAttribute(default="scheduled")
    # The record is shown to the unit's members (not only to staff) when set.
    visible_to_members = BooleanAttribute(default=False)
    invited = NumberAttribute(default=0)  # attendees (not guests)
    guests = NumberAttribute(default=0)
    # Secret of the rotating check-in code (checkin_codes.py); never sent to a page.
    checkin_secret = UnicodeAttribute()
    minutes = UnicodeAttribute(null=True)
    decisions = ListAttribute(of=UnicodeAttribute, null=True)
    photos = ListAttribute(of=StoredFile, null=True)
    attachments = ListAttribute(of=StoredFile, null=True)
    locked_at = NumberAttribute(null=True)
    locked_by = UnicodeAttribute(null=True)
    corrections = ListAttribute(of=Correction, null=True)
    # The upload keys `photos` and `attachments` were kept from (kept keys for files attached
    # before kept keys were fresh names; meeting_records.py): the condition that makes
    # attaching the same upload twice add it once.
    file_keys = UnicodeSetAttribute(null=True)
    # When the lock's follow-up writes (absences, points) all went through; a later submit
    # repeats them until it is set.
    settled_at = NumberAttribute(null=True)
    # 取消会议 (meetings.cancel): who, when and why; set with state "cancelled".
    cancelled_at = NumberAttribute(null=True)
    cancelled_by = UnicodeAttribute(null=True)
    cancel_reason = UnicodeAttribute(null=True)
    # The idempotency key of the request that created it (a retried create finds it).
    request_key = UnicodeAttribute(null=True)
    created_at = NumberAttribute()
    updated_at = NumberAttribute()
    unit_sort = UnicodeAttribute()
    tree_sort = UnicodeAttribute()
    by_unit = UnitIndex()
    by_month = MonthIndex()


class MemberIndex(GlobalSecondaryIndex["Attendance"]):
    class Meta:
        index_name = "by-member"
        projection = KeysOnlyProjection()

    member_no = UnicodeAttribute(hash_key=True)
    member_sort = UnicodeAttribute(range_key=True)  # "<starts_at>#<meeting_id>"


class Attendance(Model):
    """One invited member of one meeting.

    `role`: "attendee" (counts toward the unit's attendance) or "guest" (invited from another
    unit). `leave`: None, "requested", "approved" or "refused". `present`: set by her check-in
    or by the organiser's correction; at lock, an attendee neither present nor on approved
    leave is recorded `absent` (unexcused)."""

    Meta = table_meta("meeting-attendance")
    meeting_id = UnicodeAttribute(hash_key=True)
    member_no = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    branch_id = UnicodeAttribute()
    status = UnicodeAttribute()  # full / probationary, at the time of the meeting
    role = UnicodeAttribute(default="attendee")
    leave = UnicodeAttribute(null=True)
    leave_reason = UnicodeAttribute(null=True)
    leave_at = NumberAttribute(null=True)
    leave_decided_by = UnicodeAttribute(null=True)
    leave_decided_at = NumberAttribute(null=True)
    leave_note = UnicodeAttribute(null=True)  # the organiser's reason for refusing
    present = BooleanAttribute(null=True)
    checked_in_at = NumberAttribute(null=True)
    absent = BooleanAttribute(null=True)  # set at lock: not present and no approved leave
    settled = BooleanAttribute(null=True)  # her lock points written (a resumed settle skips her)
    corrections = ListAttribute(of=Correction, null=True)
    member_sort = UnicodeAttribute()
    by_member = MemberIndex()


class TreeMonthIndex(GlobalSecondaryIndex["UnitMonth"]):
    class Meta:
        index_name = "by-month"
        projection = AllProjection()

    month = UnicodeAttribute(hash_key=True)
    tree_sort = UnicodeAttribute(range_key=True)  # "<unit path joined by '/'>/"


class PlanItem(Model):
    """One line of a unit's 一月一清单: a kind of meeting to hold in a month, who is responsible,
    the due date. Generated from the kinds' rules; staff adjust it (`source` "staff")."""

    Meta = table_meta("meeting-plans")
    unit_id = UnicodeAttribute(hash_key=True)
    plan_key = UnicodeAttribute(range_key=True)  # "<YYYY-MM>#<kind>#<n>"
    month = UnicodeAttribute()
    kind = UnicodeAttribute()
    title = UnicodeAttribute()
    required = BooleanAttribute(default=True)
    responsible = UnicodeAttribute(null=True)  # member number
    responsible_name = UnicodeAttribute(null=True)
    due = UnicodeAttribute()  # YYYY-MM-DD
    note = UnicodeAttribute(null=True)
    source = UnicodeAttribute(default="rule")  # rule / staff
    meeting_id = UnicodeAttribute(null=True)  # the meeting that fulfilled it
    removed = BooleanAttribute(default=False)
    updated_by = UnicodeAttribute(null=True)
    updated_at = NumberAttribute(null=True)


class UnitMonth(Model):
    """The month's organisation-life figures of one unit, written by the monthly check."""

    Meta = table_meta("meeting-months")
    unit_id = UnicodeAttribute(hash_key=True)
    month = UnicodeAttribute(range_key=True)  # "YYYY-MM"
    unit_name = UnicodeAttribute()
    unit_kind = UnicodeAttribute()
    unit_path = ListAttribute(of=UnicodeAttribute)
    # kind → {"held": n, "required": n}: what the rules ask of this unit this month, and what
    # it held (meetings whose record is locked, by starts_at in this month).
    by_kind = MapAttribute(default=dict)
    done = BooleanAttribute(default=False)  # every required kind held
    overdue = ListAttribute(of=UnicodeAttribute, default=list)  # kinds past their due date
    warned_at = NumberAttribute(null=True)  # the 主题党日 warning went out
    computed_at = NumberAttribute()
    tree_sort = UnicodeAttribute()
    tree_month = TreeMonthIndex()

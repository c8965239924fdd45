"""志愿服务 (volunteering): activities staff publish, and each member's sign-up to one.

- `VolunteerActivity`: one activity of one unit (who may join: the members of the unit's
  subtree). `taken` counts the sign-ups; it moves only in the same transaction as a sign-up's
  put or delete, conditioned on `taken < places` and on the deadline, so it never passes the
  places. Indexes: a unit's activities (`by-unit`: a member reads the few units of her path),
  and the organisation's by unit path (`by-tree`: staff read their subtree with a path prefix).
- `VolunteerSignup`: one row per activity and member: sign-up, check-in, the hours staff set,
  the hours confirmed (what the points ledger was given) and every later correction. Index
  `by-member`: her activities and her total hours (one Query).
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from .base import table_meta


class ActivityUnitIndex(GlobalSecondaryIndex["VolunteerActivity"]):
    class Meta:
        index_name = "by-unit"
        projection = AllProjection()

    unit_id = UnicodeAttribute(hash_key=True)
    unit_sort = UnicodeAttribute(range_key=True)  # "<starts_at>#<activity_id>"


class ActivityTreeIndex(GlobalSecondaryIndex["VolunteerActivity"]):
    class Meta:
        index_name = "by-tree"
        projection = AllProjection()

    org = UnicodeAttribute(hash_key=True)  # the root unit
    tree_sort = UnicodeAttribute(range_key=True)  # "C1/G1/B1/#<starts_at>#<activity_id>"


class VolunteerActivity(Model):
    """`state`: "open" (published; sign-up until the deadline, check-in in the window),
    "confirmed" (staff confirmed the hours; 奉献分 awarded). Hours are kept in half hours
    (`default_half`: 5 = 2.5 hours), so every figure is an integer."""

    Meta = table_meta("volunteer-activities")
    activity_id = UnicodeAttribute(hash_key=True)
    unit_id = UnicodeAttribute()
    unit_path = ListAttribute(of=UnicodeAttribute)
    unit_name = UnicodeAttribute()
    org = UnicodeAttribute()
    topic = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    place = UnicodeAttribute()
    starts_at = UnicodeAttribute()  # ISO 8601, Asia/Shanghai, to the minute
    ends_at = UnicodeAttribute()
    deadline_at = UnicodeAttribute()  # sign-up and cancel until then
    starts_ts = NumberAttribute()  # epoch seconds of the three above (conditions compare them)
    ends_ts = NumberAttribute()
    deadline_ts = NumberAttribute()
    places = NumberAttribute()
    taken = NumberAttribute(default=0)
    full_only = BooleanAttribute(default=False)  # only 正式党员 may sign up
    default_half = NumberAttribute()  # the hours each participant gets by default, in half hours
    state = UnicodeAttribute(default="open")
    checkin_secret = UnicodeAttribute()
    publisher = UnicodeAttribute()
    publisher_name = UnicodeAttribute(null=True)
    request_key = UnicodeAttribute()
    created_at = NumberAttribute()
    confirmed_at = NumberAttribute(null=True)
    confirmed_by = UnicodeAttribute(null=True)
    unit_sort = UnicodeAttribute()
    tree_sort = UnicodeAttribute()
    by_unit = ActivityUnitIndex()
    by_tree = ActivityTreeIndex()


class HoursCorrection(MapAttribute):
    """A change of confirmed hours, kept for ever (its number keys its points adjustment)."""

    at = NumberAttribute()
    by = UnicodeAttribute()
    before = NumberAttribute()  # half hours
    after = NumberAttribute()


class SignupMemberIndex(GlobalSecondaryIndex["VolunteerSignup"]):
    class Meta:
        index_name = "by-member"
        projection = AllProjection()

    member_no = UnicodeAttribute(hash_key=True)
    member_sort = UnicodeAttribute(range_key=True)  # "<starts_at>#<activity_id>"


class VolunteerSignup(Model):
    Meta = table_meta("volunteer-signups")
    activity_id = UnicodeAttribute(hash_key=True)
    member_no = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    branch_id = UnicodeAttribute()
    signed_at = NumberAttribute()
    checked_in_at = NumberAttribute(null=True)
    hours_half = NumberAttribute(null=True)  # set by staff before confirming; None: the default
    confirmed_half = NumberAttribute(null=True)  # the hours confirmed (and awarded)
    corrections = ListAttribute(of=HoursCorrection, default=list)
    member_sort = UnicodeAttribute()
    by_member = SignupMemberIndex()

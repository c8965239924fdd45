"""党员发展: the people in the recruitment process (not yet members) and their timelines.

- `Recruit`: one person from her application on (入党申请人 → 入党积极分子 → 发展对象 → 预备党员
  → 正式党员), with every step recorded (`records`: date, who, when, note). She is NOT in the
  members table — so in no ranking, board, meeting list or reminder of members — until the
  committee approves her admission: that write creates her `Member` item (status probationary)
  in the same transaction; the conversion later sets it full. Her personal data is read only
  through the one scope check by staff over her branch.
  Index `by-tree`: a unit's subtree in one Query (`root` = the root unit, `tree_sort` = the branch
  path joined by "/" then "/#<person id>"), for the desk's list and the reminders.
  Every write is conditional on `version` (optimistic): two people recording at once, one wins.
"""

from __future__ import annotations

from pynamodb.attributes import (
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from .base import table_meta


class StepRecord(MapAttribute):
    """One recorded step: what, on which day, who recorded it and when, and why."""

    step = UnicodeAttribute()  # a key of recruitment_stages.toml
    on = UnicodeAttribute()  # YYYY-MM-DD (Beijing): the day it happened
    by = UnicodeAttribute()  # member number of the staff member who recorded it
    by_name = UnicodeAttribute(null=True)
    at = NumberAttribute()  # epoch seconds of the recording
    note = UnicodeAttribute(null=True)
    outcome = UnicodeAttribute(null=True)  # full / extend / cancel (转正)
    months = NumberAttribute(null=True)  # the extension, for outcome "extend"
    late = NumberAttribute(null=True)  # days past the latest date, when recorded late
    superseded = NumberAttribute(null=True)  # epoch seconds: an extension reopened this step
    request_key = UnicodeAttribute(null=True)  # the page's request id (a retry is answered alike)


class TreeIndex(GlobalSecondaryIndex["Recruit"]):
    class Meta:
        index_name = "by-tree"
        projection = AllProjection()

    root = UnicodeAttribute(hash_key=True)
    tree_sort = UnicodeAttribute(range_key=True)


class Recruit(Model):
    Meta = table_meta("recruits")
    person_id = UnicodeAttribute(hash_key=True)  # "rp_<random>"
    name = UnicodeAttribute()
    gender = UnicodeAttribute(null=True)
    birth_date = UnicodeAttribute(null=True)  # YYYY-MM-DD
    phone = UnicodeAttribute(null=True)
    branch_id = UnicodeAttribute()
    branch_path = ListAttribute(of=UnicodeAttribute)  # root first, ending with branch_id
    branch_path_kinds = ListAttribute(of=UnicodeAttribute)
    root = UnicodeAttribute()
    tree_sort = UnicodeAttribute()
    stage = UnicodeAttribute()  # a stage key, or "cancelled"
    applied_on = UnicodeAttribute()  # YYYY-MM-DD
    records = ListAttribute(of=StepRecord, default=list)
    extension_months = NumberAttribute(default=0)
    member_no = UnicodeAttribute(null=True)  # her Member item once admitted
    version = NumberAttribute(default=0)
    created_at = NumberAttribute()
    created_by = UnicodeAttribute()
    request_key = UnicodeAttribute(null=True)  # the registration's request id
    by_tree = TreeIndex()

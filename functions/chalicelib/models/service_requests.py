"""诉求: one item per request, holding every step; each step is ONE conditional write of it.

- `ServiceRequest`: the request, its state, `version` (raised by every step: the condition
  that makes two staff acting at once exactly one winner) and its steps (who, when, note).
  Indexes, each read with one Query:
  - `by-member`: her own requests, newest first (`member_no`, `sort`).
  - `queue`: the open requests of the unit they are routed to now (`open_unit`, set while
    waiting/accepted/handling and removed at 办结 or withdrawal: a sparse index), by the due
    time of the current step (`due_sort`), most urgent first. The desk and the overdue reminder.
  - `by-origin`: every request of the unit it was routed to at submission, by submission time
    (`origin_unit`, `sort`), projecting only what the rates read (`RATES_FIELDS`): the four
    rates of a unit and period, one range Query per unit.
  - `answered`: the published answered requests of an organisation (`public_org`, set at 办结
    when the rules publish them), newest first.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

from .base import table_meta


class RequestStep(MapAttribute):
    """One act on a request, kept for ever."""

    act = UnicodeAttribute()  # submit / accept / transfer / handle / close / rate / withdraw
    by = UnicodeAttribute()  # member number
    by_name = UnicodeAttribute(null=True)
    at = NumberAttribute()  # epoch seconds
    note = UnicodeAttribute(null=True)
    unit_id = UnicodeAttribute(null=True)  # the unit acting (transfer: the new unit)
    unit_name = UnicodeAttribute(null=True)


class PhotoFile(MapAttribute):
    key = UnicodeAttribute()
    content_type = UnicodeAttribute()
    size = NumberAttribute()


class MemberIndex(GlobalSecondaryIndex["ServiceRequest"]):
    class Meta:
        index_name = "by-member"
        projection = AllProjection()

    member_no = UnicodeAttribute(hash_key=True)
    sort = UnicodeAttribute(range_key=True)


class QueueIndex(GlobalSecondaryIndex["ServiceRequest"]):
    class Meta:
        index_name = "queue"
        projection = AllProjection()

    open_unit = UnicodeAttribute(hash_key=True)
    due_sort = UnicodeAttribute(range_key=True)


# What the four rates read (service_request_rates.Counts.add), nothing more: a step that changes
# none of these (handle, a retry) writes nothing to this index, and each index item stays small.
RATES_FIELDS = [
    "state",
    "submitted_at",
    "accept_hours",
    "accepted_at",
    "transfers",
    "transferred_at",
    "reaccepted_at",
    "rating",
]


class OriginIndex(GlobalSecondaryIndex["ServiceRequest"]):
    class Meta:
        index_name = "by-origin"
        projection = IncludeProjection(RATES_FIELDS)

    origin_unit = UnicodeAttribute(hash_key=True)
    sort = UnicodeAttribute(range_key=True)


class AnsweredIndex(GlobalSecondaryIndex["ServiceRequest"]):
    class Meta:
        index_name = "answered"
        projection = AllProjection()

    public_org = UnicodeAttribute(hash_key=True)
    closed_sort = UnicodeAttribute(range_key=True)


class ServiceRequest(Model):
    """`state`: "waiting" (等待受理: submitted, or transferred to a new unit), "accepted",
    "handling", "closed" (办结, with an answer), "withdrawn". The limits are copied from the
    rules at submission, so a later change of the file does not rewrite history."""

    Meta = table_meta("service-requests")
    request_id = UnicodeAttribute(hash_key=True)
    member_no = UnicodeAttribute()
    member_name = UnicodeAttribute()
    branch_id = UnicodeAttribute()
    anonymous = BooleanAttribute(default=False)
    category = UnicodeAttribute()
    text = UnicodeAttribute()
    photos = ListAttribute(of=PhotoFile, default=list)
    state = UnicodeAttribute(default="waiting")
    version = NumberAttribute(default=1)
    org = UnicodeAttribute()  # the root unit
    unit_id = UnicodeAttribute()  # routed to now
    unit_path = ListAttribute(of=UnicodeAttribute)
    unit_name = UnicodeAttribute()
    origin_unit = UnicodeAttribute()  # routed to at submission (the rates count it there)
    origin_path = ListAttribute(of=UnicodeAttribute)
    accept_hours = NumberAttribute()
    handle_hours = NumberAttribute()
    submitted_at = NumberAttribute()
    step_at = NumberAttribute()  # when the current step began (its limit counts from here)
    due_at = NumberAttribute(null=True)  # the current step's limit; none once ended
    accepted_at = NumberAttribute(null=True)  # the first 受理
    transfers = NumberAttribute(default=0)
    transferred_at = NumberAttribute(null=True)  # the last 移交
    reaccepted_at = NumberAttribute(null=True)  # the new unit's 受理 after the last 移交
    closed_at = NumberAttribute(null=True)
    answer = UnicodeAttribute(null=True)
    rating = UnicodeAttribute(null=True)  # satisfied / basic / unsatisfied
    rating_note = UnicodeAttribute(null=True)
    rated_at = NumberAttribute(null=True)
    steps = ListAttribute(of=RequestStep, default=list)
    sort = UnicodeAttribute()  # "<submitted ms>#<id>"
    open_unit = UnicodeAttribute(null=True)
    due_sort = UnicodeAttribute(null=True)
    public_org = UnicodeAttribute(null=True)
    closed_sort = UnicodeAttribute(null=True)
    by_member = MemberIndex()
    queue = QueueIndex()
    by_origin = OriginIndex()
    answered = AnsweredIndex()

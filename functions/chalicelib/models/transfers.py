"""组织关系转接: transfers between branches and in from / out to other organisations.

- `Transfer`: one transfer, from its start to its end, with every step (who, when, what). Index
  `by-org`: the organisation's transfers (partition: the root unit of the branch it concerns),
  newest first; a unit's list and the overdue check read that one partition (transfers are a
  few per branch a year).
- `LetterCounter`: the last 介绍信 number of an organisation and year; the letter and the
  counter are written in one transaction conditioned on the number read, so numbers are unique
  and without gaps under parallel creation.
The member being transferred carries the open transfer's id (`Member.transfer_id`): the
condition that keeps her in one transfer at a time.
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


class Step(MapAttribute):
    """One act on a transfer, kept for ever."""

    act = UnicodeAttribute()  # start / approve / refuse / letter / receipt / register / cancel
    by = UnicodeAttribute()  # member number of the staff member
    by_name = UnicodeAttribute(null=True)
    at = NumberAttribute()  # epoch seconds
    note = UnicodeAttribute(null=True)


class OrgIndex(GlobalSecondaryIndex["Transfer"]):
    class Meta:
        index_name = "by-org"
        projection = AllProjection()

    org = UnicodeAttribute(hash_key=True)  # root unit id
    sort = UnicodeAttribute(range_key=True)  # "<started_at ms>#<transfer id>"


class Transfer(Model):
    """`kind`: "internal" (branch to branch), "out" (to another organisation, with a 介绍信),
    "in" (from another organisation). `state`: "pending" (waiting for the receiving branch, the
    receipt of the letter, or the confirmation of an incoming member), "done", "refused",
    "cancelled". `settled_at`: the follow-up writes after the move all went through."""

    Meta = table_meta("transfers")
    transfer_id = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute()
    state = UnicodeAttribute(default="pending")
    member_no = UnicodeAttribute()
    member_name = UnicodeAttribute()
    status = UnicodeAttribute(null=True)  # full / probationary (at the start)
    joined_on = UnicodeAttribute(null=True)
    phone = UnicodeAttribute(null=True)  # an incoming member's, for her activation
    from_unit = UnicodeAttribute(null=True)  # branch (internal, out)
    from_name = UnicodeAttribute(null=True)
    from_path = ListAttribute(of=UnicodeAttribute, default=list)
    to_unit = UnicodeAttribute(null=True)  # branch (internal, in)
    to_name = UnicodeAttribute(null=True)
    to_path = ListAttribute(of=UnicodeAttribute, default=list)
    other_org = UnicodeAttribute(null=True)  # the other organisation (out, in)
    letter_no = UnicodeAttribute(null=True)  # ours (out) or the one received (in)
    letter_year = NumberAttribute(null=True)
    letter_seq = NumberAttribute(null=True)
    reason = UnicodeAttribute()
    steps = ListAttribute(of=Step, default=list)
    started_at = NumberAttribute()
    started_by = UnicodeAttribute()
    ended_at = NumberAttribute(null=True)
    settled_at = NumberAttribute(null=True)
    org = UnicodeAttribute()
    sort = UnicodeAttribute()
    by_org = OrgIndex()


class LetterCounter(Model):
    """The last 介绍信 number issued by an organisation in a year."""

    Meta = table_meta("transfer-letters")
    org = UnicodeAttribute(hash_key=True)
    year = NumberAttribute(range_key=True)
    seq = NumberAttribute(default=0)

"""党费收缴: each month's expected dues per member, the payments recorded, the arrears.

- `DuesMonth`: one member's month — what was expected (the amount in force that month, from
  `dues_assessment.in_force`; None: 未核定) and what was paid against it, with her branch as it
  was that month (`branch_id`, `tree_key`): a unit's past figures never change when she moves.
  Index `by-month` (month → "C1/G1/B1/#member_no") serves a unit's month list and the figures
  of its subtree with one Query each (begins_with of the unit's path), never a Scan.
- `DuesPayment`: one payment, keyed by its reference (the bank's / finance's 流水号, or one made
  from the staff's request key for cash), so a payment is recorded once however often it is
  sent or imported. Its `allocations` (month → fen) were applied to the month rows in the same
  transaction that created it. Index `by-member` lists her payments.
- `DuesRun`: the "month opened" marker of the scheduled step (one read an hour once done).
Money is integer fen everywhere.
"""

from __future__ import annotations

from pynamodb.attributes import (
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

from .base import table_meta


class MonthIndex(GlobalSecondaryIndex["DuesMonth"]):
    class Meta:
        index_name = "by-month"
        projection = IncludeProjection(["name", "branch_id", "expected_fen", "paid_fen"])

    month = UnicodeAttribute(hash_key=True)
    tree_key = UnicodeAttribute(range_key=True)


class DuesMonth(Model):
    Meta = table_meta("dues-months")
    member_no = UnicodeAttribute(hash_key=True)
    month = UnicodeAttribute(range_key=True)  # "YYYY-MM"
    name = UnicodeAttribute()
    branch_id = UnicodeAttribute()  # her branch that month
    tree_key = UnicodeAttribute()  # "/".join(branch path) + "/#" + member_no
    expected_fen = NumberAttribute(null=True)  # None: 未核定 (no assessment in force)
    assessed_from = UnicodeAttribute(null=True)  # the assessment's effective_from
    paid_fen = NumberAttribute(default=0)
    refs = UnicodeSetAttribute(null=True)  # the payments applied to this month
    opened_at = NumberAttribute()
    reminded_on = UnicodeAttribute(null=True)  # "YYYY-MM-DD": the month's 温馨提示, once
    by_month = MonthIndex()


class MemberPaymentIndex(GlobalSecondaryIndex["DuesPayment"]):
    class Meta:
        index_name = "by-member"
        projection = AllProjection()

    member_no = UnicodeAttribute(hash_key=True)
    recorded_at = NumberAttribute(range_key=True)


class DuesPayment(Model):
    Meta = table_meta("dues-payments")
    ref = UnicodeAttribute(hash_key=True)  # "bank:<流水号>" / "cash:<hash of staff + key>"
    member_no = UnicodeAttribute()
    name = UnicodeAttribute()
    amount_fen = NumberAttribute()
    paid_on = UnicodeAttribute()  # "YYYY-MM-DD"
    method = UnicodeAttribute()  # "bank" / "cash"
    source = UnicodeAttribute()  # "<file>:<row>" of an import, or "desk"
    recorded_at = NumberAttribute()
    recorded_by = UnicodeAttribute()  # staff member number, or "import"
    note = UnicodeAttribute(null=True)
    allocations = MapAttribute(default=dict)  # month → fen applied
    state = UnicodeAttribute(default="applied")  # "applied" / "reversed"
    reversed_at = NumberAttribute(null=True)
    reversed_by = UnicodeAttribute(null=True)
    reverse_reason = UnicodeAttribute(null=True)
    by_member = MemberPaymentIndex()


class DuesRun(Model):
    Meta = table_meta("dues-runs")
    month = UnicodeAttribute(hash_key=True)
    finished_at = NumberAttribute()
    opened = NumberAttribute(default=0)

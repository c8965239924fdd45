"""党费核定: each member's monthly dues as assessed, with the history kept.

- `DuesAssessment`: one assessment of one member, in force from a month (`effective_from`,
  "YYYY-MM") until the next one. The yearly recalculation and a change of base each add an
  item; none is ever overwritten, so every month's amount can be explained afterwards. The
  base (税后月工资收入 / 基本离退休费) is personal: it is read only through the one scope
  check by the member herself and her branch's staff (`dues_assessment.py`).

The amount in force for a month is the item with the greatest `effective_from` ≤ that month:
one Query (key condition ≤, newest first, limit 1).
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from .base import table_meta


class DuesAssessment(Model):
    Meta = table_meta("dues-assessments")
    member_no = UnicodeAttribute(hash_key=True)
    effective_from = UnicodeAttribute(range_key=True)  # "YYYY-MM"
    # The category of the 2008 regulation that applies (a key of dues_rules.toml).
    category = UnicodeAttribute()
    base_fen = NumberAttribute(null=True)  # the monthly base in fen; None for a fixed amount
    amount_fen = NumberAttribute()  # the monthly dues in fen
    # How the amount was found, for the member's screen: the bracket's label and its rate.
    bracket = UnicodeAttribute()
    rate = UnicodeAttribute(null=True)  # "0.5%"; None for a fixed amount
    rules_digest = UnicodeAttribute()  # which brackets file computed it
    reason = UnicodeAttribute()  # "yearly" / "base_change" / "rules_change" / "first"
    branch_id = UnicodeAttribute()  # her branch when assessed
    source = UnicodeAttribute(null=True)  # "<file>:<row>" of the finance import
    assessed_at = NumberAttribute()  # epoch seconds
    assessed_by = UnicodeAttribute()  # member number, or "import"

"""党费核定: each member's monthly dues as assessed, with the history kept.

- `DuesAssessment`: one assessment of one member, in force from a month (`effective_from`,
  "YYYY-MM") until the next one. The yearly recalculation and a change of base each add an
  item; none is ever overwritten, so every month's amount can be explained afterwards. The
  base (税后月工资收入 / 离退休费总额) is personal: it is read only through the one scope
  check by the member herself and her branch's staff (`dues_assessment.py`).

A correction of a month already assessed (a wrong base, found later) is the one change made
in place, and only with an explicit reason (`reason = "correction"`, `note` saying why): the
version it replaces is kept in `replaced`, so nothing once shown is lost.

The amount in force for a month is the item with the greatest `effective_from` ≤ that month:
one Query (key condition ≤, newest first, limit 1).
"""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from .base import table_meta


class Replaced(MapAttribute):
    """An earlier version of a corrected assessment, as it was."""

    category = UnicodeAttribute()
    base_fen = NumberAttribute(null=True)
    amount_fen = NumberAttribute()
    bracket = UnicodeAttribute()
    rate = UnicodeAttribute(null=True)
    reason = UnicodeAttribute()
    note = UnicodeAttribute(null=True)
    source = UnicodeAttribute(null=True)
    assessed_at = NumberAttribute()
    assessed_by = UnicodeAttribute()


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
    # "first" / "base_change" / "yearly" / "rules_change" / "correction" (dues_assessment.REASONS)
    reason = UnicodeAttribute()
    note = UnicodeAttribute(null=True)  # why a correction was made (required for one)
    branch_id = UnicodeAttribute()  # her branch when assessed
    source = UnicodeAttribute(null=True)  # "<file>:<row>" of the finance import
    assessed_at = NumberAttribute()  # epoch seconds
    assessed_by = UnicodeAttribute()  # member number, or "import"
    replaced = ListAttribute(of=Replaced, null=True)  # earlier versions of this month, oldest first

"""The 党务工作台's precomputed figures (`console_job` writes them, `console` reads them).

One item per unit and view, its figures as zlib-compressed JSON, so a dashboard is one
BatchGetItem of two items however many members the unit holds:

- (unit, "now"): the unit's current figures (members, active this week / month, data quality,
  pending work counted by the job), its structure bands, its path's names (the breadcrumb), its
  direct children with the same, and for a branch its roster;
- (unit, "2026#month") (and #week, #quarter, #year): every period of that kind of the year: the
  unit's figures, each direct child's, and for a branch each member's row;
- (unit, "quality"): the unit's data-quality problems (a bounded list);
- ("#digests", "<shard>"): the digest of every item, so the job rewrites only what changed
  without reading the items back.
"""

from __future__ import annotations

from pynamodb.attributes import BinaryAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from .base import table_meta


class ConsoleFigure(Model):
    Meta = table_meta("console-figures")
    unit_id = UnicodeAttribute(hash_key=True)
    view = UnicodeAttribute(range_key=True)
    data = BinaryAttribute(legacy_encoding=False)  # zlib-compressed JSON
    digest = UnicodeAttribute()
    computed_at = NumberAttribute()

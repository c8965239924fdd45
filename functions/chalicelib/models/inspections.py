"""季度检查 and its 通报: one table, one partition per inspection.

- `part = "head"`: the inspection (who opened it for which units and quarter, the checklist as
  it was then, its state: "open" → "published", the 通报's summary once published).
- `part = "unit#<unit id>"`: one inspected unit, its scores in `cells` (item key → {s: tenths,
  c: comment, v: version, by, bn, at}). A score is ONE conditional update of that map entry: on
  the cell's own version (two inspectors at the same cell: one wins) and on the unit not being
  published (`published_at` absent: publishing locks it). `rev` rises with every score, so the
  publish transaction, which writes every unit's total, fails when a score landed after it read
  them. The grid of an inspection is one Query of its partition.

Indexes (each read with one Query):
- `by-owner`: the inspections a unit opened (`owner_unit`, set on heads only), by quarter.
- `by-unit`: the published 通报 naming a unit (`bulletin_unit`, set on a unit's row when
  published: sparse), newest first — what the unit's staff and members list.
"""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

from .base import table_meta

LIST_FIELDS = ["quarter", "title", "owner_name", "state", "published_at", "unit_count"]


class OwnerIndex(GlobalSecondaryIndex["Inspection"]):
    class Meta:
        index_name = "by-owner"
        projection = IncludeProjection([*LIST_FIELDS, "created_at"])

    owner_unit = UnicodeAttribute(hash_key=True)
    sort = UnicodeAttribute(range_key=True)


class BulletinIndex(GlobalSecondaryIndex["Inspection"]):
    class Meta:
        index_name = "by-unit"
        projection = IncludeProjection(
            [*LIST_FIELDS, "unit_id", "unit_name", "total", "rank", "grade"]
        )

    bulletin_unit = UnicodeAttribute(hash_key=True)
    bulletin_sort = UnicodeAttribute(range_key=True)


class Inspection(Model):
    Meta = table_meta("inspections")
    inspection_id = UnicodeAttribute(hash_key=True)
    part = UnicodeAttribute(range_key=True)  # "head" | "unit#<unit id>"
    quarter = UnicodeAttribute()  # YYYY-Qn
    title = UnicodeAttribute()
    owner_name = UnicodeAttribute()
    state = UnicodeAttribute(default="open")  # open / published
    unit_count = NumberAttribute(default=0)
    published_at = NumberAttribute(null=True)
    # head
    owner_unit = UnicodeAttribute(null=True)
    owner_path = ListAttribute(of=UnicodeAttribute, null=True)
    sort = UnicodeAttribute(null=True)  # "<quarter>#<created ms>"
    checklist = UnicodeAttribute(null=True)  # JSON: the checklist as it was when opened
    unit_ids = ListAttribute(of=UnicodeAttribute, null=True)  # in the grid's order
    created_by = UnicodeAttribute(null=True)
    created_by_name = UnicodeAttribute(null=True)
    created_at = NumberAttribute(null=True)
    published_by = UnicodeAttribute(null=True)
    published_by_name = UnicodeAttribute(null=True)
    summary = UnicodeAttribute(null=True)
    request_key = UnicodeAttribute(null=True)
    # a unit's row
    unit_id = UnicodeAttribute(null=True)
    unit_name = UnicodeAttribute(null=True)
    unit_path = ListAttribute(of=UnicodeAttribute, null=True)
    cells = MapAttribute(null=True)  # item key → {s, c, v, by, bn, at}
    rev = NumberAttribute(default=0)
    total = NumberAttribute(null=True)  # tenths, once published
    rank = NumberAttribute(null=True)
    grade = UnicodeAttribute(null=True)
    bulletin_unit = UnicodeAttribute(null=True)
    bulletin_sort = UnicodeAttribute(null=True)
    by_owner = OwnerIndex()
    by_unit = BulletinIndex()

"""考核评价 (assessment): the nightly job's precomputed scores, and the yearly 民主评议 grades.

- `AssessmentItem`: what the job (`assessment_job.py`) wrote for one period ("m2026-11" or
  "y2026"), read by the console with one Query: `part` "branches#<period>" (one item per
  branch, `tree` its path "C01/G01/B0101/": a subtree is a `begins_with`), "members#<period>"
  (a branch's members with their measures and scores, same `tree`), "org#<period>" (tree "#":
  the ranking within each 党委, 红黑榜, bottom positions and 约谈 flags). Rewritten only when its
  `digest` changes.
- `AssessmentGrade`: one member's 民主评议 grade of one year (key: year and member, so one grade
  per member and year whichever branch enters it), written with a condition that none exists.
  Index `by-tree` (year → "C01/G01/B0101/#member_no", the branch at entry) is kept, but the
  views read grades by member number (BatchGet) so a member who moved is read where she is.
"""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from .base import table_meta


class AssessmentItem(Model):
    Meta = table_meta("assessment")
    part = UnicodeAttribute(hash_key=True)  # "branches#m2026-11", "members#y2026", "org#m2026-11"
    tree = UnicodeAttribute(range_key=True)  # "C01/G01/B0101/" or "#"
    data = JSONAttribute()
    digest = UnicodeAttribute()
    computed_at = NumberAttribute()


class GradeTreeIndex(GlobalSecondaryIndex["AssessmentGrade"]):
    class Meta:
        index_name = "by-tree"
        projection = AllProjection()

    year = UnicodeAttribute(hash_key=True)
    tree_key = UnicodeAttribute(range_key=True)  # "C01/G01/B0101/#10000009"


class AssessmentGrade(Model):
    Meta = table_meta("assessment-grades")
    year = UnicodeAttribute(hash_key=True)  # "2026"
    member_no = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    branch_id = UnicodeAttribute()
    tree_key = UnicodeAttribute()
    grade = UnicodeAttribute()  # excellent / qualified / basic / unqualified
    reason = UnicodeAttribute(null=True)
    entered_by = UnicodeAttribute()
    entered_at = NumberAttribute()
    request_key = UnicodeAttribute()
    by_tree = GradeTreeIndex()

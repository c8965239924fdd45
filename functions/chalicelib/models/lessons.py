"""微党课: each member's progress on each lesson, and the lessons a unit asked its members to watch.

The lesson itself is a catalog item (`CatalogItem.kind == "lesson"`), and "watched" is a read mark
(`ReadMark.item == "lesson#<slug>"`) like any other item, so progress pages and points work alike.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BinaryAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from .base import table_meta


class RecentIndex(GlobalSecondaryIndex["WatchProgress"]):
    class Meta:
        index_name = "by-recent"
        projection = AllProjection()

    member_no = UnicodeAttribute(hash_key=True)
    updated = NumberAttribute(range_key=True)


class WatchProgress(Model):
    """One member's progress on one lesson, written with the heartbeat that moved it (in one
    transaction with her reading state, so a retried beat never applies twice).

    `position`: where she left off (seconds into the media; resume on any device). `covered`: a
    bitmap of the lesson's SEGMENT_SECONDS segments she has played, `covered_seconds` its length.
    `seconds`: wall-clock seconds credited on this lesson. `updated`: the last beat (epoch
    seconds), the order of "continue watching"."""

    Meta = table_meta("watch-progress")
    member_no = UnicodeAttribute(hash_key=True)
    slug = UnicodeAttribute(range_key=True)
    position = NumberAttribute(default=0)
    duration = NumberAttribute()
    covered = BinaryAttribute(null=True, legacy_encoding=False)
    covered_seconds = NumberAttribute(default=0)
    seconds = NumberAttribute(default=0)
    watched_on = UnicodeAttribute(null=True)  # YYYY-MM-DD (Asia/Shanghai) it became watched
    updated = NumberAttribute()
    by_recent = RecentIndex()


class LessonAssignment(Model):
    """A unit asked its members (and those of the units below it) to watch a lesson by a day."""

    Meta = table_meta("lesson-assignments")
    unit_id = UnicodeAttribute(hash_key=True)
    slug = UnicodeAttribute(range_key=True)
    unit_path = ListAttribute(of=UnicodeAttribute)  # root first, the unit itself last
    title = UnicodeAttribute()  # the lesson's title when assigned
    due_on = UnicodeAttribute()  # YYYY-MM-DD
    note = UnicodeAttribute(null=True)  # the staff's words to the members
    assigned_by = UnicodeAttribute()  # staff member number
    assigned_at = UnicodeAttribute()  # ISO 8601
    # The staff side (chalicelib/lesson_assignments.py): the unit's name (re-pathed with the
    # unit, unit_paths.py), a revision every change bumps (writes are conditional on the one
    # read), and the outbox event of the message the members got for the current due day:
    # `notice_key` is set with the write that needs a message, `notified` once every member's
    # message is posted, so a retry after a failure between the two posts what is missing and a
    # retry after success posts nothing.
    unit_name = UnicodeAttribute(null=True)
    rev = NumberAttribute(default=1)
    notice_key = UnicodeAttribute(null=True)
    notified = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute(null=True)  # ISO 8601, the last change of due day or note
    updated_by = UnicodeAttribute(null=True)  # staff member number

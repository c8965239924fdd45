"""Reading: the catalog of published items, each member's reading state, read marks."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.models import Model

from .base import table_meta


class CatalogItem(Model):
    """A published, readable item, loaded from the site build's catalog.json by
    `tools/publish_catalog.py`: the server caps credit and decides "read" from it."""

    Meta = table_meta("catalog")
    slug = UnicodeAttribute(hash_key=True)
    title = UnicodeAttribute()
    url = UnicodeAttribute()
    category = UnicodeAttribute()
    kind = UnicodeAttribute()  # "article", "constitution" or "lesson"
    series_day = NumberAttribute(null=True)  # Day: N of a constitution installment
    reading_minutes = NumberAttribute()
    chars = NumberAttribute()  # Han characters + words of other scripts
    published = BooleanAttribute(default=True)  # False once it left the site
    # Lessons (微党课) only: the media (`<sha256>.<ext>`, lesson_rules.MEDIA_NAME), "video" or
    # "audio", its duration in seconds, the speaker and the lesson series.
    media = UnicodeAttribute(null=True)
    media_kind = UnicodeAttribute(null=True)
    duration = NumberAttribute(null=True)
    speaker = UnicodeAttribute(null=True)
    lesson_series = UnicodeAttribute(null=True)


class ReadingState(Model):
    """One member's reading: her credited-time line and her recent page views, in one item, so a
    heartbeat is one read and one conditional write.

    `until`: the end of the member's credited time (server clock). Credit is laid on this one line
    across every view, tab and device, so the seconds credited to a member can never exceed the
    time that actually passed. `views`: view id → {"s": slug, "f": first seen, "c": seconds
    credited, "h": the highest heartbeat number applied with none missing below it, "q": the few
    applied above a gap, "t": last beat, "r": when it became read}. `version` orders the writes.
    """

    Meta = table_meta("reading-state")
    member_no = UnicodeAttribute(hash_key=True)
    until = NumberAttribute(null=True)
    views = MapAttribute(null=True)
    version = NumberAttribute(null=True)
    # Lessons' watching time today (for the daily watching-time points): the day (YYYY-MM-DD,
    # Asia/Shanghai) and the wall-clock seconds credited on lessons that day.
    watch_day = UnicodeAttribute(null=True)
    watch_seconds = NumberAttribute(null=True)


class ReadMark(Model):
    """A member has read an item (credited time reached its minimum), once per item."""

    Meta = table_meta("read-marks")
    member_no = UnicodeAttribute(hash_key=True)
    item = UnicodeAttribute(range_key=True)  # "<kind>#<slug>": a Query per kind gives progress
    series_day = NumberAttribute(null=True)
    read_on = UnicodeAttribute()  # YYYY-MM-DD, Asia/Shanghai

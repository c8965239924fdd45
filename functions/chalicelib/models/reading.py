"""Reading: the catalog of published items, page views with their credited time, read marks."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    NumberSetAttribute,
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
    kind = UnicodeAttribute()  # "article" or "constitution"
    series_day = NumberAttribute(null=True)  # Day: N of a constitution installment
    reading_minutes = NumberAttribute()
    chars = NumberAttribute()  # Han characters + words of other scripts
    published = BooleanAttribute(default=True)  # False once it left the site


class ReadingView(Model):
    """One page view (client-generated id): the heartbeats it sent and the seconds credited."""

    Meta = table_meta("reading-views")
    view_id = UnicodeAttribute(hash_key=True)
    member_no = UnicodeAttribute()
    slug = UnicodeAttribute()
    credited = NumberAttribute(default=0)  # seconds, at most the item's cap
    seqs = NumberSetAttribute(null=True)  # heartbeat sequence numbers already applied
    started_at = NumberAttribute()
    updated_at = NumberAttribute()
    read_at = NumberAttribute(null=True)  # when credited reached the item's minimum


class ReadMark(Model):
    """A member has read an item (credited time reached its minimum), once per item."""

    Meta = table_meta("read-marks")
    member_no = UnicodeAttribute(hash_key=True)
    item = UnicodeAttribute(range_key=True)  # "<kind>#<slug>": a Query per kind gives progress
    series_day = NumberAttribute(null=True)
    read_on = UnicodeAttribute()  # YYYY-MM-DD, Asia/Shanghai

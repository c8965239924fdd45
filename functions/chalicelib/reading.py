"""Reading logs: the article page's heartbeats credit engaged seconds to a page view.

A page view has an id made on the phone; each heartbeat carries (view id, sequence number), the
idempotency key. One conditional UpdateItem applies a heartbeat: it adds the seconds and the
sequence number to the view only if that number is not in the view yet and the view stays within
its cap, so a replayed or duplicated heartbeat changes nothing and the order of arrival does not
matter. When the view's credited time reaches the item's minimum, the item is read: the member
gets `article_read` (or `constitution_read`) through `points.award` — once, whatever the number
of views — and a read mark for progress pages.

What the server trusts: a heartbeat credits at most HEARTBEAT_MAX_CREDIT seconds, a view at most
twice the item's estimated reading time. It does not compare credit with wall-clock time, because
heartbeats queued offline arrive late and together, and they must still count.
"""

from __future__ import annotations

import time
from typing import Any

from pynamodb.exceptions import PutError, UpdateError

from . import clock, points
from .errors import ConflictError, NotFoundError
from .models import CatalogItem, ReadingView, ReadMark
from .review import SLUG_RE

HEARTBEAT_MAX_CREDIT = 20  # seconds; the page sends about 15 s per heartbeat
UNITS_PER_MINUTE = 400  # as plugins/reading_time: Han characters (or other words) a minute
MIN_READ_SECONDS = 10
MAX_READ_SECONDS = 300
SERIES = {"constitution"}
_CACHE_SECONDS = 300.0
_cache: dict[str, tuple[float, CatalogItem | None]] = {}


def estimated_seconds(item: CatalogItem) -> int:
    """Reading time estimated from the item's length (at least 20 s)."""
    return max(20, round(int(item.chars) * 60 / UNITS_PER_MINUTE))


def view_cap(item: CatalogItem) -> int:
    """The most one page view can be credited: twice the estimated reading time."""
    return 2 * estimated_seconds(item)


def min_seconds(item: CatalogItem) -> int:
    """Credited seconds that make an item read: half the estimate, within [10 s, 5 min]."""
    return max(MIN_READ_SECONDS, min(MAX_READ_SECONDS, estimated_seconds(item) // 2))


def catalog_item(slug: str) -> CatalogItem:
    """A published item; cached in the warm function for a few minutes (the catalog changes
    only with a site publish)."""
    if not SLUG_RE.match(slug):  # "" or junk would reach DynamoDB as an invalid key
        raise NotFoundError("文章不存在或尚未发布")
    now = time.monotonic()
    hit = _cache.get(slug)
    if hit is None or now - hit[0] > _CACHE_SECONDS:
        try:
            item: CatalogItem | None = CatalogItem.get(slug)
        except CatalogItem.DoesNotExist:
            item = None
        hit = (now, item)
        if item is not None:
            _cache[slug] = hit
    item = hit[1]
    if item is None or not item.published:
        raise NotFoundError("文章不存在或尚未发布")
    return item


def _condition_failed(exc: PutError | UpdateError) -> bool:
    return getattr(exc, "cause_response_code", "") == "ConditionalCheckFailedException"


def _apply(
    member_no: str, view_id: str, seq: int, slug: str, credit: int, cap: int
) -> ReadingView | None:
    """Add `credit` seconds and `seq` to the view: the view as updated (UpdateItem returns it,
    so no read follows), or None if the condition failed."""
    now = clock.now()
    view = ReadingView(view_id)
    mine = (ReadingView.member_no == member_no) & (ReadingView.slug == slug)
    try:
        view.update(
            actions=[
                ReadingView.member_no.set(member_no),
                ReadingView.slug.set(slug),
                ReadingView.started_at.set(ReadingView.started_at | now),
                ReadingView.updated_at.set(now),
                ReadingView.credited.add(credit),
                ReadingView.seqs.add({seq}),
            ],
            condition=ReadingView.view_id.does_not_exist()
            | (mine & ~ReadingView.seqs.contains(seq) & (ReadingView.credited <= cap - credit)),
        )
    except UpdateError as exc:
        if _condition_failed(exc):
            return None
        raise
    return view


def heartbeat(member_no: str, view_id: str, seq: int, slug: str, seconds: int) -> dict[str, Any]:
    """Apply one heartbeat (idempotent on view_id + seq); mark the item read when it is due."""
    item = catalog_item(slug)
    cap, need = view_cap(item), min_seconds(item)
    credit = min(seconds, HEARTBEAT_MAX_CREDIT, cap)
    replay = False
    view = None
    for _ in range(5):
        view = _apply(member_no, view_id, seq, slug, credit, cap)
        if view is not None:
            break
        view = ReadingView.get(view_id, consistent_read=True)
        if view.member_no != member_no or view.slug != slug:
            raise ConflictError("阅读记录编号(view_id)已被使用,请刷新页面")
        if seq in (view.seqs or set()):
            replay = True
            break
        left = cap - int(view.credited or 0)
        if left <= 0:
            break  # the view is at its cap: nothing more to credit
        credit = min(credit, left)
    if view is None:
        view = ReadingView.get(view_id, consistent_read=True)
    credited = int(view.credited or 0)
    awarded = None
    if credited >= need and view.read_at is None:
        awarded = complete(member_no, item, view)
    return {
        "credited": credited,
        "required": need,
        "cap": cap,
        "read": credited >= need,
        "replay": replay,
        "award": {"rule": awarded.rule, "points": awarded.amount} if awarded else None,
    }


def complete(member_no: str, item: CatalogItem, view: ReadingView) -> points.Award | None:
    """The item is read in this view: award once (the ledger key is per item), mark it, and
    close the view. Each step is idempotent, so a crash between them is repaired by a retry."""
    rule = "constitution_read" if item.kind == "constitution" else "article_read"
    awarded = points.award(member_no, rule, item.slug)
    try:
        ReadMark(
            member_no,
            f"{item.kind}#{item.slug}",
            series_day=item.series_day,
            read_on=clock.today().isoformat(),
        ).save(condition=ReadMark.item.does_not_exist())
    except PutError as exc:
        if not _condition_failed(exc):
            raise  # otherwise: read before, in an earlier view
    try:
        view.update(
            actions=[ReadingView.read_at.set(clock.now())],
            condition=ReadingView.read_at.does_not_exist(),
        )
    except UpdateError as exc:
        if not _condition_failed(exc):
            raise  # otherwise: a parallel heartbeat closed it
    return awarded


def progress(member_no: str, series: str) -> dict[str, Any]:
    """Which installments of a series the member has read (one Query of her read marks)."""
    marks = list(ReadMark.query(member_no, ReadMark.item.startswith(f"{series}#")))
    days = sorted(int(m.series_day) for m in marks if m.series_day is not None)
    return {
        "series": series,
        "days": days,
        "slugs": sorted(m.item.split("#", 1)[1] for m in marks),
        "count": len(marks),
    }

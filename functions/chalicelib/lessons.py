"""A member's own progress on 微党课 lessons: one lesson (resume on any device) and her recent
lessons (the home page's 「继续观看」, 我的党建). The progress itself is written by the heartbeat
(reading.py + watching.py); this module only reads it back."""

from __future__ import annotations

from typing import Any

from . import reading, watching
from .errors import BadRequestError, NotFoundError
from .models import CatalogItem, ReadMark
from .models.lessons import WatchProgress

STATES = ("in_progress", "watched", "all")
DEFAULT_LIMIT = 20
MAX_LIMIT = 50
# The most progress items one /lessons/mine reads (newest first) before filtering by state: a
# bounded request whatever her history; older lessons beyond it are not listed.
MAX_READ = 200


def lesson(slug: str) -> CatalogItem:
    """A published lesson (404 for anything else, a lesson without a duration included)."""
    try:
        item = reading.catalog_item(slug)
    except NotFoundError:
        raise NotFoundError("微党课不存在或尚未发布") from None
    watching.duration(item)
    return item


def progress(member_no: str, slug: str) -> dict[str, Any]:
    """Her progress on one lesson; zeros when she never watched it (one read of the progress)."""
    item = lesson(slug)
    return {"slug": slug, **watching.summary(item, watching.progress_of(member_no, slug))}


def _limit(text: str | None) -> int:
    if text is None or text == "":
        return DEFAULT_LIMIT
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_LIMIT:
        raise BadRequestError(f"条数（limit）须为 1 到 {MAX_LIMIT} 的整数")
    return int(text)


def _wanted(row: WatchProgress, state: str) -> bool:
    if state == "watched":
        return bool(row.watched_on)
    if state == "in_progress":
        return not row.watched_on
    return True


def mine(member_no: str, limit: str | None = None, state: str | None = None) -> dict[str, Any]:
    """Her lessons, the last watched first (the by-recent index): at most `limit`, filtered by
    state; lessons no longer published are left out. One Query, one BatchGet, one count."""
    size = _limit(limit)
    state = state or "all"
    if state not in STATES:
        raise BadRequestError("状态（state）须为 in_progress、watched 或 all")
    rows: list[WatchProgress] = []
    for row in WatchProgress.by_recent.query(
        member_no, scan_index_forward=False, limit=MAX_READ, page_size=100
    ):
        if _wanted(row, state):
            rows.append(row)
            if len(rows) >= size:
                break
    items = {i.slug: i for i in CatalogItem.batch_get([r.slug for r in rows])} if rows else {}
    out = []
    for row in rows:
        item = items.get(row.slug)
        if item is None or not item.published or item.kind != watching.KIND or not item.duration:
            continue
        out.append(
            {
                "slug": row.slug,
                "title": item.title,
                "url": item.url,
                "media_kind": item.media_kind,
                **watching.summary(item, row),
                "watched_on": row.watched_on,
                "updated": int(row.updated),
            }
        )
    watched = ReadMark.count(member_no, ReadMark.item.startswith(f"{watching.KIND}#"))
    return {"lessons": out, "watched_count": watched}

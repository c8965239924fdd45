"""A published lesson (微党课) in the catalog, as tools/publish_catalog.py would write it."""

from __future__ import annotations

from chalicelib import reading
from chalicelib.models import CatalogItem

DEMO_MEDIA = "ef5d0215" + "0" * 51 + "f018a"  # a well-formed name; the bytes are not needed


def make_lesson(slug: str, duration: int = 600, media_kind: str = "video") -> CatalogItem:
    item = CatalogItem(
        slug,
        title=f"党课 {slug}",
        url=f"/lessons/{slug}.html",
        category="微党课",
        kind="lesson",
        reading_minutes=max(1, duration // 60),
        chars=200,
        published=True,
        media=f"{DEMO_MEDIA}.{'mp4' if media_kind == 'video' else 'm4a'}",
        media_kind=media_kind,
        duration=duration,
        speaker="张明",
        lesson_series="支部书记讲党课",
    )
    item.save()
    reading._cache.pop(slug, None)  # this process's warm catalog cache must see the new item
    return item

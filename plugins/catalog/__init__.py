"""Write `catalog.json`: every published article, for the server to cap reading credit and decide
"read" (`tools/publish_catalog.py` loads it into the catalog table).

One entry per published article (drafts and future-dated articles are not in the generator's list):
slug, title, url, category, kind ("constitution" when the article has `Series: constitution`,
with its `Day: N`; "lesson" for a 微党课 of plugins/lessons; else "article"), reading_minutes
(plugins/reading_time) and chars (the same count: Han characters plus words of other scripts,
`article.reading_units`). A lesson adds media (`<sha256>.<ext>`), media_kind ("video" or
"audio"), duration (seconds), speaker and lesson_series (null when none): the server credits
watching by them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from markupsafe import Markup
from pelican import signals
from pelican.generators import ArticlesGenerator

FILENAME = "catalog.json"


class CatalogError(Exception):
    """An article's series metadata is wrong; the message names the file and field."""


def entry(article: Any) -> dict[str, Any]:
    series = str(article.metadata.get("series", "") or "").strip()
    kind = "constitution" if series == "constitution" else "article"
    day = None
    if kind == "constitution":
        try:
            day = int(str(article.metadata.get("day", "")).strip())
        except ValueError:
            raise CatalogError(f"{article.source_path}: Day（第几天）须为整数") from None
        if day < 1:
            raise CatalogError(f"{article.source_path}: Day（第几天）须大于 0")
    lesson = getattr(article, "lesson", None)
    if lesson is not None:
        kind = "lesson"
    found = {
        "slug": article.slug,
        "title": Markup(article.title).striptags(),  # plain text: Pelican titles are HTML
        "url": "/" + article.url.lstrip("/"),
        "category": str(article.category),
        "kind": kind,
        "day": day,
        "reading_minutes": int(getattr(article, "reading_minutes", 1) or 1),
        "chars": int(article.reading_units),
    }
    if lesson is not None:
        found |= {
            "media": lesson.media,
            "media_kind": lesson.kind,
            "duration": lesson.duration,
            "speaker": lesson.speaker,
            "lesson_series": lesson.series,
        }
    return found


def build(articles: list[Any]) -> list[dict[str, Any]]:
    return sorted((entry(a) for a in articles), key=lambda e: e["slug"])


_articles: list[Any] = []


def _on_articles(generator: ArticlesGenerator) -> None:
    _articles[:] = list(generator.articles)


def _on_finalized(pelican: Any) -> None:
    out = Path(pelican.settings["OUTPUT_PATH"]) / FILENAME
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(build(_articles), ensure_ascii=False, indent=1), encoding="utf-8")


def register() -> None:
    signals.article_generator_finalized.connect(_on_articles)
    signals.finalized.connect(_on_finalized)

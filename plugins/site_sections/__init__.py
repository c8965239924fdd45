"""Ties articles to the site's sections (settings MODULES, defined once in pelicanconf.py).

- Fails the build when an article lacks `Date:`, `Slug:` (ASCII) or `Branch:` (an author unit of
  UNITS_FILE), or has a `Category:` that is not a section; each problem names file and line.
  Other plugins add their problems to the same collector (tools.site_content.PROBLEMS).
- Gives each section its ASCII slug, so its list is /category/sixiang.html.
- Gives every section a list page, even an empty one, so the home grid never links to a 404.
- Adds `section_articles` ({slug: [articles]}) to the template context and `article.section`
  / `article.module` to each article and to each category.
"""

from __future__ import annotations

from itertools import chain
from typing import Any

from pelican import signals
from pelican.contents import Article
from pelican.generators import ArticlesGenerator
from pelican.urlwrappers import Category

from chalicelib.identifiers import SLUG as SLUG_RE  # the one definition
from tools.site_content import (
    PROBLEMS,
    load_units,
    metadata_line,
    read_source,
    units_file,
    where,
)


class MetadataError(Exception):
    """An article's metadata is missing or wrong; the message names the file, line and field."""


# Problems found while reading. Pelican catches exceptions raised while it reads a file
# (it logs them and skips the file), so we collect (PROBLEMS) and raise once all files are read.
_pending = PROBLEMS.found
# This build's mark on the articles checked when read: the pretaxonomy pass checks only the
# others (those a content cache brought back unpickled: their mark is a copy, never this object).
_build = [object()]


def _sections(settings: dict[str, Any]) -> dict[str, tuple[dict, dict]]:
    """Section name -> (module, section)."""
    return {
        section["name"]: (module, section)
        for module in settings.get("MODULES", [])
        for section in module["sections"]
    }


def problems(article: Article) -> list[str]:
    """What is wrong with an article's metadata: `file:line: message`, one per field."""
    path = article.source_path
    meta = article.metadata

    def at(key: str, message: str) -> str:
        # Only a wrong article costs reading its file again (for the line number).
        return f"{where(path, metadata_line(read_source(path), key))}: {message}"

    found = []
    if not meta.get("date"):
        found.append(at("Date", "缺少 Date（发布日期）"))
    category = meta.get("category")
    # Pelican fills in DEFAULT_CATEGORY when `Category:` is absent.
    if category is None or category.name == article.settings.get("DEFAULT_CATEGORY"):
        found.append(at("Category", "缺少 Category（所属栏目）"))
    elif category.name not in _sections(article.settings):
        known = "、".join(_sections(article.settings))
        found.append(at("Category", f"Category「{category.name}」不是已知栏目（可选：{known}）"))
    slug = meta.get("slug")
    if not slug:
        found.append(at("Slug", "缺少 Slug（网址名，小写字母、数字和 -）"))
    elif not SLUG_RE.fullmatch(str(slug)):
        found.append(at("Slug", f"Slug「{slug}」只能包含小写字母、数字和 -"))
    branch = meta.get("branch")
    if not branch:
        found.append(at("Branch", "缺少 Branch（作者单位编号，决定由谁审核）"))
    else:
        units = load_units(units_file(article.settings))
        if str(branch) not in units:
            found.append(
                at("Branch", f"Branch「{branch}」不是 {units_file(article.settings)} 中的单位")
            )
    return found


def _on_content_init(instance: Any) -> None:
    # Articles without a date are dropped by Pelican before the generator sees them again.
    if isinstance(instance, Article):
        _pending.update(problems(instance))
        instance._sections_checked = _build[0]


def _on_pretaxonomy(generator: ArticlesGenerator) -> None:
    """Check every article (cached ones too), then set section slugs before grouping."""
    sections = _sections(generator.settings)
    everything = list(
        chain(
            generator.articles,
            generator.translations,
            generator.hidden_articles,
            generator.hidden_translations,
            generator.drafts,
            generator.drafts_translations,
        )
    )
    for article in everything:
        if getattr(article, "_sections_checked", None) is not _build[0]:
            _pending.update(problems(article))
    PROBLEMS.raise_if_any("文章元数据有误：", MetadataError)
    for article in everything:
        module, section = sections[article.category.name]
        article.category.slug = section["slug"]
        article.module = module
        article.section = section


def _on_finalized(generator: ArticlesGenerator) -> None:
    """List every section in MODULES order, empty ones included."""
    by_slug = {category.slug: (category, arts) for category, arts in generator.categories}
    ordered = []
    for module in generator.settings["MODULES"]:
        for section in module["sections"]:
            if section["slug"] not in by_slug:
                category = Category(section["name"], generator.settings)
                category.slug = section["slug"]
                by_slug[section["slug"]] = (category, [])
            category, _ = by_slug[section["slug"]]
            category.module, category.section = module, section
            ordered.append(by_slug[section["slug"]])
    generator.categories[:] = ordered  # the context holds this same list
    generator.context["section_articles"] = {cat.slug: arts for cat, arts in ordered}


def _on_generator_init(generator: ArticlesGenerator) -> None:
    _pending.clear()  # a previous failed run in this process must not leak in
    _build[0] = object()


def register() -> None:
    signals.article_generator_init.connect(_on_generator_init)
    signals.content_object_init.connect(_on_content_init)
    signals.article_generator_pretaxonomy.connect(_on_pretaxonomy)
    signals.article_generator_finalized.connect(_on_finalized)

"""Ties articles to the site's sections (settings MODULES, defined once in pelicanconf.py).

- Fails the build when an article lacks `Date:` or has a `Category:` that is not a section.
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


class MetadataError(Exception):
    """An article's metadata is missing or wrong; the message names the file and field."""


# Problems found while reading. Pelican catches exceptions raised while it reads a file
# (it logs them and skips the file), so we collect here and raise once all files are read.
_pending: set[str] = set()


def _sections(settings: dict[str, Any]) -> dict[str, tuple[dict, dict]]:
    """Section name -> (module, section)."""
    return {
        section["name"]: (module, section)
        for module in settings.get("MODULES", [])
        for section in module["sections"]
    }


def problems(article: Article) -> list[str]:
    """What is wrong with an article's metadata, one message per field."""
    path = article.source_path
    found = []
    if not article.metadata.get("date"):
        found.append(f"{path}: 缺少 Date（发布日期）")
    category = article.metadata.get("category")
    # Pelican fills in DEFAULT_CATEGORY when `Category:` is absent.
    if category is None or category.name == article.settings.get("DEFAULT_CATEGORY"):
        found.append(f"{path}: 缺少 Category（所属栏目）")
    elif category.name not in _sections(article.settings):
        found.append(f"{path}: Category「{category.name}」不是已知栏目")
    return found


def _on_content_init(instance: Any) -> None:
    # Articles without a date are dropped by Pelican before the generator sees them again.
    if isinstance(instance, Article):
        _pending.update(problems(instance))


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
        _pending.update(problems(article))
    if _pending:
        message = "文章元数据有误：\n" + "\n".join(sorted(_pending))
        _pending.clear()
        raise MetadataError(message)
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


def register() -> None:
    signals.article_generator_init.connect(_on_generator_init)
    signals.content_object_init.connect(_on_content_init)
    signals.article_generator_pretaxonomy.connect(_on_pretaxonomy)
    signals.article_generator_finalized.connect(_on_finalized)

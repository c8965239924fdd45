"""Fails the build on a broken internal link or a missing image, naming file and line.

Checked in every published article (the text actually published) and page:

- `{static}`/`{attach}` images and files must exist under content/ (a file whose approved bytes
  the review gate cannot publish is a warning, and its image is left out);
- `{filename}` links must name a content file, site paths (`/articles/x.html`, `/category/y.html`,
  relative `x.html`) a page this build writes;
- a link to an article that exists but is not published in this build (pending review, withheld
  by the review gate, or dated later) is a warning naming both files, and the link is shown as
  plain text: one editor's unfinished article never stops the daily publication of the rest;
- outside links (http, https, mailto, tel), fragments and `/api/` are not checked.
"""

from __future__ import annotations

import html
import logging
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from pelican import signals
from pelican.generators import ArticlesGenerator, PagesGenerator

from tools.site_content import ContentError, read_source, text_line, where

logger = logging.getLogger(__name__)
_TARGETS = (
    re.compile(r"\]\(\s*<?([^)\s>]+)"),  # [text](target) and ![alt](target)
    re.compile(r"""(?:href|src)\s*=\s*["']([^"']+)["']"""),  # raw HTML
    # [ref]: target, but not a footnote's text ([^1]: 注释; Markdown extra)
    re.compile(r"^\s{0,3}\[(?!\^)[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.M),
)
# Pelican's two spellings: {static}x and |static|x.
_INTRASITE = re.compile(r"^[{|](static|attach|filename|category|index|tag|author)[}|](.*)$")
_SKIP_SCHEMES = ("http", "https", "mailto", "tel", "data", "javascript")
_ANCHOR = re.compile(r"<a\b[^>]*?\bhref\s*=\s*([\"'])(.*?)\1[^>]*>(.*?)</a\s*>", re.S | re.I)
_IMAGE = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*([\"'])(.*?)\1[^>]*>", re.S | re.I)


def unlink(content_html: str, hrefs: set[str]) -> str:
    """The HTML with each link to one of `hrefs` replaced by its text."""
    return _ANCHOR.sub(
        lambda m: m.group(3) if html.unescape(m.group(2)) in hrefs else m.group(0), content_html
    )


def drop_images(content_html: str, srcs: set[str]) -> str:
    return _IMAGE.sub(
        lambda m: "" if html.unescape(m.group(2)) in srcs else m.group(0), content_html
    )


def targets(text: str) -> list[str]:
    found = []
    for pattern in _TARGETS:
        found.extend(pattern.findall(text))
    return found


def _resolve(content_root: Path, source: Path, value: str) -> Path:
    if value.startswith("/"):
        return content_root / value.lstrip("/")
    return (source.parent / value).resolve()


@dataclass
class Found:
    """What one article or page links wrongly: errors, and what to show without a link."""

    problems: list[str] = field(default_factory=list)
    unpublished: set[str] = field(default_factory=set)  # link targets to show as plain text
    unavailable: set[str] = field(default_factory=set)  # image sources to leave out


def check(
    item: Any,
    text: str,
    known_urls: set[str],
    sources: dict[str, bool],
    pending_urls: dict[str, str | Path] | None = None,
    unavailable: dict[str, str] | None = None,
) -> Found:
    """Links of one article or page; `sources` maps content paths to 'published?' (a pending
    file is there as not published), `pending_urls` the URLs of unpublished articles to their
    source files, `unavailable` the files whose approved bytes are not published."""
    found = Found()
    links = targets(text)
    if not links:  # most articles: no path to resolve
        return found
    content_root = Path(item.settings["PATH"]).resolve()
    source = Path(item.source_path).resolve()
    for target in links:
        # Where, only when needed (resolving paths for every link was most of this check's time).
        def at(target: str = target) -> str:
            return where(item.source_path, text_line(text, target))

        intrasite = _INTRASITE.match(target)
        if intrasite:
            what, value = intrasite.groups()
            value = urlparse(value).path
            if what in ("static", "attach"):
                path = _resolve(content_root, source, value)
                key = _key(content_root, path)
                if key in (unavailable or {}):
                    found.unavailable.add(target)  # the review gate said why

                elif not path.is_file():
                    found.problems.append(f"{at()}: 图片或附件不存在：{value}")
            elif what == "filename":
                key = _key(content_root, _resolve(content_root, source, value))
                if key not in sources:
                    found.problems.append(f"{at()}: 链接的文章不存在：{value}")
                elif not sources[key]:
                    _unpublished(found, at(), target, where(content_root / key, 1))
            continue
        parsed = urlparse(target)
        if parsed.scheme in _SKIP_SCHEMES or target.startswith(("#", "//")) or parsed.netloc:
            continue
        path = parsed.path
        if not path or path.startswith("/api/"):
            continue
        if not path.startswith("/"):
            base = posixpath.dirname("/" + item.url)
            path = posixpath.normpath(posixpath.join(base, path))
        url = path.lstrip("/")
        if url == "" or url.endswith("/"):
            url += "index.html"
        if url in known_urls:
            continue
        if url in (pending_urls or {}):
            _unpublished(found, at(), target, where(pending_urls[url], 1))
        else:
            found.problems.append(
                f"{at()}: 站内链接不存在：{target}（图片请用 {{static}}，文章请用 {{filename}}）"
            )
    return found


def _key(content_root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(content_root).as_posix()
    except ValueError:
        return ""


def _unpublished(found: Found, at: str, target: str, other: str) -> None:
    logger.warning(
        "%s: 链接的文章 %s 尚未发布（待审核、未到日期或已撤下），链接显示为纯文本",
        at,
        other.rsplit(":", 1)[0],
    )
    found.unpublished.add(target)


def _on_all_finalized(generators: list[Any]) -> None:
    articles = next(g for g in generators if isinstance(g, ArticlesGenerator))
    pages = next(g for g in generators if isinstance(g, PagesGenerator))
    settings = articles.settings
    context = articles.context
    published = [*articles.articles, *articles.hidden_articles]
    published += [*articles.translations, *articles.hidden_translations]
    shown_pages = [*pages.pages, *pages.hidden_pages]
    known = {a.url for a in published} | {p.url for p in shown_pages}
    known |= {c.url for c, _ in articles.categories}
    known |= set(context.get("listing_urls", ()))
    # Files as published: a static file's address carries its hash (plugins/static_hash), so a
    # site path naming the file's own name (/images/a.svg) leads nowhere; use {static}.
    hashed = context.get("static_published", {})
    known |= {hashed.get(p, p) for p in context.get("static_links", ())}
    known |= {"index.html"}
    content_root = Path(settings["PATH"]).resolve()
    shown = {id(x) for x in [*published, *shown_pages]}
    sources: dict[str, bool] = {}
    pending_urls: dict[str, str | Path] = {}  # named (file:line) only when a link needs it
    for item in [*published, *shown_pages, *articles.drafts, *pages.draft_pages]:
        key = Path(item.source_path).resolve().relative_to(content_root).as_posix()
        sources[key] = sources.get(key, False) or id(item) in shown
        if id(item) not in shown and getattr(item, "slug", None):
            url = settings["ARTICLE_URL"].format(slug=item.slug)
            pending_urls.setdefault(url, item.source_path)
    # Files the review gate withheld (not approved): known, never published.
    real_root = Path(settings.get("REVIEW_CONTENT_PATH") or settings["PATH"])
    for key, slug in settings.get("REVIEW_WITHHELD", {}).items():
        sources.setdefault(key, False)
        if slug:
            url = settings["ARTICLE_URL"].format(slug=slug)
            pending_urls.setdefault(url, real_root / key)
    pending_urls = {u: f for u, f in pending_urls.items() if u not in known}
    unavailable = settings.get("REVIEW_UNAVAILABLE", {})
    problems = []
    for item in [*published, *shown_pages]:
        text = read_source(item.source_path)
        found = check(item, text, known, sources, pending_urls, unavailable)
        problems.extend(found.problems)
        if found.unpublished:
            item._content = unlink(item._content or "", found.unpublished)
            if isinstance(getattr(item, "_summary", None), str):
                item._summary = unlink(item._summary, found.unpublished)
        if found.unavailable:
            item._content = drop_images(
                unlink(item._content or "", found.unavailable), found.unavailable
            )
    if problems:
        raise ContentError("站内链接或图片有误：\n" + "\n".join(sorted(set(problems))))


def register() -> None:
    signals.all_generators_finalized.connect(_on_all_finalized)

"""Fails the build on a broken internal link or a missing image, naming file and line.

Checked in every published article (the text actually published) and page:

- `{static}`/`{attach}` images and files must exist under content/;
- `{filename}` links must name a content file; one that exists but is not published in this
  build (pending review, or dated later) is reported as a warning, not an error, so one pending
  article cannot stop the daily publication of everything else;
- site paths (`/articles/x.html`, `/category/y.html`, relative `x.html`) must be pages this build
  writes;
- outside links (http, https, mailto, tel), fragments and `/api/` are not checked.
"""

from __future__ import annotations

import logging
import posixpath
import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from pelican import signals
from pelican.generators import ArticlesGenerator, PagesGenerator

_ROOT = Path(__file__).resolve().parents[2]
for _p in (str(_ROOT / "functions"), str(_ROOT)):  # tools.* and chalicelib.*, however run
    if _p not in sys.path:
        sys.path.insert(0, _p)

from tools.site_content import ContentError, read_source, text_line, where  # noqa: E402

logger = logging.getLogger(__name__)
_TARGETS = (
    re.compile(r"\]\(\s*<?([^)\s>]+)"),  # [text](target) and ![alt](target)
    re.compile(r"""(?:href|src)\s*=\s*["']([^"']+)["']"""),  # raw HTML
    re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.M),  # [ref]: target
)
_INTRASITE = re.compile(r"^\{(static|attach|filename|category|index|tag|author)\}(.*)$")
_SKIP_SCHEMES = ("http", "https", "mailto", "tel", "data", "javascript")


def targets(text: str) -> list[str]:
    found = []
    for pattern in _TARGETS:
        found.extend(pattern.findall(text))
    return found


def _resolve(content_root: Path, source: Path, value: str) -> Path:
    if value.startswith("/"):
        return content_root / value.lstrip("/")
    return (source.parent / value).resolve()


def check(item: Any, text: str, known_urls: set[str], sources: dict[str, bool]) -> list[str]:
    """Problems of one article or page; `sources` maps content paths to 'published?'."""
    content_root = Path(item.settings["PATH"]).resolve()
    source = Path(item.source_path).resolve()
    problems = []
    for target in targets(text):
        line = text_line(text, target)
        at = where(item.source_path, line)
        intrasite = _INTRASITE.match(target)
        if intrasite:
            what, value = intrasite.groups()
            value = urlparse(value).path
            if what in ("static", "attach"):
                if not _resolve(content_root, source, value).is_file():
                    problems.append(f"{at}: 图片或附件不存在：{value}")
            elif what == "filename":
                path = _resolve(content_root, source, value)
                try:
                    key = path.resolve().relative_to(content_root).as_posix()
                except ValueError:
                    key = ""
                if key not in sources:
                    problems.append(f"{at}: 链接的文章不存在：{value}")
                elif not sources[key]:
                    logger.warning("%s: 链接的文章 %s 尚未发布（待审核或未到日期）", at, value)
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
        if url not in known_urls:
            problems.append(
                f"{at}: 站内链接不存在：{target}（图片请用 {{static}}，文章请用 {{filename}}）"
            )
    return problems


def _on_all_finalized(generators: list[Any]) -> None:
    articles = next(g for g in generators if isinstance(g, ArticlesGenerator))
    pages = next(g for g in generators if isinstance(g, PagesGenerator))
    context = articles.context
    published = [*articles.articles, *articles.hidden_articles]
    shown_pages = [*pages.pages, *pages.hidden_pages]
    known = {a.url for a in published} | {p.url for p in shown_pages}
    known |= {c.url for c, _ in articles.categories}
    known |= set(context.get("listing_urls", ()))
    known |= set(context.get("static_links", ()))
    known |= {"index.html"}
    content_root = Path(articles.settings["PATH"]).resolve()
    shown = {id(x) for x in [*published, *shown_pages]}
    sources: dict[str, bool] = {}
    for item in [*published, *shown_pages, *articles.drafts, *pages.draft_pages]:
        key = Path(item.source_path).resolve().relative_to(content_root).as_posix()
        sources[key] = sources.get(key, False) or id(item) in shown
    problems = []
    for item in [*published, *shown_pages]:
        text = getattr(item, "review_source", None) or read_source(item.source_path)
        problems.extend(check(item, text, known, sources))
    if problems:
        raise ContentError("站内链接或图片有误：\n" + "\n".join(sorted(set(problems))))


def register() -> None:
    signals.all_generators_finalized.connect(_on_all_finalized)

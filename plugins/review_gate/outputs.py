"""Nothing in content/ may take a path that a screen, another article or the build itself owns.

Checked once everything is read and before anything is written, over what is about to be
published (the approved versions: an unapproved file never gets this far): every article and
page output, every static file (images, attachments, `{attach}` copies next to their article)
and the build's own files. Articles live under `articles/` and their URL is where they are saved;
screens are saved at their slug (no `Save_as:`/`URL:`). A collision names both files.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from tools.review_version import references
from tools.site_content import metadata_line, read_source, where

# Written by the build (templates and plugins), never by content.
BUILD_FILES = ("index.html", "catalog.json", "campaigns.json")
BUILD_FOLDERS = ("theme/", "qr/", "search/", "category/", "xianjin/", "zhibu/", "drafts/", "api/")
# 微党课 (issue 19): the speaker list (plugins/lessons) and the media storage serves at /media/.
BUILD_FOLDERS += ("lessons/", "media/")
ARTICLE_FOLDER = "articles/"


def _norm(path: str) -> str:
    return posixpath.normpath(path.lstrip("/")) if path else ""


def _file(item: Any) -> str:
    return where(item.source_path, 1).rsplit(":", 1)[0]


def _at(item: Any) -> str:
    """file:line of the field that decides where the item is saved."""
    key = next((k for k in ("save_as", "url", "lang") if k in item.metadata), "slug")
    return where(item.source_path, metadata_line(read_source(item.source_path), key))


def _lazy(fn: Callable[[], str]) -> Callable[[], str]:
    """Names and lines are worked out only for a collision (resolving them for every item cost
    more than the whole check)."""
    return cache(fn)


def problems(articles: Any, pages: Any, statics: list[Any], context: dict[str, Any]) -> list[str]:
    # path -> (who owns it: equal for the same item, how to name it)
    owners: dict[str, tuple[str, Callable[[], str]]] = {}
    for key, label in [
        *((f, f"站点生成的 {f}") for f in BUILD_FILES),
        *((_norm(c.url), f"栏目页 {c.url}") for c, _ in articles.categories),
        *((u, f"站点生成的列表页 {u}") for u in context.get("listing_urls", ())),
    ]:
        owners[key] = (label, lambda label=label: label)
    found: list[str] = []

    def claim(path: str, owner: str, label: Callable[[], str], at: Callable[[], str]) -> None:
        if path in owners and owners[path][0] != owner:
            found.append(f"{at()}: 发布位置 {path} 已属于 {owners[path][1]()}，两者不能同时发布")
        elif path.startswith(BUILD_FOLDERS) or path in ("", ".") or path.startswith("../"):
            found.append(f"{at()}: 发布位置 {path or '（空）'} 不允许（属于站点自身或在站点之外）")
        else:
            owners.setdefault(path, (owner, label))

    published = [
        *articles.articles,
        *articles.translations,
        *articles.hidden_articles,
        *articles.hidden_translations,
    ]
    screens = [*pages.pages, *pages.translations, *pages.hidden_pages, *pages.hidden_translations]
    for page in screens:  # screens first: they own their paths
        at = _lazy(lambda page=page: _at(page))
        for key in ("save_as", "url"):
            if key in page.metadata:
                found.append(f"{at()}: 页面（功能界面）不能写 {key.capitalize()}，只按 Slug 发布")
        claim(_norm(page.save_as), page.source_path, _lazy(lambda p=page: _file(p)), at)
    for article in published:
        at = _lazy(lambda article=article: _at(article))
        save_as, url = _norm(article.save_as), _norm(article.url)
        for path, what in ((save_as, "保存位置"), (url, "URL")):
            if not (path.startswith(ARTICLE_FOLDER) and path.endswith(".html")):
                owner = owners.get(path)
                found.append(
                    f"{at()}: 文章的{what}只能在 {ARTICLE_FOLDER} 下，而不是 {path or '（空）'}"
                    + (f"（那是 {owner[1]()} 的位置）" if owner else "")
                )
        if url != save_as:
            owner = owners.get(url)
            found.append(
                f"{at()}: 文章的 URL {url} 必须与保存位置 {save_as} 相同"
                + (f"（{url} 是 {owner[1]()} 的位置）" if owner else "")
            )
        if save_as.startswith(ARTICLE_FOLDER):
            claim(save_as, article.source_path, _lazy(lambda a=article: _file(a)), at)
    attached: dict[str, str] = {}
    for article in published:
        text = read_source(article.source_path)
        if "attach" not in text:  # every `{attach}`/`|attach|` spelling contains it
            continue
        rel = Path(article.source_path).relative_to(article.settings["PATH"]).as_posix()
        for ref in references(text, rel):
            if ref.kind == "attach" and ref.path:
                folder = posixpath.dirname(_norm(article.save_as))
                attached[ref.path] = posixpath.join(folder, posixpath.basename(ref.path))
    for static in statics:
        rel = Path(static.source_path).relative_to(static.settings["PATH"]).as_posix()
        path = attached.get(rel) or _norm(static.save_as)
        where_ = _lazy(lambda s=static: _file(s))
        claim(path, "file:" + static.source_path, _lazy(lambda w=where_: f"文件 {w()}"), where_)
    return found

"""What a page costs a phone: the bytes of its HTML and of every file it pulls in, gzip-compressed
as CloudFront sends them (`Compress: true`), on a first visit and on a repeat visit.

A repeat visit fetches the HTML again (it is short-lived) and nothing else, provided every file
the page pulls in is a content-hashed asset served as immutable (infra/publish.py sets the
Cache-Control of each object; infra/dev_server.py mirrors it). Used by the page-weight test and
`make bench`.

What a page loads only on demand is weighed apart (`on_demand`): a stylesheet named inside a
`<template>`, a module reached through a dynamic `import()` (the dialog and the award toast,
fetched when one first shows) and the share loader's module (`data-module`, loaded only inside
WeChat) are not part of the first visit's load, nor the media of a `<video>`/`<audio>` with
`preload="none"` (a 微党课's video loads when she plays it), nor such media's subtitles `<track>`
without `default` (lesson.js turns it on at the first play); its `poster` is.
"""

from __future__ import annotations

import gzip
import posixpath
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from infra.publish import IMMUTABLE, cache_control

# The budget for an article page on a first visit (issue 12), HTML and assets together.
ARTICLE_BUDGET = 20_000
# A content hash in a file name: api.3f2a9c1b.js (plugins/asset_hash), qr/83d1d9176f24.svg.
HASHED = re.compile(r"[./][0-9a-f]{8,}\.[a-z0-9]+$")
_JS_IMPORT = re.compile(r"""\b(?:from|import)\s*["'](\.{1,2}/[^"']+)["']""")
_JS_DYNAMIC_IMPORT = re.compile(r"""\bimport\s*\(\s*["'](\.{1,2}/[^"']+)["']""")
_CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)["']?\s*\)|@import\s+["']([^"']+)["']""")


def gzip_size(data: bytes) -> int:
    """Bytes on the wire with gzip at CloudFront's usual level (6), no file name or time."""
    return len(gzip.compress(data, compresslevel=6, mtime=0))


class _Refs(HTMLParser):
    """Same-site files a page asks for as it loads (not links the reader may follow)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[str] = []
        self.deferred: list[str] = []  # named inside a <template>: fetched only when used
        self.on_play: list[str] = []  # media fetched when played (from storage, not weighed)
        self._templates = 0
        self._all = self.refs
        self._lazy_media = False  # inside <video|audio preload="none">: its sources wait for play

    def handle_endtag(self, tag: str) -> None:
        if tag in ("video", "audio"):
            self._lazy_media = False
        if tag == "template":
            self._templates = max(0, self._templates - 1)
            self.refs = self.deferred if self._templates else self._all

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "template":
            self._templates += 1
            self.refs = self.deferred
        elif tag == "link" and set(a.get("rel", "").split()) & {
            "stylesheet",
            "preload",
            "modulepreload",
            "icon",
            "manifest",
        }:
            self.refs.append(a.get("href", ""))
        elif tag == "script":
            self.refs.append(a.get("src", ""))
            # The share loader's module (theme/templates/_share.html): fetched inside WeChat only.
            self.deferred.append(a.get("data-module", ""))
        elif tag in ("video", "audio"):
            self._lazy_media = a.get("preload") == "none"
            (self.on_play if self._lazy_media else self.refs).append(a.get("src", ""))
            self.refs.append(a.get("poster", ""))
        elif tag == "source" and self._lazy_media:
            self.on_play.append(a.get("src", ""))
        elif tag == "track":
            # A track of media that waits for play, and not shown by default, loads with it.
            lazy = self._lazy_media and "default" not in a
            (self.on_play if lazy else self.refs).append(a.get("src", ""))
        elif tag in ("img", "source", "iframe"):
            self.refs.append(a.get("src", ""))
            self.refs += [
                part.split()[0] for part in a.get("srcset", "").split(",") if part.strip()
            ]
        elif tag in ("use", "image"):
            self.refs.append(a.get("href") or a.get("xlink:href") or "")


def _local(ref: str, base: str) -> str | None:
    """The site path (no leading slash) of a reference, or None when it is not a site file."""
    ref = ref.split("#", 1)[0].split("?", 1)[0].strip()
    if not ref or ref.startswith(("data:", "http:", "https:", "//", "mailto:", "/api/")):
        return None
    path = ref[1:] if ref.startswith("/") else posixpath.join(posixpath.dirname(base), ref)
    return posixpath.normpath(path)


@dataclass
class Weight:
    page: str
    html: int  # gzip bytes
    assets: dict[str, int] = field(default_factory=dict)  # site path -> gzip bytes
    missing: list[str] = field(default_factory=list)
    on_demand: dict[str, int] = field(default_factory=dict)  # fetched only when first used
    on_play: list[str] = field(default_factory=list)  # media loaded only when played

    @property
    def first_visit(self) -> int:
        return self.html + sum(self.assets.values())

    def not_cached(self) -> list[str]:
        """Assets a repeat visit would ask for again: not immutable, or not named by a hash
        (so an immutable one could go stale)."""
        return [p for p in self.assets if cache_control(p) != IMMUTABLE or not HASHED.search(p)]


def page_weight(site: Path, page: str) -> Weight:
    """The first-visit weight of `page` (site path such as articles/x.html) in the built `site`."""
    parser = _Refs()
    html = (site / page).read_bytes()
    parser.feed(html.decode("utf-8"))
    weight = Weight(page, gzip_size(html))
    weight.on_play = [p for ref in parser.on_play if (p := _local(ref, page))]
    later: list[str] = [p for ref in parser.deferred if (p := _local(ref, page))]
    _follow(
        site, [p for ref in parser.refs if (p := _local(ref, page))], weight.assets, weight, later
    )
    _follow(site, later, weight.on_demand, weight, None)
    for path in weight.assets:
        weight.on_demand.pop(path, None)
    return weight


def _follow(
    site: Path, todo: list[str], into: dict[str, int], weight: Weight, dynamic: list[str] | None
) -> None:
    """Weigh the files in `todo` and what they import into `into`. Dynamic imports go to
    `dynamic` (fetched later), or are followed too when it is None (the on-demand pass)."""
    while todo:
        path = todo.pop()
        if path in into or path in weight.missing:
            continue
        file = site / path
        if not file.is_file():
            weight.missing.append(path)
            continue
        data = file.read_bytes()
        into[path] = gzip_size(data)
        if path.endswith(".js"):
            text = data.decode("utf-8")
            todo += [p for ref in _JS_IMPORT.findall(text) if (p := _local(ref, path))]
            later = [p for ref in _JS_DYNAMIC_IMPORT.findall(text) if (p := _local(ref, path))]
            (todo if dynamic is None else dynamic).extend(later)
        elif path.endswith(".css"):
            for url, imported in _CSS_URL.findall(data.decode("utf-8")):
                if p := _local(url or imported, path):
                    todo.append(p)


def article_pages(site: Path) -> list[str]:
    """Every article page of a build (pelicanconf: ARTICLE_SAVE_AS = articles/{slug}.html)."""
    return sorted(p.relative_to(site).as_posix() for p in (site / "articles").rglob("*.html"))

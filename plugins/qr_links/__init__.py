"""党微矩阵: every outbound link of a 党微矩阵 article gets a QR code, drawn at build time.

Members inside WeChat often cannot open an outside link directly but can long-press a QR code.
The plugin collects the http(s) links of each 党微矩阵 article (`article.outbound_links`: name, url,
QR image URL) and writes one SVG per distinct URL to `qr/<sha1 of url, 12>.svg` with segno
(pure Python, no network).
"""

from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path
from typing import Any

import segno
from pelican import signals

SECTION = "党微矩阵"
_LINK = re.compile(r'<a\s[^>]*href="(https?://[^"]+)"[^>]*>(.*?)</a>', re.S)
_TAG = re.compile(r"<[^>]+>")


def qr_name(url: str) -> str:
    return f"qr/{hashlib.sha1(url.encode()).hexdigest()[:12]}.svg"


def outbound_links(content_html: str) -> list[tuple[str, str, str]]:
    seen, links = set(), []
    for url, label in _LINK.findall(content_html):
        url = html.unescape(url)
        if url in seen:
            continue
        seen.add(url)
        name = html.unescape(_TAG.sub("", label)).strip() or url
        links.append((name, url, qr_name(url)))
    return links


def _on_finalized(generator: Any) -> None:
    for article in generator.articles:
        if article.category.name == SECTION:
            article.outbound_links = outbound_links(article._content or "")


def _on_writer_finalized(generator: Any, writer: Any) -> None:
    out = Path(generator.output_path)
    for article in generator.articles:
        for _, url, name in getattr(article, "outbound_links", []):
            target = out / name
            if target.exists():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            segno.make(url, error="m").save(
                str(target),
                kind="svg",
                scale=4,
                border=2,
                xmldecl=False,
                svgns=True,
                title=url,
            )


def register() -> None:
    signals.article_generator_finalized.connect(_on_finalized)
    signals.article_writer_finalized.connect(_on_writer_finalized)

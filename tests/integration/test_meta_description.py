"""Every page of a production build says what it is in one meta description (Lighthouse's SEO
audit; WeChat's link previews): plain text, not empty; 我的党建, the quiz hub and the home page
each their own, an article its summary."""

from __future__ import annotations

import re
from html import unescape
from itertools import pairwise
from pathlib import Path

import pytest

from tests.integration.production_build import build_production

META = re.compile(r'<meta name="description" content="([^"]*)">')


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_production(tmp_path_factory.mktemp("meta"))


def _description(page: Path) -> str:
    found = META.findall(page.read_text(encoding="utf-8"))
    assert len(found) == 1, f"{page.name}: {len(found)} meta descriptions"
    return unescape(found[0])


def test_every_page_has_one_plain_description(built: Path) -> None:
    pages = sorted(built.rglob("*.html"))
    assert len(pages) > 30
    for page in pages:
        text = _description(page)
        assert text.strip(), f"{page.relative_to(built)}: empty description"
        assert "<" not in text and "\n" not in text, f"{page.relative_to(built)}: {text!r}"


def test_the_pages_lighthouse_named_have_their_own(built: Path) -> None:
    home = _description(built / "index.html")
    mine = _description(built / "my-dangjian.html")
    hub = _description(built / "quiz.html")
    assert len({home, mine, hub}) == 3
    assert mine.startswith("我的党建") and hub.startswith("答题考试")


def test_an_article_is_described_by_its_own_text(built: Path) -> None:
    article = next((built / "articles").glob("*.html"))
    text = _description(article)
    title = re.search(r"<h1[^>]*>(.*?)</h1>", article.read_text(encoding="utf-8"), re.S)
    assert text != _description(built / "index.html")
    assert title and text


HEADING = re.compile(r"<h([1-6])\b")


def test_no_page_skips_a_heading_level(built: Path) -> None:
    """Lighthouse's heading-order audit: going down, headings step one level at a time (a list
    of h3 item titles right under the page's h1 was the list pages' failing audit)."""
    skips = []
    for page in sorted(built.rglob("*.html")):
        levels = [int(n) for n in HEADING.findall(page.read_text(encoding="utf-8"))]
        for before, after in pairwise(levels):
            if after > before + 1:
                skips.append(f"{page.relative_to(built)}: h{before} → h{after}")
                break
    assert not skips

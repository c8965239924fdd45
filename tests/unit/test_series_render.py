"""党章百日学 as members see it: installments generated from hostile texts, built by real Pelican
with the site's settings; what a page shows must be exactly the source text."""

from __future__ import annotations

import json
import random
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pelican import Pelican
from pelican.settings import read_settings

from tools import cn_numerals
from tools import constitution_series as cs
from tools.constitution_text import tidy

SPECIAL = "\\`*_{}[]()<>#+-.!|:~&;=^$%@\"'/ 0123456789\t"

ROOT = Path(__file__).resolve().parents[2]
SOURCES = Path(__file__).parent / "constitution_sources"
HOSTILE = SOURCES / "markdown_hostile.txt"
CATEGORY = cs.CATEGORY
# Markup a paragraph of plain text must never turn into.
FORBIDDEN = {"ol", "ul", "li", "h1", "h3", "h4", "blockquote", "pre", "code", "em", "a", "img"}
FORBIDDEN |= {"script", "dl", "dt", "dd", "table", "hr", "del", "sup", "i", "b", "br", "div"}


class _Blocks(HTMLParser):
    """The top-level blocks inside `<div class="article-body">`: (tag, text), and every tag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0  # >0 inside the article body
        self.blocks: list[list[str]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if self.depth:
            self.depth += 1
            self.tags.append(tag)
            if self.depth == 2:
                self.blocks.append([tag, ""])
        elif tag == "div" and ("class", "article-body") in attrs:
            self.depth = 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth >= 2:
            self.blocks[-1][1] += data
        elif self.depth == 1 and data.strip():
            self.blocks.append(["#text", data])


def _blocks(html: str) -> tuple[list[tuple[str, str]], list[str]]:
    parser = _Blocks()
    parser.feed(html)
    return [(tag, _shown(text)) for tag, text in parser.blocks], parser.tags


def _shown(text: str) -> str:
    """Text as a browser shows it: runs of ASCII whitespace collapse (U+3000 does not)."""
    return re.sub(r"[ \t\n\r\f]+", " ", text).strip(" ")


def build_series(text: str, tmp: Path, days: int) -> tuple[list[cs.Installment], Path]:
    """Generate the installments of `text` and build them (all published) with pelicanconf."""
    content = tmp / "content"
    installments = cs.split(cs.parse(text), days)
    cs.write(installments, content / "dangzhang", "C01", "党委宣传部")
    shutil.copy(ROOT / "content" / "units.csv", content / "units.csv")
    shutil.copytree(ROOT / "content" / "pages", content / "pages")
    settings = read_settings(
        str(ROOT / "pelicanconf.py"),
        override={
            "PATH": str(content),
            "OUTPUT_PATH": str(tmp / "out"),
            "CACHE_CONTENT": False,
            "LOAD_CONTENT_CACHE": False,
            "REVIEW_GATE": "off",
            "UNITS_FILE": str(content / "units.csv"),
            "SERIES": {
                "constitution": {"title": CATEGORY, "category": CATEGORY, "start": "2020-01-01"}
            },
        },
    )
    Pelican(settings).run()
    return installments, tmp / "out"


def expected_blocks(inst: cs.Installment) -> list[tuple[str, str]]:
    """What an installment must show, block by block, from the pieces the splitter cut."""
    blocks: list[tuple[str, str]] = []
    for piece in inst.blocks:
        if piece.kind == "heading":
            blocks.append(("h2", piece.text))
        elif piece.kind == "article":
            blocks.append(("p", f"{piece.label}\u3000{piece.text}"))
        elif piece.kind == "sentence" and blocks and blocks[-1][0] != "h2":
            blocks[-1] = ("p", blocks[-1][1] + piece.text)
        else:
            blocks.append(("p", piece.text))
    return [(tag, _shown(text)) for tag, text in blocks]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[cs.Installment], Path]:
    return build_series(HOSTILE.read_text(encoding="utf-8"), tmp_path_factory.mktemp("h"), 12)


def _page(out: Path, day: int) -> str:
    return (out / "articles" / f"dangzhang-{day:03d}.html").read_text(encoding="utf-8")


def test_every_installment_shows_exactly_its_source_text(hostile) -> None:
    installments, out = hostile
    for inst in installments:
        blocks, tags = _blocks(_page(out, inst.day))
        assert blocks == expected_blocks(inst), inst.day
        assert not FORBIDDEN & set(tags), (inst.day, sorted(FORBIDDEN & set(tags)))
        assert set(tags) <= {"p", "h2", "strong"}, (inst.day, tags)


def test_the_whole_series_shows_the_source_character_for_character(hostile) -> None:
    installments, out = hostile
    shown = "".join(text for i in installments for _, text in _blocks(_page(out, i.day))[0])
    source = HOSTILE.read_text(encoding="utf-8")
    assert re.sub(r"\s", "", shown) == re.sub(r"\s", "", source)
    assert "\\" not in shown.replace("\\反斜杠\\\\和\\*转义\\*", "")  # no stray backslash


def test_source_markup_never_reaches_a_page_as_markup(hostile) -> None:
    _, out = hostile
    for page in out.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        for raw in ('<script>alert("t")', "<script>alert(1)", "<img src=x", "<i>", "<b>"):
            assert raw not in html, (page.name, raw)


def _random_constitution(seed: int) -> str:
    """A constitution whose paragraphs and titles are random runs of Markdown-special, ASCII and
    Chinese characters (lines that would read as a heading are drawn again)."""
    rng = random.Random(seed)
    alphabet = SPECIAL * 3 + "　１２．（）“”、，。：；！？一二三党员总纲\u00a0abcXYZ"

    def line(chars: str = alphabet, most: int = 50) -> str:
        while True:
            text = "".join(rng.choices(chars, k=rng.randint(1, most))).strip()
            if text and not text.startswith("第") and tidy(text) != "总纲":
                return text

    parts = [line(), "总纲", *(line() for _ in range(150))]
    for number in range(1, 61):
        if number % 20 == 1:
            title = line(SPECIAL.replace(";", "").replace(":", "") + "党员组织", 12)
            parts.append(f"第{cn_numerals.name(number // 20 + 1)}章　{title}")
        parts += [f"第{cn_numerals.name(number)}条　{line()}", line(), line()]
    return "\n\n".join(parts) + "\n"


@pytest.mark.parametrize("seed", [1, 2])
def test_generated_texts_survive_a_real_build_character_for_character(seed, tmp_path) -> None:
    text = _random_constitution(seed)
    installments, out = build_series(text, tmp_path, 40)
    for inst in installments:
        blocks, tags = _blocks(_page(out, inst.day))
        assert blocks == expected_blocks(inst), inst.day
        assert set(tags) <= {"p", "h2", "strong"}, (inst.day, tags)
    shown = "".join(t for i in installments for _, t in _blocks(_page(out, i.day))[0])
    assert re.sub(r"\s", "", shown) == re.sub(r"\s", "", text)


def test_titles_and_the_series_index_show_source_characters(hostile) -> None:
    installments, out = hostile
    index = (out / "category" / "dangzhang.html").read_text(encoding="utf-8")
    found = re.findall(r'<span class="day-title">(.*?)</span></a></li>', index)
    assert len(found) == len(installments)
    chapter_day = next(i for i in installments if i.articles)
    page = _page(out, chapter_day.day)
    h1 = re.search(r"<h1>(.*?)</h1>", page).group(1)
    assert h1 == f"第 {chapter_day.day} 天 · 第一章 党员 &lt;i&gt; &amp; *星* 第一条"
    assert "第一章 党员 &lt;i&gt; &amp; *星*" in index
    assert "第二章 组织 `代码`" in index
    # The catalog (reading credit, moderation lists) carries the plain title, as members read it.
    catalog = json.loads((out / "catalog.json").read_text(encoding="utf-8"))
    entry = next(e for e in catalog if e["day"] == chapter_day.day)
    assert entry["title"] == f"第 {chapter_day.day} 天 · 第一章 党员 <i> & *星* 第一条"


def test_index_titles_tell_the_general_outline_days_apart(tmp_path: Path) -> None:
    source = ROOT.parent / "shared" / "data" / "constitution-2017.zh.txt"
    if not source.is_file():
        pytest.skip(f"{source} is absent")
    _, out = build_series(source.read_text(encoding="utf-8"), tmp_path, 100)
    index = (out / "category" / "dangzhang.html").read_text(encoding="utf-8")
    row = r'<li data-day="(\d+)">.*?<span class="day-title">(.*?)</span></a></li>'
    rows = re.findall(row, index)
    assert [int(day) for day, _ in rows] == list(range(1, 101))
    titles = [re.sub(r"<[^>]+>", " ", title) for _, title in rows]
    assert len(set(titles)) == 100  # every day, 总纲 ones included, reads differently
    assert titles[0].startswith("总纲（一） 中国共产党是中国工人阶级的先锋队")
    assert titles[2].startswith("总纲（三） 马克思列宁主义揭示了")


def test_the_shipped_demo_series_is_what_the_tool_writes(tmp_path: Path) -> None:
    demo = ROOT / "tools" / "demo_series.zh.txt"
    out = tmp_path / "demo"
    assert cs.main([str(demo), "--out", str(out), "--branch", "C01", "--days", "8"]) == 0
    shipped = sorted((ROOT / "content" / "dangzhang").glob("*.md"))
    assert [p.name for p in shipped] == [p.name for p in sorted(out.glob("*.md"))]
    for path in shipped:
        assert path.read_text(encoding="utf-8") == (out / path.name).read_text(encoding="utf-8")


def test_the_last_day_says_the_series_is_complete_not_that_she_finished_it(hostile) -> None:
    """A static page cannot know what a member read: the last installment says every day is
    out, never 已学完 (which a member who read one day of eight was told)."""
    installments, out = hostile
    last = installments[-1]
    page = _page(out, last.day)
    assert "已学完" not in page
    assert f"全 {len(installments)} 天已更新完" in page
    assert "天已更新完" not in _page(out, installments[0].day)

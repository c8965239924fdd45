"""Plain text through tools.markdown_text.escape and Pelican's own Markdown reader, with the
site's MARKDOWN settings, renders as exactly that text: property checks over many lines."""

from __future__ import annotations

import itertools
import random
import re
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest
from pelican.readers import MarkdownReader
from pelican.settings import read_settings

from tools.markdown_text import BACKSLASH_ESCAPABLE, escape, html

ROOT = Path(__file__).resolve().parents[2]
# Every character with a meaning somewhere in Markdown, Python-Markdown's extra, or HTML.
SPECIAL = "\\`*_{}[]()<>#+-.!|:~&;=^$%@\"'/ 0123456789"
WIDE = "　１２．（）“”《》、，。：；！？一二三第条章总纲\t\u00a0"
SAMPLES = [
    "1. 以数字和句点开头",
    "1) 右括号",
    "１. 全角数字",
    "１２３．全角句点",
    "- 减号",
    "* 星号",
    "+ 加号",
    "# 井号",
    "###### 六个井号",
    "> 引用",
    "| a | b |",
    "`代码`",
    "```三个反引号```",
    "~~~",
    "~~~ python",
    "*强调* _下划线_ __粗__ **粗** ~~删~~",
    "<b>粗</b> <img src=x onerror=alert(1)> <!-- 注释 -->",
    "&copy; &amp; &#65; &#x41; &lt;",
    "[链接](http://example.com) ![图](x.png) [^1] <http://example.com> <a@b.c>",
    "    四个空格",
    "\t制表符",
    ": 冒号",
    "*[缩写]: 定义",
    "[id]: http://example.com",
    "[^1]: 脚注",
    "---",
    "***",
    "___",
    "===",
    "{: .cls}",
    "文字 {#id}",
    "\\反斜杠 \\\\ \\* \\_",
    "2017.10.24 3.14 a_b_c 10:30",
    "行末两个空格  ",
    '<div markdown="1">块</div>',
    "/// 三个斜杠",
]


def _settings() -> dict:
    return read_settings(str(ROOT / "pelicanconf.py"))


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self.other: list[str] = []
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "p" and self.depth == 0:
            self.paragraphs.append("")
        else:
            self.other.append(tag)
        self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.paragraphs[-1] += data
        elif data.strip():
            self.other.append(f"text outside a paragraph: {data!r}")


def _shown(text: str) -> str:
    """What a browser shows of a line: ASCII whitespace runs collapse, the ends are trimmed."""
    return re.sub(r"[ \t\n\r\f]+", " ", text.strip())


def render_lines(lines: list[str], tmp_path: Path) -> tuple[list[str], list[str]]:
    """Render `lines` as the paragraphs of one article through Pelican's MarkdownReader."""
    source = tmp_path / "lines.md"
    body = "\n\n".join(escape(line) for line in lines)
    source.write_text(f"Title: {html(lines[0])}\n\n{body}\n", encoding="utf-8")
    content, _ = MarkdownReader(_settings()).read(str(source))
    parser = _Text()
    parser.feed(content)
    return parser.paragraphs, parser.other


def assert_shown_exactly(lines: list[str], tmp_path: Path) -> None:
    lines = [line for line in lines if line.strip()]
    paragraphs, other = render_lines(lines, tmp_path)
    assert other == []  # no list, heading, code, quote, emphasis, link, html …
    assert len(paragraphs) == len(lines)
    for line, shown in zip(lines, paragraphs, strict=True):
        assert _shown(shown) == _shown(line), line


def test_backslash_escapable_set_is_what_the_pinned_markdown_escapes() -> None:
    settings = _settings()
    MarkdownReader(settings)  # adds the configured extensions to settings["MARKDOWN"], as builds do
    md = markdown.Markdown(**settings["MARKDOWN"])
    assert "markdown.extensions.extra" in settings["MARKDOWN"]["extensions"]
    assert set(md.ESCAPED_CHARS) == BACKSLASH_ESCAPABLE


def test_named_lines_render_as_themselves(tmp_path: Path) -> None:
    assert_shown_exactly(SAMPLES, tmp_path)
    # Each also on its own, first in the article, and after a paragraph (definition lists).
    for sample in SAMPLES:
        assert_shown_exactly([sample], tmp_path)
        assert_shown_exactly(["前一段。", sample, sample], tmp_path)


def test_every_pair_of_special_characters_at_a_line_start(tmp_path: Path) -> None:
    lines = [a + b + " 文字" for a, b in itertools.product(SPECIAL, repeat=2)]
    lines += [a + b for a, b in itertools.product(SPECIAL, repeat=2)]
    assert_shown_exactly(lines, tmp_path)


def test_every_triple_of_block_markers(tmp_path: Path) -> None:
    markers = "#>*+-=~`:|1.)　 "
    lines = ["".join(t) + "文" for t in itertools.product(markers, repeat=3)]
    assert_shown_exactly(lines, tmp_path)


@pytest.mark.parametrize("seed", range(4))
def test_random_lines_render_as_themselves(seed: int, tmp_path: Path) -> None:
    rng = random.Random(seed)  # fixed seeds: the same cases on every run
    alphabet = SPECIAL * 3 + WIDE + "abcXYZ"
    lines = ["".join(rng.choices(alphabet, k=rng.randint(1, 40))) for _ in range(1500)]
    lines += [rng.choice(SAMPLES) + "".join(rng.choices(alphabet, k=8)) for _ in range(300)]
    assert_shown_exactly(lines, tmp_path)


def test_html_metadata_shows_the_characters() -> None:
    assert html("第一章 <i> & 党员") == "第一章 &lt;i&gt; &amp; 党员"
    assert html("总纲\u3000（三）\n") == "总纲 （三）"

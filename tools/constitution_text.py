"""Read a constitution's plain text into its structure: preamble, 总纲, chapters, articles.

Texts come as official editions and web copies lay them out: paragraphs separated by blank
lines, or marked by a first-line indent (hard-wrapped text: lines without one continue the
paragraph), or one paragraph a line (no blank line and no indent anywhere). Headings may be
typeset with spaces (`总　　纲`, `第 一 章`, `第一章　党　　员`), a chapter's title may stand on the
next line, numbers are Chinese numerals (第一百零一条, 第一百一十条) or digits.

Whether a line starting with `第…条` / `第…章` is a heading is decided by what a heading looks like
and by the sequence: a heading has a space after 条/章 (or nothing else on its line), and a
chapter's title is short and without sentence punctuation. Without the space (`第三条规定的…`) a
line is a heading only if it starts a paragraph, carries the next expected number and no spaced
heading with that number exists (texts that never put a space there); otherwise it is text.
Chapters and articles must run 1, 2, 3 … (articles continue across chapters, as in the Party
Constitution); a missing, repeated or misplaced one, an empty chapter, a second 总纲 or a 编/节
division stops the import with the line of the first fault and a hint where one helps.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from tools import cn_numerals

GENERAL = "总纲"
_NUM = rf"[{cn_numerals.CHARS}](?:\s*[{cn_numerals.CHARS}])*"
HEADING_RE = re.compile(rf"^第\s*(?P<num>{_NUM})\s*(?P<kind>[章条])(?P<sep>\s*)(?P<rest>.*)$")
# Parts (编) and sections (节) are not in the Party Constitution; the series has no place for them.
_OTHER_DIVISION_RE = re.compile(rf"^第\s*{_NUM}\s*[编节](\s|$)")
# A chapter title is short and holds no sentence punctuation (第二章　党的组织制度).
_TITLE_MAX = 30
_SENTENCE_MARKS = set("。，；：！？、,;:!?")
_CJK_GAP_RE = re.compile(r"(?<=[^\x00-\x7f])\s+(?=[^\x00-\x7f])")


class SourceError(ValueError):
    """The source text is not structured as expected; the message names the line."""


@dataclass
class Article:
    number: int
    label: str  # 第一条 (as the source writes it, without spaces)
    line: int
    paragraphs: list[str] = field(default_factory=list)  # the first without its label


@dataclass
class Chapter:
    number: int
    label: str  # 第一章
    title: str  # 党员 (may be empty)
    line: int
    articles: list[Article] = field(default_factory=list)

    @property
    def name(self) -> str:
        """第一章 党员 (an ASCII space: for titles and metadata)."""
        return f"{self.label} {self.title}".strip()


@dataclass
class Constitution:
    preamble: list[str]
    general: list[str]
    chapters: list[Chapter]

    @property
    def articles(self) -> list[Article]:
        return [a for c in self.chapters for a in c.articles]


def tidy(text: str) -> str:
    """A heading's words without typesetting spaces: `党　　员` → `党员`, `第 一 章` → `第一章`."""
    return _CJK_GAP_RE.sub("", " ".join(text.split()))


@dataclass(frozen=True)
class _Line:
    number: int
    text: str  # stripped
    starts_paragraph: bool  # by layout: after a blank line, indented, or one paragraph a line


def _width(prefix: str) -> int:
    """Display width of leading whitespace (a full-width space is two, a tab four)."""
    widths = {"\t": 4}
    for c in prefix:
        widths.setdefault(c, 2 if unicodedata.east_asian_width(c) in ("F", "W") else 1)
    return sum(widths[c] for c in prefix)


# A full line of hard-wrapped text may fall short of the column by a few half-widths (digits,
# quotes and Latin letters are narrower; a wide character does not fit in the last cell).
_WRAP_SLACK = 6


def _wrap_width(widths: list[int]) -> int | None:
    """The column a hard-wrapped text is wrapped at, or None when it is not hard-wrapped: at
    least a quarter of the lines are that wide (±2, punctuation may hang over) and hardly any
    line is wider. One paragraph a line has no such column: its long paragraphs are wider."""
    for width in sorted(set(widths), reverse=True):
        full = sum(abs(w - width) <= 2 for w in widths)
        wider = sum(w > width + 2 for w in widths)
        if wider > len(widths) / 20:
            return None
        if full >= max(3, len(widths) / 4):
            return width
    return None


def read_lines(text: str) -> list[_Line]:
    """The non-blank lines, each marked if the layout makes it start a paragraph.

    With blank lines in the text, a paragraph starts after a blank line or with an indented line.
    Without any, the text is either hard-wrapped (most lines share one width: a line continues
    the paragraph when the line before it is full and it is not indented; without indents, a
    paragraph whose last line is full runs on into the next) or one paragraph a line (widths
    vary: every line starts one, whatever centring indents a title or heading)."""
    # A byte-order mark may also sit mid-text where files were pasted together.
    raw = text.replace("\ufeff", "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, line in enumerate(raw, 1):
        bad = next((c for c in line if unicodedata.category(c) == "Cc" and c != "\t"), None)
        if bad is not None:
            raise SourceError(f"第 {number} 行：含有控制字符 U+{ord(bad):04X}，请删除后再导入")
    content = [(n, line) for n, line in enumerate(raw, 1) if line.strip()]
    if not content:
        raise SourceError("文本是空的")
    indents = [_width(line[: len(line) - len(line.lstrip())]) for _, line in content]
    base = min(indents)
    indented = [width >= base + 2 for width in indents]
    first, last = content[0][0], content[-1][0]
    has_blank = any(not raw[n - 1].strip() for n in range(first, last + 1))
    widths = [_width(line.rstrip()) for _, line in content]
    wrap = None if has_blank else _wrap_width(widths)
    lines: list[_Line] = []
    for k, ((number, line), indent) in enumerate(zip(content, indented, strict=True)):
        if k == 0 or indent:
            starts = True
        elif has_blank:
            starts = number > content[k - 1][0] + 1  # after a blank line
        else:
            starts = (
                wrap is None or widths[k - 1] < wrap - _WRAP_SLACK
            )  # the line before ends short
        lines.append(_Line(number, line.strip(), starts))
    return lines


@dataclass
class _Heading:
    kind: str  # general, chapter, article
    number: int = 0
    label: str = ""
    rest: str = ""


def _candidate(text: str) -> tuple[str, int, bool, str] | None:
    """(章 or 条, number, spaced, rest) when `text` starts like a heading; a chapter's rest
    must look like a title."""
    match = HEADING_RE.match(text)
    number = cn_numerals.parse(match["num"]) if match else None
    if not number:
        return None
    rest = match["rest"]
    if match["kind"] == "章" and (len(tidy(rest)) > _TITLE_MAX or _SENTENCE_MARKS & set(rest)):
        return None  # 第二章规定的，…: text that mentions a chapter
    return match["kind"], number, bool(match["sep"]) or not rest, rest


class _Parser:
    def __init__(self, spaced: set[tuple[str, int]]) -> None:
        self.spaced = spaced  # (章/条, number) of every spaced heading in the text
        self.preamble: list[str] = []
        self.general: list[str] = []
        self.chapters: list[Chapter] = []
        self.phase = "preamble"
        self.paragraph: list[str] | None = None  # the parts of the open paragraph
        self.paragraph_line = 0
        self.fresh = True  # the next line starts a paragraph (after a heading line)
        self.untitled: Chapter | None = None  # a chapter whose title may be on the next line
        self.chapter_lines: dict[int, int] = {}
        self.article_lines: dict[int, int] = {}
        # Lines that start like a heading but lack the space after 章/条: for hints in errors.
        self.unspaced: dict[tuple[str, int], int] = {}

    # --- headings ---------------------------------------------------------------------------

    def heading(self, line: _Line) -> _Heading | None:
        if tidy(line.text) == GENERAL:
            if self.phase != "preamble":
                raise SourceError(f"第 {line.number} 行：「总纲」出现了两次")
            return _Heading("general")
        if self.phase == "preamble":
            return None
        if _OTHER_DIVISION_RE.match(line.text):
            raise SourceError(
                f"第 {line.number} 行：「{tidy(line.text)[:12]}」：连载只按章、条划分，不支持编、节"
            )
        found = _candidate(line.text)
        if found is None:
            return None
        kind, number, spaced, rest = found
        label = "第" + "".join(HEADING_RE.match(line.text)["num"].split()) + kind
        if not spaced:
            self.unspaced.setdefault((kind, number), line.number)
            expected = len(self.chapter_lines if kind == "章" else self.article_lines) + 1
            if not line.starts_paragraph or number != expected or (kind, number) in self.spaced:
                return None  # 第三条规定的… inside an article: a reference, not a heading
        if kind == "章":
            return _Heading("chapter", number, label, tidy(rest))
        return _Heading("article", number, label, rest.strip())

    def _check(self, kind: str, number: int, label: str, line: int, seen: dict[int, int]) -> None:
        expected = len(seen) + 1
        if number in seen:
            hint = self._hint(kind, number, seen[number], "被当作了标题，如是正文请改行")
            if kind == "条" and not self.chapters[-1].articles:
                hint += "；条的序号跨章连续，不按章重新编号"
            raise SourceError(f"第 {line} 行：{label}重复（第 {seen[number]} 行已有{label}）{hint}")
        if number != expected:
            missing = f"第{cn_numerals.name(expected)}{kind}"
            at = self.unspaced.get((kind, expected))
            hint = self._hint(kind, expected, at, "按正文处理了，如是标题请在序号后加空格")
            raise SourceError(f"第 {line} 行：缺少{missing}（这里已是{label}，序号应连续）{hint}")
        seen[number] = line

    def _hint(self, kind: str, number: int, line: int | None, what: str) -> str:
        if line is None or self.unspaced.get((kind, number)) != line:
            return ""
        return f"；第 {line} 行以「第{cn_numerals.name(number)}{kind}」开头而其后没有空格，{what}"

    def open_heading(self, head: _Heading, line: _Line) -> None:
        self.close()
        self.fresh, self.untitled = True, None
        if head.kind == "general":
            self.phase = "general"
            return
        if head.kind == "chapter":
            if self.phase == "body" and not self.chapters[-1].articles:
                empty = self.chapters[-1]
                raise SourceError(f"第 {empty.line} 行：{empty.label}下没有条文")
            self._check("章", head.number, head.label, line.number, self.chapter_lines)
            chapter = Chapter(head.number, head.label, head.rest, line.number)
            self.chapters.append(chapter)
            self.phase = "body"
            self.untitled = None if head.rest else chapter
            return
        if self.phase != "body":
            raise SourceError(f"第 {line.number} 行：条文（{head.label}）出现在第一章之前")
        self._check("条", head.number, head.label, line.number, self.article_lines)
        article = Article(head.number, head.label, line.number, [head.rest])
        self.chapters[-1].articles.append(article)
        self.paragraph, self.paragraph_line = [head.rest], line.number
        self.fresh = False  # the article's text continues on the next line

    # --- paragraphs -------------------------------------------------------------------------

    def close(self) -> None:
        if self.paragraph is None:
            return
        text, self.paragraph = "".join(self.paragraph), None
        if self.phase == "preamble":
            self.preamble.append(text)
        elif self.phase == "general":
            self.general.append(text)
        else:
            chapter = self.chapters[-1]
            if not chapter.articles:
                raise SourceError(f"第 {self.paragraph_line} 行：段落不属于任何一条")
            paragraphs = chapter.articles[-1].paragraphs
            if paragraphs[-1] == "" or self.paragraph_line == chapter.articles[-1].line:
                paragraphs[-1] = text  # the article's first paragraph
            else:
                paragraphs.append(text)

    def feed(self, line: _Line) -> None:
        head = self.heading(line)
        if head is not None:
            self.open_heading(head, line)
            return
        if self.untitled is not None:
            title = tidy(line.text)
            self.untitled = None
            if len(title) <= _TITLE_MAX and not _SENTENCE_MARKS & set(title):
                self.chapters[-1].title = title  # 第一章 / 党员 on two lines
                return
        if line.starts_paragraph or self.fresh or self.paragraph is None:
            self.close()
            self.paragraph, self.paragraph_line = [line.text], line.number
            self.fresh = False
        else:
            self.paragraph.append(line.text)

    def finish(self) -> Constitution:
        self.close()
        if self.phase == "preamble":
            raise SourceError("找不到「总纲」（应单独成段，如「总　　纲」）")
        if not self.general:
            raise SourceError("「总纲」下没有段落")
        if not self.chapters:
            raise SourceError("找不到章（如「第一章　党员」）")
        if not self.chapters[-1].articles:
            last = self.chapters[-1]
            raise SourceError(f"第 {last.line} 行：{last.label}下没有条文")
        for article in (a for c in self.chapters for a in c.articles):
            if not article.paragraphs or not article.paragraphs[0]:
                raise SourceError(f"第 {article.line} 行：{article.label}没有内容")
        return Constitution(self.preamble, self.general, self.chapters)


def parse_text(text: str) -> Constitution:
    """The structure of `text`; SourceError (with the line) when it is not a constitution."""
    lines = read_lines(text)
    spaced = {(f[0], f[1]) for f in map(_candidate, (x.text for x in lines)) if f and f[2]}
    parser = _Parser(spaced)
    for line in lines:
        parser.feed(line)
    return parser.finish()

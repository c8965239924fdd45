"""Split a constitution text into daily installments: `python -m tools.constitution_series`.

    python -m tools.constitution_series SOURCE --branch C01 --out content/dangzhang/ [--days 100]

SOURCE is plain text (UTF-8, or GB18030) structured like the Party Constitution: a title (and a
note on the revision), `总纲` with its paragraphs, then chapters (`第一章　党员`) holding articles
(`第一条　……`, an article may have several paragraphs). tools/constitution_text reads it: the
layouts and typesetting it accepts, and the numbering it checks (chapters and articles must run
1, 2, 3 …; the first fault stops the import with its line).

The installments are balanced by length: a dynamic programme cuts the text into exactly `--days`
contiguous parts, minimising the squared distance of each part from the mean length. An article
(条) is never split. 总纲 is cut between paragraphs; a long 总纲 paragraph may also be cut between
sentences (a cut inside a paragraph costs extra, so the programme prefers paragraph ends). The
2017 text has 30 总纲 paragraphs and 55 articles, only 85 whole pieces for 100 days, and one 总纲
paragraph is four times a day's reading: sentence cuts in 总纲 are what make 100 balanced days
possible. A single long article (第三条 is about three days' reading) stays one installment.
A day that would run on into the next chapter costs as much as a day twice too long, so chapters
start days wherever the balance allows; a day that must hold two names both in its title and
`Chapter:` (`第十章 … 第五十一条至第五十二条；第十一章 … 第五十三条`).

Titles say what a day holds (`第 3 天 · 总纲（三）`, `第 51 天 · 第一章 党员 第一条`); `Lead:` holds
its first words, which the series index shows under the title so the fifty 总纲 days are told
apart. Text goes into Markdown through tools/markdown_text, so members see exactly the source.

Each installment is a Markdown article with `Series: constitution` and `Day: N`; its publication
date is not written into the file but computed at build time from the series' start date in
pelicanconf.SERIES (plugins/series), so moving the start date needs no new review.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tools import cn_numerals, markdown_text
from tools.constitution_text import GENERAL, Chapter, SourceError, parse_text

__all__ = ["SourceError", "balance", "main", "parse", "render", "split", "write"]

SERIES_KEY = "constitution"
CATEGORY = "党章百日学"
DEFAULT_DAYS = 100

# A sentence ends with 。！？ (and any closing quotes or brackets right after).
_SENTENCE_RE = re.compile(r"[^。！？]*[。！？]+[”’」』）)]*|[^。！？]+$")
LEAD_MAX = 24  # characters of a day's first words on the series index


@dataclass(frozen=True)
class Piece:
    kind: str  # preamble, heading, paragraph, sentence (continues a paragraph), article
    text: str
    label: str = ""  # an article's 第一条


@dataclass
class Unit:
    """A piece the splitter never cuts: a 总纲 paragraph or sentence run, or a whole article."""

    blocks: list[Piece]
    chapter: Chapter | None  # the chapter in force (None in 总纲)
    article: str | None = None  # 第一条 …
    general_part: bool = False
    paragraph_start: bool = True  # False: continues the previous unit's 总纲 paragraph
    part_start: bool = False  # the unit opens 总纲 or a chapter: a good place for a day to begin

    @property
    def length(self) -> int:
        return sum(len(re.sub(r"\s", "", b.label + b.text)) for b in self.blocks)


@dataclass
class Installment:
    day: int
    units: list[Unit] = field(default_factory=list)

    @property
    def length(self) -> int:
        return sum(u.length for u in self.units)

    @property
    def blocks(self) -> list[Piece]:
        return [b for u in self.units for b in u.blocks]

    @property
    def articles(self) -> list[str]:
        return [u.article for u in self.units if u.article]

    @property
    def parts(self) -> list[tuple[Chapter | None, list[str]]]:
        """(chapter or None for 总纲, its articles here), in order: two when a day spans two."""
        parts: list[tuple[Chapter | None, list[str]]] = []
        for unit in self.units:
            if not parts or parts[-1][0] is not unit.chapter:
                parts.append((unit.chapter, []))
            if unit.article:
                parts[-1][1].append(unit.article)
        return parts


def _sentences(paragraph: str) -> list[str]:
    return [s for s in _SENTENCE_RE.findall(paragraph) if s.strip()]


def parse(text: str) -> list[Unit]:
    """The source as a sequence of units, in order (SourceError names the line of a fault)."""
    source = parse_text(text)
    units: list[Unit] = []
    leading = [*(Piece("preamble", p) for p in source.preamble), Piece("heading", GENERAL)]
    # 总纲: every paragraph, sentence by sentence.
    for paragraph in source.general:
        for k, sentence in enumerate(_sentences(paragraph)):
            units.append(
                Unit(
                    blocks=[*leading, Piece("paragraph" if k == 0 else "sentence", sentence)],
                    chapter=None,
                    general_part=True,
                    paragraph_start=k == 0,
                    part_start=bool(leading),
                )
            )
            leading = []
    for chapter in source.chapters:
        heading = [Piece("heading", f"{chapter.label}\u3000{chapter.title}".strip())]
        for article in chapter.articles:
            first, *more = article.paragraphs
            units.append(
                Unit(
                    blocks=[
                        *heading,
                        Piece("article", first, article.label),
                        *(Piece("paragraph", p) for p in more),
                    ],
                    chapter=chapter,
                    article=article.label,
                    part_start=bool(heading),
                )
            )
            heading = []
    return units


def split(units: Sequence[Unit], days: int = DEFAULT_DAYS) -> list[Installment]:
    """Exactly `days` contiguous installments, as even in length as whole units allow."""
    n = len(units)
    if n < days:
        raise SourceError(f"文本只能分成 {n} 段，少于 {days} 天；请减少天数（--days）")
    lengths = [u.length for u in units]
    prefix = [0]
    for length in lengths:
        prefix.append(prefix[-1] + length)
    target = prefix[-1] / days
    mid_paragraph_cost = (target / 2) ** 2
    # A day that runs on into the next chapter (or from 总纲 into 第一章) costs as much as a day
    # twice too long: chapters start days wherever the balance allows.
    span_cost = target**2
    starts = [0]
    for unit in units:
        starts.append(starts[-1] + unit.part_start)
    widest = n - days + 1
    inf = float("inf")
    # best[k][j]: least cost of cutting units[:j] into k installments;
    # cut[k][j]: where the last of them began.
    best = [[inf] * (n + 1) for _ in range(days + 1)]
    cut = [[0] * (n + 1) for _ in range(days + 1)]
    best[0][0] = 0.0
    for k in range(1, days + 1):
        row, prev = best[k], best[k - 1]
        for j in range(k, n - (days - k) + 1):
            top = None
            for i in range(j - 1, max(k - 1, j - widest) - 1, -1):
                if prev[i] == inf:
                    continue
                size = prefix[j] - prefix[i]
                cost = prev[i] + (size - target) ** 2
                if i > 0 and not units[i].paragraph_start:
                    cost += mid_paragraph_cost
                cost += span_cost * (starts[j] - starts[i + 1])
                if cost < row[j]:
                    row[j], top = cost, i
                if size > 3 * target and top is not None:
                    break  # longer runs only cost more
            if top is not None:
                cut[k][j] = top
    installments: list[Installment] = []
    j = n
    for k in range(days, 0, -1):
        i = cut[k][j]
        installments.append(Installment(day=k, units=list(units[i:j])))
        j = i
    installments.reverse()
    return installments


def balance(installments: Sequence[Installment]) -> tuple[float, int]:
    """(median length, longest length)."""
    lengths = [inst.length for inst in installments]
    return statistics.median(lengths), max(lengths)


# --- Markdown -------------------------------------------------------------------------------


def _general_numbers(installments: Sequence[Installment]) -> dict[int, str]:
    """Day → 一, 二 … for the days of 总纲 (their titles: 总纲（一）, 总纲（二）…)."""
    numbers, count = {}, 0
    for inst in installments:
        if inst.parts[0][0] is None:
            count += 1
            numbers[inst.day] = cn_numerals.name(count)
    return numbers


def _span(articles: Sequence[str], joiner: str) -> str:
    if not articles:
        return ""
    return articles[0] if len(articles) == 1 else f"{articles[0]}{joiner}{articles[-1]}"


def label(inst: Installment, general_numbers: dict[int, str]) -> str:
    """What the day holds: 总纲（三）, 第一章 党员 第一条至第二条; both parts when it spans two."""
    parts = []
    for chapter, articles in inst.parts:
        if chapter is None:
            parts.append(f"{GENERAL}（{general_numbers[inst.day]}）")
        else:
            parts.append(f"{chapter.name} {_span(articles, '至')}".strip())
    return "；".join(parts)


def lead(inst: Installment) -> str:
    """The day's first words (after any heading), for the series index: 马克思列宁主义揭示了……"""
    text = next(b.text for b in inst.blocks if b.kind not in ("preamble", "heading"))
    text = " ".join(text.split())
    if len(text) <= LEAD_MAX + 4:
        return text
    marks = [i for i, c in enumerate(text[: LEAD_MAX + 5]) if c in "，、；：。,;" and i >= 8]
    return (text[: marks[-1]] if marks else text[:LEAD_MAX]) + "……"


def metadata(inst: Installment, branch: str, source: str, general_numbers: dict) -> list:
    """(field, value) pairs; values are HTML-escaped, as Pelican prints these fields as HTML."""
    chapters = "；".join(c.name if c else GENERAL for c, _ in inst.parts)
    meta = [
        ("Title", f"第 {inst.day} 天 · {label(inst, general_numbers)}"),
        ("Category", CATEGORY),
        ("Series", SERIES_KEY),
        ("Day", str(inst.day)),
        ("Slug", f"dangzhang-{inst.day:03d}"),
        ("Branch", branch),
        ("Source", source),
        ("Chapter", chapters),
    ]
    if inst.articles:
        meta.append(("Articles", _span(inst.articles, "—")))
    meta.append(("Lead", lead(inst)))
    return [(key, markdown_text.html(value)) for key, value in meta]


def render(inst: Installment, branch: str, source: str, general_numbers: dict) -> str:
    """The installment as a Markdown article; every source character is shown as it is."""
    escape = markdown_text.escape
    lines = [f"{key}: {value}" for key, value in metadata(inst, branch, source, general_numbers)]
    body: list[str] = []
    for block in inst.blocks:
        if block.kind == "heading":
            body.append(f"## {escape(block.text)}")
        elif block.kind == "preamble":
            body.append(f"**{escape(block.text)}**" if not body else escape(block.text))
        elif block.kind == "article":
            body.append(f"**{escape(block.label)}**\u3000{escape(block.text)}")
        elif block.kind == "sentence" and body and not body[-1].startswith("## "):
            # A sentence run continues its paragraph, with the space before it (if any).
            gap = block.text[: len(block.text) - len(block.text.lstrip())]
            body[-1] += gap + escape(block.text)
        else:
            body.append(escape(block.text))
    return "\n".join(lines) + "\n\n" + "\n\n".join(body) + "\n"


def write(installments: Sequence[Installment], out: Path, branch: str, source: str) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("dangzhang-*.md"):
        old.unlink()  # a shorter re-import must not leave days behind
    general_numbers = _general_numbers(installments)
    written = []
    for inst in installments:
        path = out / f"dangzhang-{inst.day:03d}.md"
        path.write_text(render(inst, branch, source, general_numbers), encoding="utf-8")
        written.append(path)
    return written


def read_source(path: Path) -> str:
    """The text of `path`: UTF-8 (with or without BOM), or GB18030 as Windows in China saves it."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gb18030")
        print(f"{path}: 不是 UTF-8，按 GB18030 读取", file=sys.stderr)
        return text


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="把党章文本分成按天推送的连载（党章百日学）")
    parser.add_argument("source", type=Path, help="党章全文（UTF-8 纯文本，段落之间空一行）")
    parser.add_argument("--out", type=Path, default=Path("content/dangzhang"), help="输出目录")
    parser.add_argument("--days", type=int, default=DEFAULT_DAYS, help="天数（默认 100）")
    parser.add_argument(
        "--branch", required=True, help="发布单位编号（如党委 C01），审核人按此确定"
    )
    parser.add_argument("--source-label", default="党委宣传部", help="文章来源（Source）")
    args = parser.parse_args(argv)
    if args.days < 1:
        parser.error("--days 须为正整数")
    try:
        text = read_source(args.source)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{args.source}: 无法读取（须为 UTF-8 或 GB18030 文本）：{exc}", file=sys.stderr)
        return 1
    try:
        installments = split(parse(text), args.days)
    except SourceError as exc:
        print(f"{args.source}: {exc}", file=sys.stderr)
        return 1
    written = write(installments, args.out, args.branch, args.source_label)
    median, longest = balance(installments)
    print(
        f"已生成 {len(written)} 篇连载到 {args.out}/（每篇中位 {median:.0f} 字，最长 {longest} 字）"
    )
    print(
        "下一步：make review 登记待审核，审核通过后按 pelicanconf.SERIES 的开始日期每天发布一篇。"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

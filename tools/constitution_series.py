"""Split a constitution text into daily installments: `python -m tools.constitution_series`.

    python -m tools.constitution_series SOURCE --branch C01 --out content/dangzhang/ [--days 100]

SOURCE is plain UTF-8 text, one paragraph a block with a blank line between blocks, structured
like the Party Constitution: a title (and a note on the revision), `总纲` with its paragraphs, then
chapters (`第一章　党员`) holding articles (`第一条　……`, an article may have several paragraphs).

The installments are balanced by length: a dynamic programme cuts the text into exactly `--days`
contiguous parts, minimising the squared distance of each part from the mean length. An article
(条) is never split. 总纲 is cut between paragraphs; a long 总纲 paragraph may also be cut between
sentences (a cut inside a paragraph costs extra, so the programme prefers paragraph ends). The
2017 text has 30 总纲 paragraphs and 55 articles, only 85 whole pieces for 100 days, and one 总纲
paragraph is four times a day's reading: sentence cuts in 总纲 are what make 100 balanced days
possible. A single long article (第三条 is about three days' reading) stays one installment.

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

SERIES_KEY = "constitution"
CATEGORY = "党章百日学"
DEFAULT_DAYS = 100

_NUM = "〇零一二三四五六七八九十百千"
CHAPTER_RE = re.compile(rf"^第[{_NUM}]+章[\s\u3000]*\S")
ARTICLE_RE = re.compile(rf"^(第[{_NUM}]+条)[\s\u3000]*")
GENERAL = "总纲"
# A sentence ends with 。！？ (and any closing quotes or brackets right after).
_SENTENCE_RE = re.compile(r"[^。！？]*[。！？]+[”’」』）)]*|[^。！？]+$")
# Markdown that a line of plain text could trigger by accident at its start.
_MD_START_RE = re.compile(r"^(\s*)([#>*+\-]|\d+[.)])")


class SourceError(ValueError):
    """The source text is not structured as expected; the message names the line."""


@dataclass(frozen=True)
class Block:
    text: str
    line: int  # 1-based line of the block in the source


@dataclass
class Unit:
    """A piece the splitter never cuts: a 总纲 paragraph or sentence run, or a whole article."""

    blocks: list[tuple[str, str]]  # (kind, text): kind is heading, paragraph or article
    chapter: str | None  # the chapter in force (None in 总纲)
    article: str | None = None  # 第一条 …
    general_part: bool = False
    paragraph_start: bool = True  # False: continues the previous unit's 总纲 paragraph

    @property
    def length(self) -> int:
        return sum(len(re.sub(r"\s", "", text)) for _, text in self.blocks)


@dataclass
class Installment:
    day: int
    units: list[Unit] = field(default_factory=list)

    @property
    def length(self) -> int:
        return sum(u.length for u in self.units)

    @property
    def blocks(self) -> list[tuple[str, str]]:
        return [b for u in self.units for b in u.blocks]

    @property
    def articles(self) -> list[str]:
        return [u.article for u in self.units if u.article]

    @property
    def chapter(self) -> str | None:
        return self.units[0].chapter

    @property
    def continues(self) -> bool:
        """True when the installment starts inside a chapter or 总纲 that began earlier."""
        first = self.units[0]
        return not (first.blocks and first.blocks[0][0] in ("heading", "preamble"))


def read_blocks(text: str) -> list[Block]:
    blocks, current, start = [], [], 0
    for number, line in enumerate(text.replace("\r\n", "\n").lstrip("\ufeff").split("\n"), 1):
        if line.strip():
            if not current:
                start = number
            current.append(line.strip())
        elif current:
            blocks.append(Block("".join(current), start))
            current = []
    if current:
        blocks.append(Block("".join(current), start))
    return blocks


def _sentences(paragraph: str) -> list[str]:
    return [s for s in _SENTENCE_RE.findall(paragraph) if s.strip()]


def parse(text: str) -> list[Unit]:
    """The source as a sequence of units, in order."""
    blocks = read_blocks(text)
    general_at = next((i for i, b in enumerate(blocks) if b.text == GENERAL), None)
    if general_at is None:
        raise SourceError("找不到「总纲」（应单独成段）")
    preamble = [("preamble", b.text) for b in blocks[:general_at]]
    units: list[Unit] = []
    leading = [*preamble, ("heading", GENERAL)]
    chapter: str | None = None
    i = general_at + 1
    # 总纲: every paragraph, sentence by sentence.
    while i < len(blocks) and not CHAPTER_RE.match(blocks[i].text):
        if ARTICLE_RE.match(blocks[i].text):
            raise SourceError(f"第 {blocks[i].line} 行：条文出现在第一章之前")
        for k, sentence in enumerate(_sentences(blocks[i].text)):
            units.append(
                Unit(
                    blocks=[*leading, ("paragraph" if k == 0 else "sentence", sentence)],
                    chapter=None,
                    general_part=True,
                    paragraph_start=k == 0,
                )
            )
            leading = []
        i += 1
    if not units:
        raise SourceError("「总纲」下没有段落")
    if i == len(blocks):
        raise SourceError("找不到章（如「第一章　党员」）")
    pending_heading: list[tuple[str, str]] = []
    for block in blocks[i:]:
        if CHAPTER_RE.match(block.text):
            chapter = block.text
            pending_heading = [("heading", block.text)]
        elif ARTICLE_RE.match(block.text):
            name = ARTICLE_RE.match(block.text).group(1)
            units.append(
                Unit(
                    blocks=[*pending_heading, ("article", block.text)],
                    chapter=chapter,
                    article=name,
                )
            )
            pending_heading = []
        else:
            if pending_heading or units[-1].article is None:
                raise SourceError(f"第 {block.line} 行：段落不属于任何一条")
            units[-1].blocks.append(("paragraph", block.text))
    if pending_heading:
        raise SourceError(f"「{pending_heading[0][1]}」下没有条文")
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


def _escape(text: str) -> str:
    return _MD_START_RE.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def _title(inst: Installment, general_parts: dict[int, int]) -> str:
    if inst.articles:
        first, last = inst.articles[0], inst.articles[-1]
        span = first if first == last else f"{first}至{last}"
        chapter = inst.units[-1].chapter or ""
        chapter_name = re.sub(r"[\s\u3000]+", " ", chapter)
        return f"第 {inst.day} 天 · {chapter_name} {span}".strip()
    return f"第 {inst.day} 天 · 总纲（{general_parts[inst.day]}）"


def render(inst: Installment, total: int, branch: str, source: str, general_parts: dict) -> str:
    chapter = inst.chapter or GENERAL
    meta = [
        ("Title", _title(inst, general_parts)),
        ("Category", CATEGORY),
        ("Series", SERIES_KEY),
        ("Day", str(inst.day)),
        ("Slug", f"dangzhang-{inst.day:03d}"),
        ("Branch", branch),
        ("Source", source),
        ("Chapter", re.sub(r"[\s\u3000]+", " ", chapter)),
    ]
    if inst.articles:
        first, last = inst.articles[0], inst.articles[-1]
        meta.append(("Articles", first if first == last else f"{first}—{last}"))
    lines = [f"{key}: {value}" for key, value in meta]
    body: list[str] = []
    for kind, text in inst.blocks:
        if kind == "heading":
            body.append(f"## {text}")
        elif kind == "preamble":
            body.append(f"**{_escape(text)}**" if not body else _escape(text))
        elif kind == "article":
            match = ARTICLE_RE.match(text)
            body.append(f"**{match.group(1)}**\u3000{_escape(text[match.end() :])}")
        elif kind == "sentence" and body and not body[-1].startswith("## "):
            body[-1] += text  # a sentence run continues its paragraph
        else:
            body.append(_escape(text))
    return "\n".join(lines) + "\n\n" + "\n\n".join(body) + "\n"


def write(installments: Sequence[Installment], out: Path, branch: str, source: str) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("dangzhang-*.md"):
        old.unlink()  # a shorter re-import must not leave days behind
    general_parts, count = {}, 0
    for inst in installments:
        if not inst.articles:
            count += 1
            general_parts[inst.day] = _chinese_number(count)
    written = []
    for inst in installments:
        path = out / f"dangzhang-{inst.day:03d}.md"
        text = render(inst, len(installments), branch, source, general_parts)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def _chinese_number(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


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
    try:
        text = args.source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{args.source}: 无法读取（须为 UTF-8 文本）：{exc}", file=sys.stderr)
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

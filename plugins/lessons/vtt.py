"""A small WebVTT reader: the cues of a lesson's subtitles, as the transcript shows them.

Written here rather than taken from a library: the build needs the cue times and plain text of
files our editors write, and a clear line number for each mistake (the libraries on PyPI either
stop at the first error without a line or keep going silently). What it accepts is what
browsers play: the `WEBVTT` signature line, then blocks separated by blank lines; a cue is an
optional identifier line, a timing line `[hh:]mm:ss.ttt --> [hh:]mm:ss.ttt [settings]` and its
text lines; NOTE, STYLE and REGION blocks are skipped. Cue text markup (`<v 张明>`, `<b>`, `<c.x>`,
timestamps) is dropped for the transcript and entities (`&amp;`) decoded.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

_TIME = r"(?:(\d+):)?([0-5]\d):([0-5]\d)\.(\d{3})"
_TIMING = re.compile(rf"^{_TIME}[ \t]+-->[ \t]+{_TIME}(?:[ \t]+.*)?$")
_TAG = re.compile(r"<[^>]*>")
MAX_BYTES = 1024 * 1024  # subtitles of a 3-hour lesson are well under this


class VttError(Exception):
    """A WebVTT file that browsers would not play as meant; `line` is where (1-based)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"第 {line} 行：{message}")
        self.line = line
        self.message = message


@dataclass(frozen=True)
class Cue:
    start: float  # seconds
    end: float
    text: str  # plain text, lines joined by a space
    line: int  # the timing line's number in the file


def _seconds(hours: str | None, minutes: str, seconds: str, millis: str) -> float:
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(millis) / 1000


def plain(text: str) -> str:
    """Cue text without markup, entities decoded."""
    return html.unescape(_TAG.sub("", text)).strip()


def parse(text: str) -> list[Cue]:
    """The cues of a WebVTT text, in file order; VttError names the first bad line."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    first = lines[0] if lines else ""
    if not (first == "WEBVTT" or first.startswith(("WEBVTT ", "WEBVTT\t"))):
        raise VttError(1, "第一行须为 WEBVTT（WebVTT 字幕文件）")
    cues: list[Cue] = []
    i = 1
    while i < len(lines) and lines[i].strip():  # the header's own lines
        if "-->" in lines[i]:
            raise VttError(i + 1, "WEBVTT 行之后须先空一行，再写字幕")
        i += 1
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        block_start = i
        block = []
        while i < len(lines) and lines[i].strip():
            block.append(lines[i])
            i += 1
        head = block[0]
        if head.startswith(("NOTE", "STYLE", "REGION")) and "-->" not in head:
            continue
        timing_at = 0 if "-->" in head else 1
        if timing_at >= len(block) or "-->" not in block[timing_at]:
            raise VttError(block_start + 1, "缺少时间轴（如 00:01.000 --> 00:04.000）")
        number = block_start + timing_at + 1
        match = _TIMING.match(block[timing_at].strip())
        if match is None:
            example = "应如 00:01.000 --> 00:04.000"
            raise VttError(number, f"时间轴格式不对：{block[timing_at].strip()}（{example}）")
        start = _seconds(*match.groups()[:4])
        end = _seconds(*match.groups()[4:])
        if end <= start:
            raise VttError(number, "结束时间须晚于开始时间")
        if cues and start < cues[-1].start:
            raise VttError(number, "字幕须按开始时间先后排列")
        body = [line for line in block[timing_at + 1 :] if "-->" not in line]
        if len(body) != len(block) - timing_at - 1:
            raise VttError(number, "两条字幕之间须空一行")
        words = plain(" ".join(line.strip() for line in body))
        if not words:
            raise VttError(number, "这条字幕没有文字")
        cues.append(Cue(start, end, words, number))
    if not cues:
        raise VttError(1, "文件中没有字幕")
    return cues


def clock(seconds: float) -> str:
    """`m:ss` (or `h:mm:ss`) of whole seconds, as lesson pages show times."""
    whole = int(seconds)
    h, rest = divmod(whole, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"

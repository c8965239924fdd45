"""Which characters a member's plain text may not hold: the one definition the services share.

- An emoji: a symbol (So, Sk) or an unassigned or private-use point beyond the BMP, a symbol in
  the BMP's pictograph blocks (U+2190–U+2BFF: arrows, ☀, ✅, ⭐), or an emoji joiner, variation
  selector or keycap. Letters beyond the BMP (rare characters of names and places, 「𠮷」, Lo)
  and symbols such as ℃ are text, not emoji.
- Invisible: the format characters (Cf: zero-width spaces and joiners, bidi overrides and
  isolates, the BOM, tags) and the Hangul fillers, letters that draw nothing; with them a text
  looks other than it reads (「社区\u202e务服诊义」 shows as 「社区义诊服务」) or looks empty.
  So are the other default-ignorable points that are not Cf (the combining grapheme joiner
  U+034F, the Mongolian and standard variation selectors but the emoji ones) and the object
  replacement U+FFFC.
- Unprinted: control characters (Cc, U+0085 included), private use (Co), unassigned (Cn) and
  lone surrogates (Cs): nothing a member types; an export (openpyxl) refuses most of them.

`problem(text)` is the one check a form field uses: a Chinese reason or None.
"""

from __future__ import annotations

import unicodedata

EMOJI_MARKS = frozenset("\u200d\ufe0f\u20e3")
FILLERS = frozenset("\u115f\u1160\u3164\uffa0")
IGNORABLE = frozenset(
    (0x034F, 0x17B4, 0x17B5, 0xFFFC, *range(0x180B, 0x1810), *range(0xFE00, 0xFE0E))
) | frozenset(range(0xE0100, 0xE01F0))


def is_emoji(ch: str) -> bool:
    if ch in EMOJI_MARKS:
        return True
    category, code = unicodedata.category(ch), ord(ch)
    if code > 0xFFFF:
        return category in {"So", "Sk", "Cn", "Co"}
    return category == "So" and 0x2190 <= code <= 0x2BFF


def is_invisible(ch: str) -> bool:
    return ch in FILLERS or ord(ch) in IGNORABLE or unicodedata.category(ch) == "Cf"


def is_unprinted(ch: str) -> bool:
    return unicodedata.category(ch) in {"Cc", "Co", "Cn", "Cs"}


def problem(text: str, newlines: bool = False) -> str | None:
    """Why `text` cannot be stored as a member's plain text, or None. Line breaks (\\n, and
    \\r\\n as the browser sends a textarea) only where `newlines`; tabs never."""
    for ch in text:
        if ch in "\r\n":
            if not newlines:
                return "不能换行"
        elif ch in "\u2028\u2029":  # line and paragraph separators: breaks a textarea never sends
            return "不能换行" if not newlines else "不能包含控制字符或不可见字符"
        elif is_emoji(ch):
            return "不能包含表情符号"
        elif is_unprinted(ch) or is_invisible(ch):
            return "不能包含控制字符或不可见字符"
    return None

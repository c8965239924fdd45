"""Which characters a member's plain text may not hold: the one definition the services share.

- An emoji: a symbol (So, Sk) or an unassigned or private-use point beyond the BMP, a symbol in
  the BMP's pictograph blocks (U+2190–U+2BFF: arrows, ☀, ✅, ⭐), or an emoji joiner, variation
  selector or keycap. Letters beyond the BMP (rare characters of names and places, 「𠮷」, Lo)
  and symbols such as ℃ are text, not emoji.
- Invisible: the format characters (Cf: zero-width spaces and joiners, bidi overrides and
  isolates, the BOM, tags) and the Hangul fillers, letters that draw nothing; with them a text
  looks other than it reads (「社区\u202e务服诊义」 shows as 「社区义诊服务」) or looks empty.
"""

from __future__ import annotations

import unicodedata

EMOJI_MARKS = frozenset("\u200d\ufe0f\u20e3")
FILLERS = frozenset("\u115f\u1160\u3164\uffa0")


def is_emoji(ch: str) -> bool:
    if ch in EMOJI_MARKS:
        return True
    category, code = unicodedata.category(ch), ord(ch)
    if code > 0xFFFF:
        return category in {"So", "Sk", "Cn", "Co"}
    return category == "So" and 0x2190 <= code <= 0x2BFF


def is_invisible(ch: str) -> bool:
    return ch in FILLERS or unicodedata.category(ch) == "Cf"

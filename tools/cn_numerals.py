"""Chinese numerals as official texts number chapters and articles (第一百零一条, 第十章).

`parse` reads the forms typesetting uses: 一 … 九, 十 (十一, 二十, 一十), 百 and 千 with 零 for
a gap (一百零一, 一百一十, 一百十), and Arabic or full-width digits (第 12 条, 第１２条). `name`
writes the canonical form (101 → 一百零一), used in messages and tests.
"""

from __future__ import annotations

DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5}
DIGITS |= {"六": 6, "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000}
# Characters a number may be made of (for regular expressions; 0-9 and ０-９ too).
CHARS = "".join(DIGITS) + "".join(UNITS) + "0-9０-９"

_CANONICAL = "零一二三四五六七八九"


def parse(text: str) -> int | None:
    """The value of `text` (whitespace ignored), or None when it is not a number."""
    text = "".join(text.split())
    if not text:
        return None
    if all(c.isdecimal() for c in text):  # 12, １２ (int() reads full-width digits too)
        return int(text)
    total, digit, last_unit, zero = 0, None, 10**9, False
    for char in text:
        if char in DIGITS:
            value = DIGITS[char]
            if digit is not None and not (digit == 0 and value):
                return None  # two digits in a row (only 零 may precede one)
            zero = zero or value == 0
            digit = value
        elif char in UNITS:
            unit = UNITS[char]
            if unit >= last_unit or digit == 0:
                return None  # 百 after 十, 零十
            if digit is None:
                if unit != 10:
                    return None  # 百 alone
                digit = 1  # 十一, 一百十
            total += digit * unit
            last_unit, digit = unit, None
        else:
            return None
    if digit:
        if zero or last_unit in (10, 10**9):  # 一百零五, 十五, 五
            total += digit
        else:
            return None  # 一百五 (colloquial 150) is not how texts number
    return total


def name(n: int) -> str:
    """The canonical Chinese numeral for 1 ≤ n < 10000 (一百零一, 一百一十, 十二)."""
    if not 0 < n < 10000:
        raise ValueError(n)
    parts, gap = [], False
    for unit, label in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, n = divmod(n, unit)
        if digit:
            if gap and parts:
                parts.append("零")
            parts.append(_CANONICAL[digit] + label)
            gap = False
        else:
            gap = True
    text = "".join(parts)
    return text[1:] if text.startswith("一十") else text

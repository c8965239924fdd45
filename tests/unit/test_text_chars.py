"""The one check of a member's plain text (text_chars.problem): what a form field refuses."""

import pytest

from chalicelib import text_chars


@pytest.mark.parametrize(
    "text",
    [
        "王\u202e芳",  # bidi override
        "\u200b\u200b",  # zero-width only
        "第一\x07支部",  # BEL
        "甲\u0085乙",  # NEL: a line break by another name
        "甲\u009b乙",  # CSI
        "甲\ue000乙",  # private use
        "甲\u034f乙",  # combining grapheme joiner
        "甲\ufffc乙",  # object replacement
        "甲\u3164乙",  # Hangul filler
        "甲\ufe00乙",  # variation selector
        "甲\U000e0101乙",  # variation selector supplement
    ],
)
def test_unprinted_and_invisible_are_refused(text: str) -> None:
    assert text_chars.problem(text) == "不能包含控制字符或不可见字符"


def test_line_breaks_only_where_allowed_and_emoji_named() -> None:
    assert text_chars.problem("第一行\n第二行") == "不能换行"
    assert text_chars.problem("第一行\u2028第二行") == "不能换行"
    assert text_chars.problem("第一行\u2029第二行", newlines=True) is not None
    assert text_chars.problem("第一行\r\n第二行", newlines=True) is None
    assert text_chars.problem("按时参加⭐") == "不能包含表情符号"
    assert text_chars.problem("气温 25℃，「𠮷」字，Ａ－１") is None

"""红能量's input rules without a database: names (no emoji, pictographs or control characters,
whitespace folded), whole numbers (JSON true is not one), offer ids (the kind is part of the id:
a project's id is no item's)."""

from __future__ import annotations

import pytest

from chalicelib import red_energy_catalog as catalog
from chalicelib.errors import BadRequestError


@pytest.mark.parametrize(
    "value",
    ["好书😀", "党章☀", "党\u0000章", "党\u200b章", "\U0001f1e8\U0001f1f3", "x\ud800",
     "党\u202e章", "党\u2066章", "党\u200e章", "党章\ufe0f", "党\U000f0000章", "党\U0001f004章"],
)  # fmt: skip
def test_names_refuse_emoji_and_invisible_characters(value):
    with pytest.raises(BadRequestError, match="表情符号或无效字符"):
        catalog.text(value, "名称", 40)


@pytest.mark.parametrize("value", ["𠮷林红色故事", "𪚥", "\U00030000字", "室温 25℃", "党章①"])
def test_rare_ideographs_beyond_the_bmp_and_plain_symbols_pass(value):
    assert catalog.text(value, "名称", 40) == value


def test_names_fold_whitespace_and_keep_punctuation():
    assert (
        catalog.text("  《中国共产党章程》\n（单行本）  ", "名称", 40)
        == "《中国共产党章程》 （单行本）"
    )
    with pytest.raises(BadRequestError, match="请填写名称"):
        catalog.text(" \t ", "名称", 40)
    with pytest.raises(BadRequestError, match="过长"):
        catalog.text("书" * 41, "名称", 40)
    assert catalog.text(None, "说明", 200, required=False) is None


@pytest.mark.parametrize("value", [True, False, 1.0, "1", None, [1]])
def test_whole_numbers_only(value):
    with pytest.raises(BadRequestError, match="整数"):
        catalog.whole(value, "数量", 1, 10)


def test_whole_numbers_in_range():
    assert catalog.whole(10, "数量", 1, 10) == 10
    for value in (0, 11, 10**30, -1):
        with pytest.raises(BadRequestError, match="之间"):
            catalog.whole(value, "数量", 1, 10)


def test_ids_carry_their_kind():
    assert catalog.parse_id("B1.i-0123456789abcdef", "item") == ("B1", "item#i-0123456789abcdef")
    assert catalog.parse_id("B1.i-0123456789abcdef", "project") is None
    assert catalog.parse_id("C01.p-0123456789abcdef", "project") == (
        "C01",
        "project#p-0123456789abcdef",
    )
    for bad in ("B1.i-0123", "B1/i-0123456789abcdef", "", None, 7, "B1.i-0123456789ABCDEF"):
        assert catalog.parse_id(bad, "item") is None

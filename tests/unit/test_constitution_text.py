"""Reading constitution texts the tool has not seen: layouts, typeset headings, numbering faults.

The short synthetic sources in constitution_sources/ each carry one fault or one typesetting
habit; the 2017 text is also read in other layouts (hard-wrapped, one paragraph a line) and must
give the same structure."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tools import cn_numerals
from tools import constitution_series as cs
from tools.constitution_text import Constitution, SourceError, _width, parse_text

SOURCES = Path(__file__).parent / "constitution_sources"
ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT.parent / "shared" / "data" / "constitution-2017.zh.txt"


def _read(name: str) -> str:
    return (SOURCES / name).read_text(encoding="utf-8")


def _outline(c: Constitution) -> list:
    return [
        (ch.label, ch.title, [(a.label, a.paragraphs) for a in ch.articles]) for ch in c.chapters
    ]


FAULTS = {
    "fault_missing_article.txt": "第 13 行：缺少第三条（这里已是第四条，序号应连续）",
    "fault_jump.txt": "第 13 行：缺少第三条（这里已是第三十条，序号应连续）",
    "fault_repeated_article.txt": "第 13 行：第二条重复（第 11 行已有第二条）",
    "fault_missing_chapter.txt": "第 11 行：缺少第二章（这里已是第三章，序号应连续）",
    "fault_repeated_chapter.txt": "第 11 行：第一章重复（第 7 行已有第一章）",
    "fault_numbering_restarts.txt": "第 15 行：第一条重复（第 9 行已有第一条）；条的序号跨章连续",
    "fault_empty_chapter.txt": "第 11 行：第二章下没有条文",
    "fault_article_before_chapter.txt": "第 7 行：条文（第一条）出现在第一章之前",
    "fault_orphan_paragraph.txt": "第 9 行：段落不属于任何一条",
    "fault_general_twice.txt": "第 11 行：「总纲」出现了两次",
    "fault_section_heading.txt": "第 9 行：「第一节党员的条件」：连载只按章、条划分，不支持编、节",
    "fault_unspaced_inside.txt": (
        "第 12 行：缺少第二条（这里已是第三条，序号应连续）；第 10 行以「第二条」开头而其后没有空格"
    ),
}


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_a_fault_stops_the_import_with_the_line_and_a_chinese_message(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    with pytest.raises(SourceError) as caught:
        parse_text(_read(name))
    assert str(caught.value).startswith(FAULTS[name])
    out = tmp_path / "out"
    assert cs.main([str(SOURCES / name), "--out", str(out), "--branch", "C01", "--days", "2"]) == 1
    assert FAULTS[name] in capsys.readouterr().err
    assert not out.exists()  # nothing written


def test_every_fault_fixture_is_covered() -> None:
    assert {p.name for p in SOURCES.glob("fault_*.txt")} == set(FAULTS)


def test_headings_typeset_with_spaces_are_accepted() -> None:
    c = parse_text(_read("spaced_headings.txt"))
    assert c.preamble == ["示范章程"]
    assert c.general == ["总纲第一段。它有两句。", "总纲第二段。"]
    assert _outline(c) == [
        (
            "第一章",
            "党员",  # typeset 党　　员, the number as 第 一 章
            [
                ("第一条", ["第一条的正文。", "（一）第一条的第一项；"]),
                ("第二条", ["第二条的正文。"]),
            ],
        ),
        ("第二章", "组织制度", [("第三条", ["第三条的正文。"])]),  # title on the next line
        (
            "第三章",
            "纪律",  # title in the next block, typeset 纪　　律
            [
                ("第四条", ["第四条的正文写在下一段。"]),  # 第四条 alone on its line
                ("第五条", ["第五条用半角空格。"]),
                ("第６条", ["第六条用全角数字。"]),
                ("第七条", ["第七条。"]),
            ],
        ),
    ]


def test_a_wrapped_line_that_starts_with_an_article_number_is_text() -> None:
    c = parse_text(_read("hard_wrapped.txt"))
    assert c.general == ["总纲第一段，缩进标出段落，折行不空行。", "总纲第二段。"]
    assert [a.label for a in c.articles] == ["第一条", "第二条", "第三条", "第四条"]
    assert c.articles[1].paragraphs == [
        "领导干部要履行本章程第一条规定的义务，折行处恰好第三条所列的内容也被提到，"
        "折行后第二章所列的组织也被提到。",
        "（一）第二条的第一项。",
    ]
    assert [ch.name for ch in c.chapters] == ["第一章 党员", "第二章 组织"]


def test_one_paragraph_a_line_and_a_paragraph_that_starts_with_a_reference() -> None:
    c = parse_text(_read("one_paragraph_a_line.txt"))
    assert c.general == ["总纲第一段。", "总纲第二段。"]
    assert c.articles[1].paragraphs == [
        "第二条的正文：",
        "第一条规定的义务，本段是第二条的第二段。",
        "第三条规定的权利，本段是第二条的第三段。",  # 第三条 below has the space: this is text
    ]
    assert [a.label for a in c.articles] == ["第一条", "第二条", "第三条", "第四条"]


def test_one_paragraph_a_line_with_centred_title_and_headings() -> None:
    text = _read("one_paragraph_a_line.txt")
    centred = "\n".join(
        "\u3000" * 6 + line if line in ("示范章程", "总纲") or line.startswith("第一章") else line
        for line in text.splitlines()
    )
    assert centred != text
    assert _outline(parse_text(centred)) == _outline(parse_text(text))
    assert parse_text(centred).general == ["总纲第一段。", "总纲第二段。"]


def test_hard_wrapped_text_without_blank_lines() -> None:
    paragraphs = ["示范章程", "总纲", "总纲第一段" + "很长的文字" * 9 + "。", "总纲第二段。"]
    paragraphs += ["第一章　党员", "第一条　" + "第一条的正文" * 8 + "。", "（一）第一项。"]
    paragraphs += ["第二条　" + "领导干部要履行本章程" * 2 + "第三条所规定的义务" * 4 + "。"]
    paragraphs += ["第三条　第三条的正文。"]
    text = "\n\n".join(paragraphs)
    columns = next(c for c in range(30, 80) if "\n第三条所规定的" in _hard_wrap(text, c, "　　"))
    parsed = parse_text(_hard_wrap(text, columns, "　　"))
    assert parsed.general == paragraphs[2:4]
    assert [(a.label, a.paragraphs) for a in parsed.articles] == [
        ("第一条", [paragraphs[5][4:], "（一）第一项。"]),
        ("第二条", [paragraphs[7][4:]]),
        ("第三条", ["第三条的正文。"]),
    ]


def test_a_text_that_never_spaces_its_headings_is_read_by_the_sequence() -> None:
    text = "\n\n".join(
        [
            *["章程", "总纲", "一段。", "第一章党员", "第一条党员是先锋战士。"],
            *["第一条规定的党员，第二段。", "第二条党员的义务。"],
        ]
    )
    c = parse_text(text)
    assert _outline(c) == [
        (
            "第一章",
            "党员",
            [
                ("第一条", ["党员是先锋战士。", "第一条规定的党员，第二段。"]),
                ("第二条", ["党员的义务。"]),
            ],
        )
    ]


def test_numbers_past_one_hundred_run_on_across_chapters() -> None:
    parts = ["章程", "总纲", "总纲一段。"]
    for n in range(1, 121):
        if n in (1, 60, 101):
            parts.append(f"第{cn_numerals.name((n > 1) + (n > 60) + 1)}章　第{n}组")
        parts.append(f"第{cn_numerals.name(n)}条　第 {n} 条的正文。")
    c = parse_text("\n\n".join(parts))
    labels = [a.label for a in c.articles]
    assert labels[100] == "第一百零一条" and labels[109] == "第一百一十条" and len(labels) == 120
    assert [len(ch.articles) for ch in c.chapters] == [59, 41, 20]
    assert all(a.paragraphs == [f"第 {a.number} 条的正文。"] for a in c.articles)
    broken = "\n\n".join(p for p in parts if not p.startswith("第一百零五条"))
    with pytest.raises(SourceError, match="缺少第一百零五条（这里已是第一百零六条"):
        parse_text(broken)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        *[("一", 1), ("十", 10), ("十一", 11), ("二十", 20), ("一百", 100), ("一百零一", 101)],
        *[("一百一十", 110), ("一百十", 110), ("一千零一", 1001), ("三 十 六", 36), ("１２", 12)],
    ],
)
def test_chinese_numerals(text: str, value: int) -> None:
    assert cn_numerals.parse(text) == value


def test_chinese_numerals_round_trip_and_reject_what_texts_do_not_write() -> None:
    assert all(cn_numerals.parse(cn_numerals.name(n)) == n for n in range(1, 2000))
    for bad in ("百", "十十", "零十", "一百五", "二二", "一〇一", "第", ""):
        assert cn_numerals.parse(bad) is None, bad


def test_a_control_character_is_named_with_its_line() -> None:
    with pytest.raises(SourceError, match="第 3 行：含有控制字符 U\\+0002"):
        parse_text("章程\n\n总纲\x02\n")


def test_gb18030_files_and_stray_byte_order_marks_are_read(tmp_path: Path) -> None:
    text = _read("spaced_headings.txt").replace("第二章", "\ufeff第二章")
    source = tmp_path / "gbk.txt"
    source.write_bytes(text.encode("gb18030"))
    out = tmp_path / "out"
    assert cs.main([str(source), "--out", str(out), "--branch", "C01", "--days", "3"]) == 0
    written = "".join(p.read_text(encoding="utf-8") for p in sorted(out.glob("*.md")))
    assert "## 第二章\u3000组织制度" in written and "总纲第一段" in written
    assert _outline(parse_text(text)) == _outline(parse_text(_read("spaced_headings.txt")))


def test_days_must_be_positive(tmp_path: Path) -> None:
    source = str(SOURCES / "spaced_headings.txt")
    with pytest.raises(SystemExit) as exited:
        cs.main([source, "--out", str(tmp_path / "o"), "--branch", "C01", "--days", "0"])
    assert exited.value.code == 2


pytestmark_real = pytest.mark.skipif(not REAL.is_file(), reason=f"{REAL} is absent")


def _hard_wrap(text: str, columns: int, indent: str) -> str:
    """Each paragraph wrapped at `columns` half-width cells, as a layout program would (a wide
    character counts two), the first line of each indented with `indent`; no blank lines."""
    out = []
    for block in (b.strip() for b in text.split("\n\n")):
        if not block:
            continue
        line, used = indent, _width(indent)
        for char in block:
            width = _width(char)
            if used + width > columns:
                out.append(line)
                line, used = "", 0
            line, used = line + char, used + width
        out.append(line)
    return "\n".join(out) + "\n"


@pytestmark_real
def test_the_2017_text_reads_the_same_in_every_layout() -> None:
    text = REAL.read_text(encoding="utf-8")
    plain = parse_text(text)
    assert len(plain.articles) == 55 and len(plain.chapters) == 11 and len(plain.general) == 30
    # Hard-wrapped, no blank lines, paragraphs indented or not; the column is chosen so that a
    # wrapped line inside 第三十六条 starts with 第三条所规定的 (a reference, not an article).
    columns = next(c for c in range(40, 120) if "\n第三条所规定的" in _hard_wrap(text, c, "　　"))
    wrapped = _hard_wrap(text, columns, "　　")
    assert "\n第三条所规定的" in wrapped
    assert _outline(parse_text(wrapped)) == _outline(plain)
    assert parse_text(wrapped).general == plain.general
    # Without indents a paragraph whose last line happens to be full runs on into the next one
    # (nothing in the text tells them apart); the articles and their words are still the same.
    unindented = parse_text(_hard_wrap(text, columns, ""))
    assert [(a.label, "".join(a.paragraphs)) for a in unindented.articles] == [
        (a.label, "".join(a.paragraphs)) for a in plain.articles
    ]
    assert "".join(unindented.general) == "".join(plain.general)
    # One paragraph a line, the title and headings centred with spaces and typeset with spaces.
    lines = re.sub(r"\n\s*\n", "\n", text).replace("总纲", "　　　　　　总　　纲", 1)
    lines = "　　　　" + lines.replace("第一章　党员", "　　　　第 一 章　党　　员")
    parsed = parse_text(lines)
    assert _outline(parsed) == _outline(plain) and parsed.general == plain.general

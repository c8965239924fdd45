"""The series command on the real 2017 text (../shared/data beside the repository)."""

from __future__ import annotations

import html
import re
import statistics
from pathlib import Path

import pytest

from tools import constitution_series as cs

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT.parent / "shared" / "data" / "constitution-2017.zh.txt"
ARTICLE_NUMBERS = "一二三四五六七八九十"

pytestmark = pytest.mark.skipif(
    not SOURCE.is_file(), reason=f"{SOURCE} is absent (the shared data folder beside the repo)"
)


def _chinese(n: int) -> str:
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else ARTICLE_NUMBERS[tens - 1] + "十")
    return head + (ARTICLE_NUMBERS[ones - 1] if ones else "")


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("dangzhang")
    assert cs.main([str(SOURCE), "--out", str(out), "--branch", "C01"]) == 0
    return sorted(out.glob("*.md"))


def _body(path: Path) -> str:
    return path.read_text(encoding="utf-8").split("\n\n", 1)[1]


def _meta(path: Path) -> dict[str, str]:
    header = path.read_text(encoding="utf-8").split("\n\n", 1)[0]
    return dict(line.split(": ", 1) for line in header.splitlines())


def test_one_hundred_installments_with_day_and_series(written: list[Path]) -> None:
    assert len(written) == 100
    for day, path in enumerate(written, 1):
        meta = _meta(path)
        assert meta["Series"] == "constitution"
        assert meta["Day"] == str(day)
        assert meta["Category"] == "党章百日学"
        assert meta["Slug"] == f"dangzhang-{day:03d}"
        assert meta["Title"].startswith(f"第 {day} 天")
        assert "Date" not in meta  # from pelicanconf.SERIES at build time
        assert meta["Chapter"]


def test_every_article_exactly_once_and_in_order(written: list[Path]) -> None:
    found = []
    for path in written:
        found += re.findall(r"^\*\*(第[一二三四五六七八九十]+条)\*\*", _body(path), re.M)
    assert found == [f"第{_chinese(n)}条" for n in range(1, 56)]


def test_concatenation_equals_the_source_up_to_whitespace(written: list[Path]) -> None:
    def plain(text: str) -> str:
        text = re.sub(r"^#+ ", "", text, flags=re.M).replace("**", "")
        text = html.unescape(re.sub(r"\\(.)", r"\1", text))  # Markdown escapes, entities
        return re.sub(r"\s", "", text)

    joined = "".join(plain(_body(p)) for p in written)
    assert joined == re.sub(r"\s", "", SOURCE.read_text(encoding="utf-8"))


def test_balance_no_installment_longer_than_twice_the_median_unless_one_whole_article() -> None:
    installments = cs.split(cs.parse(SOURCE.read_text(encoding="utf-8")))
    median = statistics.median(i.length for i in installments)
    for inst in installments:
        if inst.length > 2 * median:
            # Only a single article too long to share a day may exceed the bound: never split.
            assert len(inst.units) == 1 and inst.units[0].article, (inst.day, inst.length)
    longest_shared = max(i.length for i in installments if len(i.units) > 1)
    assert longest_shared <= 2 * median


def test_articles_are_never_split_and_general_outline_splits_prefer_paragraphs() -> None:
    installments = cs.split(cs.parse(SOURCE.read_text(encoding="utf-8")))
    for inst in installments:
        first = inst.units[0]
        if not first.general_part:  # starts with a chapter heading or an article's first words
            assert first.blocks[0].kind in ("heading", "article"), inst.day
    general = [i for i in installments if not i.articles]
    assert general and all(i.day < installments[len(general)].day for i in general)


def test_bad_source_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("标题\n\n第一条　没有总纲。\n", encoding="utf-8")
    assert cs.main([str(bad), "--out", str(tmp_path / "o"), "--branch", "C01"]) == 1
    with pytest.raises(cs.SourceError, match="总纲"):
        cs.parse(bad.read_text(encoding="utf-8"))
    text = "总纲\n\n一段。\n\n第一章　党员\n\n孤立的段落。\n"
    with pytest.raises(cs.SourceError, match="第 7 行"):
        cs.parse(text)


def test_every_chapter_starts_a_day_and_every_day_names_its_chapters(written: list[Path]) -> None:
    installments = cs.split(cs.parse(SOURCE.read_text(encoding="utf-8")))
    for inst in installments:
        assert not any(u.part_start for u in inst.units[1:]), inst.day  # no day spans two
    metas = [_meta(p) for p in written]
    assert [m["Chapter"] for m in metas].count("总纲") == 50
    assert metas[50]["Title"] == "第 51 天 · 第一章 党员 第一条"


def test_a_day_that_must_span_two_chapters_names_both(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert cs.main([str(SOURCE), "--out", str(out), "--branch", "C01", "--days", "20"]) == 0
    spanning = [m for m in map(_meta, sorted(out.glob("*.md"))) if "；" in m["Chapter"]]
    assert len(spanning) == 1  # 20 days for 11 chapters and 总纲: one day must take two
    meta = spanning[0]
    assert meta["Chapter"] == "第十章 党和共产主义青年团的关系；第十一章 党徽党旗"
    assert meta["Title"].endswith(
        "第十章 党和共产主义青年团的关系 第五十一条至第五十二条；"
        "第十一章 党徽党旗 第五十三条至第五十五条"
    )
    assert meta["Articles"] == "第五十一条—第五十五条"


def test_general_outline_days_are_told_apart(written: list[Path]) -> None:
    metas = [_meta(p) for p in written]
    general = [m for m in metas if m["Chapter"] == "总纲"]
    assert [m["Title"] for m in general[:3]] == [
        "第 1 天 · 总纲（一）",
        "第 2 天 · 总纲（二）",
        "第 3 天 · 总纲（三）",
    ]
    assert general[49]["Title"] == "第 50 天 · 总纲（五十）"
    leads = [m["Lead"] for m in general]
    assert len(set(leads)) == 50  # the first words differ from day to day
    assert leads[0] == "中国共产党是中国工人阶级的先锋队……"
    assert all(8 <= len(lead) <= 31 for lead in leads), leads

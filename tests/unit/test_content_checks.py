"""Build validation: bad metadata, unknown units, broken links, missing images → file:line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.unit.test_site_build import ROOT, article, build
from tools import demo_registry, review
from tools.registry_import import UNIT_HEADERS
from tools.spreadsheet import read_table

GOOD = {"Title": "好", "Date": "2026-03-01", "Category": "制度建设", "Slug": "ok"}


def _write(path: Path, body: str, **meta: str) -> None:
    meta.setdefault("Branch", "B0101")
    header = "\n".join(f"{k}: {v}" for k, v in meta.items())
    path.write_text(f"{header}\n\n{body}\n", encoding="utf-8")


@pytest.fixture
def content(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    (folder / "articles").mkdir(parents=True)
    (folder / "units.csv").write_bytes((ROOT / "content" / "units.csv").read_bytes())
    article(folder / "articles" / "ok.md", **GOOD)
    return folder


def _fails(content: Path, tmp_path: Path) -> str:
    with pytest.raises(Exception) as failure:
        build(content, tmp_path / "out")
    return str(failure.value)


@pytest.mark.parametrize(
    ("meta", "line", "text"),
    [
        ({"Branch": "B9999"}, 5, "Branch「B9999」不是"),
        ({"Branch": ""}, 1, "缺少 Branch"),
        ({"Category": "杂谈"}, 3, "Category「杂谈」不是已知栏目"),
        ({"Slug": "中文网址"}, 4, "Slug「中文网址」"),
    ],
)
def test_metadata_problems_name_file_line_and_field(
    content: Path, tmp_path: Path, meta: dict[str, str], line: int, text: str
) -> None:
    fields = {"Title": "坏", "Date": "2026-03-01", "Category": "制度建设", "Slug": "bad"} | meta
    if not fields["Branch" if "Branch" in fields else "Title"]:
        fields.pop("Branch")
        header = "\n".join(f"{k}: {v}" for k, v in fields.items())
        (content / "articles" / "bad.md").write_text(f"{header}\n\n正文\n", encoding="utf-8")
    else:
        _write(content / "articles" / "bad.md", "正文", **fields)
    message = _fails(content, tmp_path)
    assert re.search(rf"articles/bad\.md:{line}: .*{re.escape(text)}", message), message
    assert "ok.md" not in message


def test_broken_links_and_missing_images_fail_with_line(content: Path, tmp_path: Path) -> None:
    body = "\n".join(
        [
            "第一段。",
            "",
            "见[不存在的文章](/articles/nowhere.html)。",
            "",
            "![缺图]({static}/images/missing.png)",
            "",
            "见[另一篇]({filename}nothing.md)，[外链](https://example.org/x)，[好的](/articles/ok.html)。",
        ]
    )
    _write(content / "articles" / "links.md", body, **(GOOD | {"Slug": "links"}))
    message = _fails(content, tmp_path)
    assert re.search(r"articles/links\.md:9: 站内链接不存在：/articles/nowhere\.html", message)
    assert re.search(r"articles/links\.md:11: 图片或附件不存在：/images/missing\.png", message)
    assert re.search(r"articles/links\.md:13: 链接的文章不存在：nothing\.md", message)
    assert "example.org" not in message
    assert "ok.html" not in message


def test_footnote_definitions_are_not_links(content: Path, tmp_path: Path) -> None:
    """`[^1]: 注释` defines a footnote (Markdown extra), not a link to a page `注释`; a link
    written inside a footnote is still checked."""
    body = "\n".join(
        ["正文有注[^1]，也有说明[^note]。", "", "[^1]: 注释", "   [^note]: 说明：见 ok.md 一文"]
    )
    _write(content / "articles" / "notes.md", body, **(GOOD | {"Slug": "notes"}))
    build(content, tmp_path / "out")
    page = (tmp_path / "out" / "articles" / "notes.html").read_text(encoding="utf-8")
    assert 'class="footnote"' in page and "注释" in page

    bad = body + "\n[^2]: 另见[不存在的文章](/articles/nowhere.html)"
    _write(content / "articles" / "notes.md", bad, **(GOOD | {"Slug": "notes"}))
    message = _fails(content, tmp_path)
    assert re.search(r"articles/notes\.md:\d+: 站内链接不存在：/articles/nowhere\.html", message)
    assert "注释" not in message and "说明" not in message


def test_exemplar_needs_an_existing_photo_and_a_known_unit(content: Path, tmp_path: Path) -> None:
    fields = GOOD | {"Category": "先进风采", "Slug": "mofan", "Exemplar": "individual"}
    fields |= {"Unit": "B7777", "Photo": "{static}/images/none.svg"}
    _write(content / "articles" / "mofan.md", "事迹。", **fields)
    message = _fails(content, tmp_path)
    assert re.search(r"mofan\.md:\d+: Unit「B7777」", message), message
    assert re.search(r"mofan\.md:\d+: 照片不存在：images/none\.svg", message), message


def test_units_file_is_the_demo_registrys_units() -> None:
    rows = read_table(ROOT / "content" / "units.csv", UNIT_HEADERS)
    units, _ = demo_registry.generate()
    assert [r.values for r in rows] == units


def test_demo_approvals_match_the_shipped_demo_content() -> None:
    """Run `python -m tools.review demo-manifest` after editing demo content."""
    import json

    shipped = json.loads(review.DEMO_MANIFEST.read_text(encoding="utf-8"))
    assert shipped == review.demo_manifest()
    assert set(review.DEMO_PENDING).isdisjoint(shipped)


def test_the_repository_content_does_not_contain_the_constitution_text() -> None:
    source = ROOT.parent / "shared" / "data" / "constitution-2017.zh.txt"
    if not source.is_file():
        pytest.skip(f"{source} is absent")
    sentence = "中国共产党是中国工人阶级的先锋队"
    for path in (ROOT / "content").rglob("*.md"):
        assert sentence not in path.read_text(encoding="utf-8"), path

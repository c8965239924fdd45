"""The incremental build (plugins/markdown_cache): readings kept by the bytes read, so a build
with the cache writes exactly what a build without it writes, under the review gate too, and
reads Markdown again only for the texts that changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from plugins import markdown_cache
from tests.unit.test_gate_tricks import PLAIN, build, tree, write
from tools import review as review_tool

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def content(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(ROOT / "content" / "pages", folder / "pages")
    for i in range(4):
        meta = PLAIN | {"Title": f"标题{i}", "Slug": f"m{i}"}
        write(
            folder / "articles" / f"m{i}.md",
            meta,
            f"第{i}篇正文。\n\n| 表 | 格 |\n|---|---|\n| 1 | 2 |",
        )
    return folder


def _approvals(content: Path) -> dict:
    return review_tool.approvals_for(content)


@pytest.fixture
def readings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts Markdown actually converted (cache misses)."""
    seen: list[str] = []
    real = markdown_cache.MarkdownReader._reading

    def counted(self, text: str):
        seen.append(text)
        return real(self, text)

    monkeypatch.setattr(markdown_cache.MarkdownReader, "_reading", counted)
    monkeypatch.setattr(markdown_cache.store, "values", {})
    return seen


def _cached(content: Path, out: Path, approvals: dict, cache: Path, **settings) -> list[str]:
    return build(
        content,
        out,
        approvals,
        CACHE_CONTENT=True,
        LOAD_CONTENT_CACHE=True,
        CACHE_PATH=str(cache),
        **settings,
    )


def test_an_approved_edit_reads_only_that_article_and_builds_the_same_site(
    content: Path, tmp_path: Path, readings: list[str]
) -> None:
    cache = tmp_path / "cache"
    _cached(content, tmp_path / "first", _approvals(content), cache)
    assert (cache / markdown_cache.FILE).is_file()
    markdown_cache.store.values = {}  # a new process: only the file is left
    readings.clear()
    path = content / "articles" / "m2.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n新增的一段。\n", encoding="utf-8")
    approvals = _approvals(content)
    _cached(content, tmp_path / "inc", approvals, cache)
    assert len([t for t in readings if "Slug: m" in t]) == 1
    assert "新增的一段" in readings[0]
    build(content, tmp_path / "full", approvals)  # no cache at all
    assert tree(tmp_path / "inc") == tree(tmp_path / "full")


def test_the_cache_never_serves_a_reading_of_other_bytes_than_the_approved(
    content: Path, tmp_path: Path, readings: list[str]
) -> None:
    """The gate builds from the approved text: after an approval moves back to an older version
    (the file on disk still the newer one), the build shows the older one."""
    cache = tmp_path / "cache"
    old = _approvals(content)
    path = content / "articles" / "m1.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nNEWER-VERSION\n", encoding="utf-8")
    _cached(content, tmp_path / "newer", _approvals(content), cache)
    assert "NEWER-VERSION" in (tmp_path / "newer" / "articles" / "m1.html").read_text("utf-8")
    _cached(content, tmp_path / "older", old, cache)
    build(content, tmp_path / "full", old)
    assert tree(tmp_path / "older") == tree(tmp_path / "full")
    assert "NEWER-VERSION" not in (tmp_path / "older" / "articles" / "m1.html").read_text("utf-8")


def test_changed_markdown_settings_read_again(
    content: Path, tmp_path: Path, readings: list[str]
) -> None:
    cache = tmp_path / "cache"
    approvals = _approvals(content)
    _cached(content, tmp_path / "tables", approvals, cache)
    assert "<table>" in (tmp_path / "tables" / "articles" / "m0.html").read_text("utf-8")
    plain_md = {"extension_configs": {}, "output_format": "html5"}
    _cached(content, tmp_path / "no-tables", approvals, cache, MARKDOWN=plain_md)
    assert "<table>" not in (tmp_path / "no-tables" / "articles" / "m0.html").read_text("utf-8")


def test_one_articles_abbreviations_and_footnotes_stay_in_it(tmp_path: Path) -> None:
    """One Markdown instance reads every text: nothing of one text may reach the next (users of
    the term on both sides of the defining article, whatever order the files are read in)."""
    folder = tmp_path / "content"
    shutil.copytree(ROOT / "content" / "pages", folder / "pages")
    write(
        folder / "articles" / "m.md",
        PLAIN | {"Title": "甲", "Slug": "fn-m"},
        "关于 WTO 的说明[^1]。\n\n[^1]: https://example.org 甲的注释。\n\n*[WTO]: 世界贸易组织",
    )
    for name in ("a", "z"):
        meta = PLAIN | {"Title": f"乙{name}", "Slug": f"fn-{name}"}
        write(folder / "articles" / f"{name}.md", meta, "乙也提到 WTO。")
    build(folder, tmp_path / "out", review_tool.approvals_for(folder))
    m = (tmp_path / "out" / "articles" / "fn-m.html").read_text("utf-8")
    assert "<abbr" in m and "甲的注释" in m
    for name in ("a", "z"):
        page = (tmp_path / "out" / "articles" / f"fn-{name}.html").read_text("utf-8")
        assert "<abbr" not in page and "甲的注释" not in page and "footnote" not in page

"""What the publish build reads from the review tables: every approval without its text, and the
text only of the versions it cannot take from the article's own file (edited since approval).
What members see stays the approved version; a version revoked while the build runs is withheld."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from chalicelib.models import PublishedVersion
from tests.integration.test_review_files import _build  # the publish build, gate on DynamoDB
from tools import review_store
from tools.review import publish_as_is

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.usefixtures("clean_tables")


def _article(folder: Path, slug: str, body: str) -> Path:
    path = folder / "articles" / f"{slug}.md"
    path.write_text(
        f"Title: 文章{slug}\nDate: 2026-03-01 09:00\nCategory: 思想建设\nBranch: B0101\n"
        f"Slug: {slug}\n\n{body}\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def content(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(ROOT / "content" / "pages", folder / "pages")
    shutil.copy(ROOT / "content" / "units.csv", folder / "units.csv")
    (folder / "articles").mkdir()
    for slug in ("a", "b", "c"):
        _article(folder, slug, f"已审核的正文{slug}。")
    publish_as_is(folder, by="test")
    return folder


def _page(out: Path, slug: str) -> str:
    return (out / "articles" / f"{slug}.html").read_text(encoding="utf-8")


def test_only_edited_versions_are_fetched_whole(
    content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _article(content, "b", "未经审核的修改 EDIT-MARKER。")
    asked: list[list[str]] = []
    real = review_store.published_of

    def recorded(slugs):
        asked.append(sorted(slugs))
        return real(slugs)

    monkeypatch.setattr(review_store, "published_of", recorded)
    _build(content, tmp_path / "out")
    assert asked == [["b"]]  # a and c are exactly approved: their files give the text
    assert "已审核的正文b" in _page(tmp_path / "out", "b")
    assert "EDIT-MARKER" not in "".join(
        p.read_text(encoding="utf-8", errors="replace")
        for p in (tmp_path / "out").rglob("*")
        if p.is_file()
    )
    for slug in ("a", "c"):
        assert f"已审核的正文{slug}" in _page(tmp_path / "out", slug)


def test_a_version_revoked_during_the_build_is_withheld(
    content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _article(content, "b", "未经审核的修改。")
    real = review_store.published_of

    def revoked_first(slugs):
        PublishedVersion.get("b").delete()  # taken down between the Scan and the fetch
        return real(slugs)

    monkeypatch.setattr(review_store, "published_of", revoked_first)
    _build(content, tmp_path / "out")
    assert not (tmp_path / "out" / "articles" / "b.html").exists()
    assert "已审核的正文a" in _page(tmp_path / "out", "a")

"""The review gate in a real Pelican build (approvals from a file; the DynamoDB path is the same
code after loading, and is covered by tests/integration/test_review_api.py)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from pelican import Pelican
from pelican.settings import read_settings

from chalicelib import review
from tests.unit.test_site_build import ROOT, article, build

SECRET = "未审核的秘密内容"


def _all_text(output: Path) -> str:
    return "\n".join(
        p.read_text(encoding="utf-8", errors="replace") for p in output.rglob("*") if p.is_file()
    )


def _approval(path: Path) -> dict[str, str]:
    text = path.read_text(encoding="utf-8")
    return {"hash": review.source_hash(text), "source": text}


@pytest.fixture
def content(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(ROOT / "content", target)
    return target


def test_unapproved_article_is_nowhere_in_output(content: Path, tmp_path: Path) -> None:
    new = content / "articles" / "new.md"
    article(
        new,
        Title="待审新文",
        Date="2026-03-01 09:00",
        Category="思想建设",
        Slug="daishen-xinwen",
        Summary=SECRET,
        Photo="{static}/images/secret.svg",
    )
    (content / "images" / "secret.svg").write_text("<svg/>", encoding="utf-8")
    new.write_text(
        new.read_text(encoding="utf-8") + f"\n{SECRET}\n\n![x]({{static}}/images/secret.svg)\n",
        encoding="utf-8",
    )
    approvals = {}
    for path in content.rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        slug = re.search(r"^Slug: (.+)$", text, re.M)
        if slug and "pages" not in path.parts and path != new:
            approvals[slug.group(1)] = _approval(path)
    out = tmp_path / "out"
    build(content, out, approvals)
    assert not list(out.rglob("*daishen-xinwen*"))
    assert not (out / "images" / "secret.svg").exists()
    assert not (out / "drafts").exists()
    text = _all_text(out)
    assert SECRET not in text
    assert "待审新文" not in text
    assert (out / "articles" / "qiuji-dushu.html").is_file()


def test_save_as_metadata_cannot_publish_an_unapproved_article(content: Path, tmp_path: Path):
    """`Save_as:` overrides DRAFT_SAVE_AS = '' in Pelican; the gate must still write nothing."""
    article(
        content / "articles" / "leak.md",
        Title="越权发布",
        Date="2026-03-01 09:00",
        Category="思想建设",
        Slug="zz-leak",
        Save_as="articles/zz-leak.html",
        URL="articles/zz-leak.html",
        Summary=SECRET,
    )
    out = tmp_path / "out"
    approvals = {
        m.group(1): _approval(p)
        for p in content.rglob("*.md")
        if "pages" not in p.parts
        and p.name != "leak.md"
        and (m := re.search(r"^Slug: (.+)$", p.read_text(encoding="utf-8"), re.M))
    }
    build(content, out, approvals)
    assert not (out / "articles" / "zz-leak.html").exists()
    text = _all_text(out)
    assert SECRET not in text and "越权发布" not in text


def test_a_page_that_is_not_a_screen_stops_the_build(content: Path, tmp_path: Path) -> None:
    (content / "pages" / "notice.md").write_text(
        f"Title: 通知\nSlug: notice\n\n{SECRET}\n", encoding="utf-8"
    )
    with pytest.raises(Exception, match=r"notice.md:\d+: 页面 'notice' 不在 SCREENS 中"):
        build(content, tmp_path / "out")
    assert not (tmp_path / "out" / "notice.html").exists()


def test_an_edit_of_an_approved_article_keeps_the_approved_version(
    content: Path, tmp_path: Path
) -> None:
    path = content / "articles" / "sixiang-qiuji-dushu.md"
    approved = _approval(path)
    path.write_text(
        path.read_text(encoding="utf-8").replace("每天二十分钟", f"每天二十分钟{SECRET}"),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    approvals = {"qiuji-dushu": approved}
    build(content, out, approvals)
    page = (out / "articles" / "qiuji-dushu.html").read_text(encoding="utf-8")
    assert "每天二十分钟" in page
    assert SECRET not in _all_text(out)
    # Approving the edited hash publishes the edit.
    build(content, tmp_path / "out2", {"qiuji-dushu": _approval(path)})
    assert SECRET in (tmp_path / "out2" / "articles" / "qiuji-dushu.html").read_text("utf-8")


def test_approval_is_bound_to_the_hash_of_metadata_and_body() -> None:
    text = "Title: 甲\nSlug: a\n\n正文\n"
    assert review.source_hash(text) == review.source_hash(text.replace("\n", "\r\n"))
    assert review.source_hash(text) != review.source_hash(text.replace("Title: 甲", "Title: 乙"))
    assert review.source_hash(text) != review.source_hash(text.replace("正文", "正文。"))


def test_preview_mode_marks_every_page_and_publishconf_refuses_it(tmp_path: Path) -> None:
    settings = read_settings(
        str(ROOT / "pelicanconf.py"),
        override={
            "OUTPUT_PATH": str(tmp_path / "preview"),
            "CACHE_CONTENT": False,
            "LOAD_CONTENT_CACHE": False,
            "REVIEW_GATE": "off",
        },
    )
    Pelican(settings).run()
    assert "未审核预览" in (tmp_path / "preview" / "index.html").read_text(encoding="utf-8")
    for mode in ("off", "file"):
        publish = read_settings(
            str(ROOT / "publishconf.py"),
            override={"OUTPUT_PATH": str(tmp_path / "pub"), "REVIEW_GATE": mode},
        )
        with pytest.raises(Exception, match="发布构建必须从审核记录"):
            Pelican(publish).run()


def test_future_installments_are_not_written(content: Path, tmp_path: Path) -> None:
    # Start far in the future: no installment, no index entry, nothing under output/.
    settings = read_settings(
        str(ROOT / "pelicanconf.py"),
        override={
            "PATH": str(content),
            "OUTPUT_PATH": str(tmp_path / "future"),
            "CACHE_CONTENT": False,
            "LOAD_CONTENT_CACHE": False,
            "REVIEW_GATE": "off",
            "SERIES": {
                "constitution": {
                    "title": "党章百日学",
                    "category": "党章百日学",
                    "start": "2099-01-01",
                }
            },
        },
    )
    Pelican(settings).run()
    future = tmp_path / "future"
    assert not list(future.rglob("dangzhang-0*"))
    index = (future / "category" / "dangzhang.html").read_text(encoding="utf-8")
    assert "连载尚未开始" in index
    assert "dangzhang-001" not in _all_text(future)

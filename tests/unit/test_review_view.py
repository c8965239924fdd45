"""What a reviewer reads (chalicelib/review_view): no path or hash, even in older previews."""

from __future__ import annotations

from chalicelib import review_view
from tools import review as review_tool
from tools.review import Draft


def test_previews_registered_in_the_old_format_lose_paths_and_hashes() -> None:
    old = (
        '<p class="review-photo">照片：images/xianjin/big.jpg（文件较大，请在源文件中查看）</p>'
        "<p>正文</p>"
        '<p class="review-files">引用的文件（随本版本一同审核）：</p>'
        "<ul><li>images/xianjin/wang.jpg（12 KB，SHA-256 0123456789ab…）</li>"
        "<li>files/规定.pdf（300 KB，SHA-256 abcdef012345…）</li></ul>"
    )
    shown = review_view.preview(old)
    assert shown == (
        '<p class="review-photo">照片：big.jpg（图片较大，预览中未显示）</p>'
        "<p>正文</p>"
        '<p class="review-files">引用的文件（随本版本一同审核）：</p>'
        "<ul><li>wang.jpg（12 KB）</li><li>规定.pdf（300 KB）</li></ul>"
    )


def test_new_previews_name_files_without_path_or_hash(tmp_path) -> None:
    text = "Title: 有图\nCover: {static}/images/covers/c.jpg\nSlug: x\n\n正文\n"
    data = b"\xff\xd8" + b"0" * 200_000  # too large to inline
    draft = Draft(
        path=tmp_path / "x.md",
        relative="articles/x.md",
        text=text,
        content_hash="0" * 64,
        slug="x",
        title="有图",
        category="思想建设",
        branch="B0101",
        series=None,
        day=None,
        body_html="<p>正文</p>",
        files={"images/covers/c.jpg": data},
    )
    html = review_tool.preview_html(draft, tmp_path)
    assert "封面：c.jpg（图片较大，预览中未显示）" in html
    assert "<li>c.jpg（195 KB）</li>" in html
    assert "images/" not in html and "SHA-256" not in html

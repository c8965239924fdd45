"""Cover images (plugins/covers): sized renditions in the list item; a missing or unreadable
cover stops the build naming file, line and field; the cover is part of the reviewed version."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image

from plugins.site_sections import MetadataError
from tests.unit.test_site_build import ROOT, article, build
from tools.review_version import disk_version

META = {"Title": "有封面", "Date": "2026-03-01", "Category": "制度建设", "Slug": "with-cover"}


def _jpeg(width: int = 300, height: int = 300) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 22, 29)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def content(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    (folder / "articles").mkdir(parents=True)
    (folder / "images").mkdir()
    (folder / "units.csv").write_bytes((ROOT / "content" / "units.csv").read_bytes())
    return folder


def _with_cover(content: Path, cover: str) -> Path:
    path = content / "articles" / "cover.md"
    # Cover on line 6: after Title, Date, Category, Slug and Branch
    article(path, **META, Branch="B0101", Cover=cover)
    return path


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (None, "封面图片不存在：images/c.jpg"),
        (b"not an image at all", "images/c.jpg 无法读取图片"),
        (_jpeg()[:40], "images/c.jpg 无法读取图片"),  # a truncated upload
    ],
)
def test_a_missing_or_unreadable_cover_stops_the_build_with_file_line_field(
    content: Path, tmp_path: Path, data: bytes | None, why: str
) -> None:
    if data is not None:
        (content / "images" / "c.jpg").write_bytes(data)
    source = _with_cover(content, "{static}/images/c.jpg")
    with pytest.raises(MetadataError) as failure:
        build(content, tmp_path / "out")
    assert f"{source}:6: Cover：{why}" in str(failure.value)


def test_a_cover_outside_the_content_folder_is_refused(content: Path, tmp_path: Path) -> None:
    # (Through the review gate such a reference is never approved: make review refuses it.)
    source = _with_cover(content, "../../etc/passwd")
    with pytest.raises(MetadataError, match=re.escape(f"{source}:6: Cover：封面图片须在")):
        build(content, tmp_path / "out", REVIEW_GATE="off")


def test_a_cover_becomes_sized_lazy_renditions_in_the_list(content: Path, tmp_path: Path) -> None:
    (content / "images" / "c.png").write_bytes(_png_with_alpha())
    _with_cover(content, "{static}/images/c.png")
    article(content / "articles" / "plain.md", **{**META, "Slug": "plain", "Title": "无封面"})
    out = tmp_path / "out"
    build(content, out)
    html = (out / "category" / "zhidu.html").read_text(encoding="utf-8")
    img = re.search(r"<img class=\"media-cover-img\"[^>]*>", html).group(0)
    srcset = re.search(r'srcset="([^"]+)"', img).group(1).split(", ")
    assert [s.rsplit(" ", 1)[1] for s in srcset] == ["112w", "224w", "336w"]
    for part in ('width="112"', 'height="75"', 'loading="lazy"', 'decoding="async"', 'alt=""'):
        assert part in img
    for entry in srcset:
        url, width = entry.rsplit(" ", 1)
        with Image.open(out / url.lstrip("/")) as picture:
            assert picture.format == "JPEG"
            assert picture.size == (int(width[:-1]), round(int(width[:-1]) * 75 / 112))
    assert html.count("media-cover-img") == 1  # the article without a cover has none
    assert not (out / "images" / "c.png").exists()  # only the renditions are published


def _png_with_alpha() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (640, 200), (0, 0, 0, 0)).save(out, "PNG")
    return out.getvalue()


def test_the_cover_is_part_of_the_reviewed_version(content: Path) -> None:
    (content / "images" / "c.jpg").write_bytes(_jpeg())
    source = _with_cover(content, "{static}/images/c.jpg")
    text = source.read_text(encoding="utf-8")
    before, files = disk_version(content, "articles/cover.md", text)
    assert list(files) == ["images/c.jpg"]
    (content / "images" / "c.jpg").write_bytes(_jpeg(301))
    assert disk_version(content, "articles/cover.md", text)[0] != before

"""Files pages pull in from content/ (article images, exemplar photos, a screen's images) are
published under content-hashed names, every reference to them in the built HTML points there, and
the site serves them immutable: a repeat visit fetches only the HTML (plugins/static_hash)."""

from __future__ import annotations

import re
import shutil
import urllib.request
from pathlib import Path

import pytest

from infra.publish import IMMUTABLE, cache_control
from tests.unit.test_gate_tricks import PLAIN, img_srcs, svg, write
from tests.unit.test_site_build import ROOT, build
from tools.page_weight import page_weight
from tools.review_version import file_hash, suffixed

HASHED_FILE = re.compile(r"(?P<stem>.+)\.(?P<hash>[0-9a-f]{16})(?P<ext>\.[a-z]+)")


def _as_published(path: str, data: bytes) -> str:
    return "/" + suffixed(path, file_hash(data))


def _site(tmp: Path) -> Path:
    content = tmp / "content"
    shutil.copytree(ROOT / "content" / "pages", content / "pages")
    (content / "units.csv").write_bytes((ROOT / "content" / "units.csv").read_bytes())
    images = content / "images" / "a"
    images.mkdir(parents=True)
    for name in ("body", "rel", "photo", "screen", "attached"):
        (images / f"{name}.svg").write_text(svg(f"v1 {name}"), encoding="utf-8")
    (content / "files").mkdir()
    (content / "files" / "report.pdf").write_bytes(b"%PDF report")
    arts = content / "articles"
    body = "\n\n".join(
        [
            "![图]({static}/images/a/body.svg)",
            "![相对]({static}../images/a/rel.svg)",
            "[附件]({attach}/files/report.pdf)",
            "![附图]({attach}/images/a/attached.svg)",
        ]
    )
    write(arts / "a.md", PLAIN | {"Slug": "a"}, body)
    exemplar = PLAIN | {
        "Category": "先进风采",
        "Exemplar": "individual",
        "Photo": "{static}/images/a/photo.svg",
        "Unit": "B0101",
        "Year": "2026",
        "Slug": "p",
    }
    write(arts / "p.md", exemplar)
    about = content / "pages" / "about.md"
    about.write_text(
        about.read_text(encoding="utf-8") + "\n![图]({static}/images/a/screen.svg)\n",
        encoding="utf-8",
    )
    return content


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("static-hash")
    content = _site(tmp)
    out = tmp / "out"
    build(content, out)
    return {"content": content, "out": out, "tmp": tmp}


def _page(site: dict, path: str) -> str:
    return (site["out"] / path).read_text(encoding="utf-8")


def _bytes(site: dict, name: str) -> bytes:
    return (site["content"] / "images" / "a" / f"{name}.svg").read_bytes()


def test_every_published_image_is_named_by_its_bytes(site: dict) -> None:
    files = [p for p in (site["out"] / "images").rglob("*") if p.is_file()]
    assert len(files) == 5
    for path in files:
        match = HASHED_FILE.fullmatch(path.name)
        assert match, path
        assert file_hash(path.read_bytes()).startswith(match["hash"]), path


def test_article_bodies_photos_lists_and_screens_name_the_hashed_file(site: dict) -> None:
    article = img_srcs(_page(site, "articles/a.html"))
    assert _as_published("images/a/body.svg", _bytes(site, "body")) in article
    assert _as_published("images/a/rel.svg", _bytes(site, "rel")) in article
    photo = _as_published("images/a/photo.svg", _bytes(site, "photo"))
    assert photo in img_srcs(_page(site, "articles/p.html"))
    assert photo in img_srcs(_page(site, "xianjin/year/2026.html"))
    assert photo in img_srcs(_page(site, "category/xianjin.html"))
    screen = _as_published("images/a/screen.svg", _bytes(site, "screen"))
    assert screen in img_srcs(_page(site, "about.html"))
    for page in site["out"].rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"images/a/\w+\.svg", text), f"{page} names an unhashed image"


def test_an_attachment_keeps_its_name_next_to_its_article(site: dict) -> None:
    assert re.search(r'href="/articles/report\.pdf"', _page(site, "articles/a.html"))
    assert (site["out"] / "articles" / "report.pdf").read_bytes() == b"%PDF report"


def test_an_attached_image_is_hashed_too(site: dict) -> None:
    """Everything under images/ is served immutable: an `{attach}` there keeps no plain name."""
    attached = _as_published("images/a/attached.svg", _bytes(site, "attached"))
    assert attached in img_srcs(_page(site, "articles/a.html"))
    assert not list(site["out"].rglob("attached.svg"))


def test_a_repeat_visit_fetches_only_the_html(site: dict) -> None:
    for page in ("articles/a.html", "articles/p.html", "xianjin/year/2026.html", "about.html"):
        weight = page_weight(site["out"], page)
        images = [p for p in weight.assets if p.startswith("images/")]
        assert images, page
        assert all(cache_control(p) == IMMUTABLE for p in images)
        assert not weight.missing and not weight.not_cached(), page


def test_new_bytes_get_a_new_address_and_the_old_file_goes(site: dict) -> None:
    """A rebuild into the same output (make dev) after one image changed: the changed image has
    a new name and its older version is removed; an unchanged image keeps its address."""
    content, out = site["content"], site["tmp"] / "again"
    shutil.copytree(site["out"], out)
    old_body = _as_published("images/a/body.svg", _bytes(site, "body"))
    (content / "images" / "a" / "body.svg").write_text(svg("v2 body"), encoding="utf-8")
    try:
        build(content, out)
    finally:
        (content / "images" / "a" / "body.svg").write_text(svg("v1 body"), encoding="utf-8")
    srcs = img_srcs((out / "articles" / "a.html").read_text(encoding="utf-8"))
    new_body = _as_published("images/a/body.svg", svg("v2 body").encode())
    assert new_body in srcs and old_body not in srcs
    assert (out / new_body.lstrip("/")).is_file()
    assert not (out / old_body.lstrip("/")).exists()
    assert _as_published("images/a/rel.svg", _bytes(site, "rel")) in srcs


def test_a_site_path_to_an_image_fails_with_file_and_line(tmp_path: Path) -> None:
    """`/images/a/body.svg` is not where the image is published: use `{static}`."""
    content = _site(tmp_path)
    write(
        content / "articles" / "raw.md",
        PLAIN | {"Slug": "raw"},
        "![图]({static}/images/a/body.svg)\n\n![图](/images/a/body.svg)",
    )
    with pytest.raises(Exception, match=r"articles/raw\.md:9: 站内链接不存在：/images/a/body\.svg"):
        build(content, tmp_path / "out")


def test_the_dev_server_serves_images_immutable(site: dict) -> None:
    from infra import dev_server, dynamodb_local

    server = dev_server.serve(dynamodb_local.free_port(), site["out"], api_port=1)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        for src in img_srcs(_page(site, "articles/a.html")):
            if src.startswith("/images/"):
                with urllib.request.urlopen(base + src) as reply:
                    assert reply.headers["Cache-Control"] == IMMUTABLE, src
    finally:
        server.shutdown()

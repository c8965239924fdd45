"""Every article page of a real production build (publishconf.py) weighs at most 20 KB on a
first visit — its HTML and every CSS, JS (with the modules it imports), image and sprite file it
pulls in, gzip-compressed as CloudFront sends them — and costs only its HTML on a repeat visit:
everything else is a content-hashed file that both CloudFront's publish (infra/publish.py) and
the dev server (infra/dev_server.py) serve as immutable."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest

from infra import dev_server, dynamodb_local
from infra.publish import IMMUTABLE
from tests.integration.production_build import build_production
from tools.page_weight import ARTICLE_BUDGET, article_pages, page_weight


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_production(tmp_path_factory.mktemp("weight"))


def test_there_are_article_pages(built: Path) -> None:
    assert len(article_pages(built)) >= 5


def test_every_article_page_fits_the_first_visit_budget(built: Path) -> None:
    over = {}
    for page in article_pages(built):
        weight = page_weight(built, page)
        assert not weight.missing, f"{page} refers to missing files: {weight.missing}"
        assert weight.assets, f"{page}: no CSS or JS found, the scan is broken"
        if weight.first_visit > ARTICLE_BUDGET:
            over[page] = (weight.first_visit, weight.html, weight.assets)
    assert not over, f"over {ARTICLE_BUDGET} bytes gzip on a first visit: {over}"


def test_a_repeat_visit_fetches_only_the_html(built: Path) -> None:
    for page in article_pages(built):
        weight = page_weight(built, page)
        assert not weight.not_cached(), (
            f"{page} fetches again on a repeat visit: {weight.not_cached()}"
        )


def test_theme_assets_are_never_fetched_again(built: Path) -> None:
    """The part that holds today: every CSS, JS and theme file is hashed and immutable."""
    for page in article_pages(built):
        again = [p for p in page_weight(built, page).not_cached() if not p.startswith("images/")]
        assert not again, f"{page} fetches again on a repeat visit: {again}"


def test_the_dev_server_serves_the_assets_immutable_and_the_html_short(built: Path) -> None:
    page = article_pages(built)[0]
    server = dev_server.serve(dynamodb_local.free_port(), built, api_port=1)
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        for path in page_weight(built, page).assets:
            with urllib.request.urlopen(base + path) as reply:
                assert reply.headers["Cache-Control"] == IMMUTABLE, path
        with urllib.request.urlopen(base + page) as reply:
            assert "immutable" not in reply.headers["Cache-Control"]
    finally:
        server.shutdown()


def test_the_scan_sees_what_a_page_pulls_in(tmp_path: Path) -> None:
    """A sprite, an image, a module import and a CSS url() all count; links do not."""
    (tmp_path / "theme" / "js").mkdir(parents=True)
    (tmp_path / "theme" / "css").mkdir()
    (tmp_path / "images").mkdir()
    (tmp_path / "theme" / "js" / "a.0123abcd.js").write_text("import './b.0123abcd.js';")
    (tmp_path / "theme" / "js" / "b.0123abcd.js").write_text("export const b = 1;")
    (tmp_path / "theme" / "css" / "m.0123abcd.css").write_text(".x{background:url(../i.svg)}")
    (tmp_path / "theme" / "i.svg").write_text("<svg/>")
    (tmp_path / "images" / "cover.jpg").write_bytes(b"\xff" * 100)
    (tmp_path / "theme" / "icons.0123abcd.svg").write_text("<svg/>")
    (tmp_path / "p.html").write_text(
        '<link rel="stylesheet" href="/theme/css/m.0123abcd.css">'
        '<script type="module" src="/theme/js/a.0123abcd.js"></script>'
        '<img src="/images/cover.jpg" alt=""><a href="/other.html">x</a>'
        '<svg><use href="/theme/icons.0123abcd.svg#home"></use></svg>',
        encoding="utf-8",
    )
    weight = page_weight(tmp_path, "p.html")
    assert set(weight.assets) == {
        "theme/css/m.0123abcd.css",
        "theme/js/a.0123abcd.js",
        "theme/js/b.0123abcd.js",
        "theme/i.svg",
        "images/cover.jpg",
        "theme/icons.0123abcd.svg",
    }
    # Not hashed (theme/i.svg) or not under an immutable prefix (images/): fetched again.
    assert sorted(weight.not_cached()) == ["images/cover.jpg", "theme/i.svg"]


# ---- 微党课 (issue 19): a lesson page before play -----------------------------------------------


def test_a_lesson_page_before_play_fits_the_article_budget(built: Path) -> None:
    """The poster and the subtitles count; the video or audio loads when she plays it."""
    lessons = [p for p in article_pages(built) if "data-lesson=" in (built / p).read_text("utf-8")]
    assert len(lessons) >= 3
    for page in lessons:
        weight = page_weight(built, page)
        # The video or audio and its subtitles file load on play; the transcript is in the page.
        assert sorted(p.rsplit(".", 1)[1] for p in weight.on_play) in (
            ["mp4", "vtt"],
            ["m4a", "vtt"],
        ), weight.on_play
        assert not any(p.endswith(".vtt") for p in weight.assets), weight.assets
        assert weight.first_visit <= ARTICLE_BUDGET, (page, weight.first_visit, weight.assets)
        assert not weight.not_cached(), weight.not_cached()


def test_the_scan_leaves_unplayed_media_and_counts_poster_and_track(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    for name in ("p.0123abcd.jpg", "s.0123abcd.vtt", "a.jpg"):
        (tmp_path / "images" / name).write_bytes(b"x" * 50)
    (tmp_path / "p.html").write_text(
        '<video controls preload="none" poster="/images/p.0123abcd.jpg">'
        '<source src="/media/abc.mp4" type="video/mp4">'
        '<track kind="subtitles" src="/images/s.0123abcd.vtt" default></video>'
        '<audio controls src="/images/a.jpg"></audio>',
        encoding="utf-8",
    )
    weight = page_weight(tmp_path, "p.html")
    assert weight.on_play == ["media/abc.mp4"]
    # Media without preload="none" may load at once, and a `default` track: weighed.
    assert set(weight.assets) == {"images/p.0123abcd.jpg", "images/s.0123abcd.vtt", "images/a.jpg"}
    (tmp_path / "q.html").write_text(
        '<video controls preload="none"><source src="/media/abc.mp4" type="video/mp4">'
        '<track kind="subtitles" src="/images/s.0123abcd.vtt"></video>',
        encoding="utf-8",
    )
    assert page_weight(tmp_path, "q.html").on_play == ["media/abc.mp4", "images/s.0123abcd.vtt"]
    assert not weight.missing

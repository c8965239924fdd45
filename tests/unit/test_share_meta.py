"""What a page is shared as (theme/templates/_share.html, plugins/covers): a real build of the
site's content says, in Open Graph tags, each shareable page's title, its meta description, its
absolute address and a square picture of at least 300×300 px (the article's cover, an exemplar's
photo, or the site's picture); the share loader comes with them, and pages that are a member's
own (我的, 登录, 待审核, 答题) carry neither."""

from __future__ import annotations

import io
import re
import shutil
from html import unescape
from pathlib import Path

import pytest
from PIL import Image

from tests.unit.test_site_build import ROOT, article, build

ORIGIN = "https://dj.example.org"
OG = re.compile(r'<meta property="og:([a-z_:]+)" content="([^"]*)">')


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("share")
    content = tmp / "content"
    shutil.copytree(ROOT / "content", content)
    output = tmp / "output"
    build(content, output, SITE_ORIGIN=ORIGIN)
    return output


def og(site: Path, page: str) -> dict[str, str]:
    return {k: unescape(v) for k, v in OG.findall((site / page).read_text(encoding="utf-8"))}


def description(site: Path, page: str) -> str:
    html = (site / page).read_text(encoding="utf-8")
    return unescape(re.search(r'<meta name="description" content="([^"]*)">', html).group(1))


def picture(site: Path, url: str) -> Image.Image:
    assert url.startswith(ORIGIN + "/theme/covers/"), url
    return Image.open(site / url[len(ORIGIN) + 1 :])


def assert_square_picture(site: Path, url: str) -> None:
    with picture(site, url) as image:
        assert image.format in ("JPEG", "PNG")
        assert image.size[0] == image.size[1] >= 300, (url, image.size)


def test_an_article_with_a_cover_shares_its_title_summary_address_and_cover(site: Path) -> None:
    tags = og(site, "articles/qiuji-dushu.html")
    h1 = re.search(r"<h1>(.*?)</h1>", (site / "articles/qiuji-dushu.html").read_text()).group(1)
    assert tags["title"] == unescape(h1)
    assert tags["description"] == description(site, "articles/qiuji-dushu.html")
    assert tags["description"].startswith("党委启动秋季读书月")  # its Summary, not the site's line
    assert tags["url"] == f"{ORIGIN}/articles/qiuji-dushu.html"
    assert tags["type"] == "article"
    assert re.fullmatch(rf"{ORIGIN}/theme/covers/dushu\.[0-9a-f]{{10}}-sq300\.jpg", tags["image"])
    assert_square_picture(site, tags["image"])
    assert (tags["image:width"], tags["image:height"]) == ("300", "300")


def test_pages_without_a_picture_share_the_sites(site: Path) -> None:
    for page in ("articles/wang-haiyan.html", "report.html", "index.html"):
        tags = og(site, page)
        assert re.fullmatch(
            rf"{ORIGIN}/theme/covers/share\.[0-9a-f]{{10}}-sq300\.png", tags["image"]
        )
        assert_square_picture(site, tags["image"])


def test_the_exemplar_report_series_and_lists_have_their_own_cards(site: Path) -> None:
    exemplar = og(site, "articles/wang-haiyan.html")
    assert exemplar["title"].startswith("王海燕")
    assert "上门服务" in exemplar["description"]
    report = og(site, "report.html")
    assert report["title"] == "年度党建报告 · 智慧党建"
    assert report["description"] == description(site, "report.html")
    assert report["description"].startswith("年度党建报告")
    assert report["url"] == f"{ORIGIN}/report.html"
    day = og(site, "articles/dangzhang-003.html")
    assert day["title"] == "党章百日学 · 第 3 天 · 总纲（三）"
    campaign = og(site, "articles/youxiu-2026.html")  # the vote page (campaign.html)
    assert campaign["title"] and campaign["url"].endswith("/articles/youxiu-2026.html")
    year = og(site, "xianjin/year/2026.html")
    assert year["title"] == "2026 年先进风采 · 智慧党建"
    assert year["description"] == description(site, "xianjin/year/2026.html")
    assert og(site, "category/xianjin.html")["title"] == "先进风采 · 智慧党建"
    # Every card's description is its page's own meta description, never the site's default.
    default = description(site, "about.html")
    for page in ("report.html", "xianjin/year/2026.html", "articles/wang-haiyan.html"):
        assert og(site, page)["description"] != default


LOADER = re.compile(r'<script id="dj-share" data-module="(/theme/js/share\.[0-9a-f]{8}\.js)"')


def test_shared_pages_carry_the_loader_and_a_members_own_pages_nothing(site: Path) -> None:
    for page in ("articles/qiuji-dushu.html", "report.html", "xianjin/year/2026.html"):
        found = LOADER.search((site / page).read_text(encoding="utf-8"))
        assert found and (site / found.group(1).lstrip("/")).is_file(), page
    for page in ("me.html", "login.html", "activate.html", "review.html", "quiz-play.html"):
        html = (site / page).read_text(encoding="utf-8")
        assert "og:" not in html and "dj-share" not in html, page


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 22, 29)).save(out, "PNG")
    return out.getvalue()


def test_an_exemplars_raster_photo_is_its_picture_an_svg_is_not(tmp_path: Path) -> None:
    content = tmp_path / "content"
    (content / "articles").mkdir(parents=True)
    (content / "images").mkdir()
    (content / "units.csv").write_bytes((ROOT / "content" / "units.csv").read_bytes())
    (content / "images" / "li.png").write_bytes(_png(200, 260))  # small and portrait
    (content / "images" / "he.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    common = {"Date": "2026-03-01", "Category": "先进风采", "Exemplar": "individual"}
    article(
        content / "articles" / "li.md",
        Title="李红",
        Slug="li",
        Photo="{static}/images/li.png",
        **common,
    )
    article(
        content / "articles" / "he.md",
        Title="何明",
        Slug="he",
        Photo="{static}/images/he.svg",
        **common,
    )
    out = tmp_path / "out"
    build(content, out)
    li = og(out, "articles/li.html")["image"]
    assert re.fullmatch(r"/theme/covers/li\.[0-9a-f]{10}-sq300\.jpg", li)  # no SITE_ORIGIN
    with Image.open(out / li.lstrip("/")) as image:
        assert image.size == (300, 300)
    assert "/theme/covers/share." in og(out, "articles/he.html")["image"]
    assert og(out, "articles/li.html")["url"] == "/articles/li.html"


def test_share_js_is_not_part_of_a_first_visit_outside_wechat(site: Path) -> None:
    from tools.page_weight import page_weight

    weight = page_weight(site, "articles/qiuji-dushu.html")
    shared = [p for p in weight.on_demand if p.startswith("theme/js/share.")]
    assert len(shared) == 1 and not weight.missing
    assert not [p for p in weight.assets if p.startswith("theme/js/share.")]

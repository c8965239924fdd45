"""Icons, covers and empty states in headless Chromium on the built site: section icons drawn
from the sprite, a list item's cover sized, lazy and loaded, empty states that lead on."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_interaction import log_in, open_site
from tools.fixtures import make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")
ARTICLE = "qiuji-dushu"  # has a cover (content/images/covers/dushu.jpg)


def test_section_icons_are_line_icons_from_the_sprite(site, phone: Page):
    sprites = []
    phone.on(
        "response",
        lambda r: (
            sprites.append((r.status, r.headers.get("content-type")))
            if re.search(r"/theme/icons\.[0-9a-f]{8}\.svg$", r.url)
            else None
        ),
    )
    phone.goto(f"{site.url}/index.html")
    icons = phone.locator(".grid-icon svg.icon")
    expect(icons).to_have_count(14)  # 13 sections, and 微党课 (issue 19)
    # The referenced symbol is drawn: the <use> has the drawing's box, the icon its size.
    phone.wait_for_function(
        "[...document.querySelectorAll('.grid-icon use')].every(u => u.getBBox().width > 10)"
    )
    box = icons.first.bounding_box()
    assert box and box["width"] == 30 and box["height"] == 30
    assert phone.locator(".grid-icon").first.inner_text() == ""  # no character any more
    assert sprites == [(200, "image/svg+xml")]  # one fetch for all of them


def test_a_list_item_with_a_cover_is_sized_lazy_and_loads(site, phone: Page):
    phone.goto(f"{site.url}/category/sixiang.html")
    item = phone.locator(f'a.media-cover[href="/articles/{ARTICLE}.html"]')
    img = item.locator("img.media-cover-img")
    expect(img).to_have_attribute("loading", "lazy")
    expect(img).to_have_attribute("decoding", "async")
    expect(img).to_have_attribute("width", "112")
    expect(img).to_have_attribute("height", "75")
    widths = re.findall(r" (\d+)w", img.get_attribute("srcset"))
    assert widths == ["112", "224", "336"]
    img.scroll_into_view_if_needed()
    phone.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())
    # A 3× phone picks the 336 px rendition; the box is the one reserved before loading.
    assert img.evaluate("i => i.currentSrc").endswith("-336.jpg")
    box = img.bounding_box()
    assert box and (box["width"], box["height"]) == (112, 75)


def test_no_comments_leads_into_the_comment_box(site, phone: Page):
    make_tree()
    make_member("74000011", "B1", name="吴学习")
    open_site(site)
    phone.goto(f"{site.url}/articles/{ARTICLE}.html")
    empty = phone.locator("#comment-empty")
    expect(empty).to_be_visible()
    expect(empty).to_contain_text("还没有评论，来写第一条吧")
    expect(empty.locator("svg.icon")).to_have_count(1)
    # Not signed in: 写评论 goes to login, and login comes back to the comments.
    empty.get_by_role("button", name="写评论").click()
    expect(phone).to_have_url(re.compile(r"/login\.html\?next="))
    log_in(phone, site, "74000011", f"/articles/{ARTICLE}.html")
    empty.get_by_role("button", name="写评论").click()
    expect(phone.locator("#comment-text")).to_be_focused()


def test_a_search_without_results_offers_the_sections(site, phone: Page):
    phone.goto(f"{site.url}/search.html?q=zzzzqqqq")
    empty = phone.locator("#search-empty")
    expect(empty).to_be_visible()
    empty.get_by_role("link", name="按栏目浏览").click()
    expect(phone).to_have_url(re.compile(r"/learn\.html$"))

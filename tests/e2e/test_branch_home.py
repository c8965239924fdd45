"""支部家园 on a phone: a member opens 我的 › 支部家园, writes a post and adds a photo (uploaded
straight to storage); it waits for review (her 我发布的动态 says so, the branch page shows
nothing); the branch secretary approves it from the review queue on the same page; it then
appears on the branch page with its photo, and in the feed of a member of another branch —
without a site rebuild. The page read without JavaScript says the content is dynamic."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import Page, expect

from chalicelib import uploads
from tests.e2e.signing import sign_in
from tests.e2e.test_layout import measure
from tools.fixtures import make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables", "s3")

SECRETARY, MEMBER, OTHER = "76000001", "76000002", "76000003"
TEXT = "周六支部组织党员到社区开展义务清扫，共二十人参加。"


def jpeg() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 22, 29)).save(buf, "JPEG", quality=80)
    return buf.getvalue()


def sign_out(phone: Page, url: str) -> None:
    phone.goto(f"{url}/about.html")
    phone.evaluate("() => { sessionStorage.clear(); localStorage.clear(); }")
    phone.context.clear_cookies()


def layout_problems(phone: Page) -> list[str]:
    expect(phone.locator(".dj-toast")).to_have_count(0)
    problems = []
    for large in (False, True):
        for width in (320, 390):
            problems += [
                f"[{width}{' 大字' if large else ''}] {p}" for p in measure(phone, width, large)
            ]
    phone.evaluate("document.documentElement.classList.remove('large-text')")
    phone.set_viewport_size({"width": 390, "height": 844})
    return problems


def test_a_post_with_a_photo_approved_appears_on_the_branch_page(site, phone: Page):
    uploads.reset_for_tests()
    make_tree()
    make_member(SECRETARY, "B1", name="李书记", roles=("branch_secretary",))
    make_member(MEMBER, "B1", name="王芳")
    make_member(OTHER, "B2", name="赵敏")
    built = (site.site / "branch-home.html").read_text(encoding="utf-8")
    assert "<noscript>" in built and "实时内容" in built
    before = (site.site / "branch-home.html").stat().st_mtime

    sign_in(phone, site.url, MEMBER, "/me.html")
    phone.get_by_role("link", name=re.compile("支部家园")).first.click()
    expect(phone).to_have_url(re.compile(r"/branch-home\.html$"))
    expect(phone.locator("#bh-branch")).to_have_text("第一党支部")
    expect(phone.locator("#bh-posts-empty")).to_be_visible()
    expect(phone.locator("#bh-review")).to_be_hidden()
    expect(phone.locator("#bh-submit")).to_be_enabled()
    phone.click("#bh-submit")
    expect(phone.locator("#bh-new-error")).to_have_text("请填写动态内容")
    phone.fill("#bh-text", TEXT)
    pick = phone.locator("label[for=bh-photo-input]").bounding_box()
    assert pick["height"] >= 44
    phone.set_input_files(
        "#bh-photo-input", files=[{"name": "清扫.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}]
    )
    expect(phone.locator("#bh-photos img")).to_have_count(1)
    assert layout_problems(phone) == []
    phone.click("#bh-submit")
    mine = phone.locator("#bh-mine-list .bh-item")
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text("待审核")
    expect(mine).to_contain_text(TEXT)
    expect(phone.locator("#bh-photos img")).to_have_count(0)
    expect(phone.locator("#bh-posts .bh-item")).to_have_count(0)
    sign_out(phone, site.url)

    sign_in(phone, site.url, SECRETARY, "/branch-home.html")
    waiting = phone.locator("#bh-queue .bh-item", has_text=TEXT)
    expect(waiting).to_contain_text("王芳")
    expect(waiting.locator("img")).to_have_js_property("complete", True)
    waiting.get_by_role("button", name="通过").click()
    phone.get_by_role("dialog").get_by_role("button", name="通过").click()
    expect(phone.locator("#bh-queue-empty")).to_be_visible()
    shown = phone.locator("#bh-posts .bh-item", has_text=TEXT)
    expect(shown).to_contain_text("王芳")
    expect(shown.get_by_role("button", name="下架")).to_be_visible()
    sign_out(phone, site.url)

    # Another branch's member: the branch page by its id, and the committee's feed.
    sign_in(phone, site.url, OTHER, "/branch-home.html?unit=B1")
    shown = phone.locator("#bh-posts .bh-item", has_text=TEXT)
    expect(shown.locator("img")).to_have_js_property("complete", True)
    assert phone.evaluate("document.querySelector('#bh-posts img').naturalWidth") == 640
    expect(phone.locator("#bh-new")).to_be_hidden()
    expect(shown.get_by_role("button", name="下架")).to_have_count(0)
    phone.click("#bh-tab-feed")
    feed = phone.locator("#bh-feed .bh-item", has_text=TEXT)
    expect(feed).to_contain_text("第一党支部")
    assert layout_problems(phone) == []
    # Nothing was rebuilt: the page is the one built before the post existed.
    assert (site.site / "branch-home.html").stat().st_mtime == before

"""The 消息 centre on a phone (WeChat's browser): messages posted through the outbox show as a
count on the tab bar's 我的 (read out as "N 条未读消息") and on 我的's 消息 row; the centre lists
them with 未读 in words; tapping one opens its page and the badge drops by one; 全部已读; muting a
kind is kept; a signed-out visit says 请先登录 and sends no API request; the badge costs at most
one small request per minute of browsing, none on the home page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from chalicelib import clock, outbox
from chalicelib.models import NotifyPrefs
from tools.fixtures import PASSWORD, make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")

MEMBER = "75000001"


def post_three(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three messages a minute apart: the newest links to 关于本站, one to 学习, one to nothing."""
    start = clock.now() - 600
    posts = [
        ("test:e2e:1", "system", "欢迎使用消息中心", "通知、提醒和答复都在这里。", None),
        ("test:e2e:2", "dues_reminder", "党费提醒", "本月党费尚未交纳。", "/learn.html"),
        ("test:e2e:3", "meeting_notice", "支部党员大会通知", "周五下午三点开会。", "/about.html"),
    ]  # fmt: skip
    for i, (key, kind, title, body, url) in enumerate(posts):
        monkeypatch.setattr(clock, "now", lambda i=i: start + 60 * i)
        outbox.post(key, kind, [MEMBER], title, body, url)
    monkeypatch.undo()


def sign_in(phone: Page, url: str, next_path: str = "/me.html") -> None:
    phone.goto(f"{url}/login.html?next={next_path}")
    phone.fill("#member_no", MEMBER)
    phone.fill("#password", PASSWORD)
    phone.click("#login-submit")
    expect(phone).to_have_url(f"{url}{next_path}")


def tab_badge(phone: Page):
    return phone.locator(".tabbar .tabbar-badge")


def test_badge_centre_tap_read_all(site, phone: Page, monkeypatch: pytest.MonkeyPatch):
    make_tree()
    make_member(MEMBER, "B1", name="孙消息")
    post_three(monkeypatch)
    sign_in(phone, site.url)

    # The badge on the tab bar and on 我的's 消息 row, a number a screen reader reads in words.
    expect(tab_badge(phone)).to_be_visible()
    expect(tab_badge(phone)).to_have_text(re.compile(r"^3，3 条未读消息$"))
    expect(phone.get_by_role("link", name=re.compile(r"^我的\s*，3 条未读消息$"))).to_be_visible()
    expect(phone.locator("#me-messages .unread-pill")).to_have_text(re.compile("^3"))
    box = phone.locator("#me-messages").bounding_box()
    assert box["height"] >= 44

    phone.click("#me-messages")
    expect(phone).to_have_url(f"{site.url}/messages.html")
    items = phone.locator("#msg-list .msg-item")
    expect(items).to_have_count(3)
    expect(items.nth(0)).to_contain_text("支部党员大会通知")
    expect(items.nth(0)).to_contain_text("会议通知")
    expect(items.nth(2)).to_contain_text("欢迎使用消息中心")
    expect(phone.locator("#msg-list .msg-state")).to_have_count(3)
    expect(phone.locator("#msg-list .msg-state").first).to_have_text("未读")
    expect(phone.locator("#msg-summary")).to_have_text("3 条未读")
    expect(tab_badge(phone)).to_contain_text("3")

    # Tap the newest: its page opens, and the badge there counts one fewer.
    items.nth(0).click()
    expect(phone).to_have_url(f"{site.url}/about.html")
    expect(tab_badge(phone)).to_have_text(re.compile(r"^2，2 条未读消息$"))

    phone.goto(f"{site.url}/messages.html")
    expect(phone.locator("#msg-summary")).to_have_text("2 条未读")
    expect(items.nth(0)).not_to_have_class(re.compile("is-unread"))
    expect(items.nth(0).locator(".msg-state")).to_have_count(0)
    expect(items.nth(1)).to_have_class(re.compile("is-unread"))

    # A message without a page: tapping it marks it read where it is.
    items.nth(2).click()
    expect(phone.locator("#msg-summary")).to_have_text("1 条未读")
    expect(tab_badge(phone)).to_contain_text("1")

    phone.click("#msg-read-all")
    expect(phone.locator("#msg-summary")).to_have_text("全部已读")
    expect(phone.locator("#msg-list .is-unread")).to_have_count(0)
    expect(tab_badge(phone)).to_be_hidden()
    expect(phone.locator("#msg-read-all")).to_be_disabled()
    phone.goto(f"{site.url}/me.html")
    expect(phone.locator("#me-member-no")).to_have_text(MEMBER)
    expect(tab_badge(phone)).to_be_hidden()
    expect(phone.locator("#me-messages .unread-pill")).to_be_hidden()


def test_muting_a_kind_is_kept(site, phone: Page):
    make_tree()
    make_member(MEMBER, "B1", name="孙消息")
    sign_in(phone, site.url, "/messages.html")
    expect(phone.locator("#msg-empty")).to_be_visible()  # no messages yet: the empty state
    phone.get_by_role("tab", name="消息设置").click()
    expect(phone).to_have_url(f"{site.url}/messages.html#settings")
    dues = phone.get_by_role("switch", name="党费提醒")
    expect(dues).to_be_enabled()
    expect(dues).to_be_checked()
    row = phone.locator("label.cell-switch", has=dues)
    assert row.bounding_box()["height"] >= 44
    row.click()
    expect(dues).not_to_be_checked()
    expect(phone.locator(".dj-toast")).to_contain_text("已保存")
    expect(dues).to_be_enabled()
    assert NotifyPrefs.get(MEMBER).muted == {"dues_reminder"}
    phone.reload()  # the settings stay chosen (#settings)
    expect(phone.get_by_role("tab", name="消息设置")).to_have_attribute("aria-selected", "true")
    expect(dues).to_be_visible()
    expect(dues).to_be_enabled()
    expect(dues).not_to_be_checked()
    expect(phone.get_by_role("switch", name="政治生日")).to_be_checked()
    # The kinds she may not mute say so, and why; they have no switch.
    fixed = phone.locator("#msg-settings .msg-fixed", has_text="会议通知")
    expect(fixed).to_contain_text("不可关闭")
    expect(phone.get_by_role("switch", name="会议通知")).to_have_count(0)
    expect(phone.locator("#msg-fixed-why")).to_contain_text("须确保每位党员收到")
    phone.get_by_role("tab", name="消息", exact=True).click()
    expect(phone.locator("#msg-empty")).to_be_visible()
    expect(dues).to_be_hidden()


def test_signed_out_the_page_asks_to_sign_in_and_sends_nothing(site, phone: Page):
    api_calls: list[str] = []
    phone.on("request", lambda r: "/api/" in r.url and api_calls.append(r.url))
    for path in ("/messages.html", "/learn.html", "/about.html"):
        phone.goto(f"{site.url}{path}")
        phone.wait_for_load_state("networkidle")
        expect(tab_badge(phone)).to_be_hidden()
    phone.goto(f"{site.url}/messages.html")
    login = phone.locator("#msg-login")
    expect(login).to_be_visible()
    expect(login).to_contain_text("请先登录")
    expect(login).to_have_attribute("href", "/login.html?next=/messages.html")
    expect(phone.locator("#msg-centre")).to_be_hidden()
    assert api_calls == []
    login.click()
    expect(phone).to_have_url(f"{site.url}/login.html?next=/messages.html")


def test_the_badge_costs_one_request_a_minute_and_none_on_the_home_page(
    site, phone: Page, monkeypatch: pytest.MonkeyPatch
):
    make_tree()
    make_member(MEMBER, "B1", name="孙消息")
    post_three(monkeypatch)
    sign_in(phone, site.url, "/index.html")
    counts: list[str] = []
    phone.on("request", lambda r: "/api/me/messages/unread" in r.url and counts.append(r.url))
    # The home page has the count from its own /api/me/today.
    phone.reload()
    expect(tab_badge(phone)).to_contain_text("3")
    assert counts == []
    # Other pages: the count kept for a minute in this tab, so no request.
    for path in ("/learn.html", "/about.html", "/me.html"):
        phone.goto(f"{site.url}{path}")
        expect(tab_badge(phone)).to_contain_text("3")
    assert counts == []
    # Kept longer than a minute: one small request on the next page.
    phone.evaluate(
        "(() => { const e = JSON.parse(sessionStorage.getItem('unread_badge'));"
        " e.kept -= 61000; sessionStorage.setItem('unread_badge', JSON.stringify(e)); })()"
    )
    phone.goto(f"{site.url}/learn.html")
    expect(tab_badge(phone)).to_contain_text("3")
    phone.goto(f"{site.url}/about.html")
    expect(tab_badge(phone)).to_contain_text("3")
    assert len(counts) == 1


def test_load_more_and_text_shown_as_text(site, phone: Page):
    """25 messages: 20, then 加载更多 the other 5; a title with markup is shown as written."""
    make_tree()
    make_member(MEMBER, "B1", name="孙消息")
    start = clock.now() - 3600
    for i in range(24):
        outbox.build(f"test:more:{i}", "request_reply", MEMBER, f"诉求答复 {i}", "已办理。",
                     "/learn.html", created=start + 60 * i, channels=()).save()  # fmt: skip
    outbox.build("test:more:x", "system", MEMBER, '<img src=x onerror="window.__x=1">', "<b>粗</b>",
                 None, created=start + 3000, channels=()).save()  # fmt: skip
    sign_in(phone, site.url, "/messages.html")
    items = phone.locator("#msg-list .msg-item")
    expect(items).to_have_count(20)
    expect(items.first.locator(".msg-item-title")).to_have_text(
        '<img src=x onerror="window.__x=1">'
    )
    expect(items.first.locator(".msg-body")).to_have_text("<b>粗</b>")
    expect(phone.locator("#msg-list img, #msg-list b")).to_have_count(0)
    expect(phone.locator("#msg-summary")).to_have_text("25 条未读")
    phone.click("#msg-more")
    expect(items).to_have_count(25)
    expect(items.last).to_contain_text("诉求答复 0")
    expect(phone.locator("#msg-more")).to_be_hidden()
    assert phone.evaluate("window.__x") is None

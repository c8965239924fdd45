"""A member in WeChat on a phone: activate, see her name on 我的, log out, log in again."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tools.fixtures import make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")


def test_activate_see_me_logout_login(site, phone: Page):
    make_tree()
    make_member(
        "40000001",
        "B2",
        name="赵晓梅",
        phone="13755556666",
        password=None,
        roles=("branch_committee",),
    )
    phone.goto(f"{site.url}/login.html")
    phone.get_by_text("激活账号").first.click()
    expect(phone).to_have_url(re.compile(r"/activate\.html"))

    phone.fill("#member_no", "40000001")
    phone.fill("#name", "赵晓梅")
    phone.fill("#phone_last4", "0000")
    phone.fill("#password", "xuexi2026")
    phone.fill("#password2", "xuexi2026")
    phone.click("#activate-submit")
    expect(phone.locator("#form-error")).to_contain_text("信息不匹配")

    phone.fill("#phone_last4", "6666")
    phone.click("#activate-submit")
    expect(phone).to_have_url(re.compile(r"/me\.html"))
    expect(phone.locator("#me-name")).to_have_text("赵晓梅")
    expect(phone.locator("#me-member-no")).to_contain_text("40000001")
    expect(phone.locator("#me-branch")).to_contain_text("第二党支部")
    expect(phone.locator("#me-roles")).to_contain_text("支部委员")

    phone.click("#logout")
    expect(phone).to_have_url(re.compile(r"/login\.html"))
    phone.goto(f"{site.url}/me.html")
    expect(phone).to_have_url(re.compile(r"/login\.html\?next="))

    phone.fill("#member_no", "40000001")
    phone.fill("#password", "xuexi2026")
    phone.click("#login-submit")
    expect(phone).to_have_url(re.compile(r"/me\.html"))
    expect(phone.locator("#me-name")).to_have_text("赵晓梅")


def test_wrong_password_shows_the_servers_message(site, phone: Page):
    make_tree()
    make_member("40000002", "B1")
    phone.goto(f"{site.url}/login.html")
    phone.fill("#member_no", "40000002")
    phone.fill("#password", "not-my-password")
    phone.click("#login-submit")
    expect(phone.locator("#form-error")).to_contain_text("党员编号或密码错误")
    expect(phone).to_have_url(re.compile(r"/login\.html"))


def test_next_parameter_cannot_leave_the_site(site, phone: Page):
    """`/\t/evil.example` starts with one slash but the browser resolves it to another host."""
    make_tree()
    make_member("40000003", "B1")
    phone.goto(f"{site.url}/login.html?next=/%09/evil.example/x")
    phone.fill("#member_no", "40000003")
    phone.fill("#password", "dangjian2026")
    phone.click("#login-submit")
    expect(phone).to_have_url(re.compile(rf"^{re.escape(site.url)}/me\.html"))


def test_a_logout_that_did_not_reach_the_server_does_not_pretend(site, phone: Page):
    """On a shared phone, a logout lost to the network would leave the login (and its cookie)
    for the next person: the page says so and stays signed in until a logout goes through."""
    make_tree()
    make_member("40000002", "B1", name="钱丽")
    phone.goto(f"{site.url}/login.html")
    phone.fill("#member_no", "40000002")
    phone.fill("#password", "dangjian2026")
    phone.click("#login-submit")
    expect(phone).to_have_url(re.compile(r"/me\.html"))
    phone.route("**/api/auth/logout", lambda route: route.abort())
    phone.click("#logout")
    expect(phone.locator("#form-error")).to_contain_text("退出失败")
    expect(phone).to_have_url(re.compile(r"/me\.html"))
    phone.unroute("**/api/auth/logout")
    phone.click("#logout")
    expect(phone).to_have_url(re.compile(r"/login\.html"))
    phone.goto(f"{site.url}/me.html")
    expect(phone).to_have_url(re.compile(r"/login\.html\?next="))


def test_an_unknown_address_gets_the_sites_own_404_page(site, phone: Page):
    """Not the server's English error page: a page in the site's style, in Chinese, with the way
    home; the status stays 404 (and an unknown API path keeps the API's JSON answer)."""
    import requests

    response = phone.goto(f"{site.url}/articles/no-such-article.html")
    assert response is not None and response.status == 404
    expect(phone.locator("h1")).to_have_text("页面不存在")
    expect(phone.get_by_role("link", name="回到首页")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    api = requests.get(f"{site.url}/api/no-such-route", timeout=30)
    assert api.status_code in (403, 404) and api.headers["Content-Type"].startswith(
        "application/json"
    )

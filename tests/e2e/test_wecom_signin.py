"""Sign-in inside 企业微信 in headless Chromium with WeCom's user agent, the WeCom stand-in playing
the authorize page: bind once through the identity check, sign out, come back signed in with no
password; a replayed callback and another browser's state refused; the 公众号 button in WeChat."""

from __future__ import annotations

import contextlib
import json
import re
import urllib.request
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import Error as PlaywrightError

from tests.e2e.conftest import WECHAT_UA
from tools.fixtures import make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")

WXWORK_UA = (
    "Mozilla/5.0 (Linux; Android 13; V2217A Build/TP1A.220624.014; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 MMWEBID/2307 "
    "MicroMessenger/7.0.1 NetType/WIFI Language/zh_CN wxwork/4.1.16 ColorScheme/Light"
)


def _hook(server, path: str, body: dict | None = None) -> None:
    data = json.dumps(body or {}).encode()
    req = urllib.request.Request(server.url + path, data=data, method="POST")
    urllib.request.urlopen(req, timeout=5).close()


def _phone(browser: Browser, ua: str) -> tuple[Page, list[str]]:
    context = browser.new_context(
        user_agent=ua,
        viewport={"width": 390, "height": 844},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return page, errors


@pytest.fixture
def wxwork(browser: Browser) -> Iterator[Page]:
    page, errors = _phone(browser, WXWORK_UA)
    yield page
    page.context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def standin(wecom):
    _hook(wecom, "/_standin/reset")
    make_tree()
    return wecom


def test_bind_once_then_sign_in_with_no_password(site, standin, wxwork: Page) -> None:
    make_member("33000001", "B1", name="周七", phone="13900007777", password=None)
    _hook(standin, "/_standin/oauth-user", {"userid": "zhouqi"})
    callbacks: list[str] = []
    wxwork.on("request", lambda r: "/auth/wecom/callback" in r.url and callbacks.append(r.url))

    # First visit: 我的 needs a login; inside 企业微信 the login page starts WeCom at once, and the
    # unbound userid comes to the identity check (no password to choose).
    wxwork.goto(f"{site.url}/me.html")
    expect(wxwork).to_have_url(re.compile(r"/activate\.html\?bind=wecom"))
    expect(wxwork.locator("#activate-title")).to_have_text("绑定企业微信")
    expect(wxwork.locator("#password-cells")).to_be_hidden()
    wxwork.fill("#member_no", "33000001")
    wxwork.fill("#name", "周七")
    wxwork.fill("#phone_last4", "0000")
    wxwork.click("#activate-submit")
    expect(wxwork.locator("#form-error")).to_contain_text("信息不匹配")
    wxwork.fill("#phone_last4", "7777")
    wxwork.click("#activate-submit")
    expect(wxwork).to_have_url(f"{site.url}/me.html")
    expect(wxwork.locator("#me-name")).to_have_text("周七")

    # Sign out: the login page stays (the button offers WeCom again), no automatic sign-in.
    wxwork.click("#logout")
    expect(wxwork).to_have_url(f"{site.url}/login.html")
    expect(wxwork.locator("#wecom-signin")).to_be_visible()
    wxwork.wait_for_timeout(500)
    expect(wxwork).to_have_url(f"{site.url}/login.html")

    # Second visit: signed in through WeCom with no password and no form.
    wxwork.goto(f"{site.url}/me.html")
    expect(wxwork).to_have_url(f"{site.url}/me.html")
    expect(wxwork.locator("#me-name")).to_have_text("周七")
    assert len(callbacks) == 2

    # The callback replayed (its state and code used): refused with a page saying so.
    response = wxwork.goto(callbacks[-1])
    assert response is not None and response.status == 409
    expect(wxwork.locator("#signin-error")).to_contain_text("已经使用过")
    # The button on the login page signs in too.
    wxwork.goto(f"{site.url}/login.html?manual=1")
    wxwork.click("#wecom-signin")
    expect(wxwork).to_have_url(f"{site.url}/me.html")


def test_another_browsers_callback_is_refused(site, standin, browser: Browser) -> None:
    """Login CSRF: a callback link made in the attacker's browser signs nobody in elsewhere."""
    make_member("33000002", "B1", name="吴八", phone="13900008888", password=None)
    _hook(standin, "/_standin/oauth-user", {"userid": "attacker"})
    attacker, errors_a = _phone(browser, WXWORK_UA)
    victim, errors_v = _phone(browser, WXWORK_UA)
    try:
        # The attacker stops at the callback link WeCom sends back (and keeps it).
        attacker.route("**/api/auth/wecom/callback*", lambda route: route.abort())
        with (
            attacker.expect_request(lambda r: "/auth/wecom/callback" in r.url) as sent,
            contextlib.suppress(PlaywrightError),  # the navigation is aborted on purpose
        ):
            attacker.goto(f"{site.url}/api/auth/wecom/start?next=/me.html")
        response = victim.goto(sent.value.url)
        assert response is not None and response.status == 403
        expect(victim.locator("#signin-error")).to_contain_text("登录请求无效")
        cookies = {c["name"] for c in victim.context.cookies()}
        assert "dj_rt" not in cookies and "dj_bind" not in cookies
    finally:
        attacker.context.close()
        victim.context.close()
    assert not errors_a and not errors_v


def test_wechat_offers_the_official_account_and_no_wecom(site, standin, phone: Page) -> None:
    assert "wxwork" not in WECHAT_UA
    phone.goto(f"{site.url}/login.html?next=/me.html")
    expect(phone.locator("#mp-signin")).to_be_visible()
    expect(phone.locator("#wecom-area")).to_be_hidden()
    assert "/api/auth/mp/start?next=%2Fme.html" in phone.locator("#mp-signin").get_attribute("href")

    # Through the 服务号: bound once (by the identity check), then signed in.
    make_member("33000003", "B1", name="郑九", phone="13900009999", password=None)
    _hook(standin, "/_standin/oauth-user", {"userid": "zhengjiu"})
    phone.click("#mp-signin")
    expect(phone).to_have_url(re.compile(r"/activate\.html\?bind=mp"))
    expect(phone.locator("#activate-title")).to_have_text("绑定公众号")
    phone.fill("#member_no", "33000003")
    phone.fill("#name", "郑九")
    phone.fill("#phone_last4", "9999")
    phone.click("#activate-submit")
    expect(phone.locator("#me-name")).to_have_text("郑九")

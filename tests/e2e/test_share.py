"""Sharing inside WeChat, on the built site in headless Chromium: a page with share data asks the
API for the JS-SDK configuration — inside plain WeChat signed with the Official Account's
jsapi_ticket (appId its AppID), inside 企业微信 with the corp's, each as the stand-in issued it —
calls wx.config with it and hands its card — title, description, its absolute address and a
picture — to the share calls. Outside WeChat nothing of it loads; when sharing is not set up
(404) or WeChat is down (503) the reader sees the page as before and no error. WeChat's JS-SDK is
the stand-in `wx` of tests/e2e/wx_standin.js, served at the SDK's address by the `phone`
fixture."""

from __future__ import annotations

import json
import re
import urllib.request
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.conftest import WECOM_ENV
from tests.e2e.conftest import WX_JSSDK_URL, serve_wx_standin
from tests.e2e.test_home import sign_in
from tests.unit.test_infra_csp import _csp as stack_csp
from tools.fixtures import make_member, make_tree
from tools.publish_catalog import FILENAME, publish

pytestmark = pytest.mark.usefixtures("clean_tables")
ROOT = Path(__file__).resolve().parents[2]
ARTICLE = "qiuji-dushu"  # has a cover
EXEMPLAR = "wang-haiyan"
WECOM_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Mobile/15E148 wxwork/4.1.20 MicroMessenger/7.0.1 Language/zh ColorScheme/Light"
)
BROWSER_UA = (
    "Mozilla/5.0 (Linux; Android 13; V2217A) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/116.0.0.0 Mobile Safari/537.36"
)


@pytest.fixture
def standin(wecom):
    """The WeCom stand-in with no token or ticket issued yet (clean_tables emptied our cache)."""
    req = urllib.request.Request(wecom.url + "/_standin/reset", data=b"", method="POST")
    urllib.request.urlopen(req, timeout=5).close()
    return wecom


def counters(server) -> dict:
    with urllib.request.urlopen(server.url + "/_standin/counters", timeout=5) as r:
        return json.loads(r.read())


def wx_calls(page: Page, name: str) -> list:
    return [arg for n, arg in page.evaluate("() => window.__wxCalls || []") if n == name]


def shared(page: Page) -> dict:
    """The card handed to updateAppMessageShareData, once the page has configured wx."""
    page.wait_for_function(
        "() => (window.__wxCalls || []).some(([n]) => n === 'updateAppMessageShareData')"
    )
    (card,) = wx_calls(page, "updateAppMessageShareData")
    return card


def meta_description(page: Page) -> str:
    return page.get_attribute('meta[name="description"]', "content")


def test_an_article_in_wechat_is_shared_with_a_signed_config_and_its_card(
    site, standin, phone: Page
) -> None:
    """Plain WeChat (the `phone` fixture's user agent: MicroMessenger, no wxwork) accepts only an
    Official Account's signature: the page asks for it, and wx.config gets the account's AppID."""
    from chalicelib.jssdk import signature
    from chalicelib.models import WeComCache

    asked: list[str] = []
    phone.on("request", lambda r: "/api/share/config" in r.url and asked.append(r.url))
    # As opened from a chat: WeChat adds its query; the #fragment is never signed.
    address = f"{site.url}/articles/{ARTICLE}.html?from=singlemessage&isappinstalled=0"
    phone.goto(address + "#comments")
    card = shared(phone)

    (requested,) = asked
    assert parse_qs(urlsplit(requested).query)["url"] == [address]
    assert parse_qs(urlsplit(requested).query)["app"] == ["mp"]
    (config,) = wx_calls(phone, "config")
    assert config["appId"] == WECOM_ENV["WECHAT_MP_APP_ID"]
    assert isinstance(config["timestamp"], int) and config["nonceStr"]
    # The Official Account's ticket the stand-in issued (one call), cached and signed with.
    assert counters(standin)["/cgi-bin/ticket/getticket"] == 1
    assert "/cgi-bin/get_jsapi_ticket" not in counters(standin)  # not the corp's
    ticket = WeComCache.get(f"mp#jsapi_ticket#{WECOM_ENV['WECHAT_MP_APP_ID']}").value
    assert ticket.startswith("standin-mp-ticket-")
    assert config["signature"] == signature(
        ticket, config["nonceStr"], config["timestamp"], address
    )
    assert {"updateAppMessageShareData", "updateTimelineShareData"} <= set(config["jsApiList"])
    assert config["debug"] is False

    assert card["title"] == phone.inner_text("h1")
    assert card["desc"] == meta_description(phone) and card["desc"].startswith("党委启动")
    assert card["link"] == f"{site.url}/articles/{ARTICLE}.html"  # its own address, no query
    assert re.fullmatch(
        rf"{re.escape(site.url)}/theme/covers/dushu\.[0-9a-f]{{10}}-sq300\.jpg", card["imgUrl"]
    )
    with urllib.request.urlopen(card["imgUrl"], timeout=5) as picture:
        assert picture.status == 200 and picture.headers["Content-Type"] == "image/jpeg"
    (timeline,) = wx_calls(phone, "updateTimelineShareData")
    assert timeline == {k: card[k] for k in ("title", "link", "imgUrl")}
    assert wx_calls(phone, "onMenuShareAppMessage") == [card]  # 企业微信's own call


def _wecom_phone(browser: Browser, user_agent: str = WECOM_UA):
    context = browser.new_context(
        user_agent=user_agent, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    context.route(WX_JSSDK_URL, serve_wx_standin)
    return context


def test_in_wecom_an_exemplar_page_shares_its_card(site, standin, browser: Browser) -> None:
    """企业微信 (wxwork) is signed with the corp's ticket and its corp id."""
    from chalicelib.jssdk import signature
    from chalicelib.models import WeComCache

    context = _wecom_phone(browser)
    page = context.new_page()
    try:
        address = f"{site.url}/articles/{EXEMPLAR}.html"
        page.goto(address)
        card = shared(page)
        (config,) = wx_calls(page, "config")
        assert config["appId"] == WECOM_ENV["WECOM_CORP_ID"]
        ticket = WeComCache.get(f"jsapi_ticket#{WECOM_ENV['WECOM_CORP_ID']}").value
        assert ticket.startswith("standin-ticket-")
        assert config["signature"] == signature(
            ticket, config["nonceStr"], config["timestamp"], address
        )
        assert "/cgi-bin/ticket/getticket" not in counters(standin)
        assert card["title"] == page.inner_text("h1") and card["title"].startswith("王海燕")
        assert card["desc"] == meta_description(page) and "上门服务" in card["desc"]
        assert card["link"] == f"{site.url}/articles/{EXEMPLAR}.html"
        # Its photo is an SVG, no share picture: the site's square picture.
        assert re.fullmatch(
            rf"{re.escape(site.url)}/theme/covers/share\.[0-9a-f]{{10}}-sq300\.png",
            card["imgUrl"],
        )
        with urllib.request.urlopen(card["imgUrl"], timeout=5) as picture:
            assert picture.status == 200
        assert wx_calls(page, "onMenuShareWechat") == [card]
    finally:
        context.close()


def test_the_report_is_shared_as_the_page_not_the_members_figures(
    site, standin, phone: Page
) -> None:
    make_tree()
    make_member("79500001", "B1", name="宋分享")
    sign_in(phone, site.url, "79500001")  # the report is a member's: anonymous goes to 登录
    phone.goto(f"{site.url}/report.html")
    expect(phone.locator("#report-name")).to_have_text("宋分享")
    card = shared(phone)
    assert "宋分享" not in json.dumps(card, ensure_ascii=False)
    assert card["title"] == "年度党建报告 · 智慧党建"
    assert card["desc"] == meta_description(phone) and card["desc"].startswith("年度党建报告")
    assert card["link"] == f"{site.url}/report.html"
    assert "/theme/covers/share." in card["imgUrl"]


def test_outside_wechat_nothing_of_sharing_loads(site, standin, browser: Browser) -> None:
    context = browser.new_context(
        user_agent=BROWSER_UA, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    page = context.new_page()
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    try:
        page.goto(f"{site.url}/articles/{ARTICLE}.html")
        page.wait_for_load_state("networkidle")
        assert not [u for u in seen if "share" in u or "jweixin" in u], seen
        assert page.evaluate("typeof window.wx") == "undefined"
        # The card is there for a crawler all the same.
        assert page.get_attribute('meta[property="og:title"]', "content") == page.inner_text("h1")
    finally:
        context.close()
    assert "/cgi-bin/get_jsapi_ticket" not in counters(standin)
    assert "/cgi-bin/ticket/getticket" not in counters(standin)


@pytest.mark.parametrize(
    ("status", "message"),
    [(404, "本站未开通微信公众号分享"), (503, "服务繁忙，请稍后重试，您的操作不会丢失")],
)
def test_without_sharing_the_page_works_and_shows_no_error(
    site, phone: Page, status: int, message: str
) -> None:
    """The API's own answers (tests/unit/test_share_not_configured.py: 404 on a stage without
    the Official Account; 503 while WeChat is unreachable), given to the page here."""
    answered: list[int] = []

    def refuse(route: Route) -> None:
        answered.append(status)
        route.fulfill(
            status=status,
            content_type="application/json",
            headers={"Retry-After": "2"} if status == 503 else {},
            body=json.dumps({"Code": "Error", "Message": message}, ensure_ascii=False),
        )

    publish(site.site / FILENAME)  # the catalog: the comments load as on a live site
    phone.route("**/api/share/config?*", refuse)
    sdk: list[str] = []
    phone.on("request", lambda r: r.url == WX_JSSDK_URL and sdk.append(r.url))
    phone.goto(f"{site.url}/articles/{ARTICLE}.html")
    phone.wait_for_load_state("networkidle")
    assert answered == [status]
    assert sdk == []  # the SDK is not even fetched
    expect(phone.locator("h1")).to_be_visible()
    expect(phone.locator(".article-body")).to_be_visible()
    expect(phone.get_by_text(message)).to_have_count(0)
    expect(phone.locator("[role=alert]:visible")).to_have_count(0)
    # The next page of the tab: after a 404 (no such app here) it does not ask again; after a
    # 503 it does (WeChat may be back).
    phone.goto(f"{site.url}/articles/{ARTICLE}.html?again=1")
    phone.wait_for_load_state("networkidle")
    assert answered == ([status] if status == 404 else [status, status])
    # (the `phone` fixture fails the test on any uncaught script error)


def _production_csp() -> str:
    # The stack's CSP with its pseudo parameters resolved (it names the uploads bucket's origin).
    # Served over plain http here: upgrading would send the page's requests to https.
    return stack_csp().replace("; upgrade-insecure-requests", "")


def test_sharing_runs_under_the_production_csp(site, standin, phone: Page) -> None:
    """The CloudFront CSP (infra/stack.yaml) on the page: the loader's hash, share.js and the
    SDK's origin are allowed; nothing is refused."""
    csp = _production_csp()

    def with_csp(route: Route) -> None:
        reply = route.fetch()
        route.fulfill(response=reply, headers={**reply.headers, "content-security-policy": csp})

    violations: list[str] = []
    phone.on(
        "console",
        lambda m: "Content Security Policy" in m.text and violations.append(m.text),
    )
    phone.route(f"{site.url}/articles/*.html*", with_csp)
    phone.goto(f"{site.url}/articles/{EXEMPLAR}.html")
    card = shared(phone)
    assert card["link"].endswith(f"/articles/{EXEMPLAR}.html")
    assert violations == []
    assert unescape(phone.get_attribute('meta[property="og:title"]', "content")) == card["title"]

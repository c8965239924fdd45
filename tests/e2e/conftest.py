"""Headless Chromium (Debian's) as WeChat's in-app browser on a phone, driven by Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pelican.settings import get_settings_from_file
from playwright.sync_api import Browser, Page, Route, expect, sync_playwright

# CI runs two workers on two cores next to DynamoDB Local and chalice local: give a page more
# than Playwright's default 5 s before a check fails (a real failure still fails, later).
expect.set_options(timeout=15_000)

WECHAT_UA = (
    "Mozilla/5.0 (Linux; Android 13; V2217A Build/TP1A.220624.014; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 "
    "MMWEBSDK/20231202 MMWEBID/2307 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 "
    "Weixin NetType/WIFI Language/zh_CN ABI/arm64"
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Nothing leaves the machine: a page reaching for another host fails at once.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
# WeChat's JS-SDK, which pages load from WeChat's CDN inside WeChat (theme/static/js/share.js):
# every `phone` gets the stand-in wx_standin.js at that address instead.
WX_JSSDK_URL = get_settings_from_file(str(Path(__file__).resolve().parents[2] / "pelicanconf.py"))[
    "WX_JSSDK_URL"
]
WX_STANDIN = (Path(__file__).with_name("wx_standin.js")).read_text(encoding="utf-8")


# Inside WeChat a page with share data asks for it (tests/e2e/test_share.py); here WeCom may be
# down (no `wecom` stand-in started) or the page on an origin not signed (400): not a page's fault.
SHARE_CONFIG = "/api/share/config"


def serve_wx_standin(route: Route) -> None:
    route.fulfill(status=200, content_type="text/javascript; charset=utf-8", body=WX_STANDIN)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        yield b
        b.close()


def _wechat_phone(browser: Browser) -> Iterator[Page]:
    """A phone in WeChat (its own cookies and storage); fails the test on any script error."""
    context = browser.new_context(
        user_agent=WECHAT_UA,
        viewport={"width": 390, "height": 844},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    context.route(WX_JSSDK_URL, serve_wx_standin)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    yield from _wechat_phone(browser)


@pytest.fixture
def second_phone(browser: Browser) -> Iterator[Page]:
    """Another phone beside `phone` (a member's, beside the organiser's)."""
    yield from _wechat_phone(browser)

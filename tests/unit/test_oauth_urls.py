"""Where the WeCom / 公众号 sign-in sends the browser: the authorize URL as documented, our
callback's origin, and `next` kept to a path on this site."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from chalicelib import oauth_signin, settings
from chalicelib.oauth_providers import provider


@pytest.fixture
def fresh_settings(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(settings, "_settings", None)
    yield monkeypatch
    settings._settings = None


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "me.html",
        "//evil.example/x",
        "/\\evil.example",
        "/\t/evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "/login.html?next=/x",
        "/activate.html",
        "/" + "a" * 600,
    ],
)
def test_next_outside_the_site_becomes_my_page(value) -> None:
    assert oauth_signin.safe_next(value) == "/me.html"


@pytest.mark.parametrize("value", ["/learn.html", "/articles/a.html#comments", "/search.html?q=x"])
def test_next_on_the_site_is_kept(value) -> None:
    assert oauth_signin.safe_next(value) == value


def test_the_wecom_authorize_url_is_the_documented_one(fresh_settings) -> None:
    fresh_settings.setenv("OAUTH_AUTHORIZE_BASE", "https://open.weixin.qq.com")
    fresh_settings.setenv("WECOM_CORP_ID", "ww123")
    fresh_settings.setenv("WECOM_AGENT_ID", "1000005")
    url = provider("wecom").authorize_url("https://dj.example.cn/api/auth/wecom/callback", "S" * 43)
    assert url == (
        "https://open.weixin.qq.com/connect/oauth2/authorize?appid=ww123"
        "&redirect_uri=https%3A%2F%2Fdj.example.cn%2Fapi%2Fauth%2Fwecom%2Fcallback"
        f"&response_type=code&scope=snsapi_base&state={'S' * 43}&agentid=1000005#wechat_redirect"
    )


def test_the_official_account_url_has_no_agent_id(fresh_settings) -> None:
    fresh_settings.setenv("WECHAT_MP_APP_ID", "wx0001")
    url = urlsplit(provider("mp").authorize_url("https://dj.example.cn/cb", "S" * 43))
    query = parse_qs(url.query)
    assert query["appid"] == ["wx0001"] and "agentid" not in query
    assert url.fragment == "wechat_redirect"


def test_the_callback_goes_to_the_origin_the_browser_used(fresh_settings) -> None:
    fresh_settings.setenv("SITE_ORIGINS", "https://dj.example.cn,http://localhost:8080")
    assert oauth_signin.site_origin("localhost:8080") == "http://localhost:8080"
    # In AWS the API sees API Gateway's host: the first origin.
    assert oauth_signin.site_origin("abc.execute-api.ap-east-1.amazonaws.com") == (
        "https://dj.example.cn"
    )
    assert oauth_signin.site_origin(None) == "https://dj.example.cn"


def test_an_unknown_userid_field_is_refused_at_start_up(fresh_settings) -> None:
    fresh_settings.setenv("WECOM_USERID_FIELD", "email")
    with pytest.raises(settings.SettingsError):
        settings.Settings()

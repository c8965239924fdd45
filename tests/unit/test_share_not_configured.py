"""A stage without 企业微信 (no corp id, or a corp id without its secret) answers the share
configuration with 404 and a Chinese message — never a 5xx — and the page shares as a plain link."""

from __future__ import annotations

import json

import pytest
from chalice.test import Client

from app import app
from chalicelib import settings

URL = "http://127.0.0.1:8080/articles/a.html"


@pytest.fixture
def fresh_settings(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SITE_ORIGINS", "http://127.0.0.1:8080")
    monkeypatch.setattr(settings, "_settings", None)
    yield monkeypatch
    settings._settings = None


@pytest.mark.parametrize(
    "env",
    [
        {"WECOM_CORP_ID": ""},
        {"WECOM_CORP_ID": "ww0123", "WECOM_SECRET": "", "WECOM_SECRET_PARAMETER": ""},
    ],
)
def test_share_config_without_wecom_is_404_in_chinese(fresh_settings, env: dict) -> None:
    for name, value in env.items():
        fresh_settings.setenv(name, value)
    with Client(app) as client:
        r = client.http.get(f"/share/config?url={URL}")
    assert r.status_code == 404
    assert json.loads(r.body)["Message"] == "本站未开通企业微信分享"


@pytest.mark.parametrize(
    "env",
    [
        {"WECHAT_MP_APP_ID": ""},
        {"WECHAT_MP_APP_ID": "wx0123", "WECHAT_MP_SECRET": "", "WECHAT_MP_SECRET_PARAMETER": ""},
    ],
)
def test_share_config_for_plain_wechat_without_the_account_is_404(fresh_settings, env) -> None:
    """Plain WeChat (app=mp) on a stage without an Official Account: 404, and WeCom's corp being
    configured does not stand in for it (plain WeChat refuses a corp's signature)."""
    fresh_settings.setenv("WECOM_CORP_ID", "ww0123")
    fresh_settings.setenv("WECOM_SECRET", "corp-secret")
    for name, value in env.items():
        fresh_settings.setenv(name, value)
    with Client(app) as client:
        r = client.http.get(f"/share/config?url={URL}&app=mp")
    assert r.status_code == 404
    assert json.loads(r.body)["Message"] == "本站未开通微信公众号分享"

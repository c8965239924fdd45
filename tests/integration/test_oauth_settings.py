"""Sign-in through WeCom / the Official Account under other settings than the test stack's: the
app in-process (Chalice's test client) against DynamoDB Local and the WeCom stand-in, with the
settings of an organisation that uses ERP numbers as WeCom userids, one without 公众号, one whose
WeCom cannot be reached."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlsplit

import pytest
from chalice.test import Client

from chalicelib import settings
from tools.fixtures import make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")


@pytest.fixture
def fresh_settings(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(settings, "_settings", None)
    yield monkeypatch
    settings._settings = None


def _hook(server, path: str, body: dict | None = None) -> None:
    data = json.dumps(body or {}).encode()
    req = urllib.request.Request(server.url + path, data=data, method="POST")
    urllib.request.urlopen(req, timeout=5).close()


def _cookies(response) -> str:
    """The state cookie the start route set, as the browser sends it back."""
    jar = SimpleCookie()
    jar.load(response.headers["Set-Cookie"])
    return "; ".join(f"{k}={m.value}" for k, m in jar.items())


def _authorize(url: str) -> str:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(url.split("#")[0], timeout=5)
    except urllib.error.HTTPError as exc:
        assert exc.code == 302
        return exc.headers["Location"]
    raise AssertionError("no redirect from the authorize page")


def _callback(client: Client, name: str = "wecom"):
    start = client.http.get(f"/auth/{name}/start?next=/learn.html")
    assert start.status_code == 302, start.body
    cookie = _cookies(start)
    back = urlsplit(_authorize(start.headers["Location"]))
    return client.http.get(f"/auth/{name}/callback?{back.query}", headers={"Cookie": cookie})


def test_member_numbers_as_userids_sign_in_without_binding(fresh_settings, wecom) -> None:
    fresh_settings.setenv("WECOM_USERID_FIELD", "member_no")
    _hook(wecom, "/_standin/reset")
    make_tree()
    make_member("32000001", "B1", password=None)
    _hook(wecom, "/_standin/oauth-user", {"userid": "32000001"})
    with Client(__import__("app").app) as client:
        r = _callback(client)
        assert r.status_code == 302, r.body
        target = urlsplit(r.headers["Location"])
        assert target.path == "/login.html" and parse_qs(target.query)["next"] == ["/learn.html"]
        assert "dj_rt=" in str(r.headers["Set-Cookie"])
        # She signs in through WeCom now: her name and phone no longer activate the account.
        activation = client.http.post(
            "/auth/activate",
            headers={"Content-Type": "application/json"},
            body=json.dumps(
                {"member_no": "32000001", "name": "张三", "phone_last4": "1234",
                 "password": "colleague-2026"}
            ),
        )  # fmt: skip
        assert activation.status_code == 401, activation.body
        # A userid that is no member number of the registry: told so, 403, no session.
        _hook(wecom, "/_standin/oauth-user", {"userid": "not.a.member@corp"})
        r = _callback(client)
        assert r.status_code == 403 and "未找到" in r.body.decode()
        assert "dj_rt=" not in str(r.headers.get("Set-Cookie", ""))


def test_deactivated_member_is_refused(fresh_settings, wecom) -> None:
    fresh_settings.setenv("WECOM_USERID_FIELD", "member_no")
    _hook(wecom, "/_standin/reset")
    make_tree()
    make_member("32000002", "B1", active=False)
    _hook(wecom, "/_standin/oauth-user", {"userid": "32000002"})
    with Client(__import__("app").app) as client:
        r = _callback(client)
    assert r.status_code == 403 and "停用" in r.body.decode()


@pytest.mark.parametrize(
    ("name", "env", "message"),
    [
        ("mp", {"WECHAT_MP_APP_ID": ""}, "本单位未开通公众号登录"),
        (
            "mp",
            {"WECHAT_MP_SECRET": "", "WECHAT_MP_SECRET_PARAMETER": ""},
            "本单位未开通公众号登录",
        ),
        ("wecom", {"WECOM_AGENT_ID": ""}, "本单位未开通企业微信登录"),
        ("wecom", {"WECOM_CORP_ID": ""}, "本单位未开通企业微信登录"),
    ],
)
def test_a_sign_in_not_set_up_is_404_in_chinese(fresh_settings, dynamodb, name, env, message):
    for key, value in env.items():
        fresh_settings.setenv(key, value)
    with Client(__import__("app").app) as client:
        for path in (f"/auth/{name}/start", f"/auth/{name}/callback?code=a&state={'A' * 43}"):
            r = client.http.get(path)
            assert r.status_code == 404 and message in r.body.decode(), path
        options = json.loads(client.http.get("/auth/options").body)
    assert options[name] is False


def test_wecom_unreachable_is_503_with_a_way_on(fresh_settings, wecom) -> None:
    _hook(wecom, "/_standin/reset")
    make_tree()
    _hook(wecom, "/_standin/oauth-user", {"userid": "someone"})
    with Client(__import__("app").app) as client:
        start = client.http.get("/auth/wecom/start")
        back = urlsplit(_authorize(start.headers["Location"]))
        fresh_settings.setenv("WECOM_API_BASE", "http://127.0.0.1:9")  # nothing listens
        settings._settings = None
        r = client.http.get(
            f"/auth/wecom/callback?{back.query}", headers={"Cookie": _cookies(start)}
        )
    assert r.status_code == 503 and "暂时无法访问" in r.body.decode()
    assert "使用党员编号和密码登录" in r.body.decode()

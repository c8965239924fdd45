"""Sign-in through WeCom (企业微信) and the Official Account (公众号), over HTTP: the browser's
redirects walked by hand between `chalice local` (behind the one-origin server) and the WeCom
stand-in (infra/wecom_standin.py), which plays the authorize page and the code exchanges."""

from __future__ import annotations

import json
import threading
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.conftest import WECOM_ENV
from tools.fixtures import make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")
SAME_ORIGIN = {"X-Requested-With": "dangjian-h5"}


def _hook(server, path: str, body: dict | None = None) -> dict:
    data = json.dumps(body or {}).encode()
    req = urllib.request.Request(server.url + path, data=data, method="POST")
    with urllib.request.urlopen(req, timeout=5) as r:
        return json.loads(r.read())


def _counters(server) -> dict:
    with urllib.request.urlopen(server.url + "/_standin/counters", timeout=5) as r:
        return json.loads(r.read())


@pytest.fixture
def standin(wecom):
    _hook(wecom, "/_standin/reset")
    make_tree()
    return wecom


def _as(server, userid: str, member: bool = True) -> None:
    _hook(server, "/_standin/oauth-user", {"userid": userid, "member": member})


def _start(browser: requests.Session, stack, name: str = "wecom", next_path: str = "/me.html"):
    r = browser.get(
        f"{stack.url}/api/auth/{name}/start", params={"next": next_path}, allow_redirects=False
    )
    assert r.status_code == 302, r.text
    return r.headers["Location"]


def _authorize(browser: requests.Session, url: str) -> str:
    """The authorize page (the stand-in): where it sends the browser back to, our callback."""
    r = browser.get(url, allow_redirects=False)
    assert r.status_code == 302, r.text
    return r.headers["Location"]


def _round_trip(browser, stack, name: str = "wecom", next_path: str = "/me.html"):
    callback = _authorize(browser, _start(browser, stack, name, next_path))
    return browser.get(callback, allow_redirects=False), callback


def _refresh(browser: requests.Session, stack) -> requests.Response:
    return browser.post(f"{stack.url}/api/auth/refresh", headers=SAME_ORIGIN)


def _bind(browser, stack, **body) -> requests.Response:
    return browser.post(f"{stack.url}/api/auth/bind", json=body, headers=SAME_ORIGIN)


def test_start_sends_the_browser_to_the_documented_authorize_url(stack, standin) -> None:
    browser = requests.Session()
    url = urlsplit(_start(browser, stack, next_path="/learn.html"))
    query = parse_qs(url.query)
    assert url.path == "/connect/oauth2/authorize" and url.fragment == "wechat_redirect"
    assert query["appid"] == [WECOM_ENV["WECOM_CORP_ID"]]
    assert query["agentid"] == [WECOM_ENV["WECOM_AGENT_ID"]]
    assert query["response_type"] == ["code"] and query["scope"] == ["snsapi_base"]
    assert query["redirect_uri"] == [f"{stack.url}/api/auth/wecom/callback"]
    assert len(query["state"][0]) >= 43
    # The state is bound to this browser by an HttpOnly, SameSite=Lax cookie.
    cookie = next(c for c in browser.cookies if c.name == "dj_oauth")
    assert cookie.path == "/api/auth" and cookie.has_nonstandard_attr("HttpOnly")


def test_first_visit_binds_once_then_signs_in_without_a_password(stack, standin) -> None:
    make_member("31000001", "B1", name="李四", phone="13900005678", password=None)
    _as(standin, "lisi")
    browser = requests.Session()
    r, _ = _round_trip(browser, stack, next_path="/learn.html")
    assert r.status_code == 302
    target = urlsplit(r.headers["Location"])
    assert target.path == "/activate.html"
    assert parse_qs(target.query) == {"bind": ["wecom"], "next": ["/learn.html"]}
    assert _refresh(browser, stack).status_code == 401  # not signed in before the check
    # The activation check, no password chosen.
    wrong = _bind(browser, stack, member_no="31000001", name="李四", phone_last4="0000")
    assert wrong.status_code == 401 and "手机号后四位" in wrong.json()["Message"]
    ok = _bind(browser, stack, member_no="31000001", name="李四", phone_last4="5678")
    assert ok.status_code == 200, ok.text
    assert ok.json()["access_token"] and ok.json()["award"]["points"] >= 1
    assert _refresh(browser, stack).status_code == 200
    # The ticket is used up: a second bind with it is refused.
    again = _bind(browser, stack, member_no="31000001", name="李四", phone_last4="5678")
    assert again.status_code == 403
    # The member set no password: the password login still knows none.
    login = requests.post(
        f"{stack.url}/api/auth/login", json={"member_no": "31000001", "password": "x" * 10}
    )
    assert login.status_code == 401
    # And the account counts as activated: a colleague who knows her name and phone cannot
    # activate it now and give it a password of their own.
    activation = requests.post(
        f"{stack.url}/api/auth/activate",
        json={
            "member_no": "31000001",
            "name": "李四",
            "phone_last4": "5678",
            "password": "colleague-2026",
        },
    )
    assert activation.status_code == 401

    # Second visit, another browser (a new phone): signed in straight away, no password.
    other = requests.Session()
    r, _ = _round_trip(other, stack, next_path="/learn.html")
    assert r.status_code == 302
    target = urlsplit(r.headers["Location"])
    assert target.path == "/login.html"
    assert parse_qs(target.query)["signed_in"] == ["wecom"]
    assert parse_qs(target.query)["next"] == ["/learn.html"]
    me = other.get(
        f"{stack.url}/api/me",
        headers={"Authorization": "Bearer " + _refresh(other, stack).json()["access_token"]},
    )
    assert me.status_code == 200 and me.json()["member_no"] == "31000001"


def test_an_activated_member_confirms_with_her_password_not_her_phone(stack, standin) -> None:
    make_member("31000002", "B1", name="王五", phone="13900001111")  # has a password
    _as(standin, "wangwu")
    browser = requests.Session()
    _round_trip(browser, stack)
    # The activation check refuses an account with a password: a colleague who knows her name
    # and phone must not take it over.
    by_phone = _bind(browser, stack, member_no="31000002", name="王五", phone_last4="1111")
    assert by_phone.status_code == 401
    bad = _bind(browser, stack, member_no="31000002", password="wrong-password")
    assert bad.status_code == 401 and "密码" in bad.json()["Message"]
    from tools.fixtures import PASSWORD

    ok = _bind(browser, stack, member_no="31000002", password=PASSWORD)
    assert ok.status_code == 200, ok.text


def test_a_replayed_callback_is_refused(stack, standin) -> None:
    make_member("31000003", "B1", password=None)
    _as(standin, "zhangsan")
    browser = requests.Session()
    first, callback = _round_trip(browser, stack)
    assert first.status_code == 302
    again = browser.get(callback, allow_redirects=False)
    assert again.status_code == 409
    assert "已经使用过" in again.text and "text/html" in again.headers["Content-Type"]
    assert 'href="/login.html?manual=1"' in again.text


def test_a_code_wecom_refuses_is_a_friendly_page(stack, standin) -> None:
    """The code used already at WeCom (or expired): WeCom answers 40029, we say 请重新登录."""
    make_member("31000004", "B1", password=None)
    _as(standin, "zhaoliu")
    browser = requests.Session()
    callback = _authorize(browser, _start(browser, stack))
    _hook(standin, "/_standin/expire-codes")
    r = browser.get(callback, allow_redirects=False)
    assert r.status_code == 400 and "授权已失效" in r.text
    # Replaying someone's code under a fresh state of one's own: WeCom refuses the used code.
    ok_browser = requests.Session()
    done, used_callback = _round_trip(ok_browser, stack)
    assert done.status_code == 302
    code = parse_qs(urlsplit(used_callback).query)["code"][0]
    fresh = urlsplit(_start(browser, stack))
    state = parse_qs(fresh.query)["state"][0]
    r = browser.get(
        f"{stack.url}/api/auth/wecom/callback",
        params={"code": code, "state": state},
        allow_redirects=False,
    )
    assert r.status_code == 400 and "授权已失效" in r.text


def test_a_forged_or_foreign_state_is_refused(stack, standin) -> None:
    make_member("31000005", "B1", password=None)
    _as(standin, "attacker")
    attacker = requests.Session()
    callback = _authorize(attacker, _start(attacker, stack))
    # Login CSRF: the attacker's callback link opened in the victim's browser.
    victim = requests.Session()
    r = victim.get(callback, allow_redirects=False)
    assert r.status_code == 403 and "登录请求无效" in r.text
    assert "dj_rt" not in r.headers.get("Set-Cookie", "")
    # A state nobody issued, a malformed one, none at all.
    for params in (
        {"code": "abc", "state": "A" * 43},
        {"code": "abc", "state": "<script>"},
        {"code": "abc"},
        {},
    ):
        r = victim.get(f"{stack.url}/api/auth/wecom/callback", params=params, allow_redirects=False)
        assert r.status_code == 403, (params, r.status_code)
    # The state of the WeCom flow is no good for the Official Account's callback.
    state = parse_qs(urlsplit(callback).query)["state"][0]
    r = attacker.get(
        f"{stack.url}/api/auth/mp/callback",
        params={"code": "abc", "state": state},
        allow_redirects=False,
    )
    assert r.status_code == 403
    # The victim's own attempt still works afterwards (nothing was used up by the forgery).
    assert attacker.get(callback, allow_redirects=False).status_code == 302


def test_parallel_binds_of_one_userid_to_two_members_bind_exactly_one(stack, standin) -> None:
    make_member("31000006", "B1", name="甲", phone="13900000006", password=None)
    make_member("31000007", "B1", name="乙", phone="13900000007", password=None)
    _as(standin, "shared-userid")
    browsers = [requests.Session(), requests.Session()]
    for b in browsers:
        assert _round_trip(b, stack)[0].status_code == 302
    bodies = [
        {"member_no": "31000006", "name": "甲", "phone_last4": "0006"},
        {"member_no": "31000007", "name": "乙", "phone_last4": "0007"},
    ]
    results: list = [None, None]
    barrier = threading.Barrier(2)

    def run(i: int) -> None:
        barrier.wait()
        results[i] = _bind(browsers[i], stack, **bodies[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200, 409], [r.text for r in results]
    loser = next(r for r in results if r.status_code == 409)
    assert "已绑定其他党员" in loser.json()["Message"]
    # And one member cannot take a second userid.
    winner = next(i for i, r in enumerate(results) if r.status_code == 200)
    _as(standin, "second-userid")
    b = requests.Session()
    _round_trip(b, stack)
    r = _bind(b, stack, **bodies[winner])
    assert r.status_code == 409 and "已绑定另一个" in r.json()["Message"]


def test_a_non_member_of_the_corp_is_told_to_use_the_password(stack, standin) -> None:
    _as(standin, "guest", member=False)
    r, _ = _round_trip(requests.Session(), stack)
    assert r.status_code == 403 and "仅本单位企业微信成员" in r.text


def test_next_is_only_a_path_on_this_site(stack, standin) -> None:
    make_member("31000008", "B1", password=None)
    _as(standin, "nexttest")
    for bad in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:1"):
        r, _ = _round_trip(requests.Session(), stack, next_path=bad)
        assert parse_qs(urlsplit(r.headers["Location"]).query)["next"] == ["/me.html"], bad


def test_bind_needs_the_ticket_and_the_same_origin_header(stack, standin) -> None:
    make_member("31000009", "B1", name="丙", phone="13900000009", password=None)
    body = {"member_no": "31000009", "name": "丙", "phone_last4": "0009"}
    assert _bind(requests.Session(), stack, **body).status_code == 403  # no ticket
    _as(standin, "bing")
    browser = requests.Session()
    _round_trip(browser, stack)
    r = browser.post(f"{stack.url}/api/auth/bind", json=body)  # no X-Requested-With
    assert r.status_code == 403
    r = _bind(browser, stack, member_no="31000009")  # no proof
    assert r.status_code == 400


def test_official_account_binds_its_openid_once(stack, standin) -> None:
    make_member("31000010", "B1", name="丁", phone="13900000010", password=None)
    _as(standin, "ding")
    browser = requests.Session()
    url = urlsplit(_start(browser, stack, name="mp"))
    query = parse_qs(url.query)
    assert query["appid"] == [WECOM_ENV["WECHAT_MP_APP_ID"]] and "agentid" not in query
    assert query["redirect_uri"] == [f"{stack.url}/api/auth/mp/callback"]
    callback = _authorize(browser, url.geturl())
    r = browser.get(callback, allow_redirects=False)
    assert urlsplit(r.headers["Location"]).path == "/activate.html"
    ok = _bind(browser, stack, member_no="31000010", name="丁", phone_last4="0010")
    assert ok.status_code == 200, ok.text
    assert browser.get(callback, allow_redirects=False).status_code == 409
    r, _ = _round_trip(requests.Session(), stack, name="mp")
    assert urlsplit(r.headers["Location"]).path == "/login.html"
    assert _counters(standin).get("/sns/oauth2/access_token") == 2


def test_options_say_what_is_configured(stack, standin) -> None:
    r = requests.get(f"{stack.url}/api/auth/options")
    assert r.status_code == 200 and r.json() == {"wecom": True, "mp": True}


def test_two_callbacks_with_one_state_at_once_sign_in_once(stack, standin) -> None:
    """The state is used by one conditional write: of two parallel callbacks, one signs in."""
    make_member("31000011", "B1", password=None)
    _as(standin, "twice")
    browser = requests.Session()
    callback = _authorize(browser, _start(browser, stack))
    tabs = [browser, requests.Session()]  # two tabs of one browser: the same cookies
    tabs[1].cookies.update(browser.cookies)
    results: list = [None, None]
    barrier = threading.Barrier(2)

    def run(i: int) -> None:
        barrier.wait()
        results[i] = tabs[i].get(callback, allow_redirects=False)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.status_code for r in results) == [302, 409]
    assert _counters(standin).get("/cgi-bin/auth/getuserinfo") == 1


def test_the_standin_asks_who_signs_in_when_no_test_chose(stack, standin) -> None:
    """`make dev`: with no user chosen, the authorize page is a form asking for the userid."""
    browser = requests.Session()
    page = browser.get(_start(browser, stack).split("#")[0], allow_redirects=False)
    assert page.status_code == 200 and "<form" in page.text and "_standin_user" in page.text


def test_an_administrator_removes_a_binding_and_the_member_binds_again(
    stack, standin, capsys
) -> None:
    from tools import signin_bindings

    make_member("31000012", "B1", name="庚", phone="13900000012", password=None)
    _as(standin, "old-account")
    browser = requests.Session()
    _round_trip(browser, stack)
    body = {"member_no": "31000012", "name": "庚", "phone_last4": "0012"}
    assert _bind(browser, stack, **body).status_code == 200
    assert signin_bindings.main(["show", "31000012"]) == 0
    assert "old-account" in capsys.readouterr().out
    # Her new WeCom account cannot bind while the old one is bound ...
    _as(standin, "new-account")
    b = requests.Session()
    _round_trip(b, stack)
    assert _bind(b, stack, **body).status_code == 409
    # ... and can once the administrator removed it; the old account no longer signs her in.
    assert signin_bindings.main(["remove", "31000012"]) == 0
    assert signin_bindings.main(["show", "31000012"]) == 1
    b = requests.Session()
    _round_trip(b, stack)
    assert _bind(b, stack, **body).status_code == 200
    _as(standin, "old-account")
    r, _ = _round_trip(requests.Session(), stack)
    assert urlsplit(r.headers["Location"]).path == "/activate.html"
    # Unbound from everything, the account may be activated (a password) again.
    assert signin_bindings.main(["remove", "31000012"]) == 0
    activation = requests.post(
        f"{stack.url}/api/auth/activate", json={**body, "password": "her-own-2026"}
    )
    assert activation.status_code == 200, activation.text


def test_an_account_bound_to_wecom_cannot_be_bound_to_a_stranger_s_gongzhonghao(
    stack, standin
) -> None:
    """Her name and phone are no proof once she signs in through WeCom (a colleague may know
    them): a 公众号 follower who gives them is refused, and is not signed in as her."""
    make_member("31000020", "B1", name="李四", phone="13900005678", password=None)
    body = {"member_no": "31000020", "name": "李四", "phone_last4": "5678"}
    _as(standin, "lisi")
    victim = requests.Session()
    _round_trip(victim, stack)
    assert _bind(victim, stack, **body).status_code == 200
    _as(standin, "stranger-openid")
    attacker = requests.Session()
    r, _ = _round_trip(attacker, stack, name="mp")
    assert urlsplit(r.headers["Location"]).path == "/activate.html"
    refused = _bind(attacker, stack, **body)
    assert refused.status_code == 409 and "解除原绑定" in refused.json()["Message"]
    assert _refresh(attacker, stack).status_code == 401  # no session for the stranger
    # And the other way round: bound to the 公众号 first, WeCom cannot be added by that check.
    make_member("31000021", "B1", name="王五", phone="13900004321", password=None)
    body = {"member_no": "31000021", "name": "王五", "phone_last4": "4321"}
    _as(standin, "wangwu-openid")
    first = requests.Session()
    _round_trip(first, stack, name="mp")
    assert _bind(first, stack, **body).status_code == 200
    _as(standin, "colleague")
    other = requests.Session()
    _round_trip(other, stack)
    assert _bind(other, stack, **body).status_code == 409


def test_removing_a_binding_ends_the_sessions_it_made(stack, standin) -> None:
    from tools import signin_bindings

    make_member("31000022", "B1", name="赵六", phone="13900002222", password=None)
    _as(standin, "zhaoliu")
    browser = requests.Session()
    _round_trip(browser, stack)
    body = {"member_no": "31000022", "name": "赵六", "phone_last4": "2222"}
    assert _bind(browser, stack, **body).status_code == 200
    assert _refresh(browser, stack).status_code == 200
    assert signin_bindings.main(["remove", "31000022"]) == 0
    assert _refresh(browser, stack).status_code == 401


def test_an_expired_corp_token_is_refreshed_during_the_sign_in(stack, standin) -> None:
    """WeCom answers 42001 for the cached access token: the client refreshes it and the code is
    exchanged on the retry (the code is spent only by the successful call)."""
    make_member("31000013", "B1", password=None)
    _as(standin, "expiry")
    browser = requests.Session()
    assert _round_trip(browser, stack)[0].status_code == 302  # the token cached
    before = _counters(standin).get("/cgi-bin/gettoken", 0)
    _hook(standin, "/_standin/expire-tokens")
    r, _ = _round_trip(requests.Session(), stack)
    assert r.status_code == 302 and urlsplit(r.headers["Location"]).path == "/activate.html"
    assert _counters(standin)["/cgi-bin/gettoken"] == before + 1

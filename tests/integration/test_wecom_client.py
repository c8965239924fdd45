"""The WeCom client and the share configuration, driven over HTTP against the WeCom stand-in
(infra/wecom_standin.py) and DynamoDB Local; the route through `chalice local`."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from urllib.parse import quote

import pytest

from tests.conftest import WECOM_ENV

pytestmark = pytest.mark.usefixtures("clean_tables")


def _post(server, path: str) -> dict:
    req = urllib.request.Request(server.url + path, data=b"", method="POST")
    with urllib.request.urlopen(req, timeout=5) as r:
        return json.loads(r.read())


def _counters(server) -> dict:
    with urllib.request.urlopen(server.url + "/_standin/counters", timeout=5) as r:
        return json.loads(r.read())


@pytest.fixture
def standin(wecom):
    _post(wecom, "/_standin/reset")
    return wecom


def _client(**kw):
    from chalicelib.wecom_client import WeComClient

    return WeComClient(**kw)


def test_token_is_cached_across_clients(standin) -> None:
    # Two clients stand for two Lambda containers: the token is shared through DynamoDB.
    for client in (_client(), _client()):
        for _ in range(5):
            client.get("/cgi-bin/get_jsapi_ticket")
    counts = _counters(standin)
    assert counts["/cgi-bin/gettoken"] == 1
    assert counts["/cgi-bin/get_jsapi_ticket"] == 10


def _parallel(n: int, fn) -> list:
    results: list = [None] * n
    barrier = threading.Barrier(n)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = fn()
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_twenty_callers_with_no_token_fetch_one(standin) -> None:
    results = _parallel(20, lambda: _client().access_token())
    assert all(isinstance(r, str) for r in results), results
    assert len(set(results)) == 1
    assert _counters(standin)["/cgi-bin/gettoken"] == 1


def test_twenty_callers_after_expiry_refresh_once(standin) -> None:
    _client().get("/cgi-bin/get_jsapi_ticket")
    _post(standin, "/_standin/expire-tokens")  # WeCom expires it before our cached deadline
    results = _parallel(20, lambda: _client().get("/cgi-bin/get_jsapi_ticket"))
    assert all(isinstance(r, dict) and r["errcode"] == 0 for r in results), results
    assert _counters(standin)["/cgi-bin/gettoken"] == 2  # the first, and exactly one refresh


def test_cached_deadline_passed_refreshes_once(standin) -> None:
    from chalicelib.models import WeComCache

    client = _client()
    client.access_token()
    item = WeComCache.get(f"access_token#{client.corp_id}")
    item.update(actions=[WeComCache.valid_until.set(int(time.time()) - 1)])
    results = _parallel(20, lambda: _client().access_token())
    assert all(isinstance(r, str) for r in results), results
    assert _counters(standin)["/cgi-bin/gettoken"] == 2


def test_token_expired_mid_flow_one_refresh_and_success(standin) -> None:
    client = _client()
    first = client.access_token()
    _post(standin, "/_standin/expire-tokens")
    body = client.get("/cgi-bin/get_jsapi_ticket")
    assert body["errcode"] == 0 and body["ticket"]
    assert client.access_token() != first
    counts = _counters(standin)
    assert counts["/cgi-bin/gettoken"] == 2
    assert counts["/cgi-bin/get_jsapi_ticket"] == 2  # the refused call and its one retry


def test_never_issued_token_refreshes_once(standin) -> None:
    from chalicelib.models import WeComCache

    client = _client()
    WeComCache(
        f"access_token#{client.corp_id}", value="forged", valid_until=int(time.time()) + 3600
    ).save()
    assert client.get("/cgi-bin/get_jsapi_ticket")["errcode"] == 0
    assert _counters(standin)["/cgi-bin/gettoken"] == 1


def test_bad_secret_is_a_clear_error_without_a_loop(standin) -> None:
    from chalicelib.wecom_client import WeComError

    client = _client(secret=lambda: "wrong")
    with pytest.raises(WeComError) as err:
        client.get("/cgi-bin/get_jsapi_ticket")
    assert err.value.errcode == 40001
    assert _counters(standin)["/cgi-bin/gettoken"] == 1
    assert "/cgi-bin/get_jsapi_ticket" not in _counters(standin)
    # The lease is released: the next caller (with the right secret) is not kept waiting.
    started = time.monotonic()
    _client().access_token()
    assert time.monotonic() - started < 2


def test_unreachable_wecom_is_a_wecom_error(standin) -> None:
    from chalicelib.wecom_client import WeComError
    from infra.dynamodb_local import free_port

    client = _client(base_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(WeComError) as err:
        client.access_token()
    assert err.value.errcode == -1


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=20) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_share_config_signs_an_own_page(stack, standin) -> None:
    from chalicelib.jssdk import signature
    from chalicelib.models import WeComCache

    page = f"{WECOM_ENV['SITE_ORIGINS']}/articles/a.html?from=timeline"
    status, body = _get(f"{stack.url}/api/share/config?url={quote(page + '#c3', safe='')}")
    assert status == 200, body
    assert body["appId"] == WECOM_ENV["WECOM_CORP_ID"]
    ticket = WeComCache.get(f"jsapi_ticket#{WECOM_ENV['WECOM_CORP_ID']}").value
    assert body["signature"] == signature(ticket, body["nonceStr"], body["timestamp"], page)
    # The ticket is cached: more page views, no more ticket calls.
    for _ in range(3):
        assert _get(f"{stack.url}/api/share/config?url={quote(page, safe='')}")[0] == 200
    assert _counters(standin)["/cgi-bin/get_jsapi_ticket"] == 1


@pytest.mark.parametrize(
    "url",
    ["https://evil.example/a.html", "", "not a url", "https://127.0.0.1.evil.example/"],
)
def test_share_config_for_a_foreign_url_is_400(stack, standin, url: str) -> None:
    status, body = _get(f"{stack.url}/api/share/config?url={quote(url, safe='')}")
    assert status == 400, body
    assert "本站" in body["Message"]
    assert _counters(standin).get("/cgi-bin/gettoken") is None


def test_share_config_without_url_is_400(stack, standin) -> None:
    status, _ = _get(f"{stack.url}/api/share/config")
    assert status == 400


def test_share_config_costs_half_a_read_unit_per_page_view(standin) -> None:
    """Called once per page view inside WeChat: with the ticket cached, one eventually
    consistent GetItem (0.5 RCU), no write, no WeCom call."""
    from chalicelib import jssdk
    from tests.aws_units import billed

    jssdk.config("http://127.0.0.1/a.html")  # the first view fetches the ticket
    with billed() as bill:
        for _ in range(10):
            jssdk.config("http://127.0.0.1/a.html")
    assert bill.read_units == 10 * 0.5
    assert bill.write_units == 0
    assert bill.count("GetItem", "wecom-cache") == 10
    assert _counters(standin)["/cgi-bin/get_jsapi_ticket"] == 1


def test_standin_follows_the_documented_contract(standin) -> None:
    def get(path: str) -> dict:
        with urllib.request.urlopen(standin.url + path, timeout=5) as r:
            assert r.status == 200  # WeCom answers errors in the body, not the status
            return json.loads(r.read())

    corp, secret = WECOM_ENV["WECOM_CORP_ID"], WECOM_ENV["WECOM_SECRET"]
    first = get(f"/cgi-bin/gettoken?corpid={corp}&corpsecret={secret}")
    assert first["errcode"] == 0 and first["expires_in"] <= 7200
    again = get(f"/cgi-bin/gettoken?corpid={corp}&corpsecret={secret}")
    assert again["access_token"] == first["access_token"]  # same token while valid
    assert get(f"/cgi-bin/gettoken?corpid=other&corpsecret={secret}")["errcode"] == 40013
    assert get(f"/cgi-bin/gettoken?corpid={corp}&corpsecret=x")["errcode"] == 40001
    assert get("/cgi-bin/get_jsapi_ticket?access_token=never")["errcode"] == 40014
    ticket = get(f"/cgi-bin/get_jsapi_ticket?access_token={first['access_token']}")
    assert ticket["errcode"] == 0 and ticket["ticket"] and ticket["expires_in"] == 7200
    _post(standin, "/_standin/expire-tokens")
    expired = get(f"/cgi-bin/get_jsapi_ticket?access_token={first['access_token']}")
    assert expired["errcode"] == 42001
    renewed = get(f"/cgi-bin/gettoken?corpid={corp}&corpsecret={secret}")
    assert renewed["access_token"] != first["access_token"]

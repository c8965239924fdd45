"""What a sign-in through WeCom costs in DynamoDB units (AWS-billed, `tools.capacity`): the app's
routes in-process against DynamoDB Local and the WeCom stand-in. The bounds are the figures
measured (README: Login and scope), so a change that adds reads or writes shows here."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest

from tools.bench_routes import Routes, cookie
from tools.capacity import metered
from tools.fixtures import make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")


def _hook(server, path: str, body: dict | None = None) -> None:
    data = json.dumps(body or {}).encode()
    req = urllib.request.Request(server.url + path, data=data, method="POST")
    urllib.request.urlopen(req, timeout=5).close()


def _authorize(url: str) -> str:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        urllib.request.build_opener(NoRedirect).open(url.split("#")[0], timeout=5)
    except urllib.error.HTTPError as exc:
        return exc.headers["Location"]
    raise AssertionError("no redirect")


def test_units_of_a_wecom_sign_in(wecom, capsys) -> None:
    _hook(wecom, "/_standin/reset")
    make_tree()
    make_member("34000001", "B1", name="钱十", phone="13900001010", password=None, joined_on=None)
    _hook(wecom, "/_standin/oauth-user", {"userid": "qianshi"})
    routes = Routes()
    figures = {}

    def visit() -> tuple:
        with metered() as start_meter:
            start = routes.http.get("/auth/wecom/start?next=/me.html")
        state_cookie = f"dj_oauth={cookie(start, 'dj_oauth')}"
        back = urlsplit(_authorize(start.headers["Location"]))
        with metered() as callback_meter:
            reply = routes.http.get(
                f"/auth/wecom/callback?{back.query}", headers={"Cookie": state_cookie}
            )
        return start_meter, callback_meter, reply

    # The access token is fetched once (cached in wecom-cache for every container): warm it.
    from chalicelib.wecom_client import WeComClient

    WeComClient().access_token()
    start, callback, reply = visit()
    figures["start"] = start
    figures["callback, first time (not bound)"] = callback
    bind_cookie = f"dj_bind={cookie(reply, 'dj_bind')}"
    with metered() as bind:
        done = routes.http.post(
            "/auth/bind",
            headers={
                "Content-Type": "application/json",
                "X-Requested-With": "dangjian-h5",
                "Cookie": bind_cookie,
            },
            body=json.dumps({"member_no": "34000001", "name": "钱十", "phone_last4": "1010"}),
        )
    assert done.status_code == 200, done.body
    figures["bind (with the day's sign-in award)"] = bind
    _, callback, reply = visit()
    assert urlsplit(reply.headers["Location"]).path == "/login.html"
    figures["callback, bound (a later sign-in the same day)"] = callback
    with capsys.disabled():
        for name, m in figures.items():
            print(f"\n  WeCom sign-in, {name}: {m.read_units:.1f} RRU, {m.write_units:.1f} WRU")
    assert figures["start"].read_units == 0 and figures["start"].write_units == 1
    bound = figures["callback, bound (a later sign-in the same day)"]
    assert bound.read_units <= 4 and bound.write_units <= 4

"""Sign-in: latency over HTTP and in-process, and the units of the first login of the day (with
its sign-in award), of the first one on or after the member's 入党纪念日 (with that year's
birthday points too), of a later login, a token refresh and GET /me, through the routes."""

from __future__ import annotations

import statistics

import requests

from infra.local_stack import LocalStack
from tools.bench import Row, percentile, timed
from tools.bench_routes import Routes, cookie, refresh_headers
from tools.fixtures import PASSWORD, make_member, make_tree

FIRST_LOGIN = "first login of the day (with the sign-in award)"
BIRTHDAY_LOGIN = "first login on or after the 入党纪念日 (with both awards)"


def run(stack: LocalStack) -> list[Row]:
    make_tree()
    make_member("30000001", "B1", roles=("branch_secretary",))
    # Signs in for the first time today, under the meter; no joining date, so no 入党纪念日 points
    # (once a year, measured apart below).
    member = make_member("30000002", "B1", joined_on=None)
    make_member("30000003", "B1", joined_on="2001-01-01")  # 入党纪念日 passed this year
    url = f"{stack.url}/api"
    routes = Routes()
    credentials = {"member_no": "30000002", "password": PASSWORD}
    n = 30

    reply, first = routes.measure(FIRST_LOGIN, "POST", "/auth/login", body=credentials)
    _, birthday = routes.measure(
        BIRTHDAY_LOGIN, "POST", "/auth/login", body={**credentials, "member_no": "30000003"}
    )
    reply, again = routes.measure(
        "login (again the same day)", "POST", "/auth/login", body=credentials
    )
    token = reply.json_body["access_token"]
    _, refresh = routes.measure(
        "token refresh", "POST", "/auth/refresh", headers=refresh_headers(cookie(reply, "dj_rt"))
    )
    _, me = routes.measure("GET /me", "GET", "/me", member=member)

    def http_login() -> None:
        r = requests.post(f"{url}/auth/login", json={"member_no": "30000001", "password": PASSWORD})
        r.raise_for_status()

    http_login()  # warm up the server process
    login_ms = timed(http_login, n)
    me_ms = timed(
        lambda: requests.get(f"{url}/me", headers={"Authorization": f"Bearer {token}"}),
        n,
    )
    handler_ms = timed(lambda: routes.send("POST", "/auth/login", body=credentials), n)
    return [
        ("login over HTTP, p50", round(statistics.median(login_ms), 1), "ms"),
        ("login over HTTP, p95", round(percentile(login_ms, 95), 1), "ms"),
        (
            "login handler in-process, p50 (scrypt 2^14 dominates)",
            round(statistics.median(handler_ms), 1),
            "ms",
        ),
        ("GET /me over HTTP, p50", round(statistics.median(me_ms), 1), "ms"),
        *first,
        *birthday,
        *again,
        *refresh,
        *me,
    ]

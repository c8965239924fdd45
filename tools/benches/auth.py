"""Login: latency over HTTP and in-process, and the capacity units of login, refresh and /me."""

from __future__ import annotations

import statistics

import requests

from chalicelib import auth, registry
from infra.local_stack import LocalStack
from tools.bench import Row, percentile, timed
from tools.capacity import metered
from tools.fixtures import PASSWORD, make_member, make_tree


def run(stack: LocalStack) -> list[Row]:
    make_tree()
    member = make_member("30000001", "B1", roles=("branch_secretary",))
    url = f"{stack.url}/api"
    n = 30

    def http_login() -> None:
        r = requests.post(f"{url}/auth/login", json={"member_no": "30000001", "password": PASSWORD})
        r.raise_for_status()

    http_login()  # warm up the server process
    login_ms = timed(http_login, n)
    token = auth.login("30000001", PASSWORD).access_token
    me_ms = timed(
        lambda: requests.get(f"{url}/me", headers={"Authorization": f"Bearer {token}"}),
        n,
    )
    handler_ms = timed(lambda: auth.login("30000001", PASSWORD), n)
    with metered() as login_cu:
        auth.login("30000001", PASSWORD)
    session = auth.login("30000001", PASSWORD)
    with metered() as refresh_cu:
        auth.refresh(session.refresh_token)
    with metered() as me_cu:
        registry.profile(registry.get_member(member.member_no))
    return [
        ("login over HTTP, p50", round(statistics.median(login_ms), 1), "ms"),
        ("login over HTTP, p95", round(percentile(login_ms, 95), 1), "ms"),
        (
            "login handler in-process, p50 (scrypt 2^14 dominates)",
            round(statistics.median(handler_ms), 1),
            "ms",
        ),
        ("GET /me over HTTP, p50", round(statistics.median(me_ms), 1), "ms"),
        ("capacity units per login", round(login_cu.total, 2), "CU"),
        ("capacity units per refresh", round(refresh_cu.total, 2), "CU"),
        ("capacity units per GET /me (after the token check)", round(me_cu.total, 2), "CU"),
    ]

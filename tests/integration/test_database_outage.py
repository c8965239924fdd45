"""While DynamoDB is unreachable or stalled, every request is answered quickly with 503 and
Retry-After (the page keeps what the member did and tries again) — never a 500, never a Lambda
timeout. The API runs under `chalice local` against a port where nothing answers, and against a
server that accepts connections and never replies."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import requests

from chalicelib.models import Member
from infra import dynamodb_local
from infra.local_stack import LocalStack, api_environment
from tests.conftest import TEST_JWT_KEYS
from tools.fixtures import bearer


def _stalled_server() -> tuple[int, socket.socket]:
    """Accepts connections, reads, never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            held.append(conn)

    threading.Thread(target=accept, daemon=True).start()
    return server.getsockname()[1], server


@pytest.fixture(scope="module", params=["refused", "stalled"])
def broken_api(request, tmp_path_factory) -> Iterator[str]:
    server = None
    if request.param == "refused":
        port = dynamodb_local.free_port()  # nothing listens there
    else:
        port, server = _stalled_server()
    stack = LocalStack(
        ddb_port=port,
        api_port=dynamodb_local.free_port(),
        web_port=dynamodb_local.free_port(),
        site=tmp_path_factory.mktemp("site"),
        env=api_environment(
            port, TEST_JWT_KEYS, DB_CONNECT_TIMEOUT_SECONDS="1", DB_READ_TIMEOUT_SECONDS="1"
        ),
    )
    stack.start_api()
    yield f"http://127.0.0.1:{stack.api_port}"
    stack.stop()
    if server is not None:
        server.close()


MEMBER = Member("76000001", session_epoch=0)
CALLS = [
    ("GET", "/me", None, True),
    ("GET", "/points/me", None, True),
    ("POST", "/auth/login", {"member_no": "76000001", "password": "dangjian2026"}, False),
    (
        "POST",
        "/reading/heartbeat",
        {"view_id": "view-out-0001", "seq": 0, "slug": "a1", "seconds": 0},
        True,
    ),
    ("GET", "/articles/a1/comments", None, False),
    ("POST", "/campaigns/c1/votes", {"candidate": "x", "request_id": "req-out-00001"}, True),
]


@pytest.mark.parametrize(("method", "path", "body", "signed_in"), CALLS)
def test_database_trouble_is_a_quick_503_with_retry_after(
    broken_api, method, path, body, signed_in
):
    headers = {"X-Requested-With": "dangjian-h5", **(bearer(MEMBER) if signed_in else {})}
    started = time.monotonic()
    r = requests.request(method, broken_api + path, json=body, headers=headers, timeout=30)
    took = time.monotonic() - started
    assert r.status_code == 503, r.text
    assert int(r.headers["Retry-After"]) > 0
    assert "稍后重试" in r.json()["Message"]
    assert took < 10, f"{path} took {took:.1f} s: slower than the function's timeout allows"


def test_what_needs_no_database_still_works(broken_api):
    assert requests.get(broken_api + "/points/rules", timeout=30).status_code == 200

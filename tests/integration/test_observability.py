"""What the functions tell the operator (chalicelib/observe.py), over HTTP against an API of its
own whose output this module reads: no secret in the log lines, one request line per request,
every metric of metric_names.ALL emitted by the code that counts it, and the per-member write
budget (write_budget.py) exact under a burst.

The API reaches DynamoDB Local through a switchable proxy, so that a request can meet DynamoDB's
throttling as botocore sees it (400 ProvisionedThroughputExceededException) and count it."""

from __future__ import annotations

import http.client
import json
import logging
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from chalicelib import clock, delivery, metric_names, observe, outbox
from chalicelib.models import Message
from infra import dynamodb_local, stream_poller
from infra.local_stack import LocalStack, api_environment
from tests.conftest import TEST_JWT_KEYS
from tools.fixtures import PASSWORD, bearer, make_campaign, make_item, make_member, make_tree, rid
from tools.tables import truncate_all

BUDGET = 5  # the API's write budget here: BUDGET writes per member per hour
WINDOW = 3600
PHONE = "13912345678"
COMMENT = "观测测试的评论正文独一无二"
NEW_PASSWORD = "Qiyue2026jihuo"
SCHEDULED_EVENT = {
    "version": "0",
    "id": "obs-run",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": "2026-12-01T00:00:00Z",
    "region": "ap-east-1",
    "resources": [],
    "detail": {},
}


class _Proxy(ThreadingHTTPServer):
    daemon_threads = True
    throttle = False  # True: every call is answered as DynamoDB answers when it throttles
    target = 0


class _Forward(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.server.throttle:  # type: ignore[attr-defined]
            status, data = (
                400,
                json.dumps(
                    {
                        "__type": "com.amazonaws.dynamodb.v20120810"
                        "#ProvisionedThroughputExceededException",
                        "message": "The level of configured provisioned throughput was exceeded.",
                    }
                ).encode(),
            )
            headers = [("Content-Type", "application/x-amz-json-1.0")]
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.server.target, timeout=30)  # type: ignore[attr-defined]
            sent = {
                k: v for k, v in self.headers.items() if k.lower() not in {"host", "connection"}
            }
            conn.request("POST", self.path, body, sent)
            answer = conn.getresponse()
            status, data = answer.status, answer.read()
            keep = {"content-type", "x-amz-crc32", "x-amzn-requestid"}
            headers = [(k, v) for k, v in answer.getheaders() if k.lower() in keep]
            conn.close()
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture(scope="module")
def proxy(dynamodb: int) -> Iterator[_Proxy]:
    server = _Proxy(("127.0.0.1", 0), _Forward)
    server.target = dynamodb
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


@pytest.fixture(scope="module")
def api(proxy: _Proxy, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(the API's base URL, the file its output goes to), with the write budget set small."""
    truncate_all()
    stream_poller.skip()
    folder = tmp_path_factory.mktemp("observe")
    stack = LocalStack(
        ddb_port=proxy.server_address[1],
        api_port=dynamodb_local.free_port(),
        web_port=dynamodb_local.free_port(),
        site=folder,
        env=api_environment(
            proxy.server_address[1],
            TEST_JWT_KEYS,
            WRITE_BUDGET_LIMIT=str(BUDGET),
            WRITE_BUDGET_WINDOW_SECONDS=str(WINDOW),
        ),
        output=folder / "api.log",
    )
    stack.start_api()
    yield f"http://127.0.0.1:{stack.api_port}", folder / "api.log"
    stack.stop()


@pytest.fixture(scope="module")
def org(api) -> dict:
    make_tree()
    make_item("a1")
    make_campaign()
    return {
        "reader": make_member("81000001", "B1", phone=PHONE),
        "newcomer": make_member("81000002", "B1", name="李新", phone=PHONE, password=None),
        "voter": make_member("81000003", "B2", phone=PHONE),
        "busy": make_member("81000004", "B2", phone=PHONE),
        "guessed": make_member("81000005", "B3", phone=PHONE),
    }


def lines(log: Path) -> list[dict]:
    out = []
    for raw in log.read_text(encoding="utf-8").splitlines():
        if raw.startswith("{"):
            out.append(json.loads(raw))
    return out


def request_lines(log: Path, route: str, method: str = "POST") -> list[dict]:
    return [
        line
        for line in lines(log)
        if line.get("logger") == observe.REQUEST_LOGGER
        and line["route"] == route
        and line["method"] == method
    ]


def metrics_of(line: dict) -> dict[str, float]:
    """The metrics an EMF line declares, with their values; the block checked as CloudWatch
    reads it."""
    if "_aws" not in line:
        return {}
    [block] = line["_aws"]["CloudWatchMetrics"]
    assert block["Namespace"] == metric_names.NAMESPACE
    assert block["Dimensions"] == [[metric_names.DIMENSION]]
    assert line[metric_names.DIMENSION] == "dev" and isinstance(line["_aws"]["Timestamp"], int)
    names = [m["Name"] for m in block["Metrics"]]
    assert all(isinstance(line[n], int | float) for n in names), line
    return {n: line[n] for n in names}


def sign_in(api: str, member_no: str, password: str = PASSWORD) -> requests.Response:
    return requests.post(
        f"{api}/auth/login", json={"member_no": member_no, "password": password}, timeout=30
    )


def test_a_login_a_comment_and_an_activation_leave_no_secret_in_the_logs(api, org) -> None:
    url, log = api
    login = sign_in(url, "81000001")
    assert login.status_code == 200, login.text
    access = login.json()["access_token"]
    refresh_token = login.cookies.get("dj_rt")
    assert refresh_token
    again = requests.post(
        f"{url}/auth/refresh",
        headers={"X-Requested-With": "dangjian-h5", "Cookie": f"dj_rt={refresh_token}"},
        timeout=30,
    )
    assert again.status_code == 200, again.text
    comment = requests.post(
        f"{url}/articles/a1/comments?from=13900000000",
        json={"text": COMMENT, "request_id": rid()},
        headers={"Authorization": f"Bearer {access}"},
        timeout=30,
    )
    assert comment.status_code in (200, 201), comment.text
    activation = requests.post(
        f"{url}/auth/activate",
        json={
            "member_no": "81000002",
            "name": "李新",
            "phone_last4": PHONE[-4:],
            "password": NEW_PASSWORD,
        },
        timeout=30,
    )
    assert activation.status_code == 200, activation.text
    text = log.read_text(encoding="utf-8")
    secrets = {
        "password": PASSWORD,
        "new password": NEW_PASSWORD,
        "access token": access,
        "refreshed access token": again.json()["access_token"],
        "activation's access token": activation.json()["access_token"],
        "refresh token": refresh_token,
        "phone": PHONE,
        "phone in a query string": "13900000000",
        "comment": COMMENT,
        "concrete path": "/articles/a1/",
    }
    assert not [what for what, value in secrets.items() if value in text]
    for route in ("/auth/login", "/auth/refresh", "/auth/activate", "/articles/{slug}/comments"):
        [line] = request_lines(log, route)
        assert line["status"] in (200, 201) and line["level"] == "INFO", line
        assert line["request_id"] and line["latency_ms"] >= 0
        assert "member_no" not in line  # a success names nobody
        assert metrics_of(line)[metric_names.REQUESTS] == 1


def _burst(url: str, member, paths: list[str]) -> list[requests.Response]:
    def one(path: str) -> requests.Response:
        return requests.post(f"{url}{path}", headers=bearer(member), timeout=60)

    with ThreadPoolExecutor(len(paths)) as pool:
        return list(pool.map(one, paths))


def test_the_write_budget_lets_exactly_its_limit_through_a_burst(api, org) -> None:
    """2 x BUDGET parallel writes of one member: exactly BUDGET pass, the others are 429 with
    Retry-After (the seconds to the window's end) and change nothing; a read still passes."""
    url, log = api
    busy = org["busy"]
    while time.time() % WINDOW > WINDOW - 30:  # the burst must not straddle two windows
        time.sleep(1)
    outbox.post("obs#budget", "dues_reminder", [busy.member_no], "提醒", "请交党费")
    for i in range(2 * BUDGET - 1):
        outbox.post(f"obs#budget{i}", "dues_reminder", [busy.member_no], "提醒", "请交党费")
    ids = [m.message_id for m in Message.query(busy.member_no)]
    assert len(ids) == 2 * BUDGET
    replies = _burst(url, busy, [f"/me/messages/{mid}/read" for mid in ids])
    statuses = sorted(r.status_code for r in replies)
    assert statuses == [200] * BUDGET + [429] * BUDGET, statuses
    left = WINDOW - int(time.time()) % WINDOW
    for refused in (r for r in replies if r.status_code == 429):
        assert "操作过于频繁" in refused.json()["Message"]
        assert 1 <= int(refused.headers["Retry-After"]) <= left + 1
    read = [m for m in Message.query(busy.member_no) if m.read_at is not None]
    assert len(read) == BUDGET  # a refused write changed nothing
    assert requests.get(f"{url}/me", headers=bearer(busy), timeout=30).status_code == 200
    found = request_lines(log, "/me/messages/{message_id}/read")
    refusals = [line for line in found if line["status"] == 429]
    assert len(refusals) == BUDGET and len(found) == 2 * BUDGET
    for line in refusals:  # a 4xx of the budget, naming its member; never a 5xx
        got = metrics_of(line)
        assert got[metric_names.WRITE_BUDGET_REFUSALS] == 1 and got[metric_names.CLIENT_ERRORS] == 1
        assert got[metric_names.SERVER_ERRORS] == 0 and line["member_no"] == busy.member_no


class _Collect(logging.Handler):
    """This process's log records as the JSON lines observe makes of them."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.setFormatter(observe.JsonFormatter())
        self.lines: list[dict] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


def test_every_metric_the_alarms_may_name_is_emitted_by_the_code(api, org, proxy, wecom) -> None:
    """Each name of metric_names.ALL comes out of a real flow: over HTTP (a login with its
    sign-in award, a vote, a burst over the write budget, guesses until the login budget says
    429, DynamoDB throttling a request) and the outbox's delivery job run as Lambda runs it."""
    url, log = api
    voter, guessed = org["voter"], org["guessed"]
    token = sign_in(url, voter.member_no).json()["access_token"]  # Logins, Awards (sign-in)
    vote = requests.post(
        f"{url}/campaigns/c1/votes",
        json={"candidate": "cand-a", "request_id": rid()},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert vote.status_code == 200, vote.text
    codes = [sign_in(url, guessed.member_no, "wrong-guess-1").status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]
    refused = _burst(url, guessed, ["/me/messages/read-all"] * (BUDGET + 1))
    assert sorted(r.status_code for r in refused)[-1] == 429
    proxy.throttle = True
    try:
        busy = requests.get(f"{url}/me", headers=bearer(voter), timeout=30)
    finally:
        proxy.throttle = False
    assert busy.status_code == 503 and busy.headers["Retry-After"]
    [throttled] = [line for line in request_lines(log, "/me", "GET") if line["status"] == 503]
    assert metrics_of(throttled)[metric_names.DATABASE_THROTTLES] == 1
    assert throttled["level"] == "ERROR" and metrics_of(throttled)[metric_names.SERVER_ERRORS] == 1

    import app  # noqa: F401 - the middlewares on the job's handler, as in Lambda
    from chalicelib import schedules

    outbox.post("obs#outbox", "dues_reminder", [voter.member_no], "提醒", "请交党费")
    collect = _Collect()
    # Pelican (imported by the site's tests in the same worker) makes every logger created
    # after it drop a message it has seen before; the job's line is always "metrics". Lambda
    # holds no Pelican.
    logging.getLogger(observe.METRICS_LOGGER).filters.clear()
    logging.getLogger().addHandler(collect)
    try:
        schedules.deliver_messages(SCHEDULED_EVENT, None)
    finally:
        logging.getLogger().removeHandler(collect)
    [job] = [metrics_of(line) for line in collect.lines if "_aws" in line]
    assert job == {metric_names.OUTBOX_BACKLOG: 0, metric_names.OUTBOX_OLDEST_SECONDS: 0}

    emitted = {name for line in lines(log) for name in metrics_of(line)} | set(job)
    assert emitted == set(metric_names.ALL)


def test_the_backlog_is_the_due_rows_and_the_oldest_waits_since_it_was_due(api, org) -> None:
    for row in Message.scan():  # the rows of the flows above
        row.delete()
    now = int(clock.now())
    for i in range(3):
        outbox.post(f"obs#late{i}", "dues_reminder", [org["reader"].member_no], "提醒", "请交党费")
    waiting, oldest = delivery.backlog(now + 600)
    assert waiting == 3 and 600 <= oldest <= 600 + int(clock.now()) - now
    assert delivery.backlog(now - 1) == (0, 0)  # nothing was due before they were written

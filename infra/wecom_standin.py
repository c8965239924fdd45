"""A local stand-in for WeCom's server API (企业微信), for tests and `make dev`.

WeCom cannot be reached from here, so this follows its documented contract for the calls the
platform makes: `GET /cgi-bin/gettoken?corpid&corpsecret` and `GET /cgi-bin/get_jsapi_ticket?
access_token`, with the documented error codes: 40013 (invalid corpid), 40001 (invalid secret),
42001 (access_token expired), 40014 (invalid access_token, one never issued). Answers are HTTP 200
with `errcode` in the body, as WeCom does.

As documented, gettoken answers the same token while it is valid (so a stampede of refreshers
would go unnoticed here: the tests count the gettoken calls instead). Test hooks (not part of
WeCom): `POST /_standin/expire-tokens` expires every token issued so far (as if 7200 s had passed,
or as WeCom may do early "出于运营需要"), `GET /_standin/counters` counts the calls per path, and
`POST /_standin/reset` forgets tokens and counters.
"""

from __future__ import annotations

import argparse
import json
import secrets
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

TOKEN_SECONDS = 7200


class StandIn(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, corp_id: str, secret: str) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.corp_id = corp_id
        self.secret = secret
        self.lock = threading.Lock()
        self.tokens: dict[str, bool] = {}  # token -> still valid
        self.current = ""
        self.current_until = 0.0
        self.tickets = 0
        self.counters: Counter[str] = Counter()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def issue_token(self) -> tuple[str, int]:
        """As documented: within its validity gettoken answers the same token (with the seconds
        it has left); after it expired, a new one."""
        now = time.monotonic()
        with self.lock:
            if self.current and self.tokens.get(self.current) and now < self.current_until:
                return self.current, int(self.current_until - now)
            token = secrets.token_urlsafe(48)
            self.tokens[token] = True
            self.current, self.current_until = token, now + TOKEN_SECONDS
            return token, TOKEN_SECONDS

    def token_error(self, token: str) -> dict | None:
        """None for a live token, else WeCom's answer for an expired or unknown one."""
        with self.lock:
            state = self.tokens.get(token)
        if state is None:
            return {"errcode": 40014, "errmsg": "invalid access_token"}
        if not state:
            return {"errcode": 42001, "errmsg": "access_token expired"}
        return None

    def expire_tokens(self) -> int:
        with self.lock:
            for token in self.tokens:
                self.tokens[token] = False
            return len(self.tokens)


class _Handler(BaseHTTPRequestHandler):
    server: StandIn

    def log_message(self, fmt: str, *args: object) -> None:  # quiet in tests
        pass

    def _send(self, body: dict, status: int = 200) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        srv = self.server
        with srv.lock:
            srv.counters[url.path] += 1
        if url.path == "/cgi-bin/gettoken":
            if query.get("corpid") != srv.corp_id:
                return self._send({"errcode": 40013, "errmsg": "invalid corpid"})
            if query.get("corpsecret") != srv.secret:
                return self._send({"errcode": 40001, "errmsg": "invalid credential"})
            token, expires_in = srv.issue_token()
            return self._send(
                {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": expires_in}
            )
        if url.path == "/cgi-bin/get_jsapi_ticket":
            error = srv.token_error(query.get("access_token", ""))
            if error:
                return self._send(error)
            with srv.lock:
                srv.tickets += 1
                ticket = f"standin-ticket-{srv.tickets}-{secrets.token_urlsafe(24)}"
            return self._send(
                {"errcode": 0, "errmsg": "ok", "ticket": ticket, "expires_in": TOKEN_SECONDS}
            )
        if url.path == "/_standin/counters":
            with srv.lock:
                return self._send(dict(srv.counters))
        self._send({"errcode": 404, "errmsg": "not found"}, status=404)

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        if path == "/_standin/expire-tokens":
            return self._send({"expired": self.server.expire_tokens()})
        if path == "/_standin/reset":
            with self.server.lock:
                self.server.tokens.clear()
                self.server.counters.clear()
            return self._send({"reset": True})
        self._send({"errcode": 404, "errmsg": "not found"}, status=404)


def serve(port: int, corp_id: str, secret: str) -> StandIn:
    """Start the stand-in in a daemon thread and return it (call `.shutdown()` to stop)."""
    server = StandIn(port, corp_id, secret)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8002)
    parser.add_argument("--corp-id", default="wwlocal")
    parser.add_argument("--secret", default="local-secret")
    args = parser.parse_args()
    server = serve(args.port, args.corp_id, args.secret)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.shutdown()

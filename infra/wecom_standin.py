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

It also plays the web OAuth of sign-in, WeCom's and the Official Account's (the authorize page,
`/cgi-bin/auth/getuserinfo`, `/sns/oauth2/access_token`): see the block "Web OAuth" below; and
the Official Account's server API (token, jsapi ticket, template messages): the block "Official
Account" at the end.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import secrets
import threading
import time
from collections import Counter
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

TOKEN_SECONDS = 7200


class StandIn(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, corp_id: str, secret: str, **oauth: str) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.corp_id = corp_id
        self.secret = secret
        self.oauth = OAuthStandIn(corp_id, **oauth)  # web OAuth (sign-in), below
        self.lock = threading.Lock()
        self.tokens: dict[str, bool] = {}  # token -> still valid
        self.current = ""
        self.current_until = 0.0
        self.tickets = 0
        self.counters: Counter[str] = Counter()
        self.outbox = MessageBox()  # application messages (message/send): the block below
        self.mp = MpStandIn()  # the Official Account's API: the last block

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
        if _oauth_get(self, url.path, query):  # web OAuth (sign-in)
            return
        if _mp_get(self, url.path, query):  # the Official Account's API (the last block)
            return
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
        if url.path == "/_standin/messages":  # application messages (the block below)
            return self._send(srv.outbox.log())
        if url.path == "/_standin/counters":
            with srv.lock:
                return self._send(dict(srv.counters))
        self._send({"errcode": 404, "errmsg": "not found"}, status=404)

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        if _oauth_post(self, path):  # web OAuth (sign-in) test hooks
            return
        if _message_post(self, path):  # application messages (the block below)
            return
        if _mp_post(self, path):  # the Official Account's API (the last block)
            return
        if path == "/_standin/expire-tokens":
            return self._send({"expired": self.server.expire_tokens()})
        if path == "/_standin/reset":
            with self.server.lock:
                self.server.tokens.clear()
                self.server.counters.clear()
            return self._send({"reset": True})
        self._send({"errcode": 404, "errmsg": "not found"}, status=404)


# ---- Application messages: POST /cgi-bin/message/send (the outbox's WeCom channel) -----------
#
# As documented for 发送应用消息 (developer.work.weixin.qq.com/document/path/90236) with msgtype
# textcard: touser "a|b|c" (at most 1000), agentid, textcard {title <= 128 bytes, description
# <= 512 bytes, url, btntxt <= 4 characters}; unknown users come back in `invaliduser` (lower
# case) while the others receive it, and errcode 81013 when nobody is valid. With
# enable_duplicate_check 1, the same content (the request JSON) is not received again by the same
# member within duplicate_check_interval seconds (default 1800, at most 14400): answered errcode 0,
# not delivered. Frequency (document/path/90454): one app may reach one member at most 30 times a
# minute and 1000 an hour; "超过部分会被丢弃不下发": dropped silently, answered errcode 0.
#
# Test hooks (not WeCom's): `GET /_standin/messages` (what each member actually received, what the
# duplicate check suppressed, what the frequency limit dropped), `POST /_standin/users
# {"userids": [...]}` (the members that exist; null: everyone), `POST /_standin/faults {"faults":
# [{"errcode": -1 | 45009 | ..., "count": n, "after": k}, {"hang": seconds, "count": n}, {"expire":
# true, "after": k}]}` (the next sends answer an error; or deliver and then hold the answer for
# `hang` seconds, past the client's timeout; or expire every token after k sends), `POST
# /_standin/limits {"app_per_minute": n}` (person-times a minute for the app, more answers 45009),
# `POST /_standin/advance {"seconds": s}` (moves the stand-in's clock for the windows above),
# `POST /_standin/duplicate-check {"compare": "content" | "request"}` (what the duplicate check
# compares: the documentation says "同样内容（请求json）", which may mean the content without the
# recipients (`content`, the default) or the whole request JSON, touser included (`request`): the
# worker's exactly-once is tested under both). `POST /_standin/reset` clears all of it.

AGENT_ID = 1000002  # the stand-in's one application (WECOM_AGENT_ID in tests and make dev)
SEND_PATH = "/cgi-bin/message/send"
MAX_USERS = 1000
DUPLICATE_DEFAULT, DUPLICATE_MAX = 1800, 14400
PER_USER_MINUTE, PER_USER_HOUR = 30, 1000


class MessageBox:
    """What the stand-in's application has been asked to send, and what members received."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.offset = 0.0  # seconds added to the clock (`/_standin/advance`)
        self.users: set[str] | None = None  # None: every userid exists
        self.faults: list[dict] = []
        self.app_per_minute: int | None = None
        self.compare = "content"  # the duplicate check's reading: "content" or "request"
        self.sends = 0
        self.received: list[dict] = []
        self.suppressed: list[dict] = []
        self.dropped: list[dict] = []
        self.last_seen: dict[tuple[str, str], float] = {}  # (user, content) -> delivered at
        self.per_user: dict[str, list[float]] = {}
        self.app_window: list[tuple[float, int]] = []

    def now(self) -> float:
        return time.time() + self.offset

    def log(self) -> dict:
        with self.lock:
            return {
                "received": list(self.received),
                "suppressed": list(self.suppressed),
                "dropped": list(self.dropped),
                "sends": self.sends,
            }

    def next_fault(self) -> dict | None:
        """The fault this send meets, if any (counted down)."""
        self.sends += 1
        for fault in self.faults:
            if fault.get("after", 0) > 0:
                fault["after"] -= 1
                continue
            if fault.get("count", 1) <= 0:
                continue
            fault["count"] = fault.get("count", 1) - 1
            return fault
        return None


def _card_error(body: dict) -> dict | None:
    card = body.get("textcard")
    if body.get("msgtype") != "textcard" or not isinstance(card, dict):
        return {"errcode": 40008, "errmsg": "invalid message type"}
    if str(body.get("agentid")) != str(AGENT_ID):
        return {"errcode": 40056, "errmsg": "invalid agentid"}
    title, text = str(card.get("title", "")), str(card.get("description", ""))
    url, button = str(card.get("url", "")), str(card.get("btntxt", "详情"))
    if not title or not text or not url:
        return {"errcode": 44004, "errmsg": "empty content"}
    if len(title.encode()) > 128 or len(text.encode()) > 512 or len(button) > 4:
        return {"errcode": 45002, "errmsg": "content size out of limit"}
    if not url.startswith(("http://", "https://")) or len(url.encode()) > 2048:
        return {"errcode": 40058, "errmsg": "invalid url"}
    return None


def _deliver(box: MessageBox, body: dict) -> dict:
    """The send itself, under the box's lock: validity, frequency, duplicate check, the log."""
    users = [u for u in str(body.get("touser", "")).split("|") if u]
    if not users or len(users) > MAX_USERS:
        return {"errcode": 40031, "errmsg": "invalid userid list"}
    now = box.now()
    if box.app_per_minute is not None:
        box.app_window = [(t, n) for t, n in box.app_window if now - t < 60]
        if sum(n for _, n in box.app_window) + len(users) > box.app_per_minute:
            return {"errcode": 45009, "errmsg": "api freq out of limit"}
        box.app_window.append((now, len(users)))
    known = box.users
    invalid = [u.lower() for u in users if known is not None and u.lower() not in known]
    if len(invalid) == len(users):
        return {"errcode": 81013, "errmsg": "user & party & tag all invalid"}
    # The content the duplicate check compares: the request JSON without its recipients, or
    # (the literal reading, `/_standin/duplicate-check`) the whole request JSON.
    recipients = ("touser", "toparty", "totag") if box.compare == "content" else ()
    content = json.dumps(
        {k: v for k, v in body.items() if k not in recipients},
        sort_keys=True,
        ensure_ascii=False,
    )
    check = int(body.get("enable_duplicate_check", 0)) == 1
    interval = min(int(body.get("duplicate_check_interval", DUPLICATE_DEFAULT)), DUPLICATE_MAX)
    msgid = secrets.token_hex(12)
    card = body["textcard"]
    for user in users:
        user = user.lower()
        if user in invalid:
            continue
        entry = {"user": user, "title": card["title"], "description": card["description"],
                 "url": card["url"], "msgid": msgid, "at": now}  # fmt: skip
        seen = box.last_seen.get((user, content))
        if check and seen is not None and now - seen < interval:
            box.suppressed.append(entry)
            continue
        times = [t for t in box.per_user.get(user, []) if now - t < 3600]
        if sum(1 for t in times if now - t < 60) >= PER_USER_MINUTE or len(times) >= PER_USER_HOUR:
            box.dropped.append(entry)  # documented: dropped, and the call still answers ok
            continue
        box.per_user[user] = [*times, now]
        box.last_seen[(user, content)] = now
        box.received.append(entry)
    return {"errcode": 0, "errmsg": "ok", "invaliduser": "|".join(invalid), "msgid": msgid}


def _json_body(handler: BaseHTTPRequestHandler) -> dict | None:
    length = int(handler.headers.get("Content-Length") or 0)
    try:
        body = json.loads(handler.rfile.read(length) or b"{}")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _message_post(handler: _Handler, path: str) -> bool:
    """The application-message paths and their hooks; False for any other path."""
    srv, box = handler.server, handler.server.outbox
    if path == "/_standin/reset":
        with box.lock:
            box.reset()
        return False  # the reset of tokens and counters runs as well
    if path == SEND_PATH:
        query = {k: v[0] for k, v in parse_qs(urlsplit(handler.path).query).items()}
        with srv.lock:
            srv.counters[path] += 1
        body = _json_body(handler)
        error = srv.token_error(query.get("access_token", ""))
        if error:
            handler._send(error)
            return True
        if body is None:
            handler._send({"errcode": 47001, "errmsg": "data format error"})
            return True
        error = _card_error(body)
        if error:
            handler._send(error)
            return True
        with box.lock:
            fault = box.next_fault()
            if fault and "errcode" in fault:
                answer = {"errcode": fault["errcode"], "errmsg": fault.get("errmsg", "fault")}
            else:
                answer = _deliver(box, body)
        if fault and fault.get("expire"):
            srv.expire_tokens()
        if fault and fault.get("hang"):
            time.sleep(float(fault["hang"]))  # delivered; the answer comes too late
        # The client may have given up waiting (a hang past its timeout).
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            handler._send(answer)
        return True
    hooks = {"/_standin/users", "/_standin/faults", "/_standin/limits", "/_standin/advance"}
    hooks.add("/_standin/duplicate-check")
    if path not in hooks:
        return False
    body = _json_body(handler) or {}
    with box.lock:
        if path == "/_standin/users":
            users = body.get("userids")
            box.users = None if users is None else {str(u).lower() for u in users}
        elif path == "/_standin/faults":
            box.faults = [dict(f) for f in body.get("faults", [])]
        elif path == "/_standin/limits":
            box.app_per_minute = body.get("app_per_minute")
        elif path == "/_standin/duplicate-check":
            if body.get("compare") not in ("content", "request"):
                handler._send({"errcode": 40003, "errmsg": "compare: content or request"})
                return True
            box.compare = body["compare"]
        else:
            box.offset += float(body.get("seconds", 0))
    handler._send({"ok": True})
    return True


def serve(port: int, corp_id: str, secret: str, **oauth: str) -> StandIn:
    """Start the stand-in in a daemon thread and return it (call `.shutdown()` to stop).
    `oauth`: agent_id, mp_app_id, mp_secret of the web OAuth part (OAuthStandIn)."""
    server = StandIn(port, corp_id, secret, **oauth)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# --- Web OAuth (sign-in): WeCom's and the Official Account's -----------------------------------
#
# As documented: the browser opens `/connect/oauth2/authorize?appid&redirect_uri&response_type=
# code&scope=snsapi_base&state[&agentid]#wechat_redirect` (on WeCom's / WeChat's web origin; here
# the same stand-in), which sends it back (302) to redirect_uri with `code` and `state`. A code is
# valid 5 minutes and once. WeCom: `GET /cgi-bin/auth/getuserinfo?access_token&code` → `userid`
# (a corp member) or `openid` (not a member); errcode 40029 for an unknown, used or expired code.
# The Official Account: `GET /sns/oauth2/access_token?appid&secret&code&grant_type=
# authorization_code` → `openid`; 40029 invalid code, 40163 code been used, 40013 invalid appid,
# 40125 invalid appsecret. Test hooks (not WeChat's): `POST /_standin/oauth-user {"userid": ...,
# "member": true}` chooses who the next authorize steps sign in (or `_standin_user=` on the
# authorize URL; with neither, it shows a small form asking, for `make dev`), and
# `POST /_standin/expire-codes` ages every code issued so far past its 5 minutes.

CODE_SECONDS = 300


class OAuthStandIn:
    def __init__(
        self,
        corp_id: str,
        agent_id: str = "1000002",
        mp_app_id: str = "wxlocalmp",
        mp_secret: str = "local-mp-secret",
    ) -> None:
        self.corp_id, self.agent_id = corp_id, agent_id
        self.mp_app_id, self.mp_secret = mp_app_id, mp_secret
        self.lock = threading.Lock()
        self.user: str | None = None
        self.member = True
        self.codes: dict[str, dict] = {}

    def issue(self, appid: str, user: str, member: bool) -> str:
        code = secrets.token_urlsafe(32)
        with self.lock:
            self.codes[code] = {
                "appid": appid,
                "user": user,
                "member": member,
                "until": time.monotonic() + CODE_SECONDS,
                "used": False,
            }
        return code

    def take(self, code: str, appid: str) -> tuple[dict | None, str]:
        """The code's record, used up now; or None and why: "invalid" or "used"."""
        with self.lock:
            record = self.codes.get(code)
            if record is None or record["appid"] != appid or record["until"] < time.monotonic():
                return None, "invalid"
            if record["used"]:
                return None, "used"
            record["used"] = True
            return record, ""

    def openid(self, appid: str, user: str) -> str:
        """An openid is per app and user, stable: derived from both."""
        digest = hashlib.sha256(f"{appid}#{user}".encode()).digest()
        return "o" + base64.urlsafe_b64encode(digest).decode()[:27]


def _oauth_page(handler: _Handler, status: int, html: str) -> None:
    data = f"<!doctype html><meta charset=utf-8><title>stand-in</title>{html}".encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def _authorize(handler: _Handler, query: dict[str, str]) -> None:
    oauth = handler.server.oauth
    appid = query.get("appid", "")
    redirect = query.get("redirect_uri", "")
    if appid not in {oauth.corp_id, oauth.mp_app_id}:
        return _oauth_page(handler, 400, "<p>参数错误：appid 无效</p>")
    if query.get("response_type") != "code" or query.get("scope") not in {
        "snsapi_base",
        "snsapi_privateinfo",
        "snsapi_userinfo",
    }:
        return _oauth_page(handler, 400, "<p>参数错误：response_type 或 scope</p>")
    if appid == oauth.corp_id and query.get("agentid") != oauth.agent_id:
        return _oauth_page(handler, 400, "<p>参数错误：agentid 无效</p>")
    if urlsplit(redirect).scheme not in {"http", "https"}:
        return _oauth_page(handler, 400, "<p>redirect_uri 参数错误</p>")
    user = query.get("_standin_user") or oauth.user
    if not user:  # `make dev`: ask who is signing in
        fields = "".join(
            f'<input type=hidden name="{escape(k)}" value="{escape(v)}">' for k, v in query.items()
        )
        return _oauth_page(
            handler,
            200,
            "<form><p>企业微信 / 公众号授权（本地替身）：以哪个企业微信账号（userid）登录？</p>"
            f"{fields}<input name=_standin_user required> <button>授权</button></form>",
        )
    code = oauth.issue(appid, user, oauth.member)
    glue = "&" if urlsplit(redirect).query else "?"
    target = redirect + glue + urlencode({"code": code, "state": query.get("state", "")})
    handler.send_response(302)
    handler.send_header("Location", target)
    handler.send_header("Content-Length", "0")
    handler.end_headers()


def _getuserinfo(handler: _Handler, query: dict[str, str]) -> None:
    srv = handler.server
    error = srv.token_error(query.get("access_token", ""))
    if error:
        return handler._send(error)
    record, _ = srv.oauth.take(query.get("code", ""), srv.oauth.corp_id)
    if record is None:  # WeCom answers one code for unknown, used and expired codes
        return handler._send({"errcode": 40029, "errmsg": "invalid code"})
    if record["member"]:
        return handler._send({"errcode": 0, "errmsg": "ok", "userid": record["user"]})
    openid = srv.oauth.openid(srv.oauth.corp_id, record["user"])
    return handler._send({"errcode": 0, "errmsg": "ok", "openid": openid})


def _mp_access_token(handler: _Handler, query: dict[str, str]) -> None:
    oauth = handler.server.oauth
    if query.get("appid") != oauth.mp_app_id:
        return handler._send({"errcode": 40013, "errmsg": "invalid appid"})
    if query.get("secret") != oauth.mp_secret:
        return handler._send({"errcode": 40125, "errmsg": "invalid appsecret"})
    if query.get("grant_type") != "authorization_code":
        return handler._send({"errcode": 40002, "errmsg": "invalid grant_type"})
    record, why = oauth.take(query.get("code", ""), oauth.mp_app_id)
    if record is None:
        if why == "used":
            return handler._send({"errcode": 40163, "errmsg": "code been used"})
        return handler._send({"errcode": 40029, "errmsg": "invalid code"})
    return handler._send(
        {
            "access_token": secrets.token_urlsafe(32),
            "expires_in": 7200,
            "refresh_token": secrets.token_urlsafe(32),
            "openid": oauth.openid(oauth.mp_app_id, record["user"]),
            "scope": "snsapi_base",
        }
    )


def _oauth_get(handler: _Handler, path: str, query: dict[str, str]) -> bool:
    if path == "/connect/oauth2/authorize":
        _authorize(handler, query)
    elif path == "/cgi-bin/auth/getuserinfo":
        _getuserinfo(handler, query)
    elif path == "/sns/oauth2/access_token":
        _mp_access_token(handler, query)
    else:
        return False
    return True


def _oauth_post(handler: _Handler, path: str) -> bool:
    oauth = handler.server.oauth
    if path == "/_standin/oauth-user":
        length = int(handler.headers.get("Content-Length") or 0)
        body = json.loads(handler.rfile.read(length) or b"{}")
        with oauth.lock:
            oauth.user = body.get("userid") or None
            oauth.member = bool(body.get("member", True))
        handler._send({"userid": oauth.user, "member": oauth.member})
        return True
    if path == "/_standin/expire-codes":
        with oauth.lock:
            for record in oauth.codes.values():
                record["until"] = 0.0
            count = len(oauth.codes)
        handler._send({"expired": count})
        return True
    if path == "/_standin/reset":  # and on to the token reset above
        with oauth.lock:
            oauth.user, oauth.member = None, True
            oauth.codes.clear()
    return False


# ---- The Official Account (服务号): token, jsapi ticket, template messages ----------------------
#
# As documented (developers.weixin.qq.com/doc/offiaccount): `GET /cgi-bin/token?grant_type=
# client_credential&appid&secret` → {access_token, expires_in 7200} (40013 invalid appid, 40001
# wrong secret, 40002 invalid grant_type). Every call issues a NEW token; the previous one stays
# valid five more minutes. A token never issued is answered 40001 ("invalid credential,
# access_token is invalid or not latest"), an expired one 42001. `GET /cgi-bin/ticket/getticket?
# access_token&type=jsapi` → {errcode 0, ticket, expires_in 7200}. `POST /cgi-bin/message/
# template/send?access_token` {touser, template_id, url, data {field: {value}}, client_msg_id}
# → {errcode 0, msgid}; 40003 invalid openid (not one of this account's: here, not of the
# `o` + 27 characters form), 43004 require subscribe (she does not follow the account), 40037
# invalid template_id, 47003 argument invalid (a `thing…` field over 20 characters, `phrase…`
# over 5, `character_string…` over 32; no data); the same openid + client_msg_id again within 10
# minutes is not sent again ("防重入").
#
# Test hooks (not WeChat's), under /_standin/mp/: `GET messages` (what each openid received, what
# client_msg_id suppressed), `POST followers {"openids": [...]}` (who follows; null: everyone),
# `POST templates {"ids": [...]}` (the account's template ids), `POST faults` (as the WeCom
# block's: errcode/count/after, hang, expire), `POST expire-tokens`, `POST advance {"seconds"}`.
# `POST /_standin/reset` clears all of it.

MP_TOKEN_PATH = "/cgi-bin/token"
MP_TICKET_PATH = "/cgi-bin/ticket/getticket"
MP_TEMPLATE_PATH = "/cgi-bin/message/template/send"
MP_OLD_TOKEN_SECONDS = 300  # "新老access_token都可用" for five minutes
MP_DEDUP_SECONDS = 600
MP_TEMPLATE_DEFAULT = "standin-notice-template"  # the account's one template until told
MP_LIMITS = {"thing": 20, "phrase": 5, "character_string": 32}


class MpStandIn:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.tokens: dict[str, float] = {}  # token -> valid until (monotonic)
        self.tickets = 0
        self.offset = 0.0
        self.followers: set[str] | None = None
        self.template_ids = {MP_TEMPLATE_DEFAULT}
        self.faults: list[dict] = []
        self.sends = 0
        self.received: list[dict] = []
        self.suppressed: list[dict] = []
        self.seen: dict[tuple[str, str], float] = {}  # (openid, client_msg_id) -> sent at

    def now(self) -> float:
        return time.time() + self.offset

    def issue(self) -> str:
        now = time.monotonic()
        token = secrets.token_urlsafe(48)
        with self.lock:
            for old, until in self.tokens.items():
                self.tokens[old] = min(until, now + MP_OLD_TOKEN_SECONDS)
            self.tokens[token] = now + TOKEN_SECONDS
        return token

    def token_error(self, token: str) -> dict | None:
        with self.lock:
            until = self.tokens.get(token)
        if until is None:
            return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid "
                    "or not latest"}  # fmt: skip
        if until <= time.monotonic():
            return {"errcode": 42001, "errmsg": "access_token expired"}
        return None

    def expire(self) -> None:
        with self.lock:
            for token in self.tokens:
                self.tokens[token] = 0.0

    def next_fault(self) -> dict | None:
        return MessageBox.next_fault(self)  # type: ignore[arg-type]  # the same countdown

    def deliver(self, body: dict) -> dict:
        """One template send, under the lock."""
        openid = str(body.get("touser") or "")
        if not (len(openid) == 28 and openid.startswith("o")):
            return {"errcode": 40003, "errmsg": "invalid openid"}
        if body.get("template_id") not in self.template_ids:
            return {"errcode": 40037, "errmsg": "invalid template_id"}
        data = body.get("data")
        if not isinstance(data, dict) or not data:
            return {"errcode": 47003, "errmsg": "argument invalid! data is empty"}
        for name, field in data.items():
            value = field.get("value") if isinstance(field, dict) else None
            limit = next((n for p, n in MP_LIMITS.items() if name.startswith(p)), None)
            if not isinstance(value, str) or (limit is not None and len(value) > limit):
                return {"errcode": 47003, "errmsg": f"argument invalid! data.{name}.value"}
        if self.followers is not None and openid not in self.followers:
            return {"errcode": 43004, "errmsg": "require subscribe"}
        now = self.now()
        msgid = int.from_bytes(secrets.token_bytes(6), "big")
        entry = {"openid": openid, "template_id": body["template_id"], "url": body.get("url"),
                 "data": data, "client_msg_id": body.get("client_msg_id"), "msgid": msgid,
                 "at": now}  # fmt: skip
        key = str(body.get("client_msg_id") or "")
        seen = self.seen.get((openid, key)) if key else None
        if seen is not None and now - seen < MP_DEDUP_SECONDS:
            self.suppressed.append(entry)
        else:
            if key:
                self.seen[(openid, key)] = now
            self.received.append(entry)
        return {"errcode": 0, "errmsg": "ok", "msgid": msgid}


def _mp_get(handler: _Handler, path: str, query: dict[str, str]) -> bool:
    srv, mp = handler.server, handler.server.mp
    if path == MP_TOKEN_PATH:
        if query.get("appid") != srv.oauth.mp_app_id:
            handler._send({"errcode": 40013, "errmsg": "invalid appid"})
        elif query.get("secret") != srv.oauth.mp_secret:
            handler._send({"errcode": 40001, "errmsg": "invalid credential, invalid secret"})
        elif query.get("grant_type") != "client_credential":
            handler._send({"errcode": 40002, "errmsg": "invalid grant_type"})
        else:
            handler._send({"access_token": mp.issue(), "expires_in": TOKEN_SECONDS})
        return True
    if path == MP_TICKET_PATH:
        error = mp.token_error(query.get("access_token", ""))
        if error:
            handler._send(error)
        elif query.get("type") != "jsapi":
            handler._send({"errcode": 40097, "errmsg": "invalid args"})
        else:
            with mp.lock:
                mp.tickets += 1
                ticket = f"standin-mp-ticket-{mp.tickets}-{secrets.token_urlsafe(24)}"
            handler._send(
                {"errcode": 0, "errmsg": "ok", "ticket": ticket, "expires_in": TOKEN_SECONDS}
            )
        return True
    if path == "/_standin/mp/messages":
        with mp.lock:
            handler._send(
                {
                    "received": list(mp.received),
                    "suppressed": list(mp.suppressed),
                    "sends": mp.sends,
                }
            )
        return True
    return False


def _mp_post(handler: _Handler, path: str) -> bool:
    srv, mp = handler.server, handler.server.mp
    if path == "/_standin/reset":
        with mp.lock:
            mp.reset()
        return False  # the other blocks' reset runs as well
    if path == MP_TEMPLATE_PATH:
        query = {k: v[0] for k, v in parse_qs(urlsplit(handler.path).query).items()}
        with srv.lock:
            srv.counters[path] += 1
        body = _json_body(handler)
        error = mp.token_error(query.get("access_token", ""))
        if error is None and body is None:
            error = {"errcode": 47001, "errmsg": "data format error"}
        if error:
            handler._send(error)
            return True
        with mp.lock:
            fault = mp.next_fault()
            if fault and "errcode" in fault:
                answer = {"errcode": fault["errcode"], "errmsg": fault.get("errmsg", "fault")}
            else:
                answer = mp.deliver(body)
        if fault and fault.get("expire"):
            mp.expire()
        if fault and fault.get("hang"):
            time.sleep(float(fault["hang"]))  # delivered; the answer comes too late
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            handler._send(answer)
        return True
    hooks = {"followers", "templates", "faults", "expire-tokens", "advance"}
    if not path.startswith("/_standin/mp/") or path.rsplit("/", 1)[1] not in hooks:
        return False
    hook = path.rsplit("/", 1)[1]
    body = _json_body(handler) or {}
    if hook == "expire-tokens":
        mp.expire()
    with mp.lock:
        if hook == "followers":
            openids = body.get("openids")
            mp.followers = None if openids is None else {str(o) for o in openids}
        elif hook == "templates":
            mp.template_ids = {str(t) for t in body.get("ids", [])}
        elif hook == "faults":
            mp.faults = [dict(f) for f in body.get("faults", [])]
        elif hook == "advance":
            mp.offset += float(body.get("seconds", 0))
    handler._send({"ok": True})
    return True


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8002)
    parser.add_argument("--corp-id", default="wwlocal")
    parser.add_argument("--secret", default="local-secret")
    parser.add_argument("--agent-id", default="1000002")
    parser.add_argument("--mp-app-id", default="wxlocalmp")
    parser.add_argument("--mp-secret", default="local-mp-secret")
    args = parser.parse_args()
    server = serve(
        args.port,
        args.corp_id,
        args.secret,
        agent_id=args.agent_id,
        mp_app_id=args.mp_app_id,
        mp_secret=args.mp_secret,
    )
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.shutdown()

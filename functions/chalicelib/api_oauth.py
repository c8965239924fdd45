"""Routes of sign-in through WeCom (企业微信) and the Official Account (公众号): thin handlers
over `oauth_signin`.

`start` and `callback` are browser navigations, not calls of a page's script: they answer with a
redirect, or with a short page in Chinese carrying the error's status (403 for a forged state,
409 for a replayed callback, …) and the ways on (try again, password login).
"""

from __future__ import annotations

import logging
from html import escape
from typing import Any
from urllib.parse import quote, urlencode

from chalice import Blueprint, Response

from . import oauth_signin, web
from .api_auth import session_response, session_started, set_cookies
from .errors import ApiError, BadRequestError, NotFoundError, ServiceUnavailableError
from .oauth_providers import CodeRefusedError, configured, provider
from .settings import SettingsError, get_settings
from .wecom_client import WeComError

bp = Blueprint(__name__)
logger = logging.getLogger(__name__)

STATE_COOKIE = "dj_oauth"
BIND_COOKIE = "dj_bind"
UNREACHABLE = "{label}暂时无法访问，请稍后重试，或使用党员编号和密码登录"


def _cookie(name: str, value: str, max_age: int, same_site: str) -> str:
    secure = "; Secure" if get_settings().cookie_secure else ""
    return (
        f"{name}={value}; Max-Age={max_age}; Path={web.REFRESH_COOKIE_PATH}"
        f"; HttpOnly; SameSite={same_site}{secure}"
    )


def _redirect(location: str, cookies: list[str] | None = None) -> Response:
    response = Response(
        body="", status_code=302, headers={"Location": location, "Cache-Control": "no-store"}
    )
    return set_cookies(response, cookies or [])


def _page(error: ApiError, name: str, next_path: str = oauth_signin.DEFAULT_NEXT) -> Response:
    """The error as a page a member can act on, with the error's own status."""
    links = []
    if error.status != 404:
        again = f"/api/auth/{name}/start?next={quote(next_path, safe='/')}"
        links.append(f'<a href="{escape(again)}">重新登录</a>')
    links.append('<a href="/login.html?manual=1">使用党员编号和密码登录</a>')
    body = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        "<title>登录未完成</title></head><body>"
        f'<h1>登录未完成</h1><p id="signin-error">{escape(error.message)}</p>'
        f"<p>{'　'.join(links)}</p></body></html>"
    )
    headers = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}
    return Response(body=body, status_code=error.status, headers={**headers, **error.headers})


def _as_page(exc: Exception, name: str) -> Response:
    """Any failure of a navigation route as a page; never a 5xx for a bad request."""
    label = "企业微信" if name == "wecom" else "公众号"
    if isinstance(exc, ApiError):
        return _page(exc, name)
    if isinstance(exc, SettingsError):  # ids set, the secret missing: set up half-way
        logger.error("sign-in %s: %s", name, exc)
        chosen = provider(name)
        return _page(NotFoundError(chosen.not_configured if chosen else label), name)
    if isinstance(exc, CodeRefusedError):
        return _page(BadRequestError(oauth_signin.CODE_REFUSED.format(label=label)), name)
    if isinstance(exc, WeComError):
        logger.warning("sign-in %s: %s", name, exc)
        return _page(ServiceUnavailableError(UNREACHABLE.format(label=label), 5), name)
    answer = web.database_trouble(exc)
    if answer is None:
        raise exc
    logger.warning("database trouble in sign-in %s: %r", name, exc)
    return _page(answer, name)


def _start(name: str) -> Response:
    request = bp.current_request
    try:
        cookie = oauth_signin.browser_cookie(web.request_cookie(request, STATE_COOKIE))
        url = oauth_signin.start(
            name,
            (request.query_params or {}).get("next"),
            cookie,
            request.headers.get("host"),
        )
    except Exception as exc:
        return _as_page(exc, name)
    state_cookie = _cookie(STATE_COOKIE, cookie, oauth_signin.STATE_SECONDS, "Lax")
    return _redirect(url, [state_cookie])


def _callback(name: str) -> Response:
    request = bp.current_request
    query = request.query_params or {}
    try:
        done = oauth_signin.finish(
            name,
            query.get("code"),
            query.get("state"),
            web.request_cookie(request, STATE_COOKIE),
            web.client_of(request),
        )
    except Exception as exc:
        return _as_page(exc, name)
    if done.session is None:  # not bound yet: the identity check, once
        ticket = _cookie(BIND_COOKIE, done.bind_ticket or "", oauth_signin.BIND_SECONDS, "Strict")
        target = "/activate.html?" + urlencode({"bind": name, "next": done.next_path})
        return _redirect(target, [ticket])
    award, cookies = session_started(done.session)
    # The login page takes over as after a password login: it marks the browser signed in,
    # gets its access token from the refresh cookie, shows the award and goes on to `next`.
    params = {"signed_in": name, "next": done.next_path}
    if award:
        params |= {"award": str(award["points"]), "rules": ",".join(award["rules"])}
    return _redirect("/login.html?" + urlencode(params), cookies)


@bp.route("/auth/options", methods=["GET"])
@web.public
def options() -> Response:
    """Which sign-ins this organisation offers (the login page asks; nothing else does)."""
    return web.json_response({"wecom": configured("wecom"), "mp": configured("mp")})


@bp.route("/auth/wecom/start", methods=["GET"])
@web.public
def wecom_start() -> Response:
    return _start("wecom")


@bp.route("/auth/wecom/callback", methods=["GET"])
@web.public
def wecom_callback() -> Response:
    return _callback("wecom")


@bp.route("/auth/mp/start", methods=["GET"])
@web.public
def mp_start() -> Response:
    return _start("mp")


@bp.route("/auth/mp/callback", methods=["GET"])
@web.public
def mp_callback() -> Response:
    return _callback("mp")


@bp.route("/auth/bind", methods=["POST"])
@web.public  # authenticated by the bind cookie, which needs the same-origin header
@web.body(
    bp,
    {
        "member_no": web.Field(),
        "name": web.Field(required=False),
        "phone_last4": web.Field(required=False),
        "password": web.Field(required=False),
    },
)
def bind(*, body: dict[str, Any]) -> Response:
    request = bp.current_request
    web.require_same_origin(request)
    proof = {k: body[k] for k in ("name", "phone_last4", "password") if body.get(k)}
    session, _next = oauth_signin.bind(
        web.request_cookie(request, BIND_COOKIE),
        body["member_no"],
        proof,
        web.client_of(request),
    )
    return session_response(session, (_cookie(BIND_COOKIE, "", 0, "Strict"),))

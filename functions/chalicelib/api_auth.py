"""Routes under /auth: thin handlers over `auth`."""

from __future__ import annotations

import logging
from typing import Any

from chalice import Blueprint, Response

from . import auth, points, web
from .errors import UnauthorizedError
from .models import Member

bp = Blueprint(__name__)


def session_started(session: auth.Session) -> tuple[dict[str, Any] | None, list[str]]:
    """What every sign-in does besides its answer: the daily-login point (and the 入党纪念日
    points) — on login, activation, refresh and WeCom / 公众号 sign-in: the first thing a
    member's app does on a new day, never a reason for sign-in to fail — and the cookies to set
    (the refresh token, the device mark). Returns (award for the page or None, Set-Cookie
    values)."""
    awarded = []
    try:
        awarded = points.on_sign_in(session.member)
    except Exception:
        logging.getLogger(__name__).exception("sign-in award failed")
    cookies = []
    if session.refresh_token is not None:
        cookies.append(web.set_refresh_cookie(session.refresh_token, session.refresh_max_age))
    if session.device is not None:
        cookies.append(web.set_device_cookie(session.device))
    award = (
        {"rules": [a.rule for a in awarded], "points": sum(a.amount for a in awarded)}
        if awarded
        else None
    )
    return award, cookies


def set_cookies(response: Response, cookies: list[str]) -> Response:
    # Two cookies need two Set-Cookie headers: Chalice sends a list as repeated headers.
    if cookies:
        response.headers["Set-Cookie"] = cookies if len(cookies) > 1 else cookies[0]
    return response


def session_response(session: auth.Session, extra_cookies: tuple[str, ...] = ()) -> Response:
    award, cookies = session_started(session)
    response = web.json_response(
        {
            "access_token": session.access_token,
            "token_type": "Bearer",
            "expires_in": session.expires_in,
            # What this sign-in credited (the page shows it in a toast), or None.
            "award": award,
        }
    )
    return set_cookies(response, [*cookies, *extra_cookies])


@bp.route("/auth/activate", methods=["POST"])
@web.public
@web.body(bp, ("member_no", "name", "phone_last4", "password"))
def activate(*, body: dict[str, Any]) -> Response:
    request = bp.current_request
    return session_response(
        auth.activate(
            body["member_no"],
            body["name"],
            body["phone_last4"],
            body["password"],
            web.client_of(request),
        )
    )


@bp.route("/auth/login", methods=["POST"])
@web.public
@web.body(bp, ("member_no", "password"))
def login(*, body: dict[str, Any]) -> Response:
    request = bp.current_request
    return session_response(auth.login(body["member_no"], body["password"], web.client_of(request)))


@bp.route("/auth/refresh", methods=["POST"])
@web.public  # authenticated by the refresh cookie, which needs the same-origin header
def refresh() -> Response:
    web.require_same_origin(bp.current_request)
    try:
        return session_response(auth.refresh(web.refresh_cookie(bp.current_request)))
    except UnauthorizedError as exc:
        exc.headers["Set-Cookie"] = web.clear_refresh_cookie()
        raise


@bp.route("/auth/logout", methods=["POST"])
@web.public  # authenticated by the refresh cookie, which needs the same-origin header
def logout() -> Response:
    web.require_same_origin(bp.current_request)
    auth.logout(web.refresh_cookie(bp.current_request))
    return Response(body="", status_code=204, headers={"Set-Cookie": web.clear_refresh_cookie()})


@bp.route("/auth/password", methods=["POST"])
@web.signed_in(bp)
@web.body(bp, ("old_password", "new_password"))
def change_password(member: Member, *, body: dict[str, Any]) -> Response:
    return session_response(
        auth.change_password(member, body["old_password"], body["new_password"])
    )

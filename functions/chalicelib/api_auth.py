"""Routes under /auth: thin handlers over `auth`."""

from __future__ import annotations

import logging

from chalice import Blueprint, Response

from . import auth, points, web
from .errors import UnauthorizedError

bp = Blueprint(__name__)


def _session_response(session: auth.Session) -> Response:
    # The daily-login point (and the 入党纪念日 points) on login, activation and refresh: the
    # first thing a member's app does on a new day. Never a reason for sign-in to fail.
    try:
        points.on_sign_in(session.member)
    except Exception:
        logging.getLogger(__name__).exception("sign-in award failed")
    return web.json_response(
        {
            "access_token": session.access_token,
            "token_type": "Bearer",
            "expires_in": session.expires_in,
        },
        headers={
            "Set-Cookie": web.set_refresh_cookie(session.refresh_token, session.refresh_max_age)
        },
    )


@bp.route("/auth/activate", methods=["POST"])
def activate() -> Response:
    body = web.json_body(bp.current_request, ("member_no", "name", "phone_last4", "password"))
    return _session_response(
        auth.activate(body["member_no"], body["name"], body["phone_last4"], body["password"])
    )


@bp.route("/auth/login", methods=["POST"])
def login() -> Response:
    body = web.json_body(bp.current_request, ("member_no", "password"))
    return _session_response(auth.login(body["member_no"], body["password"]))


@bp.route("/auth/refresh", methods=["POST"])
def refresh() -> Response:
    try:
        return _session_response(auth.refresh(web.refresh_cookie(bp.current_request)))
    except UnauthorizedError as exc:
        exc.headers["Set-Cookie"] = web.clear_refresh_cookie()
        raise


@bp.route("/auth/logout", methods=["POST"])
def logout() -> Response:
    auth.logout(web.refresh_cookie(bp.current_request))
    return Response(body="", status_code=204, headers={"Set-Cookie": web.clear_refresh_cookie()})


@bp.route("/auth/password", methods=["POST"])
def change_password() -> Response:
    member = web.current_member(bp.current_request)
    body = web.json_body(bp.current_request, ("old_password", "new_password"))
    return _session_response(
        auth.change_password(member, body["old_password"], body["new_password"])
    )

"""Routes about the caller: `GET /me`."""

from __future__ import annotations

from chalice import Blueprint, Response

from . import registry, web

bp = Blueprint(__name__)


@bp.route("/me", methods=["GET"])
def me() -> Response:
    member = web.current_member(bp.current_request)
    return web.json_response(registry.profile(member))

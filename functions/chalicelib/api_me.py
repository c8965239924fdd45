"""Routes about the caller: `GET /me`."""

from __future__ import annotations

from chalice import Blueprint, Response

from . import registry, web
from .models import Member

bp = Blueprint(__name__)


@bp.route("/me", methods=["GET"])
@web.signed_in(bp)
def me(member: Member) -> Response:
    return web.json_response(registry.profile(member))

"""Routes about the caller: `GET /me`, and `GET /me/today` (the home page's 今日学习)."""

from __future__ import annotations

from chalice import Blueprint, Response

from . import registry, today, web
from .models import Member

bp = Blueprint(__name__)


@bp.route("/me", methods=["GET"])
@web.signed_in(bp)
def me(member: Member) -> Response:
    return web.json_response(registry.profile(member))


@bp.route("/me/today", methods=["GET"])
@web.signed_in(bp)
def my_day(member: Member) -> Response:
    return web.json_response(today.for_member(member))

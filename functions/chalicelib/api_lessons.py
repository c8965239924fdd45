"""Routes under /lessons for the member's own progress (微党课): resume and her recent lessons."""

from __future__ import annotations

from chalice import Blueprint, Response

from . import lessons, web
from .models import Member

bp = Blueprint(__name__)


@bp.route("/lessons/mine", methods=["GET"])
@web.signed_in(bp)
def mine(member: Member) -> Response:
    params = bp.current_request.query_params or {}
    return web.json_response(
        lessons.mine(member.member_no, params.get("limit"), params.get("state"))
    )


@bp.route("/lessons/{slug}/progress", methods=["GET"])
@web.signed_in(bp)
def progress(member: Member, slug: str) -> Response:
    return web.json_response(lessons.progress(member.member_no, slug))

"""Routes of 政治生日: her card (`GET /me/birthday`) and a unit's anniversaries of a month for
its staff (`GET /units/{unit_id}/anniversaries?month=YYYY-MM`); the logic is `birthday.py`."""

from __future__ import annotations

from chalice import Blueprint, Response

from . import birthday, registry, web
from .models import Member

bp = Blueprint(__name__)


@bp.route("/me/birthday", methods=["GET"])
@web.signed_in(bp)
def my_birthday(member: Member) -> Response:
    return web.json_response(birthday.card(member))


@bp.route("/units/{unit_id}/anniversaries", methods=["GET"])
@web.signed_in(bp)
def unit_anniversaries(member: Member, unit_id: str) -> Response:
    month = (bp.current_request.query_params or {}).get("month")
    return web.json_response(
        birthday.unit_anniversaries(registry.caller_for(member), unit_id, month)
    )

"""Routes of 党费收缴: 我的党费, a unit's month and figures for its staff, a member's dues for the
staff of her branch, a cash payment recorded and a payment reversed. The logic and every scope
decision are in `dues_collection.py`."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from chalice import Blueprint, Response

from . import dues_collection, registry, web
from .models import Member
from .web import Field

bp = Blueprint(__name__)


def _query(name: str) -> str | None:
    return (bp.current_request.query_params or {}).get(name)


@bp.route("/me/dues", methods=["GET"])
@web.signed_in(bp)
def my_dues(member: Member) -> Response:
    return web.json_response(dues_collection.mine(member))


@bp.route("/units/{unit_id}/dues", methods=["GET"])
@web.signed_in(bp)
def unit_dues(member: Member, unit_id: str) -> Response:
    caller = registry.caller_for(member)
    return web.json_response(dues_collection.unit_month(caller, unit_id, _query("month")))


@bp.route("/units/{unit_id}/dues/figures", methods=["GET"])
@web.signed_in(bp)
def unit_dues_figures(member: Member, unit_id: str) -> Response:
    caller = registry.caller_for(member)
    return web.json_response(dues_collection.figures(caller, unit_id, _query("quarter")))


@bp.route("/dues/members/{member_no}", methods=["GET"])
@web.signed_in(bp)
def member_dues(member: Member, member_no: str) -> Response:
    caller = registry.caller_for(member)
    return web.json_response(dues_collection.member_dues(caller, member_no))


@bp.route("/dues/payments", methods=["POST"])
@web.signed_in(bp)
@web.body(
    bp,
    {
        "member_no": Field(str, max_chars=32),
        "amount_fen": Field(int),
        "paid_on": Field(str, max_chars=10),
        "note": Field(str, required=False, max_chars=100),
        "request_key": Field(str, max_chars=64),
    },
)
def record_cash(member: Member, *, body: dict[str, Any]) -> Response:
    caller = registry.caller_for(member)
    answer, created = dues_collection.record_cash(caller, body)
    return web.json_response(answer, status=201 if created else 200)


@bp.route("/dues/payments/{ref}/reverse", methods=["POST"])
@web.signed_in(bp)
@web.body(bp, {"reason": Field(str, max_chars=200)})
def reverse_payment(member: Member, ref: str, *, body: dict[str, Any]) -> Response:
    caller = registry.caller_for(member)
    # The reference's ":" arrives percent-encoded from the page (encodeURIComponent), and the
    # path parameter as sent: decoded here, once (a reference holds no "%" of its own).
    ref = unquote(ref)
    return web.json_response(dues_collection.reverse(caller, ref, body["reason"]))

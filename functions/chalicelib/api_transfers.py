"""Routes of 组织关系转接: a unit's transfers, starting one (within the organisation, out with a
介绍信, in from another organisation), a transfer and its steps, a decision on it, and the
member's own. The logic and every scope decision are in `transfers.py`."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from . import registry, transfers, web
from .models import Member
from .web import Field

bp = Blueprint(__name__)

_KEY = Field(str, max_chars=64)
_REASON = Field(str, max_chars=transfers.REASON_MAX)


@bp.route("/units/{unit_id}/transfers", methods=["GET"])
@web.signed_in(bp)
def unit_transfers(member: Member, unit_id: str) -> Response:
    return web.json_response(transfers.unit_list(registry.caller_for(member), unit_id))


@bp.route("/transfer-branches", methods=["GET"])
@web.signed_in(bp)
def transfer_branches(member: Member) -> Response:
    return web.json_response(transfers.branches(registry.caller_for(member)))


@bp.route("/transfers", methods=["POST"])
@web.signed_in(bp)
@web.body(
    bp,
    {
        "member_no": Field(str, max_chars=32),
        "to_unit": Field(str, max_chars=32),
        "reason": _REASON,
        "request_key": _KEY,
    },
)
def start_transfer(member: Member, *, body: dict[str, Any]) -> Response:
    answer, created = transfers.start_internal(registry.caller_for(member), member, body)
    return web.json_response(answer, status=201 if created else 200)


@bp.route("/transfer-letters", methods=["POST"])
@web.signed_in(bp)
@web.body(
    bp,
    {
        "member_no": Field(str, max_chars=32),
        "other_org": Field(str, max_chars=transfers.ORG_MAX),
        "reason": _REASON,
        "request_key": _KEY,
    },
)
def start_letter(member: Member, *, body: dict[str, Any]) -> Response:
    answer, created = transfers.start_out(registry.caller_for(member), member, body)
    return web.json_response(answer, status=201 if created else 200)


@bp.route("/transfer-arrivals", methods=["POST"])
@web.signed_in(bp)
@web.body(
    bp,
    {
        "member_no": Field(str, max_chars=32),
        "name": Field(str, max_chars=30),
        "to_unit": Field(str, max_chars=32),
        "status": Field(str, max_chars=20),
        "joined_on": Field(str, max_chars=10),
        "phone": Field(str, required=False, max_chars=20),
        "letter_no": Field(str, max_chars=transfers.LETTER_MAX),
        "other_org": Field(str, max_chars=transfers.ORG_MAX),
        "reason": Field(str, required=False, max_chars=transfers.REASON_MAX),
        "request_key": _KEY,
    },
)
def register_arrival(member: Member, *, body: dict[str, Any]) -> Response:
    answer, created = transfers.register_in(registry.caller_for(member), member, body)
    return web.json_response(answer, status=201 if created else 200)


@bp.route("/transfers/{transfer_id}", methods=["GET"])
@web.signed_in(bp)
def get_transfer(member: Member, transfer_id: str) -> Response:
    return web.json_response(transfers.detail(registry.caller_for(member), transfer_id))


@bp.route("/transfers/{transfer_id}/decision", methods=["POST"])
@web.signed_in(bp)
@web.body(
    bp,
    {
        "decision": Field(str, max_chars=10),
        "note": Field(str, required=False, max_chars=transfers.REASON_MAX),
    },
)
def decide_transfer(member: Member, transfer_id: str, *, body: dict[str, Any]) -> Response:
    caller = registry.caller_for(member)
    return web.json_response(
        transfers.decide(caller, member, transfer_id, body["decision"], body.get("note"))
    )


@bp.route("/me/transfer", methods=["GET"])
@web.signed_in(bp)
def my_transfer(member: Member) -> Response:
    return web.json_response(transfers.mine(member))

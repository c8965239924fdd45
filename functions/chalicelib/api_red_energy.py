"""Routes of 红能量: the member's balance, catalogue, orders and movements; redeeming and
donating (each with her request id); the staff desk of a unit (items, projects, orders) and its
acts. The logic and every scope decision are in `red_energy.py` and `red_energy_catalog.py`."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from . import red_energy, registry, web
from . import red_energy_catalog as catalog
from .errors import BadRequestError
from .models import Member
from .web import Field

bp = Blueprint(__name__)

_KEY = Field(str, max_chars=64)
_ID = Field(str, max_chars=64)
_TITLE = Field(str, max_chars=catalog.TITLE_MAX)
_DESCRIPTION = Field(str, required=False, max_chars=catalog.DESCRIPTION_MAX)


@bp.route("/red-energy", methods=["GET"])
@web.signed_in(bp)
def overview(member: Member) -> Response:
    return web.json_response(red_energy.overview(registry.caller_for(member)))


@bp.route("/red-energy/redemptions", methods=["POST"])
@web.signed_in(bp)
@web.body(
    bp,
    {
        "item_id": _ID,
        "quantity": Field(int, required=False),
        "cost": Field(int),  # per piece, as her page showed it: never a cost she did not see
        "request_key": _KEY,
    },
)
def redeem(member: Member, *, body: dict[str, Any]) -> Response:
    answer, created = red_energy.redeem(registry.caller_for(member), member, body)
    return web.json_response(answer, status=201 if created else 200)


@bp.route("/red-energy/donations", methods=["POST"])
@web.signed_in(bp)
@web.body(bp, {"project_id": _ID, "amount": Field(int), "request_key": _KEY})
def donate(member: Member, *, body: dict[str, Any]) -> Response:
    answer, created = red_energy.donate(registry.caller_for(member), member, body)
    return web.json_response(answer, status=201 if created else 200)


@bp.route("/red-energy/desk", methods=["GET"])
@web.signed_in(bp)
def desk(member: Member) -> Response:
    return web.json_response({"units": catalog.desk_units(registry.caller_for(member))})


@bp.route("/red-energy/units/{unit_id}", methods=["GET"])
@web.signed_in(bp)
def unit_desk(member: Member, unit_id: str) -> Response:
    return web.json_response(catalog.unit_desk(registry.caller_for(member), unit_id))


@bp.route("/red-energy/units/{unit_id}/items", methods=["POST"])
@web.signed_in(bp)
@web.body(
    bp,
    {
        "title": _TITLE,
        "description": _DESCRIPTION,
        "cost": Field(int),
        "stock": Field(int),
        "request_key": _KEY,
    },
)
def add_item(member: Member, unit_id: str, *, body: dict[str, Any]) -> Response:
    caller = registry.caller_for(member)
    answer, created = catalog.create_offer(caller, member, unit_id, "item", body)
    return web.json_response(answer, status=201 if created else 200)


@bp.route("/red-energy/units/{unit_id}/projects", methods=["POST"])
@web.signed_in(bp)
@web.body(
    bp,
    {
        "title": _TITLE,
        "description": _DESCRIPTION,
        "target": Field(int),
        "deadline": Field(str, max_chars=10),
        "request_key": _KEY,
    },
)
def add_project(member: Member, unit_id: str, *, body: dict[str, Any]) -> Response:
    caller = registry.caller_for(member)
    answer, created = catalog.create_offer(caller, member, unit_id, "project", body)
    return web.json_response(answer, status=201 if created else 200)


@bp.route("/red-energy/items/{item_id}", methods=["POST"])
@web.signed_in(bp)
@web.body(
    bp,
    {
        "title": Field(str, required=False, max_chars=catalog.TITLE_MAX),
        "description": _DESCRIPTION,
        "active": Field(bool, required=False),
        "cost": Field(int, required=False),
        "stock_change": Field(int, required=False),
        "request_key": Field(str, required=False, max_chars=64),  # with a stock change
    },
)
def edit_item(member: Member, item_id: str, *, body: dict[str, Any]) -> Response:
    caller = registry.caller_for(member)
    return web.json_response(catalog.edit_offer(caller, item_id, "item", body))


@bp.route("/red-energy/projects/{project_id}", methods=["POST"])
@web.signed_in(bp)
@web.body(
    bp,
    {
        "title": Field(str, required=False, max_chars=catalog.TITLE_MAX),
        "description": _DESCRIPTION,
        "active": Field(bool, required=False),
        "target": Field(int, required=False),
        "deadline": Field(str, required=False, max_chars=10),
    },
)
def edit_project(member: Member, project_id: str, *, body: dict[str, Any]) -> Response:
    caller = registry.caller_for(member)
    return web.json_response(catalog.edit_offer(caller, project_id, "project", body))


@bp.route("/red-energy/orders/{order_id}/decision", methods=["POST"])
@web.signed_in(bp)
@web.body(
    bp,
    {
        "decision": Field(str, max_chars=10),
        "reason": Field(str, required=False, max_chars=catalog.REASON_MAX),
    },
)
def decide_order(member: Member, order_id: str, *, body: dict[str, Any]) -> Response:
    caller = registry.caller_for(member)
    if body["decision"] == "fulfil":
        if "reason" in body:
            raise BadRequestError("发放时不需要填写原因")
        return web.json_response(catalog.fulfil(caller, member, order_id))
    if body["decision"] == "cancel":
        return web.json_response(
            red_energy.cancel_order(caller, member, order_id, body.get("reason"))
        )
    raise BadRequestError("决定（decision）须为 fulfil（发放）或 cancel（取消）")

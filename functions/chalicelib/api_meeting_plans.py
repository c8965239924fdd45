"""Routes of the monthly list (一月一清单) and the monthly check's figures: a unit's list with
each item's status, staff's changes to it, the subtree's month and its overdue units. Every
route goes through the one scope check (scope.require_unit) in meeting_plans."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from . import meeting_plans, registry, web
from .models import Member
from .web import Field

bp = Blueprint(__name__)


def _month() -> str | None:
    return (bp.current_request.query_params or {}).get("month")


@bp.route("/units/{unit_id}/plan", methods=["GET"])
@web.signed_in(bp)
def unit_plan(member: Member, unit_id: str) -> Response:
    caller = registry.caller_for(member)
    return web.json_response(meeting_plans.view(caller, unit_id, _month()))


@bp.route("/units/{unit_id}/plan", methods=["POST"])
@web.signed_in(bp)
@web.body(
    bp,
    {
        "month": Field(str),
        "kind": Field(str),
        "request": Field(str),
        "title": Field(str, required=False, max_chars=meeting_plans.TITLE_MAX),
        "due": Field(str, required=False),
        "responsible": Field(str, required=False),
        "note": Field(str, required=False, max_chars=meeting_plans.NOTE_MAX),
    },
)
def add_plan_item(member: Member, unit_id: str, *, body: dict[str, Any]) -> Response:
    caller = registry.caller_for(member)
    return web.json_response(meeting_plans.add(caller, unit_id, body))


@bp.route("/units/{unit_id}/plan/{plan_key}", methods=["PUT"])
@web.signed_in(bp)
@web.body(
    bp,
    {
        "responsible": Field(str, required=False),
        "due": Field(str, required=False),
        "note": Field(str, required=False, max_chars=meeting_plans.NOTE_MAX),
        "removed": Field(bool, required=False),
    },
)
def change_plan_item(
    member: Member, unit_id: str, plan_key: str, *, body: dict[str, Any]
) -> Response:
    caller = registry.caller_for(member)
    return web.json_response(meeting_plans.update(caller, unit_id, plan_key, body))


@bp.route("/units/{unit_id}/month", methods=["GET"])
@web.signed_in(bp)
def unit_month(member: Member, unit_id: str) -> Response:
    caller = registry.caller_for(member)
    return web.json_response(meeting_plans.month_view(caller, unit_id, _month()))


@bp.route("/units/{unit_id}/overdue", methods=["GET"])
@web.signed_in(bp)
def unit_overdue(member: Member, unit_id: str) -> Response:
    caller = registry.caller_for(member)
    return web.json_response(meeting_plans.overdue_view(caller, unit_id))

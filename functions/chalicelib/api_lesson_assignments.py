"""Routes of 微党课 for staff and the member's own list: assigning a lesson to a unit (and
changing or withdrawing it), a unit's assignments, the figures of one assignment by branch and
the names of one branch, and the lessons her units asked her to watch. The logic and every scope
decision are in `lesson_assignments.py`."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from . import lesson_assignments, registry, web
from .errors import BadRequestError
from .models import Member
from .web import Field

bp = Blueprint(__name__)

_STATUS = {"created": 201, "rescheduled": 200, "updated": 200, "unchanged": 200}
_SAID = {
    "created": "已安排学习，并已通知该单位及下级单位的党员",
    "rescheduled": "已更新截止日期，并已再次通知党员",
    "updated": "已更新说明（截止日期未变，不再通知党员）",
    "unchanged": "学习安排没有变化",
}


def _query(name: str) -> str | None:
    return (bp.current_request.query_params or {}).get(name)


@bp.route("/lessons/assignments", methods=["POST"])
@web.signed_in(bp)
@web.body(
    bp,
    {
        "unit_id": Field(str, max_chars=32),
        "slug": Field(str, max_chars=200),
        "due_on": Field(str, max_chars=20),
        "note": Field(str, required=False, max_chars=lesson_assignments.NOTE_MAX + 100),
    },
)
def assign(member: Member, *, body: dict[str, Any]) -> Response:
    answer, outcome = lesson_assignments.assign(registry.caller_for(member), body)
    return web.json_response(
        {"assignment": answer, "outcome": outcome, "message": _SAID[outcome]},
        status=_STATUS[outcome],
    )


@bp.route("/lessons/assignments", methods=["GET"])
@web.signed_in(bp)
def unit_list(member: Member) -> Response:
    unit_id = _query("unit_id")
    if not unit_id:
        raise BadRequestError("请指定单位（unit_id）")
    return web.json_response(lesson_assignments.unit_list(registry.caller_for(member), unit_id))


@bp.route("/lessons/assignments/{unit_id}/{slug}", methods=["GET"])
@web.signed_in(bp)
def figures(member: Member, unit_id: str, slug: str) -> Response:
    caller = registry.caller_for(member)
    return web.json_response(lesson_assignments.figures(caller, unit_id, slug, _query("branch")))


@bp.route("/lessons/assignments/{unit_id}/{slug}", methods=["DELETE"])
@web.signed_in(bp)
def withdraw(member: Member, unit_id: str, slug: str) -> Response:
    web.no_body(bp.current_request)
    return web.json_response(
        lesson_assignments.withdraw(registry.caller_for(member), unit_id, slug)
    )


@bp.route("/lessons/assigned", methods=["GET"])
@web.signed_in(bp)
def assigned(member: Member) -> Response:
    return web.json_response(lesson_assignments.assigned(registry.caller_for(member)))

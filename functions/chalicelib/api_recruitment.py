"""Routes of 党员发展: a unit's people by stage, registering an applicant, a person's timeline and
recording a step. The logic and every scope decision are in `recruitment.py`."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from . import recruitment, registry, web
from .models import Member
from .web import Field

bp = Blueprint(__name__)


def _days() -> int:
    return recruitment.days_param((bp.current_request.query_params or {}).get("days"))


@bp.route("/units/{unit_id}/recruitment", methods=["GET"])
@web.signed_in(bp)
def unit_people(member: Member, unit_id: str) -> Response:
    caller = registry.caller_for(member)
    return web.json_response(recruitment.unit_people(caller, unit_id, _days()))


@bp.route("/units/{unit_id}/recruitment", methods=["POST"])
@web.signed_in(bp)
@web.body(
    bp,
    {
        "name": Field(str, max_chars=recruitment.NAME_MAX),
        "gender": Field(str, required=False, max_chars=2),
        "birth_date": Field(str, required=False, max_chars=10),
        "phone": Field(str, required=False, max_chars=11),
        "applied_on": Field(str, max_chars=10),
        "note": Field(str, required=False, max_chars=recruitment.NOTE_MAX),
        "request_key": Field(str, max_chars=64),
    },
)
def register(member: Member, unit_id: str, *, body: dict[str, Any]) -> Response:
    caller = registry.caller_for(member)
    answer, created = recruitment.register(caller, member, unit_id, body)
    return web.json_response(answer, status=201 if created else 200)


@bp.route("/recruitment/{person_id}", methods=["GET"])
@web.signed_in(bp)
def person(member: Member, person_id: str) -> Response:
    caller = registry.caller_for(member)
    return web.json_response(recruitment.detail(caller, person_id, _days()))


@bp.route("/recruitment/{person_id}/steps", methods=["POST"])
@web.signed_in(bp)
@web.body(
    bp,
    {
        "step": Field(str, max_chars=41),
        "on": Field(str, max_chars=10),
        "note": Field(str, required=False, max_chars=recruitment.NOTE_MAX),
        "outcome": Field(str, required=False, max_chars=10),
        "months": Field(int, required=False),
        "member_no": Field(str, required=False, max_chars=32),
        "request_key": Field(str, max_chars=64),
    },
)
def record_step(member: Member, person_id: str, *, body: dict[str, Any]) -> Response:
    caller = registry.caller_for(member)
    return web.json_response(recruitment.record_step(caller, member, person_id, body))

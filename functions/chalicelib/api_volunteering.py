"""Routes of 志愿服务: publishing an activity, a unit's activities, a member's list and an
activity, sign-up, cancel, check-in with the rotating code, the desk's code screen and sign-up
list, a participant's hours, confirming the hours. The logic and every scope decision are in
`volunteering.py`."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from . import checkin_screen, registry, volunteering, web
from .models import Member
from .web import Field

bp = Blueprint(__name__)


@bp.route("/volunteer-activities", methods=["POST"])
@web.signed_in(bp)
@web.body(
    bp,
    {
        "unit_id": Field(str, max_chars=32),
        "topic": Field(str, max_chars=volunteering.TOPIC[1] + 20),
        "description": Field(str, required=False, max_chars=volunteering.DESCRIPTION[1] + 200),
        "place": Field(str, max_chars=volunteering.PLACE[1] + 20),
        "starts_at": Field(str, max_chars=40),
        "ends_at": Field(str, max_chars=40),
        "deadline_at": Field(str, required=False, max_chars=40),
        "places": Field(int),
        "full_only": Field(bool, required=False),
        "hours": Field((int, float), required=False),
        "request_key": Field(str, max_chars=64),
    },
)
def publish(member: Member, *, body: dict[str, Any]) -> Response:
    answer, created = volunteering.publish(registry.caller_for(member), member, body)
    return web.json_response(answer, status=201 if created else 200)


@bp.route("/units/{unit_id}/volunteer-activities", methods=["GET"])
@web.signed_in(bp)
def unit_activities(member: Member, unit_id: str) -> Response:
    return web.json_response(volunteering.unit_list(registry.caller_for(member), unit_id))


@bp.route("/volunteer-activities", methods=["GET"])
@web.signed_in(bp)
def my_activities(member: Member) -> Response:
    return web.json_response(volunteering.mine(registry.caller_for(member), member))


@bp.route("/volunteer-activities/{activity_id}", methods=["GET"])
@web.signed_in(bp)
def activity(member: Member, activity_id: str) -> Response:
    caller = registry.caller_for(member)
    return web.json_response(volunteering.detail(caller, member, activity_id))


@bp.route("/volunteer-activities/{activity_id}/signup", methods=["POST"])
@web.signed_in(bp)
def sign_up(member: Member, activity_id: str) -> Response:
    web.no_body(bp.current_request)
    caller = registry.caller_for(member)
    answer, created = volunteering.sign_up(caller, member, activity_id)
    return web.json_response(answer, status=201 if created else 200)


@bp.route("/volunteer-activities/{activity_id}/cancel", methods=["POST"])
@web.signed_in(bp)
def cancel(member: Member, activity_id: str) -> Response:
    web.no_body(bp.current_request)
    caller = registry.caller_for(member)
    return web.json_response(volunteering.cancel(caller, member, activity_id))


@bp.route("/volunteer-activities/{activity_id}/checkin", methods=["POST"])
@web.signed_in(bp)
@web.body(bp, {"code": Field(str, max_chars=20)})
def check_in(member: Member, activity_id: str, *, body: dict[str, Any]) -> Response:
    caller = registry.caller_for(member)
    return web.json_response(volunteering.check_in(caller, member, activity_id, body["code"]))


@bp.route("/volunteer-activities/{activity_id}/checkin-code", methods=["GET"])
@web.signed_in(bp)
def checkin_code(member: Member, activity_id: str) -> Response:
    origin = checkin_screen.site_origin(bp.current_request.headers)
    caller = registry.caller_for(member)
    return web.json_response(volunteering.checkin_code(caller, activity_id, origin))


@bp.route("/volunteer-activities/{activity_id}/signups", methods=["GET"])
@web.signed_in(bp)
def signups(member: Member, activity_id: str) -> Response:
    return web.json_response(volunteering.signups(registry.caller_for(member), activity_id))


@bp.route("/volunteer-activities/{activity_id}/hours/{member_no}", methods=["POST"])
@web.signed_in(bp)
@web.body(bp, {"hours": Field((int, float))})
def set_hours(
    member: Member, activity_id: str, member_no: str, *, body: dict[str, Any]
) -> Response:
    caller = registry.caller_for(member)
    row = volunteering.set_hours(caller, activity_id, member_no, body["hours"])
    return web.json_response(row)


@bp.route("/volunteer-activities/{activity_id}/confirm", methods=["POST"])
@web.signed_in(bp)
def confirm(member: Member, activity_id: str) -> Response:
    web.no_body(bp.current_request)
    return web.json_response(volunteering.confirm(registry.caller_for(member), activity_id))

"""Routes of meetings (会议室): create with its notice, a meeting, its attendance list, 我的会议,
a unit's meetings and members for the organiser's desk, 请假 and its decision, 取消会议. The
logic and every scope decision are in `meetings.py` / `meeting_access.py`."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from . import meetings, registry, web
from .models import Member
from .web import Field

bp = Blueprint(__name__)


def _query(name: str) -> str | None:
    return (bp.current_request.query_params or {}).get(name)


@bp.route("/meetings", methods=["POST"])
@web.signed_in(bp)
@web.body(
    bp,
    {
        "unit_id": Field(str, max_chars=32),
        "kind": Field(str, max_chars=41),
        "topic": Field(str, max_chars=meetings.TOPIC_MAX),
        "agenda": Field(str, required=False, max_chars=meetings.AGENDA_MAX),
        "starts_at": Field(str, max_chars=40),
        "ends_at": Field(str, max_chars=40),
        "place": Field(str, required=False, max_chars=meetings.PLACE_MAX),
        "online_url": Field(str, required=False, max_chars=meetings.URL_MAX),
        "attendees": Field(dict, required=False),
        "guests": Field(list, required=False),
        "host": Field(str, required=False, max_chars=32),
        "recorder": Field(str, required=False, max_chars=32),
        "visible_to_members": Field(bool, required=False),
        "request_key": Field(str, max_chars=64),
    },
)
def create_meeting(member: Member, *, body: dict[str, Any]) -> Response:
    answer, created = meetings.create(registry.caller_for(member), member, body)
    return web.json_response(answer, status=201 if created else 200)


@bp.route("/meetings/{meeting_id}", methods=["GET"])
@web.signed_in(bp)
def get_meeting(member: Member, meeting_id: str) -> Response:
    return web.json_response(meetings.detail(registry.caller_for(member), meeting_id))


@bp.route("/meetings/{meeting_id}/attendance", methods=["GET"])
@web.signed_in(bp)
def get_attendance(member: Member, meeting_id: str) -> Response:
    return web.json_response(meetings.attendance_list(registry.caller_for(member), meeting_id))


@bp.route("/me/meetings", methods=["GET"])
@web.signed_in(bp)
def my_meetings(member: Member) -> Response:
    when = _query("when") or "upcoming"
    return web.json_response(meetings.mine(member.member_no, when, _query("cursor")))


@bp.route("/units/{unit_id}/meetings", methods=["GET"])
@web.signed_in(bp)
def unit_meetings(member: Member, unit_id: str) -> Response:
    caller = registry.caller_for(member)
    return web.json_response(meetings.unit_meetings(caller, unit_id, _query("from"), _query("to")))


@bp.route("/units/{unit_id}/meeting-invitees", methods=["GET"])
@web.signed_in(bp)
def unit_invitees(member: Member, unit_id: str) -> Response:
    return web.json_response(meetings.unit_members(registry.caller_for(member), unit_id))


@bp.route("/meetings/{meeting_id}/leave", methods=["POST"])
@web.signed_in(bp)
@web.body(bp, {"reason": Field(str, max_chars=meetings.REASON[1])})
def ask_leave(member: Member, meeting_id: str, *, body: dict[str, Any]) -> Response:
    caller = registry.caller_for(member)
    return web.json_response(meetings.ask_leave(caller, meeting_id, body["reason"]))


@bp.route("/meetings/{meeting_id}/leave/{member_no}", methods=["POST"])
@web.signed_in(bp)
@web.body(
    bp,
    {
        "decision": Field(str, max_chars=10),
        "note": Field(str, required=False, max_chars=meetings.REASON[1]),
    },
)
def decide_leave(
    member: Member, meeting_id: str, member_no: str, *, body: dict[str, Any]
) -> Response:
    caller = registry.caller_for(member)
    return web.json_response(
        meetings.decide_leave(caller, meeting_id, member_no, body["decision"], body.get("note"))
    )


@bp.route("/meetings/{meeting_id}/cancel", methods=["POST"])
@web.signed_in(bp)
@web.body(bp, {"reason": Field(str, max_chars=meetings.REASON[1])})
def cancel_meeting(member: Member, meeting_id: str, *, body: dict[str, Any]) -> Response:
    caller = registry.caller_for(member)
    return web.json_response(meetings.cancel(caller, meeting_id, body["reason"]))

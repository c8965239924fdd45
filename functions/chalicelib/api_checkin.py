"""Routes of meeting attendance: the organiser's rotating code and live view, a member's check-in,
the organiser's corrections. The logic and its rules are in meeting_checkin.py."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from . import meeting_checkin, registry, web
from .models import Member
from .settings import get_settings
from .web import Field

bp = Blueprint(__name__)


def _site_origin() -> str:
    """The site's address for the QR code: its first configured origin, else the one this
    request came through (local development)."""
    origins = get_settings().site_origins
    if origins:
        return origins[0]
    headers = bp.current_request.headers
    proto = headers.get("x-forwarded-proto", "http")
    return f"{proto}://{headers.get('host', '127.0.0.1')}"


@bp.route("/meetings/{meeting_id}/checkin-code", methods=["GET"])
@web.signed_in(bp)
def checkin_code(member: Member, meeting_id: str) -> Response:
    caller = registry.caller_for(member)
    return web.json_response(meeting_checkin.checkin_code(caller, meeting_id, _site_origin()))


@bp.route("/meetings/{meeting_id}/checkin-status", methods=["GET"])
@web.signed_in(bp)
def checkin_status(member: Member, meeting_id: str) -> Response:
    return web.json_response(meeting_checkin.status(registry.caller_for(member), meeting_id))


@bp.route("/meetings/{meeting_id}/checkin", methods=["POST"])
@web.signed_in(bp)
@web.body(bp, {"code": Field(str, max_chars=20)})
def check_in(member: Member, meeting_id: str, *, body: dict[str, Any]) -> Response:
    return web.json_response(meeting_checkin.check_in(member.member_no, meeting_id, body["code"]))


@bp.route("/meetings/{meeting_id}/attendance/{member_no}", methods=["POST"])
@web.signed_in(bp)
@web.body(bp, {"present": Field(bool), "reason": Field(str, max_chars=200)})
def correct_attendance(
    member: Member, meeting_id: str, member_no: str, *, body: dict[str, Any]
) -> Response:
    caller = registry.caller_for(member)
    row = meeting_checkin.correct(caller, meeting_id, member_no, body["present"], body["reason"])
    return web.json_response(row)

"""Routes of a meeting's record (meeting_records.py): read, edit before the lock, uploads straight
to storage and their attachment, submit (the lock), corrections; and a member's attendance over a
period for staff in scope (the probation record)."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from . import meeting_records, registry, web
from .models import Member
from .web import Field

bp = Blueprint(__name__)


@bp.route("/meetings/{meeting_id}/record", methods=["GET"])
@web.signed_in(bp)
def get_record(member: Member, meeting_id: str) -> Response:
    caller = registry.caller_for(member)
    return web.json_response(meeting_records.get_record(caller, meeting_id))


@bp.route("/meetings/{meeting_id}/record", methods=["PUT"])
@web.signed_in(bp)
@web.body(
    bp,
    {
        "minutes": Field(str, max_chars=meeting_records.MAX_MINUTES),
        "decisions": Field(list),
        "visible_to_members": Field(bool),
        # Optional: the keys of the files kept (removing a wrong photo before the lock).
        "photos": Field(list, required=False),
        "attachments": Field(list, required=False),
    },
)
def put_record(member: Member, meeting_id: str, *, body: dict[str, Any]) -> Response:
    caller = registry.caller_for(member)
    files = {f: body.get(f) for f in ("photos", "attachments")}
    return web.json_response(
        meeting_records.save_record(
            caller,
            meeting_id,
            body["minutes"],
            body["decisions"],
            body["visible_to_members"],
            files,
        )
    )


@bp.route("/meetings/{meeting_id}/uploads", methods=["POST"])
@web.signed_in(bp)
@web.body(bp, {"kind": Field(), "name": Field(), "content_type": Field(), "size": Field(int)})
def start_upload(member: Member, meeting_id: str, *, body: dict[str, Any]) -> Response:
    caller = registry.caller_for(member)
    form = meeting_records.start_upload(
        caller, meeting_id, body["kind"], body["name"], body["content_type"], body["size"]
    )
    return web.json_response(form)


@bp.route("/meetings/{meeting_id}/files", methods=["POST"])
@web.signed_in(bp)
@web.body(bp, {"key": Field(), "kind": Field(), "name": Field()})
def attach_file(member: Member, meeting_id: str, *, body: dict[str, Any]) -> Response:
    caller = registry.caller_for(member)
    return web.json_response(
        meeting_records.attach(caller, meeting_id, body["key"], body["kind"], body["name"])
    )


@bp.route("/meetings/{meeting_id}/submit", methods=["POST"])
@web.signed_in(bp)
def submit(member: Member, meeting_id: str) -> Response:
    caller = registry.caller_for(member)
    return web.json_response(meeting_records.submit(caller, meeting_id))


@bp.route("/meetings/{meeting_id}/corrections", methods=["POST"])
@web.signed_in(bp)
@web.body(
    bp,
    {
        "field": Field(),
        "value": Field((str, list, bool), max_chars=meeting_records.MAX_MINUTES),
        "reason": Field(max_chars=meeting_records.MAX_REASON_CHARS),
    },
)
def correct(member: Member, meeting_id: str, *, body: dict[str, Any]) -> Response:
    caller = registry.caller_for(member)
    return web.json_response(
        meeting_records.correct(caller, meeting_id, body["field"], body["value"], body["reason"])
    )


@bp.route("/members/{member_no}/attendance", methods=["GET"])
@web.signed_in(bp)
def member_attendance(member: Member, member_no: str) -> Response:
    params = bp.current_request.query_params or {}
    caller = registry.caller_for(member)
    return web.json_response(
        meeting_records.member_attendance(
            caller, member_no, params.get("since"), params.get("until")
        )
    )

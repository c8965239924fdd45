"""Routes of the caller's 消息 centre: her messages, the unread count (the badge), marking read,
and the kinds of message she muted. Every route acts on the caller's own rows only."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from . import inbox, web
from .models import Member
from .web import Field

bp = Blueprint(__name__)


@bp.route("/me/messages", methods=["GET"])
@web.signed_in(bp)
def my_messages(member: Member) -> Response:
    cursor = (bp.current_request.query_params or {}).get("cursor")
    return web.json_response(inbox.page(member.member_no, cursor))


@bp.route("/me/messages/unread", methods=["GET"])
@web.signed_in(bp)
def my_unread(member: Member) -> Response:
    return web.json_response(inbox.unread_count(member.member_no))


@bp.route("/me/messages/{message_id}/read", methods=["POST"])
@web.signed_in(bp)
def read_one(member: Member, message_id: str) -> Response:
    return web.json_response(inbox.mark_read(member.member_no, message_id))


@bp.route("/me/messages/read-all", methods=["POST"])
@web.signed_in(bp)
def read_all(member: Member) -> Response:
    return web.json_response(inbox.mark_all_read(member.member_no))


@bp.route("/me/message-settings", methods=["GET"])
@web.signed_in(bp)
def my_settings(member: Member) -> Response:
    return web.json_response(inbox.settings(member.member_no))


@bp.route("/me/message-settings", methods=["PUT"])
@web.signed_in(bp)
@web.body(bp, {"muted": Field(list)})
def save_my_settings(member: Member, *, body: dict[str, Any]) -> Response:
    return web.json_response(inbox.save_settings(member.member_no, body["muted"]))

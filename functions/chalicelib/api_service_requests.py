"""Routes of 诉求: the categories, a member's own requests (submit, photos, withdraw, rate), a
request and its timeline, the staff's steps, a unit's queue, the four rates and the published
answered ones. The logic and every scope decision are in `service_requests.py` and
`service_request_rates.py`."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from . import registry, service_request_rates, service_requests, web
from .models import Member
from .web import Field

bp = Blueprint(__name__)

_KEY = Field(str, max_chars=64)
_NOTE = Field(str, required=False, max_chars=service_requests.NOTE_MAX)
_VERSION = Field(int, required=False)


def _query(name: str) -> str | None:
    return (bp.current_request.query_params or {}).get(name)


@bp.route("/service-requests/categories", methods=["GET"])
@web.signed_in(bp)
def categories(member: Member) -> Response:
    return web.json_response(service_requests.categories())


@bp.route("/me/service-requests", methods=["GET"])
@web.signed_in(bp)
def my_requests(member: Member) -> Response:
    caller = registry.caller_for(member)
    return web.json_response(service_requests.mine(caller, _query("cursor")))


@bp.route("/service-requests/photo-uploads", methods=["POST"])
@web.signed_in(bp)
@web.body(bp, {"content_type": Field(str, max_chars=100), "size": Field(int)})
def photo_upload(member: Member, *, body: dict[str, Any]) -> Response:
    caller = registry.caller_for(member)
    return web.json_response(
        service_requests.start_upload(caller, body["content_type"], body["size"])
    )


@bp.route("/service-requests", methods=["POST"])
@web.signed_in(bp)
@web.body(
    bp,
    {
        "category": Field(str, max_chars=32),
        "text": Field(str, max_chars=service_requests.TEXT_MAX + 200),
        "anonymous": Field(bool, required=False),
        "photos": Field(list, required=False),
        "request_key": _KEY,
    },
)
def submit(member: Member, *, body: dict[str, Any]) -> Response:
    answer, created = service_requests.submit(registry.caller_for(member), member, body)
    return web.json_response(answer, status=201 if created else 200)


@bp.route("/service-requests/answered", methods=["GET"])
@web.signed_in(bp)
def answered(member: Member) -> Response:
    return web.json_response(service_requests.answered(registry.caller_for(member)))


@bp.route("/service-requests/desk", methods=["GET"])
@web.signed_in(bp)
def desk(member: Member) -> Response:
    return web.json_response(service_requests.desk(registry.caller_for(member)))


@bp.route("/service-requests/{request_id}", methods=["GET"])
@web.signed_in(bp)
def detail(member: Member, request_id: str) -> Response:
    return web.json_response(service_requests.detail(registry.caller_for(member), request_id))


@bp.route("/service-requests/{request_id}/steps", methods=["POST"])
@web.signed_in(bp)
@web.body(
    bp,
    {
        "act": Field(str, max_chars=10),
        "note": _NOTE,
        "answer": Field(str, required=False, max_chars=service_requests.ANSWER_MAX + 200),
        "to_unit": Field(str, required=False, max_chars=32),
        "version": _VERSION,
    },
)
def step(member: Member, request_id: str, *, body: dict[str, Any]) -> Response:
    caller = registry.caller_for(member)
    return web.json_response(service_requests.act(caller, member, request_id, body))


@bp.route("/service-requests/{request_id}/withdrawal", methods=["POST"])
@web.signed_in(bp)
@web.body(bp, {"note": _NOTE})
def withdraw(member: Member, request_id: str, *, body: dict[str, Any]) -> Response:
    caller = registry.caller_for(member)
    return web.json_response(service_requests.withdraw(caller, member, request_id, body))


@bp.route("/service-requests/{request_id}/rating", methods=["POST"])
@web.signed_in(bp)
@web.body(
    bp,
    {
        "rating": Field(str, max_chars=12),
        "comment": Field(str, required=False, max_chars=service_requests.COMMENT_MAX),
    },
)
def rate(member: Member, request_id: str, *, body: dict[str, Any]) -> Response:
    caller = registry.caller_for(member)
    return web.json_response(service_requests.rate(caller, member, request_id, body))


@bp.route("/units/{unit_id}/service-requests", methods=["GET"])
@web.signed_in(bp)
def unit_queue(member: Member, unit_id: str) -> Response:
    return web.json_response(service_requests.queue(registry.caller_for(member), unit_id))


@bp.route("/units/{unit_id}/service-request-rates", methods=["GET"])
@web.signed_in(bp)
def unit_rates(member: Member, unit_id: str) -> Response:
    caller = registry.caller_for(member)
    return web.json_response(service_request_rates.report(caller, unit_id, _query("period")))

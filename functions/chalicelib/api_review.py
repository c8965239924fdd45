"""Routes of the 待审核 page: list, read, approve (通过) or return (退回) an article version."""

from __future__ import annotations

from chalice import Blueprint, Response

from . import review, web
from .errors import BadRequestError

bp = Blueprint(__name__)


@bp.route("/review/items", methods=["GET"])
def list_items() -> Response:
    member = web.current_member(bp.current_request)
    return web.json_response(review.list_pending(member))


@bp.route("/review/items/{slug}/{content_hash}", methods=["GET"])
def get_item(slug: str, content_hash: str) -> Response:
    member = web.current_member(bp.current_request)
    return web.json_response(review.get_item(member, slug, content_hash))


@bp.route("/review/items/{slug}/{content_hash}/approve", methods=["POST"])
def approve(slug: str, content_hash: str) -> Response:
    member = web.current_member(bp.current_request)
    return web.json_response(review.decide(member, slug, content_hash, review.APPROVED))


@bp.route("/review/items/{slug}/{content_hash}/return", methods=["POST"])
def return_item(slug: str, content_hash: str) -> Response:
    member = web.current_member(bp.current_request)
    body = web.json_body(
        bp.current_request, {"reason": web.Field(str, max_chars=review.MAX_REASON_CHARS)}
    )
    reason = body["reason"].strip()
    if not reason:
        raise BadRequestError("退回时请填写原因(reason)")
    return web.json_response(review.decide(member, slug, content_hash, review.RETURNED, reason))

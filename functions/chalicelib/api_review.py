"""Routes of the 待审核 page: list, read, approve (通过) or return (退回) an article version."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from . import review, web
from .errors import BadRequestError
from .models import Member

bp = Blueprint(__name__)


@bp.route("/review/items", methods=["GET"])
@web.signed_in(bp)
def list_items(member: Member) -> Response:
    return web.json_response(review.list_pending(member))


@bp.route("/review/items/{slug}/{content_hash}", methods=["GET"])
@web.signed_in(bp)
def get_item(member: Member, slug: str, content_hash: str) -> Response:
    return web.json_response(review.get_item(member, slug, content_hash))


@bp.route("/review/items/{slug}/{content_hash}/approve", methods=["POST"])
@web.signed_in(bp)
def approve(member: Member, slug: str, content_hash: str) -> Response:
    return web.json_response(review.decide(member, slug, content_hash, review.APPROVED))


@bp.route("/review/items/{slug}/{content_hash}/return", methods=["POST"])
@web.signed_in(bp)
@web.body(bp, {"reason": web.Field(str, max_chars=review.MAX_REASON_CHARS)})
def return_item(member: Member, slug: str, content_hash: str, *, body: dict[str, Any]) -> Response:
    reason = body["reason"].strip()
    if not reason:
        raise BadRequestError("退回时请填写原因（reason）")
    return web.json_response(review.decide(member, slug, content_hash, review.RETURNED, reason))

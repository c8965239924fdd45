"""Routes of comments (学习点评): an item's list and count, post, edit / delete one's own,
reviewers' decisions and queue. Reading is public; a signed-in reader also sees her own
comments waiting for review."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from . import comments, web
from .errors import BadRequestError, NotFoundError
from .identifiers import is_client_key, is_slug
from .models import Member
from .web import Field

bp = Blueprint(__name__)

MAX_COUNT_SLUGS = 50


def _check(slug: str, comment_id: str | None = None) -> None:
    if not is_slug(slug):
        raise NotFoundError("文章不存在或尚未发布")
    if comment_id is not None and not comments.COMMENT_ID.fullmatch(comment_id):
        raise NotFoundError("评论不存在或已删除")


@bp.route("/articles/{slug}/comments", methods=["GET"])
@web.signed_in_or_anonymous(bp)
def list_comments(member: Member | None, slug: str) -> Response:
    _check(slug)
    cursor = (bp.current_request.query_params or {}).get("cursor")
    return web.json_response(comments.list_for(slug, member, cursor))


@bp.route("/articles/{slug}/comments", methods=["POST"])
@web.signed_in(bp)
@web.body(bp, {"text": Field(str, max_chars=2 * comments.MAX_CHARS), "request_id": Field(str)})
def post_comment(member: Member, slug: str, *, body: dict[str, Any]) -> Response:
    if not is_client_key(body["request_id"]):
        raise BadRequestError("请求编号（request_id）格式不正确")
    _check(slug)
    return web.json_response(
        comments.post(member, slug, body["text"], body["request_id"]), status=201
    )


@bp.route("/articles/{slug}/comments/{comment_id}", methods=["PUT"])
@web.signed_in(bp)
@web.body(bp, {"text": Field(str, max_chars=2 * comments.MAX_CHARS)})
def edit_comment(member: Member, slug: str, comment_id: str, *, body: dict[str, Any]) -> Response:
    _check(slug, comment_id)
    return web.json_response(comments.edit(member, slug, comment_id, body["text"]))


@bp.route("/articles/{slug}/comments/{comment_id}", methods=["DELETE"])
@web.signed_in(bp)
def delete_comment(member: Member, slug: str, comment_id: str) -> Response:
    _check(slug, comment_id)
    return web.json_response(comments.delete(member, slug, comment_id))


@bp.route("/articles/{slug}/comments/{comment_id}/moderate", methods=["POST"])
@web.signed_in(bp)
@web.body(bp, {"action": Field(str), "reason": Field(str, required=False, max_chars=200)})
def moderate_comment(
    member: Member, slug: str, comment_id: str, *, body: dict[str, Any]
) -> Response:
    _check(slug, comment_id)
    reason = (body.get("reason") or "").strip() or None
    return web.json_response(comments.decide(member, slug, comment_id, body["action"], reason))


@bp.route("/articles/{slug}/comments/{comment_id}/decisions", methods=["GET"])
@web.signed_in(bp)
def comment_decisions(member: Member, slug: str, comment_id: str) -> Response:
    _check(slug, comment_id)
    return web.json_response({"items": comments.decisions(member, slug, comment_id)})


@bp.route("/comments/counts", methods=["GET"])
@web.public
def comment_counts() -> Response:
    raw = (bp.current_request.query_params or {}).get("slugs", "")
    slugs = list(dict.fromkeys(s for s in raw.split(",") if s))
    if not slugs or len(slugs) > MAX_COUNT_SLUGS or not all(is_slug(s) for s in slugs):
        raise BadRequestError(f"slugs 须为 1–{MAX_COUNT_SLUGS} 个以逗号分隔的文章 slug")
    return web.json_response({"counts": comments.counts(slugs)})


@bp.route("/moderation/comments", methods=["GET"])
@web.signed_in(bp)
def moderation_queue(member: Member) -> Response:
    which = (bp.current_request.query_params or {}).get("queue", "open")
    return web.json_response(comments.queue(member, which))

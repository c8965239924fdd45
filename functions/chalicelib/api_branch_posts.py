"""Routes of 支部家园 (branch_posts.py): a photo's upload form, a post made, edited, withdrawn;
a branch's page and the committee's feed; the review queue, a decision and a takedown; her own
posts. The logic and every scope decision are in `branch_posts.py`."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from . import branch_posts, web
from .models import Member
from .web import Field

bp = Blueprint(__name__)

_TEXT = Field(str, max_chars=2000)  # the 500-character rule is checked after trimming
_PHOTOS = Field(list, required=False)
_REASON = Field(str, required=False, max_chars=branch_posts.MAX_REASON_CHARS * 2)


def _param(name: str) -> str | None:
    return (bp.current_request.query_params or {}).get(name)


@bp.route("/branch-post-uploads", methods=["POST"])
@web.signed_in(bp)
@web.body(
    bp,
    {"name": Field(max_chars=200), "content_type": Field(max_chars=100), "size": Field(int)},
)
def start_upload(member: Member, *, body: dict[str, Any]) -> Response:
    form = branch_posts.start_upload(member, body["content_type"], body["size"], body["name"])
    return web.json_response(form)


@bp.route("/branch-posts", methods=["POST"])
@web.signed_in(bp)
@web.body(
    bp,
    {
        "text": _TEXT,
        "photos": _PHOTOS,
        "branch_id": Field(str, required=False, max_chars=32),
        "request_key": Field(str, max_chars=64),
    },
)
def create_post(member: Member, *, body: dict[str, Any]) -> Response:
    answer, created = branch_posts.create(member, body)
    return web.json_response(answer, status=201 if created else 200)


@bp.route("/branch-posts", methods=["GET"])
@web.signed_in(bp)
def branch_page(member: Member) -> Response:
    return web.json_response(branch_posts.branch_page(member, _param("unit"), _param("cursor")))


@bp.route("/branch-feed", methods=["GET"])
@web.signed_in(bp)
def feed(member: Member) -> Response:
    return web.json_response(branch_posts.feed(member, _param("cursor")))


@bp.route("/me/branch-posts", methods=["GET"])
@web.signed_in(bp)
def my_posts(member: Member) -> Response:
    return web.json_response(branch_posts.mine(member, _param("cursor")))


@bp.route("/branch-post-queue", methods=["GET"])
@web.signed_in(bp)
def review_queue(member: Member) -> Response:
    return web.json_response(branch_posts.queue(member))


@bp.route("/branch-posts/{post_id}", methods=["GET"])
@web.signed_in(bp)
def get_post(member: Member, post_id: str) -> Response:
    return web.json_response(branch_posts.detail(member, post_id))


@bp.route("/branch-posts/{post_id}", methods=["PUT"])
@web.signed_in(bp)
@web.body(bp, {"text": _TEXT, "photos": _PHOTOS})
def edit_post(member: Member, post_id: str, *, body: dict[str, Any]) -> Response:
    return web.json_response(branch_posts.edit(member, post_id, body))


@bp.route("/branch-posts/{post_id}/withdraw", methods=["POST"])
@web.signed_in(bp)
def withdraw_post(member: Member, post_id: str) -> Response:
    web.no_body(bp.current_request)
    return web.json_response(branch_posts.withdraw(member, post_id))


@bp.route("/branch-posts/{post_id}/decision", methods=["POST"])
@web.signed_in(bp)
@web.body(
    bp,
    {"decision": Field(max_chars=10), "hash": Field(max_chars=64), "reason": _REASON},
)
def decide_post(member: Member, post_id: str, *, body: dict[str, Any]) -> Response:
    return web.json_response(branch_posts.decide(member, post_id, body))


@bp.route("/branch-posts/{post_id}/takedown", methods=["POST"])
@web.signed_in(bp)
@web.body(bp, {"reason": Field(max_chars=branch_posts.MAX_REASON_CHARS * 2)})
def take_down_post(member: Member, post_id: str, *, body: dict[str, Any]) -> Response:
    return web.json_response(branch_posts.take_down(member, post_id, body["reason"]))

"""Routes of 微党课 media uploads (media_uploads.py): a pre-signed PUT for one video or audio file
named by its SHA-256, and the check that keeps it as `media/<sha256>.<ext>`."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from . import media_uploads, web
from .models import Member
from .web import Field

bp = Blueprint(__name__)

_SHA256 = Field(str, max_chars=64)
_KIND = Field(str, max_chars=10)


@bp.route("/media/uploads", methods=["POST"])
@web.signed_in(bp)
@web.body(
    bp,
    {
        "name": Field(str, max_chars=media_uploads.MAX_NAME_CHARS),
        "size": Field(int),
        "sha256": _SHA256,
        "kind": _KIND,
    },
)
def start_upload(member: Member, *, body: dict[str, Any]) -> Response:
    answer = media_uploads.request_upload(
        member, body["name"], body["size"], body["sha256"], body["kind"]
    )
    return web.json_response(answer)


@bp.route("/media/uploads/check", methods=["POST"])
@web.signed_in(bp)
@web.body(bp, {"sha256": _SHA256, "kind": _KIND})
def check_upload(member: Member, *, body: dict[str, Any]) -> Response:
    answer = media_uploads.check(member, body["sha256"], body["kind"])
    return web.json_response(answer, status=200 if answer["exists"] else 201)

"""Routes under /reading: heartbeats from the article page and reading progress."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from . import reading, web
from .errors import BadRequestError
from .identifiers import is_client_key
from .models import Member
from .web import Field

bp = Blueprint(__name__)

MAX_SEQ = 10_000
MAX_SECONDS = 3_600


@bp.route("/reading/heartbeat", methods=["POST"])
@web.signed_in(bp)
@web.body(
    bp,
    {
        "view_id": Field(str, max_chars=64),
        "seq": Field(int),
        "slug": Field(str, max_chars=200),
        "seconds": Field(int),
    },
)
def heartbeat(member: Member, *, body: dict[str, Any]) -> Response:
    if not is_client_key(body["view_id"]):
        raise BadRequestError("阅读记录编号（view_id）格式不正确")
    if not 0 <= body["seq"] <= MAX_SEQ:
        raise BadRequestError(f"序号（seq）须在 0 到 {MAX_SEQ} 之间")
    if not 0 <= body["seconds"] <= MAX_SECONDS:
        raise BadRequestError(f"时长（seconds）须在 0 到 {MAX_SECONDS} 秒之间")
    return web.json_response(
        reading.heartbeat(
            member.member_no, body["view_id"], body["seq"], body["slug"], body["seconds"]
        )
    )


@bp.route("/reading/progress", methods=["GET"])
@web.signed_in(bp)
def progress(member: Member) -> Response:
    series = (bp.current_request.query_params or {}).get("series", "")
    if series not in reading.SERIES:
        raise BadRequestError("系列（series）不存在，可用：" + "、".join(sorted(reading.SERIES)))
    return web.json_response(reading.progress(member.member_no, series))

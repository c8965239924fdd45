"""Routes under /reading: heartbeats from the article page and reading progress."""

from __future__ import annotations

import math
from typing import Any

from chalice import Blueprint, Response

from . import lesson_rules, reading, watching, web
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
        # Lessons (微党课) only: the media's current second and the media seconds played.
        "position": Field((int, float), required=False),
        "ranges": Field(list, required=False),
    },
)
def heartbeat(member: Member, *, body: dict[str, Any]) -> Response:
    if not is_client_key(body["view_id"]):
        raise BadRequestError("阅读记录编号（view_id）格式不正确")
    if not 0 <= body["seq"] <= MAX_SEQ:
        raise BadRequestError(f"序号（seq）须在 0 到 {MAX_SEQ} 之间")
    if not 0 <= body["seconds"] <= MAX_SECONDS:
        raise BadRequestError(f"时长（seconds）须在 0 到 {MAX_SECONDS} 秒之间")
    position = body.get("position")
    if position is not None and not _media_second(position):
        raise BadRequestError(f"播放位置（position）须在 0 到 {MAX_MEDIA_SECOND} 秒之间")
    ranges = body.get("ranges")
    if ranges is not None:
        _check_ranges(ranges)
    return web.json_response(
        reading.heartbeat(
            member.member_no,
            body["view_id"],
            body["seq"],
            body["slug"],
            body["seconds"],
            position=position,
            ranges=ranges,
        )
    )


MAX_MEDIA_SECOND = lesson_rules.MAX_DURATION_SECONDS


def _media_second(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and 0 <= value <= MAX_MEDIA_SECOND + watching.DURATION_SLACK
    )


def _check_ranges(ranges: list[Any]) -> None:
    """At most MAX_RANGES pairs [from, to] of media seconds, from ≤ to (each lesson's own
    duration is checked by watching.check)."""
    if len(ranges) > watching.MAX_RANGES:
        raise BadRequestError(f"播放区间（ranges）最多 {watching.MAX_RANGES} 段")
    for pair in ranges:
        if not (
            isinstance(pair, list)
            and len(pair) == 2
            and all(_media_second(v) for v in pair)
            and pair[0] <= pair[1]
        ):
            raise BadRequestError(
                "播放区间（ranges）须为 [起点, 终点] 的数组，秒数有效且起点不大于终点"
            )


@bp.route("/reading/progress", methods=["GET"])
@web.signed_in(bp)
def progress(member: Member) -> Response:
    series = (bp.current_request.query_params or {}).get("series", "")
    if series not in reading.SERIES:
        raise BadRequestError("系列（series）不存在，可用：" + "、".join(sorted(reading.SERIES)))
    return web.json_response(reading.progress(member.member_no, series))

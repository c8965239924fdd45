"""Routes of voting campaigns: rules and results, the vote, campaigns set up through the API."""

from __future__ import annotations

import re

from chalice import Blueprint, Response

from . import votes, web
from .api_comments import REQUEST_ID, SLUG, optional_member
from .errors import BadRequestError, NotFoundError
from .web import Field

bp = Blueprint(__name__)


def _check(campaign_id: str) -> None:
    if not SLUG.match(campaign_id):
        raise NotFoundError("评选活动不存在")


@bp.route("/campaigns/{campaign_id}", methods=["GET"])
def get_campaign(campaign_id: str) -> Response:
    member = optional_member(bp.current_request)
    _check(campaign_id)
    return web.json_response(votes.describe(votes.get_campaign(campaign_id), member))


@bp.route("/campaigns/{campaign_id}", methods=["PUT"])
def put_campaign(campaign_id: str) -> Response:
    member = web.current_member(bp.current_request)
    body = web.json_body(
        bp.current_request,
        {
            "title": Field(str, max_chars=100),
            "candidates": Field(list),
            "starts_at": Field(str, max_chars=40),
            "ends_at": Field(str, max_chars=40),
            "votes_per_member": Field(int),
            "per_candidate": Field(int, required=False),
            "daily_quota": Field(int, required=False),
            "units": Field(list, required=False),
            "results": Field(str, required=False, max_chars=20),
        },
    )
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", campaign_id):
        raise BadRequestError("评选编号须为小写字母、数字和连字符（最长 64）")
    if not body["title"].strip():
        raise BadRequestError("title 不能为空")
    return web.json_response(votes.save_campaign(member, campaign_id, body))


@bp.route("/campaigns/{campaign_id}/votes", methods=["POST"])
def cast_vote(campaign_id: str) -> Response:
    member = web.current_member(bp.current_request)
    body = web.json_body(
        bp.current_request, {"candidate": Field(str, max_chars=100), "request_id": Field(str)}
    )
    if not REQUEST_ID.match(body["request_id"]):
        raise BadRequestError("请求编号(request_id)格式不正确")
    _check(campaign_id)
    return web.json_response(votes.cast(member, campaign_id, body["candidate"], body["request_id"]))

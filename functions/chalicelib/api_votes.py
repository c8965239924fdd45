"""Routes of voting campaigns: rules and results, the vote, campaigns set up through the API."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from . import votes, web
from .errors import BadRequestError, NotFoundError
from .identifiers import is_campaign_id, is_client_key
from .models import Member
from .web import Field

bp = Blueprint(__name__)


def _check(campaign_id: str) -> None:
    if not is_campaign_id(campaign_id):
        raise NotFoundError("评选活动不存在")


@bp.route("/campaigns/{campaign_id}", methods=["GET"])
@web.signed_in_or_anonymous(bp)
def get_campaign(member: Member | None, campaign_id: str) -> Response:
    _check(campaign_id)
    return web.json_response(votes.describe(votes.get_campaign(campaign_id), member))


@bp.route("/campaigns/{campaign_id}", methods=["PUT"])
@web.signed_in(bp)
@web.body(
    bp,
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
def put_campaign(member: Member, campaign_id: str, *, body: dict[str, Any]) -> Response:
    if not is_campaign_id(campaign_id):
        raise BadRequestError("评选编号须为小写字母、数字和连字符（最长 64）")
    if not body["title"].strip():
        raise BadRequestError("title 不能为空")
    return web.json_response(votes.save_campaign(member, campaign_id, body))


@bp.route("/campaigns/{campaign_id}/votes", methods=["POST"])
@web.signed_in(bp)
@web.body(bp, {"candidate": Field(str, max_chars=100), "request_id": Field(str)})
def cast_vote(member: Member, campaign_id: str, *, body: dict[str, Any]) -> Response:
    if not is_client_key(body["request_id"]):
        raise BadRequestError("请求编号（request_id）格式不正确")
    _check(campaign_id)
    return web.json_response(votes.cast(member, campaign_id, body["candidate"], body["request_id"]))

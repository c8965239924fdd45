"""Routes under /points (我的党建, the detail log, the yearly report), /boards (rankings) and a
unit's totals: parse and shape; who may see what is decided in `points_reports` and
`leaderboards` through the one scope check. With RANKINGS_ENABLED=false every /boards route
answers 404 with a message saying so, and /points/me carries no rank.
"""

from __future__ import annotations

from chalice import Blueprint, Response

from . import leaderboards, points_reports, web
from .models import Member
from .points_rules import RULES, describe
from .settings import get_settings

bp = Blueprint(__name__)


def _query(name: str) -> str | None:
    return (bp.current_request.query_params or {}).get(name)


@bp.route("/points/me", methods=["GET"])
@web.signed_in(bp)
def my_points(member: Member) -> Response:
    return web.json_response(points_reports.my_summary(member))


@bp.route("/points/log", methods=["GET"])
@web.signed_in(bp)
def log(member: Member) -> Response:
    return web.json_response(points_reports.log_for(member, _query("member_no"), _query("cursor")))


@bp.route("/points/report/{year}", methods=["GET"])
@web.signed_in(bp)
def report(member: Member, year: str) -> Response:
    return web.json_response(points_reports.year_report(member, year))


@bp.route("/points/rules", methods=["GET"])
@web.public
def rules() -> Response:
    return web.json_response(
        {
            "rules": [describe(r) for r in RULES.values()],
            "rankings_enabled": get_settings().rankings_enabled,
        }
    )


@bp.route("/boards/branch/{unit_id}", methods=["GET"])
@web.signed_in(bp)
def branch_board(member: Member, unit_id: str) -> Response:
    return web.json_response(leaderboards.branch_board(member, unit_id, _query("period")))


@bp.route("/boards/committee/{unit_id}", methods=["GET"])
@web.signed_in(bp)
def committee_board(member: Member, unit_id: str) -> Response:
    return web.json_response(leaderboards.committee_board(member, unit_id, _query("period")))


@bp.route("/boards/org", methods=["GET"])
@web.signed_in(bp)
def org_board(member: Member) -> Response:
    return web.json_response(leaderboards.org_board(member, _query("period")))


@bp.route("/boards/redblack", methods=["GET"])
@web.signed_in(bp)
def red_black(member: Member) -> Response:
    return web.json_response(leaderboards.red_black(member, _query("period")))


@bp.route("/units/{unit_id}/totals", methods=["GET"])
@web.signed_in(bp)
def unit_totals(member: Member, unit_id: str) -> Response:
    return web.json_response(leaderboards.unit_totals(member, unit_id))

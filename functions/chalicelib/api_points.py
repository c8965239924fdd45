"""Routes under /points (我的党建, the detail log, the yearly report) and /boards (rankings).

Scope: a member reads only her own log and report; another member's log needs `require_member`
(her branch's secretary or a committee role above). A branch board is open to the branch's own
members and to roles over it; a committee board to the committee's members and roles over it;
the org-wide top N and 红黑榜 to every member. With RANKINGS_ENABLED=false every /boards route
answers 404 with a message saying so, and /points/me carries no rank.
"""

from __future__ import annotations

import re
from typing import Any

from chalice import Blueprint, Response

from . import clock, leaderboards, points, registry, scope, web
from .errors import BadRequestError, NotFoundError
from .models import Member
from .points_rules import RULES
from .settings import get_settings

bp = Blueprint(__name__)

RANKINGS_OFF = "本单位未开启积分排名"
_MEMBER_NO = re.compile(r"^[0-9A-Za-z_-]{1,32}$")


def _query(name: str) -> str | None:
    return (bp.current_request.query_params or {}).get(name)


@bp.route("/points/me", methods=["GET"])
def my_points() -> Response:
    member = web.current_member(bp.current_request)
    body: dict[str, Any] = points.totals(member.member_no)
    enabled = get_settings().rankings_enabled
    body["rankings_enabled"] = enabled
    body["standing"] = None
    if enabled:
        body["standing"] = leaderboards.standing(member, points.month_key(clock.today()))
    return web.json_response(body)


@bp.route("/points/log", methods=["GET"])
def log() -> Response:
    member = web.current_member(bp.current_request)
    target = _query("member_no") or member.member_no
    if target != member.member_no:
        other = registry.get_member(target) if _MEMBER_NO.match(target) else None
        # An unknown number is refused like someone else's: no probing who exists.
        path = registry.get_unit(other.branch_id).path if other else ()
        scope.require_member(registry.caller_for(member), target, path)
    return web.json_response(points.ledger_page(target, _query("cursor")))


@bp.route("/points/report/{year}", methods=["GET"])
def report(year: str) -> Response:
    member = web.current_member(bp.current_request)
    if not re.fullmatch(r"\d{4}", year) or not 2000 <= int(year) <= clock.today().year:
        raise BadRequestError("年份不正确")
    body = points.year_report(member.member_no, int(year))
    body["name"] = member.name
    body["branch"] = registry.get_unit(member.branch_id).name
    body["standing"] = None
    if get_settings().rankings_enabled:
        body["standing"] = leaderboards.standing(member, f"y{int(year)}")
    return web.json_response(body)


@bp.route("/points/rules", methods=["GET"])
def rules() -> Response:
    return web.json_response(
        {
            "rules": [
                {
                    "key": r.key,
                    "label": r.label,
                    "points": r.points,
                    "daily_cap": r.daily_cap,
                    "activity": r.activity,
                }
                for r in RULES.values()
            ],
            "rankings_enabled": get_settings().rankings_enabled,
        }
    )


def _ranked_caller() -> tuple[Member, scope.Caller]:
    member = web.current_member(bp.current_request)
    if not get_settings().rankings_enabled:
        raise NotFoundError(RANKINGS_OFF)
    return member, registry.caller_for(member)


def _board(board_id: str, period: str) -> Response:
    board = leaderboards.read_board(board_id)
    return web.json_response(board or {"period": period, "entries": [], "computed_at": None})


def _unit_path(unit_id: str) -> tuple[str, ...] | None:
    try:
        return tuple(registry.get_unit(unit_id).path)
    except NotFoundError:
        return None


def _visible_unit(caller: scope.Caller, unit_id: str, kind: str | None = None) -> None:
    """The one scope rule for boards and totals (scope.require_group_view), then the kind."""
    scope.require_group_view(caller, unit_id, _unit_path)
    if kind is None:
        return
    if unit_id in caller.path:  # her own groups: the kinds are on the caller, no read
        actual = caller.path_kinds[caller.path.index(unit_id)]
    else:
        actual = registry.get_unit(unit_id).kind
    if actual != kind:
        raise NotFoundError("组织不存在")


@bp.route("/boards/branch/{unit_id}", methods=["GET"])
def branch_board(unit_id: str) -> Response:
    _, caller = _ranked_caller()
    period = leaderboards.period_key(_query("period"))
    _visible_unit(caller, unit_id, "branch")
    return _board(f"branch#{unit_id}#{period}", period)


@bp.route("/boards/committee/{unit_id}", methods=["GET"])
def committee_board(unit_id: str) -> Response:
    _, caller = _ranked_caller()
    period = leaderboards.period_key(_query("period"))
    _visible_unit(caller, unit_id, "committee")
    return _board(f"committee#{unit_id}#{period}", period)


@bp.route("/boards/org", methods=["GET"])
def org_board() -> Response:
    _ranked_caller()
    period = leaderboards.period_key(_query("period"))
    return _board(f"org#{period}", period)


@bp.route("/boards/redblack", methods=["GET"])
def red_black() -> Response:
    _ranked_caller()
    period = leaderboards.period_key(_query("period"))
    if not period.startswith("m"):
        raise BadRequestError("红黑榜按月发布,期间(period)须为 YYYY-MM")
    board = leaderboards.read_board(f"redblack#{period}")
    return web.json_response(
        board or {"period": period, "red": [], "black": [], "computed_at": None}
    )


@bp.route("/units/{unit_id}/totals", methods=["GET"])
def unit_totals(unit_id: str) -> Response:
    """A unit's points today / month / year / all time (not a ranking: always available)."""
    member = web.current_member(bp.current_request)
    _visible_unit(registry.caller_for(member), unit_id)
    board = leaderboards.read_board(f"unit#{unit_id}")
    if board is None:
        unit = registry.get_unit(unit_id)
        board = {"unit": {"id": unit.unit_id, "name": unit.name, "kind": unit.kind}}
        board.update({"members": 0, "computed_at": None})
    return web.json_response(board)

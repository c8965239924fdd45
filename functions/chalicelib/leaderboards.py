"""Leaderboards, stars, 红黑榜 and org-unit totals as members read them: one GetItem a board.

The boards are precomputed every 10 minutes by `ranking.compute_boards` (the scheduled job
`schedules.rank_boards`, with an IAM policy of its own); nothing on a request path scans.
The boards and the star bands are described in `ranking` (the module that computes them).
"""

from __future__ import annotations

import re
from typing import Any

from . import clock, registry, scope
from .errors import BadRequestError, NotFoundError
from .identifiers import is_unit_id
from .models import Board, Member
from .points import month_key
from .settings import get_settings

STAR_BANDS = ((0.10, 5), (0.30, 4), (0.70, 3), (0.90, 2))
_PERIOD = re.compile(r"^([0-9]{4})(?:-([0-9]{2}))?$")


def stars(ahead: int, size: int, points: float) -> int:
    """Stars for one member (or branch) of a peer group of `size` with `ahead` strictly better."""
    if points <= 0 or size <= 0:
        return 1
    share = ahead / size
    for limit, value in STAR_BANDS:
        if share < limit:
            return value
    return 1


def rank(
    entries: list[dict[str, Any]], key: str = "points", tie: str = "id", size: int | None = None
) -> list[dict]:
    """Sort by `key` (best first, ties by `tie`) and add competition rank and stars. `size`: the
    peer group's size when `entries` are only its best (a top N ranked among everyone)."""
    ordered = sorted(entries, key=lambda e: (-e[key], e[tie]))
    size = len(ordered) if size is None else size
    out = []
    ahead = 0
    for i, entry in enumerate(ordered):
        if i and entry[key] < ordered[i - 1][key]:
            ahead = i
        out.append({**entry, "rank": ahead + 1, "stars": stars(ahead, size, entry[key])})
    return out


def period_key(period: str | None) -> str:
    """ "2026-11" → "m2026-11", "2026" → "y2026"; none → this month (Asia/Shanghai)."""
    if not period:
        return month_key(clock.today())
    match = _PERIOD.fullmatch(period)
    if not match or (match.group(2) and not 1 <= int(match.group(2)) <= 12):
        raise BadRequestError("期间（period）须为 YYYY-MM（月）或 YYYY（年）")
    year, month = match.groups()
    return f"m{year}-{month}" if month else f"y{year}"


def read_board(board_id: str) -> dict[str, Any] | None:
    """One GetItem; None when the job has not produced the board (no members, or not run yet)."""
    try:
        board = Board.get(board_id)
    except Board.DoesNotExist:
        return None
    return {**board.data, "computed_at": board.computed_at}


RANKINGS_OFF = "本单位未开启积分排名"


def _member_rows(entries: list[dict[str, Any]], viewer: str) -> list[dict[str, Any]]:
    """Members on a board as others see them: name (and branch), rank, stars, points, and
    whether the row is the viewer's own — never a member number (it is the login id)."""
    return [
        {k: v for k, v in {**e, "me": e.get("id") == viewer}.items() if k != "id"} for e in entries
    ]


def _unit_path(unit_id: str) -> tuple[str, ...] | None:
    if not is_unit_id(unit_id):
        return None
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


def _ranked_caller(member: Member) -> scope.Caller:
    if not get_settings().rankings_enabled:
        raise NotFoundError(RANKINGS_OFF)
    return registry.caller_for(member)


def _empty(period: str) -> dict[str, Any]:
    return {"period": period, "entries": [], "computed_at": None}


def branch_board(member: Member, unit_id: str, period: str | None) -> dict[str, Any]:
    """A branch's members by points: open to its members and to roles over it."""
    caller = _ranked_caller(member)
    key = period_key(period)
    _visible_unit(caller, unit_id, "branch")
    board = read_board(f"branch#{unit_id}#{key}") or _empty(key)
    return {**board, "entries": _member_rows(board["entries"], member.member_no)}


def committee_board(member: Member, unit_id: str, period: str | None) -> dict[str, Any]:
    """A committee's branches by average points: open to its members and to roles over it."""
    caller = _ranked_caller(member)
    key = period_key(period)
    _visible_unit(caller, unit_id, "committee")
    return read_board(f"committee#{unit_id}#{key}") or _empty(key)


def org_board(member: Member, period: str | None) -> dict[str, Any]:
    """The organisation's top N members: open to every member."""
    _ranked_caller(member)
    key = period_key(period)
    board = read_board(f"org#{key}") or _empty(key)
    return {**board, "entries": _member_rows(board["entries"], member.member_no)}


def red_black(member: Member, period: str | None) -> dict[str, Any]:
    """The month's best and worst branches by average: open to every member."""
    _ranked_caller(member)
    key = period_key(period)
    if not key.startswith("m"):
        raise BadRequestError("红黑榜按月发布，期间（period）须为 YYYY-MM")
    return read_board(f"redblack#{key}") or {
        "period": key,
        "red": [],
        "black": [],
        "computed_at": None,
    }


def unit_totals(member: Member, unit_id: str) -> dict[str, Any]:
    """A unit's points today / month / year / all time (not a ranking: always available)."""
    _visible_unit(registry.caller_for(member), unit_id)
    board = read_board(f"unit#{unit_id}")
    if board is None:
        unit = registry.get_unit(unit_id)
        board = {"unit": {"id": unit.unit_id, "name": unit.name, "kind": unit.kind}}
        board.update({"members": 0, "computed_at": None})
    return board


def standing(member: Member, period: str) -> dict[str, Any] | None:
    """The member's rank and stars in her branch for a period key, from the branch board."""
    board = read_board(f"branch#{member.branch_id}#{period}")
    if board is None:
        return None
    for entry in board["entries"]:
        if entry["id"] == member.member_no:
            return {
                "period": period,
                "rank": entry["rank"],
                "stars": entry["stars"],
                "points": entry["points"],
                "of": len(board["entries"]),
                "computed_at": board["computed_at"],
            }
    return None

"""Leaderboards, stars, 红黑榜 and org-unit totals as members read them: one GetItem a board.

The boards are precomputed every 10 minutes by `ranking.compute_boards` (the scheduled job
`schedules.rank_boards`, with an IAM policy of its own); nothing on a request path scans.
The boards and the star bands are described in `ranking` (the module that computes them).
"""

from __future__ import annotations

import re
from typing import Any

from . import clock
from .errors import BadRequestError
from .models import Board, Member
from .points import month_key

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


def rank(entries: list[dict[str, Any]], key: str = "points", tie: str = "id") -> list[dict]:
    """Sort by `key` (best first, ties by `tie`) and add competition rank and stars."""
    ordered = sorted(entries, key=lambda e: (-e[key], e[tie]))
    size = len(ordered)
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
        raise BadRequestError("期间(period)须为 YYYY-MM(月)或 YYYY(年)")
    year, month = match.groups()
    return f"m{year}-{month}" if month else f"y{year}"


def read_board(board_id: str) -> dict[str, Any] | None:
    """One GetItem; None when the job has not produced the board (no members, or not run yet)."""
    try:
        board = Board.get(board_id)
    except Board.DoesNotExist:
        return None
    return {**board.data, "computed_at": board.computed_at}


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

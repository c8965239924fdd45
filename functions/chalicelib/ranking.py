"""The ranking job: leaderboards, stars, 红黑榜 and org-unit totals, precomputed.

`compute_boards()` runs every 10 minutes (`schedules.rank_boards`). It reads the registry (a Scan
of units and members: off the request path) and the members' period totals through the sharded
sparse GSI `by-board` of the counters (a few Queries, no Scan of the counters), and writes one
item per board, rewriting a board only when its content changed. Requests read a board with one
GetItem; nothing on a request path scans.

Boards (period = a month "m2026-11" or a year "y2026"):
- `branch#<branch>#<period>`: the branch's members by points, with rank and stars;
- `committee#<committee>#<period>`: the committee's branches by AVERAGE points per member, so a
  large branch does not win by size;
- `org#<period>`: the organisation's top N members (BOARD_TOP_N);
- `redblack#<month>`: 红黑榜, the best and the worst RED_BLACK_SIZE branches of the whole
  organisation by average (never more than half the branches each, so none is on both);
- `unit#<unit>`: a unit's totals for today, this month, this year and all time (not a ranking;
  kept even where rankings are switched off).

Stars by percentile in the peer group (seed 000: the best get 5★): the share of the group with
strictly more points decides — under 10 % ahead 5★, under 30 % 4★, under 70 % 3★, under 90 % 2★,
else 1★. Ties share the better star; a group's best is always 5★; no points at all is 1★.
Ranks are competition ranks (1, 2, 2, 4).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from . import clock
from .leaderboards import rank
from .models import Board, Member, OrgUnit, PointTotal
from .models.points import BOARD_SHARDS
from .points import month_key
from .settings import get_settings


@dataclass(frozen=True)
class Unit:
    unit_id: str
    name: str
    kind: str
    path: tuple[str, ...]
    sort_order: int


@dataclass(frozen=True)
class Person:
    member_no: str
    name: str
    branch_id: str


def load_org() -> tuple[dict[str, Unit], list[Person]]:
    """The registry, read whole by the job (a Scan is fine off the request path)."""
    units = {
        u.unit_id: Unit(u.unit_id, u.name, u.kind, tuple(u.path), int(u.sort_order or 0))
        for u in OrgUnit.scan()
    }
    people = [
        Person(m.member_no, m.name, m.branch_id)
        for m in Member.scan(
            attributes_to_get=["member_no", "name", "branch_id", "active"],
        )
        if m.active and m.branch_id in units
    ]
    return units, people


def year_totals(year: int) -> dict[str, PointTotal]:
    """Member → her year total as the aggregator keeps it, read through the sharded sparse
    `by-board` index (a few Queries, no Scan)."""
    out: dict[str, PointTotal] = {}
    for shard in range(BOARD_SHARDS):
        for item in PointTotal.by_board.query(f"y{year:04d}#{shard}"):
            out[item.member_no] = item
    return out


def period_totals(today: date) -> dict[str, dict[str, int]]:
    """Period ("m2026-11", "y2026", "total", "d2026-11-03") → member → points, for the periods
    the boards show: this and the previous month, this year (and the last one in January),
    today and all time."""
    years = {today.year: year_totals(today.year)}
    last = _previous_month(today)
    if last.year != today.year:
        years[last.year] = year_totals(last.year)
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for year, items in years.items():
        for member_no, t in items.items():
            out[f"y{year}"][member_no] = int(t.points or 0)
            for month, pts in (t.months or {}).items():
                out[f"m{year}-{month}"][member_no] = int(pts)
            applied = (t.recent or {}).get(today.isoformat())
            if applied:
                out[f"d{today.isoformat()}"][member_no] = sum(applied["s"].values())
            all_time = int(t.carried or 0) + int(t.points or 0)
            out["total"][member_no] = max(out["total"].get(member_no, 0), all_time)
    return out


def _public(row: dict[str, Any]) -> dict[str, Any]:
    """A branch row without its path (used for grouping, not shown)."""
    return {k: v for k, v in row.items() if k != "path"}


def _average(total: int, members: int) -> float:
    return round(total / members, 2) if members else 0.0


def build_boards(
    units: dict[str, Unit],
    people: list[Person],
    ranking_periods: dict[str, dict[str, int]],
    unit_periods: dict[str, tuple[str, dict[str, int]]],
    top_n: int,
    red_black_size: int,
) -> dict[str, dict[str, Any]]:
    """Every board's content from the registry and the members' totals (pure: tests use it as is).

    `ranking_periods`: period key ("m2026-11", "y2026") → member → points.
    `unit_periods`: label ("day", "month", "year", "total") → (period, member → points).
    """
    boards: dict[str, dict[str, Any]] = {}
    by_branch: dict[str, list[Person]] = defaultdict(list)
    for p in people:
        by_branch[p.branch_id].append(p)
    branches = [u for u in units.values() if u.kind == "branch"]
    committees = [u for u in units.values() if u.kind == "committee"]

    def unit_info(u: Unit) -> dict[str, Any]:
        return {"id": u.unit_id, "name": u.name, "kind": u.kind}

    for period, totals in ranking_periods.items():
        branch_rows = []
        for b in branches:
            entries = rank(
                [
                    {"id": p.member_no, "name": p.name, "points": totals.get(p.member_no, 0)}
                    for p in by_branch[b.unit_id]
                ]
            )
            total = sum(e["points"] for e in entries)
            boards[f"branch#{b.unit_id}#{period}"] = {
                "kind": "branch",
                "period": period,
                "unit": unit_info(b),
                "total": total,
                "members": len(entries),
                "average": _average(total, len(entries)),
                "entries": entries,
            }
            if entries:
                branch_rows.append(
                    {
                        "id": b.unit_id,
                        "name": b.name,
                        "path": b.path,
                        "points": _average(total, len(entries)),
                        "total": total,
                        "members": len(entries),
                    }
                )
        for c in committees:
            rows = [_public(r) for r in branch_rows if c.unit_id in r["path"]]
            boards[f"committee#{c.unit_id}#{period}"] = {
                "kind": "committee",
                "period": period,
                "unit": unit_info(c),
                "entries": rank(rows),
            }
        everyone = rank(
            [
                {
                    "id": p.member_no,
                    "name": p.name,
                    "branch": units[p.branch_id].name,
                    "points": totals.get(p.member_no, 0),
                }
                for p in people
            ]
        )
        boards[f"org#{period}"] = {
            "kind": "org",
            "period": period,
            "members": len(everyone),
            "entries": everyone[:top_n],
        }
        if period.startswith("m"):
            ranked = rank([_public(r) for r in branch_rows])
            k = min(red_black_size, len(ranked) // 2)
            boards[f"redblack#{period}"] = {
                "kind": "redblack",
                "period": period,
                "red": ranked[:k],
                "black": list(reversed(ranked[len(ranked) - k :])) if k else [],
            }

    # Unit totals: every member's points added to each unit on her branch's path.
    sums: dict[str, dict[str, int]] = {u: defaultdict(int) for u in units}
    heads: dict[str, int] = defaultdict(int)
    for p in people:
        for uid in units[p.branch_id].path:
            if uid in sums:
                heads[uid] += 1
                for label, (_, totals) in unit_periods.items():
                    sums[uid][label] += totals.get(p.member_no, 0)
    for uid, u in units.items():
        boards[f"unit#{uid}"] = {
            "kind": "unit",
            "unit": unit_info(u),
            "members": heads[uid],
            **{
                label: {
                    "period": period,
                    "points": sums[uid][label],
                    "average": _average(sums[uid][label], heads[uid]),
                }
                for label, (period, _) in unit_periods.items()
            },
        }
    return boards


def _previous_month(day: date) -> date:
    return day.replace(day=1) - timedelta(days=1)


def compute_boards() -> dict[str, int]:
    """The scheduled job: recompute every board; write the ones that changed."""
    settings = get_settings()
    today = clock.today()
    units, people = load_org()
    # The previous month (and year in January) too: its last minutes came after the last run.
    ranking = [month_key(today), month_key(_previous_month(today)), f"y{today.year}"]
    if today.month == 1:
        ranking.append(f"y{today.year - 1}")
    figures = period_totals(today)
    ranking_periods = {p: figures.get(p, {}) for p in ranking}
    unit_periods = {
        "day": (today.isoformat(), figures.get(f"d{today.isoformat()}", {})),
        "month": (ranking[0], ranking_periods[ranking[0]]),
        "year": (f"y{today.year}", ranking_periods[f"y{today.year}"]),
        "total": ("total", figures.get("total", {})),
    }
    boards = build_boards(
        units, people, ranking_periods, unit_periods, settings.board_top_n, settings.red_black_size
    )
    digests = {
        bid: hashlib.sha256(
            json.dumps(data, sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()[:16]
        for bid, data in boards.items()
    }
    stored: dict[str, str] = {}
    ids = list(boards)
    for i in range(0, len(ids), 100):
        for b in Board.batch_get(ids[i : i + 100], attributes_to_get=["board_id", "digest"]):
            stored[b.board_id] = b.digest
    changed = [bid for bid in ids if stored.get(bid) != digests[bid]]
    now = clock.now()
    with Board.batch_write() as batch:
        for bid in changed:
            batch.save(Board(bid, data=boards[bid], digest=digests[bid], computed_at=now))
    return {"members": len(people), "boards": len(boards), "written": len(changed)}

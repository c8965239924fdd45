"""The ranking job: leaderboards, stars, 红黑榜 and org-unit totals, precomputed.

`compute_boards()` runs every 10 minutes (`schedules.rank_boards`) and writes one item per board,
rewriting a board only when its content changed. Requests read a board with one GetItem; nothing
on a request path scans.

Boards (period = a month "m2026-11" or a year "y2026"):
- `branch#<branch>#<period>`: the branch's members by points, with rank and stars;
- `committee#<committee>#<period>`: the committee's branches by AVERAGE points per member, so a
  large branch does not win by size;
- `org#<period>`: the organisation's top N members (BOARD_TOP_N);
- `redblack#<month>`: 红黑榜, the best and the worst RED_BLACK_SIZE branches of the whole
  organisation by average (`red_black`: ties at a list's end go together or not at all, never
  more than half the branches a list, no branch without points on the 红榜, no branch on the
  黑榜 that did as well as the best or as one on the 红榜 — so none is on both);
- `unit#<unit>`: a unit's totals for today, this month, this year and all time (not a ranking;
  kept even where rankings are switched off).
Periods: this and the previous month (its last minutes came after the last run), this year, and
the last one in January.
A member moved by 组织关系转接 (transfers.py) counts, in the month of the move, on her former
branch for the closed periods before it (`placements`: last month, last year in January) and on
her new branch for the rest, so a closed month's boards do not change when she moves.

Stars by percentile in the peer group (seed 000: the best get 5★): the share of the group with
strictly more points decides — under 10 % ahead 5★, under 30 % 4★, under 70 % 3★, under 90 % 2★,
else 1★. Ties share the better star; a group's best is always 5★; no points at all is 1★.
Ranks are competition ranks (1, 2, 2, 4).

Reads proportional to what changed. A run reads what it needs to know in one Query (its header
and the registry's version, `RankingState` "meta") and the change log since its last run
(`ranking_log`: one item per aggregator batch). Nothing changed: nothing more is read or
written. Some members changed: it reads their registry items and year totals (BatchGet), the
state of each unit holding them (its members and their figures, its boards' digests: one item a
unit) and the organisation's state (one item: every unit's sums per period, the org boards'
candidates, the units, the other boards' digests), recomputes those units' branch boards and,
in memory, the boards above them, and writes the boards whose digest changed and the states.
A full recompute (Scans of the registry and of the year totals — a consistent Scan, so no index
write rides on every aggregator write) happens only when it must: the first run of each day
(Asia/Shanghai: the periods roll over and the day's figures restart, which touches nearly every
board anyway; it is also the daily repair of anything that bypassed the log), a registry import
(its version moved), changed board settings, no or unreadable state, a changed member not where the
state has her (the registry changed without its version), or an org board whose candidates ran out.

Org boards from candidates: the state keeps, per period, the best CANDIDATES_PER_BOARD × N
members, with the invariant that every member outside the list ranks after every member in it.
A changed member entering ahead of the last is inserted (the last beyond the size dropped); one
in the list who falls behind the list's last is dropped (members outside may now pass her). The
list is exact for the top N while it holds at least N (or everyone); else a full recompute.
Figures are recomputed from the whole unit's members each time (never added as deltas), so a run
cut anywhere and run again gives the same boards; the state is written after the boards, and
the header (with the log cursor) last. One run at a time: reserved concurrency 1 in AWS.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from . import clock, ranking_log
from .leaderboards import rank
from .models import Board, Member, OrgUnit, PointTotal, RankingState
from .points import month_key
from .settings import get_settings

FORMAT = 3  # of the state items and their sources (2: year totals in point-years; 3: rows of a
# moved member's closed months on her former branch): a change means a full recompute
CANDIDATES_PER_BOARD = 2
# Items a page of the full recompute's Scans and Queries: the same units as 1 MB pages, but no
# single call long enough to meet the client's read timeout on a busy database.
PAGE = 1_000
# A full run reads the totals with a consistent Scan; the margin covers the aggregator writing a
# total and its log entry a moment apart.
INDEX_LAG_MS = 10_000

Figures = dict[str, int]  # figure key ("m2026-11", "y2026", "d2026-11-03", "total") → points


class NeedsFullRecomputeError(Exception):
    """The incremental path cannot be sure: recompute everything (the reason is the message)."""


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
    active: bool = True
    # 组织关系转接 (transfers.py): the branch she was in before the month `since` ("YYYY-MM");
    # her figures of the closed periods before it stay on that branch's boards.
    prior: str | None = None
    since: str | None = None


# Where a member's figures count: (holder, the figure keys she counts for there; None: all).
Placement = tuple[str, frozenset[str] | None]
MEMBER_FIELDS = ["member_no", "name", "branch_id", "active", "prior_branch_id", "branch_since"]


def person(m: Member) -> Person:
    return Person(
        m.member_no, m.name, m.branch_id, bool(m.active), m.prior_branch_id, m.branch_since
    )


def _closed_before(key: str, since: str) -> bool:
    """A ranking period that ended before the month `since` began."""
    return key[1:] < since if key.startswith("m") else key[1:] < since[:4]


def placements(p: Person, periods: Periods) -> list[Placement]:
    """Her rows: her branch for everything, or — in the month after a transfer — her former
    branch for the closed periods before the move and her branch for the rest (a member who
    transferred out keeps only the former)."""
    past = frozenset(
        k for k in periods.ranking if p.prior and p.since and _closed_before(k, p.since)
    )
    if not past:
        return [(p.branch_id, None)] if p.active else []
    out: list[Placement] = [(p.prior or "", past)]
    if p.active:
        out.append((p.branch_id, frozenset(periods.keys - past)))
    return out


def row_for(p: Person, figs: Figures, keys: frozenset[str] | None) -> list[Any]:
    """The state's row of a placement: [no, name, figures] (+ the keys, when restricted)."""
    if keys is None:
        return [p.member_no, p.name, figs]
    return [p.member_no, p.name, {k: v for k, v in figs.items() if k in keys}, sorted(keys)]


def counts_for(row: list[Any], key: str) -> bool:
    return len(row) < 4 or key in row[3]


@dataclass(frozen=True)
class Periods:
    """What a day's boards show. `ranking`: the ranking periods; `units`: a unit board's label →
    (the period shown, the figure key)."""

    today: date
    ranking: tuple[str, ...]
    units: dict[str, tuple[str, str]]
    years: tuple[int, ...]

    @property
    def keys(self) -> set[str]:
        return set(self.ranking) | {key for _, key in self.units.values()}


def periods_for(today: date) -> Periods:
    last = _previous_month(today)
    ranking = [month_key(today), month_key(last), f"y{today.year}"]
    if today.month == 1:
        ranking.append(f"y{today.year - 1}")
    day = today.isoformat()
    return Periods(
        today=today,
        ranking=tuple(ranking),
        units={
            "day": (day, f"d{day}"),
            "month": (ranking[0], ranking[0]),
            "year": (f"y{today.year}", f"y{today.year}"),
            "total": ("total", "total"),
        },
        years=tuple(sorted({today.year, last.year})),
    )


def load_org() -> tuple[dict[str, Unit], list[Person]]:
    """The registry, read whole by the job (a Scan is fine off the request path)."""
    units = {
        u.unit_id: Unit(u.unit_id, u.name, u.kind, tuple(u.path), int(u.sort_order or 0))
        for u in OrgUnit.scan(page_size=PAGE)
    }
    people = [
        person(m)
        for m in Member.scan(attributes_to_get=MEMBER_FIELDS, page_size=PAGE)
        if (m.active and m.branch_id in units) or (m.prior_branch_id in units)
    ]
    return units, people


def member_figures(items: list[PointTotal], periods: Periods) -> Figures:
    """A member's figures for the periods shown, from her year items (this year's, and last
    year's in January); zeros left out."""
    out: Figures = {}
    day = periods.today.isoformat()
    for t in sorted(items, key=lambda t: t.period):
        year = t.period[1:]
        out[f"y{year}"] = int(t.points or 0)
        for month, pts in (t.months or {}).items():
            out[f"m{year}-{month}"] = int(pts)
        applied = (t.recent or {}).get(day)
        if applied:
            out[f"d{day}"] = sum(applied["s"].values())
        # All time: the latest year's item carries every earlier year.
        out["total"] = int(t.carried or 0) + int(t.points or 0)
    keys = periods.keys
    return {k: v for k, v in out.items() if k in keys and v}


def _previous_month(day: date) -> date:
    return day.replace(day=1) - timedelta(days=1)


def _average(total: int, members: int) -> float:
    return round(total / members, 2) if members else 0.0


def _digest(board: dict[str, Any]) -> str:
    return hashlib.sha256(
        json.dumps(board, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()[:16]


def _unit_info(u: Unit) -> dict[str, Any]:
    return {"id": u.unit_id, "name": u.name, "kind": u.kind}


# A unit's members as the state keeps them: [member_no, name, figures], by member number.
Row = list[Any]


def branch_boards(unit: Unit, members: list[Row], periods: Periods) -> dict[str, dict[str, Any]]:
    """A branch's own boards, one per ranking period."""
    boards = {}
    for period in periods.ranking:
        entries = rank(
            [
                {"id": row[0], "name": row[1], "points": row[2].get(period, 0)}
                for row in members
                if counts_for(row, period)
            ]
        )
        total = sum(e["points"] for e in entries)
        boards[f"branch#{unit.unit_id}#{period}"] = {
            "kind": "branch",
            "period": period,
            "unit": _unit_info(unit),
            "total": total,
            "members": len(entries),
            "average": _average(total, len(entries)),
            "entries": entries,
        }
    return boards


def holder_sums(members: list[Row], periods: Periods) -> dict[str, Any]:
    """What the boards above a unit need of its members: how many, and their sums per key."""
    sums: dict[str, int] = defaultdict(int)
    extra: dict[str, int] = defaultdict(int)  # members counted only for some keys
    for row in members:
        for key, pts in row[2].items():
            sums[key] += pts
        for key in row[3] if len(row) > 3 else ():
            extra[key] += 1
    out: dict[str, Any] = {
        "n": sum(1 for row in members if len(row) < 4),
        "s": {k: v for k, v in sums.items() if k in periods.keys},
    }
    if extra:
        out["x"] = dict(extra)
    return out


def _heads(h: dict[str, Any], key: str) -> int:
    """The members a unit's figure of this key is over."""
    return int(h["n"]) + int(h.get("x", {}).get(key, 0))


def upper_boards(
    units: dict[str, Unit],
    holders: dict[str, dict[str, Any]],
    candidates: dict[str, list[Row]],
    people: int,
    periods: Periods,
    top_n: int,
    red_black_size: int,
) -> dict[str, dict[str, Any]]:
    """Every board but the branch boards, from the units' sums and the org candidates (pure).

    `holders`: unit → {"n": members, "s": {figure key: sum}} for each unit holding members;
    `candidates`: period → [member_no, points, name, unit] (at least the top N, or everyone)."""
    boards: dict[str, dict[str, Any]] = {}
    branches = [u for u in units.values() if u.kind == "branch"]
    committees = [u for u in units.values() if u.kind == "committee"]
    for period in periods.ranking:
        branch_rows = []
        for b in branches:
            h = holders.get(b.unit_id)
            if h and _heads(h, period):
                total = h["s"].get(period, 0)
                branch_rows.append(
                    {
                        "id": b.unit_id,
                        "name": b.name,
                        "path": b.path,
                        "points": _average(total, _heads(h, period)),
                        "total": total,
                        "members": _heads(h, period),
                    }
                )
        for c in committees:
            rows = [_public(r) for r in branch_rows if c.unit_id in r["path"]]
            boards[f"committee#{c.unit_id}#{period}"] = {
                "kind": "committee",
                "period": period,
                "unit": _unit_info(c),
                "entries": rank(rows),
            }
        best = rank(
            [
                {"id": no, "name": name, "branch": units[unit].name, "points": pts}
                for no, pts, name, unit in candidates.get(period, [])
            ],
            size=people,
        )
        boards[f"org#{period}"] = {
            "kind": "org",
            "period": period,
            "members": people,
            "entries": best[:top_n],
        }
        if period.startswith("m"):
            red, black = red_black(rank([_public(r) for r in branch_rows]), red_black_size)
            boards[f"redblack#{period}"] = {
                "kind": "redblack",
                "period": period,
                "red": red,
                "black": black,
            }

    # Unit totals: every member's points added to each unit on her branch's path.
    sums: dict[str, dict[str, int]] = {u: defaultdict(int) for u in units}
    heads: dict[str, int] = defaultdict(int)
    for holder, h in holders.items():
        for uid in units[holder].path:
            if uid in sums:
                heads[uid] += h["n"]  # the unit keys are never a moved member's closed ones
                for label, (_, key) in periods.units.items():
                    sums[uid][label] += h["s"].get(key, 0)
    for uid, u in units.items():
        boards[f"unit#{uid}"] = {
            "kind": "unit",
            "unit": _unit_info(u),
            "members": heads[uid],
            **{
                label: {
                    "period": period,
                    "points": sums[uid][label],
                    "average": _average(sums[uid][label], heads[uid]),
                }
                for label, (period, _) in periods.units.items()
            },
        }
    return boards


def _take_with_ties(rows: list[dict[str, Any]], size: int, cap: int) -> list[dict[str, Any]]:
    """The first `size` rows, with every row tied with the last one taken (a tie is never cut
    in two); a tie group that would pass `cap` rows is left out whole."""
    taken: list[dict[str, Any]] = []
    for row in rows:
        if len(taken) >= size and row["points"] != taken[-1]["points"]:
            break
        taken.append(row)
    while len(taken) > cap:
        last = taken[-1]["points"]
        taken = [t for t in taken if t["points"] != last]
    return taken


def red_black(ranked: list[dict[str, Any]], size: int) -> tuple[list[dict], list[dict]]:
    """红榜 and 黑榜 from the branches ranked best first (competition ranks kept, so ties show
    the same rank). 红榜: branches with points, best first. 黑榜: the worst first, only branches
    that did worse than the best branch and than every branch on the 红榜. Each list holds at
    most `size` branches plus any tied with its last, and never more than half the branches."""
    cap = len(ranked) // 2
    red = _take_with_ties([r for r in ranked if r["points"] > 0], size, cap)
    ceiling = min((r["points"] for r in red), default=ranked[0]["points"] if ranked else 0)
    worst_first = sorted(
        (r for r in ranked if r["points"] < ceiling), key=lambda r: (r["points"], r["id"])
    )
    black = _take_with_ties(worst_first, size, cap)
    return red, black


def _public(row: dict[str, Any]) -> dict[str, Any]:
    """A branch row without its path (used for grouping, not shown)."""
    return {k: v for k, v in row.items() if k != "path"}


def _sort_key(candidate: Row) -> tuple[int, str]:
    return (-candidate[1], candidate[0])


def best_candidates(rows: list[Row], size: int) -> list[Row]:
    return sorted(rows, key=_sort_key)[:size]


def update_candidates(cands: list[Row], row: Row, size: int, complete: bool) -> list[Row]:
    """`row` ([member_no, points, name, unit]) changed: keep the invariant that everyone outside
    the list ranks after everyone in it (see the module docstring)."""
    last = _sort_key(cands[-1]) if cands else None
    others = [c for c in cands if c[0] != row[0]]
    was_in = len(others) < len(cands)
    if complete or (was_in and last is not None and _sort_key(row) <= last):
        return sorted([*others, row], key=_sort_key)
    if was_in:
        return others  # fell behind the list's last: someone outside may now be ahead of her
    if last is not None and _sort_key(row) < last:
        return sorted([*others, row], key=_sort_key)[:size]
    return cands


@dataclass
class OrgState:
    units: dict[str, Unit]
    holders: dict[str, dict[str, Any]]  # unit → {"n", "s"}
    candidates: dict[str, list[Row]]
    people: int
    digests: dict[str, str]  # every board but those of a holder's own
    boards: int  # how many boards there are in all

    def dump(self) -> dict[str, Any]:
        return {
            "f": FORMAT,
            "units": {
                uid: [u.name, u.kind, list(u.path), u.sort_order] for uid, u in self.units.items()
            },
            "holders": self.holders,
            "cands": self.candidates,
            "people": self.people,
            "digests": self.digests,
            "boards": self.boards,
        }

    @classmethod
    def load(cls, data: dict[str, Any]) -> OrgState:
        if data.get("f") != FORMAT:
            raise NeedsFullRecomputeError("state format")
        return cls(
            units={
                uid: Unit(uid, name, kind, tuple(path), order)
                for uid, (name, kind, path, order) in data["units"].items()
            },
            holders=data["holders"],
            candidates=data["cands"],
            people=data["people"],
            digests=data["digests"],
            boards=data["boards"],
        )


@dataclass
class Run:
    """What one run writes: boards (id → content, digest) and state items (key → data)."""

    boards: dict[str, tuple[dict[str, Any], str]] = field(default_factory=dict)
    states: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    def board(self, bid: str, data: dict[str, Any], stored: str | None) -> str:
        digest = _digest(data)
        if digest != stored:
            self.boards[bid] = (data, digest)
        return digest


def _pack(data: dict[str, Any]) -> bytes:
    raw = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return zlib.compress(raw.encode(), 6)


def _unpack(item: RankingState | None) -> dict[str, Any] | None:
    if item is None or item.data is None:
        return None
    return json.loads(zlib.decompress(item.data))


def _holder_key(unit_id: str) -> tuple[str, str]:
    return (f"holder#{unit_id}", "state")


def _read_states(keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    out = {}
    for i in range(0, len(keys), 100):
        for item in RankingState.batch_get(keys[i : i + 100], consistent_read=True):
            data = _unpack(item)
            if data is not None:
                out[(item.scope, item.key)] = data
    return out


def _settings_key() -> list[int]:
    s = get_settings()
    return [FORMAT, s.board_top_n, s.red_black_size]


def _full(periods: Periods, run: Run, old: OrgState | None) -> OrgState:
    """Recompute every board from the registry and every year total."""
    settings = get_settings()
    units, people = load_org()
    items: dict[str, list[PointTotal]] = defaultdict(list)
    # Every year: a member with no points this year still counts in all-time totals (her latest
    # year's item carries her whole past). A Scan off the request path, once a day or so.
    for t in PointTotal.scan(consistent_read=True, page_size=PAGE):
        items[t.member_no].append(t)
    by_holder: dict[str, list[Row]] = defaultdict(list)
    everyone: dict[str, list[Row]] = {period: [] for period in periods.ranking}
    for p in people:
        figs = member_figures(items.get(p.member_no, []), periods)
        for holder, keys in placements(p, periods):
            if holder not in units:
                continue
            by_holder[holder].append(row_for(p, figs, keys))
            for period in periods.ranking:
                if keys is None or period in keys:
                    everyone[period].append([p.member_no, figs.get(period, 0), p.name, holder])
    active = sum(1 for p in people if p.active and p.branch_id in units)
    size = CANDIDATES_PER_BOARD * settings.board_top_n
    candidates = {period: best_candidates(rows, size) for period, rows in everyone.items()}
    holders = {h: holder_sums(ms, periods) for h, ms in by_holder.items()}
    boards = upper_boards(
        units,
        holders,
        candidates,
        active,
        periods,
        settings.board_top_n,
        settings.red_black_size,
    )
    own: dict[str, dict[str, dict[str, Any]]] = {}
    for u in units.values():
        if u.kind == "branch":
            mine = branch_boards(u, by_holder.get(u.unit_id, []), periods)
            if u.unit_id in by_holder:
                own[u.unit_id] = mine
            else:
                boards.update(mine)

    # The digests the boards have now: from the states if there are any, else the boards.
    old_holders = _read_states([_holder_key(h) for h in by_holder]) if old else {}
    stored: dict[str, str] = dict(old.digests) if old else {}
    for data in old_holders.values():
        stored.update(data.get("d", {}))
    if old is None:
        every = list(boards) + [bid for mine in own.values() for bid in mine]
        for i in range(0, len(every), 100):
            for b in Board.batch_get(every[i : i + 100], attributes_to_get=["board_id", "digest"]):
                stored[b.board_id] = b.digest
    digests = {bid: run.board(bid, data, stored.get(bid)) for bid, data in boards.items()}
    for h, members in by_holder.items():
        state = {
            "m": sorted(members),
            "d": {
                bid: run.board(bid, data, stored.get(bid)) for bid, data in own.get(h, {}).items()
            },
        }
        if old_holders.get(_holder_key(h)) != state:
            run.states[_holder_key(h)] = state
    boards_count = len(boards) + sum(len(mine) for mine in own.values())
    return OrgState(units, holders, candidates, active, digests, boards_count)


def _incremental(periods: Periods, run: Run, org: OrgState, changed: set[str]) -> OrgState:
    """Recompute the units of the changed members and, in memory, the boards above them."""
    settings = get_settings()
    registry = {
        m.member_no: person(m) for m in Member.batch_get(changed, attributes_to_get=MEMBER_FIELDS)
    }
    items: dict[str, list[PointTotal]] = defaultdict(list)
    keys = [(no, f"y{year}") for no in changed for year in periods.years]
    for i in range(0, len(keys), 100):  # consistent: the log entry came after the total
        for t in PointTotal.batch_get(keys[i : i + 100], consistent_read=True):
            items[t.member_no].append(t)
    placed = {
        no: [(h, keys) for h, keys in placements(p, periods) if h in org.units]
        for no, p in registry.items()
    }
    placed = {no: where for no, where in placed.items() if where}
    for h in {h for where in placed.values() for h, _ in where}:
        if h not in org.holders:
            raise NeedsFullRecomputeError(f"unit {h} has members the state does not know")
    # Deactivated (or moved out of the known units) without a registry version: caught if the
    # state still lists her.
    gone = {
        no: m.branch_id
        for no, m in registry.items()
        if no not in placed and m.branch_id in org.holders
    }
    touched = {h for where in placed.values() for h, _ in where}
    states = _read_states([_holder_key(h) for h in sorted(touched | set(gone.values()))])
    for no, h in gone.items():
        if any(row[0] == no for row in (states.get(_holder_key(h)) or {}).get("m", [])):
            raise NeedsFullRecomputeError(f"member {no} left the registry's units")
    size = CANDIDATES_PER_BOARD * settings.board_top_n
    candidates = {p: list(org.candidates.get(p, [])) for p in periods.ranking}
    holders = dict(org.holders)
    for h in sorted(touched):
        state = states.get(_holder_key(h))
        if state is None:
            raise NeedsFullRecomputeError(f"no state for unit {h}")
        members = {row[0]: row for row in state["m"]}
        for no in sorted(placed):
            for keys in [keys for where, keys in placed[no] if where == h]:
                p = registry[no]
                if no not in members or members[no][1] != p.name:
                    raise NeedsFullRecomputeError(f"member {no} is not where the state has her")
                figs = member_figures(items.get(no, []), periods)
                members[no] = row_for(p, figs, keys)
                for period in periods.ranking:
                    if keys is not None and period not in keys:
                        continue
                    row = [no, figs.get(period, 0), p.name, h]
                    candidates[period] = update_candidates(
                        candidates[period],
                        row,
                        size,
                        complete=len(candidates[period]) >= org.people,
                    )
        rows = sorted(members.values())
        holders[h] = holder_sums(rows, periods)
        own = branch_boards(org.units[h], rows, periods) if org.units[h].kind == "branch" else {}
        new = {
            "m": rows,
            "d": {bid: run.board(bid, data, state["d"].get(bid)) for bid, data in own.items()},
        }
        if new != state:
            run.states[_holder_key(h)] = new
    for period, cands in candidates.items():
        if len(cands) < min(settings.board_top_n, org.people):
            raise NeedsFullRecomputeError(f"the candidates of org#{period} ran out")
    boards = upper_boards(
        org.units,
        holders,
        candidates,
        org.people,
        periods,
        settings.board_top_n,
        settings.red_black_size,
    )
    digests = {bid: run.board(bid, data, org.digests.get(bid)) for bid, data in boards.items()}
    for bid, digest in org.digests.items():
        digests.setdefault(bid, digest)  # the boards of units without members
    return OrgState(org.units, holders, candidates, org.people, digests, org.boards)


def _header() -> tuple[dict[str, Any] | None, int]:
    """The job's header and the registry's version: one consistent Query."""
    header, version = None, 0
    for item in RankingState.query("meta", consistent_read=True):
        if item.key == "job":
            header = _unpack(item)
        elif item.key == "registry":
            version = int(item.version or 0)
    return header, version


def _full_reason(header: dict[str, Any] | None, periods: Periods, version: int) -> str | None:
    if header is None:
        return "first run"
    if header.get("day") != periods.today.isoformat():
        return "a new day"
    if header.get("registry") != version:
        return "registry changed"
    if header.get("settings") != _settings_key():
        return "settings changed"
    return None


def _get(key: tuple[str, str]) -> RankingState | None:
    try:
        return RankingState.get(*key, consistent_read=True)
    except RankingState.DoesNotExist:
        return None


def _load_org() -> tuple[OrgState | None, bytes | None]:
    item = _get(("org", "state"))
    try:
        data = _unpack(item)
        return (OrgState.load(data) if data else None), (item.data if item else None)
    except (NeedsFullRecomputeError, KeyError, TypeError, ValueError, zlib.error):
        return None, None


def _write(run: Run, org: OrgState, old_org: bytes | None, header: dict[str, Any]) -> None:
    """Boards first, then the units' states, the org's, and the header (with the cursor) last:
    a run cut anywhere leaves states that never claim a board not written."""
    now = clock.now()
    with Board.batch_write() as batch:
        for bid, (data, digest) in sorted(run.boards.items()):
            batch.save(Board(bid, data=data, digest=digest, computed_at=now))
    with RankingState.batch_write() as batch:
        for (scope, key), data in sorted(run.states.items()):
            batch.save(RankingState(scope, key, data=_pack(data)))
    packed = _pack(org.dump())
    if packed != old_org:
        RankingState("org", "state", data=packed).save()
    RankingState("meta", "job", data=_pack(header)).save()


def compute_boards() -> dict[str, Any]:
    """The scheduled job: recompute what changed since the last run; write the boards whose
    content changed."""
    periods = periods_for(clock.today())
    now_ms = int(clock.now() * 1000)
    header, version = _header()
    reason = _full_reason(header, periods, version)
    changed: set[str] = set()
    entries: dict[str, set[str]] = {}
    if reason is None:
        assert header is not None
        seen = set(header.get("seen", []))
        entries = {
            k: v
            for k, v in ranking_log.entries_since(int(header["cursor"]), now_ms).items()
            if k not in seen
        }
        changed = set().union(*entries.values())
        if not changed:  # nothing since the last run: no further read, no write
            return {
                "mode": "idle",
                "members": header["people"],
                "boards": header["boards"],
                "written": 0,
            }
    org, old_org = _load_org()
    if org is None:
        reason = reason or "no state"
    run = Run()
    if reason is None:
        assert org is not None
        try:
            org = _incremental(periods, run, org, changed)
        except NeedsFullRecomputeError as exc:
            reason, run = str(exc), Run()
    cursor = now_ms - ranking_log.OVERLAP_MS
    if reason is not None:
        # A full run applies the log entries older than the index's lag (it reads the totals
        # through an index updated a moment after them); the next run applies the rest.
        settled = f"{now_ms - INDEX_LAG_MS:013d}"
        entries = {
            k: v for k, v in ranking_log.entries_since(cursor, now_ms).items() if k < settled
        }
        header = {}
        org = _full(periods, run, org)
    assert org is not None
    seen = sorted(k for k in {*(header or {}).get("seen", []), *entries} if k > f"{cursor:013d}")
    header = {
        "day": periods.today.isoformat(),
        "cursor": cursor,
        "seen": seen,
        "registry": version,
        "settings": _settings_key(),
        "people": org.people,
        "boards": org.boards,
    }
    _write(run, org, old_org, header)
    return {
        "mode": "full" if reason else "changes",
        "reason": reason,
        "changed_members": len(changed),
        "members": org.people,
        "boards": org.boards,
        "written": len(run.boards),
    }

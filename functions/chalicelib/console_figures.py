"""The 党务工作台's figures, computed from plain rows (no database here: `console_job` reads the
tables and writes what this returns; the tests feed it rows directly).

Who counts: the registry's ACTIVE members, each in her CURRENT branch and every unit above it
(a member who moved brings her points with her; one who left counts nowhere). Figures of a
period come from the members' year items (`PointTotal`, kept by the points aggregator):

- points: the sum of her ledger lines dated in the period (reversals and deductions included);
- reads / constitution_reads / comments / votes: the number of her ledger lines of the rule
  (`article_read`, `constitution_read`, `comment`, `vote`) in the period, a reversal counting
  -1. A line is what was CREDITED: a read beyond the daily cap earns nothing and writes no line,
  so it is not counted (see README);
- readers / quiz_participants: members with at least one such line (quiz: 每日答题、挑战答题、
  在线考试) in the period; active: members with a positive line on some day of the period;
- points_avg: points / members; points_bands: members by their points in the period.

Figures of "now" (the same whatever the period): members / full / probationary (the registry),
active_week / active_month (this ISO week, this month), constitution_progress (installments
credited per member, all years), quiz_avg_score (the mean of members' best score in each exam,
all exams so far, QuizScore), data_quality (members with a problem of `data_quality` and
branches without a secretary), pending meetings_overdue (required meetings past due this month,
the monthly check's rows) and dues_unpaid (members whose dues of this month are unpaid).
"""

from __future__ import annotations

import functools
import hashlib
import json
import zlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from . import console_periods, data_quality, member_structure
from .points_rules import RULES

# Every figure and its label, in the order tables show them.
LABELS: dict[str, str] = {
    "members": "党员人数",
    "full": "正式党员",
    "probationary": "预备党员",
    "active_week": "本周活跃人数",
    "active_month": "本月活跃人数",
    "active": "期间活跃人数",
    "reads": "阅读篇次",
    "readers": "阅读人数",
    "constitution_reads": "党章学习篇次",
    "constitution_progress": "党章人均已学篇数",
    "quiz_participants": "答题人数",
    "quiz_avg_score": "考试平均分",
    "points": "积分",
    "points_avg": "人均积分",
    "comments": "评论数",
    "votes": "投票数",
    "data_quality": "数据问题",
}
PENDING_LABELS = {
    "reviews": "待审核",
    "held_comments": "待处理评论",
    "meetings_overdue": "逾期未开会议",
    "dues_unpaid": "本月未交党费人数",
}
MEMBER_LABELS = {
    "member_no": "党员编号",
    "name": "姓名",
    "status": "党员类别",
    "points": "积分",
    "reads": "阅读篇次",
    "constitution": "党章学习篇次",
    "quiz": "答题次数",
    "active_days": "活跃天数",
}
STATUS_LABELS = member_structure.STATUS
# The period figures, in the order of the stored lists.
PERIOD_FIELDS = (
    "active",
    "reads",
    "readers",
    "constitution_reads",
    "quiz_participants",
    "points",
    "comments",
    "votes",
)
NOW_FIELDS = (
    "members",
    "full",
    "probationary",
    "active_week",
    "active_month",
    "constitution_progress",
    "quiz_avg_score",
    "data_quality",
)
BANDS: tuple[tuple[str, int | None], ...] = (
    ("0及以下", 0),
    ("1–19", 19),
    ("20–49", 49),
    ("50–99", 99),
    ("100–199", 199),
    ("200及以上", None),
)
QUIZ_RULES = tuple(k for k, r in RULES.items() if r.activity == "quiz")
QUALITY_CAP = 500  # problems kept per unit (the count is exact)
# A member's vector in a period: points, reads, constitution, quiz lines, comments, votes, days.
P, R, C, Q, M, V, A = range(7)
KIND_OF_VIEW = console_periods.KINDS


def _band(points: int) -> int:
    for i, (_, top) in enumerate(BANDS):
        if top is None or points <= top:
            return i
    return len(BANDS) - 1


@dataclass
class Inputs:
    today: date
    years: Sequence[int]  # the years to compute (this and last)
    units: Sequence[Any]  # unit_id, name, kind, parent_id, path, sort_order
    members: Sequence[Any]  # the registry's members (inactive ones are left out)
    totals: dict[str, list[dict[str, Any]]]  # member_no → her year items as dicts
    exam_scores: dict[str, list[int]] = field(default_factory=dict)  # member_no → best scores
    dues_unpaid: dict[str, int] = field(default_factory=dict)  # branch_id → members unpaid
    meetings_overdue: dict[str, int] = field(default_factory=dict)  # unit_id → overdue kinds


def _vec() -> list[int]:
    return [0] * 7


@functools.lru_cache(maxsize=4096)
def _week_of(year: int, month: int, day: int) -> str:
    y, w, _ = date(year, month, day).isocalendar()
    return f"{y}-W{w:02d}"


def _month_keys(year: int, mm: str) -> tuple[str, str, str]:
    return (f"{year}-{mm}", f"{year}-Q{(int(mm) - 1) // 3 + 1}", str(year))


def _vector(c: dict[str, Any]) -> tuple[int, int, int, int, int]:
    """Reads, constitution, quiz lines, comments, votes from a counts map."""
    get = c.get
    return (
        int(get("article_read", 0)),
        int(get("constitution_read", 0)),
        sum(int(get(r, 0)) for r in QUIZ_RULES),
        int(get("comment", 0)),
        int(get("vote", 0)),
    )


def member_periods(items: Iterable[dict[str, Any]], years: Iterable[int]) -> dict[str, list[int]]:
    """Period key → the member's vector, for every period of `years` in which she has lines
    (a week belongs to its ISO year: a day of 29 December may count in the next year's W01)."""
    wanted = {str(y) for y in years}
    out: dict[str, list[int]] = {}

    def add(key: str, vec: tuple[int, ...]) -> None:
        t = out.get(key)
        if t is None:
            out[key] = list(vec)
        else:  # unrolled: this runs a few hundred times per member
            t[0] += vec[0]
            t[1] += vec[1]
            t[2] += vec[2]
            t[3] += vec[3]
            t[4] += vec[4]
            t[5] += vec[5]
            t[6] += vec[6]

    for item in items:
        y = int(str(item["period"])[1:])
        days_of = item.get("days") or {}
        for mm, days in days_of.items():
            m = int(mm)
            for d in days:
                wk = _week_of(y, m, int(d))
                if wk[:4] in wanted:
                    if wk in out:
                        out[wk][6] += 1
                    else:
                        out[wk] = [0, 0, 0, 0, 0, 0, 1]
        if str(y) in wanted:
            months = item.get("months") or {}
            counts = item.get("counts") or {}
            for mm in set(months) | set(counts) | set(days_of):
                vec = (
                    int(months.get(mm, 0)),
                    *_vector(counts.get(mm) or {}),
                    len(days_of.get(mm) or ()),
                )
                for key in _month_keys(y, mm):
                    add(key, vec)
        for wk, v in (item.get("weeks") or {}).items():
            if wk[:4] in wanted:
                add(wk, (int(v.get("p", 0)), *_vector(v.get("c") or {}), 0))
    return {k: v for k, v in out.items() if any(v)}


def _kind_of(key: str) -> str:
    if "-W" in key:
        return "week"
    if "-Q" in key:
        return "quarter"
    return "month" if "-" in key else "year"


def _all_time_constitution(items: Iterable[dict[str, Any]]) -> int:
    per = RULES["constitution_read"].points or 1
    return sum(int((i.get("rules") or {}).get("constitution_read", 0)) for i in items) // per


DIGEST_UNIT = "#digests"  # the job's own items: its digests and its last run


def pack(data: Any) -> bytes:
    return zlib.compress(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode(), 6)


def unpack(blob: bytes) -> Any:
    return json.loads(zlib.decompress(blob))


def digest(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


class _Acc:
    """A unit's sums for one period: the stored period fields and the points bands."""

    __slots__ = ("bands", "sums")

    def __init__(self) -> None:
        self.sums = [0] * len(PERIOD_FIELDS)
        self.bands = [0] * len(BANDS)

    def add_member(self, vec: list[int]) -> None:
        s = self.sums
        s[0] += vec[A] > 0
        s[1] += vec[R]
        s[2] += vec[R] > 0
        s[3] += vec[C]
        s[4] += vec[Q] > 0
        s[5] += vec[P]
        s[6] += vec[M]
        s[7] += vec[V]
        if vec[P] > 0:
            self.bands[_band(vec[P])] += 1

    def add(self, other: _Acc) -> None:
        for i, v in enumerate(other.sums):
            self.sums[i] += v
        for i, v in enumerate(other.bands):
            self.bands[i] += v


def _ordered_children(units: Sequence[Any]) -> dict[str | None, list[Any]]:
    children: dict[str | None, list[Any]] = defaultdict(list)
    for u in units:
        children[u.parent_id].append(u)
    for kids in children.values():
        kids.sort(key=lambda u: (int(u.sort_order or 0), u.unit_id))
    return children


def _avg(total: float, n: int) -> float:
    return round(total / n, 1) if n else 0.0


def compute(inputs: Inputs) -> dict[tuple[str, str], Any]:
    """Every item the job writes: (unit_id, view) → data (see models/console.py)."""
    today = inputs.today
    units = {u.unit_id: u for u in inputs.units}
    children = _ordered_children(inputs.units)
    members = sorted(
        (m for m in inputs.members if m.active and m.branch_id in units),
        key=lambda m: m.member_no,
    )
    # Where each member counts: her branch and every unit above it.
    chain = {u.unit_id: list(u.path) for u in inputs.units}
    by_branch: dict[str, list[Any]] = defaultdict(list)
    for m in members:
        by_branch[m.branch_id].append(m)

    # --- now: registry counts, structure, exam scores, constitution progress
    count: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0, 0, 0, 0, 0])
    # members, full, probationary, constitution installments, exam score sum, exam scores n,
    # data-quality problems
    structure: dict[str, list[dict[str, str]]] = defaultdict(list)
    vectors: dict[str, dict[str, list[int]]] = {}
    # A branch's member rows, per (year, kind) of the items they go in.
    member_rows: dict[str, dict[tuple[str, str], dict[str, list[int]]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for m in members:
        items = inputs.totals.get(m.member_no, [])
        vectors[m.member_no] = per = member_periods(items, inputs.years)
        rows = member_rows[m.member_no]
        for k, v in per.items():
            rows[(k[:4], _kind_of(k))][k] = [v[P], v[R], v[C], v[Q], v[A]]
        bands = member_structure.bands_of(m, today)
        scores = inputs.exam_scores.get(m.member_no, [])
        const = _all_time_constitution(items)
        for uid in chain[m.branch_id]:
            c = count[uid]
            c[0] += 1
            c[1] += m.status == "full"
            c[2] += m.status == "probationary"
            c[3] += const
            c[4] += sum(scores)
            c[5] += len(scores)
            structure[uid].append(bands)

    # --- data quality: the one definition (chalicelib.data_quality)
    report = data_quality.build_report(list(units.values()), members, today)
    problems: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for b in report.branches:
        if b.unit_id not in units:
            continue
        rows = []
        if not b.has_secretary:
            rows.append(
                {
                    "member_no": None,
                    "name": b.name,
                    "branch": b.name,
                    "field": "支部书记",
                    "problem": "无支部书记",
                }
            )
        for key, label in data_quality.ISSUES.items():
            if key == "inactive":
                continue
            for m in b.issues[key]:
                rows.append(
                    {
                        "member_no": m.member_no,
                        "name": m.name,
                        "branch": b.name,
                        "field": QUALITY_FIELDS.get(key, label),
                        "problem": label,
                    }
                )
        for uid in chain[b.unit_id]:
            problems[uid].extend(rows)

    def dq_count(uid: str) -> int:
        rows = problems.get(uid, [])
        return len({r["member_no"] for r in rows if r["member_no"]}) + sum(
            1 for r in rows if r["member_no"] is None
        )

    # --- pending counted by the job, over the subtree
    overdue: dict[str, int] = defaultdict(int)
    unpaid: dict[str, int] = defaultdict(int)
    for uid, n in inputs.meetings_overdue.items():
        for a in chain.get(uid, ()):
            overdue[a] += n
    for bid, n in inputs.dues_unpaid.items():
        for a in chain.get(bid, ()):
            unpaid[a] += n

    # --- periods: member → branch → every unit above
    acc: dict[str, dict[str, _Acc]] = defaultdict(lambda: defaultdict(_Acc))
    for m in members:
        branch_acc = acc[m.branch_id]
        for key, vec in vectors[m.member_no].items():
            branch_acc[key].add_member(vec)
    for uid in sorted(units, key=lambda u: -len(chain[u])):  # deepest first
        parent = units[uid].parent_id
        if parent in units and uid in acc:
            for key, a in acc[uid].items():
                acc[parent][key].add(a)

    week_now = console_periods.containing(today, "week").key
    month_now = console_periods.containing(today, "month").key

    def active_now(uid: str, key: str) -> int:
        a = acc.get(uid, {}).get(key)
        return a.sums[0] if a else 0

    def now_figures(uid: str) -> dict[str, Any]:
        c = count.get(uid) or [0] * 7
        n = int(c[0])
        return {
            "members": n,
            "full": int(c[1]),
            "probationary": int(c[2]),
            "active_week": active_now(uid, week_now),
            "active_month": active_now(uid, month_now),
            "constitution_progress": _avg(c[3], n),
            "quiz_avg_score": round(c[4] / c[5], 1) if c[5] else None,
            "data_quality": dq_count(uid),
        }

    def period_list(uid: str, key: str, n: int) -> list[Any]:
        a = acc.get(uid, {}).get(key)
        sums = a.sums if a else [0] * len(PERIOD_FIELDS)
        bands = list(a.bands) if a else [0] * len(BANDS)
        bands[0] = n - sum(bands[1:])
        return [*sums, bands]

    out: dict[tuple[str, str], Any] = {}
    for uid, u in units.items():
        kids = children.get(uid, [])
        path = chain[uid]
        own_members = by_branch.get(uid, []) if u.kind == "branch" else []
        out[(uid, "now")] = {
            "unit": {"id": uid, "name": u.name, "kind": u.kind},
            "path": [[p, units[p].name] for p in path if p in units],
            "figures": now_figures(uid),
            "pending": {"meetings_overdue": overdue.get(uid, 0), "dues_unpaid": unpaid.get(uid, 0)},
            "structure": member_structure.counts(structure.get(uid, [])),
            "children": [
                {
                    "id": k.unit_id,
                    "name": k.name,
                    "kind": k.kind,
                    "figures": now_figures(k.unit_id),
                    "structure": member_structure.counts(structure.get(k.unit_id, [])),
                }
                for k in kids
            ],
            "roster": [[m.member_no, m.name, m.status] for m in own_members],
        }
        rows = problems.get(uid, [])
        out[(uid, "quality")] = {"total": len(rows), "problems": rows[:QUALITY_CAP]}
        n_own = int((count.get(uid) or [0])[0])
        for year in inputs.years:
            for kind in console_periods.KINDS:
                keys = [p.key for p in console_periods.of_year(year, kind)]
                data: dict[str, Any] = {
                    "fields": [*PERIOD_FIELDS, "points_bands"],
                    "periods": keys,
                    "own": [period_list(uid, k, n_own) for k in keys],
                    "children": {
                        kid.unit_id: [
                            period_list(kid.unit_id, k, int((count.get(kid.unit_id) or [0])[0]))
                            for k in keys
                        ]
                        for kid in kids
                    },
                }
                if u.kind == "branch":
                    data["members"] = {
                        m.member_no: member_rows[m.member_no].get((str(year), kind), {})
                        for m in own_members
                    }
                out[(uid, f"{year}#{kind}")] = data
    return out


QUALITY_FIELDS = {
    "missing_phone": "手机号",
    "shared_phone": "手机号",
    "missing_gender": "性别",
    "missing_joined_on": "入党日期",
    "future_join": "入党日期",
    "overdue_probation": "党员类别",
}


def period_figures(data: dict[str, Any], row: list[Any], members: int) -> dict[str, Any]:
    """A stored period list as named figures (with points_avg)."""
    figures = dict(zip(data["fields"], row, strict=True))
    bands = figures.pop("points_bands")
    figures["points_avg"] = _avg(figures["points"], members)
    figures["points_bands"] = [
        {"label": label, "count": bands[i]} for i, (label, _) in enumerate(BANDS)
    ]
    return figures

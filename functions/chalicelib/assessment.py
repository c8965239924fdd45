"""考核评价's arithmetic, pure: a member's measures from what the platform recorded (ledger lines,
attendance rows, dues months), her score (基准分 + 奉献分), a branch's shares and its score
(百分制), the ranking with 红黑榜 and the 约谈 flags. No database here: the nightly job
(`assessment_job.py`) reads the rows and writes what these functions return, and the tests call
them directly.

Every measure is additive, so a year is the sum of its months: the job keeps each month's
measures and adds them up for the year, and the scores of a period are computed from the
period's measures (each item capped per period)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .assessment_rules import Rules
from .points_rules import RULES
from .ranking import red_black

# Points rules that count as study (学习积分): reading, 党章, quizzes, comments, votes.
STUDY_ACTIVITIES = frozenset({"reading", "quiz", "comment", "vote"})
# Counters kept beside the rules' measures, for the branch's shares.
DUES_EXPECTED = "dues_expected_fen"
DUES_COLLECTED = "dues_collected_fen"


@dataclass(frozen=True)
class Line:
    """One ledger line: its day (YYYY-MM-DD), rule and points."""

    day: str
    rule: str
    amount: int


@dataclass(frozen=True)
class Presence:
    """One attendance row of a locked meeting: present, or absent without leave (neither: on
    approved leave, or a guest)."""

    present: bool
    absent: bool


@dataclass(frozen=True)
class DuesRow:
    month: str  # YYYY-MM
    expected_fen: int | None  # None: 未核定
    paid_fen: int


def member_measures(
    lines: Iterable[Line],
    attendance: Iterable[Presence],
    dues: Iterable[DuesRow],
    current_month: str,
) -> dict[str, float]:
    """What the platform recorded of one member in a period (every value additive)."""
    study = 0
    quiz_days: set[str] = set()
    volunteer = 0
    for line in lines:
        rule = RULES.get(line.rule)
        if rule is None:
            continue
        if rule.activity in STUDY_ACTIVITIES:
            study += line.amount
        if rule.activity == "quiz" and line.amount > 0:
            quiz_days.add(line.day)
        if line.rule == "volunteer_service":
            volunteer += line.amount
    attended = absent = 0
    for row in attendance:
        attended += row.present
        absent += row.absent and not row.present
    paid_months = unpaid_months = expected = collected = 0
    for row in dues:
        if not row.expected_fen:
            continue  # 未核定, or nothing asked: neither paid nor unpaid
        expected += row.expected_fen
        collected += min(row.paid_fen, row.expected_fen)
        if row.paid_fen >= row.expected_fen:
            paid_months += 1
        elif row.month < current_month:
            unpaid_months += 1  # a month still open is not yet unpaid
    return {
        "study_points": study,
        "quiz_days": len(quiz_days),
        "meetings_attended": attended,
        "meetings_absent": absent,
        "volunteer_hours": volunteer / 2,  # volunteer_service gives 2 points an hour
        "dues_paid_months": paid_months,
        "dues_unpaid_months": unpaid_months,
        DUES_EXPECTED: expected,
        DUES_COLLECTED: collected,
    }


def add(total: Mapping[str, float], more: Mapping[str, float]) -> dict[str, float]:
    """Two periods' measures together (a year is the sum of its months)."""
    out = dict(total)
    for key, value in more.items():
        out[key] = out.get(key, 0) + value
    return out


def _round(value: float) -> float:
    return round(value + 0.0, 1)


def member_score(rules: Rules, measures: Mapping[str, float]) -> dict[str, Any]:
    """{score, base, bonus, items: {key: points}}: 基准分 is the base plus its (negative) items,
    kept within 0..base; 奉献分 the bonus items, never below 0; each item capped per period."""
    items: dict[str, float] = {}
    base = float(rules.base)
    bonus = 0.0
    for item in rules.member:
        raw = item.amount * measures.get(item.measure, 0)
        points = _round(max(-item.cap, min(item.cap, raw)))
        items[item.key] = points
        if item.part == "base":
            base += points
        else:
            bonus += points
    base = _round(max(0.0, min(float(rules.base), base)))
    bonus = _round(max(0.0, bonus))
    return {"score": _round(base + bonus), "base": base, "bonus": bonus, "items": items}


def _share(part: float, whole: float) -> float | None:
    return None if whole <= 0 else min(1.0, max(0.0, part / whole))


def branch_shares(
    rules: Rules,
    members: Sequence[Mapping[str, float]],
    scores: Sequence[float],
    org_life: tuple[int, int],
) -> dict[str, float | None]:
    """Each branch measure as a share 0..1 (None: nothing to measure). `members` are the
    branch's members' measures, `scores` their scores, `org_life` (held, required) of the
    period's monthly checks, each kind's held counted up to what was required."""
    n = len(members)
    present = sum(m.get("meetings_attended", 0) for m in members)
    absent = sum(m.get("meetings_absent", 0) for m in members)
    full_at = next((b.full_at for b in rules.branch if b.measure == "member_average"), None)
    average = sum(scores) / n if n else None
    return {
        "org_life_rate": _share(*org_life),
        "dues_rate": _share(
            sum(m.get(DUES_COLLECTED, 0) for m in members),
            sum(m.get(DUES_EXPECTED, 0) for m in members),
        ),
        "study_rate": _share(sum(m.get("study_points", 0) > 0 for m in members), n),
        "attendance_rate": _share(present, present + absent),
        "volunteer_rate": _share(sum(m.get("volunteer_hours", 0) > 0 for m in members), n),
        "member_average": (
            None if average is None or not full_at else min(1.0, max(0.0, average / full_at))
        ),
    }


def branch_score(rules: Rules, shares: Mapping[str, float | None]) -> dict[str, Any]:
    """{score, items: {key: points}}: each item its weight times its share; a share with
    nothing to measure (no dues asked, no meeting required) earns the full weight."""
    items: dict[str, float] = {}
    for item in rules.branch:
        share = shares.get(item.measure)
        items[item.key] = _round(item.weight * (1.0 if share is None else share))
    return {"score": _round(sum(items.values())), "items": items}


def org_life_counts(by_kind_rows: Iterable[Mapping[str, Mapping[str, int]]]) -> tuple[int, int]:
    """(held, required) over a period's month rows (UnitMonth.by_kind): each kind's held
    counted only up to what it required."""
    held = required = 0
    for by_kind in by_kind_rows:
        for figures in by_kind.values():
            need = int(figures.get("required", 0))
            required += need
            held += min(int(figures.get("held", 0)), need)
    return held, required


def rank(rules: Rules, branches: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The branches with at least `min_members` members, best first, with competition ranks
    (equal scores share a rank; the next rank skips): [{id, score, rank}]."""
    ranked = sorted(
        (
            {"id": b["id"], "score": b["score"]}
            for b in branches
            if b["members"] >= rules.min_members
        ),
        key=lambda r: (-r["score"], r["id"]),
    )
    for i, row in enumerate(ranked):
        same = i and row["score"] == ranked[i - 1]["score"]
        row["rank"] = ranked[i - 1]["rank"] if same else i + 1
    return ranked


def red_black_lists(rules: Rules, ranked: Sequence[Mapping[str, Any]]) -> tuple[list, list]:
    """红榜 and 黑榜 by the points boards' rule (ranking.red_black): ties at a list's end go on
    whole or not at all, never more than half the ranked branches a list, nobody on both."""
    rows = [{"id": r["id"], "points": r["score"], "rank": r["rank"]} for r in ranked]
    red, black = red_black(rows, rules.ranking_size)
    return [r["id"] for r in red], [r["id"] for r in black]


def bottom(rules: Rules, ranked: Sequence[Mapping[str, Any]]) -> list[str]:
    """The branches ranked in the last N positions (N = `ranking_size`, at most half the
    ranked branches): seed 004's 「排名在后 N 名」, for 约谈. Unlike the 黑榜 (a display list
    that leaves a tie out whole when it would pass half), a tie reaching into those positions
    counts whole: equal scores cannot be told apart, and leaving them out would let the worst
    branches escape. A tie that includes first place is behind nobody and is never counted."""
    n = min(rules.ranking_size, len(ranked) // 2)
    if n <= 0:
        return []
    size: dict[int, int] = {}
    for row in ranked:
        size[row["rank"]] = size.get(row["rank"], 0) + 1
    first_bottom = len(ranked) - n + 1  # 1-based position
    return [
        r["id"]
        for r in reversed(ranked)
        if r["rank"] != 1 and r["rank"] + size[r["rank"]] - 1 >= first_bottom
    ]


def talks(rules: Rules, bottom_lists: Sequence[Iterable[str]]) -> list[str]:
    """The branches flagged for 约谈: in the bottom positions (`bottom`) in each of the last
    `talk_months` months (`bottom_lists` oldest first, ending with the month in question;
    fewer months: nobody)."""
    if len(bottom_lists) < rules.talk_months:
        return []
    recent = [set(b) for b in bottom_lists[-rules.talk_months :]]
    return sorted(set.intersection(*recent))

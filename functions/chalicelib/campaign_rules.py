"""The rules of a voting campaign, checked in one place for the build (`Vote-*` metadata of a
campaign article, plugins/campaigns), the publisher (tools/publish_campaigns) and the API
(`PUT /api/campaigns/{id}`): the same values get the same verdict everywhere.

Times are "YYYY-MM-DD HH:MM" in Asia/Shanghai, or ISO 8601 (with an offset, or read as Asia/
Shanghai without one), in the years 2000–2100. Counts are whole numbers 1–1000 (as numbers, or
digits in metadata). Each caller names the fields its own way (`Vote-End` in an article,
`ends_at` in JSON), so problems come back under the canonical field and the caller's label.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from . import clock
from .identifiers import is_unit_id

RESULTS = ("after_close", "live")
MAX_COUNT = 1000
MAX_UNITS = 50
FIELDS = (
    "starts_at",
    "ends_at",
    "votes_per_member",
    "per_candidate",
    "daily_quota",
    "units",
    "results",
)
# How the API names them; an article's metadata names them Vote-* (plugins/campaigns).
API_LABELS = {f: f for f in FIELDS}
CONTENT_LABELS = {
    "starts_at": "Vote-Start",
    "ends_at": "Vote-End",
    "votes_per_member": "Vote-Per-Member",
    "per_candidate": "Vote-Per-Candidate",
    "daily_quota": "Vote-Daily",
    "units": "Vote-Units",
    "results": "Vote-Results",
}


@dataclass(frozen=True)
class Rules:
    starts_at: datetime
    ends_at: datetime
    votes_per_member: int
    per_candidate: int
    daily_quota: int | None
    units: tuple[str, ...]
    results: str


@dataclass(frozen=True)
class Problem:
    field: str  # canonical (FIELDS)
    message: str


def parse_time(value: Any) -> datetime | None:
    """An aware datetime, or None when the value is not a time we accept."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and value.strip():
        try:
            parsed = datetime.fromisoformat(value.strip().replace(" ", "T", 1))
        except ValueError:
            return None
    else:
        return None
    if not 2000 <= parsed.year <= 2100:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=clock.TZ)


def _count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value.isascii() or not value.isdigit():
            return None
        value = int(value)
    if isinstance(value, int) and 1 <= value <= MAX_COUNT:
        return value
    return None


def check(values: dict[str, Any], labels: dict[str, str]) -> tuple[Rules | None, list[Problem]]:
    """The rules from `values` (canonical keys; absent or None means the default), or None and
    every problem. Defaults: one vote per member and per candidate, no daily quota, everyone
    may vote, results after voting closes; the start and end have no default."""
    problems: list[Problem] = []

    def bad(field: str, message: str) -> None:
        problems.append(Problem(field, message))

    times = {}
    for field in ("starts_at", "ends_at"):
        raw = values.get(field)
        if raw is None or raw == "":
            bad(field, f"评选活动须写 {labels[field]}（时间，YYYY-MM-DD HH:MM）")
            continue
        parsed = parse_time(raw)
        if parsed is None:
            bad(field, f"{labels[field]}「{raw}」须为 YYYY-MM-DD HH:MM 格式、2000–2100 年的时间")
        else:
            times[field] = parsed
    if len(times) == 2 and times["ends_at"] <= times["starts_at"]:
        bad("ends_at", f"{labels['ends_at']} 须晚于 {labels['starts_at']}")
    counts: dict[str, int | None] = {}
    for field, default in (("votes_per_member", 1), ("per_candidate", 1), ("daily_quota", None)):
        raw = values.get(field)
        if raw is None or raw == "":
            counts[field] = default
            continue
        counts[field] = _count(raw)
        if counts[field] is None:
            bad(field, f"{labels[field]}「{raw}」须为 1–{MAX_COUNT} 的整数")
    per_member, per_candidate, daily = (
        counts.get("votes_per_member"),
        counts.get("per_candidate"),
        counts.get("daily_quota"),
    )
    if per_member and per_candidate and per_candidate > per_member:
        bad("per_candidate", f"{labels['per_candidate']} 不能大于 {labels['votes_per_member']}")
    if per_member and daily and daily > per_member:
        bad("daily_quota", f"{labels['daily_quota']} 不能大于 {labels['votes_per_member']}")
    units = values.get("units") or []
    if (
        not isinstance(units, list | tuple)
        or len(units) > MAX_UNITS
        or not all(is_unit_id(u) for u in units)
    ):
        bad("units", f"{labels['units']} 须为单位编号的列表（最多 {MAX_UNITS} 个）")
        units = []
    elif len(set(units)) != len(units):
        bad("units", f"{labels['units']} 中有重复的单位")
    results = values.get("results")
    results = "after_close" if results is None or results == "" else results
    if results not in RESULTS:
        bad("results", f"{labels['results']}「{results}」须为 after_close 或 live")
    if problems:
        return None, problems
    return Rules(
        starts_at=times["starts_at"],
        ends_at=times["ends_at"],
        votes_per_member=per_member or 1,
        per_candidate=per_candidate or 1,
        daily_quota=daily,
        units=tuple(units),
        results=str(results),
    ), []


def to_json(rules: Rules) -> dict[str, Any]:
    """The one serialised form (campaigns.json, the API's answer): ISO times with offset."""
    return {
        "starts_at": rules.starts_at.isoformat(),
        "ends_at": rules.ends_at.isoformat(),
        "votes_per_member": rules.votes_per_member,
        "per_candidate": rules.per_candidate,
        "daily_quota": rules.daily_quota,
        "units": list(rules.units),
        "results": rules.results,
    }

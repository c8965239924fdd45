"""Voting rules of campaign articles (先进风采 评选, `Template: campaign`) and `campaigns.json`.

Campaign metadata beyond plugins/listings' (`Exemplar: campaign`, `Campaign: <id>`):

    Vote-Start: 2026-10-10 09:00        # Asia/Shanghai; default: the article's Date
    Vote-End: 2026-12-31 18:00          # required: voting closes at this minute
    Vote-Per-Member: 2                  # votes a member has in the campaign (default 1)
    Vote-Per-Candidate: 1               # votes a member may give one candidate (default 1)
    Vote-Daily: 1                       # optional: votes a member may give per day
    Vote-Units: G01, B0301              # optional: only members of these units (units.csv) vote
    Vote-Results: after_close           # or live: counts shown while voting is open

A wrong value stops the build with file, line and field. Every published campaign with its
published candidates goes into `output/campaigns.json`; `tools/publish_campaigns.py` (run by
`tools.publish_catalog`) loads it into the campaigns table, where the vote API reads the rules.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pelican import signals
from pelican.contents import Article

_ROOT = Path(__file__).resolve().parents[2]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from tools.site_content import PROBLEMS, load_units, units_file  # noqa: E402

FILENAME = "campaigns.json"
TZ = ZoneInfo("Asia/Shanghai")
CAMPAIGN_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
RESULTS = ("after_close", "live")


def _time(value: str) -> datetime | None:
    try:
        parsed = datetime.strptime(value.strip(), "%Y-%m-%d %H:%M")
    except ValueError:
        return None
    return parsed.replace(tzinfo=TZ)


def _count(meta: dict, key: str, default: int | None) -> tuple[int | None, str | None]:
    raw = str(meta.get(key.lower(), "") or "").strip()
    if not raw:
        return default, None
    if not raw.isdigit() or not 1 <= int(raw) <= 1000:
        return None, f"{key}「{raw}」须为 1–1000 的整数"
    return int(raw), None


def rules(instance: Any) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The campaign's rules, and (field, problem) for every wrong value."""
    meta = instance.metadata
    problems: list[tuple[str, str]] = []
    key = str(getattr(instance, "campaign_key", "") or "")
    if key and not CAMPAIGN_ID.match(key):
        problems.append(("Campaign", f"活动编号「{key}」须为小写字母、数字和连字符"))
    start_raw = str(meta.get("vote-start", "") or "").strip()
    if start_raw:
        start = _time(start_raw)
        if start is None:
            problems.append(("Vote-Start", f"Vote-Start「{start_raw}」须为 YYYY-MM-DD HH:MM"))
    else:
        date = getattr(instance, "date", None)
        start = date.replace(tzinfo=TZ) if date and date.tzinfo is None else date
    end_raw = str(meta.get("vote-end", "") or "").strip()
    end = _time(end_raw) if end_raw else None
    if not end_raw:
        problems.append(("Vote-End", "评选活动须写 Vote-End（投票截止时间，YYYY-MM-DD HH:MM）"))
    elif end is None:
        problems.append(("Vote-End", f"Vote-End「{end_raw}」须为 YYYY-MM-DD HH:MM"))
    elif start is not None and end <= start:
        problems.append(("Vote-End", "Vote-End 须晚于 Vote-Start（投票开始时间）"))
    per_member, p1 = _count(meta, "Vote-Per-Member", 1)
    per_candidate, p2 = _count(meta, "Vote-Per-Candidate", 1)
    daily, p3 = _count(meta, "Vote-Daily", None)
    for field, problem in (
        ("Vote-Per-Member", p1),
        ("Vote-Per-Candidate", p2),
        ("Vote-Daily", p3),
    ):
        if problem:
            problems.append((field, problem))
    if per_member and per_candidate and per_candidate > per_member:
        problems.append(("Vote-Per-Candidate", "Vote-Per-Candidate 不能大于 Vote-Per-Member"))
    if per_member and daily and daily > per_member:
        problems.append(("Vote-Daily", "Vote-Daily 不能大于 Vote-Per-Member"))
    units = load_units(units_file(instance.settings))
    wanted = [u.strip() for u in str(meta.get("vote-units", "") or "").split(",") if u.strip()]
    unknown = [u for u in wanted if u not in units]
    if unknown:
        problems.append(
            (
                "Vote-Units",
                f"Vote-Units 中的单位不在 {units_file(instance.settings)} 中："
                + "、".join(unknown),
            )
        )
    results = str(meta.get("vote-results", "") or "after_close").strip()
    if results not in RESULTS:
        problems.append(("Vote-Results", f"Vote-Results「{results}」须为 after_close 或 live"))
    return {
        "id": key,
        "starts_at": start.isoformat() if start else None,
        "ends_at": end.isoformat() if end else None,
        "votes_per_member": per_member,
        "per_candidate": per_candidate,
        "daily_quota": daily,
        "units": [u for u in wanted if u in units],
        "unit_names": [units[u].name for u in wanted if u in units],
        "results": results,
    }, problems


def _on_content_init(instance: Any) -> None:
    if not isinstance(instance, Article) or getattr(instance, "exemplar_kind", "") != "campaign":
        return
    found, problems = rules(instance)
    for field, problem in problems:
        PROBLEMS.add_meta(instance.source_path, field, problem)
    instance.vote_rules = found


_campaigns: list[Any] = []


def _on_articles(generator: Any) -> None:
    _campaigns[:] = [a for a in generator.articles if getattr(a, "vote_rules", None)]


def entry(article: Any) -> dict[str, Any]:
    return {
        **article.vote_rules,
        "title": article.title,
        "url": "/" + article.url.lstrip("/"),
        "candidates": [
            {"slug": c.slug, "title": c.title, "url": "/" + c.url.lstrip("/")}
            for c in getattr(article, "candidates", [])
        ],
    }


def _on_finalized(pelican: Any) -> None:
    out = Path(pelican.settings["OUTPUT_PATH"]) / FILENAME
    out.parent.mkdir(parents=True, exist_ok=True)
    data = sorted((entry(a) for a in _campaigns), key=lambda e: e["id"])
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def register() -> None:
    signals.content_object_init.connect(_on_content_init)
    signals.article_generator_finalized.connect(_on_articles)
    signals.finalized.connect(_on_finalized)

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
from pathlib import Path
from typing import Any

from pelican import signals
from pelican.contents import Article

from chalicelib import campaign_rules
from chalicelib.identifiers import is_campaign_id
from tools.site_content import PROBLEMS, load_units, units_file

FILENAME = "campaigns.json"


def rules(instance: Any) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The campaign's rules (checked by chalicelib.campaign_rules, as the API checks its own),
    and (metadata field, problem) for every wrong value."""
    meta = instance.metadata
    labels = campaign_rules.CONTENT_LABELS
    problems: list[tuple[str, str]] = []
    key = str(getattr(instance, "campaign_key", "") or "")
    if key and not is_campaign_id(key):
        problems.append(("Campaign", f"活动编号「{key}」须为小写字母、数字和连字符（最长 64）"))

    def value(field: str) -> str | None:
        raw = str(meta.get(labels[field].lower(), "") or "").strip()
        return raw or None

    wanted = [u.strip() for u in (value("units") or "").split(",") if u.strip()]
    found, bad = campaign_rules.check(
        {
            # Voting opens with the article's Date unless Vote-Start says otherwise.
            "starts_at": value("starts_at") or getattr(instance, "date", None),
            "ends_at": value("ends_at"),
            "votes_per_member": value("votes_per_member"),
            "per_candidate": value("per_candidate"),
            "daily_quota": value("daily_quota"),
            "units": wanted,
            "results": value("results"),
        },
        labels,
    )
    problems += [(labels[p.field], p.message) for p in bad]
    units = load_units(units_file(instance.settings))
    unknown = [u for u in wanted if u not in units]
    if unknown:
        problems.append(
            (
                labels["units"],
                f"Vote-Units 中的单位不在 {units_file(instance.settings)} 中："
                + "、".join(unknown),
            )
        )
    if found is None or problems:
        return {}, problems
    return {
        "id": key,
        **campaign_rules.to_json(found),
        "unit_names": [units[u].name for u in found.units],
    }, []


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

"""Load the site build's `campaigns.json` (plugins/campaigns) into the campaigns table:
`python -m tools.publish_campaigns [output/campaigns.json]`; `tools.publish_catalog` runs it too.

Content campaigns are upserted with their rules and published candidates. A content campaign no
longer in the file is marked unpublished (votes and counters stay). Campaigns created through the
API are never touched. Bad entries stop the load with the campaign's id and field; nothing is
written then.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from chalicelib import campaign_rules, clock
from chalicelib.identifiers import is_campaign_id
from chalicelib.models import Campaign
from tools.build_json import load_entries

ROOT = Path(__file__).resolve().parent.parent
FILENAME = "campaigns.json"
DEFAULT = ROOT / "output" / FILENAME


def _check(entry: Any, index: int) -> list[str]:
    where = f"第 {index + 1} 项"
    if not isinstance(entry, dict):
        return [f"{where}: 须为对象"]
    where = f"{where}({entry.get('id', '?')})"
    problems = []
    if not is_campaign_id(entry.get("id")):
        problems.append(f"{where} id: 须为小写字母、数字和连字符（最长 64）")
    for field in ("title", "url"):
        if not isinstance(entry.get(field), str) or not entry[field]:
            problems.append(f"{where} {field}: 缺少或不是字符串")
    # The same rules, and the same verdicts, as the build and the API (chalicelib.campaign_rules).
    _, bad = campaign_rules.check(
        {f: entry.get(f) for f in campaign_rules.FIELDS}, campaign_rules.API_LABELS
    )
    problems += [f"{where} {p.field}: {p.message}" for p in bad]
    candidates = entry.get("candidates")
    if not isinstance(candidates, list) or not all(
        isinstance(c, dict) and {"slug", "title", "url"} <= set(c) for c in candidates
    ):
        problems.append(f"{where} candidates: 须为 {{slug, title, url}} 的数组")
    return problems


def publish(path: Path = DEFAULT) -> dict[str, int]:
    """Upsert every content campaign; mark content campaigns missing from the file unpublished."""
    entries = load_entries(path, _check)
    ids = {e["id"] for e in entries}
    # A Scan is fine here: an offline tool, and there are few campaigns.
    existing = {c.campaign_id: c for c in Campaign.scan()}
    clash = [i for i in ids if i in existing and existing[i].source != "content"]
    if clash:
        raise SystemExit(f"{path}: 评选编号已被 API 创建的评选使用：" + "、".join(sorted(clash)))
    gone = [
        c
        for c in existing.values()
        if c.source == "content" and c.published and c.campaign_id not in ids
    ]
    now = clock.now()
    with Campaign.batch_write() as batch:
        for e in entries:
            batch.save(
                Campaign(
                    e["id"],
                    title=e["title"],
                    url=e["url"],
                    starts_at=campaign_rules.parse_time(e["starts_at"]).timestamp(),
                    ends_at=campaign_rules.parse_time(e["ends_at"]).timestamp(),
                    votes_per_member=e["votes_per_member"],
                    per_candidate=e["per_candidate"],
                    daily_quota=e.get("daily_quota"),
                    units=list(e.get("units") or []),
                    unit_names=list(e.get("unit_names") or []),
                    results=e["results"],
                    candidates=e["candidates"],
                    source="content",
                    published=True,
                    updated_at=now,
                )
            )
        for c in gone:
            c.published = False
            batch.save(c)
    return {"campaigns": len(entries), "withdrawn": len(gone)}


if __name__ == "__main__":
    counts = publish(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT)
    print(f"campaigns: {counts['campaigns']} published, {counts['withdrawn']} withdrawn")

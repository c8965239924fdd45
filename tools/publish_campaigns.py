"""Load the site build's `campaigns.json` (plugins/campaigns) into the campaigns table:
`python -m tools.publish_campaigns [output/campaigns.json]`; `tools.publish_catalog` runs it too.

Content campaigns are upserted with their rules and published candidates. A content campaign no
longer in the file is marked unpublished (votes and counters stay). Campaigns created through the
API are never touched. Bad entries stop the load with the campaign's id and field; nothing is
written then.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from chalicelib import clock
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
    for field in ("id", "title", "url", "starts_at", "ends_at", "results"):
        if not isinstance(entry.get(field), str) or not entry[field]:
            problems.append(f"{where} {field}: 缺少或不是字符串")
    for field in ("votes_per_member", "per_candidate"):
        if not isinstance(entry.get(field), int) or entry[field] < 1:
            problems.append(f"{where} {field}: 须为正整数")
    if entry.get("daily_quota") is not None and not isinstance(entry["daily_quota"], int):
        problems.append(f"{where} daily_quota: 须为整数或 null")
    if entry.get("results") not in ("live", "after_close"):
        problems.append(f"{where} results: 须为 live 或 after_close")
    for field in ("starts_at", "ends_at"):
        try:
            datetime.fromisoformat(str(entry.get(field)))
        except ValueError:
            problems.append(f"{where} {field}: 不是 ISO 时间")
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
                    starts_at=datetime.fromisoformat(e["starts_at"]).timestamp(),
                    ends_at=datetime.fromisoformat(e["ends_at"]).timestamp(),
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

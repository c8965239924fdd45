"""Load the site build's `catalog.json` into the catalog table: `python -m tools.publish_catalog
[output/catalog.json]`. Run after every site build that members will see (`make dev` does).

Items that are no longer in the catalog are kept but marked unpublished, so reading records that
point at them stay meaningful and no heartbeat credits them any more. Bad entries stop the load
with the entry's slug and field, and nothing is written.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from chalicelib import lesson_rules
from chalicelib.models import CatalogItem
from tools import publish_campaigns
from tools.build_json import load_entries

ROOT = Path(__file__).resolve().parent.parent
FILENAME = "catalog.json"  # written by plugins/catalog into the site's output folder
DEFAULT = ROOT / "output" / FILENAME
KINDS = {"article", "constitution", "lesson"}


def _check(entry: Any, index: int) -> list[str]:
    where = f"第 {index + 1} 项"
    if not isinstance(entry, dict):
        return [f"{where}: 须为对象"]
    problems = []
    where = f"{where}({entry.get('slug', '?')})"
    for field, kind in (("slug", str), ("title", str), ("url", str), ("category", str)):
        if not isinstance(entry.get(field), kind) or not entry.get(field):
            problems.append(f"{where} {field}: 缺少或不是字符串")
    if entry.get("kind") not in KINDS:
        problems.append(f"{where} kind: 须为 article、constitution 或 lesson")
    for field in ("reading_minutes", "chars"):
        if not isinstance(entry.get(field), int) or entry[field] < 0:
            problems.append(f"{where} {field}: 须为非负整数")
    if entry.get("kind") == "constitution" and not isinstance(entry.get("day"), int):
        problems.append(f"{where} day: 党章系列须有整数 Day")
    if entry.get("kind") == "lesson":
        problems += _check_lesson(entry, where)
    return problems


def _check_lesson(entry: dict, where: str) -> list[str]:
    """A 微党课's media fields (plugins/lessons checked them in the build; this guards the file)."""
    problems = []
    media = entry.get("media")
    match = lesson_rules.MEDIA_NAME.fullmatch(media) if isinstance(media, str) else None
    if match is None:
        problems.append(f"{where} media: 须为 <sha256>.mp4 或 <sha256>.m4a")
    elif lesson_rules.BY_EXT[match.group("ext")].key != entry.get("media_kind"):
        problems.append(f"{where} media_kind: 与媒体文件的类型不符")
    duration = entry.get("duration")
    if not isinstance(duration, int) or not 0 < duration <= lesson_rules.MAX_DURATION_SECONDS:
        problems.append(f"{where} duration: 须为 1 到 {lesson_rules.MAX_DURATION_SECONDS} 的整数秒")
    if not isinstance(entry.get("speaker"), str) or not entry.get("speaker"):
        problems.append(f"{where} speaker: 缺少或不是字符串")
    if entry.get("lesson_series") is not None and not isinstance(entry["lesson_series"], str):
        problems.append(f"{where} lesson_series: 须为字符串或 null")
    return problems


def publish(path: Path = DEFAULT) -> dict[str, int]:
    """Upsert every entry; mark items missing from the file unpublished. Returns counts."""
    entries = load_entries(path, _check)
    slugs = {e["slug"] for e in entries}
    # A Scan is fine here: an offline tool, not a request path.
    gone = [i for i in CatalogItem.scan() if i.slug not in slugs and i.published]
    with CatalogItem.batch_write() as batch:
        for e in entries:
            batch.save(
                CatalogItem(
                    e["slug"],
                    title=e["title"],
                    url=e["url"],
                    category=e["category"],
                    kind=e["kind"],
                    series_day=e.get("day"),
                    reading_minutes=e["reading_minutes"],
                    chars=e["chars"],
                    published=True,
                    # 微党课 only (kind "lesson"); None leaves the attribute out.
                    media=e.get("media"),
                    media_kind=e.get("media_kind"),
                    duration=e.get("duration"),
                    speaker=e.get("speaker"),
                    lesson_series=e.get("lesson_series"),
                )
            )
        for item in gone:
            item.published = False
            batch.save(item)
    counts = {"published": len(entries), "unpublished": len(gone)}
    # The voting campaigns of the same build (plugins/campaigns), written next to catalog.json.
    campaigns = Path(path).parent / publish_campaigns.FILENAME
    if campaigns.is_file():
        counts["campaigns"] = publish_campaigns.publish(campaigns)["campaigns"]
    return counts


if __name__ == "__main__":
    counts = publish(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT)
    print(f"catalog: {counts['published']} published, {counts['unpublished']} unpublished")

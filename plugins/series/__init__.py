"""Daily series (党章百日学): installments become public one a day from a configured start date.

An installment is an article with `Series: <key>` and `Day: N` (written by
`python -m tools.constitution_series`). Its date is not in the file: it is SERIES[key]["start"]
+ N − 1 days at SERIES[key]["hour"] o'clock, Asia/Shanghai (TIMEZONE), set before Pelican decides
whether the article is in the future. With WITH_FUTURE_DATES = False a future installment is a
draft, and drafts are never written, so the daily rebuild publishes day N on its day and nothing
of a later day is in output/.

Each published installment gets `series_day`, `series_total`, `series_prev` / `series_next`
(published neighbours only: no link to a day not yet out), and for the series index
`series_label` (its title without 第 N 天: 总纲（三）, 第一章 党员 第一条) and `series_lead` (its
`Lead:`, the day's first words, so the fifty 总纲 days are told apart). The template context gets
`series[key]` = {title, total, published (by day), latest}.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pelican import signals
from pelican.contents import Article

from tools.site_content import PROBLEMS

_DAY_PREFIX_RE = re.compile(r"^第\s*\d+\s*天\s*[·・]\s*")


def publish_at(config: dict[str, Any], day: int, timezone: str) -> datetime:
    start = date.fromisoformat(str(config["start"]))
    moment = time(int(config.get("hour", 6)))
    return datetime.combine(start + timedelta(days=day - 1), moment, tzinfo=ZoneInfo(timezone))


def _on_context(generator: Any, metadata: dict[str, Any]) -> None:
    """Set an installment's date before Pelican compares it with now (checks: _on_content_init)."""
    key = metadata.get("series")
    config = generator.settings.get("SERIES", {}).get(str(key)) if key else None
    day = str(metadata.get("day", "")).strip()
    if config is None or not day.isdigit() or int(day) < 1:
        return
    metadata["series_has_date"] = "date" in metadata
    metadata["date"] = publish_at(config, int(day), generator.settings["TIMEZONE"])


def _on_content_init(instance: Any) -> None:
    if not isinstance(instance, Article) or not instance.metadata.get("series"):
        return
    key = str(instance.metadata["series"])
    path = instance.source_path
    configured = instance.settings.get("SERIES", {})
    if key not in configured:
        known = "、".join(configured) or "（无）"
        PROBLEMS.add_meta(
            path, "Series", f"Series「{key}」未在 pelicanconf.SERIES 中配置（已配置：{known}）"
        )
        return
    day = str(instance.metadata.get("day", "")).strip()
    if not day.isdigit() or int(day) < 1:
        PROBLEMS.add_meta(path, "Day", f"Day「{day}」须为从 1 开始的整数（第几天）")
        return
    if instance.metadata.get("series_has_date"):
        PROBLEMS.add_meta(
            path, "Date", "连载文章不写 Date：发布日期由 SERIES 的开始日期和 Day 决定"
        )
    instance.series_day = int(day)


def _installments(items: list[Any], key: str) -> list[Any]:
    return sorted(
        (a for a in items if a.metadata.get("series") == key and hasattr(a, "series_day")),
        key=lambda a: a.series_day,
    )


def _on_finalized(generator: Any) -> None:
    series: dict[str, Any] = {}
    for key, config in generator.settings.get("SERIES", {}).items():
        published = _installments(generator.articles, key)
        everything = published + _installments(generator.drafts, key)
        days = [a.series_day for a in everything]
        duplicates = sorted({d for d in days if days.count(d) > 1})
        for day in duplicates:
            for a in everything:
                if a.series_day == day:
                    PROBLEMS.add_meta(a.source_path, "Day", f"连载「{key}」第 {day} 天重复")
        total = max(days, default=0)
        for i, article in enumerate(published):
            article.series_key = key
            article.series_title = config.get("title", key)
            article.series_total = total
            article.series_prev = published[i - 1] if i > 0 else None
            article.series_next = published[i + 1] if i + 1 < len(published) else None
            article.series_label = _DAY_PREFIX_RE.sub("", str(article.title)) or article.title
            article.series_lead = str(article.metadata.get("lead", ""))
        series[key] = {
            "key": key,
            "title": config.get("title", key),
            "category": config.get("category"),
            "total": total,
            "published": published,
            "latest": published[-1] if published else None,
        }
    PROBLEMS.raise_if_any("连载设置有误：")
    generator.context["series"] = series


def register() -> None:
    signals.article_generator_context.connect(_on_context)
    signals.content_object_init.connect(_on_content_init)
    signals.article_generator_finalized.connect(_on_finalized)

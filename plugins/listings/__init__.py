"""Extra lists: exemplars (先进风采) by year, unit and campaign; one page per branch (支部家园).

Exemplar metadata (Category 先进风采):

    Exemplar: individual | collective | campaign
    Photo: {static}/images/xianjin/zhang.svg    # individual / collective: a photo in content/
    Unit: B0301                                  # the exemplar's unit (default: Branch)
    Year: 2026                                   # the year honoured (default: the date's year)
    Tags: 抢修, 党员突击队
    Campaign: youxiu-2026                        # candidates name their campaign; the campaign
                                                 # article (Exemplar: campaign) names itself

Pages written: xianjin/year/<year>.html, xianjin/unit/<unit>.html, zhibu/<branch>.html (every
branch of UNITS_FILE, with its 支部家园 and 微发布 posts). A campaign is an article with
`Template: campaign`; its page lists the candidates inside `<section id="vote" data-campaign=...>`
with one `[data-candidate]` element per candidate, where the voting UI attaches.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from pelican import signals
from pelican.contents import Article

from tools.site_content import PROBLEMS, ContentError, load_units, units_file

EXEMPLAR_CATEGORY = "先进风采"
KINDS = {"individual": "个人", "collective": "集体", "campaign": "评选活动"}
BRANCH_CATEGORIES = ("支部家园", "微发布")
YEAR_URL = "xianjin/year/{year}.html"
UNIT_URL = "xianjin/unit/{unit}.html"
BRANCH_URL = "zhibu/{unit}.html"
_STATIC = re.compile(r"^\{(?:static|attach)\}")


def photo_path(article: Any) -> str | None:
    """The photo's path relative to the content folder (`images/xianjin/zhang.svg`)."""
    raw = article.metadata.get("photo")
    if not raw:
        return None
    value = _STATIC.sub("", str(raw).strip())
    if value.startswith("/"):
        return value.lstrip("/")
    source_dir = Path(article.source_path).resolve().parent
    base = Path(article.settings["PATH"]).resolve()
    try:
        return (source_dir / value).resolve().relative_to(base).as_posix()
    except ValueError:
        return value


def _on_content_init(instance: Any) -> None:
    if not isinstance(instance, Article):
        return
    meta = instance.metadata
    category = meta.get("category")
    if category is None or category.name != EXEMPLAR_CATEGORY:
        return
    path = instance.source_path
    kind = str(meta.get("exemplar", "")).strip()
    if kind not in KINDS:
        allowed = "、".join(f"{k}（{v}）" for k, v in KINDS.items())
        PROBLEMS.add_meta(path, "Exemplar", f"先进风采须写 Exemplar：{allowed}")
        return
    instance.exemplar_kind = kind
    instance.exemplar_kind_label = KINDS[kind]
    units = load_units(units_file(instance.settings))
    unit_id = str(meta.get("unit") or meta.get("branch") or "")
    if unit_id not in units:
        PROBLEMS.add_meta(
            path, "Unit", f"Unit「{unit_id}」不是 {units_file(instance.settings)} 中的单位"
        )
    else:
        instance.exemplar_unit = units[unit_id]
    year = str(meta.get("year") or (instance.date.year if hasattr(instance, "date") else ""))
    if not re.fullmatch(r"(19|20)\d\d", year):
        PROBLEMS.add_meta(path, "Year", f"Year「{year}」须为四位年份")
    instance.exemplar_year = year
    instance.campaign_key = str(meta["campaign"]).strip() if meta.get("campaign") else None
    if kind == "campaign" and not instance.campaign_key:
        PROBLEMS.add_meta(path, "Campaign", "评选活动须写 Campaign（活动编号，如 youxiu-2026）")
    if kind != "campaign":
        photo = photo_path(instance)
        if photo is None:
            PROBLEMS.add_meta(
                path, "Photo", "先进个人、集体须有 Photo（照片，放在 content/images/ 下）"
            )
        elif photo in instance.settings.get("REVIEW_UNAVAILABLE", {}):
            pass  # approved, but its approved bytes cannot be published (the gate warned)
        elif not (Path(instance.settings["PATH"]) / photo).is_file():
            PROBLEMS.add_meta(path, "Photo", f"照片不存在：{photo}")
        else:
            instance.photo_path = photo


def _on_finalized(generator: Any) -> None:
    """Group published articles; the photos of published exemplars become static files."""
    articles = generator.articles
    exemplars = [
        a for a in articles if getattr(a, "exemplar_kind", None) in ("individual", "collective")
    ]
    campaigns = {
        a.campaign_key: a for a in articles if getattr(a, "exemplar_kind", "") == "campaign"
    }
    problems = []
    for a in exemplars:
        if getattr(a, "photo_path", None):
            generator.context["static_links"].add(a.photo_path)
        if a.campaign_key and a.campaign_key not in campaigns:
            every = generator.articles + generator.drafts
            known = {
                getattr(x, "campaign_key", None)
                for x in every
                if getattr(x, "exemplar_kind", "") == "campaign"
            }
            if a.campaign_key not in known:
                problems.append(
                    f"{a.source_path}: Campaign「{a.campaign_key}」没有对应的评选活动文章"
                )
    if problems:
        raise ContentError("先进风采有误：\n" + "\n".join(problems))
    by_year: dict[str, list] = defaultdict(list)
    by_unit: dict[str, list] = defaultdict(list)
    candidates: dict[str, list] = defaultdict(list)
    for a in exemplars:
        by_year[a.exemplar_year].append(a)
        if getattr(a, "exemplar_unit", None):
            by_unit[a.exemplar_unit.unit_id].append(a)
        if a.campaign_key:
            candidates[a.campaign_key].append(a)
    for campaign_key, campaign in campaigns.items():
        campaign.candidates = sorted(candidates.get(campaign_key, []), key=lambda a: a.title)
    units = load_units(units_file(generator.settings))
    branch_posts: dict[str, list] = {u: [] for u, unit in units.items() if unit.kind == "branch"}
    for a in articles:
        branch = str(a.metadata.get("branch", ""))
        if a.category.name in BRANCH_CATEGORIES and branch in branch_posts:
            branch_posts[branch].append(a)
    generator.context["exemplars"] = {
        "years": sorted(by_year.items(), reverse=True),
        "units": [(units[u], arts) for u, arts in by_unit.items()],
        "campaigns": sorted(campaigns.values(), key=lambda a: a.date, reverse=True),
        "all": exemplars,
    }
    generator.context["branches"] = [(units[u], posts) for u, posts in branch_posts.items()]
    generator.context["units"] = units
    generator.context["listing_urls"] = {
        *(YEAR_URL.format(year=y) for y in by_year),
        *(UNIT_URL.format(unit=u) for u in by_unit),
        *(BRANCH_URL.format(unit=u) for u in branch_posts),
    }


def _on_writer_finalized(generator: Any, writer: Any) -> None:
    context = generator.context
    listing = generator.get_template("listing")
    for year, arts in context.get("exemplars", {}).get("years", []):
        writer.write_file(
            YEAR_URL.format(year=year),
            listing,
            context,
            listing_title=f"{year} 年先进风采",
            listing_crumb=EXEMPLAR_CATEGORY,
            listing_articles=arts,
            listing_kind="exemplar",
        )
    for unit, arts in context.get("exemplars", {}).get("units", []):
        writer.write_file(
            UNIT_URL.format(unit=unit.unit_id),
            listing,
            context,
            listing_title=f"{unit.name} · 先进风采",
            listing_crumb=EXEMPLAR_CATEGORY,
            listing_articles=arts,
            listing_kind="exemplar",
        )
    for unit, posts in context.get("branches", []):
        writer.write_file(
            BRANCH_URL.format(unit=unit.unit_id),
            listing,
            context,
            listing_title=unit.name,
            listing_crumb="支部家园",
            listing_articles=posts,
            listing_kind="branch",
            listing_unit=unit,
        )


def register() -> None:
    signals.content_object_init.connect(_on_content_init)
    signals.article_generator_finalized.connect(_on_finalized)
    signals.article_writer_finalized.connect(_on_writer_finalized)

"""Campaigns and helpers for the comment and vote tests."""

from __future__ import annotations

import time
import uuid

from chalicelib import clock
from chalicelib.models import Campaign
from tests.engagement_factories import make_item


def rid() -> str:
    return uuid.uuid4().hex


def make_campaign(
    campaign_id: str = "c1",
    candidates: tuple[str, ...] = ("cand-a", "cand-b", "cand-c"),
    *,
    opens_in: float = -3600,
    closes_in: float = 3600,
    votes_per_member: int = 2,
    per_candidate: int = 1,
    daily_quota: int | None = None,
    units: tuple[str, ...] = (),
    unit_names: tuple[str, ...] = (),
    results: str = "live",
) -> Campaign:
    for slug in candidates:
        make_item(slug)
    now = clock.now()
    campaign = Campaign(
        campaign_id,
        title=f"评选 {campaign_id}",
        url=f"/articles/{campaign_id}.html",
        starts_at=now + opens_in,
        ends_at=now + closes_in,
        votes_per_member=votes_per_member,
        per_candidate=per_candidate,
        daily_quota=daily_quota,
        units=list(units),
        unit_names=list(unit_names or units),
        results=results,
        candidates=[
            {"slug": s, "title": f"候选 {s}", "url": f"/articles/{s}.html"} for s in candidates
        ],
        source="content",
        published=True,
        updated_at=now,
    )
    campaign.save()
    return campaign


def away_from_minute_end() -> None:
    """Per-minute limits count calendar minutes: start a rate-limit test early in one."""
    while time.time() % 60 > 50:
        time.sleep(0.5)

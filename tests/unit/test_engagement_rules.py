"""Rules table, ledger keys, read thresholds, periods, anniversaries, stars, the catalog plugin."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from chalicelib import leaderboards, points, reading
from chalicelib.errors import BadRequestError
from chalicelib.points_rules import RULES, exam_points
from plugins import catalog, reading_time


def test_the_rules_table_follows_the_issue():
    caps = {k: (r.points, r.daily_cap) for k, r in RULES.items()}
    assert caps == {
        "daily_login": (1, 1),
        "article_read": (1, 6),
        "lesson_watched": (1, 6),  # issue 19: 学习强国 视听学习, 6 a day
        "watch_time": (1, 6),  # a point a whole minute watched, 6 a day
        "constitution_read": (2, 2),
        "comment": (1, 2),
        "vote": (1, 1),
        "daily_quiz": (1, 5),
        "challenge_quiz": (1, 6),
        "exam": (10, None),
        "political_birthday": (5, None),
        "meeting_attendance": (2, None),
        "meeting_absence": (-2, None),
        "volunteer_service": (2, None),
    }
    assert exam_points(95) == 9 and exam_points(100) == 10 and exam_points(7) == 0


def test_ledger_keys_are_deterministic():
    day = date(2026, 11, 3)
    assert points.ledger_key(RULES["article_read"], "a1", day) == "article_read#a1"
    assert points.ledger_key(RULES["daily_login"], "login", day) == "daily_login#login#2026-11-03"


def test_read_thresholds_come_from_the_length():
    item = SimpleNamespace(chars=400)  # 60 s estimated
    assert (reading.min_seconds(item), reading.view_cap(item)) == (30, 120)
    short = SimpleNamespace(chars=10)
    assert (reading.min_seconds(short), reading.view_cap(short)) == (10, 40)
    long = SimpleNamespace(chars=20_000)
    assert reading.min_seconds(long) == 300


def test_periods():
    assert leaderboards.period_key("2026-11") == "m2026-11"
    assert leaderboards.period_key("2026") == "y2026"
    for bad in ("2026-13", "26-1", "2026-1", "x"):
        with pytest.raises(BadRequestError):
            leaderboards.period_key(bad)


def test_anniversaries():
    assert points.anniversary("2001-07-01", 2026) == date(2026, 7, 1)
    assert points.anniversary("2004-02-29", 2026) == date(2026, 2, 28)
    assert points.anniversary("2026-03-01", 2026) is None  # joined this year: next year
    assert points.anniversary(None, 2026) is None


def test_ranks_share_ties_and_stars():
    ranked = leaderboards.rank(
        [{"id": "a", "points": 5}, {"id": "b", "points": 9}, {"id": "c", "points": 5}]
    )
    assert [(e["id"], e["rank"]) for e in ranked] == [("b", 1), ("a", 2), ("c", 2)]
    assert ranked[0]["stars"] == 5


def _article(**meta):
    return SimpleNamespace(
        metadata=meta,
        source_path="content/x.md",
        slug="x",
        title="标题",
        url="articles/x.html",
        category="党章百日学",
        reading_minutes=1,
        reading_units=reading_time.html_units("<p>学习党章 ABC 2026</p>"),
    )


def test_catalog_entries():
    entry = catalog.entry(_article(series="constitution", day="7"))
    assert entry["kind"] == "constitution" and entry["day"] == 7
    assert entry["chars"] == 4 + 2 and entry["url"] == "/articles/x.html"
    assert catalog.entry(_article())["kind"] == "article"
    with pytest.raises(catalog.CatalogError, match="Day"):
        catalog.entry(_article(series="constitution", day="seven"))

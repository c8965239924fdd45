"""The points ledger against DynamoDB Local: idempotency, caps (also across Asia/Shanghai
midnight, with frozen time), concurrent awards, reversals, sign-in awards, the paged log."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from chalicelib import clock, points, points_figures, points_ledger
from chalicelib.errors import BadRequestError
from chalicelib.models import PointTotal
from infra import stream_poller
from tools.fixtures import make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")


def freeze(monkeypatch: pytest.MonkeyPatch, iso_utc: str) -> None:
    stamp = datetime.fromisoformat(iso_utc).replace(tzinfo=UTC).timestamp()
    monkeypatch.setattr(clock, "now", lambda: stamp)


def total(member_no: str, period: str) -> int:
    """What the aggregator keeps, once the stream is drained: "m2026-11", "y2026", "total"."""
    stream_poller.drain()
    years = {t.period: t for t in PointTotal.query(member_no, consistent_read=True)}
    if period == "total":
        return sum(int(t.points) for t in years.values())
    if period.startswith("y"):
        return int(years[period].points) if period in years else 0
    year, month = period[1:].split("-")
    return int((years[f"y{year}"].months if f"y{year}" in years else {}).get(month, 0))


def cap_used(member_no: str, rule: str) -> int:
    return points_ledger.get(member_no, clock.today().isoformat()).caps.get(rule, 0)


def ledger(member_no: str) -> list[points_ledger.Line]:
    return points_figures.ledger(member_no)


def test_an_award_is_written_once_however_often_it_is_retried():
    make_tree()
    make_member("70000001", "B1", password=None)
    first = points.award("70000001", "article_read", "a1")
    assert first is not None and first.amount == 1
    for _ in range(3):
        assert points.award("70000001", "article_read", "a1") is None
    assert [e.amount for e in ledger("70000001")] == [1]
    assert total("70000001", "total") == 1
    assert total("70000001", f"m{clock.today():%Y-%m}") == 1


def test_a_cap_clamps_the_last_award_to_what_is_left():
    make_tree()
    make_member("70000002", "B1", password=None)
    assert points.award("70000002", "daily_quiz", "q1", amount=3).amount == 3
    assert points.award("70000002", "daily_quiz", "q2", amount=3).amount == 2
    assert points.award("70000002", "daily_quiz", "q3", amount=1) is None
    assert cap_used("70000002", "daily_quiz") == 5
    with pytest.raises(ValueError):
        points.award("70000002", "daily_quiz", "q4", amount=6)


def test_parallel_awards_give_exactly_the_cap():
    make_tree()
    make_member("70000003", "B1", password=None)
    with ThreadPoolExecutor(max_workers=12) as pool:
        got = list(pool.map(lambda i: points.award("70000003", "article_read", f"p{i}"), range(24)))
    assert sum(a.amount for a in got if a) == 6
    assert len(ledger("70000003")) == 6
    assert total("70000003", "total") == 6
    assert cap_used("70000003", "article_read") == 6


def test_caps_turn_over_at_shanghai_midnight(monkeypatch: pytest.MonkeyPatch):
    make_tree()
    make_member("70000004", "B1", password=None)
    # 2026-11-30 23:59:50 in Shanghai is 15:59:50 UTC: still November there.
    freeze(monkeypatch, "2026-11-30T15:59:50")
    late = [points.award("70000004", "article_read", f"n{i}") for i in range(8)]
    assert sum(1 for a in late if a) == 6
    assert {a.day for a in late if a} == {"2026-11-30"}
    # Twenty seconds later it is 1 December in Shanghai (still 30 November in UTC).
    freeze(monkeypatch, "2026-11-30T16:00:10")
    early = [points.award("70000004", "article_read", f"d{i}") for i in range(8)]
    assert sum(1 for a in early if a) == 6
    assert {a.day for a in early if a} == {"2026-12-01"}
    # An article credited yesterday is not credited again today.
    assert points.award("70000004", "article_read", "n0") is None
    assert total("70000004", "m2026-11") == 6
    assert total("70000004", "m2026-12") == 6
    assert total("70000004", "y2026") == 12
    mine = points_figures.totals("70000004")
    assert (mine["today"], mine["month"], mine["year"], mine["all"]) == (6, 6, 12, 12)
    assert mine["months"][-2:] == [
        {"month": "2026-11", "points": 6},
        {"month": "2026-12", "points": 6},
    ]


def test_a_reversal_is_a_negative_entry_and_happens_once():
    make_tree()
    make_member("70000005", "B1", password=None)
    points.award("70000005", "comment", "c1")
    points.award("70000005", "comment", "c2")
    rev = points.reverse("70000005", "comment", "c1", note="评论被删除")
    assert rev is not None and rev.amount == -1
    assert points.reverse("70000005", "comment", "c1") is None
    assert points.reverse("70000005", "comment", "never") is None
    assert points.award("70000005", "comment", "c1") is None  # the key stays taken
    assert sorted(e.amount for e in ledger("70000005")) == [-1, 1, 1]
    assert total("70000005", "total") == 1
    mix = {m["activity"]: m for m in points_figures.totals("70000005")["mix"]}
    assert mix["comment"] == {"activity": "comment", "label": "学习点评", "points": 1}


def test_sign_in_awards_the_day_and_the_political_birthday_once(monkeypatch):
    make_tree()
    member = make_member("70000006", "B1", password=None)  # joined 2001-07-01
    freeze(monkeypatch, "2026-06-30T10:00:00")
    assert [a.rule for a in points.on_sign_in(member)] == ["daily_login"]
    assert points.on_sign_in(member) == []
    freeze(monkeypatch, "2026-07-01T01:00:00")
    got = points.on_sign_in(member)
    assert sorted(a.rule for a in got) == ["daily_login", "political_birthday"]
    freeze(monkeypatch, "2026-08-01T01:00:00")
    assert [a.rule for a in points.on_sign_in(member)] == ["daily_login"]
    assert total("70000006", "y2026") == 3 + 5


def test_the_detail_log_pages_with_an_opaque_cursor(monkeypatch):
    make_tree()
    make_member("70000007", "B1", password=None)
    for i in range(5):
        freeze(monkeypatch, f"2026-03-0{i + 1}T02:00:00")
        points.award("70000007", "article_read", f"x{i}")
    first = points_figures.ledger_page("70000007", limit=2)
    assert [e["object_id"] for e in first["items"]] == ["x4", "x3"]
    second = points_figures.ledger_page("70000007", first["next"], limit=2)
    assert [e["object_id"] for e in second["items"]] == ["x2", "x1"]
    third = points_figures.ledger_page("70000007", second["next"], limit=2)
    assert [e["object_id"] for e in third["items"]] == ["x0"]
    assert third["next"] is None
    # A cursor made for someone else's log is refused.
    with pytest.raises(BadRequestError):
        points_figures.ledger_page("70000008", first["next"])
    with pytest.raises(BadRequestError):
        points_figures.ledger_page("70000007", "not-a-cursor")

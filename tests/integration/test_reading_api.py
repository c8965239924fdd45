"""Heartbeats over HTTP: replayed, reordered and parallel beats give exact totals; the read
award is given once; parallel completions give exactly the daily cap; bad input changes nothing."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from chalicelib import clock
from chalicelib.models import PointEntry, ReadingView
from tests.engagement_factories import bearer, make_item
from tests.factories import make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")


def beat(stack, headers, view_id, seq, slug="a1", seconds=15):
    return requests.post(
        f"{stack.url}/api/reading/heartbeat",
        json={"view_id": view_id, "seq": seq, "slug": slug, "seconds": seconds},
        headers=headers,
        timeout=30,
    )


def test_replayed_and_reordered_heartbeats_count_once(stack):
    make_tree()
    member = make_member("71000001", "B1", password=None)
    make_item("a1", chars=400)  # 60 s estimated: read at 30 s, a view caps at 120 s
    h = bearer(member)
    beats = [(seq, 10) for seq in range(10)]  # 100 s in ten beats
    sends = beats * 3  # every beat three times ...
    random.Random(7).shuffle(sends)  # ... in any order
    with ThreadPoolExecutor(max_workers=6) as pool:
        replies = list(
            pool.map(lambda b: beat(stack, h, "view-aaaa-0001", b[0], seconds=b[1]), sends)
        )
    assert all(r.status_code == 200 for r in replies), [r.text for r in replies]
    view = ReadingView.get("view-aaaa-0001", consistent_read=True)
    assert view.credited == 100
    assert view.seqs == set(range(10))
    assert sum(1 for r in replies if r.json()["replay"]) == 20
    entries = list(PointEntry.query("71000001", consistent_read=True))
    assert [(e.rule, e.object_id, e.amount) for e in entries] == [("article_read", "a1", 1)]
    # A second view of the same article is logged but not credited again.
    for seq in range(4):
        last = beat(stack, h, "view-aaaa-0002", seq)
    assert last.json()["read"] is True and last.json()["award"] is None
    assert len(list(PointEntry.query("71000001", consistent_read=True))) == 1


def test_a_view_is_capped_and_a_beat_credits_at_most_20_seconds(stack):
    make_tree()
    member = make_member("71000002", "B1", password=None)
    make_item("a1", chars=400)
    h = bearer(member)
    first = beat(stack, h, "view-cap-00001", 0, seconds=600).json()
    assert first["credited"] == 20 and first["read"] is False
    for seq in range(1, 12):
        last = beat(stack, h, "view-cap-00001", seq, seconds=15).json()
    assert last["credited"] == 120 == last["cap"]
    assert last["read"] is True


def test_parallel_completions_give_exactly_the_daily_cap(stack):
    make_tree()
    member = make_member("71000003", "B1", password=None)
    for i in range(10):
        make_item(f"p{i}", chars=200)  # read after 15 s
    h = bearer(member)
    with ThreadPoolExecutor(max_workers=10) as pool:
        replies = list(
            pool.map(lambda i: beat(stack, h, f"view-par-{i:05d}", 0, f"p{i}"), range(10))
        )
    assert all(r.json()["read"] for r in replies)
    assert sum(1 for r in replies if r.json()["award"]) == 6
    mine = requests.get(f"{stack.url}/api/points/me", headers=h, timeout=30).json()
    assert mine["today"] == 6
    article = next(r for r in mine["rules"] if r["key"] == "article_read")
    assert (article["today"], article["daily_cap"]) == (6, 6)


def test_constitution_progress_lists_the_days_read(stack):
    make_tree()
    member = make_member("71000004", "B1", password=None)
    make_item("dangzhang-001", chars=200, kind="constitution", day=1)
    make_item("dangzhang-002", chars=200, kind="constitution", day=2)
    make_item("dangzhang-003", chars=200, kind="constitution", day=3)
    h = bearer(member)
    assert beat(stack, h, "view-dz-00001", 0, "dangzhang-001").json()["award"] == {
        "rule": "constitution_read",
        "points": 2,
    }
    # The day's one installment is credited; a second one is read but earns nothing today.
    assert beat(stack, h, "view-dz-00003", 0, "dangzhang-003").json()["award"] is None
    got = requests.get(
        f"{stack.url}/api/reading/progress?series=constitution", headers=h, timeout=30
    ).json()
    assert got["days"] == [1, 3] and got["count"] == 2
    bad = requests.get(f"{stack.url}/api/reading/progress?series=x", headers=h, timeout=30)
    assert bad.status_code == 400


def test_bad_heartbeats_are_refused_and_change_nothing(stack):
    make_tree()
    member = make_member("71000005", "B1", password=None)
    other = make_member("71000006", "B2", password=None)
    make_item("a1")
    h = bearer(member)
    assert beat(stack, h, "view-bad-00001", 0, seconds=0).status_code == 400
    assert beat(stack, h, "short", 0).status_code == 400
    assert beat(stack, h, "view-bad-00001", -1).status_code == 400
    missing = beat(stack, h, "view-bad-00001", 0, slug="no-such-article")
    assert missing.status_code == 404 and "未发布" in missing.json()["Message"]
    wrong_type = requests.post(
        f"{stack.url}/api/reading/heartbeat",
        json={"view_id": "view-bad-00001", "seq": "1", "slug": "a1", "seconds": 15},
        headers=h,
        timeout=30,
    )
    assert wrong_type.status_code == 400
    assert beat(stack, {}, "view-bad-00001", 0).status_code == 401
    assert beat(stack, h, "view-bad-00001", 0).status_code == 200
    # Someone else's view id is not hers to add to.
    taken = beat(stack, bearer(other), "view-bad-00001", 1)
    assert taken.status_code == 409
    view = ReadingView.get("view-bad-00001", consistent_read=True)
    assert (view.credited, view.member_no) == (15, "71000005")
    assert view.started_at <= clock.now()

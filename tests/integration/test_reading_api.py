"""Heartbeats over HTTP: replayed, reordered and parallel beats give exact totals; the read
award is given once; parallel completions give exactly the daily cap; credit never runs ahead of
the clock; bad input changes nothing."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from chalicelib import points_figures
from chalicelib.models import ReadingState
from tools.fixtures import bearer, make_item, make_member, make_tree, opened_views

pytestmark = pytest.mark.usefixtures("clean_tables")


def beat(stack, headers, view_id, seq, slug="a1", seconds=15):
    return requests.post(
        f"{stack.url}/api/reading/heartbeat",
        json={"view_id": view_id, "seq": seq, "slug": slug, "seconds": seconds},
        headers=headers,
        timeout=30,
    )


def _view(member_no: str, view_id: str) -> dict:
    return ReadingState.get(member_no, consistent_read=True).views.attribute_values[view_id]


def test_replayed_and_reordered_heartbeats_count_once(stack):
    make_tree()
    member = make_member("71000001", "B1", password=None)
    make_item("a1", chars=400)  # 60 s estimated: read at 30 s, a view caps at 120 s
    opened_views("71000001", {"view-aaaa-0001": "a1"}, ago=600)
    h = bearer(member)
    beats = [(seq, 10) for seq in range(1, 11)]  # 100 s in ten beats
    sends = beats * 3  # every beat three times ...
    random.Random(7).shuffle(sends)  # ... in any order
    with ThreadPoolExecutor(max_workers=6) as pool:
        replies = list(
            pool.map(lambda b: beat(stack, h, "view-aaaa-0001", b[0], seconds=b[1]), sends)
        )
    assert all(r.status_code == 200 for r in replies), [r.text for r in replies]
    view = _view("71000001", "view-aaaa-0001")
    assert view["c"] == 100
    assert view["h"] == 10 and "q" not in view  # every number 0–10 applied, kept compactly
    assert sum(1 for r in replies if r.json()["replay"]) == 20
    entries = list(points_figures.ledger("71000001"))
    assert [(e.rule, e.object_id, e.amount) for e in entries] == [("article_read", "a1", 1)]


def test_a_view_is_capped_and_a_beat_credits_at_most_20_seconds(stack):
    make_tree()
    member = make_member("71000002", "B1", password=None)
    make_item("a1", chars=400)
    opened_views("71000002", {"view-cap-00001": "a1"}, ago=3600)
    h = bearer(member)
    first = beat(stack, h, "view-cap-00001", 1, seconds=600).json()
    assert first["credited"] == 20 and first["read"] is False
    for seq in range(2, 13):
        last = beat(stack, h, "view-cap-00001", seq, seconds=15).json()
    assert last["credited"] == 120 == last["cap"]
    assert last["read"] is True


def test_eight_articles_in_half_a_second_earn_nothing(stack):
    """One heartbeat on each of eight articles at once: no reading time passed, none is read."""
    make_tree()
    member = make_member("71000007", "B1", password=None)
    for i in range(8):
        make_item(f"q{i}", chars=100)  # read at 10 s
    h = bearer(member)
    with ThreadPoolExecutor(max_workers=8) as pool:
        opens = list(pool.map(lambda i: beat(stack, h, f"view-q-{i:06d}", 0, f"q{i}", 0), range(8)))
        replies = list(
            pool.map(lambda i: beat(stack, h, f"view-q-{i:06d}", 1, f"q{i}", 20), range(8))
        )
    assert all(r.status_code == 200 for r in opens + replies), [r.text for r in opens + replies]
    state = ReadingState.get("71000007", consistent_read=True)
    credited = sum(v["c"] for v in state.views.attribute_values.values())
    assert credited <= 3  # at most the wall-clock time the requests took
    assert not any(r.json()["read"] for r in replies)
    assert list(points_figures.ledger("71000007")) == []


def test_parallel_completions_give_exactly_the_daily_cap(stack):
    make_tree()
    member = make_member("71000003", "B1", password=None)
    for i in range(10):
        make_item(f"p{i}", chars=200)  # read after 15 s
    opened_views("71000003", {f"view-par-{i:05d}": f"p{i}" for i in range(10)}, ago=600)
    h = bearer(member)
    with ThreadPoolExecutor(max_workers=10) as pool:
        replies = list(
            pool.map(lambda i: beat(stack, h, f"view-par-{i:05d}", 1, f"p{i}"), range(10))
        )
    assert all(r.json()["read"] for r in replies), [r.text for r in replies]
    assert sum(1 for r in replies if r.json()["award"]) == 6
    mine = requests.get(f"{stack.url}/api/points/me", headers=h, timeout=30).json()
    assert mine["today"] == 6
    article = next(r for r in mine["rules"] if r["key"] == "article_read")
    assert (article["today"], article["daily_cap"]) == (6, 6)


@pytest.mark.smoke
def test_constitution_progress_lists_the_days_read(stack):
    make_tree()
    member = make_member("71000004", "B1", password=None)
    make_item("dangzhang-001", chars=200, kind="constitution", day=1)
    make_item("dangzhang-002", chars=200, kind="constitution", day=2)
    make_item("dangzhang-003", chars=200, kind="constitution", day=3)
    opened_views(
        "71000004", {"view-dz-00001": "dangzhang-001", "view-dz-00003": "dangzhang-003"}, 600
    )
    h = bearer(member)
    assert beat(stack, h, "view-dz-00001", 1, "dangzhang-001").json()["award"] == {
        "rule": "constitution_read",
        "points": 2,
    }
    # The day's one installment is credited; a second one is read but earns nothing today.
    third = beat(stack, h, "view-dz-00003", 1, "dangzhang-003").json()
    assert third["read"] is True and third["award"] is None
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
    make_item("a2")
    h = bearer(member)
    assert beat(stack, h, "view-bad-00001", 0, seconds=-1).status_code == 400
    assert beat(stack, h, "short", 0).status_code == 400
    assert beat(stack, h, "view-bad-00001", -1).status_code == 400
    assert beat(stack, h, "view-bad-0000\n", 0).status_code == 400
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
    with pytest.raises(ReadingState.DoesNotExist):
        ReadingState.get("71000005")
    assert beat(stack, h, "view-bad-00001", 0, seconds=0).status_code == 200
    # A view is for one article: another slug under the same id is refused.
    assert beat(stack, h, "view-bad-00001", 1, slug="a2").status_code == 409
    # Another member's view ids are her own: the same id is a different view.
    assert beat(stack, bearer(other), "view-bad-00001", 0, seconds=0).status_code == 200
    assert _view("71000005", "view-bad-00001")["s"] == "a1"
    assert _view("71000006", "view-bad-00001")["s"] == "a1"

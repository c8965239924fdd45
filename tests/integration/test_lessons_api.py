"""Lessons over HTTP: parallel and replayed lesson heartbeats give exact totals, the resume
position follows the member across devices, bad media fields are refused and change nothing,
and /lessons/mine lists her lessons by state."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from chalicelib import clock, points_figures, tokens
from chalicelib.models import ReadingState
from chalicelib.models.lessons import WatchProgress
from tools.fixtures import bearer, make_item, make_member, make_tree, opened_views
from tools.lesson_fixtures import make_lesson

pytestmark = pytest.mark.usefixtures("clean_tables")


def beat(stack, headers, view_id, seq, slug, seconds=15, **media):
    return requests.post(
        f"{stack.url}/api/reading/heartbeat",
        json={"view_id": view_id, "seq": seq, "slug": slug, "seconds": seconds, **media},
        headers=headers,
        timeout=30,
    )


def get(stack, headers, path):
    return requests.get(f"{stack.url}/api{path}", headers=headers, timeout=30)


def device(member, session: str) -> dict[str, str]:
    """Another sign-in of the same member (another phone)."""
    token = tokens.issue_access_token(member.member_no, member.session_epoch, session, 0)
    return {"Authorization": f"Bearer {token}"}


def test_parallel_replayed_lesson_beats_give_exact_totals(stack):
    make_tree()
    member = make_member("74000001", "B1", password=None)
    make_lesson("par-lesson", duration=600)
    opened_views("74000001", {"view-lpar-0001": "par-lesson"}, ago=600)
    h = bearer(member)
    # The time is credited from the view's opening on: minutes count to the day it lies in.
    day = clock.day_of(clock.now() - 600)
    sends = [
        (seq, {"position": 15 * seq, "ranges": [[15 * (seq - 1), 15 * seq]]})
        for seq in range(1, 13)
    ] * 3
    random.Random(19).shuffle(sends)
    with ThreadPoolExecutor(max_workers=6) as pool:
        replies = list(
            pool.map(lambda s: beat(stack, h, "view-lpar-0001", s[0], "par-lesson", **s[1]), sends)
        )
    assert all(r.status_code == 200 for r in replies), [r.text for r in replies]
    row = WatchProgress.get("74000001", "par-lesson", consistent_read=True)
    assert (int(row.seconds), int(row.covered_seconds), row.position) == (180, 180, 180)
    assert sum(1 for r in replies if r.json()["replay"]) == 24
    minutes = sorted(e.object_id for e in points_figures.ledger("74000001"))
    if clock.today() == day:  # not across Beijing's midnight, where the day's count restarts
        # (the line runs from ten minutes ago to now: both ends on one day)
        assert minutes == [f"{day.isoformat()}#{k}" for k in (1, 2, 3)]
        announced = [a for r in replies for a in r.json()["awards"]]
        assert len(announced) == 3


def test_the_position_follows_her_to_another_device(stack):
    make_tree()
    member = make_member("74000002", "B1", password=None)
    make_lesson("resume-lesson", duration=300)
    phone, pad = device(member, "phone-session"), device(member, "pad-session")
    empty = get(stack, pad, "/lessons/resume-lesson/progress").json()
    assert empty == {
        "slug": "resume-lesson",
        "position": 0,
        "duration": 300,
        "covered_share": 0,
        "watched": False,
        "seconds": 0,
    }
    opened_views("74000002", {"view-phone-001": "resume-lesson"}, ago=60)
    first = beat(
        stack, phone, "view-phone-001", 1, "resume-lesson", position=42.5, ranges=[[30, 42.5]]
    )
    assert first.status_code == 200 and first.json()["lesson"]["position"] == 42.5
    seen = get(stack, pad, "/lessons/resume-lesson/progress").json()
    assert (
        seen["position"] == 42.5 and seen["covered_share"] == 0.05
    )  # 30–42.5 s: three segments, the last half played
    # The pad opens its own view there and moves on; the phone then sees the pad's position.
    assert (
        beat(stack, pad, "view-pad-00001", 0, "resume-lesson", 0, position=42.5).status_code == 200
    )
    assert get(stack, phone, "/lessons/resume-lesson/progress").json()["position"] == 42.5
    assert (
        beat(stack, pad, "view-pad-00001", 1, "resume-lesson", 0, position=100).status_code == 200
    )
    assert get(stack, phone, "/lessons/resume-lesson/progress").json()["position"] == 100


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"position": -1}, "播放位置"),
        ({"position": "12"}, "position"),
        ({"position": True}, "position"),
        ({"position": 3 * 3600 + 2}, "播放位置"),  # beyond any lesson: past the end is clamped
        ({"ranges": [[0, 1]] * 9}, "最多 8 段"),
        ({"ranges": [[1]]}, "播放区间"),
        ({"ranges": [[2, 1]]}, "播放区间"),
        ({"ranges": [[0, "3"]]}, "播放区间"),
        ({"ranges": [[False, 3]]}, "播放区间"),
        ({"ranges": [[0, 3 * 3600 + 2]]}, "播放区间"),
        ({"ranges": {"from": 0}}, "ranges"),
        ({"ranges": [[-1, 3]]}, "播放区间"),
    ],
)
def test_bad_media_fields_are_refused_and_change_nothing(stack, body, message):
    make_tree()
    member = make_member("74000003", "B1", password=None)
    make_lesson("bad-lesson", duration=300)
    reply = beat(stack, bearer(member), "view-lbad-0001", 0, "bad-lesson", 0, **body)
    assert reply.status_code == 400, reply.text
    assert message in reply.json()["Message"]
    with pytest.raises(ReadingState.DoesNotExist):
        ReadingState.get("74000003")


def test_numbers_json_does_not_have_are_refused(stack):
    make_tree()
    member = make_member("74000004", "B1", password=None)
    make_lesson("nan-lesson", duration=300)
    h = {**bearer(member), "Content-Type": "application/json"}
    head = '{"view_id": "view-nan-00001", "seq": 0, "slug": "nan-lesson", "seconds": 0, '
    for tail in ('"position": NaN}', '"ranges": [[0, Infinity]]}', '"position": 1e400}'):
        raw = head + tail
        reply = requests.post(f"{stack.url}/api/reading/heartbeat", data=raw, headers=h, timeout=30)
        assert reply.status_code == 400, reply.text
    with pytest.raises(ReadingState.DoesNotExist):
        ReadingState.get("74000004")


def test_my_lessons_by_state_newest_first(stack):
    make_tree()
    member = make_member("74000005", "B1", password=None)
    make_lesson("mine-a", duration=30)
    make_lesson("mine-b", duration=300, media_kind="audio")
    make_lesson("mine-c", duration=300)
    make_item("mine-article")
    h = bearer(member)
    opened_views(
        "74000005",
        {"view-mine-0001": "mine-a", "view-mine-0002": "mine-b", "view-mine-0003": "mine-c"},
        ago=600,
    )
    # a: watched whole; c: 20 s in; b: the most recent, 65 s in.
    assert beat(stack, h, "view-mine-0001", 1, "mine-a", 15, position=15, ranges=[[0, 15]]).ok
    assert beat(stack, h, "view-mine-0001", 2, "mine-a", 15, position=30, ranges=[[15, 30]]).ok
    assert beat(stack, h, "view-mine-0003", 1, "mine-c", 10, position=20, ranges=[[10, 20]]).ok
    assert beat(stack, h, "view-mine-0002", 1, "mine-b", 15, position=65, ranges=[[50, 65]]).ok
    everything = get(stack, h, "/lessons/mine").json()
    assert [x["slug"] for x in everything["lessons"]] == ["mine-b", "mine-c", "mine-a"]
    assert everything["watched_count"] == 1
    b = everything["lessons"][0]
    assert (b["title"], b["url"], b["media_kind"], b["position"], b["watched"]) == (
        "党课 mine-b",
        "/lessons/mine-b.html",
        "audio",
        65,
        False,
    )
    going = get(stack, h, "/lessons/mine?state=in_progress&limit=1").json()
    assert [x["slug"] for x in going["lessons"]] == ["mine-b"]
    done = get(stack, h, "/lessons/mine?state=watched").json()["lessons"]
    assert [(x["slug"], x["watched"], x["covered_share"]) for x in done] == [("mine-a", True, 1.0)]
    assert done[0]["watched_on"] == clock.today().isoformat() or done[0]["watched_on"]
    for bad in ("?limit=0", "?limit=51", "?limit=x", "?limit=²", "?state=done"):
        assert get(stack, h, f"/lessons/mine{bad}").status_code == 400
    assert get(stack, h, "/lessons/no-such/progress").status_code == 404
    assert get(stack, h, "/lessons/mine-article/progress").status_code == 404
    assert get(stack, {}, "/lessons/mine").status_code == 401

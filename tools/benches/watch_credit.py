"""微党课 watch credit: read and write units per lesson heartbeat (a plain one, one that completes
a minute of watching time with its award, one that makes the lesson watched, a replay), per
progress read (GET /lessons/{slug}/progress) and per GET /lessons/mine, through the routes, with
the article heartbeat measured in the same run as the baseline; handler times over HTTP."""

from __future__ import annotations

import itertools
import statistics

import requests

from infra.local_stack import LocalStack
from tools.bench import Row, percentile, timed
from tools.bench_routes import Routes
from tools.fixtures import bearer, make_item, make_member, make_tree, opened_views
from tools.lesson_fixtures import make_lesson

MINE_LESSONS = 12  # lessons she has progress on when /lessons/mine is measured


def run(stack: LocalStack) -> list[Row]:
    make_tree()
    member = make_member("31900001", "B1", password=None)
    make_item("bench-watch-article", chars=1200)  # read at 90 s: the beats below complete nothing
    make_lesson("bench-watch", duration=100)  # watched at 80 s covered
    for i in range(MINE_LESSONS):
        make_lesson(f"bench-watch-{i:02d}", duration=600)
    views = {"bench-aview-0001": "bench-watch-article", "bench-lview-0001": "bench-watch"}
    views |= {f"bench-mview-{i:04d}": f"bench-watch-{i:02d}" for i in range(MINE_LESSONS)}
    opened_views(member.member_no, views, ago=3600)
    routes = Routes()

    def beat(action: str, view: str, slug: str, seq: int, **media: object) -> tuple[dict, list]:
        body = {"view_id": view, "seq": seq, "slug": slug, "seconds": 15, **media}
        reply, rows = routes.measure(action, "POST", "/reading/heartbeat", member=member, body=body)
        return reply.json_body, rows

    def lesson_beat(action: str, seq: int) -> tuple[dict, list]:
        media = {"position": 15 * seq, "ranges": [[15 * (seq - 1), 15 * seq]]}
        return beat(action, "bench-lview-0001", "bench-watch", seq, **media)

    _, article = beat(
        "article heartbeat (baseline of the lesson heartbeat)",
        "bench-aview-0001",
        "bench-watch-article",
        1,
    )
    # Beats 1–3: 45 s; beat 4 completes her first minute; beat 6 covers 90 of 100 s: watched.
    out, plain = lesson_beat("lesson heartbeat", 1)
    for seq in (2, 3):
        out, _ = lesson_beat("lesson heartbeat", seq)
    out, minute = lesson_beat("lesson heartbeat that completes a minute, with its award", 4)
    if [a["rule"] for a in out["awards"]] != ["watch_time"]:
        raise RuntimeError(f"the fourth beat awarded {out['awards']}")
    out, _ = lesson_beat("lesson heartbeat", 5)
    out, watched = lesson_beat("lesson heartbeat that makes the lesson watched, with its award", 6)
    if not out["lesson"]["watched"] or [a["rule"] for a in out["awards"]] != ["lesson_watched"]:
        raise RuntimeError(f"the sixth beat did not make it watched: {out}")
    _, replay = lesson_beat("replayed lesson heartbeat (checks for awards to repair)", 6)
    for i in range(MINE_LESSONS):
        media = {"position": 30, "ranges": [[15, 30]]}
        beat("lesson heartbeat", f"bench-mview-{i:04d}", f"bench-watch-{i:02d}", 1, **media)
    _, progress = routes.measure(
        "lesson progress (GET /lessons/{slug}/progress)",
        "GET",
        "/lessons/bench-watch/progress",
        member=member,
    )
    _, home = routes.measure(
        "continue watching (GET /lessons/mine?state=in_progress&limit=3)",
        "GET",
        "/lessons/mine?state=in_progress&limit=3",
        member=member,
    )
    _, mine = routes.measure(
        f"my lessons (GET /lessons/mine, {MINE_LESSONS + 1} lessons)",
        "GET",
        "/lessons/mine",
        member=member,
    )

    url = f"{stack.url}/api"
    h = bearer(member)
    make_lesson("bench-watch-http", duration=3600)
    opened_views(member.member_no, {"bench-hview-0001": "bench-watch-http"}, ago=3600)
    seq = itertools.count(1)

    def http_beat() -> None:
        n = next(seq)
        requests.post(
            f"{url}/reading/heartbeat",
            json={
                "view_id": "bench-hview-0001",
                "seq": n,
                "slug": "bench-watch-http",
                "seconds": 1,
                "position": n,
                "ranges": [[n - 1, n]],
            },
            headers=h,
            timeout=30,
        ).raise_for_status()

    http_beat()
    beat_ms = timed(http_beat, 30)
    mine_ms = timed(lambda: requests.get(f"{url}/lessons/mine?limit=3", headers=h, timeout=30), 30)
    return [
        *article,
        *plain,
        *minute,
        *watched,
        *replay,
        *progress,
        *home,
        *mine,
        ("lesson heartbeat over HTTP, p50", round(statistics.median(beat_ms), 1), "ms"),
        ("lesson heartbeat over HTTP, p95", round(percentile(beat_ms, 95), 1), "ms"),
        ("GET /lessons/mine over HTTP, p50", round(statistics.median(mine_ms), 1), "ms"),
    ]

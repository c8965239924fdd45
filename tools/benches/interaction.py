"""Comments and votes: read and write units per comment post (with its award), per held comment,
per comment page, per vote (with its award) and per campaign view, through the routes (the token
check included); handler times over HTTP and in-process (p50)."""

from __future__ import annotations

import statistics
import time
import uuid

import requests

from infra.local_stack import LocalStack
from tools.bench import Row
from tools.bench_routes import Routes
from tools.fixtures import bearer, make_campaign, make_item, make_member, make_tree

SAMPLES = 30
ARTICLE = "/articles/bench-article/comments"
VOTES = "/campaigns/bench-campaign/votes"


def _p50_in_process(fn, n: int = SAMPLES) -> float:
    samples = []
    for i in range(n):
        start = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(samples), 1)


def _p50_http(send, n: int = SAMPLES) -> float:
    samples = []
    for i in range(n):
        start = time.perf_counter()
        r = send(i)
        samples.append((time.perf_counter() - start) * 1000)
        assert r.status_code < 300, r.text
    return round(statistics.median(samples), 1)


def _comment(text: str) -> dict[str, str]:
    return {"text": text, "request_id": uuid.uuid4().hex}


def _vote(candidate: str) -> dict[str, str]:
    return {"candidate": candidate, "request_id": uuid.uuid4().hex}


def run(stack: LocalStack) -> list[Row]:
    make_tree()
    make_item("bench-article")
    # Members: each posts at most 2 comments (the per-minute limit) and votes once.
    members = [make_member(f"3200{i:04d}", "B1", password=None) for i in range(4 * SAMPLES + 4)]
    make_campaign("bench-campaign", candidates=("bench-a", "bench-b"), votes_per_member=1)
    url = f"{stack.url}/api"
    m0, m1 = members[0], members[1]
    routes = Routes()

    routes.send("POST", ARTICLE, member=m0, body=_comment("暖身的第一条评论"))
    post, held = (
        routes.measure(action, "POST", ARTICLE, member=m1, body=_comment(text))[1]
        for action, text in (
            ("comment post, with its award", "基准测试评论内容"),
            ("comment post held by the word filter", "含敏感词 赌博 的评论"),
        )
    )
    _, page = routes.measure("comment page (20, signed in)", "GET", ARTICLE, member=m0)
    _, vote = routes.measure(
        "vote, with its award", "POST", VOTES, member=m0, body=_vote("bench-a")
    )
    _, view = routes.measure(
        "campaign view (signed in)", "GET", "/campaigns/bench-campaign", member=m1
    )

    post_ms = _p50_in_process(
        lambda i: routes.send(
            "POST", ARTICLE, member=members[2 + i // 2], body=_comment(f"进程内基准评论 {i}")
        )
    )
    vote_ms = _p50_in_process(
        lambda i: routes.send("POST", VOTES, member=members[2 + i], body=_vote("bench-b"))
    )
    http_members = members[2 + SAMPLES :]
    post_http = _p50_http(
        lambda i: requests.post(
            f"{url}/articles/bench-article/comments",
            json={"text": f"HTTP 基准评论 {i}", "request_id": uuid.uuid4().hex},
            headers=bearer(http_members[i // 2]),
            timeout=30,
        )
    )
    vote_http = _p50_http(
        lambda i: requests.post(
            f"{url}/campaigns/bench-campaign/votes",
            json={"candidate": "bench-a", "request_id": uuid.uuid4().hex},
            headers=bearer(http_members[SAMPLES + i]),
            timeout=30,
        )
    )
    list_http = _p50_http(
        lambda i: requests.get(f"{url}/articles/bench-article/comments", timeout=30)
    )
    return [
        *post,
        *held,
        *page,
        *vote,
        *view,
        ("POST /articles/{slug}/comments over HTTP, p50", post_http, "ms"),
        ("POST /articles/{slug}/comments in-process, p50", post_ms, "ms"),
        ("POST /campaigns/{id}/votes over HTTP, p50", vote_http, "ms"),
        ("POST /campaigns/{id}/votes in-process, p50", vote_ms, "ms"),
        ("GET /articles/{slug}/comments over HTTP (public), p50", list_http, "ms"),
    ]

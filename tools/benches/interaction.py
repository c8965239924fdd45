"""Comments and votes: DynamoDB capacity units per comment post, per comment page, per vote and per
campaign view (the token check's member read included), and handler times over HTTP and
in-process (p50)."""

from __future__ import annotations

import statistics
import time
import uuid

import requests

from chalicelib import comments, registry, votes
from infra.local_stack import LocalStack
from tools.bench import Row
from tools.capacity import metered
from tools.fixtures import bearer, make_campaign, make_item, make_member, make_tree

SAMPLES = 30


def _cost(member_no: str, work) -> float:
    with metered() as m:
        registry.get_member(member_no)
        work()
    return round(m.total, 2)


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


def run(stack: LocalStack) -> list[Row]:
    make_tree()
    make_item("bench-article")
    # Members: each posts at most 2 comments (the per-minute limit) and votes once.
    members = [make_member(f"3200{i:04d}", "B1", password=None) for i in range(4 * SAMPLES + 4)]
    make_campaign("bench-campaign", candidates=("bench-a", "bench-b"), votes_per_member=1)
    url = f"{stack.url}/api"
    m0, m1 = members[0], members[1]

    comments.post(m0, "bench-article", "暖身的第一条评论", uuid.uuid4().hex)
    post_cu = _cost(
        m1.member_no,
        lambda: comments.post(m1, "bench-article", "基准测试评论内容", uuid.uuid4().hex),
    )
    held_cu = _cost(
        m1.member_no,
        lambda: comments.post(m1, "bench-article", "含敏感词 赌博 的评论", uuid.uuid4().hex),
    )
    page_cu = _cost(m0.member_no, lambda: comments.list_for("bench-article", m0))
    vote_cu = _cost(m0.member_no, lambda: votes.cast(m0, "bench-campaign", "bench-a", "warm-00"))
    view_cu = _cost(m1.member_no, lambda: votes.describe(votes.get_campaign("bench-campaign"), m1))

    post_ms = _p50_in_process(
        lambda i: comments.post(
            members[2 + i // 2], "bench-article", f"进程内基准评论 {i}", uuid.uuid4().hex
        )
    )
    vote_ms = _p50_in_process(
        lambda i: votes.cast(members[2 + i], "bench-campaign", "bench-b", uuid.uuid4().hex)
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
        ("capacity units per comment post (visible, with its award)", post_cu, "CU"),
        ("capacity units per comment post held by the word filter", held_cu, "CU"),
        ("capacity units per comment page (20, signed in)", page_cu, "CU"),
        ("capacity units per vote (with its award)", vote_cu, "CU"),
        ("capacity units per campaign view (signed in)", view_cu, "CU"),
        ("POST /articles/{slug}/comments over HTTP, p50", post_http, "ms"),
        ("POST /articles/{slug}/comments in-process, p50", post_ms, "ms"),
        ("POST /campaigns/{id}/votes over HTTP, p50", vote_http, "ms"),
        ("POST /campaigns/{id}/votes in-process, p50", vote_ms, "ms"),
        ("GET /articles/{slug}/comments over HTTP (public), p50", list_http, "ms"),
    ]

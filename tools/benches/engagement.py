"""Reading logs, points and leaderboards: read and write units per heartbeat, per heartbeat that
completes a read (with its award), per leaderboard page and per 我的党建, through the routes;
handler times over HTTP; the ranking job for 10,000 generated members."""

from __future__ import annotations

import random
import statistics
import time

import requests

from chalicelib import points, ranking
from chalicelib.models import Member, OrgUnit, PointTotal
from infra.local_stack import LocalStack
from tools.bench import Row, percentile, timed
from tools.bench_routes import Routes
from tools.capacity import metered
from tools.fixtures import bearer, make_item, make_member, make_tree, opened_views

JOB_MEMBERS = 10_000
JOB_BRANCHES = 200  # 50 members a branch, under 20 general branches of one committee


def _generate_org(n_members: int, n_branches: int) -> None:
    """One committee, general branches of 10 branches each, members with year totals written
    straight through the models (as the aggregator would leave them)."""
    day = points.clock.today()
    rng = random.Random(1)
    with OrgUnit.batch_write() as batch:
        batch.save(
            OrgUnit("BC", name="基准党委", kind="committee", path=["BC"], path_kinds=["committee"])
        )
        for g in range(n_branches // 10):
            gid = f"BG{g:02d}"
            batch.save(
                OrgUnit(
                    gid,
                    name=f"党总支{g}",
                    kind="general_branch",
                    parent_id="BC",
                    path=["BC", gid],
                    path_kinds=["committee", "general_branch"],
                )
            )
            for b in range(10):
                bid = f"BB{g:02d}{b}"
                batch.save(
                    OrgUnit(
                        bid,
                        name=f"党支部{g}-{b}",
                        kind="branch",
                        parent_id=gid,
                        path=["BC", gid, bid],
                        path_kinds=["committee", "general_branch", "branch"],
                    )
                )
    branches = [f"BB{g:02d}{b}" for g in range(n_branches // 10) for b in range(10)]
    with Member.batch_write() as mb, PointTotal.batch_write() as tb:
        for i in range(n_members):
            no = f"9{i:07d}"
            mb.save(
                Member(
                    no,
                    name=f"党员{i}",
                    branch_id=branches[i % len(branches)],
                    status="full",
                    active=True,
                )
            )
            pts = rng.randint(0, 300)
            tb.save(
                PointTotal(
                    no,
                    f"y{day.year}",
                    points=pts * 3,
                    carried=pts,
                    months={f"{day.month:02d}": pts},
                    rules={"article_read": pts * 3},
                    recent={day.isoformat(): {"v": 1, "s": {"article_read": min(pts, 6)}}},
                    board_key=f"y{day.year}#{points.shard(no)}",
                )
            )


def run(stack: LocalStack) -> list[Row]:
    make_tree()
    member = make_member("31000001", "B1", password=None)
    make_member("31000002", "B1", password=None)
    make_item("bench-a", chars=1200)  # 3 min estimated: read at 90 s
    url = f"{stack.url}/api"
    h = bearer(member)
    routes = Routes()

    # A plain heartbeat, then heartbeats until one completes the article (with its award). The
    # view opened ten minutes ago: the server credits no more than the time since then.
    opened_views(member.member_no, {"bench-view-0001": "bench-a"}, ago=600)

    def beat(action: str, seq: int) -> tuple[dict, list[Row]]:
        body = {"view_id": "bench-view-0001", "seq": seq, "slug": "bench-a", "seconds": 15}
        reply, rows = routes.measure(action, "POST", "/reading/heartbeat", member=member, body=body)
        return reply.json_body, rows

    out, heartbeat = beat("heartbeat", 1)
    seq = 1
    while not out["read"]:
        seq += 1
        if seq > 20:
            raise RuntimeError(f"bench-a never read: {out}")
        out, completion = beat("heartbeat that completes a read, with its award", seq)
    if not out.get("award"):
        raise RuntimeError(f"the completing heartbeat awarded nothing: {out}")
    _, replay = beat("replayed heartbeat", 1)
    ranking.compute_boards()  # the scheduled job that writes the boards
    _, board = routes.measure(
        "leaderboard page (branch board)", "GET", "/boards/branch/B1", member=member
    )
    _, summary = routes.measure("我的党建 (GET /points/me)", "GET", "/points/me", member=member)

    # Handler time over HTTP (through the one-origin server and chalice local).
    seq = iter(range(100, 10_000))

    def http_beat() -> None:
        requests.post(
            f"{url}/reading/heartbeat",
            json={"view_id": "bench-view-0002", "seq": next(seq), "slug": "bench-a", "seconds": 1},
            headers=h,
            timeout=30,
        ).raise_for_status()

    http_beat()
    beat_ms = timed(http_beat, 30)
    me_ms = timed(lambda: requests.get(f"{url}/points/me", headers=h, timeout=30), 30)
    board_ms = timed(lambda: requests.get(f"{url}/boards/branch/B1", headers=h, timeout=30), 30)

    # The ranking job for 10,000 generated members.
    _generate_org(JOB_MEMBERS, JOB_BRANCHES)
    start = time.perf_counter()
    with metered() as job_cu:
        stats = ranking.compute_boards()
    job_s = time.perf_counter() - start - job_cu.overhead_s  # without the meter's own reads
    start = time.perf_counter()
    again = ranking.compute_boards()
    rerun_s = time.perf_counter() - start
    assert stats["members"] >= JOB_MEMBERS and again["written"] == 0
    return [
        *heartbeat,
        *completion,
        *replay,
        *board,
        *summary,
        ("POST /reading/heartbeat over HTTP, p50", round(statistics.median(beat_ms), 1), "ms"),
        ("POST /reading/heartbeat over HTTP, p95", round(percentile(beat_ms, 95), 1), "ms"),
        ("GET /points/me over HTTP, p50", round(statistics.median(me_ms), 1), "ms"),
        ("GET /boards/branch/{id} over HTTP, p50", round(statistics.median(board_ms), 1), "ms"),
        (f"ranking job, {JOB_MEMBERS:,} members / {JOB_BRANCHES} branches", round(job_s, 2), "s"),
        ("ranking job, rerun with nothing changed", round(rerun_s, 2), "s"),
        ("ranking job: read units (AWS-billed, first run)", round(job_cu.read_units, 1), "RRU"),
        ("ranking job: write units (AWS-billed, first run)", round(job_cu.write_units, 1), "WRU"),
        ("boards written by the first run", stats["written"], "items"),
    ]

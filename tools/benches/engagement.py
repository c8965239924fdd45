"""Reading logs, points and leaderboards: read and write units per heartbeat, per heartbeat that
completes a read (with its award), per leaderboard page, per 我的党建 and per home page visit
(今日学习), through the routes; handler times over HTTP; the ranking job at 10,000 and 50,000
generated members."""

from __future__ import annotations

import random
import statistics
import time

import requests

from chalicelib import outbox, points, ranking, ranking_log
from chalicelib.models import Member, OrgUnit, PointTotal
from infra import stream_poller
from infra.local_stack import LocalStack
from tools.bench import Row, percentile, timed
from tools.bench_routes import Routes
from tools.capacity import metered
from tools.fixtures import bearer, make_item, make_member, make_tree, opened_views

# The ranking job at 10,000 members / 200 branches, then 40,000 more under a second committee
# (50,000 / 1,000): 50 members a branch, 10 branches a general branch.
JOB_SIZES = ((10_000, 200), (50_000, 1_000))
JOB_AWARDS = 20  # members awarded between two runs


def _generate_org(committee: str, first: int, n_members: int, n_branches: int) -> list[str]:
    """A committee with general branches of 10 branches each, and members (numbered from
    `first`) with year totals written straight through the models (as the aggregator would leave
    them, with no day applied yet: the awards below go through it), all by batch writes; then
    the registry's version is bumped as an import does."""
    day = points.clock.today()
    rng = random.Random(first + 1)
    branches = []
    with OrgUnit.batch_write() as batch:
        batch.save(
            OrgUnit(
                committee,
                name=f"基准党委{committee}",
                kind="committee",
                path=[committee],
                path_kinds=["committee"],
            )
        )
        for g in range(n_branches // 10):
            gid = f"{committee}G{g:03d}"
            batch.save(
                OrgUnit(
                    gid,
                    name=f"党总支{committee}-{g}",
                    kind="general_branch",
                    parent_id=committee,
                    path=[committee, gid],
                    path_kinds=["committee", "general_branch"],
                )
            )
            for b in range(10):
                bid = f"{gid}B{b}"
                branches.append(bid)
                batch.save(
                    OrgUnit(
                        bid,
                        name=f"党支部{committee}-{g}-{b}",
                        kind="branch",
                        parent_id=gid,
                        path=[committee, gid, bid],
                        path_kinds=["committee", "general_branch", "branch"],
                    )
                )
    numbers = []
    with Member.batch_write() as mb, PointTotal.batch_write() as tb:
        for i in range(first, first + n_members):
            no = f"9{i:07d}"
            numbers.append(no)
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
                )
            )
    ranking_log.registry_changed()
    return numbers


def _job_run() -> tuple[dict, float, float, float]:
    """One run of the job: its stats, seconds, read and write units."""
    start = time.perf_counter()
    with metered() as m:
        stats = ranking.compute_boards()
    seconds = time.perf_counter() - start - m.overhead_s  # without the meter's own look-ups
    return stats, seconds, m.read_units, m.write_units


def _job_rows() -> list[Row]:
    """First run (a full recompute), a rerun with nothing changed, a run after JOB_AWARDS
    awards (through the aggregator, as in AWS), at each size."""
    rows: list[Row] = []
    numbers: list[str] = []
    done = (0, 0)
    rng = random.Random(7)
    for round_, (members, branches) in enumerate(JOB_SIZES):
        numbers += _generate_org(f"BC{round_}", done[0], members - done[0], branches - done[1])
        done = (members, branches)
        first = _job_run()
        # A full run leaves the log entries of its last INDEX_LAG_MS (the bench's own earlier
        # awards) to the next run; after that one, nothing has changed.
        _job_run()
        again = _job_run()
        for no in rng.sample(numbers, JOB_AWARDS):
            points.award(no, "article_read", f"bench-job-{round_}")
        stream_poller.drain()
        after = _job_run()
        assert first[0]["mode"] == "full" and first[0]["members"] >= members, first[0]
        assert again[0]["mode"] == "idle" and after[0]["mode"] == "changes", (again, after)
        size = f"{members:,} members / {branches:,} branches"
        for label, (_stats, seconds, read, write) in (
            ("full recompute (first run)", first),
            ("rerun with nothing changed", again),
            (f"run after {JOB_AWARDS} awards", after),
        ):
            rows += [
                (f"ranking job, {size}, {label}", round(seconds, 2), "s"),
                (f"ranking job, {size}, {label}: read units (AWS-billed)", round(read, 1), "RRU"),
                (f"ranking job, {size}, {label}: write units (AWS-billed)", round(write, 1), "WRU"),
            ]
        rows.append(
            (f"ranking job, {size}, boards written by the first run", first[0]["written"], "items")
        )
    return rows


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
    # The home page's panel, on every visit of a signed-in member (a warm function: the quiz
    # list and the catalog item are cached after the first).
    routes.send("GET", "/me/today", member=member)
    _, home = routes.measure("home page (GET /me/today)", "GET", "/me/today", member=member)
    # The 消息 badge on the other pages (badge.js: once a minute at most), with 30 unread.
    for i in range(30):
        outbox.post(
            f"bench:badge:{i}",
            "dues_reminder",
            [member.member_no],
            "党费提醒",
            "本月党费尚未交纳。",
        )
    _, badge = routes.measure(
        "消息 badge (GET /me/messages/unread)", "GET", "/me/messages/unread", member=member
    )

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
    home_ms = timed(lambda: requests.get(f"{url}/me/today", headers=h, timeout=30), 30)
    badge_ms = timed(lambda: requests.get(f"{url}/me/messages/unread", headers=h, timeout=30), 30)
    board_ms = timed(lambda: requests.get(f"{url}/boards/branch/B1", headers=h, timeout=30), 30)

    return [
        *heartbeat,
        *completion,
        *replay,
        *board,
        *summary,
        *home,
        *badge,
        ("POST /reading/heartbeat over HTTP, p50", round(statistics.median(beat_ms), 1), "ms"),
        ("POST /reading/heartbeat over HTTP, p95", round(percentile(beat_ms, 95), 1), "ms"),
        ("GET /points/me over HTTP, p50", round(statistics.median(me_ms), 1), "ms"),
        ("GET /me/today over HTTP, p50", round(statistics.median(home_ms), 1), "ms"),
        ("GET /me/messages/unread over HTTP, p50", round(statistics.median(badge_ms), 1), "ms"),
        ("GET /boards/branch/{id} over HTTP, p50", round(statistics.median(board_ms), 1), "ms"),
        *_job_rows(),
    ]

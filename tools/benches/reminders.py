"""Scheduled reminders at 10,000 generated members: read and write units of each reminder's run
(political birthdays, overdue reviews, held comments; the messages it posts included), of the
hourly run once the day's reminders are finished, and of the whole 10:00 run; beside them, what
one Scan of the members table would cost (what the sparse `reminders` index saves each day).
Clock frozen at a Tuesday in Beijing time, as the tests do."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta

from chalicelib import clock, comments, reminder_defs, reminders
from chalicelib.models import Comment, Member, OrgUnit
from chalicelib.models.registry import remind_key
from infra.local_stack import LocalStack
from tools.bench import Row
from tools.capacity import metered
from tools.review_store import Submission, register

MEMBERS = 10_000
GENERALS, BRANCHES_EACH = 20, 10  # 200 branches of 50
PENDING_REVIEWS, OLD_REVIEWS = 40, 20
HELD_COMMENTS, OLD_COMMENTS = 60, 30
DAY = date(2026, 12, 1)  # a Tuesday: every runnable reminder of the shipped file is due


def _at(day: date, hour: int) -> None:
    stamp = datetime(day.year, day.month, day.day, hour, tzinfo=clock.TZ).timestamp()
    clock.now = lambda: stamp  # type: ignore[assignment]


def _org(rng: random.Random) -> list[OrgUnit]:
    """One committee, 20 general branches of 10 branches; 50 members a branch with 入党 dates
    spread over 50 years; a secretary and a committee member in each branch, two general-branch
    committee members per general branch, five party-committee members, two administrators."""
    branches: list[OrgUnit] = []
    with OrgUnit.batch_write() as batch:
        batch.save(
            OrgUnit("RC", name="基准党委", kind="committee", path=["RC"], path_kinds=["committee"])
        )
        for g in range(GENERALS):
            gid = f"RCG{g:02d}"
            batch.save(
                OrgUnit(
                    gid,
                    name=f"党总支{g}",
                    kind="general_branch",
                    parent_id="RC",
                    path=["RC", gid],
                    path_kinds=["committee", "general_branch"],
                )
            )
            for b in range(BRANCHES_EACH):
                bid = f"{gid}B{b}"
                unit = OrgUnit(
                    bid,
                    name=f"党支部{g}-{b}",
                    kind="branch",
                    parent_id=gid,
                    path=["RC", gid, bid],
                    path_kinds=["committee", "general_branch", "branch"],
                )
                batch.save(unit)
                branches.append(unit)
    start = date(1975, 1, 1)
    with Member.batch_write() as batch:
        for i in range(MEMBERS):
            branch = branches[i % len(branches)]
            position = i // len(branches)
            roles: list[str] = []
            if position == 0:
                roles = ["branch_secretary"]
            elif position == 1:
                roles = ["branch_committee"]
            elif position == 2 and i % BRANCHES_EACH < 2:
                roles = ["general_branch_committee"]
            elif position == 3 and i % len(branches) < 5:
                roles = ["party_committee"]
            elif position == 3 and i % len(branches) < 7:
                roles = ["admin"]
            joined = (start + timedelta(days=rng.randrange(50 * 365))).isoformat()
            batch.save(
                Member(
                    f"7{i:07d}",
                    name=f"党员{i}",
                    gender="女",
                    phone=f"139{i:08d}",
                    branch_id=branch.unit_id,
                    status="full",
                    roles=roles,
                    joined_on=joined,
                    active=True,
                    password_hash="x" * 90,  # the size of a real hash: Scans read it too
                    remind_key=remind_key(roles, joined, True),
                )
            )
    return branches


def _work(rng: random.Random, branches: list[OrgUnit]) -> None:
    """Pending review versions (half older than 3 days) and held comments (half older than 24
    hours), spread over the branches."""
    for n in range(PENDING_REVIEWS):
        _at(DAY - timedelta(days=6 if n < OLD_REVIEWS else 1), 9)
        unit = rng.choice(branches)
        register(
            Submission(
                slug=f"bench-{n}",
                content_hash=f"{n:064x}",
                title=f"支部动态{n}",
                category="微发布",
                branch_id=unit.unit_id,
                branch_path=tuple(unit.path),
                source_path=f"articles/bench-{n}.md",
                source_text="正文。" * 200,
                preview_html="<p>" + "正文。" * 200 + "</p>",
            )
        )
    with Comment.batch_write() as batch:
        for n in range(HELD_COMMENTS):
            _at(DAY - timedelta(days=3 if n < OLD_COMMENTS else 0), 1)
            unit = rng.choice(branches)
            cid = f"{int(clock.now() * 1000) + n:013d}{n:06x}"
            root, path = comments._mod_keys(comments.HELD, list(unit.path), cid)
            batch.save(
                Comment(
                    f"bench-{n % 7}",
                    cid,
                    member_no="70000100",
                    author_name="党员",
                    branch_id=unit.unit_id,
                    branch_name=unit.name,
                    branch_path=list(unit.path),
                    text="这是一条被敏感词暂缓显示的评论。" * 3,
                    status=comments.HELD,
                    reason="敏感词：某词",
                    created_at=clock.now(),
                    mod_root=root,
                    mod_path=path,
                )
            )


def _measure(fn: Callable[[], object]) -> tuple[object, float, float, float]:
    start = time.perf_counter()
    with metered() as m:
        out = fn()
    seconds = time.perf_counter() - start - m.overhead_s
    return out, m.read_units, m.write_units, seconds


def run(stack: LocalStack) -> list[Row]:
    real_now = clock.now
    rng = random.Random(13)
    try:
        branches = _org(rng)
        _work(rng, branches)
        rows: list[Row] = []
        size = f"{MEMBERS:,} members"
        _at(DAY, 10)
        for key in ("political_birthday", "review_overdue", "moderation_overdue"):
            reminder = reminder_defs.by_key(key)
            out, read, write, seconds = _measure(lambda r=reminder: reminders.run_one(r))
            label = f"reminder run {key}, {size}"
            rows += [
                (f"{label}: read units (AWS-billed)", round(read, 1), "RRU"),
                (f"{label}: write units (AWS-billed)", round(write, 1), "WRU"),
                (f"{label}, messages", out.recipients, "messages"),  # type: ignore[attr-defined]
                (f"{label}, time", round(seconds, 2), "s"),
            ]
        _at(DAY, 11)
        _, read, write, _ = _measure(reminders.run_due)
        rows += [
            (
                f"hourly reminder run, today's all finished, {size}: read units (AWS-billed)",
                round(read, 1),
                "RRU",
            ),
            (
                f"hourly reminder run, today's all finished, {size}: write units (AWS-billed)",
                round(write, 1),
                "WRU",
            ),
        ]
        _at(DAY + timedelta(days=1), 10)  # the next day's 10:00 run: all three due, one context
        stats, read, write, seconds = _measure(reminders.run_due)
        sent = sum(r["created"] for r in stats["ran"])  # type: ignore[index]
        rows += [
            (
                f"hourly reminder run at 10:00, all due, {size}: read units (AWS-billed)",
                round(read, 1),
                "RRU",
            ),
            (
                f"hourly reminder run at 10:00, all due, {size}: write units (AWS-billed)",
                round(write, 1),
                "WRU",
            ),
            (f"hourly reminder run at 10:00, all due, {size}, messages", sent, "messages"),
            (f"hourly reminder run at 10:00, all due, {size}, time", round(seconds, 2), "s"),
        ]
        _, read, _, _ = _measure(lambda: sum(1 for _ in Member.scan()))
        rows.append(
            (
                f"for comparison: one Scan of the members table, {size}: read units (AWS-billed)",
                round(read, 1),
                "RRU",
            )
        )
        return rows
    finally:
        clock.now = real_now  # type: ignore[assignment]

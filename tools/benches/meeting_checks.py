"""The monthly statistics job (meeting_checks.run) and the 主题党日 warning at 10,000 members:
the reminders bench's organisation (200 branches of 50 in 20 general branches under one
committee), each branch holding a year of organisation life as the rules ask (支部委员会, 党小组会
and 主题党日 monthly, 支部党员大会 and 党课 quarterly, 组织生活会 and 民主评议党员 in December:
9,200 locked meetings, each with ~1,000 characters of minutes, as a real record has), except
that 20 branches skip December's 主题党日. Read and write units (AWS-billed) and time of: a
mid-quarter day (one month read), the same run again (nothing changed: nothing written), a
December day (the year's twelve months read for the yearly requirements), the warning's run on
the 20th, the 2nd of January (December closed, January computed, 200 monthly lists generated),
a secretary's list, and a committee member's GET /units/{id}/month and /overdue over the whole
organisation."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import datetime

from chalicelib import clock, meeting_checks, reminder_defs, reminders
from chalicelib.models import Meeting, Member, OrgUnit
from infra.local_stack import LocalStack
from tools.bench import Row
from tools.bench_routes import Routes
from tools.benches.reminders import MEMBERS, _org
from tools.capacity import metered
from tools.fixtures import bearer

YEAR = 2026
SKIPPING = 20  # branches without December's 主题党日
MINUTES = "会议传达学习了上级精神，结合支部实际进行了讨论，明确了下一步工作安排。" * 30


def _at(year: int, month: int, day: int, hour: int) -> None:
    stamp = datetime(year, month, day, hour, tzinfo=clock.TZ).timestamp()
    clock.now = lambda: stamp  # type: ignore[assignment]


def _year_of_meetings(branches: list[OrgUnit], rng: random.Random) -> int:
    """Each branch's year, as the rules ask: 46 locked meetings a branch."""
    n = 0
    skipping = {b.unit_id for b in rng.sample(branches, SKIPPING)}
    with Meeting.batch_write() as batch:
        for branch in branches:
            for month in range(1, 13):
                kinds = ["branch_committee", "group_meeting", "theme_day"]
                if month % 3 == 0:
                    kinds += ["branch_assembly", "party_lecture"]
                if month == 12:
                    kinds += ["life_meeting", "member_review"]
                    if branch.unit_id in skipping:
                        kinds.remove("theme_day")
                for kind in kinds:
                    n += 1
                    day = rng.randint(1, 18)
                    start = f"{YEAR}-{month:02d}-{day:02d}T14:30:00+08:00"
                    mid = f"mt_bench{n:07d}"
                    batch.save(
                        Meeting(
                            mid,
                            unit_id=branch.unit_id,
                            unit_path=list(branch.path),
                            unit_name=branch.name,
                            kind=kind,
                            topic=f"{branch.name}{month}月会议",
                            starts_at=start,
                            ends_at=start,
                            month=f"{YEAR}-{month:02d}",
                            place="党员活动室",
                            organiser="70000000",
                            host="70000000",
                            recorder="70000200",
                            state="locked",
                            invited=50,
                            checkin_secret="s" * 32,
                            minutes=MINUTES,
                            decisions=["按时完成上级部署的各项任务。"],
                            locked_at=1,
                            locked_by="70000000",
                            settled_at=1,  # settled at its lock, as every recorded meeting is
                            created_at=1,
                            updated_at=1,
                            unit_sort=f"{start}#{mid}",
                            tree_sort=f"{'/'.join(branch.path)}/#{start}#{mid}",
                        )
                    )
    return n


def _measure(fn: Callable[[], object]) -> tuple[object, float, float, float]:
    start = time.perf_counter()
    with metered() as m:
        out = fn()
    seconds = time.perf_counter() - start - m.overhead_s
    return out, m.read_units, m.write_units, seconds


def _rows(label: str, read: float, write: float, seconds: float | None = None) -> list[Row]:
    rows: list[Row] = [
        (f"{label}: read units (AWS-billed)", round(read, 1), "RRU"),
        (f"{label}: write units (AWS-billed)", round(write, 1), "WRU"),
    ]
    if seconds is not None:
        rows.append((f"{label}, time", round(seconds, 2), "s"))
    return rows


def run(stack: LocalStack) -> list[Row]:
    real_now = clock.now
    rng = random.Random(14)
    try:
        branches = _org(rng)
        meetings = _year_of_meetings(branches, rng)
        staff = list(Member.reminders.query("staff"))
        committee = next(m for m in staff if "party_committee" in m.roles)
        secretary = next(m for m in staff if "branch_secretary" in m.roles)
        # Tokens at the real time: one issued at a frozen future time is not valid yet.
        committee_auth, secretary_auth = bearer(committee), bearer(secretary)
        size = f"{MEMBERS:,} members, {meetings:,} meetings"
        rows: list[Row] = []

        def check(label: str) -> dict:
            stats, read, write, seconds = _measure(meeting_checks.run)
            rows.extend(_rows(f"monthly check, {label}, {size}", read, write, seconds))
            return stats  # type: ignore[return-value]

        _at(YEAR, 11, 10, 2)
        check("a mid-quarter day (November)")
        check("the same day again (nothing changed)")
        _at(YEAR, 12, 10, 2)
        stats = check("a December day (12 months read)")
        rows.append(("monthly check, December: meeting queries", stats["meeting_queries"], "n"))
        _at(YEAR, 12, 20, 10)
        reminder = reminder_defs.by_key("theme_day_missing")
        out, read, write, seconds = _measure(lambda: reminders.run_one(reminder))
        label = f"主题党日 warning on the 20th, {SKIPPING} branches missing, {size}"
        rows += _rows(label, read, write, seconds)
        rows.append((f"{label}, messages", out.recipients, "messages"))  # type: ignore[attr-defined]
        _at(YEAR + 1, 1, 2, 2)
        check("2 January (December closed, 200 lists generated)")
        routes = Routes()
        requests = (
            (f"/units/{secretary.branch_id}/plan", secretary_auth, "plan, a branch's list"),
            (f"/units/{secretary.branch_id}/plan", secretary_auth, "plan, the same list again"),
            ("/units/RC/month?month=2026-12", committee_auth, "month, the committee, 221 units"),
            ("/units/RC/overdue", committee_auth, "overdue, the committee, two months"),
        )
        for path, auth, label in requests:
            with metered() as m:
                routes.send("GET", path, headers=auth)
            rows += _rows(f"GET /units/{{id}}/{label}", m.read_units, m.write_units)
        return rows
    finally:
        clock.now = real_now  # type: ignore[assignment]

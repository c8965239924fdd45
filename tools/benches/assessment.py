"""考核评价's nightly job at 10,000 generated members (the reminders bench's organisation: 200
branches of 50 under 20 general branches and one committee), a month of what it reads: each
member's ledger days (5 a month, lines of study, quizzes and volunteering), two locked
meetings a branch with its 50 attendance rows, every member's dues month, every branch's
monthly-check row. Read and write units (AWS-billed) and time of the job's run for the month,
the same run again (nothing changed: nothing written), and per member and night; and the
console's reads: a committee's 200 branch scores, a branch's member scores, the 红黑榜, a
branch's 民主评议 list, one grade entered."""

from __future__ import annotations

import random
import time
from datetime import date, datetime

from chalicelib import assessment_job, clock, points_ledger
from chalicelib.models import Attendance, DuesMonth, Meeting, Member, OrgUnit, UnitMonth
from infra.local_stack import LocalStack
from tools.bench import Row
from tools.bench_routes import Routes
from tools.benches.reminders import _org
from tools.capacity import metered
from tools.fixtures import bearer

MONTH = "2026-11"
TODAY = date(2026, 11, 20)
DAYS_EACH = 3
RULES = ("article_read", "constitution_read", "daily_quiz", "exam", "volunteer_service")


def _meeting(unit: OrgUnit, start: str) -> Meeting:
    mid = f"mt_assess{unit.unit_id}{start[8:10]}"
    meeting = Meeting(
        mid,
        unit_id=unit.unit_id,
        unit_path=list(unit.path),
        unit_name=unit.name,
        kind="theme_day",
        topic="主题党日",
        starts_at=start,
        ends_at=start,
        month=MONTH,
        organiser="70000000",
        state="locked",
        checkin_secret="s" * 32,
        created_at=0,
        updated_at=0,
        unit_sort=f"{start}#{mid}",
        tree_sort=f"{'/'.join(unit.path)}/#{start}#{mid}",
        locked_at=1,
    )
    meeting.save()
    return meeting


def _month_of_records(rng: random.Random) -> list:
    branches = _org(rng)
    members = list(Member.scan())
    # The day items as the ledger writes them (one "L:<key>" attribute a line), in batches.
    items = []
    for m in members:
        for day in rng.sample(range(1, 29), DAYS_EACH):
            item = {"member_no": {"S": m.member_no}, "day": {"S": f"{MONTH}-{day:02d}"}}
            for n, rule in enumerate(rng.sample(RULES, 3)):
                line = {"a": {"N": str(rng.randint(1, 6))}, "t": {"N": "0"}}
                item[f"{points_ledger.LINE}{rule}#bench{day}-{n}"] = {"M": line}
            item["v"] = {"N": "3"}
            items.append({"PutRequest": {"Item": item}})
    table = points_ledger._table()
    for i in range(0, len(items), 25):
        request = {table: items[i : i + 25]}
        while request:
            out = points_ledger._connection().dispatch("BatchWriteItem", {"RequestItems": request})
            request = out.get("UnprocessedItems") or {}
    by_branch: dict[str, list[Member]] = {}
    for m in members:
        by_branch.setdefault(m.branch_id, []).append(m)
    with Attendance.batch_write() as rows, UnitMonth.batch_write() as checks:
        for unit in branches:
            for n in range(2):
                meeting = _meeting(unit, f"{MONTH}-{10 + n}T09:00:00+08:00")
                for m in by_branch[unit.unit_id]:
                    roll = rng.random()
                    rows.save(
                        Attendance(
                            meeting.meeting_id,
                            m.member_no,
                            name=m.name,
                            branch_id=unit.unit_id,
                            status="full",
                            present=roll > 0.2,
                            absent=roll <= 0.1,
                            member_sort=f"{meeting.starts_at}#{meeting.meeting_id}",
                        )
                    )
            checks.save(
                UnitMonth(
                    unit.unit_id,
                    MONTH,
                    unit_name=unit.name,
                    unit_kind="branch",
                    unit_path=list(unit.path),
                    by_kind={"theme_day": {"held": 2, "required": 1}},
                    computed_at=0,
                    tree_sort="/".join(unit.path) + "/",
                )
            )
    with DuesMonth.batch_write() as dues:
        for m in members:
            expected = 2500
            dues.save(
                DuesMonth(
                    m.member_no,
                    MONTH,
                    name=m.name,
                    branch_id=m.branch_id,
                    tree_key="/".join(["RC", m.branch_id[:5], m.branch_id]) + "/#" + m.member_no,
                    expected_fen=expected,
                    paid_fen=expected if rng.random() < 0.9 else 0,
                    opened_at=0,
                )
            )
    return members


def _rows(label: str, read: float, write: float, seconds: float | None = None) -> list[Row]:
    rows: list[Row] = [
        (f"{label}: read units (AWS-billed)", round(read, 1), "RRU"),
        (f"{label}: write units (AWS-billed)", round(write, 3), "WRU"),
    ]
    if seconds is not None:
        rows.append((f"{label}, time", round(seconds, 2), "s"))
    return rows


def run(stack: LocalStack) -> list[Row]:
    rng = random.Random(17)
    members = _month_of_records(rng)
    rows: list[Row] = []
    real_now = clock.now
    size = f"{len(members):,} members"
    try:
        noon = datetime(2026, 11, 20, 3, tzinfo=clock.TZ).timestamp()
        clock.now = lambda: noon  # type: ignore[assignment]
        first = None
        for label in ("the month's first run", "the same run again (nothing changed)"):
            start = time.perf_counter()
            with metered() as m:
                stats = assessment_job.run(today=TODAY, months=[MONTH])
            # Wall time, metering included: the job's ledger reads run in parallel threads, so
            # the meter's summed per-call overhead is not time the run took.
            seconds = time.perf_counter() - start
            rows += _rows(f"assessment job, {label}, {size}", m.read_units, m.write_units, seconds)
            first = first or m
        # A night where every branch changed (new ledger lines everywhere): the first run.
        rows += _rows(
            "assessment job, per member and night",
            first.read_units / len(members),
            first.write_units / len(members),
        )
        rows.append(("assessment job: queries per run", stats["queries"], "n"))
    finally:
        clock.now = real_now  # type: ignore[assignment]
    committee = next(x for x in members if "party_committee" in x.roles)
    secretary = next(x for x in members if "branch_secretary" in x.roles)
    routes = Routes()
    branch = secretary.branch_id
    requests = (
        ("GET", "/assessment/units/RC/branches?period=2026-11", committee, None,
         "assessment, a committee's 200 branch scores"),
        ("GET", f"/assessment/units/{branch}/members?period=2026-11", secretary, None,
         "assessment, a branch's 50 member scores"),
        ("GET", "/assessment/units/RC/red-black?period=2026-11", committee, None,
         "assessment, the 红黑榜"),
        ("GET", f"/assessment/units/{branch}/grades", secretary, None,
         "assessment, a branch's 民主评议 list (50 members)"),
    )  # fmt: skip
    for method, path, who, body, label in requests:
        with metered() as m:
            routes.send(method, path, headers=bearer(who), body=body)
        rows += _rows(label, m.read_units, m.write_units)
    one = next(x for x in members if x.branch_id == branch and x.member_no != secretary.member_no)
    grade = {
        "year": clock.today().year,
        "member_no": one.member_no,
        "grade": "qualified",
        "request_key": "bench-grade-0001",
    }
    with metered() as m:
        routes.send(
            "POST", f"/assessment/units/{branch}/grades", headers=bearer(secretary), body=grade
        )
    rows += _rows("assessment, one 民主评议 grade entered", m.read_units, m.write_units)
    return rows

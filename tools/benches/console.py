"""The 党务工作台 at 10,000 and 100,000 generated members: the precompute job's time and units
(first run: every item written; again with nothing changed; after an hour's activity of one
member in ten) and a dashboard view's read units and time (the whole organisation, a general
branch of 1,000, a branch of 50 with its member rows), the series of a year's weeks and the
structure view.

The organisation: 50 members a branch, 20 branches a general branch, 10 general branches a
committee (10,000: one committee; 100,000: ten committees under a group). Each member has a
year item for this year (and every other one for last year) as the points aggregator keeps it,
with months, ISO weeks, counts and active days; the registry and the year items are written
with parallel BatchWriteItem calls straight into DynamoDB Local (generation is not measured).
"""

from __future__ import annotations

import json
import random
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

from chalicelib import clock, console_job
from chalicelib.models import Member, OrgUnit, PointTotal
from chalicelib.models.base import connection
from infra.local_stack import LocalStack
from tools.bench import Row, units_figure
from tools.bench_routes import Routes
from tools.capacity import metered
from tools.fixtures import bearer

SIZES = (10_000, 100_000)
BRANCH = 50
BRANCHES_EACH = 20
GENERALS_EACH = 10
EDUCATION = ("研究生", "大学本科", "大学专科", "中专", "高中", "初中及以下", None)
OCCUPATIONS = ("工人", "专业技术人员", "企事业单位管理人员", "党政机关工作人员", "离退休人员", None)
RULES = ("article_read", "constitution_read", "daily_quiz", "comment", "vote", "daily_login")

# The actions tools/cost_estimate.py prices (their units figures are named by these).
DASHBOARD = "console dashboard, a general branch of 1,000 members"
JOB_PER_MEMBER = "console figures job, an hourly run after an hour's activity, per member"


def _put(table: str, items: list[dict[str, Any]]) -> None:
    client = connection().client
    for i in range(0, len(items), 25):
        request = {table: [{"PutRequest": {"Item": it}} for it in items[i : i + 25]]}
        while request:
            reply = client.batch_write_item(RequestItems=request)
            request = reply.get("UnprocessedItems") or {}


def _write(table: str, items: list[dict[str, Any]]) -> None:
    chunks = [items[i : i + 2000] for i in range(0, len(items), 2000)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda c: _put(table, c), chunks))


def _s(v: str) -> dict[str, str]:
    return {"S": v}


def _unit(uid: str, name: str, kind: str, parent: list[str], kinds: list[str], order: int):
    item = {
        "unit_id": _s(uid),
        "name": _s(name),
        "kind": _s(kind),
        "path": {"L": [_s(p) for p in [*parent, uid]]},
        "path_kinds": {"L": [_s(k) for k in [*kinds, kind]]},
        "sort_order": {"N": str(order)},
    }
    if parent:
        item["parent_id"] = _s(parent[-1])
    return item


def _org(members: int) -> tuple[list[dict[str, Any]], list[tuple[str, list[str]]], str, str]:
    """Units (raw items), the branches with their paths, the root and one general branch."""
    branches = members // BRANCH
    generals = branches // BRANCHES_EACH
    committees = max(1, generals // GENERALS_EACH)
    units: list[dict[str, Any]] = []
    out: list[tuple[str, list[str]]] = []
    top: list[str] = []
    top_kinds: list[str] = []
    if committees > 1:
        units.append(_unit("BG", "基准集团党委", "group", [], [], 0))
        top, top_kinds = ["BG"], ["group"]
    for c in range(committees):
        cid = f"BC{c:02d}"
        units.append(_unit(cid, f"基准党委{c}", "committee", top, top_kinds, c))
        for g in range(min(GENERALS_EACH, generals)):
            gid = f"{cid}G{g:02d}"
            cpath, ckinds = [*top, cid], [*top_kinds, "committee"]
            units.append(_unit(gid, f"党总支{c}-{g}", "general_branch", cpath, ckinds, g))
            for b in range(BRANCHES_EACH):
                bid = f"{gid}B{b:02d}"
                units.append(
                    _unit(
                        bid,
                        f"党支部{c}-{g}-{b}",
                        "branch",
                        [*cpath, gid],
                        [*ckinds, "general_branch"],
                        b,
                    )
                )
                out.append((bid, [*cpath, gid, bid]))
    root = top[0] if top else "BC00"
    return units, out, root, "BC00G00"


def _member(no: str, branch: str, rng: random.Random, roles: list[str]) -> dict[str, Any]:
    item: dict[str, Any] = {
        "member_no": _s(no),
        "name": _s(f"党员{no[-5:]}"),
        "gender": _s(rng.choice(("男", "女"))),
        "phone": _s(f"13{no[-9:]:0>9}"),
        "branch_id": _s(branch),
        "status": _s("probationary" if rng.random() < 0.04 else "full"),
        "roles": {"L": [_s(r) for r in roles]},
        "joined_on": _s(f"{rng.randint(1960, 2025)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"),
        "birth_date": _s(f"{rng.randint(1940, 2004)}-0{rng.randint(1, 9)}-2{rng.randint(0, 8)}"),
        "active": {"BOOL": True},
        "session_epoch": {"N": "0"},
    }
    for key, values in (("education", EDUCATION), ("occupation", OCCUPATIONS)):
        v = rng.choice(values)
        if v:
            item[key] = _s(v)
    return item


def year_item(no: str, year: int, rng: random.Random, upto: date) -> dict[str, Any]:
    """A member's year as the points aggregator keeps it (active on about a third of days)."""
    months: dict[str, int] = {}
    counts: dict[str, dict[str, int]] = {}
    days: dict[str, list[int]] = {}
    weeks: dict[str, dict[str, Any]] = {}
    rules: dict[str, int] = {}
    last = upto.month if year == upto.year else 12
    for m in range(1, last + 1):
        mm = f"{m:02d}"
        on = sorted(rng.sample(range(1, 29), rng.randint(0, 12)))
        if not on:
            continue
        days[mm] = on
        c = {r: rng.randint(0, 2 * len(on)) for r in RULES}
        counts[mm] = {r: n for r, n in c.items() if n}
        points = sum(counts[mm].values()) + rng.randint(0, 10)
        months[mm] = points
        for r, n in counts[mm].items():
            rules[r] = rules.get(r, 0) + n
        for d in on:
            y, w, _ = date(year, m, d).isocalendar()
            wk = weeks.setdefault(f"{y}-W{w:02d}", {"p": 0, "c": {}})
            wk["p"] += points // len(on)
            wk["c"]["article_read"] = wk["c"].get("article_read", 0) + 1
    dump = json.dumps
    return {
        "member_no": _s(no),
        "period": _s(f"y{year}"),
        "points": {"N": str(sum(months.values()))},
        "carried": {"N": "0"},
        "months": _s(dump(months)),
        "rules": _s(dump(rules)),
        "counts": _s(dump(counts)),
        "weeks": _s(dump(weeks)),
        "days": _s(dump(days)),
        "recent": _s("{}"),
        "updated_at": {"N": "0"},
        "revision": {"N": "1"},
    }


def generate(members: int, seed: int = 17) -> tuple[str, str, str, list[str]]:
    """The registry and the year items; (root, a general branch, a branch, member numbers)."""
    rng = random.Random(seed)
    today = clock.today()
    units, branches, root, general = _org(members)
    _write(OrgUnit.Meta.table_name, units)
    people: list[dict[str, Any]] = []
    years: list[dict[str, Any]] = []
    numbers: list[str] = []
    n = 0
    for bid, _path in branches:
        for i in range(BRANCH):
            n += 1
            no = f"9{n:07d}"
            roles = ["branch_secretary"] if i == 0 else []
            if n == 1:
                roles = ["admin"]
            people.append(_member(no, bid, rng, roles))
            numbers.append(no)
            years.append(year_item(no, today.year, rng, today))
            if n % 10 == 0:  # a tenth of the members active last year too
                years.append(year_item(no, today.year - 1, rng, today))
    _write(Member.Meta.table_name, people)
    _write(PointTotal.Meta.table_name, years)
    return root, general, branches[0][0], numbers


def _activity(numbers: list[str], share: float, rng: random.Random) -> None:
    """An hour's activity: a share of members earn points today (their year item changes)."""
    client = connection().client
    table = PointTotal.Meta.table_name
    day = clock.today()
    week = f"{day.isocalendar()[0]}-W{day.isocalendar()[1]:02d}"
    mm = f"{day.month:02d}"
    for no in rng.sample(numbers, int(len(numbers) * share)):
        key = {"member_no": _s(no), "period": _s(f"y{day.year}")}
        raw = client.get_item(TableName=table, Key=key)
        item = raw["Item"]
        months = json.loads(item["months"]["S"])
        months[mm] = months.get(mm, 0) + 3
        weeks = json.loads(item["weeks"]["S"])
        w = weeks.setdefault(week, {"p": 0, "c": {}})
        w["p"] += 3
        w["c"]["article_read"] = w["c"].get("article_read", 0) + 3
        days = json.loads(item["days"]["S"])
        days[mm] = sorted(set(days.get(mm, [])) | {day.day})
        item["months"] = _s(json.dumps(months))
        item["weeks"] = _s(json.dumps(weeks))
        item["days"] = _s(json.dumps(days))
        client.put_item(TableName=table, Item=item)


def _measure(fn: Callable[[], object]) -> tuple[object, float, float, float]:
    start = time.perf_counter()
    with metered() as m:
        out = fn()
    return out, m.read_units, m.write_units, time.perf_counter() - start - m.overhead_s


def _size_rows(members: int, stack: LocalStack) -> list[Row]:
    rows: list[Row] = []
    size = f"{members:,} members"
    started = time.perf_counter()
    root, general, branch, numbers = generate(members)
    rows.append(
        (f"console bench data generation, {size}", round(time.perf_counter() - started, 1), "s")
    )

    def job(label: str) -> None:
        stats, read, write, seconds = _measure(console_job.run)
        name = f"console figures job, {label}, {size}"
        rows.extend(
            [
                (units_figure(name, "read"), round(read, 1), "RRU"),
                (units_figure(name, "write"), round(write, 1), "WRU"),
                (f"{name}, time", round(seconds, 1), "s"),
                (f"{name}, items written", stats["written"], "items"),  # type: ignore[index]
            ]
        )
        if label.startswith("after") and members == SIZES[0]:
            rows.append((units_figure(JOB_PER_MEMBER, "read"), round(read / members, 4), "RRU"))
            rows.append((units_figure(JOB_PER_MEMBER, "write"), round(write / members, 4), "WRU"))

    job("first run")
    job("again, nothing changed")
    _activity(numbers, 0.1, random.Random(members))
    job("after an hour's activity of one member in ten")

    routes = Routes()
    admin = Member.get(numbers[0])
    auth = bearer(admin)
    year = clock.today().year
    views = [
        (f"/console/units/{root}/dashboard", "the whole organisation, this month"),
        (f"/console/units/{general}/dashboard", "a general branch of 1,000, this month"),
        (f"/console/units/{branch}/dashboard?period={year}", "a branch of 50, member rows"),
        (f"/console/units/{root}/series?kind=week&year={year}", "series of the weeks, the top"),
        (f"/console/units/{root}/structure", "structure, the top"),
    ]
    for path, label in views:
        with metered() as m:
            routes.send("GET", path, headers=auth)
        samples = []
        for _ in range(5):
            start = time.perf_counter()
            routes.send("GET", path, headers=auth)
            samples.append((time.perf_counter() - start) * 1000)
        name = f"console view, {label}, {size}"
        rows.append((units_figure(name, "read"), round(m.read_units, 2), "RRU"))
        rows.append((units_figure(name, "write"), round(m.write_units, 2), "WRU"))
        rows.append((f"{name}, p50", round(statistics.median(samples), 1), "ms"))
        if members == SIZES[0] and label.startswith("a general branch"):  # priced
            rows.append((units_figure(DASHBOARD, "read"), round(m.read_units, 2), "RRU"))
            rows.append((units_figure(DASHBOARD, "write"), round(m.write_units, 2), "WRU"))
            rows.append((f"{DASHBOARD}, p50", round(statistics.median(samples), 1), "ms"))
    return rows


def run(stack: LocalStack) -> list[Row]:
    from tools.tables import truncate_all

    rows: list[Row] = []
    for members in SIZES:
        truncate_all()
        found = _size_rows(members, stack)
        for row in found:
            print(f"   {row[0]}: {row[1]} {row[2]}", flush=True)
        rows += found
    return rows

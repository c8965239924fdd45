"""The dashboards' figures equal an independent computation straight from the raw tables.

Members across the units of a small organisation earn points through `points.award` (and lose
some through `points.reverse`) at a frozen clock on days chosen across weeks, months, quarters
and both years the job keeps — including 29 December 2025, which is in ISO week 2026-W01, and
reads beyond the daily cap, which earn nothing and write no line. The stream is drained by the
local poller, the job runs, and every figure the API answers — each unit's own, its children's,
a branch's member rows, for every week, month, quarter and year — is compared with what this
file computes from the ledger's day items, the registry and the exam scores, with its own code
(none of console_figures / console_periods / points_stream is used here)."""

from __future__ import annotations

import json
import random
import tempfile
import time
from collections import defaultdict
from datetime import date, timedelta

import pytest

from chalicelib import console_job, points, points_ledger, tokens
from chalicelib.models import Member, OrgUnit, QuizScore
from chalicelib.models.registry import remind_key
from infra import stream_poller
from tools.fixtures import generated_org

DAYS = [
    "2025-11-30",
    "2025-12-29",  # a 2025 day of ISO week 2026-W01
    "2026-01-01",
    "2026-03-31",
    "2026-04-01",
    "2026-09-28",
    "2026-09-30",
    "2026-10-01",
    "2026-11-30",
    "2026-12-01",
    "2026-12-02",
]
TODAY = "2026-12-02"
QUIZ = ("daily_quiz", "challenge_quiz", "exam")


def _award_day(rng: random.Random, members: list[Member], day: str, n: int) -> None:
    for m in members:
        if rng.random() < 0.4:
            continue  # not active that day
        for i in range(rng.choice((0, 1, 2, 8))):  # 8: beyond article_read's cap of 6
            points.award(m.member_no, "article_read", f"a{day}-{i}")
        if rng.random() < 0.5:
            points.award(m.member_no, "constitution_read", f"c{n}")
        if rng.random() < 0.5:
            points.award(m.member_no, "daily_quiz", "dq", amount=rng.randint(1, 5))
        if rng.random() < 0.3:
            points.award(m.member_no, "exam", f"e{n}", amount=rng.randint(3, 10))
        if rng.random() < 0.5:
            points.award(m.member_no, "comment", f"cm{day}")
            if rng.random() < 0.4:
                points.reverse(m.member_no, "comment", f"cm{day}", note="删除")
        if rng.random() < 0.4:
            points.award(m.member_no, "vote", f"v{day}")
        if rng.random() < 0.6:
            points.award(m.member_no, "daily_login", "login")


@pytest.fixture(scope="module")
def world(dynamodb):
    from datetime import UTC, datetime

    from chalicelib import clock
    from tools.tables import truncate_all

    truncate_all()
    stream_poller.skip()
    with pytest.MonkeyPatch.context() as patch:

        def at(iso_utc: str) -> None:
            stamp = datetime.fromisoformat(iso_utc).replace(tzinfo=UTC).timestamp()
            patch.setattr(clock, "now", lambda: stamp)

        yield from _world(at)


def _world(at):
    rng = random.Random(17)
    units, made = generated_org(17, branches_per_general=3, size=(2, 4))
    members = []
    for i, m in enumerate(made):  # vary what data quality and the structure look at
        m.phone = f"1390000{i:04d}" if i % 7 else None
        m.gender = ["男", "女", None][i % 3]
        m.status = "probationary" if i % 5 == 0 else "full"
        m.joined_on = None if i % 11 == 0 else f"{1970 + i % 50}-0{1 + i % 9}-15"
        m.birth_date = f"{1950 + i % 50}-05-0{1 + i % 9}" if i % 4 else None
        m.education = ["大学本科", "研究生", None][i % 3]
        m.occupation = ["工人", "专业技术人员", None, "不在列表"][i % 4]
        m.roles = ["branch_secretary"] if i % 9 == 0 else []
        m.active = i % 13 != 12
        m.remind_key = remind_key(m.roles, m.joined_on, m.active)
        m.save()
        members.append(m)
    admin = members[1]
    admin.roles = ["admin"]
    admin.save()
    for n, day in enumerate(DAYS):
        at(f"{day}T10:00:00")
        _award_day(rng, members, day, n)
        stream_poller.drain()
    for m in members[::3]:  # exam best scores, one row per unit on her path (as quizzes.py)
        for quiz in ("qa", "qb")[: 1 + len(m.member_no) % 2 + (m.member_no[-1] in "13")]:
            score = rng.randint(40, 100)
            for uid in units[m.branch_id].path:
                QuizScore(
                    f"{quiz}#{uid}",
                    m.member_no,
                    rank_key=f"{1000 - score:04d}#000100#{m.member_no}",
                    score=score,
                    seconds=100,
                    name=m.name,
                    branch_id=m.branch_id,
                ).save()
    # Two members with exam scores move branch: their rows stay keyed by the old branch's path.
    movers = [m for m in members[::3] if m.active][:2]
    branches = sorted(u for u, unit in units.items() if unit.kind == "branch")
    for m in movers:
        m.branch_id = next(b for b in branches if b != m.branch_id)
        m.save()
    console_job.run()
    from chalice.test import Client

    from app import app

    with tempfile.TemporaryDirectory() as project:
        http = Client(app, project_dir=project).http
        yield {u.unit_id: u for u in OrgUnit.scan()}, list(Member.scan()), admin, http


# --- the oracle: straight from the day items, the registry and the exam rows -----------------


def _periods_of(day: date) -> list[str]:
    y, w, _ = day.isocalendar()
    return [
        f"{y}-W{w:02d}",
        f"{day.year}-{day.month:02d}",
        f"{day.year}-Q{(day.month - 1) // 3 + 1}",
        str(day.year),
    ]


def _oracle(units: dict, members: list[Member]):
    """(unit → period → figures, member → period → row, unit → now figures)."""
    active = [m for m in members if m.active]
    below = {u: {v for v, unit in units.items() if u in unit.path} for u in units}
    per_member: dict[str, dict[str, dict[str, int]]] = {}
    for m in active:
        stats: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for d in points_ledger.days(m.member_no):
            day = date.fromisoformat(d.day)
            lines = [ln for ln in d.lines.values() if ln.amount]
            for p in _periods_of(day):
                s = stats[p]
                s["days"] += any(ln.amount > 0 for ln in lines)
                for ln in lines:
                    step = -1 if ln.key.endswith("#reversal") else 1
                    s["points"] += ln.amount
                    s[ln.rule] += step
                    s["quiz"] += step if ln.rule in QUIZ else 0
        per_member[m.member_no] = stats
    # Her best per exam over all her rows, wherever they were written (a mover's stay under
    # her old branch).
    best: dict[str, dict[str, int]] = defaultdict(dict)
    active_nos = {m.member_no for m in active}
    for s in QuizScore.scan():
        exam = s.unit_key.split("#")[0]
        if s.member_no in active_nos:
            best[s.member_no][exam] = max(best[s.member_no].get(exam, 0), int(s.score))
    scores = {no: list(b.values()) for no, b in best.items()}
    scores = defaultdict(list, scores)
    figures: dict[str, dict[str, dict]] = defaultdict(dict)
    now: dict[str, dict] = {}
    today = date.fromisoformat(TODAY)
    this_week = _periods_of(today)[0]
    phones = defaultdict(int)
    for m in active:
        if m.phone:
            phones[m.phone] += 1
    for u in units:
        mine = [m for m in active if m.branch_id in below[u]]
        n = len(mine)
        all_periods = {p for m in mine for p in per_member[m.member_no]}
        for p in all_periods | {"2026", "2026-12", this_week}:
            rows = [per_member[m.member_no].get(p, {}) for m in mine]
            pts = [r.get("points", 0) for r in rows]
            figures[u][p] = {
                "active": sum(1 for r in rows if r.get("days", 0) > 0),
                "reads": sum(r.get("article_read", 0) for r in rows),
                "readers": sum(1 for r in rows if r.get("article_read", 0) > 0),
                "constitution_reads": sum(r.get("constitution_read", 0) for r in rows),
                "quiz_participants": sum(1 for r in rows if r.get("quiz", 0) > 0),
                "points": sum(pts),
                "points_avg": round(sum(pts) / n, 1) if n else 0.0,
                "comments": sum(r.get("comment", 0) for r in rows),
                "votes": sum(r.get("vote", 0) for r in rows),
                "bands": [
                    sum(1 for x in pts if x <= 0),
                    sum(1 for x in pts if 1 <= x <= 19),
                    sum(1 for x in pts if 20 <= x <= 49),
                    sum(1 for x in pts if 50 <= x <= 99),
                    sum(1 for x in pts if 100 <= x <= 199),
                    sum(1 for x in pts if x >= 200),
                ],
            }
        exam = [s for m in mine for s in scores[m.member_no]]
        const = sum(
            sum(
                per_member[m.member_no].get(y, {}).get("constitution_read", 0)
                for y in ("2025", "2026")
            )
            for m in mine
        )
        problems = 0
        for m in mine:
            joined = date.fromisoformat(m.joined_on) if m.joined_on else None
            bad = (
                not m.phone
                or phones[m.phone] > 1
                or not m.gender
                or joined is None
                or joined > today
                or (m.status == "probationary" and joined.replace(year=joined.year + 1) < today)
            )
            problems += bool(bad)
        branches = [b for b in below[u] if units[b].kind == "branch"]
        problems += sum(
            1
            for b in branches
            if not any("branch_secretary" in (m.roles or []) for m in active if m.branch_id == b)
        )
        now[u] = {
            "members": n,
            "full": sum(1 for m in mine if m.status == "full"),
            "probationary": sum(1 for m in mine if m.status == "probationary"),
            "active_week": figures[u][this_week]["active"],
            "active_month": figures[u]["2026-12"]["active"],
            "constitution_progress": round(const / n, 1) if n else 0.0,
            "quiz_avg_score": round(sum(exam) / len(exam), 1) if exam else None,
            "data_quality": problems,
        }
    return figures, per_member, now


def _all_periods() -> list[str]:
    out = []
    for year in (2025, 2026):
        weeks = date(year, 12, 28).isocalendar()[1]
        out += [f"{year}-W{w:02d}" for w in range(1, weeks + 1)]
        out += [f"{year}-{m:02d}" for m in range(1, 13)]
        out += [f"{year}-Q{q}" for q in range(1, 5)]
        out.append(str(year))
    last = date.fromisoformat(TODAY)
    return [p for p in out if _start(p) <= last]


def _start(p: str) -> date:
    if "-W" in p:
        return date.fromisocalendar(int(p[:4]), int(p[6:]), 1)
    if "-Q" in p:
        return date(int(p[:4]), 3 * int(p[-1]) - 2, 1)
    if "-" in p:
        return date(int(p[:4]), int(p[5:]), 1)
    return date(int(p), 1, 1)


def _want(figures: dict, unit: str, period: str, now: dict) -> dict:
    f = figures[unit].get(period)
    if f is None:
        n = now[unit]["members"]
        f = {k: 0 for k in ("active", "reads", "readers", "constitution_reads",
                            "quiz_participants", "points", "comments", "votes")}  # fmt: skip
        f["points_avg"] = 0.0
        f["bands"] = [n, 0, 0, 0, 0, 0]
    return {**now[unit], **{k: v for k, v in f.items() if k != "bands"}}


def _auth(member: Member) -> dict[str, str]:
    """A token issued at the real time: PyJWT checks its times against the real clock, and the
    test's clock is frozen hours ahead of it."""
    token = tokens.issue_access_token(
        member.member_no, member.session_epoch, "t", 0, now=int(time.time())
    )
    return {"Authorization": f"Bearer {token}"}


def test_every_figure_equals_the_oracle(world) -> None:
    units, members, admin, http = world
    figures, per_member, now = _oracle(units, members)
    assert any(f["reads"] for f in figures["C1"].values())  # the world has activity
    assert figures["C1"]["2026-W01"]["points"] != figures["C1"].get("2026-01", {}).get("points")
    children = {
        u: sorted(
            (v for v in units if units[v].parent_id == u),
            key=lambda v: (int(units[v].sort_order or 0), v),
        )
        for u in units
    }
    active_names = {m.member_no for m in members if m.active}

    def get(path: str) -> dict:
        reply = http.get(path, headers=_auth(admin))
        assert reply.status_code == 200, (path, reply.body)
        return json.loads(reply.body)

    # Every month, quarter and year; the weeks with activity and a few without (the series
    # below compares every week).
    busy = {p for u in figures for p in figures[u] if "-W" in p}
    periods = [p for p in _all_periods() if "-W" not in p or p in busy]
    periods += ["2026-W05", "2025-W30", "2026-W49"]
    checked = 0
    for unit in units:
        for period in periods:
            body = get(f"/console/units/{unit}/dashboard?period={period}")
            got = body["figures"]
            want = _want(figures, unit, period, now)
            bands = (figures[unit].get(period) or {}).get("bands") or [now[unit]["members"]] + [
                0
            ] * 5
            assert [b["count"] for b in got["points_bands"]] == bands, (unit, period)
            assert {k: got[k] for k in want} == want, (unit, period)
            assert [c["id"] for c in body["children"]] == children[unit]
            for c in body["children"]:
                want_c = _want(figures, c["id"], period, now)
                assert {k: c["figures"][k] for k in want_c} == want_c, (c["id"], period)
            if units[unit].kind == "branch":
                rows = {r["member_no"]: r for r in body["members"]}
                mine = {m.member_no for m in members if m.branch_id == unit} & active_names
                assert set(rows) == mine
                for no, r in rows.items():
                    s = per_member[no].get(period, {})
                    got_row = [r[k] for k in ("points", "reads", "constitution", "quiz")]
                    keys = ("points", "article_read", "constitution_read", "quiz")
                    assert got_row == [s.get(k, 0) for k in keys], (no, period)
                    assert r["active_days"] == s.get("days", 0), (no, period)
            checked += 1
        for year in (2025, 2026):
            for kind in ("week", "month", "quarter", "year"):
                body = get(f"/console/units/{unit}/series?kind={kind}&year={year}")
                for p in body["periods"]:
                    want = _want(figures, unit, p["key"], now)
                    assert {k: p["figures"][k] for k in want} == want, (unit, p["key"])
                for c in body["children"]:
                    for p in c["periods"]:
                        want = _want(figures, c["id"], p["key"], now)
                        assert {k: p["figures"][k] for k in want} == want, (c["id"], p["key"])
    assert checked > 100


def test_structure_and_quality_equal_the_registry(world) -> None:
    _, members, admin, http = world
    active = [m for m in members if m.active]
    reply = http.get("/console/units/C1/structure", headers=_auth(admin))
    body = json.loads(reply.body)
    dims = {d["key"]: {b["label"]: b["count"] for b in d["bands"]} for d in body["dimensions"]}
    assert body["total"] == len(active)
    for key, bands in dims.items():
        assert sum(bands.values()) == len(active), key
    assert dims["gender"] == {
        "男": sum(m.gender == "男" for m in active),
        "女": sum(m.gender == "女" for m in active),
        "未填写": sum(m.gender is None for m in active),
    }
    assert dims["occupation"]["未填写"] == sum(
        m.occupation not in ("工人", "专业技术人员") for m in active
    )
    today = date.fromisoformat(TODAY)

    def age(born: str) -> int:
        b = date.fromisoformat(born)
        return today.year - b.year - ((today.month, today.day) < (b.month, b.day))

    assert dims["age"]["30岁及以下"] == sum(
        bool(m.birth_date) and age(m.birth_date) <= 30 for m in active
    )
    assert dims["age"]["61岁及以上"] == sum(
        bool(m.birth_date) and age(m.birth_date) >= 61 for m in active
    )
    assert dims["age"]["未填写"] == sum(not m.birth_date for m in active)
    # 党龄 (党章 第七条): from 转正, taken as 入党日期 + 1 year; a 预备党员 has none yet.
    full = [m for m in active if m.status == "full"]
    assert dims["years"]["51年及以上"] == sum(
        bool(m.joined_on) and age(m.joined_on) - 1 >= 51 for m in full
    )
    assert dims["years"]["5年及以下"] == sum(
        bool(m.joined_on) and age(m.joined_on) - 1 <= 5 for m in full
    )
    assert dims["years"]["预备党员（无党龄）"] == sum(m.status == "probationary" for m in active)
    quality = json.loads(http.get("/console/units/C1/data-quality", headers=_auth(admin)).body)
    listed = {r["member_no"] for r in quality["problems"] if r["member_no"]}
    assert {m.member_no for m in active if not m.phone} <= listed
    assert not listed - {m.member_no for m in active}  # left members are no problem of the unit
    assert quality["total"] == len(quality["problems"])
    assert date.today() - timedelta(days=1) <= date.today()  # the clock is restored


def test_the_member_view_equals_her_ledger(world) -> None:
    units, members, admin, http = world
    _, per_member, _ = _oracle(units, members)
    for m in [m for m in members if m.active][:6]:
        body = json.loads(
            http.get(f"/console/members/{m.member_no}?year=2026", headers=_auth(admin)).body
        )
        year = per_member[m.member_no].get("2026", {})
        assert body["study"] == {
            "reads": year.get("article_read", 0),
            "constitution": year.get("constitution_read", 0),
            "quiz_participations": year.get("quiz", 0),
            "active_days": year.get("days", 0),
        }
        assert body["points"]["total"] == year.get("points", 0)
        lines = [
            (d.day, ln.amount)
            for d in points_ledger.days(m.member_no, since="2026-01-01", until="2026-12-31")
            for ln in d.lines.values()
            if ln.amount
        ]
        assert sorted((r["day"], r["points"]) for r in body["log"]) == sorted(lines)
        assert body["log_more"] is False and len(lines) <= 200
        assert [r["day"] for r in body["log"]] == sorted(
            (r["day"] for r in body["log"]), reverse=True
        )
        assert body["member"]["branch"]["id"] == m.branch_id
        assert body["attendance"] == {"meetings": 0, "present": 0, "leave": 0, "absent": 0}


def test_the_member_export_is_the_whole_year(world, at) -> None:
    """The page shows her newest 200 lines and says more exist; the XLSX is the whole year."""
    from io import BytesIO

    from openpyxl import load_workbook

    from chalicelib.xlsx_export import XLSX

    _, members, admin, http = world
    m = [m for m in members if m.active and not m.roles][-1]
    start = date(2026, 6, 1)
    for i in range(40):  # 40 days of 7 lines: 280 lines beyond what the world gave her
        day = start + timedelta(days=i)
        at(f"{day}T02:00:00")
        points.award(m.member_no, "daily_login", "login")
        for k in range(6):
            points.award(m.member_no, "article_read", f"x{day}-{k}")
    lines = sorted(
        (d.day, ln.amount)
        for d in points_ledger.days(m.member_no, since="2026-01-01", until="2026-12-31")
        for ln in d.lines.values()
        if ln.amount
    )
    assert len(lines) > 280
    path = f"/console/members/{m.member_no}?year=2026"
    reply = http.get(f"{path}&format=xlsx", headers={**_auth(admin), "Accept": XLSX})
    assert reply.status_code == 200
    rows = list(load_workbook(BytesIO(reply.body)).active.iter_rows(values_only=True))
    rows = rows[next(i for i, r in enumerate(rows) if r[0] == "日期") + 1 :]
    assert sorted((r[0], r[2]) for r in rows) == lines
    body = json.loads(http.get(path, headers=_auth(admin)).body)
    assert len(body["log"]) == 200 and body["log_limit"] == 200 and body["log_more"] is True
    # 对象 in Chinese where the line says what it is (a login is 登录, not "login").
    assert {r["object"] for r in body["log"] if r["rule"] == "daily_login"} == {"登录"}

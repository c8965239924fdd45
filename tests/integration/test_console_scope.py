"""The 党务工作台's read API over the demo organisation: every route for every caller kind
(管理员, 党委委员, 党总支委员 + 支部书记, 支部书记, 支部委员, a plain member) against every unit
and a member of every branch, JSON and XLSX alike — a unit out of scope answers exactly like an
unknown one; bad input is a Chinese 400 naming the field, never a 5xx; the workbook opens with
openpyxl and holds the JSON's figures.

The expected scope is computed here from the registry, independently of scope.py: a role
reaches the unit of its kind on the caller's branch path (管理员: the root) and everything
below it."""

from __future__ import annotations

import json
import tempfile
from io import BytesIO

import pytest
from openpyxl import load_workbook
from pynamodb.exceptions import PutError

from chalicelib import console_job
from chalicelib.models import ConsoleFigure, Member, OrgUnit
from chalicelib.xlsx_export import XLSX
from tools import seed_demo
from tools.fixtures import bearer

ROLE_KIND = {
    "branch_secretary": "branch",
    "branch_committee": "branch",
    "general_branch_committee": "general_branch",
    "party_committee": "committee",
    "admin": None,
}
UNIT_ROUTES = ("dashboard", "series", "structure", "data-quality")
REFUSED = "无权查看或管理该组织、党员的信息"


@pytest.fixture(scope="module")
def demo(dynamodb):
    from infra import stream_poller
    from tools.tables import truncate_all

    truncate_all()
    stream_poller.skip()
    seed_demo.seed()
    console_job.run()
    units = {u.unit_id: u for u in OrgUnit.scan()}
    members = list(Member.scan())
    from chalice.test import Client

    from app import app

    with tempfile.TemporaryDirectory() as project:
        yield units, members, Client(app, project_dir=project).http


def _reach(member: Member, units: dict[str, OrgUnit]) -> set[str]:
    """The units a member's roles reach, from the registry alone."""
    path = list(units[member.branch_id].path)
    tops = set()
    for role in member.roles or []:
        kind = ROLE_KIND.get(role, "none")
        if kind is None:
            tops.add(path[0])
        else:
            tops |= {u for u in path if units[u].kind == kind}
    return {u for u, unit in units.items() if tops & set(unit.path)}


def _callers(members: list[Member]) -> list[Member]:
    """One caller of each kind of role set (and a plain member)."""
    seen: dict[tuple[str, ...], Member] = {}
    for m in sorted(members, key=lambda m: m.member_no):
        if m.active:
            seen.setdefault(tuple(sorted(m.roles or [])), m)
    return list(seen.values())


def _get(http, path: str, member: Member, xlsx: bool = False):
    headers = bearer(member)
    if xlsx:
        headers["Accept"] = XLSX
        path += ("&" if "?" in path else "?") + "format=xlsx"
    return http.get(path, headers=headers)  # in-process: no /api stage prefix


def _json(reply) -> dict:
    return json.loads(reply.body)


def test_every_route_for_every_caller_kind(demo) -> None:
    units, members, http = demo
    callers = _callers(members)
    kinds = {tuple(sorted(c.roles or [])) for c in callers}
    assert {(), ("admin",), ("party_committee",), ("branch_secretary",)} <= kinds
    one_per_branch = {}
    for m in sorted(members, key=lambda m: m.member_no):
        one_per_branch.setdefault(m.branch_id, m)
    for caller in callers:
        reach = _reach(caller, units)
        roots = _json(_get(http, "/console/units", caller)) if reach else None
        if not reach:
            reply = _get(http, "/console/units", caller)
            assert reply.status_code == 403
            assert _json(reply)["Message"] == "仅党务工作人员可使用工作台"
        else:
            assert {u["id"] for u in roots["units"]} <= reach
            assert roots["default"] in reach
        for unit_id in [*units, "NOSUCH"]:
            for route in UNIT_ROUTES:
                reply = _get(http, f"/console/units/{unit_id}/{route}", caller)
                if unit_id in reach:
                    assert reply.status_code == 200, (caller.member_no, unit_id, route)
                else:
                    assert reply.status_code == 403, (caller.member_no, unit_id, route)
                    if reach:  # out of scope and unknown: the same answer
                        assert _json(reply)["Message"] == REFUSED
        for branch_id, m in [*one_per_branch.items(), ("?", None)]:
            no = m.member_no if m else "99999999"
            for xlsx in (False, True):
                reply = _get(http, f"/console/members/{no}", caller, xlsx=xlsx)
                expected = 200 if m and branch_id in reach else 403
                assert reply.status_code == expected, (caller.member_no, no, xlsx)


def test_exports_are_scoped_and_equal_the_json(demo) -> None:
    units, members, http = demo
    admin = next(m for m in members if "admin" in (m.roles or []))
    secretary = next(m for m in members if m.roles == ["branch_secretary"])
    own = secretary.branch_id
    other = next(u for u, unit in units.items() if unit.kind == "branch" and u != own)
    for route in UNIT_ROUTES:
        assert (
            _get(http, f"/console/units/{other}/{route}", secretary, xlsx=True).status_code == 403
        )
        reply = _get(http, f"/console/units/{own}/{route}", secretary, xlsx=True)
        assert reply.status_code == 200, route
        assert reply.headers["Content-Type"] == XLSX
        load_workbook(BytesIO(reply.body))  # opens
    root = next(u for u, unit in units.items() if unit.parent_id is None)
    for unit_id in (root, own):
        body = _json(_get(http, f"/console/units/{unit_id}/dashboard?period=2026", admin))
        book = load_workbook(
            BytesIO(
                _get(http, f"/console/units/{unit_id}/dashboard?period=2026", admin, xlsx=True).body
            )
        )
        sheet = [list(r) for r in book.active.iter_rows(values_only=True)]
        header_at = next(i for i, r in enumerate(sheet) if r and r[0] in ("单位", "党员编号"))
        header, rows = sheet[header_at], sheet[header_at + 1 :]
        if "members" in body:
            cols = ("member_no", "name", "status", "points", "reads", "constitution", "quiz")
            want = [[*(r[c] for c in cols), r["active_days"]] for r in body["members"]]
        else:
            keys = list(body["figure_labels"])[: len(header) - 1]
            assert header[1:] == [body["figure_labels"][k] for k in keys]
            want = [[c["name"], *(c["figures"][k] for k in keys)] for c in body["children"]]
        assert rows == want, unit_id
    body = _json(_get(http, f"/console/units/{root}/series?kind=month&year=2026", admin))
    book = load_workbook(
        BytesIO(
            _get(http, f"/console/units/{root}/series?kind=month&year=2026", admin, xlsx=True).body
        )
    )
    rows = [list(r) for r in book.active.iter_rows(values_only=True)]
    rows = rows[next(i for i, r in enumerate(rows) if r[0] == "统计周期") + 1 :]
    assert [r[0] for r in rows] == [p["label"] for p in body["periods"]]
    assert [r[list(body["figure_labels"]).index("points") + 1] for r in rows] == [
        p["figures"]["points"] for p in body["periods"]
    ]


BAD = [
    ("/dashboard?period=2026-13", "统计周期"),
    ("/dashboard?period=2026-W60", "统计周期"),
    ("/dashboard?period=2026-Q5", "统计周期"),
    ("/dashboard?period=abc", "统计周期"),
    ("/dashboard?period=2019-11", "统计周期"),
    ("/dashboard?period=2099", "统计周期"),
    # Non-ASCII digits and a final newline: never parsed (they keyed nothing: 200 with zeros).
    ("/dashboard?period=2026-%EF%BC%91%EF%BC%91", "统计周期"),  # 2026-１１
    ("/dashboard?period=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%96", "统计周期"),  # ２０２６
    ("/dashboard?period=2026-%D9%A1%D9%A1", "统计周期"),  # Arabic-Indic ١١
    ("/dashboard?period=2026-W%EF%BC%94%EF%BC%98", "统计周期"),
    ("/dashboard?period=2026-11%0A", "统计周期"),
    ("/dashboard?period=2026-Q4%0A", "统计周期"),
    ("/dashboard?period=2026%0A", "统计周期"),
    ("/dashboard?period=2026-%EF%BC%91%EF%BC%91&format=xlsx", "统计周期"),
    ("/series?year=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%96", "年份"),
    ("/series?year=2026%0A", "年份"),
    ("/series?kind=month%0A", "统计周期"),
    ("/dashboard?format=pdf", "format"),
    ("/series?kind=day", "统计周期"),
    ("/series?year=26", "年份"),
    ("/series?year=2000", "年份"),
    ("/structure?format=csv", "format"),
    ("/data-quality?format=XLSX", "format"),
]


@pytest.mark.parametrize(("query", "field"), BAD)
def test_bad_input_is_a_chinese_400_naming_the_field(demo, query, field) -> None:
    units, members, http = demo
    admin = next(m for m in members if "admin" in (m.roles or []))
    root = next(u for u, unit in units.items() if unit.parent_id is None)
    xlsx = query.endswith("&format=xlsx")  # the download refuses it alike (it was a 502)
    reply = _get(http, f"/console/units/{root}{query.removesuffix('&format=xlsx')}", admin, xlsx)
    assert reply.status_code == 400, (query, reply.body)
    assert field in _json(reply)["Message"]


def test_bad_member_input(demo) -> None:
    _, members, http = demo
    admin = next(m for m in members if "admin" in (m.roles or []))
    plain = next(m for m in members if not m.roles and m.active)
    for year in ("20x6", "1999", "2999", "%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%96", "2026%0A"):
        reply = _get(http, f"/console/members/{plain.member_no}?year={year}", admin)
        assert reply.status_code == 400 and "年份" in _json(reply)["Message"], year
    for no in ("%E4%B8%AD", "a" * 40, "nobody"):
        assert _get(http, f"/console/members/{no}", admin).status_code == 403
    # Her own record is 我的党建's: the console refuses her.
    assert _get(http, f"/console/members/{plain.member_no}", plain).status_code == 403


@pytest.mark.parametrize(
    ("now", "kind", "last", "future"),
    [
        ("2026-11-30T04:00:00", "month", "2026-11", "2026-12"),  # Monday: the week ends 6 Dec
        ("2026-12-31T04:00:00", "week", "2026-W53", None),
        ("2026-09-28T04:00:00", "quarter", "2026-Q3", "2026-Q4"),  # the week runs into Q4
        ("2026-12-27T04:00:00", "week", "2026-W52", "2026-W53"),  # Sunday
        ("2026-11-30T04:00:00", "week", "2026-W49", "2026-W50"),
    ],
)
def test_periods_stop_at_the_current_one_of_their_kind(demo, at, now, kind, last, future) -> None:
    """Called in-process (a token made now is not yet valid at a moved clock)."""
    from chalicelib import console, registry
    from chalicelib.errors import BadRequestError

    units, members, _ = demo
    admin = next(m for m in members if "admin" in (m.roles or []))
    root = next(u for u, unit in units.items() if unit.parent_id is None)
    caller = registry.caller_for(admin)
    at(now)
    assert console.series(caller, root, kind, "2026")["periods"][-1]["key"] == last
    assert console.dashboard(caller, root, last)["period"]["key"] == last
    if future:
        with pytest.raises(BadRequestError, match="统计周期"):
            console.dashboard(caller, root, future)


@pytest.mark.smoke
def test_a_unit_made_after_the_job_is_named_in_its_trail(demo) -> None:
    """Its "now" item (which carries the path's names) is missing until the job runs."""
    units, members, http = demo
    admin = next(m for m in members if "admin" in (m.roles or []))
    general = next(u for u in units.values() if u.kind == "general_branch")
    new = OrgUnit(
        "BNEWTRAIL",
        name="新建党支部",
        kind="branch",
        parent_id=general.unit_id,
        path=[*general.path, "BNEWTRAIL"],
        path_kinds=[*general.path_kinds, "branch"],
        sort_order=99,
    )
    new.save()
    try:
        for route in UNIT_ROUTES:
            assert _get(http, f"/console/units/BNEWTRAIL/{route}", admin).status_code == 200
        trail = _json(_get(http, "/console/units/BNEWTRAIL/dashboard", admin))["trail"]
        want = [units[u].name for u in general.path] + ["新建党支部"]
        assert [t["name"] for t in trail] == want
    finally:
        new.delete()


def test_a_job_crash_mid_write_leaves_no_item_stale(demo, monkeypatch) -> None:
    """BatchWriteItem is not atomic: a run that dies after DynamoDB took a digest shard but left
    the figure item it covers unprocessed must not keep the next run from rewriting that item."""
    from chalicelib.console_figures import DIGEST_UNIT

    units, members, http = demo
    admin = next(m for m in members if "admin" in (m.roles or []))
    branch = next(u for u in units.values() if u.kind == "branch")
    connection = ConsoleFigure._get_connection()
    real = connection.batch_write_item
    calls = []

    def flaky(put_items=None, delete_items=None, **kw):
        calls.append(1)
        if len(calls) > 1:
            raise RuntimeError("the job's Lambda died here")
        digests = [i for i in put_items if i["unit_id"]["S"] == DIGEST_UNIT]
        figures = [i for i in put_items if i["unit_id"]["S"] != DIGEST_UNIT]
        if digests:
            real(put_items=digests)
        table = ConsoleFigure.Meta.table_name
        return {"UnprocessedItems": {table: [{"PutRequest": {"Item": i}} for i in figures]}}

    OrgUnit(branch.unit_id).update(actions=[OrgUnit.name.set("改名后的支部")])
    try:
        monkeypatch.setattr(connection, "batch_write_item", flaky)
        with pytest.raises((RuntimeError, PutError)):  # dies, or gives up on the retries
            console_job.run()
        monkeypatch.setattr(connection, "batch_write_item", real)
        console_job.run()
        body = _json(_get(http, f"/console/units/{branch.unit_id}/dashboard", admin))
        assert body["trail"][-1]["name"] == "改名后的支部"
        parent = _json(_get(http, f"/console/units/{branch.parent_id}/dashboard", admin))
        assert "改名后的支部" in [c["name"] for c in parent["children"]]
    finally:
        monkeypatch.setattr(connection, "batch_write_item", real)
        OrgUnit(branch.unit_id).update(actions=[OrgUnit.name.set(branch.name)])
        console_job.run()

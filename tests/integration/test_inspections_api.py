"""季度检查 and 通报 over HTTP on DynamoDB Local: opening (who, over which units, which quarter),
scoring every cell with comments, the refusals of every bad input (a Chinese message naming the
field, nothing changed), two inspectors at one cell (one wins, the other 409), publishing once
(parallel and retried publishes, the scores locked after), the message to the inspected units'
staff, the bulletin as each reader may see it, and the XLSX."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO

import pytest
import requests

from chalicelib import inspections
from chalicelib.inspection_checklist import checklist, points
from chalicelib.models import Message
from chalicelib.models.inspections import Inspection
from chalicelib.xlsx_export import XLSX
from tools.fixtures import bearer, make_member, make_tree, rid

pytestmark = pytest.mark.usefixtures("clean_tables")

PAST = "2026-Q3"


@pytest.fixture
def org(stack):
    make_tree()  # C1 → G1 → B1, B2; C1 → B3
    return {
        "a": make_member("91000001", "B1", name="王芳"),
        "sec1": make_member("91000002", "B1", name="一支书记", roles=("branch_secretary",)),
        "b2": make_member("92000001", "B2", name="李强"),
        "g1": make_member("92000002", "B2", name="总支委员", roles=("general_branch_committee",)),
        "b3": make_member("93000001", "B3", name="赵敏"),
        "sec3": make_member("93000002", "B3", name="机关书记", roles=("branch_secretary",)),
        "pc": make_member("93000003", "B3", name="党委委员", roles=("party_committee",)),
        "pc2": make_member("93000004", "B3", name="另一委员", roles=("party_committee",)),
    }


def call(stack, method: str, path: str, member=None, **kw) -> requests.Response:
    headers = {**(bearer(member) if member else {}), **kw.pop("headers", {})}
    return requests.request(method, f"{stack.url}/api{path}", headers=headers, timeout=60, **kw)


def open_(stack, member, unit_id="C1", quarter=PAST, **over) -> requests.Response:
    body = {"unit_id": unit_id, "quarter": quarter, "request_key": rid(), **over}
    return call(stack, "POST", "/inspections", member, json=body)


def score(stack, member, iid, unit_id, item, value, comment="", version=0):
    body = {"unit_id": unit_id, "item": item, "score": value, "version": version}
    if comment is not None:
        body["comment"] = comment
    return call(stack, "POST", f"/inspections/{iid}/scores", member, json=body)


def score_all(stack, member, grid, deduct=None) -> None:
    deduct = deduct or {}
    for unit in grid["units"]:
        for item in grid["checklist"]["items"]:
            lost = deduct.get((unit["id"], item["key"]), 0)
            comment = "记录不完整，请补齐。" if lost else ""
            r = score(
                stack, member, grid["id"], unit["id"], item["key"], item["max"] - lost, comment
            )
            assert r.status_code == 200, r.text


def table() -> list[dict]:
    return sorted(
        (i.serialize() for i in Inspection.scan(consistent_read=True)),
        key=lambda x: (x["inspection_id"]["S"], x["part"]["S"]),
    )


def inbox(member_no: str) -> list[Message]:
    return [m for m in Message.scan(consistent_read=True) if m.member_no == member_no]


SUMMARY = "本季度各单位党建工作总体规范，个别单位记录不完整，请对照整改。"


def test_open_score_publish_and_read_the_bulletin(stack, org):
    pc, g1, sec1, sec3 = org["pc"], org["g1"], org["sec1"], org["sec3"]
    made = open_(stack, pc)
    assert made.status_code == 201, made.text
    grid = made.json()
    iid = grid["id"]
    # The committee's children by default, never itself; the general branch's branches below it
    # are its own to inspect.
    assert [u["id"] for u in grid["units"]] == ["G1", "B3"]
    assert grid["state"] == "open" and grid["may"] == {"score": True, "publish": True}
    assert grid["missing"] == 2 * len(checklist().items)
    listed = call(stack, "GET", "/inspections", pc).json()
    assert [x["id"] for x in listed["inspections"]] == [iid]
    assert [o["id"] for o in listed["owners"]] == ["C1"]
    assert [b["id"] for b in listed["owners"][0]["below"]] == ["G1", "B1", "B2", "B3"]
    # The general branch's staff reads the committee's inspection? No: it is above her.
    assert call(stack, "GET", f"/inspections/{iid}", g1).status_code == 403
    # Score every cell; one item of G1 and one of B3 lose points (with a comment).
    first = grid["checklist"]["items"][0]
    score_all(stack, pc, grid, {("G1", first["key"]): 2, ("B3", first["key"]): 0.5})
    # A second inspector of the same committee sees the grid and its totals.
    seen = call(stack, "GET", f"/inspections/{iid}", org["pc2"]).json()
    full = checklist().full_tenths / 10
    assert [u["total"] for u in seen["units"]] == [full - 2, full - 0.5]
    assert seen["missing"] == 0
    cell = seen["units"][0]["cells"][first["key"]]
    assert (cell["comment"], cell["version"], cell["by_name"]) == (
        "记录不完整，请补齐。",
        1,
        "党委委员",
    )
    # Publishing needs a summary; a staff member of an inspected unit cannot publish.
    assert (
        call(
            stack, "POST", f"/inspections/{iid}/publish", sec3, json={"summary": SUMMARY}
        ).status_code
        == 403
    )
    pub = call(stack, "POST", f"/inspections/{iid}/publish", pc, json={"summary": SUMMARY})
    assert pub.status_code == 200, pub.text
    body = pub.json()
    assert body["state"] == "published" and body["may"] == {"score": False, "publish": False}
    assert [(u["id"], u["rank"], u["grade"]) for u in body["units"]] == [
        ("G1", 2, "优秀"),
        ("B3", 1, "优秀"),
    ]
    # Locked: no score changes after publishing, by anyone.
    late = score(stack, pc, iid, "G1", first["key"], first["max"], "", version=1)
    assert late.status_code == 409 and "已锁定" in late.json()["Message"]
    # The same publish again (a retry) answers the 通报; another summary is refused.
    again = call(stack, "POST", f"/inspections/{iid}/publish", pc, json={"summary": SUMMARY})
    assert again.status_code == 200 and again.json()["published_at"] == body["published_at"]
    other = call(
        stack, "POST", f"/inspections/{iid}/publish", pc, json={"summary": SUMMARY + "补充。"}
    )
    assert other.status_code == 409 and "更正" in other.json()["Message"]
    # The message reached the inspected units' staff (G1's 党总支委员, B3's secretary), once each.
    for who in (g1, sec3):
        [msg] = inbox(who.member_no)
        assert msg.kind == "inspection_bulletin" and msg.url == f"/bulletins.html?id={iid}"
    assert inbox(sec1.member_no) == [] and inbox(org["a"].member_no) == []
    # The bulletin: a member of B1 (in G1) reads every total and G1's comments, not B3's.
    b1 = call(stack, "GET", f"/bulletins/{iid}", org["a"]).json()
    assert b1["summary"] == SUMMARY and b1["scope"] == "own"
    by_id = {u["id"]: u for u in b1["units"]}
    assert set(by_id) == {"G1", "B3"} and by_id["G1"]["mine"] is True
    assert by_id["G1"]["total"] == full - 2 and by_id["B3"]["total"] == full - 0.5
    assert by_id["G1"]["items"][0]["comment"] == "记录不完整，请补齐。"
    assert "items" not in by_id["B3"]
    b3 = {u["id"]: u for u in call(stack, "GET", f"/bulletins/{iid}", org["b3"]).json()["units"]}
    assert "items" in b3["B3"] and "items" not in b3["G1"]
    everything = call(stack, "GET", f"/bulletins/{iid}", org["pc2"]).json()
    assert everything["scope"] == "all" and all("items" in u for u in everything["units"])
    listed = call(stack, "GET", "/bulletins", org["a"]).json()["bulletins"]
    assert [(b["id"], b["unit"]["id"], b["unit"]["rank"]) for b in listed] == [(iid, "G1", 2)]
    # XLSX of the grid: one row per unit and item, each unit's total.
    xl = call(stack, "GET", f"/inspections/{iid}?format=xlsx", pc, headers={"Accept": XLSX})
    assert xl.status_code == 200 and xl.headers["Content-Type"] == XLSX
    from openpyxl import load_workbook

    ws = load_workbook(BytesIO(xl.content)).active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    header = rows.index(["单位", "类别", "检查项目", "分值", "得分", "检查意见", "评分人"])
    data = rows[header + 1 :]
    assert len(data) == 2 * (len(checklist().items) + 1)
    totals = [r for r in data if r[1] == "合计"]
    assert [(r[0], r[4]) for r in totals] == [("第一党总支", full - 2), ("机关党支部", full - 0.5)]


def test_who_opens_over_which_units(stack, org):
    pc, g1 = org["pc"], org["g1"]
    # The general branch inspects its branches; never itself, beside or above.
    mine = open_(stack, g1, "G1")
    assert mine.status_code == 201 and [u["id"] for u in mine.json()["units"]] == ["B1", "B2"]
    for units in (["G1"], ["B3"], ["C1"], ["B1", "NOPE"]):
        r = open_(stack, g1, "G1", units=units)
        assert r.status_code == 400 and "检查对象（units）" in r.json()["Message"], units
    assert open_(stack, g1, "C1").status_code == 403  # not hers to inspect as
    assert open_(stack, org["sec1"], "B1").status_code == 403  # a branch inspects nobody
    assert open_(stack, org["a"], "G1").status_code == 403
    # The committee may choose units of its subtree, at any depth.
    chosen = open_(stack, pc, units=["B2", "B1"])
    assert chosen.status_code == 201 and [u["id"] for u in chosen.json()["units"]] == ["B1", "B2"]
    # A retried open (same request key) answers the same inspection once.
    key = rid()
    first = open_(stack, pc, request_key=key)
    second = open_(stack, pc, request_key=key)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert open_(stack, pc, request_key=key, quarter="2026-Q2").status_code == 409
    # Plain members and branch staff have no inspections to list.
    assert call(stack, "GET", "/inspections", org["a"]).status_code == 403
    assert call(stack, "GET", "/inspections", org["sec1"]).status_code == 403
    # Staff above follow a unit's inspections; beside or below: refused like an unknown unit.
    assert len(call(stack, "GET", "/inspections?unit=G1", pc).json()["inspections"]) == 1
    beside = call(stack, "GET", "/inspections?unit=C1", g1)
    unknown = call(stack, "GET", "/inspections?unit=ZZ9", g1)
    assert beside.status_code == unknown.status_code == 403
    assert beside.json()["Message"] == unknown.json()["Message"]


# Each case changes nothing (checked after each), so one organisation serves them all.
BAD_OPENINGS = [
    ({"quarter": "2026Q3"}, "quarter"),
    ({"quarter": "2026-Q5"}, "quarter"),
    ({"quarter": "2099-Q1"}, "quarter"),
    ({"quarter": "1999-Q4"}, "quarter"),
    ({"quarter": 20263}, "quarter"),
    ({"title": "😀季度检查"}, "title"),
    ({"title": "检查"}, "title"),
    ({"title": "第三季度\u202e检查"}, "title"),
    ({"title": "第三季度\n党建检查"}, "title"),
    ({"title": "第三季度\u034f党建检查"}, "title"),  # combining grapheme joiner: invisible
    ({"title": "第三季度\ufffc党建检查"}, "title"),  # object replacement
    ({"title": "第三季度\ue000党建检查"}, "title"),  # private use
    ({"title": "第三季度\x85党建检查"}, "title"),  # NEL: a line break
    ({"title": "……——！！"}, "title"),  # punctuation only
    ({"units": "G1"}, "units"),
    ({"units": []}, "units"),
    ({"units": ["B1", "B1"]}, "units"),
    ({"request_key": "short"}, "request_key"),
    ({"extra": 1}, "extra"),
]


def test_bad_opening_refused_naming_the_field(stack, org):
    for over, field in BAD_OPENINGS:
        r = open_(stack, org["pc"], **over)
        assert r.status_code == 400, (over, r.text)
        assert field in r.json()["Message"], over
        assert table() == [], over


def test_bad_scores_refused_naming_the_field_nothing_changed(stack, org):
    pc = org["pc"]
    grid = open_(stack, pc).json()
    iid = grid["id"]
    item = grid["checklist"]["items"][0]
    ok = score(stack, pc, iid, "G1", item["key"], item["max"], "")
    assert ok.status_code == 200
    before = table()
    cases = [
        (dict(unit_id="B1"), "unit_id"),  # below, but not inspected here
        (dict(unit_id="C1"), "unit_id"),
        (dict(item="nope"), "item"),
        (dict(value=item["max"] + 0.5), "score"),
        (dict(value=-1), "score"),
        (dict(value=0.3), "score"),
        (dict(value=True), "score"),
        (dict(value="5"), "score"),
        (dict(value=1e308), "score"),  # ×10 would overflow
        (dict(value=10**29), "score"),
        (dict(value=1, comment=None), "comment"),  # a deduction needs its reason
        (dict(value=1, comment="扣分😀"), "comment"),
        (dict(value=1, comment="扣\u200b分原因"), "comment"),
        (dict(value=1, comment="很" * 301), "comment"),
        (dict(value=1, comment="记录\u034f不完整"), "comment"),
        (dict(value=1, comment="记录\ufffc不完整"), "comment"),
        (dict(value=1, comment="记录\ue000不完整"), "comment"),
        (dict(value=1, comment="记录\x9b不完整"), "comment"),
        (dict(value=1, comment="记录\u180b不完整"), "comment"),  # Mongolian variation selector
        (dict(value=1, comment="。。。"), "comment"),  # no reason for a deduction
        (dict(value=1, comment="！ ？ …… —"), "comment"),
        (dict(version=-1), "version"),
        (dict(version=True), "version"),
    ]
    for over, field in cases:
        body = {
            "unit_id": over.get("unit_id", "B3"),
            "item": over.get("item", item["key"]),
            "score": over.get("value", item["max"]),
            "version": over.get("version", 0),
        }
        if over.get("comment", "") is not None:
            body["comment"] = over.get("comment", "")
        r = call(stack, "POST", f"/inspections/{iid}/scores", pc, json=body)
        assert r.status_code == 400, (over, r.text)
        assert field in r.json()["Message"], (over, r.json())
    # A stale version (the cell was scored at version 1): 409, and nothing changed.
    stale = score(stack, pc, iid, "G1", item["key"], item["max"] - 1, "漏记一次。", version=0)
    assert stale.status_code == 409 and "刷新" in stale.json()["Message"]
    # Out of scope and unknown inspections: the same 403.
    bad = score(stack, org["g1"], iid, "G1", item["key"], item["max"])
    unknown = score(stack, pc, "in_" + "0" * 24, "G1", item["key"], item["max"])
    junk = score(stack, pc, "nonsense", "G1", item["key"], item["max"])
    assert bad.status_code == unknown.status_code == junk.status_code == 403
    assert bad.json()["Message"] == unknown.json()["Message"] == junk.json()["Message"]
    # Publishing before every cell is scored, or without a real summary.
    early = call(stack, "POST", f"/inspections/{iid}/publish", pc, json={"summary": SUMMARY})
    assert early.status_code == 409 and "未评分" in early.json()["Message"]
    short = call(stack, "POST", f"/inspections/{iid}/publish", pc, json={"summary": "好"})
    assert short.status_code == 400 and "summary" in short.json()["Message"]
    for bad in (
        "。" * 12,
        "本季度检查\u034f情况总体良好，请各单位整改。",
        "本季度检查\ufffc情况良好，请整改。",
    ):
        refused = call(stack, "POST", f"/inspections/{iid}/publish", pc, json={"summary": bad})
        assert refused.status_code == 400 and "summary" in refused.json()["Message"], bad
    assert table() == before
    # Bulletins of an unpublished inspection: nobody reads them yet.
    assert call(stack, "GET", f"/bulletins/{iid}", pc).status_code == 403


def test_two_inspectors_at_one_cell_and_parallel_publishes(stack, org):
    pc, pc2 = org["pc"], org["pc2"]
    grid = open_(stack, pc).json()
    iid = grid["id"]
    item = grid["checklist"]["items"][1]
    values = [points(item["max"] * 10 - 5 * n) for n in range(8)]

    def one(n: int) -> requests.Response:
        who = pc if n % 2 else pc2
        return score(
            stack, who, iid, "G1", item["key"], values[n], "" if n == 0 else f"第{n}次扣分说明。"
        )

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(one, range(8)))
    codes = sorted(a.status_code for a in answers)
    assert codes == [200] + [409] * 7, [a.text for a in answers]
    [won] = [a.json() for a in answers if a.status_code == 200]
    stored = call(stack, "GET", f"/inspections/{iid}", pc).json()["units"][0]["cells"][item["key"]]
    assert stored == won["cell"] and stored["version"] == 1
    for a in answers:
        if a.status_code == 409:
            assert "刷新" in a.json()["Message"]
    # Scores of different items of the same unit at once: all kept.
    others = grid["checklist"]["items"][2:]
    with ThreadPoolExecutor(6) as pool:
        done = list(pool.map(lambda i: score(stack, pc, iid, "B3", i["key"], i["max"]), others))
    assert all(d.status_code == 200 for d in done)
    assert call(stack, "GET", f"/inspections/{iid}", pc).json()["units"][1]["scored"] == len(others)
    score_rest(stack, pc, iid)
    # Six publishes at once (a double tap, a retry): published once, one message each.
    with ThreadPoolExecutor(6) as pool:
        pubs = list(
            pool.map(
                lambda _: call(
                    stack, "POST", f"/inspections/{iid}/publish", pc, json={"summary": SUMMARY}
                ),
                range(6),
            )
        )
    assert {p.status_code for p in pubs} <= {200, 503} and 200 in {p.status_code for p in pubs}
    assert len({p.json()["published_at"] for p in pubs if p.status_code == 200}) == 1
    assert len(inbox(org["g1"].member_no)) == 1 and len(inbox(org["sec3"].member_no)) == 1


def score_rest(stack, member, iid) -> None:
    grid = call(stack, "GET", f"/inspections/{iid}", member).json()
    for unit in grid["units"]:
        for item in grid["checklist"]["items"]:
            cell = unit["cells"].get(item["key"])
            if cell is None:
                assert (
                    score(stack, member, iid, unit["id"], item["key"], item["max"]).status_code
                    == 200
                )


def test_a_score_landing_while_publishing_stops_the_publish(stack, org, monkeypatch):
    """The publish transaction carries each unit's `rev` as read: a score written between the
    read and the write fails it (409), so the 通报 never misses a score."""
    pc = org["pc"]
    grid = open_(stack, pc).json()
    iid = grid["id"]
    score_rest(stack, pc, iid)
    from chalicelib import registry
    from chalicelib.models import Member

    caller = registry.caller_for(Member.get(pc.member_no))
    real = inspections._rows
    item = grid["checklist"]["items"][0]

    def rows_then_score(inspection_id):
        out = real(inspection_id)
        r = score(stack, pc, iid, "G1", item["key"], item["max"] - 1, "临发布前更正。", version=1)
        assert r.status_code == 200
        return out

    monkeypatch.setattr(inspections, "_rows", rows_then_score)
    with pytest.raises(inspections.ConflictError, match="评分又有变动"):
        inspections.publish(caller, Member.get(pc.member_no), iid, {"summary": SUMMARY})
    monkeypatch.setattr(inspections, "_rows", real)
    assert Inspection.get(iid, "head", consistent_read=True).state == "open"


def test_an_organisation_without_rankings_gets_grades_only(stack, org, monkeypatch):
    """show_rank = false (some provinces forbid rankings): the 通报 grades the units, ranks
    none — the choice is the checklist's as it was when the inspection was opened."""
    from dataclasses import replace

    from chalicelib import registry
    from chalicelib.models import Member

    monkeypatch.setattr(inspections, "checklist", lambda: replace(checklist(), show_rank=False))
    pc = Member.get(org["pc"].member_no)
    caller = registry.caller_for(pc)
    made, _ = inspections.open_inspection(
        caller, pc, {"unit_id": "C1", "quarter": PAST, "request_key": rid()}
    )
    monkeypatch.undo()  # the file's own checklist again: the inspection keeps its copy
    for unit in made["units"]:
        for item in made["checklist"]["items"]:
            body = {"unit_id": unit["id"], "item": item["key"], "score": item["max"]}
            inspections.score(caller, pc, made["id"], body)
    done = inspections.publish(caller, pc, made["id"], {"summary": SUMMARY})
    assert [(u["rank"], u["grade"]) for u in done["units"]] == [(None, "优秀"), (None, "优秀")]
    read = call(stack, "GET", f"/bulletins/{made['id']}", org["a"]).json()
    assert [u["rank"] for u in read["units"]] == [None, None]
    assert read["checklist"]["show_rank"] is False
    listed = call(stack, "GET", "/bulletins", org["a"]).json()["bulletins"]
    assert listed[0]["unit"]["rank"] is None


def test_no_route_scans_a_table(stack, org, monkeypatch):
    """Every step and read — open, score, the grid, publish (with the staff told), the 通报 and
    the lists — runs on GetItem, Query and transactions only: a Scan anywhere fails it."""
    from pynamodb.connection.base import Connection

    from chalicelib import registry
    from chalicelib.models import Member

    def no_scan(*args, **kwargs):
        raise AssertionError("a Scan on the request path")

    monkeypatch.setattr(Connection, "scan", no_scan)
    pc = Member.get(org["pc"].member_no)
    caller = registry.caller_for(pc)
    made, _ = inspections.open_inspection(
        caller, pc, {"unit_id": "C1", "quarter": PAST, "request_key": rid()}
    )
    for unit in made["units"]:
        for item in made["checklist"]["items"]:
            body = {"unit_id": unit["id"], "item": item["key"], "score": item["max"]}
            inspections.score(caller, pc, made["id"], body)
    inspections.detail(caller, made["id"])
    inspections.export_rows(caller, made["id"])
    inspections.listing(caller, None)
    inspections.publish(caller, pc, made["id"], {"summary": SUMMARY})
    reader = registry.caller_for(Member.get(org["a"].member_no))
    assert inspections.bulletins(reader)["bulletins"]
    assert inspections.bulletin(reader, made["id"])["units"]
    with pytest.raises(AssertionError, match="Scan"):
        list(Inspection.scan())  # the guard itself holds


def _second_committee():
    """A second committee C2 with its branch B4 and a 党委委员 there (the tree's other root)."""
    from chalicelib.models import OrgUnit

    OrgUnit("C2", name="第二党委", kind="committee", parent_id=None, path=["C2"],
            path_kinds=["committee"], sort_order=9).save()  # fmt: skip
    OrgUnit("B4", name="第四党支部", kind="branch", parent_id="C2", path=["C2", "B4"],
            path_kinds=["committee", "branch"], sort_order=10).save()  # fmt: skip
    return make_member("94000001", "B4", name="二委委员", roles=("party_committee",))


def _move(unit_id: str, parent: str) -> None:
    """Move a unit (and its subtree) as registry_units.move_unit rewrites the registry's paths;
    the inspections table keeps the paths stored when the inspection was opened."""
    from chalicelib.models import OrgUnit

    base = OrgUnit.get(parent)
    for u in OrgUnit.scan():
        if unit_id in u.path:
            at = u.path.index(unit_id)
            u.path = [*base.path, *u.path[at:]]
            u.path_kinds = [*base.path_kinds, *u.path_kinds[at:]]
            if u.unit_id == unit_id:
                u.parent_id = parent
            u.save()


def test_access_follows_the_registry_when_the_inspecting_unit_moves(stack, org):
    """G1 inspects its branches, then moves from C1 to C2: from then on C2's staff read, score,
    export and publish it, and C1's staff (beside now) read nothing of it — not the stored path."""
    pc, g1 = org["pc"], org["g1"]
    pc_c2 = _second_committee()
    grid = open_(stack, g1, unit_id="G1").json()
    iid = grid["id"]
    assert call(stack, "GET", f"/inspections/{iid}", pc).status_code == 200  # C1 above, so far
    _move("G1", "C2")
    item = grid["checklist"]["items"][0]
    assert score(stack, pc, iid, "B1", item["key"], item["max"]).status_code == 403
    assert call(stack, "GET", f"/inspections/{iid}", pc).status_code == 403
    xl = call(stack, "GET", f"/inspections/{iid}?format=xlsx", pc, headers={"Accept": XLSX})
    assert xl.status_code == 403
    publish = call(stack, "POST", f"/inspections/{iid}/publish", pc, json={"summary": SUMMARY})
    assert publish.status_code == 403
    seen = call(stack, "GET", f"/inspections/{iid}", pc_c2)
    assert seen.status_code == 200 and seen.json()["may"] == {"score": True, "publish": True}
    score_all(stack, pc_c2, seen.json())
    done = call(stack, "POST", f"/inspections/{iid}/publish", pc_c2, json={"summary": SUMMARY})
    assert done.status_code == 200, done.text
    assert call(stack, "GET", f"/bulletins/{iid}", pc).status_code == 403
    assert call(stack, "GET", f"/bulletins/{iid}", pc_c2).json()["scope"] == "all"


def test_access_follows_the_registry_when_an_inspected_unit_moves(stack, org):
    """B1 (inspected by C1) moves to C2: C2's staff read B1's comments in the published 通报;
    C1 no longer scores B1 nor publishes an open inspection that holds it (409, naming it)."""
    pc = org["pc"]
    pc_c2 = _second_committee()
    done = open_(stack, pc, units=["B1", "B3"]).json()
    score_all(stack, pc, done, {("B1", done["checklist"]["items"][0]["key"]): 1})
    assert (
        call(
            stack, "POST", f"/inspections/{done['id']}/publish", pc, json={"summary": SUMMARY}
        ).status_code
        == 200
    )
    grid = open_(stack, pc, units=["B1", "B3"]).json()
    assert call(stack, "GET", f"/bulletins/{done['id']}", pc_c2).status_code == 403
    _move("B1", "C2")
    read = call(stack, "GET", f"/bulletins/{done['id']}", pc_c2)
    assert read.status_code == 200, read.text
    units = {u["id"]: u for u in read.json()["units"]}
    assert read.json()["scope"] == "own" and "items" in units["B1"] and "items" not in units["B3"]
    assert units["B1"]["items"][0]["comment"] == "记录不完整，请补齐。"
    item = grid["checklist"]["items"][0]
    moved = score(stack, pc, grid["id"], "B1", item["key"], item["max"])
    assert moved.status_code == 409 and "第一党支部" in moved.json()["Message"]
    assert score(stack, pc, grid["id"], "B3", item["key"], item["max"]).status_code == 200
    now = call(stack, "GET", f"/inspections/{grid['id']}", pc).json()
    assert now["may"] == {"score": True, "publish": False}
    stop = call(stack, "POST", f"/inspections/{grid['id']}/publish", pc, json={"summary": SUMMARY})
    assert stop.status_code == 409 and "第一党支部" in stop.json()["Message"]


def test_rankings_switched_off_keep_ranks_out_of_every_bulletin(stack, org, monkeypatch):
    """RANKINGS_ENABLED=false: whatever the checklist's show_rank, no 通报 shows a rank — not the
    grid, the XLSX, a 通报, the list, nor one published while rankings were on — and the units
    come in the inspection's order, not by score; a publish while off stores no rank."""
    from chalice.test import Client
    from openpyxl import load_workbook

    from app import app
    from chalicelib import settings

    pc = org["pc"]
    first = open_(stack, pc).json()  # G1, B3; B3 scores higher
    score_all(stack, pc, first, {("G1", first["checklist"]["items"][0]["key"]): 2})
    published = call(
        stack, "POST", f"/inspections/{first['id']}/publish", pc, json={"summary": SUMMARY}
    )
    assert [u["rank"] for u in published.json()["units"]] == [2, 1]  # rankings on: ranked
    second = open_(stack, pc).json()
    score_all(stack, pc, second, {("G1", second["checklist"]["items"][0]["key"]): 2})
    monkeypatch.setenv("RANKINGS_ENABLED", "false")
    settings.reset_for_tests()
    try:
        with Client(app) as client:

            def get(path: str, who, **headers):
                return client.http.get(path, headers={**bearer(who), **headers})

            done = client.http.post(
                f"/inspections/{second['id']}/publish",
                headers={**bearer(pc), "Content-Type": "application/json"},
                body=json.dumps({"summary": SUMMARY}),
            )
            assert done.status_code == 200, done.body
            assert {r.rank for r in Inspection.query(second["id"]) if r.part != "head"} == {None}
            [told] = [m for m in inbox(org["g1"].member_no) if second["id"] in (m.url or "")]
            assert "排名" not in told.body and "等次" in told.body
            for iid in (first["id"], second["id"]):
                grid = get(f"/inspections/{iid}", pc).json_body
                assert grid["checklist"]["show_rank"] is False
                assert [(u["rank"], u["grade"]) for u in grid["units"]] == [
                    (None, "优秀"),
                    (None, "优秀"),
                ]
                for who in (org["a"], org["pc2"]):
                    read = get(f"/bulletins/{iid}", who).json_body
                    assert read["checklist"]["show_rank"] is False
                    assert [(u["id"], u["rank"]) for u in read["units"]] == [
                        ("G1", None),
                        ("B3", None),
                    ]
                xl = get(f"/inspections/{iid}?format=xlsx", pc, Accept=XLSX)
                assert xl.status_code == 200
                ws = load_workbook(BytesIO(xl.body)).active
                cells = [str(c.value) for r in ws.iter_rows() for c in r if c.value is not None]
                assert not [c for c in cells if "名" in c and "第" in c], cells
                assert "优秀" in cells
            listed = get("/bulletins", org["a"]).json_body["bulletins"]
            assert [b["unit"]["rank"] for b in listed] == [None, None]
            assert get("/inspections/checklist", pc).json_body["show_rank"] is False
    finally:
        monkeypatch.delenv("RANKINGS_ENABLED")
        settings.reset_for_tests()


def test_bulletin_list_shows_her_nearest_inspected_unit(stack, org):
    """C1 inspects G1 and its branch B1 in one inspection: a member of B1 lists the 通报 with
    B1's row (the nearest inspected unit on her path), a member of B2 with G1's."""
    pc = org["pc"]
    grid = open_(stack, pc, units=["G1", "B1"]).json()
    score_all(stack, pc, grid, {("G1", grid["checklist"]["items"][0]["key"]): 2})
    done = call(stack, "POST", f"/inspections/{grid['id']}/publish", pc, json={"summary": SUMMARY})
    assert done.status_code == 200, done.text
    [mine] = call(stack, "GET", "/bulletins", org["a"]).json()["bulletins"]
    assert (mine["id"], mine["unit"]["id"], mine["unit"]["rank"]) == (grid["id"], "B1", 1)
    [theirs] = call(stack, "GET", "/bulletins", org["b2"]).json()["bulletins"]
    assert (theirs["unit"]["id"], theirs["unit"]["rank"]) == ("G1", 2)

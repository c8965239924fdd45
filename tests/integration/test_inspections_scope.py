"""季度检查 and 通报 over the demo organisation (with `make dev`'s demo inspections): every route
for every kind of caller — each staff member and a plain member of every branch — against an oracle
that walks the demo registry's parent links (not scope.py): who lists, opens, reads (JSON and
XLSX), scores and publishes which inspection, and who reads which 通报 with which comments."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from chalicelib.models import Member, Message
from chalicelib.models.inspections import Inspection
from chalicelib.org import ROLE_BY_LABEL
from chalicelib.xlsx_export import XLSX
from tools import demo_inspections, demo_registry, seed_demo
from tools.fixtures import bearer

pytestmark = pytest.mark.usefixtures("clean_tables")


def _oracle():
    units, members = demo_registry.generate()
    parent = {u["单位编号"]: u["上级单位编号"] or None for u in units}

    def ancestors(unit: str) -> list[str]:  # the unit, then up to the root
        out = [unit]
        while parent[out[-1]]:
            out.append(parent[out[-1]])
        return out

    def role_units(row) -> set[str]:
        """Where each of her roles applies (all roles of the demo manage but 支部委员)."""
        up = ancestors(row["所在支部"])
        out = set()
        for label in filter(None, row["职务"].split("、")):
            role = ROLE_BY_LABEL[label].key
            if role == "party_committee":
                out.add(next(u for u in up if u.startswith("C")))
            elif role == "general_branch_committee":
                out.add(next(u for u in up if u.startswith("G")))
            elif role == "admin":
                out.add(up[-1])
        return out

    return members, ancestors, role_units


def test_every_route_for_every_caller_over_the_demo_organisation(stack):
    seed_demo.seed()
    assert demo_inspections.seed() == 3
    assert demo_inspections.seed() == 0  # a second `make dev` plays nothing again
    rows, ancestors, role_units = _oracle()
    heads = {
        (h.owner_unit, h.state): h
        for h in Inspection.scan(consistent_read=True)
        if h.part == "head"
    }
    c_pub, g_pub, c_open = (
        heads["C01", "published"],
        heads["G01", "published"],
        heads["C01", "open"],
    )
    assert c_open.quarter > c_pub.quarter
    # The demo's staff of the inspected units were told of both 通报.
    told = {
        m.member_no for m in Message.scan(consistent_read=True) if m.kind == "inspection_bulletin"
    }
    assert {"10000001", "10000049", "10000094", "10000132", "10000032"} <= told
    assert demo_registry.DEMO_MEMBER.member_no not in told

    staff = [r for r in rows if r["职务"]]
    plain = {}
    for r in rows:
        if not r["职务"]:
            plain.setdefault(r["所在支部"], r)
    callers = staff + list(plain.values())
    members = {m.member_no: m for m in Member.batch_get([r["党员编号"] for r in callers])}
    url = stack.url + "/api"

    def check(row) -> list[str]:
        me = members[row["党员编号"]]
        auth = bearer(me)
        mine = role_units(row)
        up = ancestors(row["所在支部"])
        problems = []

        def expect(method, path, want, **kw):
            headers = {**auth, **kw.pop("headers", {})}
            r = requests.request(method, url + path, headers=headers, timeout=60, **kw)
            if r.status_code != want:
                problems.append(
                    f"{row['党员编号']} {row['职务']} {method} {path}: {r.status_code} != {want}"
                )
            return r

        owners = sorted(u for u in mine if not u.startswith("B"))
        got = expect("GET", "/inspections", 200 if owners else 403)
        if owners and sorted(o["id"] for o in got.json()["owners"]) != owners:
            problems.append(f"{row['党员编号']} owners {got.json()['owners']}")
        for unit in ("C01", "G01", "G02"):
            body = {"unit_id": unit, "quarter": "x", "request_key": "scope-test-key"}
            expect("POST", "/inspections", 400 if unit in owners else 403, json=body)
        for head in (c_pub, g_pub, c_open):
            over = bool(mine & set(ancestors(head.owner_unit)))
            iid = head.inspection_id
            expect("GET", f"/inspections/{iid}", 200 if over else 403)
            expect(
                "GET",
                f"/inspections/{iid}?format=xlsx",
                200 if over else 403,
                headers={"Accept": XLSX},
            )
            cell = {"unit_id": head.unit_ids[0], "item": "study", "score": 999, "version": 0}
            want = (409 if head.state == "published" else 400) if over else 403
            expect("POST", f"/inspections/{iid}/scores", want, json=cell)
            expect(
                "POST", f"/inspections/{iid}/publish", 400 if over else 403, json={"summary": "短"}
            )
            # The 通报: every unit's total to the inspected units' people; comments to her own
            # unit (on her branch's path) and to staff over a unit; everything to staff over
            # the inspecting unit.
            named = set(head.unit_ids) & set(up)
            staff_over = {u for u in head.unit_ids if mine & set(ancestors(u))}
            readable = head.state == "published" and (over or named or staff_over)
            b = expect("GET", f"/bulletins/{iid}", 200 if readable else 403)
            if readable:
                with_items = {u["id"] for u in b.json()["units"] if "items" in u}
                want_items = set(head.unit_ids) if over else named | staff_over
                if with_items != want_items:
                    problems.append(f"{row['党员编号']} comments of {with_items} != {want_items}")
        listed = {x["id"] for x in expect("GET", "/bulletins", 200).json()["bulletins"]}
        want_listed = {h.inspection_id for h in (c_pub, g_pub) if set(h.unit_ids) & set(up)}
        want_listed |= {h.inspection_id for h in (c_pub, g_pub) if h.owner_unit in mine}
        if listed != want_listed:
            problems.append(f"{row['党员编号']} bulletins {listed} != {want_listed}")
        return problems

    with ThreadPoolExecutor(4) as pool:
        problems = [p for found in pool.map(check, callers) for p in found]
    assert problems == []
    # Nothing the callers sent changed anything.
    assert {
        (h.inspection_id, h.state)
        for h in Inspection.scan(consistent_read=True)
        if h.part == "head"
    } == {(h.inspection_id, h.state) for h in (c_pub, g_pub, c_open)}

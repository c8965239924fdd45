"""The demo organisation: exact shape, determinism, valid rows, roles as specified."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date

from tools import demo_registry
from tools.demo_registry import (
    DEMO_ACCOUNTS,
    DEMO_ADMIN,
    DEMO_MEMBER,
    DEMO_SECRETARY,
    generate,
)
from tools.registry_import import MEMBER_HEADERS, UNIT_HEADERS, validate_members, validate_units
from tools.spreadsheet import Row, read_table


def _records():
    units, members = generate()
    unit_records, unit_errors = validate_units(
        [Row(i, r) for i, r in enumerate(units, start=2)], []
    )
    member_records, member_errors = validate_members(
        [Row(i, r) for i, r in enumerate(members, start=2)], unit_records
    )
    assert unit_errors == [] and member_errors == []
    return unit_records, member_records


def test_shape_1_4_8_178():
    units, members = generate()
    kinds = Counter(u["单位类型"] for u in units)
    assert kinds == {"党委": 1, "党总支": 4, "党支部": 8}
    assert len(members) == 178
    sizes = Counter(m["所在支部"] for m in members)
    assert len(sizes) == 8 and len(set(sizes.values())) > 3  # spread unevenly


def test_deterministic():
    assert generate() == generate()


def test_every_row_passes_import_validation():
    units, members = _records()
    assert len(units) == 13 and len(members) == 178
    by_id = {u.unit_id: u for u in units}
    for g in (u for u in units if u.kind == "general_branch"):
        assert sum(u.parent_id == g.unit_id for u in units) == 2
    assert all(by_id[m.branch_id].kind == "branch" for m in members)


def test_member_numbers_names_phones_dates():
    _, members = _records()
    numbers = [m.member_no for m in members]
    assert numbers == [str(10000001 + i) for i in range(178)]
    assert len({m.name for m in members}) == 178
    phones = Counter(m.phone for m in members if m.phone)
    assert sorted(phones.values())[-2:] == [1, 2]  # exactly one planted shared phone
    genders = Counter(m.gender for m in members)
    assert genders["男"] > 50 and genders["女"] > 30
    probationary = [m for m in members if m.status == "probationary"]
    assert 14 <= len(probationary) <= 22
    years = [int(m.joined_on[:4]) for m in members if m.joined_on]
    assert min(years) >= 1975 and max(years) <= demo_registry.AS_OF.year
    full_years = [int(m.joined_on[:4]) for m in members if m.joined_on and m.status == "full"]
    assert max(full_years) <= 2025


def test_roles_as_specified():
    units, members = _records()
    by_branch: dict[str, list] = {}
    for m in members:
        by_branch.setdefault(m.branch_id, []).append(m)
    parent = {u.unit_id: u.parent_id for u in units}
    for branch, people in by_branch.items():
        roles = Counter(r for m in people for r in m.roles)
        assert roles["branch_secretary"] == 1, branch
        assert 2 <= roles["branch_committee"] <= 3, branch
    general = Counter(parent[m.branch_id] for m in members if "general_branch_committee" in m.roles)
    assert general == {"G01": 2, "G02": 2, "G03": 2, "G04": 2}
    committee = [m for m in members if "party_committee" in m.roles]
    admins = [m for m in members if "admin" in m.roles]
    assert len(committee) == 3 and len(admins) == 1
    assert {m.branch_id for m in committee + admins} == {"B0101"}


def test_demo_accounts_match_the_rows():
    _, members = _records()
    by_no = {m.member_no: m for m in members}
    for account in DEMO_ACCOUNTS:
        m = by_no[account.member_no]
        assert (m.name, m.phone, m.active) == (account.name, account.phone, True)
    assert by_no[DEMO_SECRETARY.member_no].branch_id == "B0101"
    assert "branch_secretary" in by_no[DEMO_SECRETARY.member_no].roles
    assert by_no[DEMO_ADMIN.member_no].roles == ("admin",)
    member = by_no[DEMO_MEMBER.member_no]
    assert (member.roles, member.status) == ((), "full")


def test_planted_issues_are_in_the_rows():
    _, members = _records()
    by_no = {m.member_no: m for m in members}
    planted = demo_registry.PLANTED
    assert 3 <= len(planted) <= 5
    assert all(by_no[no].phone is None for no in planted["missing_phone"])
    assert all(by_no[no].joined_on is None for no in planted["missing_joined_on"])
    assert all(by_no[no].gender is None for no in planted["missing_gender"])
    overdue = by_no[planted["overdue_probation"][0]]
    assert overdue.status == "probationary"
    assert date.fromisoformat(overdue.joined_on) < date(2025, 11, 1)
    a, b = planted["shared_phone"]
    assert by_no[a].phone == by_no[b].phone
    demo = {a.member_no for a in DEMO_ACCOUNTS}
    assert not demo & {no for nos in planted.values() for no in nos}


def test_cli_writes_files_the_importers_read(tmp_path, capsys):
    assert demo_registry.main([str(tmp_path)]) == 0
    units = read_table(tmp_path / "units.csv", UNIT_HEADERS)
    members = read_table(tmp_path / "members.csv", MEMBER_HEADERS)
    assert (len(units), len(members)) == (13, 178)
    assert [r.values for r in members] == generate()[1]
    with (tmp_path / "members.csv").open(encoding="utf-8-sig", newline="") as f:
        assert next(csv.reader(f)) == list(MEMBER_HEADERS)
    assert DEMO_MEMBER.member_no in capsys.readouterr().out

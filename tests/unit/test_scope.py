"""The scope check over the whole demo organisation, against an independent oracle.

The oracle walks parent links; `chalicelib.scope` uses the stored paths. For every caller in the
demo registry and every unit and member, both must agree.
"""

from __future__ import annotations

from functools import cache

import pytest

from chalicelib import scope
from chalicelib.org import ROLES
from tools import demo_registry
from tools.registry_import import MEMBER_HEADERS, UNIT_HEADERS, validate_members, validate_units
from tools.spreadsheet import Row

_RANK = {"none": 0, "read": 1, "manage": 2}


@cache
def demo():
    unit_rows, member_rows = demo_registry.generate()
    as_rows = lambda rows, headers: [  # noqa: E731
        Row(i + 2, {h: r[h] for h in headers}) for i, r in enumerate(rows)
    ]
    units, errors = validate_units(as_rows(unit_rows, UNIT_HEADERS), [])
    assert not errors
    members, errors = validate_members(as_rows(member_rows, MEMBER_HEADERS), units)
    assert not errors
    return {u.unit_id: u for u in units}, members


def caller(member) -> scope.Caller:
    units, _ = demo()
    branch = units[member.branch_id]
    return scope.Caller(member.member_no, branch.path, branch.path_kinds, member.roles)


def ancestors(unit_id: str) -> list[str]:
    """Self first, then parents, by following parent links."""
    units, _ = demo()
    chain = []
    while unit_id is not None:
        chain.append(unit_id)
        unit_id = units[unit_id].parent_id
    return chain


def oracle_unit(member, target: str) -> str:
    units, _ = demo()
    best = "none"
    for key in member.roles:
        role = ROLES[key]
        mine = ancestors(member.branch_id)
        holder = (
            mine[-1]
            if role.unit_kind is None
            else next(u for u in mine if units[u].kind == role.unit_kind)
        )
        if holder in ancestors(target) and _RANK[role.grant] > _RANK[best]:
            best = role.grant
    return best


def test_demo_shape():
    units, members = demo()
    assert len(members) == 178
    assert sum(u.kind == "branch" for u in units.values()) == 8


def test_every_caller_every_unit_matches_the_oracle():
    units, members = demo()
    for member in members:
        c = caller(member)
        for unit in units.values():
            assert scope.unit_access(c, unit.path) == oracle_unit(member, unit.unit_id), (
                member.member_no,
                member.roles,
                unit.unit_id,
            )


def test_every_caller_every_member_matches_the_oracle():
    units, members = demo()
    for member in members:
        c = caller(member)
        for target in members:
            expected = oracle_unit(member, target.branch_id)
            if target.member_no == member.member_no and expected == "none":
                expected = "read"
            got = scope.member_access(c, target.member_no, units[target.branch_id].path)
            assert got == expected, (member.member_no, target.member_no)


def _member(member_no: str):
    return next(m for m in demo()[1] if m.member_no == member_no)


def test_plain_member_sees_only_herself():
    units, members = demo()
    me = _member(demo_registry.DEMO_MEMBER.member_no)
    c = caller(me)
    assert scope.member_access(c, me.member_no, units[me.branch_id].path) == "read"
    others = [m for m in members if m.member_no != me.member_no]
    assert all(
        scope.member_access(c, m.member_no, units[m.branch_id].path) == "none" for m in others
    )
    with pytest.raises(scope.ForbiddenError):
        scope.require_unit(c, units[me.branch_id].path)


def test_secretary_manages_her_branch_not_the_next_one_nor_above():
    units, _ = demo()
    sec = _member(demo_registry.DEMO_SECRETARY.member_no)
    c = caller(sec)
    branch = units[sec.branch_id]
    siblings = [u for u in units.values() if u.kind == "branch" and u.unit_id != branch.unit_id]
    assert scope.unit_access(c, branch.path) == "manage"
    committee = branch.path[0]
    assert scope.unit_access(c, units[committee].path) == "none"
    # She is also 党总支委员: her general branch's other branch is hers too, others are not.
    general = branch.path[-2]
    for sib in siblings:
        expected = "manage" if general in sib.path else "none"
        assert scope.unit_access(c, sib.path) == expected


def test_admin_manages_everything():
    units, _ = demo()
    c = caller(_member(demo_registry.DEMO_ADMIN.member_no))
    assert all(scope.unit_access(c, u.path) == "manage" for u in units.values())


def test_branch_committee_member_reads_but_does_not_manage():
    units, members = demo()
    member = next(m for m in members if m.roles == ("branch_committee",))
    c = caller(member)
    assert scope.unit_access(c, units[member.branch_id].path) == "read"
    with pytest.raises(scope.ForbiddenError):
        scope.require_unit(c, units[member.branch_id].path, "manage")

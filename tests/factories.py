"""Small organisations written straight through the models, for tests that need exact shapes."""

from __future__ import annotations

from chalicelib import passwords
from chalicelib.models import Member, OrgUnit

# committee C1 → general branch G1 → branches B1, B2; committee C1 → branch B3 (no general branch)
TREE = [
    ("C1", "示范党委", "committee", None),
    ("G1", "第一党总支", "general_branch", "C1"),
    ("B1", "第一党支部", "branch", "G1"),
    ("B2", "第二党支部", "branch", "G1"),
    ("B3", "机关党支部", "branch", "C1"),
]
PASSWORD = "dangjian2026"


def make_tree() -> dict[str, OrgUnit]:
    units: dict[str, OrgUnit] = {}
    for order, (uid, name, kind, parent) in enumerate(TREE):
        base = units[parent] if parent else None
        unit = OrgUnit(
            uid,
            name=name,
            kind=kind,
            parent_id=parent,
            path=[*(base.path if base else []), uid],
            path_kinds=[*(base.path_kinds if base else []), kind],
            sort_order=order,
        )
        unit.save()
        units[uid] = unit
    return units


def make_member(
    member_no: str,
    branch_id: str,
    *,
    name: str = "张三",
    phone: str | None = "13800001234",
    roles: tuple[str, ...] = (),
    password: str | None = PASSWORD,
    active: bool = True,
) -> Member:
    member = Member(
        member_no,
        name=name,
        gender="女",
        phone=phone,
        branch_id=branch_id,
        status="full",
        roles=list(roles),
        joined_on="2001-07-01",
        active=active,
        password_hash=passwords.hash_password(password) if password else None,
    )
    member.save()
    return member

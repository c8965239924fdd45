"""Reads of the member registry on the request path (imports live in `tools/`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .errors import NotFoundError
from .identifiers import is_member_no, is_unit_id
from .models import Member, OrgUnit
from .org import ROLES, STATUS_LABELS
from .scope import Caller, role_unit


def get_member(member_no: str, *, consistent: bool = False) -> Member | None:
    """The member, or None (also for a number no member can have: it never reaches a table)."""
    if not is_member_no(member_no):
        return None
    try:
        return Member.get(member_no, consistent_read=consistent)
    except Member.DoesNotExist:
        return None


def get_unit(unit_id: str) -> OrgUnit:
    if not is_unit_id(unit_id):
        raise NotFoundError("组织不存在")
    try:
        return OrgUnit.get(unit_id)
    except OrgUnit.DoesNotExist:
        raise NotFoundError("组织不存在") from None


def unit_names(unit_ids: Iterable[str]) -> dict[str, str]:
    """Unit id -> name of those that exist, in one batch read (screens show names, not ids)."""
    wanted = sorted({u for u in unit_ids if u and is_unit_id(u)})
    if not wanted:
        return {}
    return {u.unit_id: u.name for u in OrgUnit.batch_get(wanted)}


def caller_for(member: Member) -> Caller:
    """The scope-check view of a member: one read of the branch, which carries its whole path."""
    branch = get_unit(member.branch_id)
    return Caller(
        member_no=member.member_no,
        path=tuple(branch.path),
        path_kinds=tuple(branch.path_kinds),
        roles=tuple(member.roles),
    )


def profile(member: Member) -> dict[str, Any]:
    """What `GET /me` returns: the member, the branch path root first, and the roles with units."""
    caller = caller_for(member)
    units = {u.unit_id: u for u in OrgUnit.batch_get(caller.path)}
    path = [
        {"id": uid, "name": units[uid].name, "kind": units[uid].kind}
        for uid in caller.path
        if uid in units
    ]
    roles = []
    for key in member.roles:
        role = ROLES.get(key)
        unit_id = role_unit(caller, key) if role else None
        if role is None or unit_id is None:
            continue
        roles.append(
            {
                "role": key,
                "label": role.label,
                "unit": {"id": unit_id, "name": units[unit_id].name if unit_id in units else ""},
            }
        )
    return {
        "member_no": member.member_no,
        "name": member.name,
        "gender": member.gender,
        "status": member.status,
        "status_label": STATUS_LABELS.get(member.status, member.status),
        "joined_on": member.joined_on,
        "branch": {"id": member.branch_id, "name": path[-1]["name"] if path else ""},
        "branch_path": path,
        "roles": roles,
    }

"""The one scope check: what may a caller do with a unit or a member?

A staff role applies to one unit (found from the caller's own branch path) and reaches that unit's
whole subtree: superiors see everything below them, nobody sees beside or above. Every handler that
returns someone else's data asks `require_unit` or `require_member`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from .errors import ForbiddenError
from .org import ROLES

Access = Literal["none", "read", "manage"]
_RANK: dict[str, int] = {"none": 0, "read": 1, "manage": 2}


@dataclass(frozen=True)
class Caller:
    member_no: str
    path: tuple[str, ...]  # unit ids from the root down to the caller's branch
    path_kinds: tuple[str, ...]
    roles: tuple[str, ...]


def role_unit(caller: Caller, role_key: str) -> str | None:
    """The unit a role applies to: the nearest unit of the role's kind above the member's branch."""
    role = ROLES[role_key]
    if role.unit_kind is None:
        return caller.path[0] if caller.path else None
    for unit_id, kind in zip(reversed(caller.path), reversed(caller.path_kinds), strict=True):
        if kind == role.unit_kind:
            return unit_id
    return None


def grants(caller: Caller) -> dict[str, Access]:
    """Unit id → the strongest access the caller's roles give over that unit's subtree."""
    out: dict[str, Access] = {}
    for key in caller.roles:
        if key not in ROLES:
            continue
        unit_id = role_unit(caller, key)
        grant = ROLES[key].grant
        if unit_id is not None and _RANK[grant] > _RANK[out.get(unit_id, "none")]:
            out[unit_id] = grant  # type: ignore[assignment]
    return out


def managed_subtrees(caller: Caller) -> list[tuple[str, str]]:
    """The subtrees the caller's roles manage, as (root unit, "C01/G01/" path prefix), nested
    ones dropped: the queues of work in her scope (待审核, 评论管理) are read one Query each."""
    prefixes = sorted(
        (
            (caller.path[0], "/".join(caller.path[: caller.path.index(unit_id) + 1]) + "/")
            for unit_id, grant in grants(caller).items()
            if grant == "manage" and unit_id in caller.path
        ),
        key=lambda p: (len(p[1]), p[1]),
    )
    kept: list[tuple[str, str]] = []
    for root, prefix in prefixes:
        if not any(prefix.startswith(k) for _, k in kept):
            kept.append((root, prefix))
    return kept


def unit_access(caller: Caller, target_path: Sequence[str]) -> Access:
    """Access to a unit given its path (root first, ending with the unit itself)."""
    held = grants(caller)
    best: Access = "none"
    for unit_id in target_path:
        grant = held.get(unit_id, "none")
        if _RANK[grant] > _RANK[best]:
            best = grant
    return best


def member_access(caller: Caller, member_no: str, branch_path: Sequence[str]) -> Access:
    """Access to a member's data: her own (read), or through a role over her branch's subtree."""
    access = unit_access(caller, branch_path)
    if member_no == caller.member_no and access == "none":
        return "read"
    return access


def _require(access: Access, need: Access) -> None:
    if _RANK[access] < _RANK[need]:
        raise ForbiddenError("无权查看或管理该组织、党员的信息")


def require_unit(caller: Caller, target_path: Sequence[str], need: Access = "read") -> None:
    _require(unit_access(caller, target_path), need)


def require_group_view(
    caller: Caller, unit_id: str, load_path: Callable[[str], Sequence[str] | None]
) -> None:
    """Rankings and totals of a unit: a member sees those of the groups she belongs to (her
    branch among its members, her committee among its branches); any other unit needs a role
    over it. `load_path` returns the unit's path, or None when there is no such unit — refused
    like a unit out of scope, so nobody learns which ids exist."""
    if unit_id in caller.path:
        return
    path = load_path(unit_id)
    _require(unit_access(caller, path) if path else "none", "read")


def require_member(
    caller: Caller, member_no: str, branch_path: Sequence[str], need: Access = "read"
) -> None:
    _require(member_access(caller, member_no, branch_path), need)


BRANCH_PRIVATE = "仅本人和所在党支部的书记、支部委员可以查看"


def require_own_or_branch_staff(caller: Caller, member_no: str, branch_id: str | None) -> None:
    """Personal data kept inside her branch (党费基数 and its assessment): the member herself,
    or a role that applies at her branch itself (支部书记, 支部委员). Staff above the branch
    (党总支, 党委, 管理员) are refused, unlike `require_member`. `branch_id` None (no such
    member) is refused alike, so nobody learns which numbers exist."""
    if member_no == caller.member_no:
        return
    if branch_id is not None and any(
        key in ROLES and ROLES[key].unit_kind == "branch" and role_unit(caller, key) == branch_id
        for key in caller.roles
    ):
        return
    raise ForbiddenError(BRANCH_PRIVATE)


ADMIN_ONLY = "仅管理员可以删除党员的个人信息"


def require_admin(caller: Caller, target_path: Sequence[str]) -> None:
    """Acts only the organisation's 管理员 may take (deleting a departed member's personal data):
    the admin role, applying to the root of the target's tree. Other staff, however far their
    MANAGE reaches, are refused."""
    if "admin" in caller.roles and target_path and role_unit(caller, "admin") == target_path[0]:
        return
    raise ForbiddenError(ADMIN_ONLY)

"""The organisation's vocabulary: unit kinds, member statuses and roles, defined once."""

from __future__ import annotations

from dataclasses import dataclass

# Unit kinds from the top of the tree down. A group or city level may stand above the committee;
# the general branch is optional. Depth is at most 4 below the top (see registry validation).
UNIT_KINDS: dict[str, str] = {
    "group": "集团/市级党委",
    "committee": "党委",
    "general_branch": "党总支",
    "branch": "党支部",
}
MAX_TREE_DEPTH = 4

STATUS_LABELS: dict[str, str] = {"full": "正式党员", "probationary": "预备党员"}
GENDERS = ("男", "女")


@dataclass(frozen=True)
class Role:
    key: str
    label: str
    # The role applies at the member's nearest ancestor unit of this kind (None: the tree's root).
    unit_kind: str | None
    # What the role may do over that unit's subtree: "manage" (review, administer) or "read".
    grant: str


ROLES: dict[str, Role] = {
    r.key: r
    for r in (
        Role("branch_secretary", "支部书记", "branch", "manage"),
        Role("branch_committee", "支部委员", "branch", "read"),
        Role("general_branch_committee", "党总支委员", "general_branch", "manage"),
        Role("party_committee", "党委委员", "committee", "manage"),
        Role("admin", "管理员", None, "manage"),
    )
}
ROLE_BY_LABEL: dict[str, Role] = {r.label: r for r in ROLES.values()}

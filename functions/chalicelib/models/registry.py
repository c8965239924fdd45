"""The member registry: org units and members."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

from .base import table_meta


class ChildrenIndex(GlobalSecondaryIndex["OrgUnit"]):
    class Meta:
        index_name = "by-parent"
        projection = AllProjection()

    parent_id = UnicodeAttribute(hash_key=True)
    unit_id = UnicodeAttribute(range_key=True)


class OrgUnit(Model):
    """A node of the org tree: group/city (optional) → committee → general branch → branch."""

    Meta = table_meta("org-units")
    unit_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    kind = UnicodeAttribute()  # one of registry.UNIT_KINDS
    # Root units have no parent; GSI keys must be absent rather than empty.
    parent_id = UnicodeAttribute(null=True)
    # Ancestor ids, root first, ending with this unit: the scope check needs no further reads.
    path = ListAttribute(of=UnicodeAttribute)
    path_kinds = ListAttribute(of=UnicodeAttribute)  # the kind of each unit in `path`
    sort_order = NumberAttribute(default=0)
    # Bumped by every console edit (registry_upkeep.py) and the import: a form's write is
    # conditioned on the `rev` it read, so of two staff editing at once one wins.
    rev = NumberAttribute(null=True)
    children = ChildrenIndex()


class BranchIndex(GlobalSecondaryIndex["Member"]):
    class Meta:
        index_name = "by-branch"
        projection = AllProjection()

    branch_id = UnicodeAttribute(hash_key=True)
    member_no = UnicodeAttribute(range_key=True)


class RemindIndex(GlobalSecondaryIndex["Member"]):
    """Sparse: who the scheduled reminders (chalicelib/audiences.py) look for, without a Scan.

    `remind_key` is "staff" for an active member with a role (a few per branch: the reviewer
    resolvers read that partition whole, once per run) and "day#MM-DD" (her 入党 anniversary)
    for another active member with a `joined_on`; the political-birthday resolver reads the
    day's partition and the staff partition. One index for both: a stack update may add only
    one index to a table. `remind_key()` below derives it; every writer of these fields sets it.
    """

    class Meta:
        index_name = "reminders"
        projection = IncludeProjection(["name", "branch_id", "roles", "joined_on", "active"])

    remind_key = UnicodeAttribute(hash_key=True)
    member_no = UnicodeAttribute(range_key=True)


class Member(Model):
    """A Party member, keyed by the organisation's own member number (ERP 号)."""

    Meta = table_meta("members")
    member_no = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    gender = UnicodeAttribute(null=True)  # 男 / 女
    phone = UnicodeAttribute(null=True)
    branch_id = UnicodeAttribute()
    status = UnicodeAttribute()  # full / probationary
    roles = ListAttribute(of=UnicodeAttribute, default=list)
    joined_on = UnicodeAttribute(null=True)  # YYYY-MM-DD, the political birthday
    # Member structure (seed 004: 年龄结构、文化职业), from the import or the console: optional.
    birth_date = UnicodeAttribute(null=True)  # YYYY-MM-DD
    education = UnicodeAttribute(null=True)  # 学历, one of the import's values
    occupation = UnicodeAttribute(null=True)  # 职业, one of the import's values
    active = BooleanAttribute(default=True)
    password_hash = UnicodeAttribute(null=True)
    # Bumped by a password change: refresh-token families of an older epoch stop working.
    session_epoch = NumberAttribute(default=0)
    # Logins ended within the access tokens' lifetime ("<session id>@<ended at>"): the token
    # check reads this item anyway, so a logout ends that login's access tokens at once.
    ended_sessions = UnicodeSetAttribute(null=True)
    # The WeCom / 公众号 bindings that sign her in ("wecom#<corp id>", "mp#<app id>"; the
    # bindings themselves are in `SignInBinding`): such an account counts as activated, so the
    # activation check (name and phone) can no longer give it a password.
    bound_to = UnicodeSetAttribute(null=True)
    updated_at = UnicodeAttribute(null=True)
    rev = NumberAttribute(null=True)  # as OrgUnit.rev: console edits and imports bump it
    by_branch = BranchIndex()
    remind_key = UnicodeAttribute(null=True)  # remind_key(); absent: in no reminder's index
    reminders = RemindIndex()
    # 组织关系转接 (chalicelib/transfers.py): the open transfer she is in (one at a time), and
    # where she was before her last move — `prior_branch_id` until the month `branch_since`
    # ("YYYY-MM"): the ranking job keeps her closed months' points on that branch's boards.
    transfer_id = UnicodeAttribute(null=True)
    prior_branch_id = UnicodeAttribute(null=True)
    branch_since = UnicodeAttribute(null=True)
    transferred_out_at = NumberAttribute(null=True)
    # Who last placed her in the registry when it was not the registry import: "transfer"
    # (moved, arrived or left through 组织关系转接) or "recruitment" (admitted as 预备党员). The
    # import keeps such a member's branch and never deactivates her until a spreadsheet names
    # her current branch (tools/registry_import.py), which clears it.
    placed_by = UnicodeAttribute(null=True)
    # Her personal data was deleted (personal_erase.py): the item is an anonymised placeholder
    # (number, branch, status) that keeps the units' figures adding up.
    erased_at = NumberAttribute(null=True)


STAFF_KEY = "staff"


def remind_key(
    roles: list[str] | tuple[str, ...], joined_on: str | None, active: bool
) -> str | None:
    """The member's `reminders` index key (RemindIndex), or None: not in the index."""
    if not active:
        return None
    if roles:
        return STAFF_KEY
    if joined_on and len(joined_on) == 10:
        return "day#" + joined_on[5:]
    return None

"""scope.require_own_or_branch_staff: personal data kept inside her branch (the dues base) is
read by her and by the roles that apply at her branch itself, never by staff above or beside."""

from __future__ import annotations

import pytest

from chalicelib.errors import ForbiddenError
from chalicelib.scope import Caller, require_own_or_branch_staff

PATH, KINDS = ("C1", "G1", "B1"), ("committee", "general_branch", "branch")


def caller(no: str, roles: tuple[str, ...], path=PATH, kinds=KINDS) -> Caller:
    return Caller(member_no=no, path=path, path_kinds=kinds, roles=roles)


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        (caller("m1", ()), True),  # herself
        (caller("s1", ("branch_secretary",)), True),
        (caller("c1", ("branch_committee",)), True),
        (caller("x1", ()), False),  # a member of her branch without a role
        (caller("g1", ("general_branch_committee",)), False),  # over B1, but above it
        (caller("p1", ("party_committee",)), False),
        (caller("a1", ("admin",)), False),
        (caller("s2", ("branch_secretary",), ("C1", "G1", "B2")), False),  # another branch
        (
            caller(
                "s3", ("branch_secretary", "party_committee"), ("C1", "B3"), ("committee", "branch")
            ),
            False,
        ),
        (caller("u1", ("no_such_role",)), False),
    ],
)
def test_who_reads_her_branch_private_data(who, allowed):
    if allowed:
        require_own_or_branch_staff(who, "m1", "B1")
    else:
        with pytest.raises(ForbiddenError, match="仅本人和所在党支部"):
            require_own_or_branch_staff(who, "m1", "B1")


def test_unknown_member_refused_even_to_a_branch_secretary():
    with pytest.raises(ForbiddenError):
        require_own_or_branch_staff(caller("s1", ("branch_secretary",)), "m9", None)

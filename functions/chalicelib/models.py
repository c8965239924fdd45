"""The one definition of every DynamoDB table.

Local table creation (`tools/tables.py`), the tests and the CloudFormation resources all derive from
these classes; nothing is declared twice by hand.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from .settings import get_settings

_settings = get_settings()


class _Meta:
    """Shared table options; each model's Meta extends it with its own table name."""

    host = _settings.dynamodb_host
    region = _settings.region
    billing_mode = "PAY_PER_REQUEST"


def _meta(name: str) -> type:
    return type("Meta", (_Meta,), {"table_name": f"{_settings.table_prefix}{name}"})


class ChildrenIndex(GlobalSecondaryIndex["OrgUnit"]):
    class Meta:
        index_name = "by-parent"
        projection = AllProjection()

    parent_id = UnicodeAttribute(hash_key=True)
    unit_id = UnicodeAttribute(range_key=True)


class OrgUnit(Model):
    """A node of the org tree: group/city (optional) → committee → general branch → branch."""

    Meta = _meta("org-units")
    unit_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    kind = UnicodeAttribute()  # one of registry.UNIT_KINDS
    # Root units have no parent; GSI keys must be absent rather than empty.
    parent_id = UnicodeAttribute(null=True)
    # Ancestor ids, root first, ending with this unit: the scope check needs no further reads.
    path = ListAttribute(of=UnicodeAttribute)
    path_kinds = ListAttribute(of=UnicodeAttribute)  # the kind of each unit in `path`
    sort_order = NumberAttribute(default=0)
    children = ChildrenIndex()


class BranchIndex(GlobalSecondaryIndex["Member"]):
    class Meta:
        index_name = "by-branch"
        projection = AllProjection()

    branch_id = UnicodeAttribute(hash_key=True)
    member_no = UnicodeAttribute(range_key=True)


class Member(Model):
    """A Party member, keyed by the organisation's own member number (ERP 号)."""

    Meta = _meta("members")
    member_no = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    gender = UnicodeAttribute(null=True)  # 男 / 女
    phone = UnicodeAttribute(null=True)
    branch_id = UnicodeAttribute()
    status = UnicodeAttribute()  # full / probationary
    roles = ListAttribute(of=UnicodeAttribute, default=list)
    joined_on = UnicodeAttribute(null=True)  # YYYY-MM-DD, the political birthday
    active = BooleanAttribute(default=True)
    password_hash = UnicodeAttribute(null=True)
    # Bumped by a password change: refresh-token families of an older epoch stop working.
    session_epoch = NumberAttribute(default=0)
    updated_at = UnicodeAttribute(null=True)
    by_branch = BranchIndex()


class SessionFamily(Model):
    """One login: the chain of refresh tokens rotated from it. Revoking it ends the session."""

    Meta = _meta("sessions")
    family_id = UnicodeAttribute(hash_key=True)
    member_no = UnicodeAttribute()
    epoch = NumberAttribute()
    revoked = BooleanAttribute(default=False)
    created_at = NumberAttribute()
    expires_at = TTLAttribute()


class RefreshToken(Model):
    """A refresh token, stored only as its SHA-256; used once, then replaced."""

    Meta = _meta("refresh-tokens")
    token_hash = UnicodeAttribute(hash_key=True)
    family_id = UnicodeAttribute()
    member_no = UnicodeAttribute()
    used_at = NumberAttribute(null=True)
    expires_at = TTLAttribute()


class LoginThrottle(Model):
    """Recent failed attempts for one account and action (login or activation)."""

    Meta = _meta("login-throttle")
    key = UnicodeAttribute(hash_key=True)
    failures = ListAttribute(of=NumberAttribute, default=list)
    expires_at = TTLAttribute()
    version = VersionAttribute()


ALL_MODELS: tuple[type[Model], ...] = (OrgUnit, Member, SessionFamily, RefreshToken, LoginThrottle)

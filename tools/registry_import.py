"""The registry import's rules live in `chalicelib.registry_import` (the console's upload and
forms check with the same code); the offline tools import them from here, with what only a
command does: read the registry whole (a Scan) and rebuild 通讯录's index whole."""

from chalicelib.registry_import import *  # noqa: F403
from chalicelib.registry_import import MemberPlan, MemberRecord, UnitRecord, unit_record
from chalicelib.registry_import import apply_member_import as _apply_member_import


def load_units() -> list[UnitRecord]:
    from chalicelib.models import OrgUnit

    return [unit_record(u) for u in OrgUnit.scan()]


def load_members() -> list[MemberRecord]:
    from chalicelib.models import Member

    return [
        MemberRecord(
            m.member_no,
            m.name,
            m.gender,
            m.phone,
            m.branch_id,
            m.status,
            tuple(m.roles or ()),
            m.joined_on,
            bool(m.active),
            birth_date=m.birth_date,
            education=m.education,
            occupation=m.occupation,
            transfer_id=m.transfer_id,
            placed_by=m.placed_by,
            transferred_out=m.transferred_out_at is not None,
            erased=m.erased_at is not None,
            rev=None if m.rev is None else int(m.rev),
        )
        for m in Member.scan(consistent_read=True)
    ]


def apply_member_import(plan: MemberPlan, deactivate_missing: bool = False) -> list[str]:
    """`chalicelib.registry_import.apply_member_import`, then 通讯录's index rebuilt whole."""
    from tools.directory_index import rebuild

    return _apply_member_import(plan, deactivate_missing, rebuild_directory=rebuild)

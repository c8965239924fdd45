"""Routes of 党费核定: her assessments (in force this month and the history, with the base and
how the amount was found). The base is personal: only she and her own branch's staff read it
(scope.require_own_or_branch_staff); the logic is in `dues_assessment.py`."""

from __future__ import annotations

from chalice import Blueprint, Response

from . import dues_assessment, registry, scope, web
from .models import Member

bp = Blueprint(__name__)


@bp.route("/me/dues/assessments", methods=["GET"])
@web.signed_in(bp)
def my_assessments(member: Member) -> Response:
    return web.json_response(dues_assessment.report(member.member_no, member.name))


@bp.route("/members/{member_no}/dues/assessments", methods=["GET"])
@web.signed_in(bp)
def member_assessments(member: Member, member_no: str) -> Response:
    target = registry.get_member(member_no)
    caller = registry.caller_for(member)
    scope.require_own_or_branch_staff(
        caller, member_no, target.branch_id if target is not None else None
    )
    assert target is not None  # refused above otherwise
    return web.json_response(dues_assessment.report(target.member_no, target.name))

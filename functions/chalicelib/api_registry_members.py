"""Routes of registry upkeep for members (党务工作台): a unit's members, a member, the forms'
lists, add / edit / move / roles / deactivate, and the import upload. Every decision (scope,
rules, concurrency, audit) is in `registry_upkeep.py` and `registry_upload.py`."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from . import registry, registry_upkeep, registry_upload, web, xlsx_export
from .models import Member
from .web import Field

bp = Blueprint(__name__)

_KEY = Field(str, max_chars=64)
_REV = Field(int, required=False)
_TEXT = Field(str, required=False, max_chars=60)  # "" clears an optional field
_EDIT = {
    "name": _TEXT,
    "gender": _TEXT,
    "phone": _TEXT,
    "status": _TEXT,
    "joined_on": _TEXT,
    "birth_date": _TEXT,
    "education": _TEXT,
    "occupation": _TEXT,
}


def _answer(result: tuple[dict[str, Any], bool]) -> Response:
    answer, created = result
    return web.json_response(answer, status=201 if created else 200)


@bp.route("/registry/choices", methods=["GET"])
@web.signed_in(bp)
def registry_choices(member: Member) -> Response:
    return web.json_response(registry_upkeep.choices())


@bp.route("/registry/units/{unit_id}/members", methods=["GET"])
@web.signed_in(bp)
def registry_unit_members(member: Member, unit_id: str) -> Response:
    request = bp.current_request
    fmt = xlsx_export.wanted(request)
    query = (request.query_params or {}).get("q")
    answer = registry_upkeep.unit_members(registry.caller_for(member), unit_id, query)
    if fmt == "json":
        return web.json_response(answer)
    rows = [{**m, "active_label": "在册" if m["active"] else "已停用"} for m in answer["members"]]
    title = f"{answer['unit']['name']} 党员名册"
    body = xlsx_export.workbook(title, registry_upkeep.MEMBER_COLUMNS, rows)
    return xlsx_export.response(body, f"{title}.xlsx", f"members-{unit_id}.xlsx")


@bp.route("/registry/members/{member_no}", methods=["GET"])
@web.signed_in(bp)
def registry_member(member: Member, member_no: str) -> Response:
    return web.json_response(registry_upkeep.member_detail(registry.caller_for(member), member_no))


@bp.route("/registry/members", methods=["POST"])
@web.signed_in(bp)
@web.body(
    bp,
    {
        "request_key": _KEY,
        "member_no": Field(str, max_chars=32),
        "branch_id": Field(str, max_chars=32),
        "roles": Field(list, required=False),
        **_EDIT,
    },
)
def registry_add_member(member: Member, *, body: dict[str, Any]) -> Response:
    return _answer(registry_upkeep.add_member(registry.caller_for(member), member, body))


@bp.route("/registry/members/{member_no}", methods=["POST"])
@web.signed_in(bp)
@web.body(bp, {"request_key": _KEY, "rev": _REV, **_EDIT})
def registry_edit_member(member: Member, member_no: str, *, body: dict[str, Any]) -> Response:
    caller = registry.caller_for(member)
    return _answer(registry_upkeep.edit_member(caller, member, member_no, body))


@bp.route("/registry/members/{member_no}/move", methods=["POST"])
@web.signed_in(bp)
@web.body(bp, {"request_key": _KEY, "rev": _REV, "branch_id": Field(str, max_chars=32)})
def registry_move_member(member: Member, member_no: str, *, body: dict[str, Any]) -> Response:
    caller = registry.caller_for(member)
    return _answer(registry_upkeep.move_member(caller, member, member_no, body))


@bp.route("/registry/members/{member_no}/roles", methods=["POST"])
@web.signed_in(bp)
@web.body(bp, {"request_key": _KEY, "rev": _REV, "roles": Field(list)})
def registry_member_roles(member: Member, member_no: str, *, body: dict[str, Any]) -> Response:
    caller = registry.caller_for(member)
    return _answer(registry_upkeep.change_roles(caller, member, member_no, body))


@bp.route("/registry/members/{member_no}/deactivate", methods=["POST"])
@web.signed_in(bp)
@web.body(
    bp, {"request_key": _KEY, "rev": _REV, "reason": Field(str, required=False, max_chars=200)}
)
def registry_deactivate(member: Member, member_no: str, *, body: dict[str, Any]) -> Response:
    caller = registry.caller_for(member)
    return _answer(registry_upkeep.deactivate_member(caller, member, member_no, body))


@bp.route("/registry/import", methods=["POST"])
@web.signed_in(bp)
@web.body(
    bp,
    {
        "request_key": _KEY,
        "kind": Field(str, max_chars=10),
        "filename": Field(str, max_chars=200),
        "content": Field(str, max_chars=registry_upload.UPLOAD_MAX_BYTES * 4 // 3 + 4),
        "apply": Field(bool, required=False),
    },
)
def registry_import(member: Member, *, body: dict[str, Any]) -> Response:
    return _answer(registry_upload.run(registry.caller_for(member), member, body))

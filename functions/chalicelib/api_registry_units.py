"""Routes of registry upkeep for units and the audit log (党务工作台): the tree of her scope,
add / rename / move a unit, and a unit's audit log (paged, or `?format=xlsx`). Every decision
is in `registry_units.py` and `registry_audit.py`."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from . import registry, registry_audit, registry_units, web, xlsx_export
from .models import Member
from .web import Field

bp = Blueprint(__name__)

_KEY = Field(str, max_chars=64)
_REV = Field(int, required=False)


def _answer(result: tuple[dict[str, Any], bool]) -> Response:
    answer, created = result
    return web.json_response(answer, status=201 if created else 200)


@bp.route("/registry/tree", methods=["GET"])
@web.signed_in(bp)
def registry_tree(member: Member) -> Response:
    return web.json_response(registry_units.tree(registry.caller_for(member)))


@bp.route("/registry/units", methods=["POST"])
@web.signed_in(bp)
@web.body(
    bp,
    {
        "request_key": _KEY,
        "unit_id": Field(str, max_chars=32),
        "name": Field(str, max_chars=200),
        "kind": Field(str, max_chars=20),
        "parent_id": Field(str, max_chars=32),
    },
)
def registry_add_unit(member: Member, *, body: dict[str, Any]) -> Response:
    return _answer(registry_units.add_unit(registry.caller_for(member), member, body))


@bp.route("/registry/units/{unit_id}/rename", methods=["POST"])
@web.signed_in(bp)
@web.body(bp, {"request_key": _KEY, "rev": _REV, "name": Field(str, max_chars=200)})
def registry_rename_unit(member: Member, unit_id: str, *, body: dict[str, Any]) -> Response:
    caller = registry.caller_for(member)
    return _answer(registry_units.rename_unit(caller, member, unit_id, body))


@bp.route("/registry/units/{unit_id}/move", methods=["POST"])
@web.signed_in(bp)
@web.body(bp, {"request_key": _KEY, "rev": _REV, "parent_id": Field(str, max_chars=32)})
def registry_move_unit(member: Member, unit_id: str, *, body: dict[str, Any]) -> Response:
    caller = registry.caller_for(member)
    return _answer(registry_units.move_unit(caller, member, unit_id, body))


@bp.route("/registry/units/{unit_id}/audit", methods=["GET"])
@web.signed_in(bp)
def registry_audit_log(member: Member, unit_id: str) -> Response:
    request = bp.current_request
    fmt = xlsx_export.wanted(request)
    caller = registry.caller_for(member)
    if fmt == "json":
        params = request.query_params or {}
        page = registry_audit.page(caller, unit_id, params.get("cursor"), params.get("limit"))
        return web.json_response(page)
    rows = registry_audit.export_rows(caller, unit_id)
    unit = registry.get_unit(unit_id)
    title = f"{unit.name} 名册变更记录"
    body = xlsx_export.workbook(title, registry_audit.EXPORT_COLUMNS, rows)
    return xlsx_export.response(body, f"{title}.xlsx", f"registry-audit-{unit_id}.xlsx")

"""Routes of 通讯录: search by name, the branches she may list, a branch's members; every answer
holds only the fields `directory.toml` lets the caller see (logic: `directory.py`)."""

from __future__ import annotations

from chalice import Blueprint, Response

from . import directory, registry, web
from .models import Member

bp = Blueprint(__name__)


def _query(name: str) -> str | None:
    return (bp.current_request.query_params or {}).get(name)


@bp.route("/directory/search", methods=["GET"])
@web.signed_in(bp)
def search(member: Member) -> Response:
    caller = registry.caller_for(member)
    return web.json_response(directory.search(caller, _query("q"), _query("cursor")))


@bp.route("/directory/branches", methods=["GET"])
@web.signed_in(bp)
def branches(member: Member) -> Response:
    return web.json_response(directory.branches(registry.caller_for(member)))


@bp.route("/directory/branches/{unit_id}", methods=["GET"])
@web.signed_in(bp)
def branch_members(member: Member, unit_id: str) -> Response:
    caller = registry.caller_for(member)
    return web.json_response(directory.branch_members(caller, unit_id, _query("cursor")))

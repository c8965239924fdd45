"""Routes of 季度检查 and its 通报: the checklist, the console's inspections (open, the score grid
and its XLSX, a score, publishing) and the units' bulletins. The logic and every scope decision
are in `inspections.py`."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from . import inspections, registry, web, xlsx_export
from .models import Member
from .web import Field

bp = Blueprint(__name__)


def _query(name: str) -> str | None:
    return (bp.current_request.query_params or {}).get(name)


@bp.route("/inspections/checklist", methods=["GET"])
@web.signed_in(bp)
def checklist(member: Member) -> Response:
    return web.json_response(inspections.checklist_view())


@bp.route("/inspections", methods=["GET"])
@web.signed_in(bp)
def listing(member: Member) -> Response:
    caller = registry.caller_for(member)
    return web.json_response(inspections.listing(caller, _query("unit")))


@bp.route("/inspections", methods=["POST"])
@web.signed_in(bp)
@web.body(
    bp,
    {
        "unit_id": Field(str, max_chars=32),
        "quarter": Field(str, max_chars=10),
        "title": Field(str, required=False, max_chars=inspections.TITLE_MAX + 50),
        "units": Field(list, required=False),
        "request_key": Field(str, max_chars=64),
    },
)
def open_inspection(member: Member, *, body: dict[str, Any]) -> Response:
    caller = registry.caller_for(member)
    answer, created = inspections.open_inspection(caller, member, body)
    return web.json_response(answer, status=201 if created else 200)


@bp.route("/inspections/{inspection_id}", methods=["GET"])
@web.signed_in(bp)
def detail(member: Member, inspection_id: str) -> Response:
    request = bp.current_request
    fmt = xlsx_export.wanted(request)
    caller = registry.caller_for(member)
    if fmt == "json":
        return web.json_response(inspections.detail(caller, inspection_id))
    view, rows = inspections.export_rows(caller, inspection_id)
    notes = [
        f"检查单位：{view['owner']['name']}　检查季度：{view['quarter_label']}",
        "状态：" + ("已发布通报" if view["state"] == "published" else "评分中（未发布）"),
    ]
    body = xlsx_export.workbook(view["title"], inspections.EXPORT_COLUMNS, rows, notes, "检查评分")
    return xlsx_export.response(body, f"{view['title']}.xlsx", f"inspection-{view['quarter']}.xlsx")


@bp.route("/inspections/{inspection_id}/scores", methods=["POST"])
@web.signed_in(bp)
@web.body(
    bp,
    {
        "unit_id": Field(str, max_chars=32),
        "item": Field(str, max_chars=32),
        "score": Field((int, float)),
        "comment": Field(str, required=False, max_chars=1200),
        "version": Field(int, required=False),
    },
)
def score(member: Member, inspection_id: str, *, body: dict[str, Any]) -> Response:
    caller = registry.caller_for(member)
    return web.json_response(inspections.score(caller, member, inspection_id, body))


@bp.route("/inspections/{inspection_id}/publish", methods=["POST"])
@web.signed_in(bp)
@web.body(bp, {"summary": Field(str, max_chars=inspections.SUMMARY_MAX + 200)})
def publish(member: Member, inspection_id: str, *, body: dict[str, Any]) -> Response:
    caller = registry.caller_for(member)
    return web.json_response(inspections.publish(caller, member, inspection_id, body))


@bp.route("/bulletins", methods=["GET"])
@web.signed_in(bp)
def bulletins(member: Member) -> Response:
    return web.json_response(inspections.bulletins(registry.caller_for(member)))


@bp.route("/bulletins/{inspection_id}", methods=["GET"])
@web.signed_in(bp)
def bulletin(member: Member, inspection_id: str) -> Response:
    return web.json_response(inspections.bulletin(registry.caller_for(member), inspection_id))

"""Routes of the 党务工作台's figures (console.py does the work and the scope check): the
caller's scope roots, a unit's dashboard, series, structure and data-quality problems, and the
staff view of one member. Every list answers `?format=xlsx` (xlsx_export)."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from . import console, registry, web, xlsx_export
from . import console_figures as cf
from .models import Member

bp = Blueprint(__name__)


def _query(name: str) -> str | None:
    return (bp.current_request.query_params or {}).get(name)


def _answer(body: dict[str, Any], table: Any) -> Response:
    fmt = xlsx_export.wanted(bp.current_request)
    if fmt == "json":
        return web.json_response(body)
    title, columns, rows, name, fallback = table(body)
    return xlsx_export.response(xlsx_export.workbook(title, columns, rows), name, fallback)


@bp.route("/console/units", methods=["GET"])
@web.signed_in(bp)
def console_units(member: Member) -> Response:
    return web.json_response(console.units(registry.caller_for(member)))


def _dashboard_table(body: dict[str, Any]) -> tuple:
    unit, period = body["unit"], body["period"]
    title = f"{unit['name']} {period['label']}"
    if "members" in body:
        columns = list(cf.MEMBER_LABELS.items())
        rows = body["members"]
        name = f"{unit['name']}党员{period['label']}.xlsx"
    else:
        columns = [("name", "单位"), *cf.LABELS.items()]
        rows = [{"name": c["name"], **c["figures"]} for c in body["children"]]
        name = f"{unit['name']}下级单位{period['label']}.xlsx"
    return title, columns, rows, name, f"dashboard-{unit['id']}-{period['key']}.xlsx"


@bp.route("/console/units/{unit_id}/dashboard", methods=["GET"])
@web.signed_in(bp)
def console_dashboard(member: Member, unit_id: str) -> Response:
    xlsx_export.wanted(bp.current_request)  # a bad format is refused before any read
    body = console.dashboard(registry.caller_for(member), unit_id, _query("period"))
    return _answer(body, _dashboard_table)


def _series_table(body: dict[str, Any]) -> tuple:
    unit = body["unit"]
    columns = [("period", "统计周期"), *cf.LABELS.items()]
    rows = [{"period": p["label"], **p["figures"]} for p in body["periods"]]
    name = f"{unit['name']}{body['year']}年趋势.xlsx"
    fallback = f"series-{unit['id']}-{body['year']}-{body['kind']}.xlsx"
    return f"{unit['name']} {body['year']}年", columns, rows, name, fallback


@bp.route("/console/units/{unit_id}/series", methods=["GET"])
@web.signed_in(bp)
def console_series(member: Member, unit_id: str) -> Response:
    xlsx_export.wanted(bp.current_request)
    body = console.series(registry.caller_for(member), unit_id, _query("kind"), _query("year"))
    return _answer(body, _series_table)


def _structure_table(body: dict[str, Any]) -> tuple:
    unit = body["unit"]
    rows = []
    for who in [{"name": unit["name"], **body}, *body["children"]]:
        for dim in who["dimensions"]:
            for band in dim["bands"]:
                rows.append(
                    {
                        "unit": who["name"],
                        "dimension": dim["label"],
                        "band": band["label"],
                        "count": band["count"],
                    }
                )
    columns = [("unit", "单位"), ("dimension", "维度"), ("band", "类别"), ("count", "人数")]
    name = f"{unit['name']}党员结构.xlsx"
    return f"{unit['name']} 党员结构", columns, rows, name, f"structure-{unit['id']}.xlsx"


@bp.route("/console/units/{unit_id}/structure", methods=["GET"])
@web.signed_in(bp)
def console_structure(member: Member, unit_id: str) -> Response:
    xlsx_export.wanted(bp.current_request)
    body = console.structure(registry.caller_for(member), unit_id)
    return _answer(body, _structure_table)


def _quality_table(body: dict[str, Any]) -> tuple:
    unit = body["unit"]
    columns = [
        ("member_no", "党员编号"),
        ("name", "姓名"),
        ("branch", "所在支部"),
        ("field", "字段"),
        ("problem", "问题"),
    ]
    name = f"{unit['name']}数据质量问题.xlsx"
    return (
        f"{unit['name']} 数据质量问题",
        columns,
        body["problems"],
        name,
        f"data-quality-{unit['id']}.xlsx",
    )


@bp.route("/console/units/{unit_id}/data-quality", methods=["GET"])
@web.signed_in(bp)
def console_data_quality(member: Member, unit_id: str) -> Response:
    xlsx_export.wanted(bp.current_request)
    body = console.quality(registry.caller_for(member), unit_id)
    return _answer(body, _quality_table)


def _member_table(body: dict[str, Any]) -> tuple:
    m = body["member"]
    columns = [
        ("day", "日期"),
        ("label", "积分项目"),
        ("points", "积分"),
        ("object", "对象"),
    ]
    name = f"{m['name']}{body['points']['year']}年积分明细.xlsx"
    fallback = f"member-{m['member_no']}-{body['points']['year']}.xlsx"
    return f"{m['name']} 积分明细", columns, body["log"], name, fallback


@bp.route("/console/members/{member_no}", methods=["GET"])
@web.signed_in(bp)
def console_member(member: Member, member_no: str) -> Response:
    # The download is the whole year's log (the page shows the newest LOG_LIMIT lines).
    whole = xlsx_export.wanted(bp.current_request) == "xlsx"
    body = console.member_view(registry.caller_for(member), member_no, _query("year"), whole)
    return _answer(body, _member_table)

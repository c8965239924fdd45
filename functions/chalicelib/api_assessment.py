"""Routes of 考核评价: branch scores, a branch's member scores, the 红黑榜 with its 约谈 flags,
and the yearly 民主评议 grades (read, and entered by the branch's secretary). Every table also
answers `?format=xlsx` (xlsx_export). The logic and every scope decision are in
`assessment_views.py`."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from . import assessment_views as views
from . import registry, web, xlsx_export
from .models import Member
from .web import Field

bp = Blueprint(__name__)


def _query(name: str) -> str | None:
    return (bp.current_request.query_params or {}).get(name)


def _notes(body: dict[str, Any], period: str) -> list[str]:
    return [f"单位：{body['unit']['name']}", f"统计周期：{period}"]


@bp.route("/assessment/units/{unit_id}/branches", methods=["GET"])
@web.signed_in(bp)
def branch_scores(member: Member, unit_id: str) -> Response:
    fmt = xlsx_export.wanted(bp.current_request)
    body = views.branches(registry.caller_for(member), unit_id, _query("period"))
    if fmt == "json":
        return web.json_response(body)
    items = body["branch_items"]
    columns = [("rank", "名次")] if body["rankings_enabled"] else []
    columns += [("name", "党支部"), ("members", "党员人数"), ("score", "得分（百分制）")]
    columns += [(f"i:{i['key']}", f"{i['label']}（{i['weight']:g}）") for i in items]
    rows = [{**b, **{f"i:{k}": v for k, v in b["items"].items()}} for b in body["branches"]]
    data = xlsx_export.workbook(
        "党支部考核得分", columns, rows, _notes(body, body["period"]["label"])
    )
    return xlsx_export.response(
        data, f"党支部考核得分-{body['period']['key']}.xlsx", "branch-scores.xlsx"
    )


@bp.route("/assessment/units/{unit_id}/members", methods=["GET"])
@web.signed_in(bp)
def member_scores(member: Member, unit_id: str) -> Response:
    fmt = xlsx_export.wanted(bp.current_request)
    body = views.members(registry.caller_for(member), unit_id, _query("period"))
    if fmt == "json":
        return web.json_response(body)
    columns = [
        ("member_no", "党员编号"),
        ("name", "姓名"),
        ("score", "总分"),
        ("base", "基准分"),
        ("bonus", "奉献分"),
    ]
    columns += [(f"i:{i['key']}", f"{i['part']}·{i['label']}") for i in body["member_items"]]
    rows = [{**m, **{f"i:{k}": v for k, v in m["items"].items()}} for m in body["members"]]
    data = xlsx_export.workbook(
        "党员考核得分", columns, rows, _notes(body, body["period"]["label"])
    )
    return xlsx_export.response(
        data,
        f"党员考核得分-{body['unit']['name']}-{body['period']['key']}.xlsx",
        "member-scores.xlsx",
    )


@bp.route("/assessment/units/{unit_id}/red-black", methods=["GET"])
@web.signed_in(bp)
def red_black(member: Member, unit_id: str) -> Response:
    fmt = xlsx_export.wanted(bp.current_request)
    body = views.red_black(registry.caller_for(member), unit_id, _query("period"))
    if fmt == "json":
        return web.json_response(body)
    rows = [{**r, "list": "红榜"} for r in body["red"]]
    rows += [{**r, "list": "黑榜", "talk": "约谈" if r["talk"] else ""} for r in body["black"]]
    for r in rows:
        if r["list"] == "红榜":
            r["talk"] = ""
    on_black = {r["id"] for r in body["black"]}
    # 约谈 counts the last positions, not the capped 黑榜: a flagged branch off the list too.
    rows += [{**r, "list": "—", "talk": "约谈"} for r in body["talks"] if r["id"] not in on_black]
    columns = [
        ("list", "榜单"),
        ("rank", "名次"),
        ("name", "党支部"),
        ("score", "得分"),
        ("members", "党员人数"),
    ]
    if body["talks_shown"]:  # 约谈 is for the staff above a branch only
        columns.append(
            ("talk", f"连续 {body['talk_months']} 个月排名在后 {body['ranking_size']} 位")
        )
    data = xlsx_export.workbook("红黑榜", columns, rows, _notes(body, body["period"]["label"]))
    return xlsx_export.response(data, f"红黑榜-{body['period']['key']}.xlsx", "red-black.xlsx")


@bp.route("/assessment/units/{unit_id}/grades", methods=["GET"])
@web.signed_in(bp)
def grades(member: Member, unit_id: str) -> Response:
    fmt = xlsx_export.wanted(bp.current_request)
    body = views.grades(registry.caller_for(member), unit_id, _query("year"))
    if fmt == "json":
        return web.json_response(body)
    if "members" in body:
        columns = [
            ("member_no", "党员编号"),
            ("name", "姓名"),
            ("score", "平台得分"),
            ("grade_label", "评议等次"),
            ("reason", "理由"),
        ]
        rows = body["members"]
    else:
        columns = [("name", "党支部")] + [(g["key"], g["label"]) for g in body["grades"]]
        rows = [{"name": b["name"], **b["counts"]} for b in body["branches"]]
        rows.append({"name": "合计", **body["counts"]})
    data = xlsx_export.workbook("民主评议", columns, rows, _notes(body, f"{body['year']}年度"))
    return xlsx_export.response(data, f"民主评议-{body['year']}.xlsx", "grades.xlsx")


@bp.route("/assessment/units/{unit_id}/grades", methods=["POST"])
@web.signed_in(bp)
@web.body(
    bp,
    {
        "year": Field(int),
        "member_no": Field(str, max_chars=32),
        "grade": Field(str, max_chars=32),
        "reason": Field(str, required=False, max_chars=views.REASON_CHARS[1] + 20),
        "request_key": Field(str, max_chars=64),
    },
)
def enter_grade(member: Member, unit_id: str, *, body: dict[str, Any]) -> Response:
    answer, created = views.enter_grade(registry.caller_for(member), member, unit_id, body)
    return web.json_response(answer, status=201 if created else 200)

"""Routes of 问卷: a unit's surveys, composing and editing a draft, publishing and closing it,
a survey, her answer, the member's own list, and the results (JSON, or XLSX with
`?format=xlsx` and `Accept: <XLSX>`, as the 三会一课 export). The logic and every scope decision
are in `surveys.py` and `survey_results.py`."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from . import registry, survey_results, surveys, web
from .errors import BadRequestError, PayloadTooLargeError
from .models import Member
from .web import Field

bp = Blueprint(__name__)

_CONTENT = {
    "title": Field(str, max_chars=surveys.TITLE_MAX),
    "intro": Field(str, required=False, max_chars=surveys.INTRO_MAX),
    "questions": Field(list),
    "opens_at": Field(str, required=False, max_chars=20),
    "closes_at": Field(str, max_chars=20),
}


@bp.route("/units/{unit_id}/surveys", methods=["GET"])
@web.signed_in(bp)
def unit_surveys(member: Member, unit_id: str) -> Response:
    return web.json_response(surveys.unit_list(registry.caller_for(member), unit_id))


@bp.route("/surveys", methods=["POST"])
@web.signed_in(bp)
@web.body(
    bp,
    {"unit_id": Field(str, max_chars=32), **_CONTENT, "request_key": Field(str, max_chars=64)},
)
def create_survey(member: Member, *, body: dict[str, Any]) -> Response:
    answer, created = surveys.create(registry.caller_for(member), member, body)
    return web.json_response(answer, status=201 if created else 200)


@bp.route("/surveys/{survey_id}", methods=["GET"])
@web.signed_in(bp)
def get_survey(member: Member, survey_id: str) -> Response:
    return web.json_response(surveys.detail(registry.caller_for(member), survey_id))


@bp.route("/surveys/{survey_id}", methods=["PUT"])
@web.signed_in(bp)
@web.body(bp, _CONTENT)
def edit_survey(member: Member, survey_id: str, *, body: dict[str, Any]) -> Response:
    return web.json_response(surveys.update(registry.caller_for(member), survey_id, body))


@bp.route("/surveys/{survey_id}/publish", methods=["POST"])
@web.signed_in(bp)
def publish_survey(member: Member, survey_id: str) -> Response:
    web.no_body(bp.current_request)
    return web.json_response(surveys.publish(registry.caller_for(member), member, survey_id))


@bp.route("/surveys/{survey_id}/close", methods=["POST"])
@web.signed_in(bp)
def close_survey(member: Member, survey_id: str) -> Response:
    web.no_body(bp.current_request)
    return web.json_response(surveys.close(registry.caller_for(member), member, survey_id))


@bp.route("/surveys/{survey_id}/answers", methods=["POST"])
@web.signed_in(bp)
@web.body(bp, {"answers": Field(dict)})
def answer_survey(member: Member, survey_id: str, *, body: dict[str, Any]) -> Response:
    return web.json_response(
        surveys.answer(registry.caller_for(member), survey_id, body), status=201
    )


@bp.route("/me/surveys", methods=["GET"])
@web.signed_in(bp)
def my_surveys(member: Member) -> Response:
    return web.json_response(surveys.mine(registry.caller_for(member)))


@bp.route("/surveys/{survey_id}/results", methods=["GET"])
@web.signed_in(bp)
def survey_results_view(member: Member, survey_id: str) -> Response:
    query = bp.current_request.query_params or {}
    fmt = query.get("format") or "json"
    if fmt not in ("json", "xlsx"):
        raise BadRequestError("format 须为 json 或 xlsx")
    accept = bp.current_request.headers.get("accept") or ""
    if fmt == "xlsx" and survey_results.XLSX not in accept:
        raise BadRequestError(f"下载 Excel 时请求头 Accept 须为 {survey_results.XLSX}")
    data = survey_results.results(registry.caller_for(member), survey_id)
    if fmt == "json":
        return web.json_response(data)
    workbook = survey_results.workbook(data)
    if len(workbook) * 4 // 3 > web.LARGE_BODY_LIMIT:  # base64 through API Gateway
        raise PayloadTooLargeError("问卷结果过大，无法导出")
    return Response(
        body=workbook,
        status_code=200,
        headers={
            "Content-Type": survey_results.XLSX,
            "Content-Disposition": survey_results.content_disposition(
                survey_results.file_name(data), f"survey-{survey_id}.xlsx"
            ),
            "Cache-Control": "no-store",
        },
    )

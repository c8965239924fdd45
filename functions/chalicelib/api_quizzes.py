"""Routes under /quizzes: the hub, start / resume / answer / submit, history, exam rankings and
self-check summaries. The logic is in `quizzes.py`; grading happens there, never on the phone."""

from __future__ import annotations

import re
from typing import Any

from chalice import Blueprint, Response

from . import quiz_reports, quizzes, registry, web
from .errors import NotFoundError
from .identifiers import is_quiz_id, is_unit_id
from .models import Member

bp = Blueprint(__name__)

_ATTEMPT = re.compile(r"d\d{4}-\d{2}-\d{2}|q\d{4}Q[1-4]|n\d{5}")
ANSWER_FIELDS = {
    "attempt": web.Field(max_chars=20),
    "index": web.Field(kind=int),
    "response": web.Field(kind=list),
}
SUBMIT_FIELDS = {
    "attempt": web.Field(max_chars=20),
    "answers": web.Field(kind=dict, required=False),
}


def _quiz_id(quiz_id: str) -> str:
    if not is_quiz_id(quiz_id):
        raise NotFoundError("测验不存在或已下线")
    return quiz_id


def _attempt_id(value: str) -> str:
    if not _ATTEMPT.fullmatch(value):
        raise NotFoundError("没有这次作答记录")
    return value


def _query(name: str) -> str | None:
    return (bp.current_request.query_params or {}).get(name)


@bp.route("/quizzes", methods=["GET"])
@web.signed_in(bp)
def hub(member: Member) -> Response:
    return web.json_response(quiz_reports.hub(member, registry.caller_for(member)))


@bp.route("/quizzes/{quiz_id}/attempt", methods=["POST"])
@web.signed_in(bp)
def start(member: Member, quiz_id: str) -> Response:
    body = quizzes.start(member, registry.caller_for(member), _quiz_id(quiz_id))
    return web.json_response(body)


@bp.route("/quizzes/{quiz_id}/attempt/current", methods=["GET"])
@web.signed_in(bp)
def current(member: Member, quiz_id: str) -> Response:
    return web.json_response(quizzes.current(member, _quiz_id(quiz_id)))


@bp.route("/quizzes/{quiz_id}/attempt/answer", methods=["POST"])
@web.signed_in(bp)
@web.body(bp, ANSWER_FIELDS)
def answer(member: Member, quiz_id: str, *, body: dict[str, Any]) -> Response:
    out = quizzes.answer(
        member, _quiz_id(quiz_id), _attempt_id(body["attempt"]), body["index"], body["response"]
    )
    return web.json_response(out)


@bp.route("/quizzes/{quiz_id}/attempt/submit", methods=["POST"])
@web.signed_in(bp)
@web.body(bp, SUBMIT_FIELDS)
def submit(member: Member, quiz_id: str, *, body: dict[str, Any]) -> Response:
    out = quizzes.submit(
        member, _quiz_id(quiz_id), _attempt_id(body["attempt"]), body.get("answers")
    )
    return web.json_response(out)


@bp.route("/quizzes/{quiz_id}/attempts", methods=["GET"])
@web.signed_in(bp)
def history(member: Member, quiz_id: str) -> Response:
    return web.json_response(quiz_reports.history(member, _quiz_id(quiz_id)))


@bp.route("/quizzes/{quiz_id}/ranking", methods=["GET"])
@web.signed_in(bp)
def ranking(member: Member, quiz_id: str) -> Response:
    unit = _query("unit")
    if unit is not None and not is_unit_id(unit):
        raise NotFoundError("组织不存在")
    caller = registry.caller_for(member)
    return web.json_response(quiz_reports.ranking(member, caller, _quiz_id(quiz_id), unit))


@bp.route("/quizzes/{quiz_id}/summary", methods=["GET"])
@web.signed_in(bp)
def summary(member: Member, quiz_id: str) -> Response:
    unit = _query("unit") or member.branch_id
    if not is_unit_id(unit):
        raise NotFoundError("组织不存在")
    caller = registry.caller_for(member)
    body = quiz_reports.survey_summary(caller, _quiz_id(quiz_id), unit, _query("period"))
    return web.json_response(body)

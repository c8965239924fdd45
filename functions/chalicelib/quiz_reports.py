"""Quizzes seen from outside one attempt: the hub, a member's own history, an exam's ranking
within a unit and a self-check's summary for a unit (counts only). Attempts are `quizzes.py`."""

from __future__ import annotations

from typing import Any

from . import clock, registry, scope
from .errors import BadRequestError, NotFoundError
from .models import Member, OrgUnit, Quiz, QuizAttempt, QuizScore, QuizTally
from .quizzes import (
    attempt_key_for,
    attempt_period,
    get_quiz,
    in_scope,
    latest_attempt,
    period_key,
    public_quiz,
    quarter,
    questions,
)

SURVEY_MIN_RESPONDENTS = 3  # fewer, and a summary would show someone's own answers
RANK_TOP = 50
HISTORY_LIMIT = 12


def hub(member: Member, caller: scope.Caller) -> dict[str, Any]:
    """Every quiz the member may take, with her state in each (one Query + a read per quiz)."""
    now = clock.now()
    out = []
    for quiz in Quiz.by_listed.query("1"):
        if not in_scope(quiz.settings, caller):
            continue
        entry = public_quiz(quiz)
        period = period_key(quiz, now)
        latest: QuizAttempt | None
        if period is not None:
            try:
                latest = QuizAttempt.get(member.member_no, attempt_key_for(quiz.quiz_id, period))
            except QuizAttempt.DoesNotExist:
                latest = None
        else:
            latest = latest_attempt(member.member_no, quiz.quiz_id)
        s = quiz.settings
        entry["open"] = not (s.get("opens") and now < s["opens"]) and not (
            s.get("closes") and now >= s["closes"]
        )
        entry["state"] = None
        if latest is not None:
            entry["state"] = {
                "attempt": attempt_period(latest),
                "status": latest.status,
                "result": {k: v for k, v in (latest.result or {}).items() if k != "marks"},
            }
        out.append(entry)
    order = {"daily": 0, "challenge": 1, "exam": 2, "survey": 3}
    out.sort(key=lambda e: (order[e["kind"]], e["id"]))
    return {"quizzes": out, "server_now": now}


def history(member: Member, quiz_id: str) -> dict[str, Any]:
    """The member's own attempts, newest first; a self-check with her answers in full."""
    quiz = get_quiz(quiz_id)
    attempts = list(
        QuizAttempt.query(
            member.member_no,
            QuizAttempt.attempt_key.startswith(f"{quiz_id}#"),
            scan_index_forward=False,
            limit=HISTORY_LIMIT,
        )
    )
    data: dict[str, Any] = {}
    if quiz.kind == "survey":
        data = questions([i["ref"] for a in attempts for i in a.items])
    out = []
    for a in attempts:
        entry: dict[str, Any] = {
            "attempt": attempt_period(a),
            "status": a.status,
            "started_at": a.started_at,
            "submitted_at": a.submitted_at,
            "result": {k: v for k, v in (a.result or {}).items() if k != "marks"},
        }
        if quiz.kind == "survey":
            answers = a.answers.as_dict() if a.answers else {}
            entry["answers"] = [
                {
                    "stem": data[item["ref"]]["stem"],
                    "chosen": [
                        data[item["ref"]]["options"][item["perm"][i]]
                        for i in answers.get(str(n), [])
                    ],
                }
                for n, item in enumerate(a.items)
            ]
        out.append(entry)
    return {"quiz": public_quiz(quiz), "attempts": out}


def _unit_path(unit_id: str) -> tuple[str, ...] | None:
    try:
        return tuple(registry.get_unit(unit_id).path)
    except NotFoundError:
        return None


def ranking(
    member: Member, caller: scope.Caller, quiz_id: str, unit_id: str | None
) -> dict[str, Any]:
    """An exam's best scores within a unit: the groups she belongs to (her branch and the units
    above it) are open to her; any other unit needs a role over it (scope.require_group_view)."""
    quiz = get_quiz(quiz_id)
    if quiz.kind != "exam":
        raise NotFoundError("只有专题考试有成绩排名")
    unit_id = unit_id or member.branch_id
    scope.require_group_view(caller, unit_id, _unit_path)
    unit = registry.get_unit(unit_id)
    key = f"{quiz_id}#{unit_id}"
    top = list(QuizScore.by_rank.query(key, limit=RANK_TOP))
    # Name and branch only: a member number is the login id, never shown to others.
    branches = {u.unit_id: u.name for u in OrgUnit.batch_get({s.branch_id for s in top})}
    entries = [
        {
            "rank": n,
            "name": s.name,
            "branch": branches.get(s.branch_id, ""),
            "score": int(s.score),
            "seconds": int(s.seconds),
            "me": s.member_no == member.member_no,
        }
        for n, s in enumerate(top, 1)
    ]
    mine = None
    try:
        own = QuizScore.get(key, member.member_no)
    except QuizScore.DoesNotExist:
        own = None
    if own is not None:
        ahead = QuizScore.by_rank.count(key, QuizScore.rank_key < own.rank_key)
        mine = {"rank": ahead + 1, "score": int(own.score), "seconds": int(own.seconds)}
    return {
        "quiz": public_quiz(quiz),
        "unit": {"id": unit.unit_id, "name": unit.name, "kind": unit.kind},
        "entries": entries,
        "me": mine,
    }


def survey_summary(
    caller: scope.Caller, quiz_id: str, unit_id: str, period: str | None
) -> dict[str, Any]:
    """Counts per option for a unit and quarter; read access over the unit is required, and
    a member alone sees only her own answers (history), never a summary."""
    quiz = get_quiz(quiz_id)
    if quiz.kind != "survey":
        raise NotFoundError("只有党性体检问卷有汇总")
    # Read access over the unit even for her own branch: a member alone has none, so she never
    # sees a summary; an unknown unit is refused like one out of scope.
    scope.require_unit(caller, _unit_path(unit_id) or (), "read")
    unit = registry.get_unit(unit_id)
    if unit.kind != "branch":
        raise BadRequestError("党性体检汇总按党支部查看（unit 须为党支部）")
    period = period or quarter(clock.today())
    if not (len(period) == 6 and period[:4].isdigit() and period[4] == "Q" and period[5] in "1234"):
        raise BadRequestError("季度（period）格式须为 YYYYQn，例如 2026Q4")
    try:
        tally = QuizTally.get(f"{quiz_id}#{period}#{unit_id}")
        respondents = int(tally.respondents or 0)
        counts = tally.counts.as_dict() if tally.counts else {}
    except QuizTally.DoesNotExist:
        respondents, counts = 0, {}
    shown = respondents >= SURVEY_MIN_RESPONDENTS
    data = questions(list(quiz.pool))
    items = []
    for ref in quiz.pool:
        q = data[ref]
        qid = ref.split("/", 1)[1]
        items.append(
            {
                "stem": q["stem"],
                "type": q["type"],
                "options": [
                    {"label": label, "count": int(counts.get(f"{qid}_{i}", 0)) if shown else None}
                    for i, label in enumerate(q["options"])
                ],
            }
        )
    return {
        "quiz": public_quiz(quiz),
        "unit": {"id": unit.unit_id, "name": unit.name, "kind": unit.kind},
        "period": period,
        "respondents": respondents,
        "shown": shown,
        "min_respondents": SURVEY_MIN_RESPONDENTS,
        "questions": items,
    }

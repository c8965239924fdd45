"""Quizzes on the server: start, answer, submit, resume; exam rankings; self-check summaries.

Four kinds, one attempt model (models/quizzes.py):

- daily (每日答题): `count` questions drawn per member per day, deterministically from (quiz,
  member, day), so a reload or a second phone gets the same five; one attempt a day (the key
  holds the Asia/Shanghai day); points `daily_quiz`, one per correct answer (cap 5 a day).
- challenge (挑战答题): one question at a time; the server says right or wrong after each answer
  and the attempt ends at the first wrong one (or when its questions run out); points
  `challenge_quiz` by streak (cap 6 a day).
- exam (专题考试): a window (opens/closes), a time limit enforced here (deadline = start + limit,
  at most the close; answers later than GRACE_SECONDS after it are refused with 409 and the
  attempt is closed with what was answered), attempts allowed, pass mark; questions and options
  shuffled per attempt and stored with it; points `exam` (score / 10, at most 10 per exam over
  all attempts); best scores ranked per unit.
- survey (党性体检): a quarterly questionnaire, not graded; a member sees her own answers over
  time, a unit's reviewers see only the counts per option (QuizTally), and only from
  quiz_reports.SURVEY_MIN_RESPONDENTS respondents up.

Answers never leave the server before a submission: the views built here carry no answer key,
no explanation and no marks for an open attempt. Submitting is one conditional update (status
open → submitted), so a double or parallel submission counts once; the side effects that follow
(points, best score) are idempotent and are re-applied if the same submission comes again.

A request reads each item once: the closing update returns the attempt as written (ALL_NEW) and
the view reuses the questions the grading read; an exam's earlier attempts are one Query of the
sort-key range before this one (their best score sets the award); a challenge grades only the
question in hand (every one before its position was answered right). Daily quiz submit with its
award, as AWS bills it: 1 read of the attempt, 1 BatchGetItem, 2 write units (attempt ≤ 1 KB,
the ledger line); tests/integration/test_quiz_capacity.py meters each submit.
"""

from __future__ import annotations

import hashlib
import random
import re
import secrets
import time
from datetime import datetime, timedelta
from typing import Any

from pynamodb.attributes import MapAttribute
from pynamodb.exceptions import PutError, UpdateError

from . import clock, points, registry, scope
from .errors import (
    BadRequestError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    busy,
)
from .models import Member, Quiz, QuizAttempt, QuizQuestion, QuizScore, QuizTally
from .models.base import Transaction, TransactionCancelled, condition_failed
from .points_rules import RULES, exam_points
from .quiz_grading import ResponseError, check_response, mark, right_answer

GRACE_SECONDS = 5  # transit time allowed after an exam's deadline
KIND_LABELS = {
    "daily": "每日答题",
    "challenge": "挑战答题",
    "exam": "专题考试",
    "survey": "党性体检",
}
TYPE_LABELS = {"single": "单选题", "multiple": "多选题", "truefalse": "判断题", "fill": "填空题"}
OPEN, SUBMITTED = "open", "submitted"

# What an attempt keeps of its quiz's settings: only what is read after the start (grading, the
# view, the review rules), no description, tags or nulls. Every answer saved rewrites the whole
# attempt, and a daily attempt kept under 1 KB costs 1 write unit a write instead of 2.
ATTEMPT_SETTINGS = (
    "seed",
    "title",
    "show_answers",
    "show_explanations",
    "shuffle_options",
    "multiple_scoring",
    "pass_mark",
    "attempts",
    "closes",
)
_ANSWER_KEY = re.compile(r"0|[1-9][0-9]{0,3}")  # a question index in an answers object


# --- pure helpers (unit-tested) --------------------------------------------------------------


def quarter(day: Any) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def daily_seed(quiz_id: str, member_no: str, day: str) -> str:
    return hashlib.sha256(f"{quiz_id}|{member_no}|{day}".encode()).hexdigest()[:16]


def draw(pool: list[str], count: int | None, seed: str, shuffle: bool) -> list[str]:
    """The questions of an attempt: a seeded sample of the pool, or its first `count` in order."""
    n = len(pool) if count is None else min(count, len(pool))
    if shuffle:
        return random.Random(seed).sample(pool, n)
    return pool[:n]


def option_perm(seed: str, index: int, n_options: int, shuffle: bool) -> list[int]:
    """Displayed position → the bank's option index, seeded per attempt and question."""
    perm = list(range(n_options))
    if shuffle:
        random.Random(f"{seed}|{index}").shuffle(perm)
    return perm


def _end_of_day(now: float) -> float:
    local = datetime.fromtimestamp(now, clock.TZ)
    return (
        local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    ).timestamp()


def _end_of_quarter(now: float) -> float:
    local = datetime.fromtimestamp(now, clock.TZ)
    month = ((local.month - 1) // 3 + 1) * 3 + 1
    year = local.year + (month > 12)
    month = month - 12 if month > 12 else month
    return datetime(year, month, 1, tzinfo=clock.TZ).timestamp()


# --- reads -----------------------------------------------------------------------------------


def get_quiz(quiz_id: str) -> Quiz:
    try:
        quiz = Quiz.get(quiz_id)
    except Quiz.DoesNotExist:
        raise NotFoundError("测验不存在或已下线") from None
    if quiz.listed != "1":
        raise NotFoundError("测验不存在或已下线")
    return quiz


def questions(refs: list[str]) -> dict[str, dict[str, Any]]:
    """ref ("<bank_version>/<qid>") → question data: one BatchGetItem per 100 refs."""
    keys = sorted({tuple(r.split("/", 1)) for r in refs})
    return {f"{q.bank_version}/{q.qid}": q.data for q in QuizQuestion.batch_get(keys)}


def _question(ref: str) -> dict[str, Any]:
    bank_version, qid = ref.split("/", 1)
    return QuizQuestion.get(bank_version, qid).data


def in_scope(settings: dict[str, Any], caller: scope.Caller) -> bool:
    wanted = settings.get("scope") or []
    return not wanted or bool(set(wanted) & set(caller.path))


def public_quiz(quiz: Quiz) -> dict[str, Any]:
    s = quiz.settings
    return {
        "id": quiz.quiz_id,
        "kind": quiz.kind,
        "kind_label": KIND_LABELS[quiz.kind],
        "title": quiz.title,
        "description": s.get("description", ""),
        "count": s.get("count"),
        "opens": s.get("opens"),
        "closes": s.get("closes"),
        "time_limit_seconds": s.get("time_limit_seconds"),
        "attempts": s.get("attempts"),
        "pass_mark": s.get("pass_mark"),
    }


def _public_question(index: int, q: dict[str, Any], perm: list[int]) -> dict[str, Any]:
    """What a member sees before answering: never the answer, never the explanation."""
    return {
        "index": index,
        "type": q["type"],
        "type_label": TYPE_LABELS[q["type"]],
        "stem": q["stem"],
        "options": [q["options"][i] for i in perm],
        "blanks": len(q["answer"]) if q["type"] == "fill" else 0,
    }


def served_perm(attempt: QuizAttempt, index: int, q: dict[str, Any]) -> list[int]:
    item = attempt.items[index]
    if "perm" in item:
        return item["perm"]
    shuffle = attempt.settings.get("shuffle_options", True) and q.get("shuffle", True)
    return option_perm(attempt.settings["seed"], index, len(q["options"]), shuffle)


# --- attempts --------------------------------------------------------------------------------


def attempt_key_for(quiz_id: str, period: str) -> str:
    return f"{quiz_id}#{period}"


def latest_attempt(member_no: str, quiz_id: str) -> QuizAttempt | None:
    found = QuizAttempt.query(
        member_no,
        QuizAttempt.attempt_key.startswith(f"{quiz_id}#"),
        scan_index_forward=False,
        limit=1,
        consistent_read=True,
    )
    return next(iter(found), None)


def _load(member_no: str, quiz_id: str, attempt_id: str) -> QuizAttempt:
    try:
        return QuizAttempt.get(
            member_no, attempt_key_for(quiz_id, attempt_id), consistent_read=True
        )
    except QuizAttempt.DoesNotExist:
        raise NotFoundError("没有这次作答记录") from None


def period_key(quiz: Quiz, now: float) -> str | None:
    """The period key of a dated kind (one attempt per day / quarter), None otherwise."""
    today = datetime.fromtimestamp(now, clock.TZ).date()
    if quiz.kind == "daily":
        return f"d{today.isoformat()}"
    if quiz.kind == "survey":
        return f"q{quarter(today)}"
    return None


def _check_window(settings: dict[str, Any], now: float) -> None:
    if settings.get("opens") and now < settings["opens"]:
        raise ConflictError("尚未开始，请在开放时间内参加")
    if settings.get("closes") and now >= settings["closes"]:
        raise ConflictError("已经结束，不能再参加")


def start(member: Member, caller: scope.Caller, quiz_id: str) -> dict[str, Any]:
    """The open attempt (resumed), today's / this quarter's (even if submitted), or a new one."""
    quiz = get_quiz(quiz_id)
    if not in_scope(quiz.settings, caller):
        raise ForbiddenError("本测验仅限指定单位的党员参加")
    now = clock.now()
    period = period_key(quiz, now)
    if period is not None:
        try:
            existing: QuizAttempt | None = QuizAttempt.get(
                member.member_no, attempt_key_for(quiz_id, period), consistent_read=True
            )
        except QuizAttempt.DoesNotExist:
            existing = None
    else:
        existing = latest_attempt(member.member_no, quiz_id)
    if existing is not None:
        existing = _expire_if_due(existing)
        if existing.status == OPEN or period is not None:
            return view(existing)
    _check_window(quiz.settings, now)
    if period is None:
        n = int(existing.attempt_key.rsplit("#n", 1)[1]) if existing else 0
        allowed = quiz.settings.get("attempts")
        if allowed and n >= allowed:
            raise ConflictError(f"已用完全部 {allowed} 次考试机会")
        period = f"n{n + 1:05d}"
    data: dict[str, dict[str, Any]] = {}  # the questions drawn, reused by the view
    attempt = _new_attempt(member, quiz, period, now, data)
    try:
        attempt.save(condition=QuizAttempt.attempt_key.does_not_exist())
    except PutError as exc:
        if not condition_failed(exc):
            raise
        # A parallel start (a double tap, a second phone) made it first: that one is hers.
        attempt = _load(member.member_no, quiz_id, period)
    return view(attempt, data)


def _new_attempt(
    member: Member, quiz: Quiz, period: str, now: float, data: dict[str, dict[str, Any]]
) -> QuizAttempt:
    """A new attempt (not saved); `data` receives the questions read to draw it."""
    s = dict(quiz.settings)
    seed = (
        daily_seed(quiz.quiz_id, member.member_no, period[1:])
        if quiz.kind == "daily"
        else secrets.token_hex(8)
    )
    s["seed"] = seed
    s["title"] = quiz.title
    count = None if quiz.kind == "survey" else s.get("count")
    refs = draw(list(quiz.pool), count, seed, s.get("shuffle_questions", True))
    if quiz.kind == "challenge":
        items: list[dict[str, Any]] = [{"ref": r} for r in refs]  # perms from the seed on use
    else:
        data.update(questions(refs))
        items = []
        for i, ref in enumerate(refs):
            q = data[ref]
            shuffle = s.get("shuffle_options", True) and q.get("shuffle", True)
            item = {"ref": ref, "type": q["type"]}
            if q["type"] == "fill":
                item["blanks"] = len(q["answer"])
            else:
                item["perm"] = option_perm(seed, i, len(q["options"]), shuffle)
            items.append(item)
    deadline = None
    if quiz.kind == "exam":
        deadline = now + s["time_limit_seconds"]
        if s.get("closes"):
            deadline = min(deadline, s["closes"])
    elif quiz.kind == "daily":
        deadline = _end_of_day(now)
    elif quiz.kind == "survey":
        deadline = _end_of_quarter(now)
    return QuizAttempt(
        member.member_no,
        attempt_key_for(quiz.quiz_id, period),
        quiz_id=quiz.quiz_id,
        quiz_version=quiz.version,
        kind=quiz.kind,
        branch_id=member.branch_id,
        status=OPEN,
        items=items,
        settings={k: s[k] for k in ATTEMPT_SETTINGS if s.get(k) is not None},
        answers={},
        position=0,
        started_at=now,
        deadline=deadline,
    )


def attempt_period(attempt: QuizAttempt) -> str:
    return attempt.attempt_key.rsplit("#", 1)[1]


def view(attempt: QuizAttempt, data: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """An attempt for its member. Open: the questions without answers. Submitted: also each
    question's mark and, as the quiz allows, the right answers and explanations."""
    s = attempt.settings
    kind = attempt.kind
    answers = attempt.answers.as_dict() if attempt.answers else {}
    if kind == "challenge" and attempt.status == OPEN:
        shown = list(range(min(int(attempt.position) + 1, len(attempt.items))))
    elif kind == "challenge":
        shown = list(range(int((attempt.result or {}).get("total", 0))))
    else:
        shown = list(range(len(attempt.items)))
    data = dict(data or {})
    missing = [attempt.items[i]["ref"] for i in shown if attempt.items[i]["ref"] not in data]
    if missing:  # one BatchGetItem for what the caller did not read already
        data.update(questions(missing))
    out_questions = []
    for i in shown:
        q = data[attempt.items[i]["ref"]]
        out_questions.append(_public_question(i, q, served_perm(attempt, i, q)))
    body: dict[str, Any] = {
        "quiz": {
            "id": attempt.quiz_id,
            "kind": kind,
            "kind_label": KIND_LABELS[kind],
            "title": s.get("title", ""),
            "pass_mark": s.get("pass_mark"),
        },
        "attempt": attempt_period(attempt),
        "status": attempt.status,
        "started_at": attempt.started_at,
        "deadline": attempt.deadline if kind == "exam" else None,
        "server_now": clock.now(),
        "total": None if kind == "challenge" else len(attempt.items),
        "position": int(attempt.position),
        "questions": out_questions,
        "answers": answers,
        "result": None,
        "review": None,
    }
    if attempt.status == SUBMITTED and attempt.result:
        held = kind == "exam" and answers_held(
            {**_live_settings(attempt), "kind": kind}, clock.now(), attempt_number(attempt)
        )
        # While the exam may still be taken, nothing per question: for a 判断题 whether it was
        # right is its answer. Only the score and the count of right answers.
        body["result"] = (
            {k: v for k, v in attempt.result.items() if k != "marks"} if held else attempt.result
        )
        body["closed_by"] = attempt.closed_by
        if kind != "survey" and not held:
            body["review"] = _review(attempt, data, shown)
    return body


def attempt_number(attempt: QuizAttempt) -> int | None:
    """The exam attempt's number (n00002 → 2); None for the other kinds."""
    period = attempt_period(attempt)
    return int(period[1:]) if period.startswith("n") and period[1:].isdigit() else None


def _live_settings(attempt: QuizAttempt) -> dict[str, Any]:
    """The quiz as it is now (staff may have added attempts or moved the window since this
    attempt started), or the attempt's own copy if the quiz is gone."""
    try:
        return dict(get_quiz(attempt.quiz_id).settings)
    except NotFoundError:
        return dict(attempt.settings)


def answers_held(settings: dict[str, Any], now: float, number: int | None = None) -> bool:
    """An exam that may be taken again keeps every per-question mark, answer and explanation
    while it can still be taken: until the window closes or the member's last attempt is used
    (no `attempts` limit: until the window closes). The first attempt's review would otherwise
    be the key to the next one. The same rule as `start` uses to allow another attempt."""
    if settings.get("kind") != "exam":
        return False
    allowed = settings.get("attempts")  # None: unlimited, as `start` reads it
    closes = settings.get("closes")
    window_open = closes is None or now < closes
    attempts_left = allowed is None or number is None or number < allowed
    return window_open and attempts_left


def _review(attempt: QuizAttempt, data: dict[str, Any], shown: list[int]) -> list[dict[str, Any]]:
    s = {**attempt.settings, "kind": attempt.kind}
    marks = attempt.result.get("marks", [])
    out = []
    for i in shown:
        q = data[attempt.items[i]["ref"]]
        entry: dict[str, Any] = {"index": i}
        # A quiz that never shows its answers never shows per-question marks either.
        if s.get("show_answers", True):
            entry["mark"] = marks[i] if i < len(marks) else 0
            entry["correct"] = entry["mark"] == 1
        if s.get("show_answers", True):
            entry["answer"] = right_answer(q, served_perm(attempt, i, q))
        if s.get("show_explanations", True):
            entry["explanation"] = q.get("explanation", "")
        out.append(entry)
    return out


def current(member: Member, quiz_id: str) -> dict[str, Any]:
    """Resume after a reload: the open attempt, or the latest one (today's for the daily quiz)."""
    quiz = get_quiz(quiz_id)
    period = period_key(quiz, clock.now())
    if period is not None:
        try:
            attempt: QuizAttempt | None = QuizAttempt.get(
                member.member_no, attempt_key_for(quiz_id, period), consistent_read=True
            )
        except QuizAttempt.DoesNotExist:
            attempt = None
    else:
        attempt = latest_attempt(member.member_no, quiz_id)
    if attempt is None:
        raise NotFoundError("还没有开始作答")
    return view(_expire_if_due(attempt))


# --- answering and submitting ----------------------------------------------------------------


def _expired(attempt: QuizAttempt, now: float) -> bool:
    grace = GRACE_SECONDS if attempt.kind == "exam" else 0
    return attempt.deadline is not None and now > attempt.deadline + grace


def _expire_if_due(attempt: QuizAttempt) -> QuizAttempt:
    """Close an open attempt whose time is up with what was answered (the next request does it,
    whoever makes it); returns the attempt as it now is."""
    due = attempt.status == OPEN and _expired(attempt, clock.now())
    # Closed here, the attempt is as written; closed by another request meanwhile: read it.
    if due and _finalise(attempt, {}, "timeout") is None:
        attempt = QuizAttempt.get(attempt.member_no, attempt.attempt_key, consistent_read=True)
    return attempt


def _late(attempt: QuizAttempt) -> ConflictError:
    return ConflictError("时间已到，这次作答已按截止前的答案交卷，之后提交的答案不被接受")


def _checked(attempt: QuizAttempt, index: int, response: Any, q: dict | None = None) -> list:
    if not 0 <= index < len(attempt.items):
        raise BadRequestError("题号（index）不存在")
    item = attempt.items[index]
    qtype = item.get("type") or (q or {}).get("type")
    n_options = len(item["perm"]) if "perm" in item else len((q or {}).get("options") or [])
    n_blanks = item.get("blanks") or (len(q["answer"]) if q and q["type"] == "fill" else 1)
    if qtype == "truefalse":
        n_options = 2
    try:
        return check_response(qtype, n_options, n_blanks, response)
    except ResponseError as exc:
        raise BadRequestError(str(exc)) from None


def answer(
    member: Member, quiz_id: str, attempt_id: str, index: int, response: Any
) -> dict[str, Any]:
    """Save one answer (exam, daily, survey) or, in a challenge, grade it at once."""
    attempt = _load(member.member_no, quiz_id, attempt_id)
    if attempt.status != OPEN:
        raise ConflictError("这次作答已经提交")
    now = clock.now()
    if _expired(attempt, now):
        _finalise(attempt, {}, "timeout", member=member)
        raise _late(attempt)
    if attempt.kind == "challenge":
        return _challenge_answer(attempt, index, response)
    stored = _checked(attempt, index, response)
    condition = QuizAttempt.status == OPEN
    if attempt.deadline is not None:
        grace = GRACE_SECONDS if attempt.kind == "exam" else 0
        condition &= QuizAttempt.deadline >= now - grace
    try:
        attempt.update(actions=[QuizAttempt.answers[str(index)].set(stored)], condition=condition)
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
        fresh = _load(member.member_no, quiz_id, attempt_id)
        if fresh.status == OPEN:
            _finalise(fresh, {}, "timeout", member=member)
            raise _late(fresh) from None
        raise ConflictError("这次作答已经提交") from None
    answered = set(attempt.answers.as_dict() if attempt.answers else {}) | {str(index)}
    return {"saved": True, "index": index, "answered": len(answered)}


def _challenge_answer(attempt: QuizAttempt, index: int, response: Any) -> dict[str, Any]:
    if index != int(attempt.position):
        raise ConflictError("这道题已经回答过了，请继续下一题")
    ref = attempt.items[index]["ref"]
    q = _question(ref)
    stored = _checked(attempt, index, response, q)
    perm = served_perm(attempt, index, q)
    right = mark(q, perm, stored) == 1
    last = index + 1 >= len(attempt.items)
    s = attempt.settings
    reply: dict[str, Any] = {
        "index": index,
        "correct": right,
        "answer": right_answer(q, perm) if s.get("show_answers", True) else None,
        "explanation": q.get("explanation", "") if s.get("show_explanations", True) else None,
        "streak": index + (1 if right else 0),
        "finished": (not right) or last,
        "next": None,
        "result": None,
    }
    if reply["finished"]:
        result = _finalise(
            attempt, {str(index): stored}, "end" if right else "wrong", index, known={ref: q}
        )
        if result is None:
            raise ConflictError("这道题已经回答过了，请继续下一题")
        reply["result"] = result
        return reply
    try:
        attempt.update(
            actions=[
                QuizAttempt.answers[str(index)].set(stored),
                QuizAttempt.position.set(index + 1),
            ],
            condition=(QuizAttempt.status == OPEN) & (QuizAttempt.position == index),
        )
    except UpdateError as exc:
        if condition_failed(exc):
            raise ConflictError("这道题已经回答过了，请继续下一题") from None
        raise
    nxt = _question(attempt.items[index + 1]["ref"])
    reply["next"] = _public_question(index + 1, nxt, served_perm(attempt, index + 1, nxt))
    return reply


def submit(
    member: Member, quiz_id: str, attempt_id: str, answers: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Hand in (once). `answers` ({"index": response}) may carry the last answers with it."""
    attempt = _load(member.member_no, quiz_id, attempt_id)
    if attempt.status != OPEN:
        # A retried submission: make sure its points and score were recorded.
        _settle(attempt, member)
        raise ConflictError("这次作答已经提交，不能重复提交")
    extra: dict[str, Any] = {}
    if answers:
        if attempt.kind == "challenge":
            raise BadRequestError("挑战答题请逐题作答")
        for key, response in answers.items():
            # One spelling per question: "00" or "²" must not count as question 0 again.
            if not _ANSWER_KEY.fullmatch(key):
                raise BadRequestError("答案的题号须为数字")
            extra[key] = _checked(attempt, int(key), response)
    data: dict[str, dict[str, Any]] = {}  # the questions graded, reused by the view
    if _expired(attempt, clock.now()):
        closed = _finalise(attempt, {}, "timeout", known=data, member=member)
        if extra:
            raise _late(attempt)
        if closed is None:  # another request closed it meanwhile: show it as that one left it
            attempt = _load(member.member_no, quiz_id, attempt_id)
        return view(attempt, data or None)
    result = _finalise(attempt, extra, "member", known=data, member=member)
    if result is None:
        raise ConflictError("这次作答已经提交，不能重复提交")
    # The closing update returned the attempt as written (ALL_NEW): no second read of it, and
    # the view reuses the questions the grading read.
    return view(attempt, data or None)


def _grade(
    attempt: QuizAttempt,
    answers: dict[str, Any],
    upto: int | None,
    known: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """Mark the answers; `known` holds questions already read (ref → data) and receives the
    ones read here, so the caller's view does not read them again."""
    s = attempt.settings
    if attempt.kind == "survey":
        return {"answered": len(answers), "total": len(attempt.items)}
    if upto is not None:
        count = upto + 1
    elif attempt.kind == "challenge":
        count = int(attempt.position)  # ended by the member: the questions answered so far
    else:
        count = len(attempt.items)
    # A challenge moves past a question only when it was answered right (`_challenge_answer`
    # conditions the position on it), so every question before the position has mark 1.
    passed = int(attempt.position) if attempt.kind == "challenge" else 0
    refs = [attempt.items[i]["ref"] for i in range(passed, count)]
    missing = [r for r in refs if r not in known]
    if missing:
        known.update(questions(missing))
    marks: list[float] = [1.0] * min(passed, count)
    for i in range(len(marks), count):
        q = known[attempt.items[i]["ref"]]
        marks.append(
            mark(q, served_perm(attempt, i, q), answers.get(str(i)), s.get("multiple_scoring"))
        )
    correct = sum(1 for m in marks if m == 1)
    result: dict[str, Any] = {"marks": marks, "correct": correct, "total": count}
    if attempt.kind == "exam":
        score = round(100 * sum(marks) / max(1, len(attempt.items)))
        result["score"] = score
        result["passed"] = score >= (s.get("pass_mark") or 0)
    if attempt.kind == "challenge":
        result["streak"] = correct
        result["total"] = count
    return result


def _finalise(
    attempt: QuizAttempt,
    extra: dict[str, Any],
    closed_by: str,
    upto: int | None = None,
    *,
    known: dict[str, dict[str, Any]] | None = None,
    member: Member | None = None,
) -> dict[str, Any] | None:
    """Grade and close: the conditional update (status open → submitted) decides who closes it.
    Returns the result, or None if another request closed it first. On success `attempt` is
    the item as written (the update's ALL_NEW), so callers show it without reading it again;
    `known` gathers the questions read (see `_grade`), `member` is the attempt's if at hand."""
    now = clock.now()
    answers = {**(attempt.answers.as_dict() if attempt.answers else {}), **extra}
    result = _grade(attempt, answers, upto, {} if known is None else known)
    result["points"] = _points_due(attempt, result)
    condition = QuizAttempt.status == OPEN
    if upto is not None:
        condition &= QuizAttempt.position == upto
    if extra and attempt.deadline is not None and closed_by == "member":
        condition &= QuizAttempt.deadline >= now - GRACE_SECONDS
    actions = [
        QuizAttempt.status.set(SUBMITTED),
        QuizAttempt.answers.set(answers),
        QuizAttempt.result.set(result),
        QuizAttempt.submitted_at.set(now),
        QuizAttempt.closed_by.set(closed_by),
    ]
    try:
        if attempt.kind == "survey":
            _submit_survey(attempt, answers, actions, condition)
            # A transaction returns nothing: the attempt as the transaction wrote it.
            attempt.answers = MapAttribute(**answers)
            attempt.submitted_at, attempt.closed_by = now, closed_by
        else:
            attempt.update(actions=actions, condition=condition)
    except UpdateError as exc:
        if condition_failed(exc):
            return None
        raise
    except TransactionCancelled as exc:
        if exc.failed("attempt"):
            return None  # the attempt's condition failed: closed by another request
        raise
    attempt.status, attempt.result = SUBMITTED, result
    _settle(attempt, member)
    return result


def _points_due(attempt: QuizAttempt, result: dict[str, Any]) -> int:
    if attempt.kind == "daily":
        return min(result["correct"], RULES["daily_quiz"].per_award_max)
    if attempt.kind == "challenge":
        return min(result["correct"], RULES["challenge_quiz"].per_award_max)
    if attempt.kind == "exam":
        best_before = _best_before(attempt)
        best = max(best_before, result["score"])
        return max(0, exam_points(best) - exam_points(best_before))
    return 0


def _best_before(attempt: QuizAttempt) -> int:
    """The best score of the member's earlier attempts at this exam: the sort key numbers them
    ("<quiz>#n00001", ...), so one Query reads exactly the earlier ones, never this one again
    (none at all for a first attempt)."""
    number = attempt_number(attempt)
    if number is None or number <= 1:
        return 0
    earlier = QuizAttempt.query(
        attempt.member_no,
        QuizAttempt.attempt_key.between(
            attempt_key_for(attempt.quiz_id, "n00000"),
            attempt_key_for(attempt.quiz_id, f"n{number - 1:05d}"),
        ),
        consistent_read=True,
    )
    return max(
        (int(a.result.get("score", 0)) for a in earlier if a.status == SUBMITTED and a.result),
        default=0,
    )


def _settle(attempt: QuizAttempt, member: Member | None = None) -> None:
    """Points and the best score of a submitted attempt. Idempotent: the ledger key is the
    attempt's, and a best score is written only if it beats the stored one."""
    result = attempt.result or {}
    period = attempt_period(attempt)
    due = int(result.get("points") or 0)
    if due > 0:
        rule = {"daily": "daily_quiz", "challenge": "challenge_quiz", "exam": "exam"}[attempt.kind]
        day = None
        if attempt.kind == "daily":
            day = datetime.fromisoformat(period[1:]).date()
        object_id = f"{attempt.quiz_id}-{period}"
        got = points.award(attempt.member_no, rule, object_id, amount=due, day=day)
        # What was credited, as the result shows it: a daily cap may have clamped the award or
        # left nothing of it (None, as for a replay of an award made before).
        amount = (
            got.amount
            if got is not None
            else points.credited(attempt.member_no, rule, object_id, day)
        )
        if amount != due:
            result["points"] = amount
            attempt.update(actions=[QuizAttempt.result.set(result)])
    if attempt.kind == "exam" and "score" in result:
        _record_best(attempt, int(result["score"]), member)


def _record_best(attempt: QuizAttempt, score: int, member: Member | None = None) -> None:
    seconds = int(max(0, (attempt.submitted_at or clock.now()) - attempt.started_at))
    if member is None or member.member_no != attempt.member_no:
        member = registry.get_member(attempt.member_no)
    branch = registry.get_unit(attempt.branch_id)
    rank_key = f"{1000 - score:04d}#{seconds:06d}#{attempt.member_no}"
    for unit_id in branch.path:
        item = QuizScore(f"{attempt.quiz_id}#{unit_id}", attempt.member_no)
        try:
            item.update(
                actions=[
                    QuizScore.rank_key.set(rank_key),
                    QuizScore.score.set(score),
                    QuizScore.seconds.set(seconds),
                    QuizScore.name.set(member.name if member else "党员"),
                    QuizScore.branch_id.set(attempt.branch_id),
                ],
                condition=QuizScore.rank_key.does_not_exist() | (QuizScore.rank_key > rank_key),
            )
        except UpdateError as exc:
            if not condition_failed(exc):
                raise


def _submit_survey(
    attempt: QuizAttempt, answers: dict[str, Any], actions: list, condition: Any
) -> None:
    """The attempt and her branch's tally in one transaction: a response is counted exactly once
    or not at all. Only branches keep tallies: a summary of a unit above would let a reviewer
    subtract one branch from it and read a small branch's answers (and the top unit's tally
    would be one hot item for the whole organisation).

    ADD can reach into `counts` only once the map exists: the transaction requires it, and only
    when it is missing (the quarter's first response of the branch) is the map created and the
    transaction sent again — not one write more on every submission."""
    period = attempt_period(attempt)[1:]
    key = f"{attempt.quiz_id}#{period}#{attempt.branch_id}"
    label = f"tally {key}"
    cells: list[str] = []
    for index, response in answers.items():
        item = attempt.items[int(index)]
        qid = item["ref"].split("/", 1)[1]
        cells.extend(f"{qid}_{item['perm'][i]}" for i in response)
    tally_actions = [QuizTally.respondents.add(1)] + [
        QuizTally.counts[c].add(1) for c in sorted(set(cells))
    ]
    for attempt_no in range(5):
        try:
            with Transaction() as tx:
                tx.update("attempt", attempt, actions=actions, condition=condition)
                tx.update(
                    label,
                    QuizTally(key),
                    actions=tally_actions,
                    condition=QuizTally.counts.exists(),
                )
            return
        except TransactionCancelled as exc:
            if exc.failed("attempt"):
                raise  # submitted already (the caller answers 409)
            if exc.reasons.get(label) in {"ConditionalCheckFailed", "ValidationError"}:
                # No counts map yet: create it (idempotent, concurrent creators agree), again.
                QuizTally(key).update(actions=[QuizTally.counts.set(QuizTally.counts | {})])
                continue
            if not exc.conflict:
                raise
            # Another member's response updated the same unit's tally at that moment: again.
            time.sleep(0.02 * (attempt_no + 1))
    raise busy()

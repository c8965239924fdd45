"""问卷: staff publish a questionnaire to a unit; the members of its subtree answer once.

A survey: its unit (the respondents are the members of the unit's subtree), a title, an intro,
1..50 questions — single choice (2..20 options), multiple choice (2..20 options, optional
least/most picks), rating (1..5 stars), short text (at most 200 characters) — each required or
not, and the times it opens and closes (Asia/Shanghai, minutes).

Life: draft (editable) → published (questions frozen) → closed (by staff, or by its closing
time passing). Staff who manage the unit (`scope.require_unit(..., "manage")`) create, edit,
publish and close; staff who read it see the results (`survey_results.py`). Every refused input
gets a Chinese message naming the question ("第3题：选项不能重复") and nothing is written.

Answering once: the answer is ONE TransactWriteItems — a ConditionCheck that the survey is still
published with its closing time ahead, and the put of (survey, member number) conditioned on the
key not existing — so a parallel or retried submit counts once (the other gets 409 "已提交过")
and a submit that lands after 结束收集 or the closing time is refused (409 "已结束"), whatever
the (eventually consistent) read of the survey said. It is validated against the frozen
questions. Only members of the unit's subtree, only while open.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from datetime import datetime
from typing import Any

from pynamodb.exceptions import PutError, UpdateError

from . import clock, registry, scope
from .errors import BadRequestError, ConflictError, NotFoundError
from .identifiers import is_client_key
from .models import Member
from .models.base import Transaction, TransactionCancelled, condition_failed
from .models.surveys import Survey, SurveyAnswer
from .scope import Caller

TITLE_MAX = 60
INTRO_MAX = 500
QUESTION_MAX = 200
OPTION_MAX = 50
TEXT_ANSWER_MAX = 200
QUESTIONS_MAX = 50
OPTIONS_MIN, OPTIONS_MAX = 2, 20
RATING_MAX = 5
LONGEST_DAYS = 366
KINDS = {"single": "单选", "multiple": "多选", "rating": "评分", "text": "简答"}
STATE_LABELS = {"draft": "草稿", "published": "已发布", "closed": "已结束"}
PHASE_LABELS = {
    "draft": "草稿",
    "upcoming": "未开始",
    "open": "进行中",
    "ended": "已结束",
}
NOT_FOUND = "问卷不存在或您无权查看"
ALREADY = "您已提交过这份问卷，每人只能提交一次"
SURVEY_ID = re.compile(r"sv_[0-9a-f]{24}")
# ASCII digits only: "YYYY-MM-DD HH:MM" (or with "T"), Beijing time.
LOCAL_TIME = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})[ T]([0-9]{2}):([0-9]{2})")
_QUESTION_KEYS = {"kind", "text", "options", "required", "min", "max"}


# --- text checks ------------------------------------------------------------------------------


# The one format character kept: the zero-width joiner inside emoji sequences (👨‍👩‍👧).
_JOINER = "\u200d"


def _has_control(text: str, allow_newline: bool) -> bool:
    """Control characters (Cc), lone surrogates (Cs) and format characters (Cf: zero-width
    spaces, BOMs, bidi overrides such as U+202E that reverse how the text reads) are refused;
    only the emoji joiner is allowed."""
    for ch in text:
        cat = unicodedata.category(ch)
        if cat == "Cc" and not (allow_newline and ch == "\n"):
            return True
        if cat == "Cs" or (cat == "Cf" and ch != _JOINER):
            return True
    return False


def _blank(text: str) -> bool:
    """Only separators and other invisible characters (Z*, C*): empty to the reader."""
    return all(unicodedata.category(ch)[0] in "ZC" for ch in text)


def clean_text(
    value: Any, label: str, limit: int, *, required: bool = True, newline: bool = False
) -> str:
    """A trimmed text within `limit` characters, or the Chinese reason it is refused."""
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise BadRequestError(f"{label}须为文字")
    text = value.replace("\r\n", "\n").strip()
    if required and not text:
        raise BadRequestError(f"{label}不能为空")
    if len(text) > limit:
        raise BadRequestError(f"{label}过长（最多 {limit} 字，现有 {len(text)} 字）")
    if _has_control(text, newline):
        raise BadRequestError(
            f"{label}含有不可见的控制字符（如零宽字符、文字方向控制符），请删除后再提交"
        )
    if text and _blank(text):
        raise BadRequestError(f"{label}不能只有空白或不可见字符")
    return text


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --- the questionnaire ------------------------------------------------------------------------


def _question(index: int, raw: Any) -> dict[str, Any]:
    at = f"第{index}题："
    if not isinstance(raw, dict):
        raise BadRequestError(f"{at}须为对象（含 kind、text 等字段）")
    extra = sorted(set(raw) - _QUESTION_KEYS)
    if extra:
        raise BadRequestError(f"{at}不支持的字段：" + "、".join(extra))
    kind = raw.get("kind")
    if kind not in KINDS:
        raise BadRequestError(f"{at}题型（kind）须为 single、multiple、rating 或 text 之一")
    text = clean_text(raw.get("text"), f"{at}题目", QUESTION_MAX)
    required = raw.get("required", kind != "text")
    if not isinstance(required, bool):
        raise BadRequestError(f"{at}是否必答（required）须为 true 或 false")
    q: dict[str, Any] = {"id": f"q{index}", "kind": kind, "text": text, "required": required}
    choice = kind in ("single", "multiple")
    if not choice:
        for key in ("options", "min", "max"):
            if key in raw:
                raise BadRequestError(f"{at}{KINDS[kind]}题不能设置 {key}")
        return q
    options = raw.get("options")
    if not isinstance(options, list) or not OPTIONS_MIN <= len(options) <= OPTIONS_MAX:
        raise BadRequestError(f"{at}选项（options）须为 {OPTIONS_MIN} 到 {OPTIONS_MAX} 个")
    texts = [clean_text(o, f"{at}第{n}个选项", OPTION_MAX) for n, o in enumerate(options, start=1)]
    # "Ａ" and "A", "１" and "1" read the same: compared after NFKC (and case-folded).
    seen = [unicodedata.normalize("NFKC", t).casefold() for t in texts]
    if len(set(seen)) != len(seen):
        raise BadRequestError(f"{at}选项不能重复")
    q["options"] = [{"id": f"o{n}", "text": t} for n, t in enumerate(texts, start=1)]
    if kind == "single":
        for key in ("min", "max"):
            if key in raw:
                raise BadRequestError(f"{at}单选题不能设置 {key}")
        return q
    least = raw.get("min", 1)
    most = raw.get("max", len(texts))
    if least is None:
        least = 1
    if most is None:
        most = len(texts)
    if not _whole(least) or not 1 <= least <= len(texts):
        raise BadRequestError(f"{at}最少选择数（min）须为 1 到 {len(texts)} 之间的整数")
    if not _whole(most) or not least <= most <= len(texts):
        raise BadRequestError(f"{at}最多选择数（max）须为 {least} 到 {len(texts)} 之间的整数")
    q["min"], q["max"] = least, most
    return q


def normalise_questions(raw: Any) -> list[dict[str, Any]]:
    """The questions as stored: ids q1.., option ids o1.., defaults filled in."""
    if not isinstance(raw, list) or not 1 <= len(raw) <= QUESTIONS_MAX:
        raise BadRequestError(f"题目（questions）须为 1 到 {QUESTIONS_MAX} 道")
    return [_question(n, q) for n, q in enumerate(raw, start=1)]


def parse_local(value: Any, label: str) -> float:
    """ "2027-03-01 09:00" (Beijing) → epoch seconds."""
    if not isinstance(value, str) or not LOCAL_TIME.fullmatch(value.strip()):
        raise BadRequestError(f"{label}格式须为“年-月-日 时：分”，如 2027-03-01 09:00")
    try:
        moment = datetime.fromisoformat(value.strip().replace(" ", "T", 1))
    except ValueError:
        raise BadRequestError(f"{label}不是有效的日期时间") from None
    return moment.replace(tzinfo=clock.TZ).timestamp()


def local_label(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(float(epoch), clock.TZ).strftime("%Y-%m-%d %H:%M")


def _times(body: dict[str, Any]) -> tuple[float | None, float]:
    """Opening (None: when published) and closing times; neither in the past, closing after
    opening, at most a year apart."""
    now = clock.now()
    minute = now - now % 60  # the form's current minute is not "the past"
    opens = None
    if body.get("opens_at") not in (None, ""):
        opens = parse_local(body["opens_at"], "开始时间（opens_at）")
        if opens < minute:
            raise BadRequestError("开始时间不能早于现在")
    closes = parse_local(body.get("closes_at"), "截止时间（closes_at）")
    if closes <= now:
        raise BadRequestError("截止时间须晚于现在")
    if closes <= (opens or now):
        raise BadRequestError("截止时间须晚于开始时间")
    if closes - (opens or now) > LONGEST_DAYS * 86400:
        raise BadRequestError(f"问卷开放时间最长 {LONGEST_DAYS} 天")
    return opens, closes


def _content(body: dict[str, Any]) -> dict[str, Any]:
    """Everything a draft holds, validated before anything is written."""
    opens, closes = _times(body)
    return {
        "title": clean_text(body.get("title"), "标题（title）", TITLE_MAX),
        "intro": clean_text(
            body.get("intro"), "说明（intro）", INTRO_MAX, required=False, newline=True
        )
        or None,
        "questions": normalise_questions(body.get("questions")),
        "opens_at": opens,
        "closes_at": closes,
    }


# --- reading ----------------------------------------------------------------------------------


def load(survey_id: str, *, consistent: bool = False) -> Survey:
    if not isinstance(survey_id, str) or not SURVEY_ID.fullmatch(survey_id):
        raise NotFoundError(NOT_FOUND)
    try:
        return Survey.get(survey_id, consistent_read=consistent)
    except Survey.DoesNotExist:
        raise NotFoundError(NOT_FOUND) from None


def questions(s: Survey) -> list[dict[str, Any]]:
    return json.loads(s.questions)


def phase(s: Survey, now: float | None = None) -> str:
    """draft, upcoming, open or ended (closed by staff or past its closing time)."""
    now = clock.now() if now is None else now
    if s.state == "draft":
        return "draft"
    if s.state == "closed" or now >= s.closes_at:
        return "ended"
    if s.opens_at is not None and now < s.opens_at:
        return "upcoming"
    return "open"


def access(caller: Caller, s: Survey) -> scope.Access:
    return scope.unit_access(caller, s.unit_path)


def respondent(caller: Caller, s: Survey) -> bool:
    """Is she one of the survey's respondents (a member of the unit's subtree)?"""
    return s.unit_id in caller.path


def summary(s: Survey, now: float | None = None) -> dict[str, Any]:
    p = phase(s, now)
    return {
        "id": s.survey_id,
        "title": s.title,
        "unit": {"id": s.unit_id, "name": s.unit_name},
        "state": s.state,
        "state_label": STATE_LABELS.get(s.state, s.state),
        "phase": p,
        "phase_label": PHASE_LABELS[p],
        "opens_at": local_label(s.opens_at),
        "closes_at": local_label(s.closes_at),
    }


def _may(caller: Caller, s: Survey) -> list[str]:
    if access(caller, s) != "manage":
        return []
    if s.state == "draft":
        return ["edit", "publish"]
    if s.state == "published" and phase(s) != "ended":
        return ["close"]
    return []


def view(caller: Caller, s: Survey, *, answered: bool | None = None) -> dict[str, Any]:
    out = summary(s)
    out.update(
        intro=s.intro,
        questions=questions(s),
        staff=access(caller, s) != "none",
        may=_may(caller, s),
        respondent=respondent(caller, s),
        answered=answered,
    )
    return out


def _answered(survey_id: str, member_no: str, *, consistent: bool = False) -> bool:
    try:
        SurveyAnswer.get(survey_id, member_no, attributes_to_get=["at"], consistent_read=consistent)
    except SurveyAnswer.DoesNotExist:
        return False
    return True


def detail(caller: Caller, survey_id: str) -> dict[str, Any]:
    """Staff who read the unit see any state; a respondent sees it once published; anyone
    else (and an unknown id) gets the same 404."""
    s = load(survey_id)
    staff = access(caller, s) != "none"
    member = respondent(caller, s) and s.state != "draft"
    if not staff and not member:
        raise NotFoundError(NOT_FOUND)
    answered = _answered(s.survey_id, caller.member_no) if member else None
    return view(caller, s, answered=answered)


# A member's list keeps the ended surveys she answered for this long after their closing time.
ANSWERED_SHOWN_DAYS = 180


def sort_key(unit_path: list[str], created: float, survey_id: str) -> str:
    """The `by-org` sort key: the unit's path first, so a subtree is one begins_with."""
    return f"{'/'.join(unit_path)}/#{int(created * 1000):013d}#{survey_id}"


def _created(s: Survey) -> str:
    return s.sort.rsplit("#", 2)[-2] if s.sort else ""


def _subtree_surveys(path: tuple[str, ...] | list[str]) -> list[Survey]:
    """Every survey of the unit's subtree, newest first: one Query (paged to the end)."""
    prefix = "/".join(path) + "/"
    found = list(Survey.by_org.query(path[0], Survey.sort.startswith(prefix)))
    return sorted(found, key=_created, reverse=True)


def unit_list(caller: Caller, unit_id: str) -> dict[str, Any]:
    """The surveys of a unit and of the units below it (staff who read it)."""
    try:
        unit = registry.get_unit(unit_id)
    except NotFoundError:  # answered as a unit out of scope: nobody learns which ids exist
        scope.require_unit(caller, (), "read")
        raise
    scope.require_unit(caller, unit.path, "read")
    now = clock.now()
    rows = [
        summary(s, now) | {"may_manage": access(caller, s) == "manage"}
        for s in _subtree_surveys(unit.path)
    ]
    return {
        "unit": {"id": unit.unit_id, "name": unit.name},
        "manage": scope.unit_access(caller, unit.path) == "manage",
        "surveys": rows,
    }


def _listed_for(path: tuple[str, ...] | list[str], now: float) -> list[Survey]:
    """The published surveys of the units on her path closing after the cut-off: one Query of
    the sparse `by-unit` index per unit (paged to the end), drafts never read."""
    since = now - ANSWERED_SHOWN_DAYS * 86400
    found: list[Survey] = []
    for unit_id in path:
        found += Survey.by_unit.query(unit_id, Survey.closes_at > since)
    return sorted(found, key=_created, reverse=True)


def mine(caller: Caller) -> dict[str, Any]:
    """A member's surveys: those published to a unit on her path, open or upcoming, and the
    ended ones she answered (closed within ANSWERED_SHOWN_DAYS); each with whether she has
    answered."""
    if not caller.path:
        return {"surveys": []}
    now = clock.now()
    found = _listed_for(caller.path, now)
    done: set[str] = set()
    if found:
        keys = [(s.survey_id, caller.member_no) for s in found]
        done = {a.survey_id for a in SurveyAnswer.batch_get(keys, attributes_to_get=["survey_id"])}
    rows = [
        summary(s, now) | {"answered": s.survey_id in done}
        for s in found
        if phase(s, now) != "ended" or s.survey_id in done
    ]
    return {"surveys": rows}


# --- staff: create, edit, publish, close ------------------------------------------------------


def _survey_id(caller: Caller, request_key: Any) -> str:
    if not is_client_key(request_key):
        raise BadRequestError("请求编号（request_key）格式不正确")
    digest = hashlib.sha256(f"{caller.member_no}#survey#{request_key}".encode()).hexdigest()
    return "sv_" + digest[:24]


def create(caller: Caller, staff: Member, body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """A draft for a unit the caller manages. The client's `request_key` makes the id: a
    retried create returns the draft it made (200), never a second one."""
    sid = _survey_id(caller, body.get("request_key"))
    unit_id = body.get("unit_id")
    try:
        unit = registry.get_unit(unit_id) if isinstance(unit_id, str) else None
    except NotFoundError:
        unit = None
    scope.require_unit(caller, unit.path if unit else (), "manage")
    assert unit is not None
    try:
        existing = Survey.get(sid, consistent_read=True)
    except Survey.DoesNotExist:
        existing = None
    if existing is not None:
        return view(caller, existing), False
    content = _content(body)
    now = clock.now()
    s = Survey(
        sid,
        unit_id=unit.unit_id,
        unit_name=unit.name,
        unit_path=list(unit.path),
        title=content["title"],
        intro=content["intro"],
        questions=json.dumps(content["questions"], ensure_ascii=False),
        state="draft",
        opens_at=content["opens_at"],
        closes_at=content["closes_at"],
        created_at=now,
        created_by=staff.member_no,
        updated_at=now,
        org=unit.path[0],
        sort=sort_key(list(unit.path), now, sid),
    )
    try:
        s.save(condition=Survey.survey_id.does_not_exist())
    except PutError as exc:
        if not condition_failed(exc):
            raise
        return view(caller, load(sid, consistent=True)), False
    return view(caller, s), True


def _managed(caller: Caller, survey_id: str) -> Survey:
    """The survey, for staff who manage its unit; others get 404 if they cannot even read it."""
    s = load(survey_id, consistent=True)
    held = access(caller, s)
    if held == "none":
        raise NotFoundError(NOT_FOUND)
    scope.require_unit(caller, s.unit_path, "manage")
    return s


def _refused_state(s: Survey, action: str) -> ConflictError:
    if s.state == "draft":
        return ConflictError(f"问卷还是草稿，不能{action}")
    if s.state == "published":
        return ConflictError(f"问卷已发布，题目已固定，不能{action}")
    return ConflictError(f"问卷已结束，不能{action}")


def update(caller: Caller, survey_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Replace a draft's content; refused once published (the questions are frozen)."""
    s = _managed(caller, survey_id)
    if s.state != "draft":
        raise _refused_state(s, "修改")
    content = _content(body)
    try:
        s.update(
            actions=[
                Survey.title.set(content["title"]),
                Survey.intro.set(content["intro"]) if content["intro"] else Survey.intro.remove(),
                Survey.questions.set(json.dumps(content["questions"], ensure_ascii=False)),
                Survey.opens_at.set(content["opens_at"])
                if content["opens_at"] is not None
                else Survey.opens_at.remove(),
                Survey.closes_at.set(content["closes_at"]),
                Survey.updated_at.set(clock.now()),
            ],
            condition=Survey.state == "draft",
        )
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
        raise _refused_state(load(survey_id, consistent=True), "修改") from None
    return view(caller, s)


def publish(caller: Caller, staff: Member, survey_id: str) -> dict[str, Any]:
    """draft → published, only if its closing time is still ahead."""
    s = _managed(caller, survey_id)
    if s.state != "draft":
        raise _refused_state(s, "再次发布")
    now = clock.now()
    if s.closes_at <= now:
        raise BadRequestError("截止时间已过，请先修改截止时间再发布")
    try:
        s.update(
            actions=[
                Survey.state.set("published"),
                Survey.listed_unit.set(s.unit_id),
                Survey.published_at.set(now),
                Survey.published_by.set(staff.member_no),
                Survey.updated_at.set(now),
            ],
            condition=Survey.state == "draft",
        )
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
        raise _refused_state(load(survey_id, consistent=True), "再次发布") from None
    return view(caller, s)


def close(caller: Caller, staff: Member, survey_id: str) -> dict[str, Any]:
    """published → closed (before its closing time)."""
    s = _managed(caller, survey_id)
    if s.state != "published":
        raise _refused_state(s, "关闭") if s.state == "draft" else ConflictError("问卷已结束")
    now = clock.now()
    try:
        s.update(
            actions=[
                Survey.state.set("closed"),
                Survey.closed_at.set(now),
                Survey.closed_by.set(staff.member_no),
                Survey.updated_at.set(now),
            ],
            condition=Survey.state == "published",
        )
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
        raise ConflictError("问卷已结束") from None
    return view(caller, s)


# --- members: answering -----------------------------------------------------------------------


def _value(q: dict[str, Any], n: int, value: Any) -> Any:
    """One answer checked against its question; None when left empty."""
    at = f"第{n}题："
    kind = q["kind"]
    if kind == "text":
        text = clean_text(value, f"{at}回答", TEXT_ANSWER_MAX, required=False, newline=True)
        return text or None
    if value is None or value == []:
        return None
    if kind == "rating":
        if not _whole(value) or not 1 <= value <= RATING_MAX:
            raise BadRequestError(f"{at}评分须为 1 到 {RATING_MAX} 之间的整数")
        return value
    ids = {o["id"] for o in q["options"]}
    if kind == "single":
        if not isinstance(value, str) or value not in ids:
            raise BadRequestError(f"{at}所选选项不存在")
        return value
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadRequestError(f"{at}多选题的回答须为选项编号的数组")
    if len(set(value)) != len(value):
        raise BadRequestError(f"{at}同一选项不能重复选择")
    if any(v not in ids for v in value):
        raise BadRequestError(f"{at}所选选项不存在")
    if not q["min"] <= len(value) <= q["max"]:
        if q["min"] == q["max"]:
            raise BadRequestError(f"{at}须选择 {q['min']} 项")
        raise BadRequestError(f"{at}须选择 {q['min']} 到 {q['max']} 项")
    order = [o["id"] for o in q["options"]]
    return sorted(value, key=order.index)


def check_answers(qs: list[dict[str, Any]], raw: Any) -> dict[str, Any]:
    """The answers (question id → value) checked against the frozen questions."""
    if not isinstance(raw, dict):
        raise BadRequestError("回答（answers）须为对象：题目编号 → 回答")
    known = {q["id"] for q in qs}
    unknown = sorted(k for k in raw if k not in known)
    if unknown:
        raise BadRequestError("回答中有问卷里没有的题目：" + "、".join(unknown[:5]))
    out: dict[str, Any] = {}
    for n, q in enumerate(qs, start=1):
        value = _value(q, n, raw.get(q["id"]))
        if value is None:
            if q["required"]:
                raise BadRequestError(f"第{n}题：此题为必答题，请作答")
            continue
        out[q["id"]] = value
    return out


def group_of(caller: Caller, s: Survey) -> str | None:
    """The breakdown's group: the child unit of the survey's unit on her path."""
    at = caller.path.index(s.unit_id)
    return caller.path[at + 1] if at + 1 < len(caller.path) else None


def answer(caller: Caller, survey_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Her answer, once: one transaction (the survey still open + the put if new); a second
    submit (parallel or retried) or one after the close → 409."""
    s = load(survey_id)
    if s.state == "draft" or not respondent(caller, s):
        raise NotFoundError(NOT_FOUND)
    p = phase(s)
    if p == "upcoming":
        raise ConflictError(f"问卷尚未开始，开始时间：{local_label(s.opens_at)}")
    if p == "ended":
        raise ConflictError("问卷已结束，不能再提交")
    values = check_answers(questions(s), body.get("answers"))
    now = clock.now()
    row = SurveyAnswer(
        s.survey_id,
        caller.member_no,
        group=group_of(caller, s),
        answers=json.dumps(values, ensure_ascii=False),
        at=now,
    )
    try:
        with Transaction() as tx:
            # The survey must still be open when the answer is written, not only when read.
            tx.check(
                "survey",
                Survey,
                s.survey_id,
                condition=(Survey.state == "published") & (Survey.closes_at > now),
            )
            tx.save("answer", row, condition=SurveyAnswer.member_no.does_not_exist())
    except TransactionCancelled as exc:
        if exc.failed("answer"):
            raise ConflictError(ALREADY) from None
        if exc.failed("survey"):
            raise ConflictError("问卷已结束，不能再提交") from None
        # A parallel transaction on the same items (her own double submit, or a close).
        if _answered(s.survey_id, caller.member_no, consistent=True):
            raise ConflictError(ALREADY) from None
        raise ConflictError("提交的人较多，请稍后重试") from None
    return {"id": s.survey_id, "answered": True, "message": "已提交，感谢您的参与！"}

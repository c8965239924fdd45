"""考核评价 on the request path: the scores the nightly job precomputed (one Query or GetItem a
view, never a Scan), the 红黑榜 with its 约谈 flags, and the yearly 民主评议 grades a branch's
secretary enters. Every read goes through the one scope check (`scope.py`) here, not in the
handlers: staff read their subtree; an unknown unit answers exactly like one out of scope."""

from __future__ import annotations

import re
from typing import Any

from pynamodb.exceptions import PutError

from . import clock, scope, text_chars
from .assessment_rules import BRANCH_MEASURES, MEMBER_MEASURES, PARTS, rules
from .errors import BadRequestError, ConflictError, ForbiddenError, NotFoundError
from .identifiers import is_member_no, is_unit_id
from .models import Member, OrgUnit
from .models.assessment import AssessmentGrade, AssessmentItem
from .models.base import condition_failed
from .org import ROLES
from .settings import get_settings

OFF = "本组织未开启考核评价"
RANKINGS_OFF = "本单位未开启积分排名"
STAFF_ONLY = "仅党务工作人员可使用工作台"
NO_UNIT = "无权查看该单位"
GRADES: dict[str, str] = {
    "excellent": "优秀",
    "qualified": "合格",
    "basic": "基本合格",
    "unqualified": "不合格",
}
REASON_NEEDED = {"basic", "unqualified"}
REASON_CHARS = (2, 200)
_PERIOD = re.compile(r"([0-9]{4})(?:-([0-9]{2}))?")  # ASCII digits: \d takes any script's
_REQUEST_KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")


def require_enabled() -> None:
    if not get_settings().assessment_enabled:
        raise NotFoundError(OFF)


def parse_period(text: str | None) -> tuple[str, str]:
    """("m2026-11", "2026年11月") or ("y2026", "2026年度"); default this month (Beijing)."""
    if not text:
        today = clock.today()
        return f"m{today.year:04d}-{today.month:02d}", f"{today.year}年{today.month}月"
    found = _PERIOD.fullmatch(text)
    if (
        not found
        or not 2000 <= int(found[1]) <= 2100
        or (found[2] and not 1 <= int(found[2]) <= 12)
    ):
        raise BadRequestError("统计周期（period）须为 2026-11（月）或 2026（年度）")
    if found[2]:
        return f"m{text}", f"{int(found[1])}年{int(found[2])}月"
    return f"y{text}", f"{text}年度"


def _unit(caller: scope.Caller, unit_id: str, need: scope.Access = "read") -> OrgUnit:
    """The unit, if the caller may see it; any other id, existing or not, the same 403."""
    if not scope.grants(caller):
        raise ForbiddenError(STAFF_ONLY)
    unit = None
    if is_unit_id(unit_id):
        try:
            unit = OrgUnit.get(unit_id)
        except OrgUnit.DoesNotExist:
            unit = None
    if unit is None or scope.unit_access(caller, unit.path) == "none":
        raise ForbiddenError(NO_UNIT)
    if need == "manage" and scope.unit_access(caller, unit.path) != "manage":
        raise ForbiddenError("无权管理该单位")
    return unit


def _tree(unit: OrgUnit) -> str:
    return "/".join(unit.path) + "/"


def _labels() -> dict[str, Any]:
    r = rules()
    return {
        "member_items": [
            {
                "key": i.key,
                "label": i.label,
                "part": PARTS[i.part],
                "measure": MEMBER_MEASURES[i.measure][0],
                "measure_key": i.measure,
                "unit": MEMBER_MEASURES[i.measure][1],
                "amount": i.amount,
                "cap": i.cap,
            }
            for i in r.member
        ],
        "branch_items": [
            {
                "key": b.key,
                "label": b.label,
                "measure": BRANCH_MEASURES[b.measure],
                "weight": b.weight,
            }
            for b in r.branch
        ],
        "base": r.base,
    }


def _unit_info(unit: OrgUnit) -> dict[str, Any]:
    return {"id": unit.unit_id, "name": unit.name, "kind": unit.kind}


def branches(caller: scope.Caller, unit_id: str, period_text: str | None) -> dict[str, Any]:
    """The branch scores of the caller's subtree under `unit_id` (one Query): ranked best first
    when rankings are on, else in the registry's order with no rank."""
    require_enabled()
    unit = _unit(caller, unit_id)
    period, label = parse_period(period_text)
    ranked = get_settings().rankings_enabled
    rows = []
    computed = 0
    for item in AssessmentItem.query(
        f"branches#{period}", AssessmentItem.tree.startswith(_tree(unit))
    ):
        data = dict(item.data)
        computed = max(computed, int(item.computed_at))
        if not ranked:
            data.pop("rank", None)
        rows.append(data)
    if ranked:
        rows.sort(key=lambda b: (b.get("rank") is None, -b["score"], b["path"]))
    else:
        rows.sort(key=lambda b: b["path"])
    return {
        "unit": _unit_info(unit),
        "period": {"key": period[1:], "label": label},
        "rankings_enabled": ranked,
        "computed_at": computed or None,
        **_labels(),
        "branches": rows,
    }


def members(caller: scope.Caller, unit_id: str, period_text: str | None) -> dict[str, Any]:
    """A branch's members with their scores and each item's points (one GetItem): best first
    when rankings are on, else in the registry's order (member number), not a leaderboard."""
    require_enabled()
    unit = _unit(caller, unit_id)
    if unit.kind != "branch":
        raise BadRequestError("组织（unit_id）：党员得分按党支部查看，请选择一个党支部")
    period, label = parse_period(period_text)
    try:
        item = AssessmentItem.get(f"members#{period}", _tree(unit))
        rows, computed = item.data["members"], int(item.computed_at)
    except AssessmentItem.DoesNotExist:
        rows, computed = [], None
    ranked = get_settings().rankings_enabled
    rows = sorted(rows, key=lambda m: (-m["score"], m["member_no"]) if ranked else m["member_no"])
    return {
        "unit": _unit_info(unit),
        "period": {"key": period[1:], "label": label},
        "rankings_enabled": ranked,
        "computed_at": computed,
        **_labels(),
        "members": [{k: v for k, v in m.items() if k != "measures"} | _shown(m) for m in rows],
    }


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    """Her measures as staff read them (the rules' measures only, not the job's counters)."""
    return {"measures": {k: row["measures"].get(k, 0) for k in MEMBER_MEASURES}}


def red_black(caller: scope.Caller, unit_id: str, month: str | None) -> dict[str, Any]:
    """The month's 红黑榜 and 约谈 flags, the branches of the caller's subtree only (ranks are
    the organisation's)."""
    require_enabled()
    if not get_settings().rankings_enabled:
        raise NotFoundError(RANKINGS_OFF)
    unit = _unit(caller, unit_id)
    period, label = parse_period(month)
    if not period.startswith("m"):
        raise BadRequestError("统计周期（period）：红黑榜按月，须为 2026-11 这样的月份")
    try:
        org = AssessmentItem.get(f"org#{period}", "#").data
    except AssessmentItem.DoesNotExist:
        org = {"red": [], "black": [], "talks": [], "ranked": []}
    names = {
        item.data["id"]: item.data
        for item in AssessmentItem.query(
            f"branches#{period}", AssessmentItem.tree.startswith(_tree(unit))
        )
    }
    r = rules()
    # The 约谈 flag is for the staff above a branch, never its own: shown only where the
    # caller's access comes from a unit above that branch.
    above = {i for i, b in names.items() if scope.unit_access(caller, b["path"][:-1]) != "none"}
    talks = [i for i in org["talks"] if i in above]
    scopes = {row["scope"] for row in org["ranked"] if row["id"] in names and "scope" in row}

    def rows(ids: list[str]) -> list[dict[str, Any]]:
        return [
            {
                "id": i,
                "name": names[i]["name"],
                "score": names[i]["score"],
                "rank": names[i].get("rank"),
                "members": names[i]["members"],
                "talk": i in talks,
            }
            for i in ids
            if i in names
        ]

    return {
        "unit": _unit_info(unit),
        "period": {"key": period[1:], "label": label},
        "ranking_size": r.ranking_size,
        "talk_months": r.talk_months,
        "min_members": r.min_members,
        # Ranked within each 党委: the branches ranked beside those in view.
        "ranked_branches": sum(
            1
            for row in org["ranked"]
            if row.get("scope") in scopes or (not scopes and "scope" not in row)
        ),
        "red": rows(org["red"]),
        "black": rows(org["black"]),
        "talks_shown": bool(above),
        "talks": rows(talks),
    }


def _year(text: str | None) -> str:
    if not text:
        return str(clock.today().year)
    if not re.fullmatch(r"[0-9]{4}", text) or not 2000 <= int(text) <= 2100:
        raise BadRequestError("年度（year）须为四位年份，如 2026")
    return text


def _branch_manager(caller: scope.Caller, branch_id: str) -> bool:
    """民主评议 is entered by her branch: a managing role held at that branch itself."""
    return any(
        key in ROLES
        and ROLES[key].unit_kind == "branch"
        and ROLES[key].grant == "manage"
        and scope.role_unit(caller, key) == branch_id
        for key in caller.roles
    )


def _manages_branch(roles: Any) -> bool:
    """Holds a managing role at her own branch (支部书记): her grade is not hers to enter."""
    return any(
        key in ROLES and ROLES[key].unit_kind == "branch" and ROLES[key].grant == "manage"
        for key in roles or ()
    )


def _may_enter(caller: scope.Caller, unit: OrgUnit, member_no: str, roles: Any) -> bool:
    """民主评议 is entered by her branch's secretary, never by herself: a branch manager's own
    grade (the secretary's) is entered by a manager above the branch (党总支 or 党委), who
    enters no other member's grade."""
    if member_no == caller.member_no:
        return False
    if _branch_manager(caller, unit.unit_id):
        return True
    above = scope.unit_access(caller, unit.path[:-1]) == "manage"
    return above and _manages_branch(roles)


def _grade_row(g: AssessmentGrade) -> dict[str, Any]:
    return {
        "member_no": g.member_no,
        "name": g.name,
        "branch_id": g.branch_id,
        "grade": g.grade,
        "grade_label": GRADES.get(g.grade, g.grade),
        "reason": g.reason,
        "entered_by": g.entered_by,
        "entered_at": int(g.entered_at),
    }


def _counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    counts = dict.fromkeys(GRADES, 0)
    for row in rows:
        if row.get("grade") in counts:
            counts[row["grade"]] += 1
    return counts


def _grades_of(year: str, member_nos: list[str]) -> dict[str, dict[str, Any]]:
    """The year's grades of these members (BatchGet by member number, 100 a call): read by
    who is listed now, so a member who moved shows her grade where she is, counted once."""
    keys = [(year, no) for no in dict.fromkeys(member_nos)]
    return {g.member_no: _grade_row(g) for g in AssessmentGrade.batch_get(keys)} if keys else {}


def grades(caller: scope.Caller, unit_id: str, year_text: str | None) -> dict[str, Any]:
    """A unit's 民主评议 of a year: for a branch each active member with her grade (or none yet)
    and the platform's year score beside it; for a unit above, the counts per grade of each
    branch below and in all. The grades are read by member number of the members listed — a
    branch's from the registry, a subtree's from the year's scores the nightly job stored per
    branch (one Query) — and the counts are counted from those same rows."""
    require_enabled()
    unit = _unit(caller, unit_id)
    year = _year(year_text)
    tree = _tree(unit)
    body: dict[str, Any] = {
        "unit": _unit_info(unit),
        "year": year,
        "grades": [{"key": k, "label": v} for k, v in GRADES.items()],
        "reason_needed": sorted(REASON_NEEDED),
    }
    scores: dict[str, dict[str, Any]] = {}
    listed: dict[str, list[str]] = {}  # branch id → its members in the year's stored scores
    branch_names: dict[str, str] = {}
    for item in AssessmentItem.query(f"members#y{year}", AssessmentItem.tree.startswith(tree)):
        listed[item.data["id"]] = [m["member_no"] for m in item.data["members"]]
        for m in item.data["members"]:
            scores[m["member_no"]] = m
    if unit.kind == "branch":
        people = sorted(Member.by_branch.query(unit.unit_id), key=lambda m: m.member_no)
        by_member = _grades_of(year, [m.member_no for m in people])
        rows = []
        for m in people:
            if not m.active and m.member_no not in by_member:
                continue
            score = scores.get(m.member_no)
            rows.append(
                {
                    "member_no": m.member_no,
                    "name": m.name,
                    "score": score["score"] if score else None,
                    "base": score["base"] if score else None,
                    "bonus": score["bonus"] if score else None,
                    "can_enter": m.active
                    and m.member_no not in by_member
                    and _may_enter(caller, unit, m.member_no, m.roles),
                    **{
                        k: v
                        for k, v in (by_member.get(m.member_no) or {}).items()
                        if k not in ("member_no", "name", "branch_id")
                    },
                }
            )
        body["members"] = rows
        body["counts"] = _counts(rows)
        body["can_enter"] = _branch_manager(caller, unit.unit_id) or any(
            r["can_enter"] for r in rows
        )
        return body
    body["can_enter"] = False
    for item in AssessmentItem.query(f"branches#y{year}", AssessmentItem.tree.startswith(tree)):
        branch_names[item.data["id"]] = item.data["name"]
    entered = _grades_of(year, [no for nos in listed.values() for no in nos])
    per = {b: [entered[no] for no in nos if no in entered] for b, nos in listed.items()}
    body["counts"] = _counts(list(entered.values()))
    body["branches"] = [
        {"id": b, "name": branch_names.get(b, b), "counts": _counts(rows)}
        for b, rows in sorted(per.items())
        if rows
    ]
    return body


def _reason(grade: str, given: Any) -> str | None:
    """The reason as stored, or None: one line the shared text check passes (text_chars), of
    2–200 characters whenever one is given; a reason of only punctuation or spaces says
    nothing and counts as none (so 基本合格 and 不合格 still need one)."""
    reason = (given or "").strip()
    # splitlines: text_chars.problem lets U+2028/U+2029 (line and paragraph separators) by.
    problem = text_chars.problem(reason) or ("不能换行" if len(reason.splitlines()) > 1 else None)
    if problem:
        raise BadRequestError(f"理由（reason）{problem}")
    if reason and not any(ch.isalnum() for ch in reason):
        if grade in REASON_NEEDED:
            raise BadRequestError(
                f"理由（reason）：评为{GRADES[grade]}须写明理由，只有标点或空格不算理由"
            )
        raise BadRequestError("理由（reason）须包含文字或数字，只有标点或空格不算理由")
    low, high = REASON_CHARS
    if grade in REASON_NEEDED and not reason:
        raise BadRequestError(f"理由（reason）：评为{GRADES[grade]}须写明理由（{low}–{high} 字）")
    if reason and not low <= len(reason) <= high:
        raise BadRequestError(f"理由（reason）须为 {low}–{high} 字，现为 {len(reason)} 字")
    return reason or None


def enter_grade(
    caller: scope.Caller, by: Member, unit_id: str, body: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    """One member's grade of a year, entered once by her branch's secretary: (grade, created).
    Every field is checked before the one conditional write; the same request again (a retry)
    answers the stored grade, another request for a graded member a 409."""
    require_enabled()
    unit = _unit(caller, unit_id)
    above = unit.kind == "branch" and scope.unit_access(caller, unit.path[:-1]) == "manage"
    if unit.kind != "branch" or not (_branch_manager(caller, unit.unit_id) or above):
        raise ForbiddenError("只有本支部的支部书记可以录入民主评议等次")
    year = body["year"]
    this_year = clock.today().year
    if (
        not isinstance(year, int)
        or isinstance(year, bool)
        or year not in (this_year - 1, this_year)
    ):
        raise BadRequestError(f"年度（year）须为 {this_year - 1} 或 {this_year}")
    member_no = body["member_no"]
    member = None
    if is_member_no(member_no):
        try:
            member = Member.get(member_no)
        except Member.DoesNotExist:
            member = None
    if member is None or member.branch_id != unit.unit_id or not member.active:
        raise BadRequestError("党员编号（member_no）：不是本支部的党员")
    if member_no == caller.member_no:
        raise ForbiddenError("不能录入本人的民主评议等次：支部书记的等次由上级党组织录入")
    if not _may_enter(caller, unit, member_no, member.roles):
        raise ForbiddenError(
            "只有本支部的支部书记可以录入民主评议等次（上级党组织只录入支部书记本人的等次）"
        )
    grade = body["grade"]
    if grade not in GRADES:
        raise BadRequestError("等次（grade）须为 " + "、".join(GRADES.values()) + " 之一")
    reason = _reason(grade, body.get("reason"))
    key = body["request_key"]
    if not _REQUEST_KEY.fullmatch(key):
        raise BadRequestError("请求编号（request_key）须为 8–64 个字母、数字、- 或 _")
    row = AssessmentGrade(
        str(year),
        member_no,
        name=member.name,
        branch_id=unit.unit_id,
        tree_key=f"{_tree(unit)}#{member_no}",
        grade=grade,
        reason=reason,
        entered_by=by.member_no,
        entered_at=int(clock.now()),
        request_key=key,
    )
    try:
        row.save(condition=AssessmentGrade.member_no.does_not_exist())
        return _grade_row(row), True
    except PutError as exc:
        if not condition_failed(exc):
            raise
    stored = AssessmentGrade.get(str(year), member_no, consistent_read=True)
    if stored.request_key == key:
        if (stored.grade, stored.reason or None) == (grade, reason):
            return _grade_row(stored), False
        raise ConflictError(
            f"请求编号（request_key）已用于录入{member.name} {year} 年度的"
            f"「{GRADES.get(stored.grade, stored.grade)}」，内容不同，不能重复使用"
        )
    shown = GRADES.get(stored.grade, stored.grade)
    raise ConflictError(f"{member.name} {year} 年度已评定为「{shown}」，不能重复录入")

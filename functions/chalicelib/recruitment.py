"""党员发展: registering an applicant, recording her steps under the rules, her timeline, a
unit's people by stage with what is due and overdue.

Who: staff whose role manages the person's branch (its secretary, the general branch's and the
committee's staff, administrators) register and record; staff who read it (支部委员, superiors)
see it; the steps the rules give to the committee (`by = "committee"`: 预审, the approvals) need
a manage role held at the committee (or higher) above her branch. All of it through the one scope
check (scope.py). Nobody else learns that a person exists (404).

Applicants are not members: they live in `Recruit` (models/recruitment.py) until the committee
approves the admission, which creates her `Member` item (status probationary, joined_on = the
day the branch meeting passed her, her branch) in the same transaction as the record; the
approved conversion sets it full, a cancellation deactivates it. A record the rules refuse
changes nothing; two records at once are ordered by the item's `version` (one wins, the other is
checked again against what won).
"""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from . import clock, directory, ranking_log, registry, scope
from .errors import BadRequestError, ConflictError, ForbiddenError, NotFoundError
from .identifiers import is_client_key, is_member_no
from .models import Member
from .models.base import Transaction, TransactionCancelled, condition_failed
from .models.recruitment import Recruit, StepRecord
from .models.registry import OrgUnit, remind_key
from .models.transfers import Transfer
from .org import GENDERS
from .recruitment_stages import BY, OUTCOMES, Rules, rules
from .recruitment_timeline import TERMINAL, Next, Person, RuleError, check, decided, next_steps
from .scope import Access, Caller

# ASCII digits only, whole string: `\d` and str.isdigit() also take full-width digits and
# superscripts ("²"), which int() and date.fromisoformat() then refuse or misread.
PERSON_ID = re.compile(r"rp_[A-Za-z0-9_-]{8,40}")
NOT_FOUND = "该人员不存在或您无权查看"
PHONE = re.compile(r"1[0-9]{10}")
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # not ISO week dates ("2026-W49-2") nor 20261201
DAYS = re.compile(r"[0-9]{1,2}")
FIRST_DAY = date(1900, 1, 1)  # no birth, application or step before this is plausible
NAME_MAX, NOTE_MAX = 20, 200
DAYS_AHEAD = 7  # "due": the latest date within this many days
COMMITTEE_KINDS = ("committee", "group")
MIN_AGE = 18


# --- reads and access --------------------------------------------------------------------------


def person_id_for(by: str, request_key: str) -> str:
    """Deterministic: the same staff member's same registration request is the same person."""
    digest = hashlib.sha256(f"recruit\n{by}\n{request_key}".encode()).digest()
    return "rp_" + base64.urlsafe_b64encode(digest).decode().rstrip("=")[:24]


def load(person_id: str, *, consistent: bool = False) -> Recruit:
    if not isinstance(person_id, str) or not PERSON_ID.fullmatch(person_id):
        raise NotFoundError(NOT_FOUND)
    try:
        return Recruit.get(person_id, consistent_read=consistent)
    except Recruit.DoesNotExist:
        raise NotFoundError(NOT_FOUND) from None


def access(caller: Caller, person: Recruit) -> Access:
    return scope.unit_access(caller, person.branch_path)


def committee_manages(caller: Caller, person: Recruit) -> bool:
    """A manage role held at the committee (or the level above it) over her branch."""
    kinds = dict(zip(person.branch_path, person.branch_path_kinds, strict=True))
    return any(
        grant == "manage" and kinds.get(unit_id) in COMMITTEE_KINDS
        for unit_id, grant in scope.grants(caller).items()
    )


def load_visible(caller: Caller, person_id: str, *, consistent: bool = False) -> Recruit:
    person = load(person_id, consistent=consistent)
    if access(caller, person) == "none":
        raise NotFoundError(NOT_FOUND)
    return person


def _view(person: Recruit) -> Person:
    return Person(
        stage=person.stage,
        records=[r.as_dict() for r in person.records or []],
        extension_months=int(person.extension_months or 0),
    )


# --- what a page shows -------------------------------------------------------------------------


def _record_dict(rules_: Rules, record: dict[str, Any]) -> dict[str, Any]:
    step = rules_.steps.get(record["step"])
    label = MOVED_LABEL if record["step"] == MOVED else record["step"]
    return {
        "step": record["step"],
        "label": step.label if step else label,
        "on": record["on"],
        "by": record.get("by"),
        "by_name": record.get("by_name"),
        "at": record.get("at"),
        "note": record.get("note"),
        "outcome": record.get("outcome"),
        "outcome_label": OUTCOMES.get(record.get("outcome") or ""),
        "months": record.get("months"),
        "late_days": record.get("late"),
        "superseded": bool(record.get("superseded")),
    }


def _urgent(found: list[Next]) -> Next | None:
    """The one next step a list shows: overdue first, then due, then the nearest limit."""
    order = {"overdue": 0, "due": 1, "open": 2, "blocked": 3, "waiting": 4}
    return min(
        found,
        key=lambda n: (order[n.status], n.latest or date.max, n.earliest),
        default=None,
    )


def timeline(caller: Caller, person: Recruit, days_ahead: int = DAYS_AHEAD) -> dict[str, Any]:
    rules_ = rules()
    view = _view(person)
    today = clock.today()
    nexts = next_steps(rules_, view, today, days_ahead)
    may_manage = access(caller, person) == "manage"
    may_committee = committee_manages(caller, person)
    branch_name = registry.unit_names([person.branch_id]).get(person.branch_id, person.branch_id)
    return {
        "id": person.person_id,
        "name": person.name,
        "gender": person.gender,
        "birth_date": person.birth_date,
        "phone": person.phone,
        "branch": {"id": person.branch_id, "name": branch_name},
        "stage": person.stage,
        "stage_label": rules_.stage_label(person.stage),
        "applied_on": person.applied_on,
        "member_no": person.member_no,
        "extension_months": int(person.extension_months or 0),
        "today": today.isoformat(),
        "done": [_record_dict(rules_, r) for r in view.records],
        "next": [
            {
                **n.as_dict(rules_),
                "may_record": may_committee if n.step.by == "committee" else may_manage,
                "by_label": BY[n.step.by],
                "needs_member_no": _admits(rules_, view, n),
            }
            for n in nexts
        ],
        "stages": [{"key": s.key, "label": s.label} for s in rules_.stages.values()],
        "may_manage": may_manage,
        "version": int(person.version or 0),
    }


def _admits(rules_: Rules, view: Person, n: Next) -> bool:
    """An approval of a step without a result: the admission, which needs her member number."""
    if not n.step.applies:
        return False
    target = decided(rules_, view, n.step)
    return target is not None and not target.get("outcome")


def detail(caller: Caller, person_id: str, days_ahead: int = DAYS_AHEAD) -> dict[str, Any]:
    return timeline(caller, load_visible(caller, person_id), days_ahead)


def _unit_people(unit_path: list[str]) -> Iterable[Recruit]:
    prefix = "/".join(unit_path) + "/"
    return Recruit.by_tree.query(unit_path[0], Recruit.tree_sort.startswith(prefix))


def summary(person: Recruit, today: date, days_ahead: int) -> dict[str, Any]:
    rules_ = rules()
    nexts = next_steps(rules_, _view(person), today, days_ahead)
    urgent = _urgent(nexts)
    return {
        "id": person.person_id,
        "name": person.name,
        "branch_id": person.branch_id,
        "stage": person.stage,
        "stage_label": rules_.stage_label(person.stage),
        "applied_on": person.applied_on,
        "overdue": sum(n.status == "overdue" for n in nexts),
        "due": sum(n.status == "due" for n in nexts),
        "next": None
        if urgent is None
        else {
            "label": urgent.step.label,
            "status": urgent.status,
            "earliest": urgent.earliest.isoformat(),
            "latest": urgent.latest.isoformat() if urgent.latest else None,
        },
    }


def unit_people(caller: Caller, unit_id: str, days_ahead: int = DAYS_AHEAD) -> dict[str, Any]:
    """A unit's people (its whole subtree) by stage, each with her most urgent next step."""
    unit = _unit(caller, unit_id)
    today = clock.today()
    rules_ = rules()
    people = [summary(p, today, days_ahead) for p in _unit_people(list(unit.path))]
    names = registry.unit_names({p["branch_id"] for p in people})
    for p in people:
        p["branch_name"] = names.get(p["branch_id"], p["branch_id"])
    stages = [*rules_.stages, "cancelled"]
    groups = [
        {
            "stage": key,
            "label": rules_.stage_label(key),
            "people": sorted(
                (p for p in people if p["stage"] == key),
                key=lambda p: (-p["overdue"], -p["due"], p["applied_on"], p["id"]),
            ),
        }
        for key in stages
    ]
    return {
        "unit": {"id": unit.unit_id, "name": unit.name, "kind": unit.kind},
        "today": today.isoformat(),
        "days_ahead": days_ahead,
        "may_register": unit.kind == "branch" and scope.unit_access(caller, unit.path) == "manage",
        "groups": [g for g in groups if g["people"] or g["stage"] != "cancelled"],
        "overdue": sum(p["overdue"] > 0 for p in people),
        "due": sum(p["due"] > 0 and not p["overdue"] for p in people),
    }


def _unit(caller: Caller, unit_id: str) -> OrgUnit:
    """The unit if the caller may read it; an unknown unit is refused like one out of her scope
    (403, the same words), so nobody learns which ids exist."""
    try:
        unit = registry.get_unit(unit_id)
    except NotFoundError:
        scope.require_unit(caller, ())  # always refuses: an empty path reaches no grant
        raise
    scope.require_unit(caller, unit.path)
    return unit


def days_param(value: str | None) -> int:
    if value is None:
        return DAYS_AHEAD
    if not isinstance(value, str) or not DAYS.fullmatch(value) or int(value) > 90:
        raise BadRequestError("天数（days）须为 0–90 的整数")
    return int(value)


# --- writes ------------------------------------------------------------------------------------


def _date(value: Any, field: str) -> date:
    """A day written YYYY-MM-DD in ASCII digits, from 1900 to today (no record, application or
    birth is in the future; the rules' spans added to it then stay inside the calendar)."""
    if not isinstance(value, str) or not DAY.fullmatch(value):
        raise BadRequestError(f"{field}须为日期，如 2027-03-01")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise BadRequestError(f"{field}不是有效的日期") from None
    if day < FIRST_DAY:
        raise BadRequestError(f"{field}不能早于 {FIRST_DAY.isoformat()}")
    if day > clock.today():
        raise BadRequestError(f"{field}不能晚于今天")
    return day


def _text(value: Any, field: str, limit: int, *, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise BadRequestError(f"请填写{field}")
        return None
    text = value.strip() if isinstance(value, str) else ""
    if required and not text:
        raise BadRequestError(f"请填写{field}")
    if len(text) > limit:
        raise BadRequestError(f"{field}最多 {limit} 个字")
    # Control characters (NUL, escapes) are never typed; a note may keep its line breaks.
    if any(unicodedata.category(c) in ("Cc", "Cs") and c not in "\n\t" for c in text) or (
        field == "姓名" and "\n" in text
    ):
        raise BadRequestError(f"{field}含有无效字符")
    return text or None


def _request_key(body: dict[str, Any]) -> str:
    key = body.get("request_key")
    if not is_client_key(key):
        raise BadRequestError("请求编号（request_key）须为 8–64 位字母、数字、_ 或 -")
    return key


def register(
    caller: Caller, member: Member, unit_id: str, body: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    """A new 入党申请人 of a branch (its first step recorded): (her timeline, created?). The same
    request again answers the same person."""
    unit = _unit(caller, unit_id)
    if scope.unit_access(caller, unit.path) != "manage":
        raise ForbiddenError("只有本支部书记或上级党组织的管理人员可以登记入党申请人")
    if unit.kind != "branch":
        raise BadRequestError("入党申请人须登记在党支部")
    key = _request_key(body)
    person_id = person_id_for(caller.member_no, key)
    try:
        return timeline(caller, Recruit.get(person_id, consistent_read=True)), False
    except Recruit.DoesNotExist:
        pass
    name = _text(body.get("name"), "姓名", NAME_MAX, required=True)
    gender = body.get("gender")
    if gender is not None and gender not in GENDERS:
        raise BadRequestError("性别须为 男 或 女")
    phone = _text(body.get("phone"), "手机号", 11)
    if phone and not PHONE.fullmatch(phone):
        raise BadRequestError("手机号须为 11 位数字")
    applied = _date(body.get("applied_on"), "申请日期")
    birth = None
    if body.get("birth_date") is not None:
        birth = _date(body["birth_date"], "出生日期")
        adult = date(birth.year + MIN_AGE, birth.month, 28 if (birth.month, birth.day) == (2, 29)
                     else birth.day)  # fmt: skip
        if applied < adult:
            raise BadRequestError("申请入党须年满十八岁（党章第一条、细则第六条）")
    first = rules().first
    now = clock.now()
    person = Recruit(
        person_id,
        name=name,
        gender=gender,
        birth_date=birth.isoformat() if birth else None,
        phone=phone,
        branch_id=unit.unit_id,
        branch_path=list(unit.path),
        branch_path_kinds=list(unit.path_kinds),
        root=unit.path[0],
        tree_sort="/".join(unit.path) + "/#" + person_id,
        stage=first.stage or "applicant",
        applied_on=applied.isoformat(),
        records=[
            StepRecord(
                step=first.key,
                on=applied.isoformat(),
                by=member.member_no,
                by_name=member.name,
                at=now,
                note=_text(body.get("note"), "备注", NOTE_MAX),
                request_key=key,
            )
        ],
        version=1,
        created_at=now,
        created_by=member.member_no,
        request_key=key,
    )
    try:
        person.save(condition=Recruit.person_id.does_not_exist())
    except Exception as exc:
        if not condition_failed(exc):
            raise
        return timeline(caller, Recruit.get(person_id, consistent_read=True)), False
    return timeline(caller, person), True


def record_step(
    caller: Caller, member: Member, person_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    """Record one step on a day: checked against the rules and the caller's scope; on success
    her timeline after it. A retried request (same request_key) answers without a second record."""
    key = _request_key(body)
    step_key = body.get("step")
    if not isinstance(step_key, str):
        raise BadRequestError("请选择环节")
    on = _date(body.get("on"), "日期")
    note = _text(body.get("note"), "备注", NOTE_MAX)
    outcome = body.get("outcome")
    months = body.get("months")
    if outcome is not None and not isinstance(outcome, str):
        raise BadRequestError("结果（outcome）须为字符串")
    if months is not None and (not isinstance(months, int) or isinstance(months, bool)):
        raise BadRequestError("延长月数须为整数")
    for attempt in range(3):
        person = load_visible(caller, person_id, consistent=True)
        if any(r.request_key == key for r in person.records or []):
            return timeline(caller, person)
        try:
            _record_once(caller, member, person, key, step_key, on, note, outcome, months, body)
        except _RacedError:
            if attempt == 2:
                raise ConflictError("该人员的记录刚被他人更新，请刷新后再试") from None
            continue
        return timeline(caller, load(person_id, consistent=True))
    raise ConflictError("该人员的记录刚被他人更新，请刷新后再试")  # pragma: no cover


class _RacedError(Exception):
    """Another write changed the person between the read and the conditional write."""


def _record_once(
    caller: Caller,
    member: Member,
    person: Recruit,
    key: str,
    step_key: str,
    on: date,
    note: str | None,
    outcome: str | None,
    months: int | None,
    body: dict[str, Any],
) -> None:
    rules_ = rules()
    view = _view(person)
    today = clock.today()
    step = rules_.steps.get(step_key)
    if step is not None:
        if step.by == "committee" and not committee_manages(caller, person):
            raise ForbiddenError(f"「{step.label}」须由上级党委（党委委员或管理员）记录")
        if step.by == "branch" and access(caller, person) != "manage":
            raise ForbiddenError("只有本支部书记或上级党组织的管理人员可以记录发展环节")
    try:
        step = check(rules_, view, step_key, on, today, outcome, months)
    except RuleError as exc:
        raise (ConflictError if exc.status == 409 else BadRequestError)(str(exc)) from None
    if person.member_no:  # admitted: her probation is recorded where her member item is active
        _require_member_here(person, person.member_no)
    window = next((n for n in next_steps(rules_, view, today) if n.step.key == step.key), None)
    late = (on - window.latest).days if window and window.latest and on > window.latest else None
    now = clock.now()
    new = StepRecord(
        step=step.key,
        on=on.isoformat(),
        by=member.member_no,
        by_name=member.name,
        at=now,
        note=note,
        outcome=outcome,
        months=months,
        late=late,
        request_key=key,
    )
    records = [*(person.records or []), new]
    stage = step.stage or person.stage
    extension = int(person.extension_months or 0)
    member_no = body.get("member_no")
    target = decided(rules_, view, step)
    member_op: tuple[str, Any] | None = None
    if step.applies and target is not None and not target.get("outcome"):
        if not is_member_no(member_no):
            raise BadRequestError("接收为预备党员须填写党员编号（1–32 位字母、数字、_ 或 -）")
        member_op = ("admit", _new_member(person, member_no, target["on"]))
    elif member_no is not None:
        raise BadRequestError("只有接收为预备党员时需要填写党员编号")
    elif step.applies and target is not None:
        decision = target["outcome"]
        if decision == "extend":
            extension = int(target.get("months") or 0)
            stage = person.stage
            for r in records:  # the conversion and this approval are done again later
                if r.step in (target["step"], step.key) and not r.superseded:
                    r.superseded = now
        elif decision == "cancel":
            stage = "cancelled"
        member_op = (decision, None)
    actions = [
        Recruit.records.set(records),
        Recruit.stage.set(stage),
        Recruit.extension_months.set(extension),
        Recruit.version.set(int(person.version or 0) + 1),
    ]
    condition = Recruit.version == person.version
    if member_op is None:
        try:
            person.update(actions=actions, condition=condition)
        except Exception as exc:
            if condition_failed(exc):
                raise _RacedError from None
            raise
        return
    _write_with_member(person, actions, condition, member_op)


def _new_member(person: Recruit, member_no: str, joined_on: str) -> Member:
    return Member(
        member_no,
        name=person.name,
        gender=person.gender,
        phone=person.phone,
        branch_id=person.branch_id,
        status="probationary",
        roles=[],
        joined_on=joined_on,
        active=True,
        remind_key=remind_key([], joined_on, True),
        updated_at=clock.local_now().isoformat(timespec="seconds"),
        # The registry import keeps what the platform did (tools/registry_import.py): her
        # item is not deactivated by an older spreadsheet that does not list her yet.
        placed_by="recruitment",
    )


def _write_with_member(person: Recruit, actions: list, condition: Any, op: tuple[str, Any]) -> None:
    """The record and the registry change in one transaction: both or neither. A decision on
    her probation (转正, 延长, 取消) needs her member item active in the record's branch: one
    transferred out of the organisation or deactivated is no longer ours to convert, and one
    moved to another branch is recorded there (the record follows her: `member_moved`)."""
    kind, new_member = op
    stamp = clock.local_now().isoformat(timespec="seconds")
    member_no = new_member.member_no if new_member is not None else person.member_no
    if kind == "admit":
        actions = [*actions, Recruit.member_no.set(member_no)]
    else:
        _require_member_here(person, member_no)
    here = (
        Member.member_no.exists()
        & (Member.active == True)  # noqa: E712 - a PynamoDB condition
        & (Member.branch_id == person.branch_id)
    )
    try:
        with Transaction() as tx:
            tx.update("person", person, actions=actions, condition=condition)
            if kind == "admit":
                tx.save("member", new_member, condition=Member.member_no.does_not_exist())
            elif kind == "full":
                tx.update(
                    "member",
                    Member(member_no),
                    actions=[Member.status.set("full"), Member.updated_at.set(stamp)],
                    condition=here & (Member.status == "probationary"),
                )
            elif kind == "cancel":
                tx.update(
                    "member",
                    Member(member_no),
                    actions=[
                        Member.active.set(False),
                        Member.remind_key.remove(),
                        Member.updated_at.set(stamp),
                    ],
                    condition=here,
                )
            else:  # extend: her item stays probationary; the new due date is the timeline's
                tx.check("member", Member, member_no, condition=here)
    except TransactionCancelled as exc:
        if exc.failed("person") or exc.conflict:
            raise _RacedError from None
        if exc.failed("member") and kind == "admit":
            raise ConflictError(f"党员编号 {member_no} 已被使用，请核对后重新填写") from None
        if exc.failed("member"):
            _require_member_here(person, member_no)  # what changed since, in words
            raise ConflictError(f"党员名册中没有预备党员 {member_no}，请联系管理员核对") from None
        raise
    ranking_log.registry_changed()  # as the importers do: the ranking job re-reads the registry
    # 通讯录: admitted, converted or cancelled, her entry follows (an admission's item is the
    # one written; the others are read back as the transaction left them).
    written = new_member if kind == "admit" else registry.get_member(member_no, consistent=True)
    if written is not None:
        directory.member_changed(written)


def _require_member_here(person: Recruit, member_no: str | None) -> None:
    """Refuse, in words, a decision on a member who left the organisation, was deactivated or
    belongs to another branch now."""
    member = registry.get_member(member_no, consistent=True) if member_no else None
    if member is None:
        raise ConflictError(f"党员名册中没有预备党员 {member_no}，请联系管理员核对")
    if not member.active:
        gone = "已转出本组织" if member.transferred_out_at else "已停用"
        raise ConflictError(
            f"{member.name}（{member_no}）在党员名册中{gone}，不能记录转正、延长预备期或取消资格；"
            "请由其现在所在的党组织办理"
        )
    if member.branch_id != person.branch_id:
        raise ConflictError(
            f"{member.name}（{member_no}）的组织关系已转至其他支部，请由其现在所在的支部记录"
        )


# --- after a transfer between branches -----------------------------------------------------------

MOVED = "transfer"  # the timeline line of a move: not a step of the rules (none has this key)
MOVED_LABEL = "组织关系转接"


def member_moved(member_no: str, new_branch_id: str) -> None:
    """Her open record (a 预备党员 in probation) follows her member item to its new branch:
    branch, path, the by-tree key, and a timeline line naming the transfer's approver and day.
    Idempotent and exact under retries and parallel calls (conditional on `version`); acts only
    while her member item is in that branch (a late retry of an older move changes nothing)."""
    member = registry.get_member(member_no, consistent=True)
    if member is None or not member.active or member.branch_id != new_branch_id:
        return
    unit = registry.get_unit(new_branch_id)
    for _ in range(5):
        person = _open_record(member_no, unit.path[0])
        if person is None or person.branch_id == new_branch_id:
            return
        line = _moved_line(person, member, unit)
        actions = [
            Recruit.branch_id.set(unit.unit_id),
            Recruit.branch_path.set(list(unit.path)),
            Recruit.branch_path_kinds.set(list(unit.path_kinds)),
            Recruit.root.set(unit.path[0]),
            Recruit.tree_sort.set("/".join(unit.path) + "/#" + person.person_id),
            Recruit.records.set([*(person.records or []), line]),
            Recruit.version.set(int(person.version or 0) + 1),
        ]
        try:
            person.update(actions=actions, condition=Recruit.version == person.version)
        except Exception as exc:
            if not condition_failed(exc):
                raise
            continue  # another write came first: read her again
        return
    raise ConflictError("该人员的记录刚被他人更新，请稍后再试")


def _open_record(member_no: str, root: str) -> Recruit | None:
    """Her record still in the process, found in her organisation's tree (a move between
    branches stays inside one organisation)."""
    found = Recruit.by_tree.query(root, filter_condition=Recruit.member_no == member_no)
    for hit in found:
        if hit.stage not in TERMINAL:  # the index is eventually consistent: read the item
            fresh = Recruit.get(hit.person_id, consistent_read=True)
            if fresh.stage not in TERMINAL:
                return fresh
    return None


def _moved_line(person: Recruit, member: Member, unit: OrgUnit) -> StepRecord:
    """The timeline's line: who approved the transfer and when (the registry when no transfer
    of hers into this branch is on record, e.g. a correction by the administrator)."""
    done = next(
        (
            t
            for t in Transfer.by_org.query(
                unit.path[0],
                scan_index_forward=False,
                filter_condition=(Transfer.member_no == member.member_no)
                & (Transfer.to_unit == unit.unit_id)
                & (Transfer.state == "done"),
            )
        ),
        None,
    )
    last = (done.steps or [None])[-1] if done is not None else None
    at = float(last.at) if last is not None else clock.now()
    old = registry.unit_names([person.branch_id]).get(person.branch_id, person.branch_id)
    return StepRecord(
        step=MOVED,
        on=datetime.fromtimestamp(at, clock.TZ).date().isoformat(),
        by=last.by if last is not None else "registry",
        by_name=last.by_name if last is not None else "党员名册",
        at=at,
        note=f"由「{old}」转至「{unit.name}」"
        + (f"（转接编号 {done.transfer_id}）" if done is not None else ""),
        request_key=f"moved-{done.transfer_id if done is not None else unit.unit_id}",
    )


# --- the reminders' list -----------------------------------------------------------------------


def due_steps(person: Recruit, today: date, days_ahead: int) -> list[Next]:
    """Her steps due within `days_ahead` days or overdue (none once the process has ended)."""
    if person.stage in TERMINAL:
        return []
    found = next_steps(rules(), _view(person), today, days_ahead)
    return [n for n in found if n.status in ("due", "overdue")]

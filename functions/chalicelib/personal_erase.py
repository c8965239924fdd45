"""Deleting a departed member's personal data (个人信息保护法), by the organisation's 管理员.

Only for a member already deactivated (停用: she left), with her member number typed again as
the confirmation and a request key. Every item the map (`personal_data`) names for her is found
with Queries and GetItems on her keys (`personal_records`) and then, per the map's `erase`:
deleted (her messages, comments, posts, reading, answers...), or blanked — her name replaced by
`ERASED_NAME`, her phone, birth date, texts and notes removed — where the item is a figure the
units' history counts (attendance, dues, hours, exam scores, service-request times, points). Her
points ledger and year totals hold no personal attribute and stay as they are, keyed by her
member number, which is kept as the anonymised key (README: Personal data), so every unit's
points totals and attendance counts are the same before and after.

Safe to resume: each write sets or removes the same values or deletes an item, so repeating it
changes nothing; the items other lookups start from (her comments, her attempts, her registry
item's bindings) are written after the items found through them. The registry item becomes the
placeholder last, in one transaction with the audit entry (no name, no field values) and the
request's mark: until that commits the request is not done and its retry (the same key) runs the
whole list again, finding only what is left; after it, a retry answers what was done.
The ranking job is told the registry changed (a full recompute rewrites the boards without her
name); the console and assessment jobs recompute from the registry on their own schedule.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pynamodb.attributes import ListAttribute, UnicodeAttribute
from pynamodb.models import Model

from . import clock, directory, personal_data, personal_records, registry, scope, uploads
from .errors import ConflictError, ForbiddenError
from .identifiers import is_member_no
from .models.assessment import AssessmentItem
from .models.base import Transaction, TransactionCancelled
from .models.branch_posts import BranchPost
from .models.directory import DirectoryShard
from .models.interaction import Comment, CommentDecision
from .models.lessons import WatchProgress
from .models.notify import Message, NotifyPrefs
from .models.points import RankingState
from .models.quizzes import QuizAttempt
from .models.reading import ReadingState, ReadMark
from .models.recruitment import Recruit
from .models.red_energy import RedEnergyMovement, RedEnergyWallet
from .models.registry import Member
from .models.registry_audit import AuditEntry
from .models.service_requests import ServiceRequest
from .models.signin import SignInBinding
from .models.surveys import Survey, SurveyAnswer
from .models.transfers import Transfer
from .personal_data import ERASED_NAME
from .registry_audit import answer_of, request_key, write
from .registry_upkeep import FORBIDDEN, FieldError
from .scope import Caller

STILL_ACTIVE = "该党员仍在册，须先停用（离开组织）后才能删除其个人信息"
ALREADY = "该党员的个人信息已删除"
CONFIRM = "请再次输入该党员的党员编号以确认删除"
RACE = "该党员的信息刚被他人修改，请刷新后重试"

Write = Callable[[], None]


def _update(item: Model, actions: list[Any]) -> Write:
    return lambda: item.update(actions=actions)


def _delete(item: Model) -> Write:
    return lambda: item.delete()


def _blank_answers(answer: SurveyAnswer) -> Write:
    """Her survey answer without its 简答 texts: the choices stay in the survey's figures."""
    survey = Survey.get(answer.survey_id)
    texts = {q["id"] for q in json.loads(survey.questions) if q.get("kind") == "text"}
    kept = {k: v for k, v in json.loads(answer.answers or "{}").items() if k not in texts}
    return _update(answer, [SurveyAnswer.answers.set(json.dumps(kept, ensure_ascii=False))])


def _request_steps(req: ServiceRequest, member_no: str) -> list[Any]:
    steps = []
    for step in req.steps or []:
        step.note = None
        if step.by == member_no:
            step.by_name = None
        steps.append(step)
    return steps


def _audit_writes(entry: AuditEntry) -> list[Write]:
    """Every copy of an entry about her (one per unit of `units`) and its request mark: her name
    and the fields' values go, the action and its time stay."""
    out: list[Write] = []
    blank = [
        AuditEntry.target_name.set(ERASED_NAME),
        AuditEntry.before.remove(),
        AuditEntry.after.remove(),
    ]
    for unit in entry.units or [entry.unit_id]:
        out.append(_update(AuditEntry(unit, entry.sort), blank))
    if entry.mark_key:
        out.append(
            _update(
                AuditEntry(entry.mark_key, "mark"),
                [
                    AuditEntry.target_name.set(ERASED_NAME),
                    AuditEntry.before.remove(),
                    AuditEntry.after.set(json.dumps({"erased": True})),
                ],
            )
        )
    return out


def _without_name(data: Any, member_no: str) -> Any:
    if isinstance(data, dict):
        out = {k: _without_name(v, member_no) for k, v in data.items()}
        if out.get("member_no") == member_no and out.get("name"):
            out["name"] = ERASED_NAME
        return out
    if isinstance(data, list):
        return [_without_name(v, member_no) for v in data]
    return data


def _notes_gone(steps: list[Any]) -> list[Any]:
    """A record's steps (转接, 党员发展) without their free-text notes: who acted and when stay."""
    for step in steps or []:
        step.note = None
    return list(steps or [])


# Personal attributes not simply removed (or, where the model requires a value, replaced by
# `ERASED_NAME`): what else stays of them.
_SPECIAL: dict[tuple[type[Model], str], Callable[[Any, str], Any]] = {
    (ServiceRequest, "steps"): lambda r, no: ServiceRequest.steps.set(_request_steps(r, no)),
    (Transfer, "steps"): lambda t, no: Transfer.steps.set(_notes_gone(t.steps)),
    (Recruit, "records"): lambda r, no: Recruit.records.set(_notes_gone(r.records)),
}


def blank_actions(model: type[Model], item: Any, member_no: str) -> list[Any]:
    """The update that blanks one of her items: every attribute the map calls personal."""
    actions = []
    for name in personal_data.place(model).personal:
        if (special := _SPECIAL.get((model, name))) is not None:
            actions.append(special(item, member_no))
            continue
        attr = getattr(model, name)
        if isinstance(attr, ListAttribute) and not attr.null:
            actions.append(attr.set([]))
        elif attr.null and not name.endswith("name"):
            actions.append(attr.remove())
        elif isinstance(attr, UnicodeAttribute):
            actions.append(attr.set(ERASED_NAME))
        else:  # a required number or map: the map's author must say what stays (_SPECIAL)
            raise TypeError(f"{model.__name__}.{name}: no way to blank it")
    return actions


# Blanked by `blank_actions`: every "blank" place of the map but these, each handled below.
BLANK_APART = (Member, AuditEntry, SurveyAnswer)
# Deleted, in this order: what other lookups start from (her comments, her attempts) after what
# is found through it. A unit test holds it equal to the map's "delete" places.
DELETE_ORDER: tuple[type[Model], ...] = (
    CommentDecision,
    SignInBinding,
    ReadingState,
    ReadMark,
    WatchProgress,
    Message,
    NotifyPrefs,
    RedEnergyWallet,
    RedEnergyMovement,
    BranchPost,
    Comment,
    QuizAttempt,
)
DELETE_APART = (DirectoryShard,)  # one entry of a shared item: removed, not the item


def plan(found: personal_records.Found) -> list[Write]:
    """The writes, in an order that is safe to cut anywhere and run again (see the module)."""
    no = found.member.member_no
    w: list[Write] = []
    # Her photos in the uploads bucket (支部家园, 诉求), before the items that name them; deleting
    # a key that is gone already is no error, so a rerun repeats them harmlessly.
    photos = {k for p in found.of(BranchPost) for k in (*(p.photos or ()), *(p.shown_photos or ()))}
    photos |= {f.key for r in found.of(ServiceRequest) for f in (r.photos or ())}
    w.extend((lambda key=key: uploads.discard(key)) for key in sorted(photos))
    # Blanked: figures the units count, her name and texts gone (the map's personal attributes).
    for place in personal_data.PLACES:
        if place.erase == "blank" and place.model not in BLANK_APART:
            for item in found.of(place.model):
                w.append(_update(item, blank_actions(place.model, item, no)))
    for a in found.of(SurveyAnswer):
        w.append(_blank_answers(a))
    for item in found.assessed:
        data = _without_name(item.data, no)
        w.append(_update(item, [AssessmentItem.data.set(data)]))
    for e in found.of(AuditEntry):
        w.extend(_audit_writes(e))
    if found.of(DirectoryShard):
        shard = DirectoryShard(directory.shard_of(no))
        w.append(_update(shard, [DirectoryShard.entries[no].remove()]))
    # Deleted: hers alone; what other lookups start from comes after what is found through it.
    for model in DELETE_ORDER:
        w.extend(_delete(item) for item in found.of(model))
    w.extend(_delete(m) for m in found.about)
    return w


def _tombstone_actions(now: float) -> list[Any]:
    return [
        Member.name.set(ERASED_NAME),
        Member.gender.remove(),
        Member.phone.remove(),
        Member.joined_on.remove(),
        Member.birth_date.remove(),
        Member.education.remove(),
        Member.occupation.remove(),
        Member.roles.set([]),
        Member.password_hash.remove(),
        Member.ended_sessions.remove(),
        Member.bound_to.remove(),
        Member.remind_key.remove(),
        Member.transfer_id.remove(),
        Member.erased_at.set(int(now)),
        Member.session_epoch.add(1),
        Member.rev.add(1),
    ]


def _member(caller: Caller, member_no: Any) -> tuple[Member, list[str]]:
    """Her item and her branch's path, for an admin of her tree. The answer to anyone else
    does not depend on whether the number exists: a caller without the admin role gets the
    admin-only message before any read, and an admin the same 403 for an unknown number as for
    one of another organisation."""
    if "admin" not in caller.roles:
        raise ForbiddenError(scope.ADMIN_ONLY)
    member = registry.get_member(member_no, consistent=True) if is_member_no(member_no) else None
    path = list(registry.get_unit(member.branch_id).path) if member is not None else []
    try:
        scope.require_admin(caller, path)
    except ForbiddenError:
        raise ForbiddenError(FORBIDDEN) from None
    assert member is not None  # require_admin refuses an empty path
    return member, path


def personal_left(member: Member) -> list[str]:
    """The personal attributes her registry item still holds (the map's): none once the
    deletion completed. Decides "already deleted", not `erased_at` alone, so a deletion whose
    placeholder was written over (a bug, an old tool) can always be run again to completion."""
    left = []
    for name in personal_data.place(Member).personal:
        value = getattr(member, name)
        if name == "name":
            value = None if value == ERASED_NAME else value
        if value not in (None, "", [], set(), {}):
            left.append(name)
    return left


def erase(
    caller: Caller,
    actor: Member,
    member_no: str,
    body: dict[str, Any],
    *,
    write_one: Callable[[Write], None] = lambda fn: fn(),
) -> tuple[dict[str, Any], bool]:
    """Delete her personal data; (the answer, True) when done now, (it, False) for a retry of a
    request already done. `write_one` runs each write (a test passes one that fails midway)."""
    key = request_key(body.get("request_key"), "member_erase", member_no, body)
    if (done := answer_of(actor.member_no, key)) is not None:
        return done, False
    member, path = _member(caller, member_no)
    if member.active:
        raise ConflictError(STILL_ACTIVE)
    if member.erased_at is not None and not personal_left(member):
        raise ConflictError(ALREADY)
    if body.get("confirm") != member.member_no:
        raise FieldError("confirm", CONFIRM)
    found = personal_records.find(member, erase=True)
    writes = plan(found)
    for fn in writes:
        write_one(fn)
    now = clock.now()
    answer = {
        "member_no": member.member_no,
        "erased_at": int(now),
        "writes": len(writes) + 1,
        "tables": sorted({m.__name__ for m, items in found.items.items() if items}),
    }

    # Conditioned on her item as read: a write meanwhile (an import racing) fails the deletion,
    # whose retry then finds what that write put back.
    rev = Member.rev.does_not_exist() if member.rev is None else Member.rev == member.rev

    def build(tx: Transaction) -> None:
        tx.update(
            "member",
            Member(member.member_no),
            actions=_tombstone_actions(now),
            condition=(Member.active == False) & rev,  # noqa: E712
        )
        tx.update(
            "ranking", RankingState("meta", "registry"), actions=[RankingState.version.add(1)]
        )
        write(
            tx, actor, key, "member_erase", ("member", member.member_no, ERASED_NAME),
            None, None, [path], answer,
        )  # fmt: skip

    try:
        with Transaction() as tx:
            build(tx)
    except TransactionCancelled as exc:
        if exc.failed("mark"):
            return answer_of(actor.member_no, key) or answer, False
        if exc.failed("member"):
            now_item = registry.get_member(member.member_no, consistent=True)
            if now_item is not None and now_item.erased_at and not personal_left(now_item):
                raise ConflictError(ALREADY) from None
            raise ConflictError(RACE) from None
        if exc.conflict:
            raise ConflictError(RACE) from None
        raise
    return answer, True

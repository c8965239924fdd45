"""Finding a member's items in every table the map (`personal_data`) says holds her, with Queries
and GetItems on her keys only (never a Scan: this runs on a request path) — for her download
(我的数据) and for the deletion of a departed member's data (`personal_erase`).

How each table is reached: her number is the partition key (most), or an index's (`by-member`,
`by-author`, `by-time`), or the key is derived from something of hers (her WeCom bindings from
`Member.bound_to`, her ballots from her vote claims, her exam scores from each of her attempts
and the path of the branch it was made in, her survey answers by `by-member` in whatever unit she
was in then, her grades by year). Records
kept per organisation (transfers, 党员发展, the registry's log) are one Query of her root's or
branch's partition with a filter on her number.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pynamodb.models import Model

from . import clock, directory, points_ledger
from .models.assessment import AssessmentGrade, AssessmentItem
from .models.branch_posts import BranchPost
from .models.directory import DirectoryShard
from .models.dues import DuesAssessment
from .models.dues_collection import DuesMonth, DuesPayment
from .models.interaction import Ballot, Comment, CommentDecision
from .models.lessons import WatchProgress
from .models.meetings import Attendance
from .models.notify import Message, NotifyPrefs
from .models.points import PointClaim, PointDay, PointTotal
from .models.quizzes import QuizAttempt, QuizScore
from .models.reading import ReadingState, ReadMark
from .models.recruitment import Recruit
from .models.red_energy import RedEnergyMovement, RedEnergyOrder, RedEnergyWallet
from .models.registry import Member, OrgUnit
from .models.registry_audit import AuditEntry
from .models.service_requests import ServiceRequest
from .models.signin import SignInBinding, member_binding_key
from .models.surveys import SurveyAnswer
from .models.transfers import Transfer
from .models.volunteering import VolunteerSignup

FIRST_YEAR = 2020  # the earliest 民主评议 year the platform can hold


@dataclass
class Found:
    """Her items, by model; `ledger`: her point days as read through the ledger (their lines are
    not model attributes)."""

    member: Member
    items: dict[type[Model], list[Any]] = field(default_factory=dict)
    ledger: list[points_ledger.Day] = field(default_factory=list)
    # Messages to staff about her (her leave request to the organiser, her transfer to the
    # managers): theirs, so not in her download, but they repeat her name and her reason.
    about: list[Message] = field(default_factory=list)
    # 考核评价's stored periods that list her (a job's rows: rewritten with her name blanked;
    # read only for a deletion).
    assessed: list[AssessmentItem] = field(default_factory=list)

    def add(self, model: type[Model], found: Iterable[Any]) -> None:
        self.items.setdefault(model, []).extend(found)

    def of(self, model: type[Model]) -> list[Any]:
        return self.items.get(model, [])


def _paths(member: Member) -> list[list[str]]:
    """The paths of her branch and of the branch she was in before her last move."""
    ids = [u for u in dict.fromkeys([member.branch_id, member.prior_branch_id]) if u]
    return [list(u.path) for u in OrgUnit.batch_get(ids)]


def _units(ids: Iterable[str]) -> list[OrgUnit]:
    ids = sorted({u for u in ids if u})
    return list(OrgUnit.batch_get(ids)) if ids else []


def _batch(model: type[Model], keys: Iterable[Any]) -> list[Any]:
    keys = list(dict.fromkeys(keys))
    return list(model.batch_get(keys, consistent_read=True)) if keys else []


def _messages_about(member_no: str) -> list[Message]:
    """The messages staff received about her (her leave requests told to the organiser, her
    transfers told to the managers: `outbox.post`'s `about`), by the sparse index."""
    keys = [(m.member_no, m.message_id) for m in Message.about_index.query(member_no)]
    return _batch(Message, keys)


def names_her(data: Any, member_no: str) -> bool:
    """Does a job's stored JSON hold a row of hers ({"member_no": ..., "name": ...})?"""
    if isinstance(data, dict):
        if data.get("member_no") == member_no and data.get("name"):
            return True
        return any(names_her(v, member_no) for v in data.values())
    if isinstance(data, list):
        return any(names_her(v, member_no) for v in data)
    return False


def _assessed(member: Member, paths: list[list[str]]) -> list[AssessmentItem]:
    """The stored 考核评价 periods (every month and year the platform can hold) of her branches,
    and the organisation's, that list her: BatchGets by key, no Query of other units."""
    today = clock.today()
    periods = [f"y{y}" for y in range(FIRST_YEAR, today.year + 1)]
    periods += [
        f"m{y:04d}-{m:02d}"
        for y in range(FIRST_YEAR, today.year + 1)
        for m in range(1, 13)
        if (y, m) <= (today.year, today.month)
    ]
    trees = ["/".join(p) + "/" for p in paths if p]
    keys = [(f"members#{p}", t) for p in periods for t in trees]
    keys += [(f"org#{p}", "#") for p in periods]
    return [i for i in _batch(AssessmentItem, keys) if names_her(i.data, member.member_no)]


def _audit_entries(member_no: str, branches: set[str | None]) -> list[AuditEntry]:
    """The registry log's entries about her, in every branch she was ever in: each branch's
    log holds the console's moves into it (`member_move`, the branch she came from in
    `before`), so the moves are followed back one Query per branch, however many there were."""
    entries: dict[str, AuditEntry] = {}
    todo, seen = sorted(u for u in branches if u), set()
    while todo:
        unit = todo.pop()
        if not unit or unit in seen:
            continue
        seen.add(unit)
        cond = AuditEntry.target_id == member_no
        for e in AuditEntry.query(unit, filter_condition=cond, consistent_read=True):
            entries.setdefault(e.sort, e)
            if e.action == "member_move" and e.before:
                with contextlib.suppress(ValueError, AttributeError):
                    todo.append(json.loads(e.before).get("branch_id"))
    return [entries[k] for k in sorted(entries)]


def find(member: Member, *, ledger: bool = False, erase: bool = False) -> Found:
    """Every item of hers the map names (the ledger's days read only when `ledger`; for a
    deletion, `erase`, also the messages staff got about her and the stored 考核评价 periods
    that list her, which are not hers to download)."""
    no = member.member_no
    out = Found(member)
    out.add(Member, [member])
    paths = _paths(member)
    roots = sorted({p[0] for p in paths if p})

    bindings = []
    for bound in sorted(member.bound_to or ()):
        provider, _, app_id = bound.partition("#")
        try:
            mine = SignInBinding.get(member_binding_key(provider, app_id, no), consistent_read=True)
        except SignInBinding.DoesNotExist:
            continue
        bindings.append(mine)
        with contextlib.suppress(SignInBinding.DoesNotExist):
            bindings.append(SignInBinding.get(f"{provider}#{app_id}#{mine.subject}"))
    out.add(SignInBinding, bindings)

    for model in (
        ReadingState,
        NotifyPrefs,
        RedEnergyWallet,
    ):
        try:
            out.add(model, [model.get(no, consistent_read=True)])
        except model.DoesNotExist:
            out.add(model, [])
    for model in (
        ReadMark,
        WatchProgress,
        PointClaim,
        PointTotal,
        QuizAttempt,
        Message,
        DuesAssessment,
        DuesMonth,
        RedEnergyMovement,
    ):
        out.add(model, model.query(no, consistent_read=True))
    if ledger:
        out.ledger = points_ledger.days(no)
        out.add(PointDay, [])

    comments = [(c.slug, c.comment_id) for c in Comment.by_member.query(no)]
    out.add(Comment, _batch(Comment, comments))
    decisions = []
    for c in out.of(Comment):
        decisions.extend(CommentDecision.query(f"{c.slug}#{c.comment_id}", consistent_read=True))
    out.add(CommentDecision, decisions)

    campaigns = [c.key.split("#", 1)[1] for c in out.of(PointClaim) if c.key.startswith("vote#")]
    out.add(Ballot, _batch(Ballot, ((cid, no) for cid in campaigns)))

    # A score is written under the path of the branch the attempt was made in (quizzes.py
    # `_record_best`), which may be a branch she has since left, more than one move ago.
    exams = [a for a in out.of(QuizAttempt) if a.kind == "exam"]
    branches = {u.unit_id: list(u.path) for u in _units({a.branch_id for a in exams})}
    score_keys = {(f"{a.quiz_id}#{u}", no) for a in exams for u in branches.get(a.branch_id, ())}
    out.add(QuizScore, _batch(QuizScore, sorted(score_keys)))

    meetings = [(a.meeting_id, no) for a in Attendance.by_member.query(no)]
    out.add(Attendance, _batch(Attendance, meetings))
    out.add(DuesPayment, DuesPayment.by_member.query(no))
    out.add(
        VolunteerSignup,
        _batch(VolunteerSignup, ((s.activity_id, no) for s in VolunteerSignup.by_member.query(no))),
    )
    out.add(RedEnergyOrder, RedEnergyOrder.by_member.query(no))
    out.add(BranchPost, BranchPost.by_author.query(no))
    out.add(ServiceRequest, ServiceRequest.by_member.query(no))

    surveys = [a.survey_id for a in SurveyAnswer.by_member.query(no)]
    out.add(SurveyAnswer, _batch(SurveyAnswer, ((sid, no) for sid in surveys)))

    for root in roots:
        out.add(Transfer, Transfer.by_org.query(root, filter_condition=Transfer.member_no == no))
        out.add(Recruit, Recruit.by_tree.query(root, filter_condition=Recruit.member_no == no))
    transfer_units = {u for t in out.of(Transfer) for u in (t.from_unit, t.to_unit)}
    out.add(AuditEntry, _audit_entries(no, {p[-1] for p in paths if p} | transfer_units))

    if erase:
        out.about = _messages_about(no)
        out.assessed = _assessed(member, paths)

    years = range(FIRST_YEAR, clock.today().year + 1)
    out.add(AssessmentGrade, _batch(AssessmentGrade, ((str(y), no) for y in years)))

    try:
        shard = DirectoryShard.get(directory.shard_of(no), consistent_read=True)
        entry = (shard.entries.as_dict() if shard.entries else {}).get(no)
        out.add(DirectoryShard, [shard] if entry is not None else [])
    except DirectoryShard.DoesNotExist:
        out.add(DirectoryShard, [])
    return out

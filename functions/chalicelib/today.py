"""The home page's 今日学习: a member's day in one answer (`GET /me/today`), read on every visit.

What it holds, each from the module that owns it: today's points and how much of each daily cap
is used (`points_figures.rule_progress` over today's ledger day item), the 党章百日学 days she
has read (`reading.progress`), today's 每日答题 attempt (its key names the day), 继续阅读 (the
newest page view in her reading state that she started but has not finished), her next
meeting and, for staff, their to-dos: 待审核 and 待处理评论 counted in the subtrees
`scope.managed_subtrees` gives her — the same Queries the review and moderation lists run,
as counts.

Reads, eventually consistent (a home page may lag a write by a second): one BatchGetItem of
her branch (its path, for scopes), today's ledger day, her reading state and today's daily
attempts; one Query of her 党章 read marks; for 继续阅读, the catalog item (cached in the warm
function) and its read mark; for staff, two count Queries per managed subtree (at most
TODO_LIMIT entries each); her meetings of the next days (`meetings.todo`: one keys-only Query,
and a batch read only when she has some). The published quizzes are cached like the catalog.
"""

from __future__ import annotations

import time
from typing import Any

from . import birthday, clock, inbox, meetings, points_ledger, reading, scope
from .errors import NotFoundError
from .models import (
    CatalogItem,
    Comment,
    Member,
    OrgUnit,
    PointDay,
    Quiz,
    QuizAttempt,
    ReadingState,
    ReviewItem,
)
from .models.base import connection
from .points_figures import rule_progress
from .points_ledger import Day
from .quizzes import attempt_key_for, in_scope

SERIES = "constitution"
TODO_LIMIT = 99  # the home page shows "99+" beyond this: a count never reads more
CONTINUE_CHECKS = 3  # unfinished views looked at for 继续阅读 (newest first)
_QUIZ_CACHE_SECONDS = 300.0
_quiz_cache: tuple[float, list[dict[str, Any]]] | None = None


def _daily_quizzes() -> list[dict[str, Any]]:
    """The listed daily quizzes (id, title, settings): one Query of the sparse `listed` index,
    kept for a few minutes in the warm function (quizzes change only with a publish); none
    found is not kept, so the first publish shows at once."""
    global _quiz_cache
    now = time.monotonic()
    if _quiz_cache is not None and now - _quiz_cache[0] <= _QUIZ_CACHE_SECONDS:
        return _quiz_cache[1]
    found = [
        {"id": q.quiz_id, "title": q.title, "settings": q.settings or {}}
        for q in Quiz.by_listed.query("1")
        if q.kind == "daily"
    ]
    _quiz_cache = (now, found) if found else None
    return found


def _key(**values: str) -> dict[str, Any]:
    return {name: {"S": value} for name, value in values.items()}


def _batch(member: Member, day: str, quiz_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Branch, ledger day, reading state and today's daily attempts: one BatchGetItem."""
    n = member.member_no
    request: dict[str, Any] = {
        OrgUnit.Meta.table_name: {"Keys": [_key(unit_id=member.branch_id)]},
        PointDay.Meta.table_name: {"Keys": [_key(member_no=n, day=day)]},
        ReadingState.Meta.table_name: {"Keys": [_key(member_no=n)]},
    }
    if quiz_ids:
        keys = [_key(member_no=n, attempt_key=attempt_key_for(q, f"d{day}")) for q in quiz_ids]
        request[QuizAttempt.Meta.table_name] = {"Keys": keys}
    found: dict[str, list[dict[str, Any]]] = {}
    while request:
        raw = connection().dispatch("BatchGetItem", {"RequestItems": request})
        for table, items in raw.get("Responses", {}).items():
            found.setdefault(table, []).extend(items)
        request = raw.get("UnprocessedKeys") or {}
    return found


def _one(found: dict[str, list[dict[str, Any]]], model: type) -> dict[str, Any] | None:
    items = found.get(model.Meta.table_name) or []
    return items[0] if items else None


def _caller(member: Member, raw_branch: dict[str, Any] | None) -> scope.Caller:
    if raw_branch is None:
        raise NotFoundError("组织不存在")
    branch = OrgUnit.from_raw_data(raw_branch)
    return scope.Caller(
        member_no=member.member_no,
        path=tuple(branch.path),
        path_kinds=tuple(branch.path_kinds),
        roles=tuple(member.roles or ()),
    )


def _daily_quiz(
    caller: scope.Caller, quizzes: list[dict[str, Any]], attempts: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """Today's daily quiz she may take (in her scope and open now; the first in id order) and
    her attempt at it."""
    now = clock.now()
    mine = [
        q
        for q in quizzes
        if in_scope(q["settings"], caller)
        and not (q["settings"].get("opens") and now < q["settings"]["opens"])
        and not (q["settings"].get("closes") and now >= q["settings"]["closes"])
    ]
    if not mine:
        return None
    quiz = min(mine, key=lambda q: q["id"])
    attempt = next(
        (
            QuizAttempt.from_raw_data(a)
            for a in attempts
            if a.get("quiz_id", {}).get("S") == quiz["id"]
        ),
        None,
    )
    result = (attempt.result or {}) if attempt else {}
    return {
        "id": quiz["id"],
        "title": quiz["title"],
        "count": quiz["settings"].get("count"),
        "status": attempt.status if attempt else None,  # None / "open" / "submitted"
        "done": bool(attempt and attempt.status == "submitted"),
        "correct": result.get("correct"),
        "total": result.get("total"),
        "points": result.get("points"),
    }


def _continue(member_no: str, raw_state: dict[str, Any] | None, read: set[str]) -> Any:
    """The newest view she read some of and has not finished: its item, with how far she is.
    A view that made its item read, or an item with a read mark, is finished."""
    if raw_state is None:
        return None
    views = ReadingState.from_raw_data(raw_state).views
    entries = list(views.attribute_values.values()) if views is not None else []
    finished = {v.get("s") for v in entries if v.get("r")} | read
    seen: set[str] = set()
    checked = 0
    for view in sorted(entries, key=lambda v: float(v.get("t", 0)), reverse=True):
        slug = view.get("s")
        if not slug or slug in seen or slug in finished or not int(view.get("c", 0)):
            continue
        seen.add(slug)
        if checked >= CONTINUE_CHECKS:
            break
        checked += 1
        try:
            item = reading.catalog_item(slug)
        except NotFoundError:
            continue  # left the site since
        if item.kind != SERIES and reading.is_marked(member_no, item):
            continue
        return _continue_entry(item, int(view.get("c", 0)))
    return None


def _continue_entry(item: CatalogItem, credited: int) -> dict[str, Any]:
    need = reading.min_seconds(item)
    return {
        "slug": item.slug,
        "title": item.title,
        "url": item.url,
        "kind": item.kind,
        "series_day": int(item.series_day) if item.series_day is not None else None,
        "percent": max(1, min(99, credited * 100 // need)) if need else 99,
    }


def _todo(caller: scope.Caller) -> dict[str, Any] | None:
    """待审核 and 待处理评论 in the subtrees she manages (None: she manages none)."""
    prefixes = scope.managed_subtrees(caller)
    if not prefixes:
        return None
    review = comments = 0
    for root, prefix in prefixes:
        review += ReviewItem.pending.count(
            root, ReviewItem.pending_path.startswith(prefix), limit=TODO_LIMIT + 1
        )
        comments += Comment.moderation.count(
            f"open#{root}", Comment.mod_path.startswith(prefix), limit=TODO_LIMIT + 1
        )
    return {
        "review": min(review, TODO_LIMIT),
        "review_more": review > TODO_LIMIT,
        "comments": min(comments, TODO_LIMIT),
        "comments_more": comments > TODO_LIMIT,
    }


def for_member(member: Member) -> dict[str, Any]:
    """Everything the home page's 今日学习 panel shows, for the signed-in member."""
    day = clock.today().isoformat()
    quizzes = _daily_quizzes()
    found = _batch(member, day, [q["id"] for q in quizzes])
    caller = _caller(member, _one(found, OrgUnit))
    raw_day = _one(found, PointDay)
    ledger_day = points_ledger.parse(raw_day) if raw_day else Day(member.member_no, day)
    rules = rule_progress(ledger_day)
    series = reading.progress(member.member_no, SERIES)
    return {
        "day": day,
        "name": member.name,
        "points": {"today": sum(r["today"] for r in rules), "rules": rules},
        "constitution": {"days": series["days"], "count": series["count"]},
        "daily_quiz": _daily_quiz(caller, quizzes, found.get(QuizAttempt.Meta.table_name, [])),
        "continue": _continue(member.member_no, _one(found, ReadingState), set(series["slugs"])),
        "todo": _todo(caller),
        "messages": inbox.unread_count(member.member_no),
        # 会议: her meetings of the next days not checked in (meetings.todo).
        "meetings": meetings.todo(member.member_no),
        # 政治生日: today is her anniversary ({years}) or null; no read (birthday.today_mark).
        "birthday": birthday.today_mark(member),
    }

"""Comments (学习点评) on published items: post, list, edit or delete one's own, moderate.

Plain text only: the text is stored as the member typed it (line ends normalised, trimmed) and the
page shows it with textContent, never as HTML or Markdown.

A post is three single-item writes, each safe to repeat (see `post`): the member's day item
counts it against this minute's and today's limits and records the request (one conditional
UpdateItem, `comment_limits`: parallel posts can never exceed the limits; no Scan, no read
first), the comment, its point. The items' visible-comment counters follow from the comments
table's stream (`comment_stream`, applied idempotently), so no request writes a shared counter.
Edits, deletions and decisions update the comment (and the featured set) in one transaction.

Moderation (`COMMENT_MODERATION`): "post" shows a comment at once and reviewers can hide it; "pre"
holds every comment until a reviewer approves. Either way a comment containing a listed word
(`sensitive.py`) is held (审核中, visible only to its author) for a reviewer — never dropped.
A reviewer is whoever `scope` gives "manage" over the commenter's branch; her queue is one Query
per unit her roles apply to on the sparse `moderation` index. Every decision is kept.

Points: `comment` is awarded when a comment becomes visible (posted, or approved) and reversed
when its author deletes it or a reviewer hides it; a comment is never awarded twice.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import PutError
from pynamodb.expressions.condition import size

from . import clock, comment_limits, cursors, points, reading, registry, scope, sensitive
from .errors import (
    BadRequestError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    TooManyRequestsError,
)
from .models import Comment, CommentDecision, CommentStats, Member
from .models.base import Transaction, TransactionCancelled, condition_failed
from .settings import SettingsError, get_settings

VISIBLE, HELD, PENDING, HIDDEN, DELETED = "visible", "held", "pending", "hidden", "deleted"
STATUS_LABELS = {
    VISIBLE: "已发布",
    HELD: "审核中",
    PENDING: "审核中",
    HIDDEN: "已隐藏",
    DELETED: "已删除",
}
MIN_CHARS, MAX_CHARS = 5, 500
EDIT_SECONDS = 15 * 60
PAGE = 20
MAX_FEATURED = 10
QUEUE_LIMIT = 100
MAX_ATTEMPTS = 6
ACTIONS = {"approve", "hide", "restore", "feature", "unfeature"}
ACTION_LABELS = {
    "approve": "通过",
    "hide": "隐藏",
    "restore": "恢复",
    "feature": "设为精选",
    "unfeature": "取消精选",
}

# Creation time in ms (13 digits) + 6 random hex digits: newest first is one Query.
COMMENT_ID = re.compile(r"[0-9]{13}[0-9a-f]{6}")


def moderation_mode() -> str:
    mode = get_settings().comment_moderation
    if mode not in {"pre", "post"}:
        raise SettingsError(f'COMMENT_MODERATION must be "pre" or "post", not {mode!r}')
    return mode


def clean_text(text: str) -> str:
    """LF line ends, no surrounding blanks, 5–500 characters (code points), else 400."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if "\x00" in text:
        raise BadRequestError("评论内容含有无效字符")
    if not MIN_CHARS <= len(text) <= MAX_CHARS:
        raise BadRequestError(f"评论须为 {MIN_CHARS}–{MAX_CHARS} 字（现在 {len(text)} 字）")
    return text


def _mod_keys(status: str, path: list[str], comment_id: str) -> tuple[str | None, str | None]:
    if status == DELETED:
        return None, None
    queue = "open" if status in {HELD, PENDING} else "done"
    return f"{queue}#{path[0]}", "/".join(path) + "/" + comment_id


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(float(ts), clock.TZ).isoformat(timespec="seconds")


def _expiry(seconds: float) -> datetime:
    return datetime.fromtimestamp(clock.now() + seconds, UTC)


def _status_for(hits: list[str]) -> tuple[str, str | None]:
    if hits:
        return HELD, "敏感词：" + "、".join(hits)
    if moderation_mode() == "pre":
        return PENDING, "先审后发"
    return VISIBLE, None


# --- posting ----------------------------------------------------------------------------------


def _new_comment(
    member: Member,
    unit: Any,
    slug: str,
    comment_id: str,
    text: str,
) -> Comment:
    hits = sensitive.find(text)
    status, reason = _status_for(hits)
    mod_root, mod_path = _mod_keys(status, list(unit.path), comment_id)
    return Comment(
        slug,
        comment_id,
        member_no=member.member_no,
        author_name=member.name,
        branch_id=unit.unit_id,
        branch_name=unit.name,
        branch_path=list(unit.path),
        text=text,
        status=status,
        reason=reason,
        hits=hits or None,
        featured=False,
        created_at=int(comment_id[:13]) / 1000,
        mod_root=mod_root,
        mod_path=mod_path,
    )


def _write(comment: Comment) -> bool:
    """Write the comment once; False if an item with its id exists already."""
    try:
        comment.save(condition=Comment.comment_id.does_not_exist())
    except PutError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def _answer(member: Member, comment: Comment, *, replay: bool = False) -> dict[str, Any]:
    """The post's answer; the comment's point is given if it is visible (idempotent)."""
    award = None
    if comment.status == VISIBLE:
        award = points.award(member.member_no, "comment", award_key(comment))
    out = view(comment, member.member_no)
    out["award"] = {"rule": award.rule, "points": award.amount} if award else None
    if replay:
        out["replay"] = True
    return out


def post(member: Member, slug: str, text: str, request_id: str) -> dict[str, Any]:
    """Post a comment; a retry with the same request id returns the comment it made.

    Three single-item writes, each safe to repeat: the member's day item counts the post and
    records the request with the comment's id (`comment_limits.count`), the comment is put
    (condition: not there), its point is awarded. A retry finds the request recorded and
    completes whatever a failure between the writes left undone. The item's visible count
    follows from the comments table's stream (`comment_stream`), not from this request."""
    item = reading.catalog_item(slug)  # 404 for unknown or unpublished items
    text = clean_text(text)
    settings = get_settings()
    unit = registry.get_unit(member.branch_id)
    earlier = comment_limits.made_before(member.member_no, request_id)
    if earlier is not None:
        return _replay(member, unit, item.slug, earlier, text)
    comment_id = f"{int(clock.now() * 1000):013d}{secrets.token_hex(3)}"
    counted = comment_limits.count(
        member.member_no,
        request_id,
        f"{item.slug}#{comment_id}",
        settings.comments_per_minute,
        settings.comments_per_day,
    )
    if isinstance(counted, comment_limits.Refused):
        if counted.window == "minute":
            raise TooManyRequestsError(
                f"评论太频繁：每分钟最多 {settings.comments_per_minute} 条，"
                f"请 {counted.retry_after} 秒后再试",
                counted.retry_after,
            )
        raise TooManyRequestsError(
            f"今天已发表 {settings.comments_per_day} 条评论，达到每日上限，请明天再来",
            counted.retry_after,
        )
    if counted is not None:  # a parallel twin of this request recorded it first
        return _replay(member, unit, item.slug, counted, text)
    return _complete(member, unit, item.slug, comment_id, text, replay=False)


def award_key(comment: Comment) -> str:
    """The points object of the comment's current visible round: its id, then "<id>#<n>" for
    each time it became visible again, so a restored comment earns its point again while one
    round never earns two (the ledger key is per round)."""
    n = int(comment.round or 0)
    return comment.comment_id if n == 0 else f"{comment.comment_id}#{n}"


def _replay(member: Member, unit: Any, slug: str, ref: str, text: str) -> dict[str, Any]:
    """The comment a request made (`ref` "<slug>#<comment id>"), completed if the first attempt
    failed after counting it: the comment is written now (from the retry's text, which is the
    request's), and its point given if still due — the award is idempotent."""
    ref_slug, _, comment_id = ref.partition("#")
    if ref_slug != slug:
        raise ConflictError("请求编号（request_id）已被使用，请刷新页面后重试")
    return _complete(member, unit, slug, comment_id, text, replay=True)


def _complete(
    member: Member, unit: Any, slug: str, comment_id: str, text: str, *, replay: bool
) -> dict[str, Any]:
    """Write the counted comment unless a twin of the request (or its first attempt) did, then
    answer with it and its point."""
    comment = _new_comment(member, unit, slug, comment_id, text)
    if not _write(comment):
        comment = Comment.get(slug, comment_id, consistent_read=True)
        replay = True
        if comment.member_no != member.member_no:  # the same id in the same ms: never ours
            raise ConflictError("请求编号（request_id）已被使用，请刷新页面后重试")
    return _answer(member, comment, replay=replay)


# --- reading ----------------------------------------------------------------------------------


def view(c: Comment, viewer: str | None, caller: scope.Caller | None = None) -> dict[str, Any]:
    """What a page shows of a comment (never the member number of someone else)."""
    mine = viewer is not None and c.member_no == viewer
    editable_until = float(c.created_at) + EDIT_SECONDS
    return {
        "id": c.comment_id,
        "slug": c.slug,
        "author": c.author_name,
        "branch": c.branch_name,
        "text": c.text,
        "status": c.status,
        "status_label": STATUS_LABELS.get(c.status, c.status),
        "featured": bool(c.featured),
        "created_at": _iso(c.created_at),
        "edited": c.edited_at is not None,
        "mine": mine,
        "editable_until": _iso(editable_until)
        if mine and clock.now() < editable_until and c.status != HIDDEN
        else None,
        "can_moderate": caller is not None and scope.unit_access(caller, c.branch_path) == "manage",
    }


def _stats(slug: str) -> CommentStats:
    try:
        return CommentStats.get(slug)
    except CommentStats.DoesNotExist:
        return CommentStats(slug, visible=0)


def list_for(slug: str, member: Member | None, cursor: str | None = None) -> dict[str, Any]:
    """An item's comments, newest first, 精选 first on the first page; held or pending ones only
    for their author. One GetItem (the counter), one Query per page, a BatchGet of the featured."""
    item = reading.catalog_item(slug)
    start = (
        cursors.decode(
            cursor,
            {
                "slug": lambda v: v == item.slug,
                "comment_id": lambda v: bool(COMMENT_ID.fullmatch(v)),
            },
        )
        if cursor
        else None
    )
    viewer = member.member_no if member else None
    caller = registry.caller_for(member) if member and member.roles else None
    stats = _stats(item.slug)
    shown = Comment.status == VISIBLE
    if viewer:
        shown = shown | ((Comment.member_no == viewer) & Comment.status.is_in(HELD, PENDING))
    results = Comment.query(
        item.slug,
        scan_index_forward=False,
        limit=PAGE,
        last_evaluated_key=start,
        filter_condition=shown,
    )
    found = list(results)
    featured_ids = set(stats.featured or ())
    page = [c for c in found if c.comment_id not in featured_ids]
    featured: list[Comment] = []
    if start is None and featured_ids:
        featured = [
            c
            for c in Comment.batch_get([(item.slug, i) for i in featured_ids])
            if c.status == VISIBLE
        ]
        featured.sort(key=lambda c: c.comment_id, reverse=True)
    count = int(stats.visible or 0)
    if start is None and results.last_evaluated_key is None:
        # One page holds every comment: count them here, exact even before the stream function
        # has counted the one just posted (the counter follows within seconds).
        count = sum(1 for c in found if c.status == VISIBLE)
    return {
        "slug": item.slug,
        "count": count,
        "featured": [view(c, viewer, caller) for c in featured],
        "items": [view(c, viewer, caller) for c in page],
        "next": cursors.encode(results.last_evaluated_key),
        "moderation": moderation_mode(),
    }


def counts(slugs: list[str]) -> dict[str, int]:
    """Visible comments per item: one BatchGetItem."""
    found = {s.slug: int(s.visible or 0) for s in CommentStats.batch_get(slugs)}
    return {slug: found.get(slug, 0) for slug in slugs}


def _get(slug: str, comment_id: str) -> Comment:
    try:
        comment = Comment.get(slug, comment_id, consistent_read=True)
    except Comment.DoesNotExist:
        raise NotFoundError("评论不存在或已删除") from None
    if comment.status == DELETED:
        raise NotFoundError("评论不存在或已删除")
    return comment


# --- the author's edits -----------------------------------------------------------------------


def _own(member: Member, slug: str, comment_id: str) -> Comment:
    comment = _get(slug, comment_id)
    if comment.member_no != member.member_no:
        raise ForbiddenError("只能修改或删除自己的评论")
    if comment.status == HIDDEN:
        raise ConflictError("这条评论已被审核人隐藏，不能再修改或删除")
    if clock.now() >= float(comment.created_at) + EDIT_SECONDS:
        raise ForbiddenError("评论发表超过 15 分钟，不能再修改或删除")
    return comment


def _transition(
    comment: Comment,
    status: str,
    extra: list[Any],
    *,
    decision: CommentDecision | None = None,
    unfeature: bool = False,
    feature: bool = False,
) -> None:
    """Move a comment to `status` (condition: its status is still what we read) and keep the
    item's featured set right, in one transaction (the visible count follows from the stream)."""
    before = comment.status
    if status == VISIBLE and before != VISIBLE:
        # Visible (again): a new round, whose point is its own (an earlier round's point was
        # taken back when it was taken down).
        extra = [*extra, Comment.round.set(int(comment.round or 0) + 1)]
        comment.round = int(comment.round or 0) + 1
    mod_root, mod_path = _mod_keys(status, list(comment.branch_path), comment.comment_id)
    actions = [Comment.status.set(status), *extra]
    if mod_root:
        actions += [Comment.mod_root.set(mod_root), Comment.mod_path.set(mod_path)]
    else:
        actions += [Comment.mod_root.remove(), Comment.mod_path.remove()]
    stats_actions = []  # the visible count follows from the stream (comment_stream)
    stats_condition = None
    if unfeature or (comment.featured and status != VISIBLE):
        actions.append(Comment.featured.set(False))
        stats_actions.append(CommentStats.featured.delete({comment.comment_id}))
    if feature:
        actions.append(Comment.featured.set(True))
        stats_actions.append(CommentStats.featured.add({comment.comment_id}))
        stats_condition = CommentStats.featured.does_not_exist() | (
            size(CommentStats.featured) < MAX_FEATURED
        )
    try:
        with Transaction() as tx:
            tx.update(
                "comment",
                comment,
                actions=actions,
                condition=(Comment.status == before) & (Comment.featured == bool(comment.featured)),
            )
            if stats_actions:
                tx.update(
                    "stats",
                    CommentStats(comment.slug),
                    actions=stats_actions,
                    condition=stats_condition,
                )
            if decision is not None:
                tx.save(
                    "decision", decision, condition=CommentDecision.decision_key.does_not_exist()
                )
    except TransactionCancelled as exc:
        if feature and exc.failed("stats"):
            raise ConflictError(f"每篇文章最多 {MAX_FEATURED} 条精选评论") from None
        raise ConflictError("评论刚被修改或审核，请刷新后重试") from None


def edit(member: Member, slug: str, comment_id: str, text: str) -> dict[str, Any]:
    """Change one's own comment within 15 minutes; the word filter runs again."""
    comment = _own(member, slug, comment_id)
    text = clean_text(text)
    hits = sensitive.find(text)
    status, reason = _status_for(hits)
    now = clock.now()
    extra = [Comment.text.set(text), Comment.edited_at.set(now)]
    extra.append(Comment.reason.set(reason) if reason else Comment.reason.remove())
    extra.append(Comment.hits.set(hits) if hits else Comment.hits.remove())
    before = comment.status
    _transition(comment, status, extra)
    comment.status, comment.text, comment.edited_at = status, text, now
    if status != VISIBLE:
        comment.featured = False
    if before == VISIBLE and status != VISIBLE:
        # Its point was for the visible text: an edit that sends it to review gives it back.
        points.reverse(member.member_no, "comment", award_key(comment), note="修改后待审核")
    award = (
        points.award(member.member_no, "comment", award_key(comment)) if status == VISIBLE else None
    )
    out = view(comment, member.member_no)
    out["award"] = {"rule": award.rule, "points": award.amount} if award else None
    return out


def delete(member: Member, slug: str, comment_id: str) -> dict[str, Any]:
    """Soft-delete one's own comment within 15 minutes; its points are reversed."""
    comment = _own(member, slug, comment_id)
    _transition(comment, DELETED, [Comment.edited_at.set(clock.now())])
    points.reverse(member.member_no, "comment", award_key(comment), note="删除评论")
    return {"id": comment_id, "slug": slug, "status": DELETED, "status_label": "已删除"}


# --- moderation -------------------------------------------------------------------------------


def queue(member: Member, which: str = "open") -> dict[str, Any]:
    """ "open": comments waiting for a decision in the caller's scope, oldest first; "recent":
    decided or visible ones, newest first (per unit her roles apply to). One Query per unit."""
    if which not in {"open", "recent"}:
        raise BadRequestError("queue 须为 open 或 recent")
    caller = registry.caller_for(member)
    prefixes = scope.managed_subtrees(caller)
    if not prefixes:
        raise ForbiddenError("只有支部书记及以上的审核人可以管理评论")
    items: list[Comment] = []
    truncated = False
    for root, prefix in prefixes:
        found = Comment.moderation.query(
            f"{'open' if which == 'open' else 'done'}#{root}",
            Comment.mod_path.startswith(prefix),
            scan_index_forward=which == "open",
            limit=QUEUE_LIMIT,
        )
        items.extend(found)
        truncated = truncated or found.last_evaluated_key is not None
    items.sort(key=lambda c: c.comment_id, reverse=which == "recent")
    catalog_titles: dict[str, str] = {}
    out = []
    for c in items:
        entry = view(c, member.member_no, caller)
        entry.update(
            {
                "reason": c.reason,
                "hits": list(c.hits or []),
                "decided_at": _iso(c.decided_at),
                "title": catalog_titles.setdefault(c.slug, _title(c.slug)),
            }
        )
        out.append(entry)
    return {"queue": which, "items": out, "truncated": truncated}


def _title(slug: str) -> str:
    try:
        item = reading.catalog_item(slug)
    except NotFoundError:
        return slug
    return str(item.title)


def decide(
    member: Member, slug: str, comment_id: str, action: str, reason: str | None = None
) -> dict[str, Any]:
    """A reviewer's decision on a comment of her scope; kept in CommentDecision."""
    if action not in ACTIONS:
        raise BadRequestError("操作（action）须为 " + "、".join(sorted(ACTIONS)))
    comment = _get(slug, comment_id)
    caller = registry.caller_for(member)
    if scope.unit_access(caller, comment.branch_path) != "manage":
        raise ForbiddenError("这条评论不在您的管理范围内")
    status, featured = comment.status, bool(comment.featured)
    allowed = {
        "approve": status in {HELD, PENDING},
        "hide": status in {VISIBLE, HELD, PENDING},
        "restore": status == HIDDEN,
        "feature": status == VISIBLE and not featured,
        "unfeature": featured,
    }
    if not allowed[action]:
        raise ConflictError(
            f"评论当前为「{STATUS_LABELS.get(status, status)}{'·精选' if featured else ''}」，"
            f"不能{ACTION_LABELS[action]}"
        )
    now = clock.now()
    at = _iso(now) or ""
    decision = CommentDecision(
        f"{slug}#{comment_id}",
        f"{datetime.fromtimestamp(now, clock.TZ).isoformat(timespec='microseconds')}#{action}",
        action=action,
        reviewer=member.member_no,
        reviewer_name=member.name,
        reason=reason or None,
        decided_at=at,
        branch_id=comment.branch_id,
    )
    extra = [Comment.decided_at.set(now), Comment.decided_by.set(member.member_no)]
    new_status = {"approve": VISIBLE, "hide": HIDDEN, "restore": VISIBLE}.get(action, status)
    if action == "hide":
        extra.append(Comment.reason.set(reason or "审核人隐藏"))
    _transition(
        comment,
        new_status,
        extra,
        decision=decision,
        feature=action == "feature",
        unfeature=action == "unfeature",
    )
    if new_status == VISIBLE and status != VISIBLE:
        points.award(comment.member_no, "comment", award_key(comment))
    if action == "hide" and status == VISIBLE:
        points.reverse(comment.member_no, "comment", award_key(comment), note="评论被隐藏")
    comment.status = new_status
    comment.featured = action == "feature" or (featured and action != "unfeature")
    comment.featured = comment.featured and new_status == VISIBLE
    out = view(comment, member.member_no, caller)
    out["decision"] = {"action": action, "reason": reason or None, "decided_at": at}
    return out


def decisions(member: Member, slug: str, comment_id: str) -> list[dict[str, Any]]:
    """The decision history of one comment (reviewers of its scope only)."""
    comment = _get(slug, comment_id)
    if scope.unit_access(registry.caller_for(member), comment.branch_path) != "manage":
        raise ForbiddenError("这条评论不在您的管理范围内")
    return [
        {
            "action": d.action,
            "label": ACTION_LABELS.get(d.action, d.action),
            "reviewer": d.reviewer,
            "reviewer_name": d.reviewer_name,
            "reason": d.reason,
            "decided_at": d.decided_at,
        }
        for d in CommentDecision.query(f"{slug}#{comment_id}", scan_index_forward=False)
    ]

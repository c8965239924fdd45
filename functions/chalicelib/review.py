"""Content review: register versions, list what a reviewer may decide, approve or return.

A version is (slug, content hash); the hash is SHA-256 over the article's whole source file
(metadata + body, line endings normalised) and the hashes of the files it references (images,
`Photo:`; tools/review_version.py), so changing any of them makes a new version. A reviewer
is whoever `scope` gives "manage" over the article's author unit: the branch secretary, or a
general-branch / party-committee member or admin above it. Decisions are final and kept forever
in `ReviewDecision`; approving also writes `PublishedVersion`, which the publish build reads.
"""

from __future__ import annotations

from typing import Any

from . import clock, registry, review_view, scope
from .errors import ConflictError, ForbiddenError, NotFoundError
from .identifiers import CONTENT_HASH, is_slug
from .models import Member, OrgUnit, PublishedVersion, ReviewDecision, ReviewFile, ReviewItem
from .models.base import Transaction, TransactionCancelled
from .review_text import normalise, source_hash  # noqa: F401 - the version text, kept importable here

PENDING, APPROVED, RETURNED, SUPERSEDED = "pending", "approved", "returned", "superseded"
STATE_LABELS = {
    PENDING: "待审核",
    APPROVED: "已通过",
    RETURNED: "已退回",
    SUPERSEDED: "已被新版本替代",
}
MAX_REASON_CHARS = 500
# Referenced files of one version: each is a condition check in the approval's transaction
# (at most 100 items, 3 of them taken by the decision itself).
MAX_BOUND_FILES = 90
# A reviewer's list is one Query per unit her roles apply to; this bounds each page.
LIST_LIMIT = 200


def now_iso() -> str:
    return clock.local_now().isoformat(timespec="microseconds")


# --- the reviewer's side (API) --------------------------------------------------------------


def _summary(item: ReviewItem, names: dict[str, str]) -> dict[str, Any]:
    """A version as the list shows it; `hash` binds the decision, the screen never shows it."""
    return {
        "slug": item.slug,
        "hash": item.content_hash,
        "title": item.title,
        "category": item.category,
        "branch_id": item.branch_id,
        "unit_name": names.get(item.branch_id, "名册中没有这个单位"),
        "registered_at": item.registered_at,
        "series": item.series,
        "day": int(item.day) if item.day else None,
        "state": item.state,
        "state_label": STATE_LABELS.get(item.state, item.state),
    }


def list_pending(member: Member) -> dict[str, Any]:
    caller = registry.caller_for(member)
    prefixes = scope.managed_subtrees(caller)
    if not prefixes:
        raise ForbiddenError("只有支部书记及以上的审核人可以审核内容")
    items, truncated = [], False
    for root, prefix in prefixes:
        query = ReviewItem.pending.query(
            root, ReviewItem.pending_path.startswith(prefix), limit=LIST_LIMIT
        )
        found = list(query)
        truncated = truncated or query.last_evaluated_key is not None
        items.extend(found)
    items.sort(key=lambda i: (i.series or "", int(i.day or 0), i.registered_at))
    names = registry.unit_names(i.branch_id for i in items)
    return {"items": [_summary(i, names) for i in items], "truncated": truncated}


def _item(slug: str, content_hash: str) -> ReviewItem:
    if not is_slug(slug) or not CONTENT_HASH.fullmatch(content_hash):
        raise NotFoundError("没有这篇待审核内容")
    try:
        return ReviewItem.get(slug, content_hash)
    except ReviewItem.DoesNotExist:
        raise NotFoundError("没有这篇待审核内容") from None


def _authorise(member: Member, item: ReviewItem) -> OrgUnit:
    """The author unit, once the caller is known to manage it (403 otherwise)."""
    caller = registry.caller_for(member)
    # The author unit's current path: a unit moved in the tree is reviewed by its new superiors.
    unit = registry.get_unit(item.branch_id)
    try:
        scope.require_unit(caller, unit.path, "manage")
    except ForbiddenError:
        raise ForbiddenError("这篇内容不在您的审核范围内") from None
    return unit


def get_item(member: Member, slug: str, content_hash: str) -> dict[str, Any]:
    item = _item(slug, content_hash)
    _authorise(member, item)
    try:
        published: PublishedVersion | None = PublishedVersion.get(slug)
    except PublishedVersion.DoesNotExist:
        published = None
    history = [
        {
            "hash": d.content_hash,
            "this_version": d.content_hash == content_hash,
            "decision": d.decision,
            "reviewer": d.reviewer,
            "reviewer_name": d.reviewer_name,
            "reason": d.reason,
            "decided_at": d.decided_at,
        }
        for d in ReviewDecision.query(slug, scan_index_forward=False, limit=20)
    ]
    texts = [item.source_text, *([published.source_text] if published else [])]
    names = registry.unit_names({item.branch_id} | review_view.unit_ids(texts))
    meta, body = review_view.split(item.source_text)
    replaces = published is not None and published.content_hash != content_hash
    return {
        **_summary(item, names),
        "fields": review_view.fields(meta, names),
        "preview_html": review_view.preview(item.preview_html),
        "body": body,
        "published_hash": published.content_hash if published else None,
        # what changes for members if approved: None when nothing of it is published yet
        "changes": review_view.changes(
            published.source_text, published.files, item.source_text, item.files, names
        )
        if replaces
        else None,
        "decided_by": item.decided_by,
        "decided_at": item.decided_at,
        "reason": item.reason,
        "history": history,
    }


def decide(
    member: Member, slug: str, content_hash: str, decision: str, reason: str | None = None
) -> dict[str, Any]:
    """Approve or return exactly this version; 409 if it is no longer pending."""
    item = _item(slug, content_hash)
    unit = _authorise(member, item)
    if item.state != PENDING:
        if item.state == decision and item.decided_by == member.member_no:
            return _decision_result(item)  # a retried request: same answer, nothing written
        if item.state == SUPERSEDED:
            raise ConflictError("内容已更新，这一版本不再待审核；请刷新后审核最新版本")
        raise ConflictError(f"这一版本已审核（{STATE_LABELS.get(item.state, item.state)}）")
    now = now_iso()
    actions = [
        ReviewItem.state.set(decision),
        ReviewItem.decided_at.set(now),
        ReviewItem.decided_by.set(member.member_no),
        ReviewItem.pending_root.remove(),
        ReviewItem.pending_path.remove(),
    ]
    if reason:
        actions.append(ReviewItem.reason.set(reason))
    record = ReviewDecision(
        slug,
        f"{now}#{content_hash}",
        content_hash=content_hash,
        decision=decision,
        reviewer=member.member_no,
        reviewer_name=member.name,
        reason=reason,
        decided_at=now,
        branch_id=item.branch_id,
    )
    files = dict(item.files or {})
    if decision == APPROVED and len(files) > MAX_BOUND_FILES:
        raise ConflictError(
            f"这一版本引用了 {len(files)} 个文件，超过 {MAX_BOUND_FILES} 个，不能审核"
        )
    checks = sorted({d for d in files.values() if d}) if decision == APPROVED else []
    try:
        with Transaction() as tx:
            # The bytes of every referenced file are stored (make review), so the publish build
            # can always serve what is approved here.
            for digest in checks:
                tx.check(
                    f"file {digest}",
                    ReviewFile,
                    digest,
                    0,
                    condition=ReviewFile.parts.exists(),
                )
            tx.update("item", item, actions=actions, condition=ReviewItem.state == PENDING)
            tx.save("decision", record, condition=ReviewDecision.decision_key.does_not_exist())
            if decision == APPROVED:
                tx.save(
                    "published",
                    PublishedVersion(
                        slug,
                        content_hash=content_hash,
                        source_text=item.source_text,
                        source_path=item.source_path,
                        files=files if item.files is not None else None,
                        approved_at=now,
                        approved_by=member.member_no,
                        branch_path=list(unit.path),
                        registered_at=item.registered_at,
                    ),
                    condition=PublishedVersion.registered_at.does_not_exist()
                    | (PublishedVersion.registered_at <= item.registered_at),
                )
    except TransactionCancelled as exc:
        if any(exc.failed(f"file {digest}") for digest in checks):
            raise ConflictError(
                "这一版本引用的图片或附件未登记：请编辑重新运行 make review 后再审核"
            ) from None
        if exc.failed("published"):
            raise ConflictError("已有更新的版本审核通过，这一旧版本不能再发布") from None
        if exc.failed("item") or exc.failed("decision"):
            raise ConflictError("这一版本刚被他人审核或内容已更新，请刷新后重试") from None
        raise
    item.state, item.decided_at, item.decided_by, item.reason = (
        decision,
        now,
        member.member_no,
        reason,
    )
    return _decision_result(item)


def _decision_result(item: ReviewItem) -> dict[str, Any]:
    return {
        "slug": item.slug,
        "hash": item.content_hash,
        "state": item.state,
        "state_label": STATE_LABELS.get(item.state, item.state),
        "decided_at": item.decided_at,
        "decided_by": item.decided_by,
        "reason": item.reason,
    }

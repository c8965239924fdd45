"""The message to reviewers when a version is registered for review (tools/review.py).

It goes to every active staff member who may approve it (the one scope check over the author
unit's path, as the approval itself asks), under `review:<slug>:<version>:request`: registering
the same version again sends nothing twice, a new version of the article asks again."""

from __future__ import annotations

from collections.abc import Sequence

from . import outbox
from .audiences import Context
from .reminder_defs import BODY_MAX_BYTES, fit

KIND = "review_request"


def event_key(slug: str, content_hash: str) -> str:
    return f"review:{slug}:{content_hash}:request"


def request_review(
    ctx: Context, slug: str, content_hash: str, title: str, branch_id: str, path: Sequence[str]
) -> outbox.PostResult:
    """Tell the reviewers of the author unit (its current path; `path` if it is gone)."""
    unit_path = ctx.unit_path(branch_id, path)
    unit = ctx.units().get(branch_id)
    who = unit.name if unit is not None else branch_id
    body = fit(
        f"{who}提交了《{title}》，等待您审核。请在“待审核”中查看并通过或退回。", BODY_MAX_BYTES
    )
    return outbox.post(
        event_key(slug, content_hash),
        KIND,
        ctx.managers_of(unit_path),
        "新内容待审核",
        body,
        f"/review.html#{slug}/{content_hash}",
    )

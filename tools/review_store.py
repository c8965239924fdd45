"""Writing the review tables offline: register versions for review, read the approved versions.

Kept out of `chalicelib` so that the API's IAM role needs no Query on the review items table and
no Scan at all: these run on an editor's machine (`make review`) and in the publish build.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pynamodb.exceptions import UpdateError

from chalicelib.models import PublishedVersion, ReviewItem
from chalicelib.review import PENDING, SUPERSEDED, now_iso


def pending_keys(branch_path: Iterable[str], registered_at: str) -> tuple[str, str]:
    """The sparse GSI's keys: (root unit, "C01/G01/B0101/#<time>")."""
    path = list(branch_path)
    return path[0], "/".join(path) + "/#" + registered_at


@dataclass(frozen=True)
class Submission:
    slug: str
    content_hash: str
    title: str
    category: str
    branch_id: str
    branch_path: tuple[str, ...]
    source_path: str
    source_text: str
    preview_html: str
    series: str | None = None
    day: str | None = None


def register(sub: Submission, by: str | None = None) -> str:
    """Store a version as pending unless it is known; older pending versions are superseded.

    Returns the version's state after the call (pending for a new one).
    """
    try:
        known = ReviewItem.get(sub.slug, sub.content_hash)
        return known.state
    except ReviewItem.DoesNotExist:
        pass
    now = now_iso()
    root, path = pending_keys(sub.branch_path, now)
    item = ReviewItem(
        sub.slug,
        sub.content_hash,
        title=sub.title,
        category=sub.category,
        branch_id=sub.branch_id,
        source_path=sub.source_path,
        source_text=sub.source_text,
        preview_html=sub.preview_html,
        series=sub.series,
        day=sub.day,
        state=PENDING,
        registered_at=now,
        registered_by=by,
        pending_root=root,
        pending_path=path,
    )
    item.save(condition=ReviewItem.content_hash.does_not_exist())
    for older in ReviewItem.query(sub.slug, filter_condition=ReviewItem.state == PENDING):
        if older.content_hash == sub.content_hash:
            continue
        try:
            older.update(
                actions=[
                    ReviewItem.state.set(SUPERSEDED),
                    ReviewItem.pending_root.remove(),
                    ReviewItem.pending_path.remove(),
                ],
                condition=ReviewItem.state == PENDING,
            )
        except UpdateError:  # decided meanwhile: its decision stands
            continue
    return PENDING


def published_versions() -> dict[str, PublishedVersion]:
    """Every approved version members may see, by slug (the publish build; a Scan off-request)."""
    return {p.slug: p for p in PublishedVersion.scan()}

"""Content review: every registered version of an article, every decision, the published versions,
and the bytes of the files those versions reference.

An article version is identified by its slug and its version hash: SHA-256 over its source file
(metadata + body) and the path and SHA-256 of every file it references (images, `Photo:`,
attachments; tools/review_version.py), so an approval covers exactly what the reviewer saw.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BinaryAttribute,
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

from .base import table_meta


class PendingIndex(GlobalSecondaryIndex["ReviewItem"]):
    """Sparse: only pending items carry `pending_root`/`pending_path`.

    `pending_path` is the author unit's path joined with "/" and ending in "/" plus the time of
    registration, so a reviewer's whole subtree is one Query: root = the tree's root unit,
    range key begins with the path of the unit her role applies to.
    """

    class Meta:
        index_name = "pending-by-path"
        projection = IncludeProjection(
            ["title", "category", "branch_id", "registered_at", "series", "day", "state"]
        )

    pending_root = UnicodeAttribute(hash_key=True)
    pending_path = UnicodeAttribute(range_key=True)


class ReviewItem(Model):
    """One version of one article, registered for review by `tools.review register`."""

    Meta = table_meta("review-items")
    slug = UnicodeAttribute(hash_key=True)
    content_hash = UnicodeAttribute(range_key=True)
    title = UnicodeAttribute()
    category = UnicodeAttribute()
    branch_id = UnicodeAttribute()  # the author unit (`Branch:`)
    source_path = UnicodeAttribute()  # relative to content/
    source_text = UnicodeAttribute()  # the exact text under review (metadata + body)
    preview_html = UnicodeAttribute()  # the body rendered with the site's Markdown settings
    # content path -> SHA-256 of each referenced file; None: registered before files were bound
    files = JSONAttribute(null=True)
    series = UnicodeAttribute(null=True)
    day = UnicodeAttribute(null=True)
    state = UnicodeAttribute()  # pending / approved / returned / superseded
    registered_at = UnicodeAttribute()  # ISO 8601, Asia/Shanghai
    registered_by = UnicodeAttribute(null=True)
    decided_at = UnicodeAttribute(null=True)
    decided_by = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    pending_root = UnicodeAttribute(null=True)
    pending_path = UnicodeAttribute(null=True)
    pending = PendingIndex()


class ReviewDecision(Model):
    """Every decision ever taken, never changed: who, when, which version, what, why."""

    Meta = table_meta("review-decisions")
    slug = UnicodeAttribute(hash_key=True)
    decision_key = UnicodeAttribute(range_key=True)  # "<decided_at>#<content_hash>"
    content_hash = UnicodeAttribute()
    decision = UnicodeAttribute()  # approved / returned
    reviewer = UnicodeAttribute()  # member number
    reviewer_name = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    decided_at = UnicodeAttribute()
    branch_id = UnicodeAttribute()


class PublishedVersion(Model):
    """The approved version members see, one per slug; the publish build reads this table.

    The approved source text and the hashes of its referenced files are kept here (the bytes in
    `ReviewFile`), so an approved article whose file or images were changed since keeps being
    published as approved until the change itself is approved.
    """

    Meta = table_meta("review-published")
    slug = UnicodeAttribute(hash_key=True)
    content_hash = UnicodeAttribute()
    source_text = UnicodeAttribute()
    source_path = UnicodeAttribute()
    # content path -> SHA-256 of each referenced file; None: approved before files were bound,
    # and then none of its referenced files is published (README: Review).
    files = JSONAttribute(null=True)
    approved_at = UnicodeAttribute()
    approved_by = UnicodeAttribute()
    branch_path = ListAttribute(of=UnicodeAttribute, null=True)
    # When the approved version was registered: an older version approved late never replaces it.
    registered_at = UnicodeAttribute(null=True)


FILE_PART_BYTES = 350_000


class ReviewFile(Model):
    """The bytes of a file an article version references, by SHA-256 (content-addressed).

    Written by `make review` before the version is registered; an approval checks that they are
    here, and the publish build reads them when the file in content/ no longer has these bytes.
    Stored in parts of at most FILE_PART_BYTES, under DynamoDB's 400 KB item limit; part 0 is
    written last, so its presence means the whole file is stored.
    """

    Meta = table_meta("review-files")
    file_hash = UnicodeAttribute(hash_key=True)
    part = NumberAttribute(range_key=True)
    data = BinaryAttribute(legacy_encoding=False)
    parts = NumberAttribute()
    size = NumberAttribute()

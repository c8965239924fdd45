"""支部家园: members' posts about their branch, shown once their branch's reviewers approve them.

One item per post (`BranchPost`), holding both the version shown (the approved one: `shown_*`)
and the author's latest version (`text`, `photos`, `content_hash`, `version_state`). Four sparse
indexes, each key present only while the post belongs in it:

- `by-branch` (`branch_key` = branch id, `sort`): a branch's shown posts, newest first — the
  branch page is one Query a page.
- `by-feed` (`feed_key` = the committee (党委) above the branch, `sort`): the shown posts of a
  committee's whole subtree, newest first — a member's feed is one Query a page, never a Scan.
- `by-pending` (`pending_root` = the tree's root, `pending_path` = "C1/G1/B1/<post id>"): the
  versions waiting for review; a reviewer's queue is one Query per subtree she reviews.
- `by-author` (`author`, `created_sort`): her own posts in every state.

`sort` is "<first approval, ms>#<post id>": an approved edit does not move a post in the list.
"""

from __future__ import annotations

from pynamodb.attributes import (
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from .base import table_meta


class PostStep(MapAttribute):
    """One act on a post, kept for ever: create / edit / approve / reject / withdraw / takedown."""

    act = UnicodeAttribute()
    by = UnicodeAttribute()
    by_name = UnicodeAttribute(null=True)
    at = NumberAttribute()
    content_hash = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)


class BranchIndex(GlobalSecondaryIndex["BranchPost"]):
    class Meta:
        index_name = "by-branch"
        projection = AllProjection()

    branch_key = UnicodeAttribute(hash_key=True)
    sort = UnicodeAttribute(range_key=True)


class FeedIndex(GlobalSecondaryIndex["BranchPost"]):
    class Meta:
        index_name = "by-feed"
        projection = AllProjection()

    feed_key = UnicodeAttribute(hash_key=True)
    sort = UnicodeAttribute(range_key=True)


class PendingIndex(GlobalSecondaryIndex["BranchPost"]):
    class Meta:
        index_name = "by-pending"
        projection = AllProjection()

    pending_root = UnicodeAttribute(hash_key=True)
    pending_path = UnicodeAttribute(range_key=True)


class AuthorIndex(GlobalSecondaryIndex["BranchPost"]):
    class Meta:
        index_name = "by-author"
        projection = AllProjection()

    author = UnicodeAttribute(hash_key=True)
    created_sort = UnicodeAttribute(range_key=True)


class BranchPost(Model):
    """`state`: "live", "withdrawn" (by the author) or "taken_down" (by a reviewer).
    `version_state` of the latest version: "pending", "approved" or "rejected"."""

    Meta = table_meta("branch-posts")
    post_id = UnicodeAttribute(hash_key=True)  # sha256(author#request key)[:32]
    branch_id = UnicodeAttribute()
    branch_name = UnicodeAttribute()
    branch_path = ListAttribute(of=UnicodeAttribute)
    feed_unit = UnicodeAttribute()
    author = UnicodeAttribute()
    author_name = UnicodeAttribute()
    created_at = NumberAttribute()
    created_sort = UnicodeAttribute()
    state = UnicodeAttribute(default="live")
    # the author's latest version
    text = UnicodeAttribute()
    photos = ListAttribute(of=UnicodeAttribute, default=list)  # kept keys "posts/<token>.<ext>"
    # The photos as the author sent them for this version (upload keys, each kept once under a
    # fresh name): a retried edit is recognised by them.
    sent = ListAttribute(of=UnicodeAttribute, null=True)
    content_hash = UnicodeAttribute()
    version = NumberAttribute(default=1)
    version_state = UnicodeAttribute(default="pending")
    version_at = NumberAttribute()
    hits = ListAttribute(of=UnicodeAttribute, null=True)  # sensitive words, for the reviewer
    reason = UnicodeAttribute(null=True)  # of the last rejection or the takedown
    decided_by = UnicodeAttribute(null=True)
    decided_at = NumberAttribute(null=True)
    # the version shown (approved)
    shown_text = UnicodeAttribute(null=True)
    shown_photos = ListAttribute(of=UnicodeAttribute, null=True)
    shown_hash = UnicodeAttribute(null=True)
    approved_at = NumberAttribute(null=True)
    approved_by = UnicodeAttribute(null=True)
    published_at = NumberAttribute(null=True)  # the first approval
    steps = ListAttribute(of=PostStep, default=list)
    # index keys (sparse)
    branch_key = UnicodeAttribute(null=True)
    feed_key = UnicodeAttribute(null=True)
    sort = UnicodeAttribute(null=True)
    pending_root = UnicodeAttribute(null=True)
    pending_path = UnicodeAttribute(null=True)
    by_branch = BranchIndex()
    by_feed = FeedIndex()
    by_pending = PendingIndex()
    by_author = AuthorIndex()

"""Interaction: comments (学习点评) with their counters, limits and moderation decisions; voting
campaigns (先进风采 投票) with the members' ballots (the vote log) and counters."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from .base import table_meta


class ModerationIndex(GlobalSecondaryIndex["Comment"]):
    """Sparse (deleted comments leave it). `mod_root` is "open#<root>" for comments waiting for a
    decision (held by the word filter, or pending in pre-moderation) and "done#<root>" for the
    rest; `mod_path` is the commenter's branch path joined with "/" plus the comment id, so a
    reviewer's whole subtree is one Query (range key begins with the path of her unit)."""

    class Meta:
        index_name = "moderation"
        projection = AllProjection()

    mod_root = UnicodeAttribute(hash_key=True)
    mod_path = UnicodeAttribute(range_key=True)


class CommentMemberIndex(GlobalSecondaryIndex["Comment"]):
    """Her comments (我的数据, and the deletion of a departed member's data: personal_records.py),
    one Query. Keys only: a comment's updates (status, decisions) never change its keys, so the
    index costs one small write when a comment is posted and none after."""

    class Meta:
        index_name = "by-member"
        projection = KeysOnlyProjection()

    member_no = UnicodeAttribute(hash_key=True)
    comment_id = UnicodeAttribute(range_key=True)


class Comment(Model):
    """One comment on a published item; ids sort by time, so an item's comments are one Query.
    Its stream feeds the items' visible-comment counters (`comment_stream`)."""

    Meta = table_meta("comments", stream="NEW_AND_OLD_IMAGES")
    slug = UnicodeAttribute(hash_key=True)
    comment_id = UnicodeAttribute(range_key=True)  # "<ms since epoch, 13 digits><6 hex>"
    member_no = UnicodeAttribute()
    author_name = UnicodeAttribute()
    branch_id = UnicodeAttribute()
    branch_name = UnicodeAttribute()
    branch_path = ListAttribute(of=UnicodeAttribute)  # the scope check needs no further read
    text = UnicodeAttribute()  # plain text as posted (line ends normalised); never HTML
    status = UnicodeAttribute()  # visible / held / pending / hidden / deleted
    reason = UnicodeAttribute(null=True)  # why it is held or hidden
    hits = ListAttribute(of=UnicodeAttribute, null=True)  # sensitive words found
    featured = BooleanAttribute(default=False)
    created_at = NumberAttribute()
    edited_at = NumberAttribute(null=True)
    decided_at = NumberAttribute(null=True)
    decided_by = UnicodeAttribute(null=True)
    mod_root = UnicodeAttribute(null=True)
    mod_path = UnicodeAttribute(null=True)
    # How many times it became visible again after being taken down (hidden, held by an edit):
    # each such round earns its own point, reversed when that round ends (comments.award_key).
    round = NumberAttribute(null=True)
    moderation = ModerationIndex()
    by_member = CommentMemberIndex()


class CommentStats(Model):
    """Per item: visible comments (kept by the stream aggregator `comment_stream`, which records
    the last stream record it applied in `applied`) and the featured (精选) comment ids (changed
    in a decision's own transaction), so the first page needs no filter over the whole item."""

    Meta = table_meta("comment-stats")
    slug = UnicodeAttribute(hash_key=True)
    visible = NumberAttribute(default=0)
    featured = UnicodeSetAttribute(null=True)
    applied = UnicodeAttribute(null=True)  # the sequence number (40 digits) last applied


class CommentLimit(Model):
    """A member's posting day, "<member>#d<YYYY-mm-dd>" (Asia/Shanghai): today's count, this
    minute's count, and one attribute per request made that day, "r:<request id>" =
    "<slug>#<comment id>" (read and written by `comment_limits`), so counting a post against
    both limits and recording its request for retries is one conditional UpdateItem."""

    Meta = table_meta("comment-limits")
    key = UnicodeAttribute(hash_key=True)
    count = NumberAttribute(default=0)  # posts today
    minute = UnicodeAttribute(null=True)  # "YYYYmmddHHMM" of the last post
    minute_count = NumberAttribute(null=True)  # posts in that minute
    expires_at = TTLAttribute()


class CommentDecision(Model):
    """Every moderation decision, never changed: who, when, which comment, what, why."""

    Meta = table_meta("comment-decisions")
    comment_ref = UnicodeAttribute(hash_key=True)  # "<slug>#<comment id>"
    decision_key = UnicodeAttribute(range_key=True)  # "<ISO time>#<action>"
    action = UnicodeAttribute()  # approve / hide / restore / feature / unfeature
    reviewer = UnicodeAttribute()
    reviewer_name = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    decided_at = UnicodeAttribute()
    branch_id = UnicodeAttribute()  # the commenter's branch


class Campaign(Model):
    """A voting campaign: from content (`Template: campaign` articles, loaded by
    tools/publish_campaigns.py) or created through the API."""

    Meta = table_meta("campaigns")
    campaign_id = UnicodeAttribute(hash_key=True)
    title = UnicodeAttribute()
    url = UnicodeAttribute(null=True)  # the campaign page
    starts_at = NumberAttribute()  # epoch seconds; the window is [starts_at, ends_at)
    ends_at = NumberAttribute()
    votes_per_member = NumberAttribute()
    per_candidate = NumberAttribute(default=1)
    daily_quota = NumberAttribute(null=True)
    units = ListAttribute(of=UnicodeAttribute, default=list)  # empty: the whole organisation
    unit_names = ListAttribute(of=UnicodeAttribute, default=list)
    results = UnicodeAttribute(default="after_close")  # live / after_close
    candidates = JSONAttribute()  # [{"slug", "title", "url"}], in display order
    source = UnicodeAttribute()  # content / api
    published = BooleanAttribute(default=True)
    updated_at = NumberAttribute()
    updated_by = UnicodeAttribute(null=True)


class VoteCount(Model):
    """A candidate's counter, split in shards ("<slug>#<00..09>", summed on read) so that
    parallel votes for one candidate do not all contend for one item."""

    Meta = table_meta("vote-counts")
    campaign_id = UnicodeAttribute(hash_key=True)
    counter = UnicodeAttribute(range_key=True)
    votes = NumberAttribute(default=0)


class Ballot(Model):
    """A member's ballot in one campaign: every vote she cast, keyed by its request id
    ({request id: [candidate, epoch seconds]}), under a version for optimistic locking. Her
    totals, per candidate and per day, are counted from it; the campaign's ballots (one
    partition) are the log the candidate counters are recounted from (tools/recount_votes).
    Attribute names are one letter: they count towards the item's size (chalicelib/votes.py)."""

    Meta = table_meta("vote-ballots")
    campaign_id = UnicodeAttribute(hash_key=True)
    member_no = UnicodeAttribute(range_key=True)
    version = NumberAttribute(attr_name="v", default=0)
    records = MapAttribute(attr_name="r", default=dict)  # request id -> [candidate, seconds]

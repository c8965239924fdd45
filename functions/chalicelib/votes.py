"""Voting campaigns (先进风采 投票): rules, the vote, results.

A campaign has a window (Asia/Shanghai), candidates (exemplar pages) and rules: votes per member,
votes per candidate per member (default 1), an optional daily quota, and the units whose members
may vote (default: everyone). Campaigns come from content (`Template: campaign` articles with
`Vote-*` metadata, loaded by tools/publish_campaigns.py) or from the API (a staff role managing
every unit allowed to vote).

How a vote is written (the decision, and why). Each member has ONE ballot item per campaign
(`Ballot`: partition key the campaign, sort key the member) holding every vote she cast, keyed by
its request id: {request id: [candidate, epoch seconds]}, and a version. A vote reads it (one
consistent GetItem), decides everything in Python on what it read — a replay (the request id is
there: the first answer again), the per-candidate limit, the votes per member, today's quota
(records of the Asia/Shanghai day) — and writes it back with a Put conditional on the version it
read, in a 2-item TransactWriteItems with the candidate's counter shard (ADD 1). Any parallel
vote of the same member changes the version, so all but one of them fail the condition, read
again and decide again: the checks are exact under parallel requests, and 100 parallel
identical votes count once. The totals per candidate and per day are counted from the records,
so a ballot cannot disagree with itself; there are no member counters to drift.

Cost, as AWS bills it: a transaction bills each item 2 units per KB, so a vote is 2 × 1 (the
ballot, under 1 KB) + 2 × 1 (the shard) = 4 write units, and its award 2 more (a claim PutItem
and the day's UpdateItem, chalicelib/points.py): 6. Before, the request record, the vote record,
the member's total, today's counter and the shard were 5 transaction items (10 units) plus the
vote log's GSI write: 13 with the award, 11 without a daily quota (measured by
tests/integration/test_vote_cost.py with its AWS-billing meter). No GSI: a campaign's ballots
are one partition, which `tools.recount_votes` Queries.

The ballot's size: about 50 bytes plus, per vote, the request id, the candidate's slug and ~12
bytes — 66 bytes a vote with the page's UUIDs and a 19-character slug. It stays under 1 KB up to
15 such votes (at least 5 even with 64-character request ids and 100-character slugs); the
default campaign gives 1, ours 2. A campaign that gives a member more (the rules allow up to
1,000) pays 2 units per further KB of her ballot on each of her later votes: a vote with its
award is 2 × ⌈ballot KB⌉ + 4 units — 8 from about the 16th vote, 10 from the 32nd, 12 from the
47th (a ballot of 1,000 votes is ~65–180 KB, under DynamoDB's 400 KB). Request records are kept
for good (they are the log), not 7 days as before. A later vote's award call still writes 2
units (the claim is re-put, the line's condition fails); skipping it would lose the repair of an
award that failed, so it stays.

Hot candidates: the counter is split into COUNTER_SHARDS items summed on read with one Query of
the campaign's partition (a vote adds to the member's shard, to the next one on each retry after
a conflict), so parallel votes for one candidate do not all write one item (DynamoDB cancels
parallel transactions on one item: TransactionConflict). A campaign's ballots share its
partition key, as do its counters: each key takes about 1,000 write units a second, roughly 500
votes a second per campaign with transactional writes — far above what one organisation's
members produce (and DynamoDB splits a hot partition by sort key, the members, beyond that).
"""

from __future__ import annotations

import random
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pynamodb.exceptions import PutError

from . import campaign_rules, clock, metric_names, observe, points, registry, scope
from .errors import (
    BadRequestError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    busy,
)
from .identifiers import is_slug
from .models import Ballot, Campaign, CatalogItem, Member, OrgUnit, VoteCount
from .models.base import Transaction, TransactionCancelled

COUNTER_SHARDS = 10
MAX_ATTEMPTS = 8


def shard(member_no: str, attempt: int = 0) -> int:
    """The counter shard a vote adds to: the member's own, the next one on each retry after a
    conflict. Any shard is right (they are summed); spreading retries avoids a busy one."""
    return (zlib.crc32(member_no.encode()) + attempt) % COUNTER_SHARDS


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(float(ts), clock.TZ).isoformat(timespec="minutes")


def _day(ts: float) -> date:
    return datetime.fromtimestamp(float(ts), clock.TZ).date()


def get_campaign(campaign_id: str) -> Campaign:
    try:
        campaign = Campaign.get(campaign_id)
    except Campaign.DoesNotExist:
        raise NotFoundError("评选活动不存在") from None
    if not campaign.published:
        raise NotFoundError("评选活动不存在")
    return campaign


def phase(campaign: Campaign, now: float | None = None) -> str:
    now = clock.now() if now is None else now
    if now < float(campaign.starts_at):
        return "before"
    if now >= float(campaign.ends_at):
        return "closed"
    return "open"


def may_vote(campaign: Campaign, path: list[str] | tuple[str, ...]) -> bool:
    return not campaign.units or bool(set(campaign.units) & set(path))


def counts(campaign_id: str) -> dict[str, int]:
    """Votes per candidate: one Query of the campaign's counters, shards summed."""
    totals: Counter[str] = Counter()
    for c in VoteCount.query(campaign_id):
        totals[c.counter.rsplit("#", 1)[0]] += int(c.votes or 0)
    return dict(totals)


@dataclass
class Mine:
    """A member's ballot as read: her votes by request id and the version it was read at."""

    version: int = 0
    records: dict[str, tuple[str, float]] = field(default_factory=dict)

    @classmethod
    def of(cls, ballot: Ballot) -> Mine:
        raw = ballot.records.as_dict() if hasattr(ballot.records, "as_dict") else ballot.records
        return cls(
            int(ballot.version or 0),
            {rid: (str(c), float(at)) for rid, (c, at) in (raw or {}).items()},
        )

    @property
    def by_candidate(self) -> Counter[str]:
        return Counter(candidate for candidate, _ in self.records.values())

    @property
    def total(self) -> int:
        return len(self.records)

    def on(self, day: date) -> int:
        return sum(1 for _, at in self.records.values() if _day(at) == day)


def _mine(campaign_id: str, member_no: str) -> Mine:
    """The member's ballot: one consistent GetItem (none yet: an empty one at version 0)."""
    try:
        return Mine.of(Ballot.get(campaign_id, member_no, consistent_read=True))
    except Ballot.DoesNotExist:
        return Mine()


def _my_summary(campaign: Campaign, mine: Mine) -> dict[str, Any]:
    # "today" is the daily quota's use: 0 when the campaign has none (as the API always said).
    used_today = 0
    remaining = int(campaign.votes_per_member) - mine.total
    if campaign.daily_quota is not None:
        used_today = mine.on(clock.today())
        remaining = min(remaining, int(campaign.daily_quota) - used_today)
    return {
        "votes": dict(mine.by_candidate),
        "total": mine.total,
        "today": used_today,
        "remaining": max(0, remaining),
    }


def describe(campaign: Campaign, member: Member | None = None) -> dict[str, Any]:
    """Rules, window, phase, the caller's votes (when signed in) and the counts when results
    are live or the campaign has closed."""
    state = phase(campaign)
    shown = campaign.results == "live" or state == "closed"
    out: dict[str, Any] = {
        "id": campaign.campaign_id,
        "title": campaign.title,
        "url": campaign.url,
        "starts_at": _iso(campaign.starts_at),
        "ends_at": _iso(campaign.ends_at),
        "phase": state,
        "votes_per_member": int(campaign.votes_per_member),
        "per_candidate": int(campaign.per_candidate),
        "daily_quota": None if campaign.daily_quota is None else int(campaign.daily_quota),
        "units": [
            {"id": u, "name": n}
            for u, n in zip(campaign.units, campaign.unit_names or campaign.units, strict=False)
        ],
        "results": campaign.results,
        "candidates": campaign.candidates,
        "counts": counts(campaign.campaign_id) if shown else None,
        "me": None,
    }
    if member is not None:
        unit = registry.get_unit(member.branch_id)
        mine = _mine(campaign.campaign_id, member.member_no)
        out["me"] = {**_my_summary(campaign, mine), "eligible": may_vote(campaign, unit.path)}
    return out


def _refuse_unit(campaign: Campaign) -> ForbiddenError:
    names = "、".join(campaign.unit_names or campaign.units)
    return ForbiddenError(f"本次投票仅限{names}的党员参加")


def _refuse(campaign: Campaign, member: Member, mine: Mine, candidate: str) -> None:
    """Raise the reason this vote may not be cast now, on the ballot as read."""
    state = phase(campaign)
    if state == "before":
        raise ConflictError(f"投票尚未开始（{_iso(campaign.starts_at)} 开始）")
    if state == "closed":
        raise ConflictError(f"投票已结束（{_iso(campaign.ends_at)} 截止）")
    if campaign.units and not may_vote(campaign, registry.get_unit(member.branch_id).path):
        raise _refuse_unit(campaign)
    per_candidate = int(campaign.per_candidate)
    if mine.by_candidate[candidate] >= per_candidate:
        raise ConflictError(
            "您已经为该候选人投过票"
            if per_candidate == 1
            else f"每位候选人最多投 {per_candidate} 票，您已投满"
        )
    if mine.total >= int(campaign.votes_per_member):
        raise ConflictError(f"您在本次评选中的 {int(campaign.votes_per_member)} 票已经投完")
    quota = campaign.daily_quota
    if quota is not None and mine.on(clock.today()) >= int(quota):
        raise ConflictError(f"今天的 {int(quota)} 票已经投完，请明天再来")


def cast(member: Member, campaign_id: str, candidate: str, request_id: str) -> dict[str, Any]:
    """One vote; a retry with the same request id returns the first answer. See the module
    docstring: the ballot read, checked and written back under its version, with the shard."""
    campaign = get_campaign(campaign_id)
    if candidate not in {c["slug"] for c in campaign.candidates}:
        raise NotFoundError("候选人不在本次评选中")
    member_no = member.member_no
    for attempt in range(MAX_ATTEMPTS):
        mine = _mine(campaign_id, member_no)
        if request_id in mine.records:
            # The vote stands; its point is given now if the first attempt failed after the
            # vote was written (the award is idempotent: at most once per campaign).
            award = points.award(member_no, "vote", campaign_id)
            return _answer(campaign, mine, request_id, replay=True, award=award)
        _refuse(campaign, member, mine, candidate)
        now = clock.now()
        records = {**mine.records, request_id: (candidate, int(now))}
        ballot = Ballot(
            campaign_id,
            member_no,
            version=mine.version + 1,
            records={rid: [c, int(at)] for rid, (c, at) in records.items()},
        )
        read_at = (
            Ballot.member_no.does_not_exist()
            if mine.version == 0
            else Ballot.version == mine.version
        )
        try:
            with Transaction() as tx:
                tx.save("ballot", ballot, condition=read_at)
                tx.update(
                    "count",
                    VoteCount(campaign_id, f"{candidate}#{shard(member_no, attempt):02d}"),
                    actions=[VoteCount.votes.add(1)],
                )
        except TransactionCancelled as exc:
            if not (exc.conflict or exc.failed("ballot")):
                raise
            # A parallel request changed the ballot (or a shard was busy: the next attempt
            # takes the next shard): read again; the checks then give the right answer
            # (replay, already voted, quota used). Jittered exponential backoff, < 1 s in all.
            time.sleep(random.uniform(0, min(0.2, 0.01 * 2**attempt)))
            continue
        observe.count(metric_names.VOTES)
        award = points.award(member_no, "vote", campaign_id)
        return _answer(campaign, Mine(mine.version + 1, records), request_id, award=award)
    raise busy()


def _answer(
    campaign: Campaign,
    mine: Mine,
    request_id: str,
    *,
    replay: bool = False,
    award: points.Award | None = None,
) -> dict[str, Any]:
    """The vote's answer from the ballot in hand (what was just written is not read again)."""
    candidate, at = mine.records[request_id]
    return {
        "campaign": campaign.campaign_id,
        "candidate": candidate,
        "voted_at": _iso(at),
        "replay": replay,
        "me": {**_my_summary(campaign, mine), "eligible": True},
        "counts": counts(campaign.campaign_id)
        if campaign.results == "live" or phase(campaign) == "closed"
        else None,
        "award": {"rule": award.rule, "points": award.amount} if award else None,
    }


# --- campaigns through the API -----------------------------------------------------------------


def _require_manage(caller: scope.Caller, units: list[str]) -> dict[str, OrgUnit]:
    """The caller must manage every unit allowed to vote (none listed: the organisation's root).
    Returns the units found; an unknown unit is a 400."""
    found = {u.unit_id: u for u in OrgUnit.batch_get(units)} if units else {}
    missing = [u for u in units if u not in found]
    if missing:
        raise BadRequestError("单位不存在：" + "、".join(missing))
    for path in [found[u].path for u in units] or [[caller.path[0]]]:
        if scope.unit_access(caller, path) != "manage":
            raise ForbiddenError("只有管理全部参评单位的党委委员或管理员可以设置评选")
    return found


def save_campaign(member: Member, campaign_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Create or change an API campaign; the caller must manage every unit allowed to vote
    (the whole organisation: its root). Rules are fixed once voting has started."""
    caller = registry.caller_for(member)
    rules, problems = campaign_rules.check(
        {f: body.get(f) for f in campaign_rules.FIELDS}, campaign_rules.API_LABELS
    )
    if rules is None:
        raise BadRequestError("；".join(p.message for p in problems))
    units = list(rules.units)
    found = _require_manage(caller, units)
    slugs: list[str] = body["candidates"]
    if not slugs or len(slugs) > 100 or not all(is_slug(s) for s in slugs):
        raise BadRequestError("candidates 须为 1–100 个候选文章的 slug")
    if len(set(slugs)) != len(slugs):
        raise BadRequestError("candidates 中有重复的候选人")
    items = {i.slug: i for i in CatalogItem.batch_get(slugs)}
    unknown = [s for s in slugs if s not in items or not items[s].published]
    if unknown:
        raise BadRequestError("候选文章不存在或尚未发布：" + "、".join(unknown))
    try:
        existing: Campaign | None = Campaign.get(campaign_id, consistent_read=True)
    except Campaign.DoesNotExist:
        existing = None
    if existing is not None:
        # Changing a campaign needs the same right over the units it has now as over the new ones.
        _require_manage(caller, existing.units or [])
        if existing.source != "api":
            raise ConflictError("该评选由内容（评选文章）定义，请修改文章并审核发布")
        if phase(existing) != "before":
            raise ConflictError("投票已开始，评选规则不能再修改")
    campaign = Campaign(
        campaign_id,
        title=body["title"].strip(),
        url=None,
        starts_at=rules.starts_at.timestamp(),
        ends_at=rules.ends_at.timestamp(),
        votes_per_member=rules.votes_per_member,
        per_candidate=rules.per_candidate,
        daily_quota=rules.daily_quota,
        units=units,
        unit_names=[found[u].name for u in units],
        results=rules.results,
        candidates=[{"slug": s, "title": items[s].title, "url": items[s].url} for s in slugs],
        source="api",
        published=True,
        updated_at=clock.now(),
        updated_by=member.member_no,
    )
    condition = (
        Campaign.campaign_id.does_not_exist()
        if existing is None
        else Campaign.updated_at == existing.updated_at
    )
    try:
        campaign.save(condition=condition)
    except PutError:
        raise ConflictError("评选刚被他人修改，请刷新后重试") from None
    return describe(campaign)

"""Voting campaigns (先进风采 投票): rules, the vote, results.

A campaign has a window (Asia/Shanghai), candidates (exemplar pages) and rules: votes per member,
votes per candidate per member (default 1), an optional daily quota, and the units whose members
may vote (default: everyone). Campaigns come from content (`Template: campaign` articles with
`Vote-*` metadata, loaded by tools/publish_campaigns.py) or from the API (a staff role managing
every unit allowed to vote).

A vote is ONE TransactWriteItems: the request record (idempotency), the vote record
"v#<candidate>#<n>" (condition: not there, so a member's n-th vote for a candidate exists once
and the per-candidate limit holds), the member's campaign counter (condition count < votes per
member), today's counter when there is a daily quota (condition count < quota) and the
candidate's counter (ADD 1). 100 parallel identical votes therefore count exactly once.
The vote records are the log: `python -m tools.recount_votes` recounts every counter from them.

Hot candidates: the counter is split into COUNTER_SHARDS items (the member's shard, summed on
read with one Query of the campaign's partition), so parallel votes for one candidate do not
all write one item (DynamoDB cancels parallel transactions on one item: TransactionConflict).
All counters of a campaign share its partition key, which takes about 1,000 write units a
second: a transactional write costs 2, so roughly 500 votes a second per campaign — far above
what one organisation's members produce; beyond that the partition key itself would need shards.
"""

from __future__ import annotations

import time
import zlib
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.exceptions import PutError

from . import campaign_rules, clock, points, registry, scope
from .errors import (
    BadRequestError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    busy,
)
from .identifiers import is_slug
from .models import Campaign, CatalogItem, Member, OrgUnit, Vote, VoteCount
from .models.base import Transaction, TransactionCancelled

COUNTER_SHARDS = 10
MAX_ATTEMPTS = 8
REQUEST_DAYS = 7


def shard(member_no: str) -> int:
    return zlib.crc32(member_no.encode()) % COUNTER_SHARDS


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(float(ts), clock.TZ).isoformat(timespec="minutes")


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


def _mine(campaign_id: str, member_no: str) -> dict[str, Any]:
    """The member's votes and counters in this campaign: one consistent Query."""
    out: dict[str, Any] = {"by_candidate": Counter(), "total": 0, "days": {}, "requests": {}}
    for v in Vote.query(f"{campaign_id}#{member_no}", consistent_read=True):
        if v.item.startswith("v#"):
            out["by_candidate"][v.candidate] += 1
        elif v.item == "total":
            out["total"] = int(v.count or 0)
        elif v.item.startswith("d"):
            out["days"][v.item[1:]] = int(v.count or 0)
        elif v.item.startswith("r#"):
            out["requests"][v.item[2:]] = v
    return out


def _my_summary(campaign: Campaign, mine: dict[str, Any]) -> dict[str, Any]:
    today = clock.today().isoformat()
    used_today = mine["days"].get(today, 0)
    remaining = int(campaign.votes_per_member) - mine["total"]
    if campaign.daily_quota is not None:
        remaining = min(remaining, int(campaign.daily_quota) - used_today)
    return {
        "votes": dict(mine["by_candidate"]),
        "total": mine["total"],
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


def cast(member: Member, campaign_id: str, candidate: str, request_id: str) -> dict[str, Any]:
    """One vote; a retry with the same request id returns the first answer."""
    campaign = get_campaign(campaign_id)
    if candidate not in {c["slug"] for c in campaign.candidates}:
        raise NotFoundError("候选人不在本次评选中")
    voter = f"{campaign_id}#{member.member_no}"
    for attempt in range(MAX_ATTEMPTS):
        mine = _mine(campaign_id, member.member_no)
        if request_id in mine["requests"]:
            # The vote stands; its point is given now if the first attempt failed after the
            # vote was written (the award is idempotent: at most once per campaign).
            award = points.award(member.member_no, "vote", campaign_id)
            return _answer(campaign, member, mine["requests"][request_id], replay=True, award=award)
        state = phase(campaign)
        if state == "before":
            raise ConflictError(f"投票尚未开始（{_iso(campaign.starts_at)} 开始）")
        if state == "closed":
            raise ConflictError(f"投票已结束（{_iso(campaign.ends_at)} 截止）")
        if campaign.units and not may_vote(campaign, registry.get_unit(member.branch_id).path):
            raise _refuse_unit(campaign)
        n = mine["by_candidate"][candidate] + 1
        per_candidate = int(campaign.per_candidate)
        if n > per_candidate:
            raise ConflictError(
                "您已经为该候选人投过票"
                if per_candidate == 1
                else f"每位候选人最多投 {per_candidate} 票，您已投满"
            )
        if mine["total"] >= int(campaign.votes_per_member):
            raise ConflictError(f"您在本次评选中的 {int(campaign.votes_per_member)} 票已经投完")
        today = clock.today()
        if campaign.daily_quota is not None and mine["days"].get(today.isoformat(), 0) >= int(
            campaign.daily_quota
        ):
            raise ConflictError(f"今天的 {int(campaign.daily_quota)} 票已经投完，请明天再来")
        now = clock.now()
        expires = datetime.fromtimestamp(now, UTC) + timedelta(days=REQUEST_DAYS)
        try:
            with Transaction() as tx:
                tx.save(
                    "request",
                    Vote(
                        voter,
                        f"r#{request_id}",
                        candidate=candidate,
                        ordinal=n,
                        at=now,
                        expires_at=expires,
                    ),
                    condition=Vote.item.does_not_exist(),
                )
                tx.save(
                    "vote",
                    Vote(
                        voter,
                        f"v#{candidate}#{n}",
                        candidate=candidate,
                        ordinal=n,
                        at=now,
                        request_id=request_id,
                        log_campaign=campaign_id,
                        log_key=f"{candidate}#{int(now * 1000):013d}#{member.member_no}#{n}",
                    ),
                    condition=Vote.item.does_not_exist(),
                )
                tx.update(
                    "total",
                    Vote(voter, "total"),
                    actions=[Vote.count.add(1)],
                    condition=Vote.count.does_not_exist()
                    | (Vote.count < int(campaign.votes_per_member)),
                )
                if campaign.daily_quota is not None:
                    tx.update(
                        "today",
                        Vote(voter, f"d{today.isoformat()}"),
                        actions=[Vote.count.add(1), Vote.expires_at.set(expires)],
                        condition=Vote.count.does_not_exist()
                        | (Vote.count < int(campaign.daily_quota)),
                    )
                tx.update(
                    "count",
                    VoteCount(campaign_id, f"{candidate}#{shard(member.member_no):02d}"),
                    actions=[VoteCount.votes.add(1)],
                )
        except TransactionCancelled as exc:
            if not (exc.conflict or "ConditionalCheckFailed" in exc.reasons.values()):
                raise
            # A parallel request changed what we read (or the item was busy): read again; the
            # checks above then give the right answer (replay, already voted, quota used).
            time.sleep(0.005 * (attempt + 1))
            continue
        award = points.award(member.member_no, "vote", campaign_id)
        record = Vote(voter, f"r#{request_id}", candidate=candidate, ordinal=n, at=now)
        return _answer(campaign, member, record, replay=False, award=award)
    raise busy()


def _answer(
    campaign: Campaign,
    member: Member,
    record: Vote,
    *,
    replay: bool,
    award: points.Award | None = None,
) -> dict[str, Any]:
    mine = _mine(campaign.campaign_id, member.member_no)
    return {
        "campaign": campaign.campaign_id,
        "candidate": record.candidate,
        "voted_at": _iso(record.at),
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

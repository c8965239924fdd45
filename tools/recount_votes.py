"""Recount every vote counter from the vote log and report drift:
`python -m tools.recount_votes [CAMPAIGN ...] [--fix]`.

The vote records ("v#<candidate>#<n>" in the votes table) are the log. For each campaign (all
campaigns when none is named) this reads the log with Queries of the sparse `log` index, the
candidate counters with one Query and the members' "total" counters of the members who voted,
and prints every counter that differs from the log. `--fix` rewrites the differing counters
(a candidate's count goes into shard 00, its other shards to 0). Exit code 1 when drift was
found and not fixed.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass

from chalicelib.models import Campaign, Vote, VoteCount
from chalicelib.votes import COUNTER_SHARDS


@dataclass
class Drift:
    campaign_id: str
    counter: str  # "candidate <slug>" or "member <no>"
    recorded: int
    logged: int

    def __str__(self) -> str:
        return (
            f"{self.campaign_id}: {self.counter} 计数 {self.recorded}，投票记录 {self.logged}"
            f"（相差 {self.recorded - self.logged:+d}）"
        )


def recount(campaign_id: str, fix: bool = False) -> tuple[dict[str, int], list[Drift]]:
    """(votes per candidate from the log, the drifts found); rewrites them when `fix`."""
    by_candidate: Counter[str] = Counter()
    by_member: Counter[str] = Counter()
    for record in Vote.log.query(campaign_id):
        candidate, _, member_no, _ = record.log_key.split("#")
        by_candidate[candidate] += 1
        by_member[member_no] += 1
    shards: dict[str, list[VoteCount]] = {}
    for c in VoteCount.query(campaign_id, consistent_read=True):
        shards.setdefault(c.counter.rsplit("#", 1)[0], []).append(c)
    drifts = []
    for candidate in sorted(set(by_candidate) | set(shards)):
        recorded = sum(int(c.votes or 0) for c in shards.get(candidate, []))
        if recorded != by_candidate[candidate]:
            drifts.append(
                Drift(campaign_id, f"候选人 {candidate}", recorded, by_candidate[candidate])
            )
            if fix:
                with VoteCount.batch_write() as batch:
                    for s in range(COUNTER_SHARDS):
                        votes = by_candidate[candidate] if s == 0 else 0
                        batch.save(VoteCount(campaign_id, f"{candidate}#{s:02d}", votes=votes))
    totals = {
        t.voter.split("#", 1)[1]: t
        for t in Vote.batch_get([(f"{campaign_id}#{m}", "total") for m in by_member])
    }
    for member_no, logged in sorted(by_member.items()):
        recorded = int(totals[member_no].count or 0) if member_no in totals else 0
        if recorded != logged:
            drifts.append(Drift(campaign_id, f"党员 {member_no} 已投票数", recorded, logged))
            if fix:
                Vote(f"{campaign_id}#{member_no}", "total", count=logged).save()
    return dict(by_candidate), drifts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="从投票记录重新计票，报告计数偏差")
    parser.add_argument("campaigns", nargs="*", help="评选编号（默认：全部评选）")
    parser.add_argument("--fix", action="store_true", help="按投票记录改正有偏差的计数")
    args = parser.parse_args(argv)
    # Listing every campaign is a Scan: fine in an offline tool (there are few campaigns).
    ids = args.campaigns or sorted(c.campaign_id for c in Campaign.scan())
    found = 0
    for campaign_id in ids:
        counts, drifts = recount(campaign_id, fix=args.fix)
        total = sum(counts.values())
        print(f"{campaign_id}: 投票记录 {total} 票，{len(counts)} 位候选人，偏差 {len(drifts)} 处")
        for drift in drifts:
            print(f"  {drift}" + ("（已改正）" if args.fix else ""))
        found += len(drifts)
    return 1 if found and not args.fix else 0


if __name__ == "__main__":
    sys.exit(main())

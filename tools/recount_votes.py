"""Recount every vote counter from the vote log and report drift:
`python -m tools.recount_votes [CAMPAIGN ...] [--fix]`.

The members' ballots (the `vote-ballots` table: one item per member and campaign, every vote she
cast keyed by its request id) are the log. For each campaign (all campaigns when none is named)
this reads the campaign's ballots with one Query of its partition, the candidate counters with
one Query, and prints every counter that differs from the log. `--fix` rewrites the differing
counters (a candidate's count goes into shard 00, its other shards to 0). A member's own totals
(per candidate, per day) are counted from her ballot, so they cannot drift. Exit code 1 when
drift was found and not fixed.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass

from chalicelib.models import Ballot, Campaign, VoteCount
from chalicelib.votes import COUNTER_SHARDS, Mine


@dataclass
class Drift:
    campaign_id: str
    counter: str  # "候选人 <slug>"
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
    for ballot in Ballot.query(campaign_id, consistent_read=True):
        by_candidate.update(Mine.of(ballot).by_candidate)
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

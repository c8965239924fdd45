"""The yearly recalculation of 党费 (`make dues-recalculate ARGS="--from 2027-01"`): every active
member's assessment in force at that month, computed again with the rules now in the file and
recorded from that month (dues_assessment.reassess). History is kept: the months before keep
their assessments; a month already assessed is left as it is (reported when the rules would
now give another amount: correct it through the import with --correct).

    --from YYYY-MM        the month the new assessments take effect (each January)
    --reason yearly       every member gets the year's assessment (default)
    --reason rules_change after dues_rules.toml changed: only members whose amount or
                          explanation changes get a new one
    --dry-run             count, write nothing

Off the request path: reads the assessments table whole (a Scan) and the registry.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

from chalicelib import dues_assessment
from chalicelib.dues_assessment import AssessmentConflictError, DuesInputError
from chalicelib.dues_rules import DuesRulesError, Rules
from chalicelib.models.dues import DuesAssessment
from tools.registry_import import load_members


@dataclass
class Counts:
    created: int = 0
    unchanged: int = 0
    stale: int = 0  # assessments in force made under other rules than the file's now
    skipped: list[str] = field(default_factory=list)  # "<member_no>: why"


def assessed_members() -> list[str]:
    return sorted({i.member_no for i in DuesAssessment.scan(attributes_to_get=["member_no"])})


def recalculate(
    month: str, reason: str, rules: Rules, *, by: str = "recalculate", dry_run: bool = False
) -> Counts:
    dues_assessment.check_month(month)
    members = {m.member_no: m for m in load_members()}
    counts = Counts()
    for no in assessed_members():
        member = members.get(no)
        if member is None or not member.active:
            continue  # left the registry or deactivated: nothing more to assess
        current = dues_assessment.in_force(no, month)
        if current is not None and current.rules_digest != rules.digest:
            counts.stale += 1
        newest = dues_assessment.latest(no)
        if newest is not None and newest.effective_from > month:
            counts.skipped.append(f"{no}：已有 {newest.effective_from} 的核定，未改动")
            continue
        try:
            done = dues_assessment.reassess(
                no, month, reason, branch_id=member.branch_id, by=by, rules=rules, dry_run=dry_run
            )
        except (AssessmentConflictError, DuesInputError) as exc:
            counts.skipped.append(f"{no}：{exc}")
            continue
        if done is None:
            continue
        if done.outcome == "created":
            counts.created += 1
        else:
            counts.unchanged += 1
    return counts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="按最新基数和现行标准重新核定全体党员的党费")
    parser.add_argument(
        "--from", dest="month", required=True, help="生效月份 YYYY-MM（如每年 1 月）"
    )
    parser.add_argument("--reason", choices=("yearly", "rules_change"), default="yearly")
    parser.add_argument("--dry-run", action="store_true", help="只统计，不写入")
    args = parser.parse_args(argv)
    from chalicelib.dues_rules import rules

    try:
        the_rules = rules()
        counts = recalculate(args.month, args.reason, the_rules, dry_run=args.dry_run)
    except (DuesRulesError, DuesInputError) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(
        f"{args.month} 起重新核定：新核定 {counts.created} 人，未变 {counts.unchanged} 人，"
        f"跳过 {len(counts.skipped)} 人。"
    )
    if counts.stale:
        print(f"其中 {counts.stale} 人此前按旧版交纳标准核定（dues_rules.toml 已改动）。")
    for line in counts.skipped:
        print(f"  跳过 {line}")
    if args.dry_run:
        print("试运行（--dry-run）：未写入数据库。")
    return 0


if __name__ == "__main__":
    sys.exit(main())

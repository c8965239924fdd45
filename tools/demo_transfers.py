"""The demo organisation's 组织关系转接 for `make dev`: two transfers between branches completed
in the last weeks, one still waiting for the receiving branch past the prescribed time (超时),
and one 介绍信 out to another organisation waiting for its 回执.

Played through `chalicelib.transfers` itself (start, then the receiving secretary's approval),
with this thread's clock moved to each moment (`demo_activity.moved_clock`), so every step has
its staff member and its time, the moves take the real path (conditional writes, invitations
withdrawn, the ranking job told) and the letter gets the organisation's next number.

Idempotent: each transfer's id derives from its staff member and a fixed request key, so a
second run finds it and writes nothing. `make dev` re-imports the demo registry on every start;
the import keeps a moved member where the transfer left her (`Member.placed_by`), and should a
database from before that hold her old branch, the run writes her registry item as the completed
transfer left it (her branch, where her closed months count).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime

from chalicelib import clock, ranking_log, registry, transfers
from chalicelib.models import Member
from chalicelib.models.transfers import Transfer
from tools import demo_activity, demo_meetings, demo_registry


@dataclass(frozen=True)
class Planned:
    key: str
    kind: str  # internal / out
    from_unit: str
    to_unit: str | None
    other_org: str | None
    reason: str
    started_days_ago: float
    approved_days_ago: float | None


PLANNED = (
    Planned("demo-transfer-0001", "internal", "B0102", "B0101", None,
            "工作调动，调入公司本部办公室", 45.3, 41.6),
    Planned("demo-transfer-0002", "internal", "B0301", "B0402", None,
            "岗位交流，到城郊供电所任职", 20.4, 12.7),
    Planned("demo-transfer-0003", "internal", "B0201", "B0202", None,
            "部门调整，随班组转入", 33.6, None),
    Planned("demo-transfer-0004", "out", "B0401", None, "国网某某市供电公司党委",
            "调往国网某某市供电公司工作", 3.2, None),
)  # fmt: skip


def _staff(people: dict[str, list[demo_meetings.Person]], branch: str) -> str:
    return next(p.member_no for p in people[branch] if "branch_secretary" in p.roles)


def _mover(people: dict[str, list[demo_meetings.Person]], branch: str) -> str:
    """The branch's last member without a role who is not a demo account."""
    accounts = {a.member_no for a in demo_registry.DEMO_ACCOUNTS}
    plain = [p for p in people[branch] if not p.roles and p.member_no not in accounts]
    return plain[-1].member_no


def seed() -> tuple[int, int]:
    """Play the planned transfers; returns (started now, registry items put back)."""
    people = demo_meetings.people()
    started = restored = 0
    now = clock.now()
    for plan in PLANNED:
        sender = Member.get(_staff(people, plan.from_unit))
        member_no = _mover(people, plan.from_unit)
        tid = transfers._transfer_id(registry.caller_for(sender), plan.key)
        try:
            found = Transfer.get(tid, consistent_read=True)
        except Transfer.DoesNotExist:
            found = None
        if found is None:
            _play(plan, sender, member_no, people, now)
            started += 1
        elif found.state == "done" and found.kind == "internal":
            restored += _restore(found)
    if restored:
        ranking_log.registry_changed()
    return started, restored


def _play(plan: Planned, sender: Member, member_no: str, people, now: float) -> None:
    with demo_activity.moved_clock() as at:
        at[0] = now - plan.started_days_ago * 86400
        body = {"member_no": member_no, "reason": plan.reason, "request_key": plan.key}
        caller = registry.caller_for(sender)
        if plan.kind == "out":
            transfers.start_out(caller, sender, {**body, "other_org": plan.other_org})
            return
        answer, _ = transfers.start_internal(caller, sender, {**body, "to_unit": plan.to_unit})
        if plan.approved_days_ago is None or plan.to_unit is None:
            return
        at[0] = now - plan.approved_days_ago * 86400
        receiver = Member.get(_staff(people, plan.to_unit))
        transfers.decide(registry.caller_for(receiver), receiver, answer["id"], "approve", None)


def _restore(t: Transfer) -> int:
    """Her registry item as the completed transfer left it, if an import reset it (the import
    keeps what transfers did since `placed_by`; this still repairs a database written before)."""
    member = Member.get(t.member_no, consistent_read=True)
    if member.branch_id == t.to_unit:
        return 0
    month = datetime.fromtimestamp(t.ended_at or t.started_at, clock.TZ).strftime("%Y-%m")
    Member(t.member_no).update(
        actions=[
            Member.branch_id.set(t.to_unit),
            Member.prior_branch_id.set(t.from_unit),
            Member.branch_since.set(month),
        ],
        condition=Member.member_no.exists(),
    )
    return 1


def main() -> int:
    started, restored = seed()
    print(f"示范组织关系转接：新办理 {started} 件，恢复转接后的所在支部 {restored} 人")
    return 0


if __name__ == "__main__":
    sys.exit(main())

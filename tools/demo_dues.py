"""The demo organisation's 党费 for `make dev`: the last three months and this one, as finance's
bank exports and the branches' cash desks would have recorded them.

Needs the demo assessments (核定), written by `tools/demo_dues_assessment.py` first (`make dev`
runs it, then this, then the transfers: each month is opened at the branch she was in, and a
member transferred out keeps her history): a member without one stays 未核定, no payments.
For each assessed active member, from an RNG seeded by SEED and her number: most pay each month
by bank (references `DEMO<YYYYMM><member no>`, paid between the 5th and the 20th);
about one in twelve stopped paying three months ago (arrears); about one in sixteen paid half
year ahead this month (advance, at the branch's desk in cash); some paid last month only in
part; this month about half have paid so far. Every payment goes through
`dues_collection.record` (allocated oldest month first, exactly as the API and the import do).
Idempotent: references are deterministic and recorded once, and months already opened are
left as they are, so a second run changes nothing.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Sequence
from datetime import date

from chalicelib import clock, dues_assessment
from chalicelib import dues_collection as dc
from chalicelib.models import Member, OrgUnit

SEED = 20261202
PAST_MONTHS = 3


def _day(month: str, rng: random.Random, today: date) -> str:
    day = date(int(month[:4]), int(month[5:7]), rng.randint(5, 20))
    return min(day, today).isoformat()


def _secretaries(units: dict[str, OrgUnit]) -> dict[str, str]:
    out = {}
    for branch_id in units:
        for m in Member.by_branch.query(branch_id):
            if "branch_secretary" in (m.roles or []):
                out[branch_id] = m.member_no
    return out


def seed_member(member: Member, branch: OrgUnit, secretary: str | None) -> int:
    """Her months opened and her payments recorded; how many payments were new."""
    today = clock.today()
    current = dc.current_month()
    found = dues_assessment.in_force(member.member_no, current)
    if found is None or not found.amount_fen:
        return 0
    amount = int(found.amount_fen)
    rng = random.Random(f"{SEED}:{member.member_no}")
    roll = rng.random()
    months = [dc.add_months(current, -n) for n in range(PAST_MONTHS, 0, -1)]
    have = {r.month for r in dc.member_months(member.member_no)}
    for month in months:
        if month not in have:
            dc.open_member_month(member, list(branch.path), month)
    plan: list[tuple[str, int, str]] = []  # (month, fen, method)
    if roll < 1 / 12:  # stopped paying: arrears
        plan = [(months[0], amount, "bank")]
    else:
        for month in months:
            share = amount // 2 if month == months[-1] and roll < 0.2 else amount
            plan.append((month, share, "bank"))
        if roll > 1 - 1 / 16:  # half a year ahead, in cash at the desk
            plan.append((current, amount * 6 + (amount - plan[-1][1]), "cash"))
        elif rng.random() < (0.6 if today.day >= 10 else 0.3):
            plan.append((current, amount, "bank"))
    created = 0
    for n, (month, fen, method) in enumerate(plan):
        if method == "cash" and secretary:
            ref = dc.cash_ref(secretary, f"demo{member.member_no}{month}{n}")
            by = secretary
        else:
            ref, method, by = (
                dc.bank_ref(f"DEMO{month.replace('-', '')}{member.member_no}"),
                "bank",
                "import",
            )
        payment = dc.PaymentIn(
            ref=ref,
            member_no=member.member_no,
            amount_fen=fen,
            paid_on=_day(month, rng, today),
            method=method,
            source="demo" if method == "cash" else f"demo-bank-{month}.csv:{n + 2}",
            recorded_by=by,
        )
        try:
            _, new = dc.record(payment, member)
        except dc.PaymentRefusedError:
            continue  # her assessment changed since: nothing owed for this one
        created += new
    return created


def seed() -> tuple[int, int]:
    """(assessed members with payments, payments newly recorded)."""
    units = {u.unit_id: u for u in OrgUnit.scan() if u.kind == "branch"}
    secretaries = _secretaries(units)
    members = payments = 0
    for branch_id, branch in sorted(units.items()):
        for member in Member.by_branch.query(branch_id):
            if not member.active:
                continue
            made = seed_member(member, branch, secretaries.get(branch_id))
            members += made > 0
            payments += made
    return members, payments


def main(argv: Sequence[str] | None = None) -> int:
    members, payments = seed()
    print(f"示范党费：{members} 名党员新记录 {payments} 笔交费（已有的不变）")
    return 0


if __name__ == "__main__":
    sys.exit(main())

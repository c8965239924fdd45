"""The demo organisation's 党费核定 for `make dev`: every demo member assessed, as the finance
imports and the yearly recalculation would have left it.

- Categories as a power-supply company has them: most members 在职 (after-tax monthly income
  spread over all four bands, a few new hires at or under 3000 元), the long-serving ones
  often 离退休 (离退休费总额 either side of 5000 元), and two whose dues the branch sets
  (其他: 长期病休, 内退).
- History: the first assessment last January, the yearly one this January (a new base from
  finance for most), and from July (once July has come) a base change for about one in six —
  among them the demo member 李明, whose raise crosses from the 1% band into the 1.5% one, so
  his screen explains January's amount by January's base and July's by July's. One member's
  January is a correction (the finance sheet had her pre-tax pay), the replaced version kept.

Deterministic: a pure function of the demo registry and today (`plan`), every choice drawn
from an RNG seeded by SEED and the member's number. Written straight through the model with
the computation of dues_assessment.compute. Idempotent: only (member, month) items not in the
table are written, so a second run changes nothing. Runs before the payments' demo data,
which reads the amounts in force.
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass
from datetime import date

from chalicelib import clock
from chalicelib.dues_assessment import compute
from chalicelib.dues_rules import Rules, rules
from chalicelib.models.dues import DuesAssessment, Replaced
from tools import demo_registry

SEED = 20080228  # the regulation's date
SET_BY_BRANCH = {  # member position in the registry → (amount in fen, why)
    -3: 500,  # 长期病休
    -5: 1000,  # 内退
}
CORRECTED_AT = 7  # the 8th member of the first branch has a corrected January
CORRECTION_NOTE = "财务更正：原表误填为税前工资"


@dataclass(frozen=True)
class Planned:
    member_no: str
    branch_id: str
    month: str
    category: str
    base_fen: int | None
    fixed_fen: int | None
    reason: str
    replaced_base_fen: int | None = None  # a correction: the base first imported


def _salary(rng: random.Random, young: bool) -> int:
    """After-tax monthly pay in fen: new hires around 3000 元, most 4500–12000 元, a few more."""
    # A random draw only makes up the demo's figures; every amount is computed from the
    # integer fen (dues_assessment.compute), never from a float.
    yuan = rng.triangular(2400, 6000, 2900) if young else rng.triangular(3200, 16000, 6500)
    fen = int(yuan * 100)
    return fen - fen % 100 if rng.random() < 0.6 else fen  # some bases carry 角 and 分


def plan(today: date) -> list[Planned]:
    """Every demo member's assessments, oldest month first per member."""
    _, members = demo_registry.generate()
    year = today.year
    first, yearly, mid = f"{year - 1}-01", f"{year}-01", f"{year}-07"
    by_branch: dict[str, list[dict[str, str]]] = {}
    for row in members:
        by_branch.setdefault(row["所在支部"], []).append(row)
    special: dict[str, int] = {}
    for branch_rows in list(by_branch.values())[1::3]:  # a few branches have the odd case
        for position, fen in SET_BY_BRANCH.items():
            special[branch_rows[position]["党员编号"]] = fen
    first_branch = next(iter(by_branch.values()))
    corrected = first_branch[CORRECTED_AT]["党员编号"]
    demo_member = demo_registry.DEMO_MEMBER.member_no
    out: list[Planned] = []
    for row in members:
        no, branch = row["党员编号"], row["所在支部"]
        rng = random.Random(f"{SEED}:{no}")
        joined = row["入党日期"] or "2000-01-01"
        young = row["人员类别"] == "预备党员" or joined >= "2018"
        if no in special:
            out.append(Planned(no, branch, first, "other", None, special[no], "first"))
            continue
        if joined < "1990" and rng.random() < 0.8:
            base = rng.randrange(360000, 720000)
            out.append(Planned(no, branch, first, "retired", base, None, "first"))
            raise_ = base + base * rng.randrange(2, 5) // 100  # the yearly pension rise
            out.append(Planned(no, branch, yearly, "retired", raise_, None, "yearly"))
            continue
        base = 485000 if no == demo_member else _salary(rng, young)
        out.append(Planned(no, branch, first, "on_salary", base, None, "first"))
        new = 492000 if no == demo_member else base + base * rng.randrange(0, 7) // 100
        if no == corrected:
            new_base = new
            out.append(Planned(no, branch, yearly, "on_salary", new_base, None, "correction",
                               replaced_base_fen=new_base * 100 // 82))  # fmt: skip
        else:
            out.append(Planned(no, branch, yearly, "on_salary", new, None, "yearly"))
        if today.month >= 7 and (no == demo_member or rng.random() < 0.16):
            later = 523050 if no == demo_member else new + new * rng.randrange(5, 25) // 100
            out.append(Planned(no, branch, mid, "on_salary", later, None, "base_change"))
    return out


def item(p: Planned, the_rules: Rules, at: int) -> DuesAssessment:
    amount, text, rate = compute(p.category, p.base_fen, the_rules, p.fixed_fen)
    replaced = None
    if p.replaced_base_fen is not None:
        was, was_text, was_rate = compute(p.category, p.replaced_base_fen, the_rules)
        replaced = [
            Replaced(
                category=p.category,
                base_fen=p.replaced_base_fen,
                amount_fen=was,
                bracket=was_text,
                rate=was_rate,
                reason="yearly",
                source="demo",
                assessed_at=at - 86400 * 3,
                assessed_by="import",
            )
        ]
    return DuesAssessment(
        p.member_no,
        p.month,
        category=p.category,
        base_fen=p.base_fen,
        amount_fen=amount,
        bracket=text,
        rate=rate,
        rules_digest=the_rules.digest,
        reason=p.reason,
        note=CORRECTION_NOTE if p.reason == "correction" else None,
        branch_id=p.branch_id,
        source="demo",
        assessed_at=at,
        assessed_by="import",
        replaced=replaced,
    )


def seed(today: date | None = None) -> int:
    """Write the planned assessments not in the table yet; returns how many were written."""
    today = today or clock.today()
    planned = plan(today)
    have = {
        (i.member_no, i.effective_from)
        for i in DuesAssessment.scan(attributes_to_get=["member_no", "effective_from"])
    }
    the_rules = rules()
    written = 0
    with DuesAssessment.batch_write() as batch:
        for p in planned:
            if (p.member_no, p.month) in have:
                continue
            year, month = int(p.month[:4]), int(p.month[5:7])
            at = int(clock.local_now().replace(year=year, month=month, day=2, hour=10).timestamp())
            batch.save(item(p, the_rules, min(at, int(clock.now()))))
            written += 1
    return written


def main() -> int:
    print(f"示范党费核定：新写入 {seed()} 条")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The demo dues (tools/demo_dues.py) in DynamoDB Local as `make dev` writes them, over the demo
registry with assessments written here (the assessment area's demo seeding is its own): most
members paid, some in arrears, a few ahead, a few cash payments; unassessed members untouched; a
second run changes nothing."""

from __future__ import annotations

import pytest

from chalicelib import dues_collection as dc
from chalicelib.models import Member, OrgUnit
from chalicelib.models.dues_collection import DuesMonth, DuesPayment
from tests.integration.dues_rows import assess
from tools import demo_dues, seed_demo

pytestmark = pytest.mark.usefixtures("clean_tables")


def snapshot() -> dict[str, dict]:
    items = {f"m:{r.member_no}:{r.month}": r.serialize() for r in DuesMonth.scan()}
    return items | {f"p:{p.ref}": p.serialize() for p in DuesPayment.scan()}


def test_a_living_branch_and_idempotent(dynamodb, at) -> None:
    at("2026-12-15T02:00:00")
    seed_demo.seed()
    members = [m for m in Member.scan() if m.active]
    unassessed = members[0].member_no
    for m in members[1:]:
        assess(m.member_no, 1000 + int(m.member_no) % 7 * 500, "2026-01", branch_id=m.branch_id)
    made, payments = demo_dues.seed()
    assert made > 100 and payments > 300
    first = snapshot()
    assert demo_dues.seed() == (0, 0)
    assert snapshot() == first
    assert not any(k.startswith(f"m:{unassessed}:") for k in first)

    views = [dc.summary(m.member_no) for m in members[1:]]
    arrears = [v for v in views if v["arrears_fen"] and len(v["arrears_months"]) >= 2]
    ahead = [v for v in views if len(v["advance_months"]) >= 5]
    assert len(arrears) >= 5 and len(ahead) >= 3
    cash = [p for p in DuesPayment.scan() if p.method == "cash"]
    assert cash and all(p.recorded_by != "import" for p in cash)
    branches = [u for u in OrgUnit.scan() if u.kind == "branch"]
    rates = [dc._totals(list(dc.month_rows(u, "2026-11")), "2026-12")["rate"] for u in branches]
    assert all(r is not None and 50 < r < 100 for r in rates), rates


def test_dues_before_transfers_in_make_dev(dynamodb, at) -> None:
    """The demo blocks in infra/dev.py's order: the dues are seeded before the transfers, so a
    member transferred out keeps her dues history and a moved member's past months stay at the
    branch she was in."""
    import inspect

    from chalicelib.models.dues_collection import DuesMonth as Row
    from infra import dev
    from tools import demo_transfers

    at("2026-12-15T02:00:00")
    seed_demo.seed()
    for m in Member.scan():
        if m.active:
            assess(m.member_no, 2000, "2026-01", branch_id=m.branch_id)
    source = inspect.getsource(dev)
    steps = {"demo_dues": demo_dues.seed, "demo_transfers": demo_transfers.seed}
    for name in sorted(steps, key=lambda n: source.index(f"{n}.seed()")):
        steps[name]()
    gone = [m for m in Member.scan() if m.transferred_out_at]
    moved = [m for m in Member.scan() if m.active and m.prior_branch_id]
    assert moved  # (the demo's transfer out may still be open: then nobody is gone yet)
    for m in gone:
        assert [r.month for r in Row.query(m.member_no)][:3] == ["2026-09", "2026-10", "2026-11"]
    for m in moved:
        past = [r for r in Row.query(m.member_no) if r.month < (m.branch_since or "")]
        assert past and all(r.branch_id == m.prior_branch_id for r in past), m.member_no

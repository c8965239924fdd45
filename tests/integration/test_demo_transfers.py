"""The demo transfers (tools/demo_transfers.py) as `make dev` writes them after the demo registry:
two completed moves, one open and overdue, one letter out with the organisation's first number;
every step by the branch secretaries at its time; a second start (which re-imports the registry:
the import keeps the moved members where the transfers left them) starts nothing again."""

from __future__ import annotations

import pytest

from chalicelib import clock, registry, transfers
from chalicelib.models import Member
from chalicelib.models.transfers import Transfer
from tools import demo_transfers, seed_demo

pytestmark = pytest.mark.usefixtures("clean_tables")


def test_played_once_and_kept_across_starts(dynamodb) -> None:
    seed_demo.seed()
    assert demo_transfers.seed() == (4, 0)
    made = {t.transfer_id: t for t in Transfer.scan()}
    by_kind = sorted((t.kind, t.state, len(t.steps)) for t in made.values())
    assert by_kind == [
        ("internal", "done", 2),
        ("internal", "done", 2),
        ("internal", "pending", 1),
        ("out", "pending", 2),
    ]
    [letter] = [t for t in made.values() if t.kind == "out"]
    assert letter.letter_no == f"〔{clock.today().year}〕第001号"
    [open_one] = [t for t in made.values() if t.kind == "internal" and t.state == "pending"]
    assert transfers.is_overdue(open_one)
    moved = [t for t in made.values() if t.state == "done"]
    for t in moved:
        m = Member.get(t.member_no, consistent_read=True)
        assert (m.branch_id, m.prior_branch_id, m.transfer_id) == (t.to_unit, t.from_unit, None)
        assert t.steps[1].by != t.steps[0].by and t.steps[1].at > t.steps[0].at
    # The staff page of the receiving branch of the open one lists it as 超时.
    receiver = next(
        m for m in Member.by_branch.query(open_one.to_unit) if "branch_secretary" in m.roles
    )
    listed = transfers.unit_list(registry.caller_for(receiver), open_one.to_unit)
    assert [(r["overdue"], r["may"]) for r in listed["transfers"] if r["state"] == "pending"] == [
        (True, ["approve", "refuse"])
    ]

    seed_demo.seed()  # the next `make dev`: the import keeps where the transfers left them
    assert {Member.get(t.member_no).branch_id for t in moved} == {t.to_unit for t in moved}
    assert demo_transfers.seed() == (0, 0)
    assert {Member.get(t.member_no).branch_id for t in moved} == {t.to_unit for t in moved}
    assert {t.transfer_id: len(t.steps) for t in Transfer.scan()} == {
        k: len(t.steps) for k, t in made.items()
    }

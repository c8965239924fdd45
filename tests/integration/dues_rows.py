"""Shared set-up of the 党费 tests: assessments written straight into the table (核定 is another
area's; this one reads them only through `dues_assessment.in_force`)."""

from __future__ import annotations

from chalicelib import clock
from chalicelib.models import DuesAssessment


def assess(member_no: str, amount_fen: int, effective_from: str = "2026-01", **over) -> None:
    DuesAssessment(
        member_no,
        effective_from,
        category=over.get("category", "salary"),
        base_fen=over.get("base_fen", amount_fen * 100),
        amount_fen=amount_fen,
        bracket=over.get("bracket", "税后月工资收入 3000 元以下，按 0.5% 交纳"),
        rate=over.get("rate", "0.5%"),
        rules_digest="test",
        reason="first",
        branch_id=over.get("branch_id", "B1"),
        assessed_at=clock.now(),
        assessed_by="test",
    ).save()

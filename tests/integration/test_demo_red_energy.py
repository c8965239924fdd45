"""The demo 红能量 (tools/demo_red_energy.py) as `make dev` writes it after the demo registry and
activity: the committee's and one branch's catalogue, spends at their times, orders handed over,
one cancelled and refunded, the latest waiting; a second run writes nothing new."""

from __future__ import annotations

import pytest

from chalicelib import clock, red_energy
from chalicelib.models import PointTotal
from chalicelib.models.red_energy import RedEnergyMovement, RedEnergyOffer, RedEnergyOrder
from tools import demo_meetings, demo_red_energy, demo_registry, seed_demo

pytestmark = pytest.mark.usefixtures("clean_tables")


def test_played_once(dynamodb) -> None:
    seed_demo.seed()
    branch = next(
        b
        for b, people in demo_meetings.people().items()
        if any(p.member_no == demo_registry.DEMO_SECRETARY.member_no for p in people)
    )
    today = clock.today()
    earners = {p.member_no for p in demo_meetings.people()[branch]}
    for member_no in earners | {demo_registry.DEMO_MEMBER.member_no}:
        PointTotal(member_no, f"y{today.year - 1}", points=200, months={"12": 200}).save()
    assert demo_red_energy.seed() == (7, 8)
    orders = sorted(o.state for o in RedEnergyOrder.scan())
    assert orders == ["cancelled", "done", "done", "done", "pending"]
    refunds = [m for m in RedEnergyMovement.scan() if m.kind == "refund"]
    assert len(refunds) == 1 and refunds[0].amount == 15
    # Nobody's balance is below zero; the spent figures are the movements' sum.
    for member_no in {m.member_no for m in RedEnergyMovement.scan()}:
        figures = red_energy.balance(member_no)
        assert figures["balance"] >= 0
        lines = list(RedEnergyMovement.query(member_no))
        net = sum(-m.amount if m.kind == "refund" else m.amount for m in lines)
        assert figures["spent"] == net
    before = {(o.unit_id, o.offer_key, o.stock, o.raised) for o in RedEnergyOffer.scan()}
    assert demo_red_energy.seed() == (0, 0)
    assert {(o.unit_id, o.offer_key, o.stock, o.raised) for o in RedEnergyOffer.scan()} == before

"""The demo 诉求 (tools/demo_service_requests.py) as `make dev` writes them after the demo
registry: every state of the workflow, one transferred and re-accepted, one overdue in its
受理 step, ratings of each kind, the demo member's own; every step by a staff member of the unit
it was routed to, at its time; a second run plays nothing again."""

from __future__ import annotations

from collections import Counter

import pytest

from chalicelib import registry, service_request_rates, service_requests
from chalicelib.models import Member
from chalicelib.models.service_requests import ServiceRequest
from tools import demo_registry, demo_service_requests, seed_demo

pytestmark = pytest.mark.usefixtures("clean_tables")


def test_played_once_with_every_state(dynamodb) -> None:
    seed_demo.seed()
    assert demo_service_requests.seed() == len(demo_service_requests.PLANNED)
    made = {r.request_id: r for r in ServiceRequest.scan(consistent_read=True)}
    states = Counter(r.state for r in made.values())
    assert states == {"closed": 7, "handling": 1, "waiting": 2, "withdrawn": 1}
    assert Counter(r.rating for r in made.values() if r.rating) == {
        "satisfied": 2, "basic": 2, "unsatisfied": 1,
    }  # fmt: skip
    [moved] = [r for r in made.values() if r.transfers]
    assert (moved.origin_unit, moved.unit_id, moved.state) == ("B0402", "G04", "closed")
    overdue = [r for r in made.values() if service_requests.is_overdue(r)]
    assert [r.unit_id for r in overdue] == ["B0401"]
    for r in made.values():
        times = [s.at for s in r.steps]
        assert times == sorted(times)
        for s in r.steps:
            if s.act in ("accept", "transfer", "handle", "close"):
                staff = registry.caller_for(Member.get(s.by))
                assert s.by != r.member_no
                assert set(service_requests.handled_units(staff)) & {r.origin_unit, r.unit_id}
    demo = demo_registry.DEMO_MEMBER.member_no
    mine = service_requests.mine(registry.caller_for(Member.get(demo)))["requests"]
    assert [x["may"] for x in mine] == [["withdraw"], ["rate"]]
    admin = registry.caller_for(Member.get(demo_registry.DEMO_ADMIN.member_no))
    report = service_request_rates.report(admin, "C01", None)
    assert report["units"][0]["unit"]["id"] == "C01"
    assert demo_service_requests.seed() == 0
    assert {k: len(r.steps) for k, r in made.items()} == {
        r.request_id: len(r.steps) for r in ServiceRequest.scan(consistent_read=True)
    }

"""The demo 志愿服务 (tools/demo_volunteering.py) as `make dev` writes it after the demo registry:
three activities held and confirmed (check-ins at their time, 奉献分 through the ledger), two
coming with sign-ups; the demo member has hours of her own and one activity she may join; a
second start writes nothing."""

from __future__ import annotations

import pytest

from chalicelib import registry, volunteering
from chalicelib.models import Member, VolunteerActivity, VolunteerSignup
from tools import demo_registry, demo_volunteering, seed_demo

pytestmark = pytest.mark.usefixtures("clean_tables")


def test_played_once_and_looks_alive(dynamodb) -> None:
    seed_demo.seed()
    made, signed = demo_volunteering.seed()
    assert made == 5 and signed >= 35
    activities = list(VolunteerActivity.scan())
    assert sorted(a.state for a in activities) == ["confirmed"] * 3 + ["open"] * 2
    for a in activities:
        rows = list(VolunteerSignup.query(a.activity_id))
        assert len(rows) == a.taken <= a.places
        if a.state == "confirmed":
            assert any(r.checked_in_at for r in rows)
            assert all(r.confirmed_half is not None for r in rows)

    me = Member.get(demo_registry.DEMO_MEMBER.member_no)
    mine = volunteering.mine(registry.caller_for(me), me)
    assert mine["total_hours"] > 0 and mine["total_points"] == mine["total_hours"] * 2
    assert any(a["can_sign_up"] for a in mine["open"])

    assert demo_volunteering.seed() == (0, 0)
    assert len(list(VolunteerActivity.scan())) == 5

"""The demo 党员发展 (tools/demo_recruitment.py) in DynamoDB Local as `make dev` writes it:
people at every stage, each timeline one the rules accept step by step (replayed through the
same check the API makes), one applicant overdue and one due, the admitted ones in the
registry; a second run changes nothing, and the secretary's list reads them."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from chalicelib import clock, recruitment, registry
from chalicelib.models import Member
from chalicelib.models.recruitment import Recruit
from chalicelib.recruitment_stages import rules
from chalicelib.recruitment_timeline import Person, check, next_steps
from tools import demo_recruitment, demo_registry, seed_demo

pytestmark = pytest.mark.usefixtures("clean_tables")


def replay(records: list[dict]) -> None:
    """Every record after the registration in turn through the API's check, on its own day."""
    assert records[0]["step"] == rules().first.key
    person = Person(stage="applicant", records=records[:1])
    for record in records[1:]:
        on = date.fromisoformat(record["on"])
        step = check(rules(), person, record["step"], on, on, record.get("outcome"))
        person.records.append(record)
        person.stage = step.stage or person.stage


@pytest.mark.parametrize("offset", [0, 40, 100, 200, 365])
def test_every_demo_timeline_is_one_the_rules_accept(dynamodb, offset) -> None:
    seed_demo.seed()
    now = datetime(2026, 12, 1, 10, 0, tzinfo=clock.TZ) + timedelta(days=offset)
    built = demo_recruitment.build(now.date(), now)
    assert len(built) == len(demo_recruitment.PEOPLE)
    for person, _ in built:
        replay([r.as_dict() for r in person.records])


def test_written_once_with_every_stage_and_the_registry(dynamodb) -> None:
    seed_demo.seed()
    now = datetime(2026, 12, 1, 10, 0, tzinfo=clock.TZ)
    assert demo_recruitment.seed(now.date(), now) == len(demo_recruitment.PEOPLE)
    first = {p.person_id: p.to_simple_dict() for p in Recruit.scan()}
    assert demo_recruitment.seed(now.date(), now) == 0
    assert {p.person_id: p.to_simple_dict() for p in Recruit.scan()} == first
    people = {p.name: p for p in Recruit.scan()}
    assert {p.stage for p in people.values()} == {
        "applicant", "activist", "candidate", "probationary", "full"}  # fmt: skip
    status = {
        name: {n.step.key: n.status for n in next_steps(rules(), recruitment._view(p), now.date())}
        for name, p in people.items()
    }
    assert status["何俊杰"]["talk"] == "overdue" and status["林晓雨"]["talk"] == "due"
    assert status["马一鸣"]["report"] == "overdue"
    assert Member.get("19990001").status == "probationary"
    assert Member.get("19990002").status == "full"
    # The demo secretary's desk and the committee's.
    secretary = registry.caller_for(registry.get_member(demo_registry.DEMO_SECRETARY.member_no))
    mine = recruitment.unit_people(secretary, "B0101")
    assert sum(len(g["people"]) for g in mine["groups"]) == 3 and mine["overdue"] == 1
    committee = registry.caller_for(registry.get_member(demo_registry.DEMO_COMMITTEE.member_no))
    everyone = recruitment.unit_people(committee, "C01")
    assert sum(len(g["people"]) for g in everyone["groups"]) == len(demo_recruitment.PEOPLE)

"""The demo surveys (tools/demo_surveys.py) as `make dev` writes them after the demo registry: an
open 党委-wide survey with answers (not the demo member's: hers is still to fill in), a closed
branch survey, a draft; the results protect small groups; a second run writes nothing."""

from __future__ import annotations

import pytest

from chalicelib import registry, survey_results, surveys
from chalicelib.models import Member
from chalicelib.models.surveys import Survey, SurveyAnswer
from tools import demo_registry, demo_surveys, seed_demo

pytestmark = pytest.mark.usefixtures("clean_tables")


def test_played_once(dynamodb) -> None:
    seed_demo.seed()
    made, answers = demo_surveys.seed()
    assert made == 3 and answers > 50
    found = {s.title: s for s in Survey.scan()}
    phases = sorted((surveys.phase(s), s.state) for s in found.values())
    assert phases == [("draft", "draft"), ("ended", "closed"), ("open", "published")]
    member = Member.get(demo_registry.DEMO_MEMBER.member_no)
    mine = surveys.mine(registry.caller_for(member))["surveys"]
    assert [(s["title"], s["answered"]) for s in mine if s["phase"] == "open"] == [
        ("2026年党员学习需求调查", False)
    ]
    learning = found["2026年党员学习需求调查"]
    data = survey_results.figures(learning)
    assert data["respondents"] == SurveyAnswer.count(learning.survey_id)
    assert data["overall"] is not None and data["groups"]
    for g in data["groups"]:
        assert (g["questions"] is None) == g["protected"]
        if g["respondents"] < survey_results.MIN_GROUP:
            assert g["protected"]
    assert demo_surveys.seed() == (0, 0)

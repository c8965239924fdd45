"""问卷: questionnaires staff publish to a unit, and the members' answers.

- `Survey`: one questionnaire (its questions as one JSON text, frozen once published). Index
  `by-org`: the organisation's surveys (partition: the root unit of the survey's unit), newest
  first, projecting only the summary fields — a member's list of open surveys and a unit's list
  read that one small partition, never the questions (surveys are a few per unit a year).
- `SurveyAnswer`: one member's answer to one survey, key (survey, member number). The put is
  conditioned on the key not existing: a parallel or retried submit counts once. All answers of
  a survey are one partition, so the results are one Query (no Scan, no hot tally item). The
  member number is kept only for that condition: no route ever returns it.
"""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

from .base import table_meta


class SurveyOrgIndex(GlobalSecondaryIndex["Survey"]):
    class Meta:
        index_name = "by-org"
        projection = IncludeProjection(
            ["unit_id", "unit_name", "unit_path", "title", "state", "opens_at", "closes_at"]
        )

    org = UnicodeAttribute(hash_key=True)  # root unit id
    sort = UnicodeAttribute(range_key=True)  # "<created_at ms, 13 digits>#<survey id>"


class Survey(Model):
    """`state`: "draft" (editable), "published" (questions frozen; open between `opens_at` and
    `closes_at`), "closed" (by staff before `closes_at`; `closed_at` set)."""

    Meta = table_meta("surveys")
    survey_id = UnicodeAttribute(hash_key=True)
    unit_id = UnicodeAttribute()
    unit_name = UnicodeAttribute()
    unit_path = ListAttribute(of=UnicodeAttribute)
    title = UnicodeAttribute()
    intro = UnicodeAttribute(null=True)
    questions = UnicodeAttribute()  # JSON list, see surveys.normalise_questions
    state = UnicodeAttribute(default="draft")
    opens_at = NumberAttribute(null=True)  # epoch seconds; None: when published
    closes_at = NumberAttribute()
    created_at = NumberAttribute()
    created_by = UnicodeAttribute()
    updated_at = NumberAttribute()
    published_at = NumberAttribute(null=True)
    published_by = UnicodeAttribute(null=True)
    closed_at = NumberAttribute(null=True)
    closed_by = UnicodeAttribute(null=True)
    org = UnicodeAttribute()
    sort = UnicodeAttribute()
    by_org = SurveyOrgIndex()


class SurveyAnswer(Model):
    """`group`: the child unit of the survey's unit on the member's path (the breakdown's
    group), absent when she belongs to the survey's unit itself (a branch's survey)."""

    Meta = table_meta("survey-answers")
    survey_id = UnicodeAttribute(hash_key=True)
    member_no = UnicodeAttribute(range_key=True)
    group = UnicodeAttribute(null=True)
    answers = UnicodeAttribute()  # JSON object: question id -> value
    at = NumberAttribute()

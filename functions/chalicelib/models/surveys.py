"""问卷: questionnaires staff publish to a unit, and the members' answers.

- `Survey`: one questionnaire (its questions as one JSON text, frozen once published). Both
  indexes project only the summary fields, never the questions:
  - `by-org`: the organisation's surveys (partition: the root unit), sort key the survey unit's
    path then the creation time ("C1/G1/B1/#<ms>#<id>"), so a unit's desk list is ONE Query
    `begins_with("C1/G1/")` of exactly its subtree's surveys, paged to the end — never the whole
    organisation's newest N filtered afterwards (that lost old open surveys).
  - `by-unit` (sparse: `listed_unit` is set when a survey is published): a unit's published
    surveys by closing time; a member's list queries each unit on her path for the surveys
    closing after a cut-off (open, upcoming, recently ended), drafts never read.
- `SurveyAnswer`: one member's answer to one survey, key (survey, member number). The put is
  conditioned on the key not existing: a parallel or retried submit counts once. All answers of
  a survey are one partition, so the results are one Query (no Scan, no hot tally item). The
  member number is kept only for that condition and for `by-member` (keys only): her answers,
  in any unit she was ever in, for her download and the deletion of her data (personal_records);
  no route shows it to anyone else.
"""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection
from pynamodb.models import Model

from .base import table_meta


class SurveyOrgIndex(GlobalSecondaryIndex["Survey"]):
    class Meta:
        index_name = "by-org"
        projection = IncludeProjection(
            ["unit_id", "unit_name", "unit_path", "title", "state", "opens_at", "closes_at"]
        )

    org = UnicodeAttribute(hash_key=True)  # root unit id
    sort = UnicodeAttribute(range_key=True)  # "<unit path joined by />/#<created ms>#<id>"


class SurveyUnitIndex(GlobalSecondaryIndex["Survey"]):
    class Meta:
        index_name = "by-unit"
        projection = IncludeProjection(
            ["unit_id", "unit_name", "unit_path", "title", "state", "opens_at", "sort"]
        )

    listed_unit = UnicodeAttribute(hash_key=True)  # the survey's unit, once published
    closes_at = NumberAttribute(range_key=True)


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
    listed_unit = UnicodeAttribute(null=True)  # set at publish: the sparse `by-unit` index
    by_org = SurveyOrgIndex()
    by_unit = SurveyUnitIndex()


class AnswerMemberIndex(GlobalSecondaryIndex["SurveyAnswer"]):
    class Meta:
        index_name = "by-member"
        projection = KeysOnlyProjection()

    member_no = UnicodeAttribute(hash_key=True)
    survey_id = UnicodeAttribute(range_key=True)


class SurveyAnswer(Model):
    """`group`: the child unit of the survey's unit on the member's path (the breakdown's
    group), absent when she belongs to the survey's unit itself (a branch's survey)."""

    Meta = table_meta("survey-answers")
    survey_id = UnicodeAttribute(hash_key=True)
    member_no = UnicodeAttribute(range_key=True)
    group = UnicodeAttribute(null=True)
    answers = UnicodeAttribute()  # JSON object: question id -> value
    at = NumberAttribute()
    by_member = AnswerMemberIndex()

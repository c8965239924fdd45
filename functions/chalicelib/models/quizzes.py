"""Quizzes: published question banks and quiz definitions, members' attempts, exam scores by
unit, and the self-check (党性体检) tallies by unit.

Banks and quizzes are written by `tools/publish_quizzes.py` from `content/quizzes/`; answers live
only here, never in the static site.
"""

from __future__ import annotations

import json
from typing import Any

from pynamodb.attributes import (
    JSONAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

from .base import table_meta


class CompactJSONAttribute(JSONAttribute):
    """JSON without the spaces after separators and with Chinese as UTF-8 (3 bytes a character,
    not a 6-byte \\u escape): an attempt is billed by its size on every write. Reads both forms."""

    def serialize(self, value: Any) -> str | None:
        if value is None:
            return None
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class ServedItemsAttribute(CompactJSONAttribute):
    """An attempt's `items`, each ref's bank version written once: {"b": ["<bank_version>", ...],
    "i": [{"r": "0/<qid>", "type": ..., "perm": ...}]} (about 30 bytes less a question). Code
    sees the list of {"ref": "<bank_version>/<qid>", ...} either way; a stored list (attempts
    written before) reads as it is."""

    def serialize(self, value: Any) -> str | None:
        if value is None:
            return None
        banks: list[str] = []
        packed = []
        for item in value:
            bank, qid = item["ref"].split("/", 1)
            if bank not in banks:
                banks.append(bank)
            rest = {k: v for k, v in item.items() if k != "ref"}
            packed.append({"r": f"{banks.index(bank)}/{qid}", **rest})
        return super().serialize({"b": banks, "i": packed})

    def deserialize(self, value: str) -> Any:
        data = super().deserialize(value)
        if isinstance(data, list):
            return data
        out = []
        for item in data["i"]:
            index, qid = item["r"].split("/", 1)
            rest = {k: v for k, v in item.items() if k != "r"}
            out.append({"ref": f"{data['b'][int(index)]}/{qid}", **rest})
        return out


class QuizQuestion(Model):
    """One question of one bank version. A bank version is every item under one partition key,
    `<bank>@<content hash>`: publishing an edited bank writes a new version beside the old one,
    which stays for the attempts that were served it."""

    Meta = table_meta("quiz-questions")
    bank_version = UnicodeAttribute(hash_key=True)  # "dangzhang-jichu@3f2a9c1d0b7e"
    qid = UnicodeAttribute(range_key=True)
    # type, stem, options, answer, explanation, tags, difficulty, shuffle (tools/quiz_content.py)
    data = JSONAttribute()


class ListedIndex(GlobalSecondaryIndex["Quiz"]):
    """Sparse: only quizzes currently in content/ carry `listed`; the hub reads them with one
    Query (a few dozen items at most), without their question pools. Written only when quizzes
    are published (tools/publish_quizzes.py), never by a request: off the hot path, so kept."""

    class Meta:
        index_name = "listed"
        projection = IncludeProjection(["kind", "title", "settings", "version"])

    listed = UnicodeAttribute(hash_key=True)  # always "1"
    quiz_id = UnicodeAttribute(range_key=True)


class Quiz(Model):
    """A published quiz definition: its settings and the question refs it draws from."""

    Meta = table_meta("quizzes")
    quiz_id = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute()  # daily / challenge / exam / survey
    title = UnicodeAttribute()
    settings = JSONAttribute()  # see tools/quiz_content.py: QUIZ_FIELDS
    pool = ListAttribute(of=UnicodeAttribute)  # "<bank_version>/<qid>", in file order
    version = UnicodeAttribute()  # hash of settings + pool
    published_at = NumberAttribute()
    listed = UnicodeAttribute(null=True)
    by_listed = ListedIndex()


class QuizAttempt(Model):
    """A member's attempt. The key names the period or the attempt number, so one daily attempt
    a day and one self-check a quarter follow from a conditional put:
    "<quiz>#d2026-11-22" (daily), "<quiz>#q2026Q4" (survey), "<quiz>#n00002" (exam, challenge).

    `settings` keeps only what is read after the start (quizzes.ATTEMPT_SETTINGS), so the demo
    daily attempt fits in 1 KB: every saved answer and the submit are billed the whole item.

    `items` is what was served, in the order served: [{"ref": "<bank_version>/<qid>",
    "type": "single", "perm": [2, 0, 3, 1]}] (perm[i] = the bank's index of displayed option i),
    so later edits of the bank never change an attempt.
    """

    Meta = table_meta("quiz-attempts")
    member_no = UnicodeAttribute(hash_key=True)
    attempt_key = UnicodeAttribute(range_key=True)
    quiz_id = UnicodeAttribute()
    quiz_version = UnicodeAttribute()
    kind = UnicodeAttribute()
    branch_id = UnicodeAttribute()
    status = UnicodeAttribute()  # open / submitted
    items = ServedItemsAttribute()
    settings = CompactJSONAttribute()
    answers = MapAttribute(default=dict)  # "<index>" -> response (displayed option indexes / text)
    position = NumberAttribute(default=0)  # challenge: the question being asked
    started_at = NumberAttribute()
    deadline = NumberAttribute(null=True)  # exams: epoch seconds, enforced by the server
    submitted_at = NumberAttribute(null=True)
    closed_by = UnicodeAttribute(null=True)  # "member" / "timeout" / "wrong" (challenge) / "end"
    result = CompactJSONAttribute(
        null=True
    )  # marks per question, score, correct count, passed, points


class ScoreRankIndex(GlobalSecondaryIndex["QuizScore"]):
    """A unit's ranking. Kept as an index, not made the table's sort key: the base key (unit,
    member) is what keeps one entry per member and unit with ONE conditional write each (an
    exam submit that beats her best: 1 unit + 2 for the index key's move, per unit on her
    branch's path). With the rank as the sort key an improvement is a put and a delete per unit
    that no condition ties together (a crash between them shows her twice or not at all), for
    1 unit less; exam submits are a few per member and exam, not a daily path."""

    class Meta:
        index_name = "by-rank"
        projection = IncludeProjection(["score", "seconds", "name", "branch_id"])

    unit_key = UnicodeAttribute(hash_key=True)
    rank_key = UnicodeAttribute(range_key=True)


class QuizScore(Model):
    """A member's best exam score, once per unit on her branch's path ("<quiz>#<unit>"), so any
    unit's ranking is one Query of `by-rank` (best score first, then the shorter time)."""

    Meta = table_meta("quiz-scores")
    unit_key = UnicodeAttribute(hash_key=True)
    member_no = UnicodeAttribute(range_key=True)
    rank_key = UnicodeAttribute()  # "<1000 - score:04d>#<seconds:06d>#<member_no>"
    score = NumberAttribute()
    seconds = NumberAttribute()
    name = UnicodeAttribute()
    branch_id = UnicodeAttribute()
    by_rank = ScoreRankIndex()


class QuizTally(Model):
    """党性体检: how many members of a unit chose each option in a quarter
    ("<quiz>#<2026Q4>#<unit>"); counts["<qid>_<option index>"]. Individual answers stay in the
    members' own attempts; a branch reads only this."""

    Meta = table_meta("quiz-tallies")
    tally_key = UnicodeAttribute(hash_key=True)
    respondents = NumberAttribute(default=0)
    counts = MapAttribute(default=dict)

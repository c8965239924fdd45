"""问卷 results: tallies with small-group protection, and the same figures as an XLSX workbook.

Anonymity: the results never say who answered what. Member numbers are kept with the answers
only to enforce "once"; nothing here returns them, nor the group of a text answer (texts appear
only overall, sorted, without names).

Small-group protection (`MIN_GROUP`, the one threshold): a group of fewer than `MIN_GROUP`
respondents shows only its respondent count — no option counts, no average, no texts. The same
holds for the overall figures when the whole survey has fewer than `MIN_GROUP` respondents. The
groups are the child units of the survey's unit (for a 党委 survey its 党总支 and directly
attached branches; for a 党总支 its branches; a branch's survey has no breakdown). Because the
overall figures minus the shown groups would give away the hidden ones, hidden groups that
together hold fewer than `MIN_GROUP` respondents hide the next smallest shown group too
(secondary suppression), until the hidden ones hold at least `MIN_GROUP` or all are hidden.

Per question too: a question fewer than `MIN_GROUP` answered (an optional one) shows only how
many answered it overall and nothing in any group; in a shown group a question fewer than
`MIN_GROUP` of its members answered shows nothing (not even that count), with the same
secondary suppression per question (the next smallest shown groups hide that question until
its hidden answerers number at least `MIN_GROUP`). Option counts and star counts of 1 or 2
within a question that at least `MIN_GROUP` answered are shown, as any survey tool shows them:
they say how many chose it, not who.

Reading results is one Query of the survey's answer partition (no Scan); the workbook is made
from the same protected figures, so it can show nothing the page does not.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from typing import Any
from urllib.parse import quote

from . import registry, scope, surveys
from .errors import NotFoundError
from .models.surveys import Survey, SurveyAnswer
from .scope import Caller

MIN_GROUP = 3  # fewer respondents than this: only the count is shown
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HIDDEN = f"不足 {MIN_GROUP} 人，不显示明细"
HIDDEN_QUESTION = f"作答不足 {MIN_GROUP} 人（或为保护其他分组），不显示明细"
OWN_LEVEL = "本级"


def _answers(survey_id: str) -> list[SurveyAnswer]:
    """The survey's answers: one partition, one Query (paged by PynamoDB)."""
    return list(SurveyAnswer.query(survey_id, attributes_to_get=["group", "answers"]))


def tally(
    qs: list[dict[str, Any]],
    rows: list[dict[str, Any]],
    *,
    texts: bool,
    hide: set[str] | frozenset[str] = frozenset(),
) -> list[dict]:
    """Per question: how many answered it; option counts; rating average and distribution;
    the text answers, sorted, overall only (`texts`); a group says nothing of its texts.
    A question in `hide` (fewer than MIN_GROUP answered it, or suppressed with them) is marked
    `protected`: overall it shows only how many answered it, in a group nothing."""
    out = []
    for q in qs:
        values = [r[q["id"]] for r in rows if q["id"] in r]
        item: dict[str, Any] = {"id": q["id"], "answered": len(values), "protected": False}
        if q["kind"] == "text" and not texts:
            # not even how many in a group wrote one: that would place the texts in groups
            item["answered"] = None
        elif q["id"] in hide:
            item["protected"] = True
            if not texts:  # in a group not even how many: a count of 1 or 2 points at people
                item["answered"] = None
        elif q["kind"] in ("single", "multiple"):
            picks = Counter(
                v for value in values for v in ([value] if isinstance(value, str) else value)
            )
            item["options"] = [
                {"id": o["id"], "text": o["text"], "count": picks.get(o["id"], 0)}
                for o in q["options"]
            ]
        elif q["kind"] == "rating":
            stars = Counter(values)
            item["distribution"] = [stars.get(n, 0) for n in range(1, surveys.RATING_MAX + 1)]
            item["average"] = round(sum(values) / len(values), 2) if values else None
        else:
            item["texts"] = sorted(values)
        out.append(item)
    return out


def _protect(groups: dict[str, int], forced: set[str] | frozenset[str] = frozenset()) -> set[str]:
    """The groups whose figures are hidden: the small ones (and `forced`), then (secondary
    suppression) the next smallest until the hidden ones together hold at least MIN_GROUP or
    all are hidden."""
    hidden = {g for g, n in groups.items() if n < MIN_GROUP} | (set(forced) & set(groups))
    shown = sorted((n, g) for g, n in groups.items() if g not in hidden)
    while shown and 0 < sum(groups[g] for g in hidden) < MIN_GROUP:
        hidden.add(shown.pop(0)[1])
    return hidden


def _answerers(rows: list[dict[str, Any]], qid: str) -> int:
    return sum(1 for r in rows if qid in r)


def _question_suppression(
    qs: list[dict[str, Any]],
    by_group: dict[str, list[dict[str, Any]]],
    hidden_groups: set[str],
    overall_hide: set[str],
) -> dict[str, set[str]]:
    """Per group, the questions whose figures it hides: for each question, the groups where
    fewer than MIN_GROUP answered it, plus the groups hidden whole, plus (secondary suppression,
    as for groups) the next smallest shown ones until the hidden answerers of that question
    number at least MIN_GROUP — so overall minus the shown groups gives none of them away. A
    question hidden overall is hidden in every group. Text questions have no group figures."""
    out: dict[str, set[str]] = {g: set() for g in by_group}
    for q in qs:
        if q["kind"] == "text":
            continue
        answered = {g: _answerers(rows, q["id"]) for g, rows in by_group.items()}
        hide = set(answered) if q["id"] in overall_hide else _protect(answered, hidden_groups)
        for g in hide:
            out[g].add(q["id"])
    return out


def figures(s: Survey) -> dict[str, Any]:
    """The protected results of a survey (no access check: see `results`)."""
    qs = surveys.questions(s)
    answers = _answers(s.survey_id)
    rows = [json.loads(a.answers) for a in answers]
    total = len(rows)
    overall_shown = total >= MIN_GROUP
    by_group: dict[str, list[dict[str, Any]]] = {}
    for a, row in zip(answers, rows, strict=True):
        by_group.setdefault(a.group or "", []).append(row)
    # Per question too: fewer than MIN_GROUP answerers of a question (an optional one) show
    # only how many answered it, overall and in a group.
    overall_hide = {q["id"] for q in qs if _answerers(rows, q["id"]) < MIN_GROUP}
    groups_out: list[dict[str, Any]] = []
    if s.unit_path and (len(by_group) > 1 or "" not in by_group):
        counts = {g: len(v) for g, v in by_group.items()}
        hidden = _protect(counts)
        group_hide = _question_suppression(qs, by_group, hidden, overall_hide)
        names = registry.unit_names(g for g in counts if g)
        for g in sorted(counts, key=lambda g: (names.get(g, OWN_LEVEL), g)):
            shown = g not in hidden and overall_shown
            groups_out.append(
                {
                    "unit": {"id": g or None, "name": names.get(g, OWN_LEVEL) if g else OWN_LEVEL},
                    "respondents": counts[g],
                    "protected": not shown,
                    "questions": tally(qs, by_group[g], texts=False, hide=group_hide[g])
                    if shown
                    else None,
                }
            )
    return {
        "survey": surveys.summary(s),
        "questions": [
            {k: q[k] for k in ("id", "kind", "text", "required")}
            | ({"options": q["options"]} if "options" in q else {})
            for q in qs
        ],
        "respondents": total,
        "min_group": MIN_GROUP,
        "protected": not overall_shown,
        "overall": tally(qs, rows, texts=True, hide=overall_hide) if overall_shown else None,
        "groups": groups_out,
    }


def results(caller: Caller, survey_id: str) -> dict[str, Any]:
    """Staff who read the survey's unit; anyone else (and an unknown id) gets the same 404."""
    s = surveys.load(survey_id)
    if surveys.access(caller, s) == "none":
        raise NotFoundError(surveys.NOT_FOUND)
    scope.require_unit(caller, s.unit_path, "read")
    return figures(s)


# --- the workbook -----------------------------------------------------------------------------


def _put(sheet: Any, row: int, col: int, value: Any) -> None:
    from . import meeting_book

    meeting_book._put(sheet, row, col, value)


def _question_rows(qs: list[dict[str, Any]], tallied: list[dict[str, Any]]) -> list[list[Any]]:
    """One row per option / star / text: question, item, count."""
    rows: list[list[Any]] = []
    for n, (q, t) in enumerate(zip(qs, tallied, strict=True), start=1):
        head = f"{n}. {q['text']}（{surveys.KINDS[q['kind']]}）"
        if t.get("protected"):
            if t["answered"] is not None:
                rows.append([head, "作答人数", t["answered"]])
            rows.append([head if t["answered"] is None else "", HIDDEN_QUESTION, ""])
            continue
        if t["answered"] is None:
            rows.append([head, "简答题只在汇总中列出", ""])
            continue
        rows.append([head, "作答人数", t["answered"]])
        for o in t.get("options", []):
            rows.append(["", o["text"], o["count"]])
        if "distribution" in t:
            for star, count in enumerate(t["distribution"], start=1):
                rows.append(["", f"{star} 星", count])
            rows.append(["", "平均分", t["average"] if t["average"] is not None else "—"])
        for text in t.get("texts", []):
            rows.append(["", text, ""])
    return rows


def workbook(data: dict[str, Any]) -> bytes:
    """汇总 (overall) and 分组 (by group) sheets, from the protected figures only."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "汇总"
    info = data["survey"]
    header = [
        ["问卷", info["title"]],
        ["发布范围", info["unit"]["name"]],
        ["时间", f"{info['opens_at'] or '发布时'} 至 {info['closes_at']}"],
        ["提交人数", data["respondents"]],
        ["说明", f"不记名统计；不足 {MIN_GROUP} 人的分组只显示人数"],
    ]
    r = 1
    for row in header:
        for c, value in enumerate(row, start=1):
            _put(sheet, r, c, value)
        r += 1
    r += 1
    if data["overall"] is None:
        _put(sheet, r, 1, HIDDEN)
    else:
        for row in _question_rows(data["questions"], data["overall"]):
            for c, value in enumerate(row, start=1):
                _put(sheet, r, c, value)
            r += 1
    sheet.column_dimensions["A"].width = 40
    sheet.column_dimensions["B"].width = 30
    if data["groups"]:
        groups = book.create_sheet("分组")
        r = 1
        for g in data["groups"]:
            _put(groups, r, 1, g["unit"]["name"])
            _put(groups, r, 2, "提交人数")
            _put(groups, r, 3, g["respondents"])
            r += 1
            if g["questions"] is None:
                _put(groups, r, 2, HIDDEN)
                r += 2
                continue
            for row in _question_rows(data["questions"], g["questions"]):
                for c, value in enumerate(row, start=1):
                    _put(groups, r, c, value)
                r += 1
            r += 1
        groups.column_dimensions["A"].width = 40
        groups.column_dimensions["B"].width = 30
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def file_name(data: dict[str, Any]) -> str:
    return f"问卷结果-{data['survey']['title']}.xlsx"


def content_disposition(name: str, fallback: str) -> str:
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"

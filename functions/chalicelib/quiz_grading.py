"""Grading, on the server only: a recorded response against a question's answer → a mark in [0, 1].

Questions are as `tools/quiz_content.py` normalises them: choice answers are the bank's option
indexes (single, multiple, truefalse), fill answers one list of accepted alternatives per blank.
Responses are what the member saw: displayed option positions, mapped back through the attempt's
stored permutation (`perm[i]` = the bank's index of displayed option i), or the typed text.

- single / truefalse: 1 if the one choice is right, else 0.
- multiple: "exact" (default) 1 only for exactly the right set; "partial": any wrong choice
  gives 0, otherwise the share of the right options chosen (2 of 3 → 0.667).
- fill: each blank right or wrong after normalising (full-width → half-width, spaces removed,
  case, surrounding punctuation), the mark is the share of blanks right.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

CHOICE = {"single", "multiple", "truefalse"}
MAX_BLANK_CHARS = 100
_SPACE = re.compile(r"\s+")
_EDGE_PUNCT = "。．.，,、！!？?；;：:\"'“”‘’「」『』《》<>()（）[]【】"


class ResponseError(ValueError):
    """A response of the wrong shape for its question (a message a member can read)."""


def normalise_text(text: str) -> str:
    """'  １９２１ 年。' → '1921年': what two fill answers must share to count as the same."""
    text = unicodedata.normalize("NFKC", text)
    text = _SPACE.sub("", text).casefold()
    return text.strip(_EDGE_PUNCT)


def blanks(question: dict[str, Any]) -> int:
    return len(question["answer"]) if question["type"] == "fill" and question["answer"] else 1


def check_response(qtype: str, n_options: int, n_blanks: int, response: Any) -> list[Any]:
    """Validate a response's shape; returns it as stored (ints for choices, str for blanks)."""
    if not isinstance(response, list):
        raise ResponseError("答案格式不正确")
    if qtype in CHOICE:
        if not all(isinstance(i, int) and not isinstance(i, bool) for i in response):
            raise ResponseError("请选择选项")
        if any(not 0 <= i < n_options for i in response) or len(set(response)) != len(response):
            raise ResponseError("选项不存在")
        if qtype in {"single", "truefalse"} and len(response) > 1:
            raise ResponseError("本题只能选一个选项")
        return sorted(response)
    if len(response) != n_blanks or not all(isinstance(t, str) for t in response):
        raise ResponseError(f"本题有 {n_blanks} 个空，请逐一填写")
    if any(len(t) > MAX_BLANK_CHARS for t in response):
        raise ResponseError(f"填空内容过长（每空最多 {MAX_BLANK_CHARS} 字）")
    return [t.strip() for t in response]


def mark(
    question: dict[str, Any], perm: list[int], response: list[Any] | None, scoring: str = "exact"
) -> float:
    """The mark of one response (None: not answered → 0)."""
    if not response:
        return 0.0
    qtype = question["type"]
    if qtype in CHOICE:
        chosen = {perm[i] for i in response if 0 <= i < len(perm)}
        right = set(question["answer"])
        if chosen == right:
            return 1.0
        if qtype == "multiple" and scoring == "partial" and chosen and chosen <= right:
            return round(len(chosen) / len(right), 3)
        return 0.0
    accepted = question["answer"]
    got = sum(
        1
        for typed, alts in zip(response, accepted, strict=False)
        if normalise_text(str(typed)) in {normalise_text(a) for a in alts}
    )
    return round(got / len(accepted), 3)


def right_answer(question: dict[str, Any], perm: list[int]) -> list[Any]:
    """The answer as the member saw the question: displayed positions, or accepted texts."""
    if question["type"] in CHOICE:
        shown = {orig: pos for pos, orig in enumerate(perm)}
        return sorted(shown[i] for i in question["answer"])
    return [alts[0] for alts in question["answer"]]

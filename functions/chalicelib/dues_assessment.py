"""党费核定: the monthly dues from the base and the brackets (dues_rules.py), the assessments
written with their history, and the assessment in force for a month.

- `compute` is pure: category + base (fen) + rules → amount (fen), the bracket's explanation
  line and the rate; integer fen and `Decimal` only.
- `assess` writes one month's assessment of one member, idempotently: the same member, month
  and inputs again change nothing. What may change an assessment:
  - a later month: a new item (a base change, the yearly recalculation, new rules); the months
    before keep theirs, so January's amount stays explained by January's base;
  - the same month with other inputs, or a month before her latest assessment: only as a
    correction (`correct=True` and a `note` saying why); a corrected month keeps the version
    it replaces in `replaced`. Without it the change is refused (`AssessmentConflictError`).
- `reassess` is the yearly recalculation of one member (tools/dues_recalculate.py runs it for
  everyone): her latest category and base, assessed again from the given month.
- `in_force(member_no, month)` is what collection (dues_collection.py) reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pynamodb.exceptions import PutError

from . import clock
from .dues_rules import Rules, bracket_text, fen_text
from .dues_rules import rules as default_rules
from .models.dues import DuesAssessment, Replaced

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
REASONS: dict[str, str] = {
    "first": "首次核定",
    "base_change": "基数变更",
    "yearly": "年度重新核定",
    "rules_change": "交纳标准调整后重新核定",
    "correction": "更正",
}
NOTE_MAX = 200


class DuesInputError(ValueError):
    """The inputs cannot be assessed (the message is Chinese and says why)."""


class AssessmentConflictError(ValueError):
    """The change would alter a month already assessed without the explicit correction."""


# --- the computation -------------------------------------------------------------------------


def compute(
    category: str, base_fen: int | None, rules: Rules, fixed_fen: int | None = None
) -> tuple[int, str, str | None]:
    """(amount in fen, the explanation line a member reads, the rate or None for a fixed amount).

    `base_fen` is the monthly base for a bracket category and must be None otherwise;
    `fixed_fen` is the amount the branch sets (category kind `set`) and None otherwise."""
    cat = rules.categories.get(category)
    if cat is None:
        raise DuesInputError(f"未知的党费类别「{category}」")
    if cat.kind == "brackets":
        if base_fen is None or base_fen <= 0:
            raise DuesInputError(f"{cat.label}须有大于 0 的{cat.base_label}")
        if fixed_fen is not None:
            raise DuesInputError(f"{cat.label}按比例交纳，不填固定金额")
        band = next(b for b in cat.brackets if b.holds(base_fen))
        amount = rules.round_fen(Decimal(base_fen) * band.rate)
        if amount <= 0:
            raise DuesInputError(f"{cat.base_label}过低，按比例计算不足 1 分")
        return amount, bracket_text(cat, band), band.rate_text
    if base_fen is not None:
        raise DuesInputError(f"{cat.label}按固定金额交纳，不填基数")
    if cat.kind == "fixed":
        assert cat.amount_fen is not None
        if fixed_fen is not None and fixed_fen != cat.amount_fen:
            raise DuesInputError(f"{cat.label}每月交纳 {fen_text(cat.amount_fen)} 元，不另填金额")
        text = f"{cat.label}：每月交纳 {fen_text(cat.amount_fen)} 元"
        if cat.min_fen is not None and cat.max_fen is not None:
            text += (
                f"（规定为 {fen_text(cat.min_fen)} 元至 {fen_text(cat.max_fen)} 元，由本组织确定）"
            )
        return cat.amount_fen, text, None
    amount = fixed_fen if fixed_fen is not None else cat.amount_fen
    if amount is None:
        raise DuesInputError(f"{cat.label}须填写党支部核定的固定金额")
    assert cat.min_fen is not None and cat.max_fen is not None
    if not cat.min_fen <= amount <= cat.max_fen:
        raise DuesInputError(
            f"{cat.label}的固定金额须在 {fen_text(cat.min_fen)} 元至 "
            f"{fen_text(cat.max_fen)} 元之间（含）"
        )
    return amount, f"{cat.label}：由党支部核定，每月交纳 {fen_text(amount)} 元", None


# --- reads -----------------------------------------------------------------------------------


def in_force(member_no: str, month: str) -> DuesAssessment | None:
    """The assessment that sets her dues for `month` ("YYYY-MM"), or None (never assessed):
    the newest one in force from that month or earlier, one Query."""
    for item in DuesAssessment.query(
        member_no,
        DuesAssessment.effective_from <= month,
        scan_index_forward=False,
        limit=1,
        consistent_read=True,
    ):
        return item
    return None


def history(member_no: str) -> list[DuesAssessment]:
    """Every assessment of hers, newest month first (one Query: a few items a year)."""
    return list(DuesAssessment.query(member_no, scan_index_forward=False, consistent_read=True))


def latest(member_no: str) -> DuesAssessment | None:
    for item in DuesAssessment.query(
        member_no, scan_index_forward=False, limit=1, consistent_read=True
    ):
        return item
    return None


def _get(member_no: str, month: str) -> DuesAssessment | None:
    try:
        return DuesAssessment.get(member_no, month, consistent_read=True)
    except DuesAssessment.DoesNotExist:
        return None


def check_month(month: str) -> str:
    if not MONTH.match(month or ""):
        raise DuesInputError("月份格式应为 YYYY-MM")
    return month


# --- writes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Assessed:
    outcome: str  # "created" / "unchanged" / "corrected"
    item: DuesAssessment


def _same(
    item: DuesAssessment, category: str, base_fen: int | None, amount: int, text: str
) -> bool:
    return (item.category, item.base_fen, item.amount_fen, item.bracket) == (
        category,
        base_fen,
        amount,
        text,
    )


def _snapshot(item: DuesAssessment) -> Replaced:
    return Replaced(
        category=item.category,
        base_fen=item.base_fen,
        amount_fen=item.amount_fen,
        bracket=item.bracket,
        rate=item.rate,
        reason=item.reason,
        note=item.note,
        source=item.source,
        assessed_at=item.assessed_at,
        assessed_by=item.assessed_by,
    )


def assess(
    member_no: str,
    month: str,
    category: str,
    base_fen: int | None,
    *,
    branch_id: str,
    reason: str,
    by: str,
    fixed_fen: int | None = None,
    source: str | None = None,
    note: str | None = None,
    correct: bool = False,
    rules: Rules | None = None,
    dry_run: bool = False,
) -> Assessed:
    """Assess her dues from `month` on (the module's docstring says what may change what).

    `reason` is that of a new month ("base_change", "yearly", "rules_change"); her very first
    assessment is recorded as "first" and a correction as "correction". A base change with the
    inputs already in force that month writes nothing ("unchanged"). `dry_run`: the outcome
    (and any refusal) without writing."""
    check_month(month)
    if reason not in REASONS:
        raise DuesInputError(f"未知的核定原因「{reason}」")
    rules = rules or default_rules()
    amount, text, rate = compute(category, base_fen, rules, fixed_fen)
    note = (note or "").strip() or None
    if correct and (note is None or len(note) > NOTE_MAX):
        raise DuesInputError(f"更正须说明原因（1–{NOTE_MAX} 个字）")

    def item(reason_now: str, replaced: list[Replaced] | None) -> DuesAssessment:
        return DuesAssessment(
            member_no,
            month,
            category=category,
            base_fen=base_fen,
            amount_fen=amount,
            bracket=text,
            rate=rate,
            rules_digest=rules.digest,
            reason=reason_now,
            note=note if reason_now == "correction" else None,
            branch_id=branch_id,
            source=source,
            assessed_at=int(clock.now()),
            assessed_by=by,
            replaced=replaced,
        )

    existing = _get(member_no, month)
    if existing is not None:
        if _same(existing, category, base_fen, amount, text):
            return Assessed("unchanged", existing)
        if not correct:
            raise AssessmentConflictError(
                f"{month} 已核定（每月 {fen_text(existing.amount_fen)} 元），"
                "更正须明确说明原因（--correct --note）"
            )
        new = item("correction", [*(existing.replaced or []), _snapshot(existing)])
        if not dry_run:
            # The version read is the one replaced: a parallel correction fails, never overwrites.
            try:
                new.save(condition=DuesAssessment.assessed_at == existing.assessed_at)
            except PutError as exc:
                if exc.cause_response_code != "ConditionalCheckFailedException":
                    raise
                changed = f"{month} 的核定刚被另一操作改动，请重新核对"
                raise AssessmentConflictError(changed) from None
        return Assessed("corrected", new)

    before = in_force(member_no, month)
    newest = latest(member_no)
    if newest is not None and newest.effective_from > month and not correct:
        raise AssessmentConflictError(
            f"已有 {newest.effective_from} 的核定：不能改动此前月份的核定，"
            "更正须明确说明原因（--correct --note）"
        )
    # The base in force already (a file sent again, or a --correct file's untouched rows).
    same_as_before = before is not None and _same(before, category, base_fen, amount, text)
    if same_as_before and reason == "base_change":
        assert before is not None
        return Assessed("unchanged", before)
    if correct and newest is not None and newest.effective_from > month:
        reason_now = "correction"
    else:
        reason_now = reason if before is not None or newest is not None else "first"
    new = item(reason_now, None)
    if not dry_run:
        try:
            new.save(condition=DuesAssessment.effective_from.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
            # Written meanwhile by a parallel run: the same inputs are the same assessment.
            other = _get(member_no, month)
            if other is not None and _same(other, category, base_fen, amount, text):
                return Assessed("unchanged", other)
            raise AssessmentConflictError(f"{month} 的核定刚被另一操作写入，请重新核对") from None
    return Assessed("created", new)


def reassess(
    member_no: str,
    month: str,
    reason: str,
    *,
    branch_id: str,
    by: str,
    rules: Rules | None = None,
    dry_run: bool = False,
) -> Assessed | None:
    """The yearly recalculation (or after new rules) of one member: her assessment in force at
    `month`, computed again from `month` with the same category and base (a `set` amount kept).
    None when she has none in force then. "yearly" always records the month (the year's
    assessment, even when the amount is the same); "rules_change" only where the result differs.
    A month already assessed is left as it is (unchanged, or a conflict the caller reports)."""
    if reason not in ("yearly", "rules_change"):
        raise DuesInputError("重新核定的原因须为 yearly 或 rules_change")
    rules = rules or default_rules()
    current = in_force(member_no, month)
    if current is None:
        return None
    fixed = current.amount_fen if _kind(rules, current.category) == "set" else None
    if current.effective_from != month and reason == "rules_change":
        amount, text, _ = compute(current.category, current.base_fen, rules, fixed)
        if _same(current, current.category, current.base_fen, amount, text):
            return Assessed("unchanged", current)
    return assess(
        member_no,
        month,
        current.category,
        current.base_fen,
        branch_id=branch_id,
        reason=reason,
        by=by,
        fixed_fen=fixed,
        source=current.source,
        rules=rules,
        dry_run=dry_run,
    )


def _kind(rules: Rules, category: str) -> str:
    cat = rules.categories.get(category)
    if cat is None:
        raise DuesInputError(f"交纳标准中已没有类别「{category}」：请先为其重新导入基数")
    return cat.kind


# --- what the member and her branch's staff read ---------------------------------------------


def _row(item: DuesAssessment | Replaced, rules: Rules) -> dict[str, Any]:
    cat = rules.categories.get(item.category)
    return {
        "category": item.category,
        "category_label": cat.label if cat else item.category,
        "base_label": cat.base_label if cat and cat.base_label else None,
        "base": fen_text(item.base_fen) if item.base_fen is not None else None,
        "amount": fen_text(item.amount_fen),
        "amount_fen": item.amount_fen,
        "bracket": item.bracket,
        "rate": item.rate,
        "reason": item.reason,
        "reason_label": REASONS.get(item.reason, item.reason),
        "note": item.note,
        "assessed_at": clock_iso(item.assessed_at),
    }


def clock_iso(seconds: int | float) -> str:
    from datetime import datetime

    return datetime.fromtimestamp(int(seconds), clock.TZ).isoformat(timespec="seconds")


def report(member_no: str, name: str) -> dict[str, Any]:
    """Her assessments for the screen: the one in force this month and the whole history
    (newest first; future months marked upcoming), each with its base in yuan, the amount
    ("12.50"), the bracket's explanation, the rate and why it was made."""
    rules = default_rules()
    month = clock.local_now().strftime("%Y-%m")
    items = history(member_no)
    current = next((i for i in items if i.effective_from <= month), None)
    rows = []
    for item in items:
        row = {
            "effective_from": item.effective_from,
            **_row(item, rules),
            "in_force": item is current,
            "upcoming": item.effective_from > month,
            "corrections": [_row(r, rules) for r in reversed(item.replaced or [])],
        }
        rows.append(row)
    return {
        "member_no": member_no,
        "name": name,
        "month": month,
        "current": next((r for r in rows if r["in_force"]), None),
        "history": rows,
        "regulation": f"《{rules.regulation}》（{rules.issued} 年）",
        "rounding": rules.rounding_label,
        "note": "本平台只记录党费，不收取款项。",
    }

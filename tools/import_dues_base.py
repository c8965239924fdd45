"""Import the finance spreadsheet of dues bases (党费基数) from CSV or XLSX:
`python -m tools.import_dues_base FILE [--dry-run] [--correct --note 原因]` (`make dues-import`).

Columns: 党员编号, 姓名 (checked against the registry), 类别 (a category of dues_rules.toml by
its label, alias or key), 月收入基数（元） (bracket categories), 生效月份 (YYYY-MM), and
固定金额（元） (the amount the branch sets, category kind `set`). All or nothing: every row is
checked — against the file, the registry, the rules and the assessments already made — before
anything is written; one error and nothing is (exit 1), each as 第 N 行 field: message. A month
already assessed with other inputs, or a month before her latest assessment, is refused unless
`--correct` with `--note` says why (dues_assessment.assess). The base is personal data: the
summary prints amounts and counts, never a base.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from chalicelib import clock, dues_assessment
from chalicelib.dues_assessment import AssessmentConflictError, DuesInputError
from chalicelib.dues_rules import Rules, fen_text, yuan_to_fen
from tools.registry_import import (
    MemberRecord,
    RowError,
    format_errors,
    load_members,
    parse_date,
)
from tools.spreadsheet import Row, TableError, read_table

NO, NAME, CATEGORY, BASE, MONTH, FIXED = (
    "党员编号", "姓名", "类别", "月收入基数（元）", "生效月份", "固定金额（元）",
)  # fmt: skip
HEADERS = (NO, NAME, CATEGORY, BASE, MONTH, FIXED)
REQUIRED = (NO, NAME, CATEGORY, MONTH)
MAX_BASE_FEN = 100_000_000  # 1,000,000 元 a month: anything above is a typing slip
MONTHS_AHEAD = 12
OUTCOMES = ("created", "corrected", "unchanged")
_GROUPED = re.compile(r"^[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$")  # "12,500.00" as Excel shows it
_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
_MONTH = re.compile(r"^([0-9]{4})\s*(?:[-/.]|年)\s*([0-9]{1,2})\s*(?:月)?(?:[-/.]([0-9]{1,2}))?$")


@dataclass(frozen=True)
class BaseRecord:
    member_no: str
    name: str
    category: str
    base_fen: int | None
    fixed_fen: int | None
    month: str
    branch_id: str
    row: int


def parse_month(text: str) -> str:
    """The month a base takes effect: "2027-01", "2027/1", "2027年1月", or a date cell on the
    1st ("2027-01-01", or its Excel serial number when the cell lost its date format)."""
    if re.match(r"^[0-9]{5}$", text.strip()):
        day = parse_date(text.strip())
        if day.day != 1:
            raise ValueError(text)
        return f"{day.year:04d}-{day.month:02d}"
    found = _MONTH.match(text.strip())
    if found is None:
        raise ValueError(text)
    year, month, day = int(found[1]), int(found[2]), found[3]
    if not 1 <= month <= 12 or (day is not None and int(day) != 1):
        raise ValueError(text)
    return f"{year:04d}-{month:02d}"


def _money(text: str, field: str, bad) -> int | None:
    """Yuan as typed → fen; each kind of mistake in its own words."""
    raw = text.strip().removesuffix("元").strip()
    if _GROUPED.match(raw):
        raw = raw.replace(",", "")
    if not _NUMBER.match(raw):
        bad(field, "须为数字（元）", text)
        return None
    if raw.startswith("-"):
        bad(field, "不能为负数", text)
        return None
    try:
        return yuan_to_fen(raw)
    except ValueError:
        bad(field, "最多两位小数（到分）", text)
        return None


def _months_after(month: str, n: int) -> str:
    year, mm = int(month[:4]), int(month[5:7]) + n
    year, mm = year + (mm - 1) // 12, (mm - 1) % 12 + 1
    return f"{year:04d}-{mm:02d}"


def validate(
    rows: Sequence[Row], members: dict[str, MemberRecord], rules: Rules, today: date
) -> tuple[list[BaseRecord], list[RowError]]:
    """Check every row against the file, the registry and the rules (no database)."""
    errors: list[RowError] = []
    records: list[BaseRecord] = []
    first_row: dict[tuple[str, str], int] = {}
    this_month = today.strftime("%Y-%m")
    latest_month = _months_after(this_month, MONTHS_AHEAD)
    earliest_month = f"{rules.issued:04d}-01"
    for row in rows:
        n, before = row.number, len(errors)

        def bad(field: str, message: str, value: str = "", n: int = n) -> None:
            errors.append(RowError(n, field, message, value))

        no = row.get(NO)
        member = members.get(no)
        if not no:
            bad(NO, "不能为空")
        elif member is None:
            bad(NO, "名册中没有该党员", no)
        elif not member.active:
            bad(NO, "该党员已停用", no)
        name = row.get(NAME)
        if not name:
            bad(NAME, "不能为空")
        elif member is not None and re.sub(r"\s", "", name) != re.sub(r"\s", "", member.name):
            bad(NAME, f"与名册不符（名册为「{member.name}」）", name)

        cat_text = row.get(CATEGORY)
        cat = rules.find(cat_text) if cat_text else None
        if not cat_text:
            bad(CATEGORY, "不能为空")
        elif cat is None:
            labels = "、".join(c.label for c in rules.categories.values())
            bad(CATEGORY, f"无法识别的类别，应为 {labels} 之一", cat_text)

        month = None
        if not (month_text := row.get(MONTH)):
            bad(MONTH, "不能为空")
        else:
            try:
                month = parse_month(month_text)
            except ValueError:
                bad(MONTH, "格式不正确，应为 YYYY-MM（如 2027-01）", month_text)
            else:
                if month > latest_month:
                    bad(MONTH, f"不能晚于 {latest_month}", month_text)
                elif month < earliest_month:
                    bad(MONTH, f"不能早于 {earliest_month}", month_text)
                elif no and (no, month) in first_row:
                    bad(NO, f"与第 {first_row[no, month]} 行重复（同一党员同一生效月份）", no)
                elif no:
                    first_row[no, month] = n

        base_text, fixed_text = row.get(BASE), row.get(FIXED)
        base = _money(base_text, BASE, bad) if base_text else None
        fixed = _money(fixed_text, FIXED, bad) if fixed_text else None
        if cat is not None and cat.kind == "brackets":
            if not base_text:
                bad(BASE, f"{cat.label}须填写{cat.base_label}")
            elif base is not None and base <= 0:
                bad(BASE, "须大于 0（无收入的党员请按学生、下岗失业等类别核定）", base_text)
            elif base is not None and base > MAX_BASE_FEN:
                bad(BASE, f"超过 {MAX_BASE_FEN // 100} 元，请核对", base_text)
            if fixed_text:
                bad(FIXED, f"{cat.label}按比例交纳，不填固定金额", fixed_text)
        elif cat is not None:
            if base_text:
                bad(BASE, f"{cat.label}不按收入计算，不填基数", base_text)
            if cat.kind == "fixed" and fixed_text:
                bad(
                    FIXED,
                    f"{cat.label}每月交纳 {fen_text(cat.amount_fen or 0)} 元，不填固定金额",
                    fixed_text,
                )
            if cat.kind == "set":
                assert cat.min_fen is not None and cat.max_fen is not None
                if not fixed_text and cat.amount_fen is None:
                    bad(FIXED, f"{cat.label}须填写党支部核定的每月金额")
                elif fixed is not None and not cat.min_fen <= fixed <= cat.max_fen:
                    span = f"{fen_text(cat.min_fen)} 元至 {fen_text(cat.max_fen)} 元"
                    bad(FIXED, f"须在 {span}之间（含）", fixed_text)
        if len(errors) > before or member is None or cat is None or month is None:
            continue
        try:
            dues_assessment.compute(cat.key, base, rules, fixed)
        except DuesInputError as exc:  # e.g. a base so low that it comes to less than a fen
            bad(BASE if base is not None else FIXED, str(exc), base_text or fixed_text)
            continue
        records.append(
            BaseRecord(no, member.name, cat.key, base, fixed, month, member.branch_id, n)
        )
    return records, errors


@dataclass
class Outcome:
    record: BaseRecord
    outcome: str  # created / unchanged / corrected
    amount_fen: int
    reason: str


def run(
    path: str,
    records: Sequence[BaseRecord],
    rules: Rules,
    *,
    dry_run: bool,
    correct: bool = False,
    note: str | None = None,
) -> tuple[list[Outcome], list[RowError]]:
    """Each record against the assessments already made, in month order per member; written
    only when `dry_run` is False (and the caller has seen no error in a dry run first)."""
    outcomes: list[Outcome] = []
    errors: list[RowError] = []
    source = Path(path).name
    for r in sorted(records, key=lambda r: (r.member_no, r.month)):
        try:
            done = dues_assessment.assess(
                r.member_no,
                r.month,
                r.category,
                r.base_fen,
                branch_id=r.branch_id,
                reason="base_change",
                by="import",
                fixed_fen=r.fixed_fen,
                source=f"{source}:{r.row}",
                note=note,
                correct=correct,
                rules=rules,
                dry_run=dry_run,
            )
        except AssessmentConflictError as exc:
            errors.append(RowError(r.row, MONTH, str(exc), r.month))
            continue
        except DuesInputError as exc:
            errors.append(RowError(r.row, MONTH, str(exc), r.month))
            continue
        outcomes.append(Outcome(r, done.outcome, done.item.amount_fen, done.item.reason))
    errors.sort(key=lambda e: e.row)
    return outcomes, errors


def summary(outcomes: Sequence[Outcome], dry_run: bool) -> str:
    made, fixed, same = (sum(o.outcome == k for o in outcomes) for k in OUTCOMES)
    lines = [f"新核定 {made} 条，更正 {fixed} 条，未变 {same} 条。"]
    for o in outcomes:
        if o.outcome != "unchanged":
            verb = "新核定" if o.outcome == "created" else "更正"
            label = dues_assessment.REASONS.get(o.reason, o.reason)
            lines.append(
                f"  {verb} {o.record.member_no} {o.record.name} {o.record.month} 起每月 "
                f"{fen_text(o.amount_fen)} 元（{label}）"
            )
    if dry_run:
        lines.append("试运行（--dry-run）：未写入数据库。")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="从 CSV/XLSX 导入党费基数并核定党费")
    parser.add_argument("file", help="表头：" + ",".join(HEADERS))
    parser.add_argument("--dry-run", action="store_true", help="只检查并显示变化，不写入")
    parser.add_argument(
        "--correct", action="store_true", help="更正已核定月份（或更早月份）的核定，须同时 --note"
    )
    parser.add_argument("--note", help="更正的原因（党员会看到）")
    args = parser.parse_args(argv)
    if args.correct and not (args.note or "").strip():
        print("--correct 须用 --note 说明更正原因", file=sys.stderr)
        return 2
    from chalicelib.dues_rules import DuesRulesError, rules

    try:
        the_rules = rules()
    except DuesRulesError as exc:
        print(f"党费交纳标准有误，未导入：\n{exc}", file=sys.stderr)
        return 1
    try:
        rows = read_table(args.file, HEADERS, REQUIRED)
    except (TableError, OSError) as exc:
        print(f"{args.file}: {exc}", file=sys.stderr)
        return 1
    members = {m.member_no: m for m in load_members()}
    records, errors = validate(rows, members, the_rules, clock.today())
    if not errors:  # the database's side of every row, before anything is written
        _, errors = run(
            args.file, records, the_rules, dry_run=True, correct=args.correct, note=args.note
        )
    if errors:
        print(format_errors(args.file, errors), file=sys.stderr)
        return 1
    outcomes, errors = run(
        args.file, records, the_rules, dry_run=args.dry_run, correct=args.correct, note=args.note
    )
    if errors:  # changed between the check and the write (another import at the same time)
        print(format_errors(args.file, errors), file=sys.stderr)
        return 1
    print(summary(outcomes, args.dry_run))
    return 0


if __name__ == "__main__":
    sys.exit(main())

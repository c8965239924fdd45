"""Import dues payments from a finance or bank export (CSV or XLSX):
`python -m tools.import_dues_payments FILE [--dry-run]` (`make import-dues-payments FILE=…`).

Columns: 流水号 (the bank's / finance's reference), 党员编号, 姓名 (checked against the registry),
金额 (yuan, at most two decimals), 交费日期. Every row is checked first — reference format and
repeats, member known and active, name, amount, date, and whether her months can take it (arrears,
this month and at most 12 months ahead) — and every problem is reported as `FILE:ROW: 字段：…`; one
bad row and nothing is written (exit code 1). Each payment is recorded by its reference
(`bank:<流水号>`) with `dues_collection.record`: importing the same file again, or two imports at
once, records each payment exactly once; a reference already recorded with another member, amount
or date is an error.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from chalicelib import clock
from chalicelib import dues_collection as dc
from chalicelib.identifiers import is_member_no
from tools.registry_import import parse_date
from tools.spreadsheet import Row, TableError, read_table

HEADERS = ("流水号", "党员编号", "姓名", "金额", "交费日期")
_AMOUNT = re.compile(r"^[0-9]{1,9}(\.[0-9]{1,2})?$")


@dataclass(frozen=True)
class Problem:
    row: int
    field: str
    message: str

    def at(self, path: str | Path) -> str:
        return f"{path}:{self.row}: {self.field}：{self.message}"


@dataclass(frozen=True)
class Line:
    row: int
    payment: dc.PaymentIn
    name: str


def _fen(text: str) -> int | None:
    text = text.replace(",", "").replace("，", "").replace("¥", "").replace("￥", "").strip()
    if not _AMOUNT.match(text):
        return None
    try:
        return int(Decimal(text) * 100)
    except InvalidOperation:
        return None


def validate(rows: Sequence[Row], source: str) -> tuple[list[Line], list[Problem], int]:
    """The file's payments to record, its problems, and how many rows are recorded already."""
    from chalicelib.models import Member

    problems: list[Problem] = []
    lines: list[Line] = []
    seen: dict[str, int] = {}
    numbers = sorted({r.get("党员编号") for r in rows if is_member_no(r.get("党员编号"))})
    members = {}
    for i in range(0, len(numbers), 100):
        members.update({m.member_no: m for m in Member.batch_get(numbers[i : i + 100])})
    today = clock.today()
    already = 0
    for r in rows:
        bad = [0]

        def problem(field: str, message: str, r: Row = r, bad: list[int] = bad) -> None:
            problems.append(Problem(r.number, field, message))
            bad[0] += 1

        ref = r.get("流水号")
        if not dc.BANK_REF.match(ref):
            problem("流水号", f"应为 4–40 位字母、数字、_ 或 -（{ref or '空'}）")
        elif ref in seen:
            problem("流水号", f"与第 {seen[ref]} 行重复（{ref}）")
        else:
            seen[ref] = r.number
        number = r.get("党员编号")
        member = members.get(number)
        if member is None:
            problem("党员编号", f"找不到该党员（{number or '空'}）")
        elif not member.active:
            problem("党员编号", f"该党员已停用（{number}）")
        elif r.get("姓名") != member.name:
            problem("姓名", f"与党员编号 {number} 的姓名「{member.name}」不符（{r.get('姓名')}）")
        fen = _fen(r.get("金额"))
        if fen is None or not 1 <= fen <= dc.MAX_AMOUNT_FEN:
            most = dc.yuan(dc.MAX_AMOUNT_FEN)
            problem("金额", f"应为 0.01 至 {most} 元、至多两位小数（{r.get('金额') or '空'}）")
        try:
            day = parse_date(r.get("交费日期"))
        except (ValueError, OverflowError):
            day = None
            problem("交费日期", f"应为 YYYY-MM-DD（{r.get('交费日期') or '空'}）")
        if day is not None and day > today:
            problem("交费日期", f"不能晚于今天（{day.isoformat()}）")
        elif day is not None and (today - day).days > dc.MAX_PAYMENT_AGE_DAYS:
            problem("交费日期", f"早于 {dc.MAX_PAYMENT_AGE_DAYS} 天前（{day.isoformat()}）")
        if bad[0]:
            continue
        payment = dc.PaymentIn(
            ref=dc.bank_ref(ref),
            member_no=member.member_no,
            amount_fen=fen,
            paid_on=day.isoformat(),
            method="bank",
            source=f"{source}:{r.number}",
            recorded_by="import",
        )
        existing = dc.get_payment(payment.ref)
        if existing is not None:
            if (existing.member_no, int(existing.amount_fen), existing.paid_on) != (
                payment.member_no, payment.amount_fen, payment.paid_on,
            ):  # fmt: skip
                problem(
                    "流水号",
                    f"已记录为另一笔付款（党员 {existing.member_no}，"
                    f"{dc.yuan(existing.amount_fen)} 元，{existing.paid_on}）",
                )
            else:
                already += 1
            continue
        lines.append(Line(r.number, payment, member.name))
    problems += _room_problems(lines)
    return lines, sorted(problems, key=lambda p: p.row), already


def _room_problems(lines: list[Line]) -> list[Problem]:
    """Each member's new payments together must fit what her months can take."""
    out = []
    per: dict[str, list[Line]] = {}
    for line in lines:
        per.setdefault(line.payment.member_no, []).append(line)
    for member_no, mine in per.items():
        room = dc.room(member_no)
        total = 0
        for line in mine:
            total += line.payment.amount_fen
            if room is None:
                out.append(Problem(line.row, "党员编号", f"该党员党费尚未核定（{member_no}）"))
            elif total > room:
                out.append(
                    Problem(
                        line.row,
                        "金额",
                        f"超出应交与可预交（至多预交 {dc.MAX_AHEAD} 个月）的合计："
                        f"还可记录 {dc.yuan(max(0, room - total + line.payment.amount_fen))} 元",
                    )
                )
    return out


def apply(lines: Sequence[Line]) -> tuple[int, int]:
    """Record each payment by its reference: (created, found recorded already — a parallel
    import or a rerun after an interruption)."""
    created = existing = 0
    for line in lines:
        _, new = dc.record(line.payment)
        created += new
        existing += not new
    return created, existing


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="从财务/银行导出的 CSV/XLSX 导入党费交纳记录")
    parser.add_argument("file", help="表头：" + ",".join(HEADERS))
    parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")
    args = parser.parse_args(argv)
    try:
        rows = read_table(args.file, HEADERS)
    except (TableError, OSError) as exc:
        print(f"{args.file}: {exc}", file=sys.stderr)
        return 1
    lines, problems, already = validate(rows, Path(args.file).name)
    if problems:
        head = f"{args.file}: 发现 {len(problems)} 处错误，未导入任何数据。"
        print("\n".join([head, *(p.at(args.file) for p in problems)]), file=sys.stderr)
        return 1
    total = sum(line.payment.amount_fen for line in lines)
    if args.dry_run:
        print(f"将新记录 {len(lines)} 笔（{dc.yuan(total)} 元），已记录 {already} 笔。")
        print("试运行（--dry-run）：未写入。")
        return 0
    try:
        created, existing = apply(lines)
    except dc.PaymentRefusedError as exc:
        print(f"{args.file}: {exc}（其余各行可修正后重新导入，已记录的不会重复）", file=sys.stderr)
        return 1
    print(
        f"新记录 {created} 笔（{dc.yuan(total)} 元）；已记录 {already + existing} 笔，未重复记录。"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

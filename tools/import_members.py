"""Import members from CSV or XLSX: `python -m tools.import_members FILE [--deactivate-missing]`.

Every row is checked first; one bad row and nothing is written (exit code 1). Re-imports update
only the registry fields: activated accounts keep their password and sessions. Members moved by
the platform (组织关系转接, 党员发展) are handled as `registry_import.plan_member_import` says.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from tools.registry_import import (
    MEMBER_HEADERS,
    MEMBER_REQUIRED,
    SUMMARY_LABELS,
    MemberPlan,
    apply_member_import,
    format_errors,
    load_members,
    load_units,
    member_summary,
    plan_member_import,
    validate_members,
)
from tools.spreadsheet import TableError, read_table

FIELD_LABELS = SUMMARY_LABELS


def summary(plan: MemberPlan, deactivate_missing: bool, dry_run: bool) -> str:
    return "\n".join(member_summary(plan, deactivate_missing, dry_run))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="从 CSV/XLSX 导入党员名册")
    parser.add_argument(
        "file",
        help=f"表头：{','.join(MEMBER_REQUIRED)}（可选：{','.join(MEMBER_HEADERS[8:])}）",
    )
    parser.add_argument(
        "--deactivate-missing",
        action="store_true",
        help="停用数据库中有而文件中没有的党员，并结束其登录",
    )
    parser.add_argument("--dry-run", action="store_true", help="只检查并显示变化，不写入")
    args = parser.parse_args(argv)
    try:
        rows = read_table(args.file, MEMBER_HEADERS, MEMBER_REQUIRED)
    except (TableError, OSError) as exc:
        print(f"{args.file}: {exc}", file=sys.stderr)
        return 1
    records, errors = validate_members(rows, load_units())
    if errors:
        print(format_errors(args.file, errors), file=sys.stderr)
        return 1
    plan = plan_member_import(records, load_members())
    if plan.errors:
        print(format_errors(args.file, plan.errors), file=sys.stderr)
        return 1
    if not args.dry_run:
        apply_member_import(plan, deactivate_missing=args.deactivate_missing)
    print(summary(plan, args.deactivate_missing, args.dry_run))
    return 0


if __name__ == "__main__":
    sys.exit(main())

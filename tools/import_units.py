"""Import org units from CSV or XLSX: `python -m tools.import_units FILE [--dry-run]`.

Every row is checked first; one bad row and nothing is written (exit code 1).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from tools.registry_import import (
    UNIT_HEADERS,
    UnitPlan,
    apply_unit_import,
    format_errors,
    kind_change_errors,
    load_units,
    plan_unit_import,
    unit_summary,
    validate_units,
)
from tools.spreadsheet import TableError, read_table


def summary(plan: UnitPlan, dry_run: bool) -> str:
    return "\n".join(unit_summary(plan, dry_run))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="从 CSV/XLSX 导入党组织单位")
    parser.add_argument("file", help="表头：" + ",".join(UNIT_HEADERS))
    parser.add_argument("--dry-run", action="store_true", help="只检查并显示变化，不写入")
    args = parser.parse_args(argv)
    try:
        rows = read_table(args.file, UNIT_HEADERS)
    except (TableError, OSError) as exc:
        print(f"{args.file}: {exc}", file=sys.stderr)
        return 1
    existing = load_units()
    records, errors = validate_units(rows, existing)
    errors = errors or kind_change_errors(records, existing)
    if errors:
        print(format_errors(args.file, errors), file=sys.stderr)
        return 1
    plan = plan_unit_import(records, existing)
    if not args.dry_run:
        apply_unit_import(plan)
    print(summary(plan, args.dry_run))
    if not args.dry_run and plan.updated:
        # Moved or renamed units: their records' copies of path and name follow now, not
        # at the scheduled job's next run (unit_paths.py).
        from chalicelib import unit_paths

        stats = unit_paths.run(force=True)
        print(f"记录中的单位路径已更新：{stats.get('repathed', 0)} 条")
    return 0


if __name__ == "__main__":
    sys.exit(main())

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
    MemberPlan,
    apply_member_import,
    format_errors,
    load_members,
    load_units,
    plan_member_import,
    validate_members,
)
from tools.spreadsheet import TableError, read_table

FIELD_LABELS = {
    "name": "姓名",
    "gender": "性别",
    "phone": "手机号",
    "branch_id": "所在支部",
    "status": "人员类别",
    "roles": "职务",
    "joined_on": "入党日期",
    "active": "启用",
    "birth_date": "出生日期",
    "education": "学历",
    "occupation": "职业",
    "placed_by": "确认转接或发展后的所在支部",
}


def _missing_state(m, deactivate_missing: bool) -> str:
    if not m.active:
        return "已停用"
    if m.transfer_id:
        return "组织关系转接办理中，不停用"
    if m.placed_by:
        how = "组织关系转接转入" if m.placed_by == "transfer" else "党员发展接收"
        return f"经{how}，不停用"
    return "将停用" if deactivate_missing else "未处理"


def summary(plan: MemberPlan, deactivate_missing: bool, dry_run: bool) -> str:
    lines = [
        f"新增 {len(plan.added)} 人，更新 {len(plan.updated)} 人，未变 {len(plan.unchanged)} 人；"
        f"数据库中有而文件中没有 {len(plan.missing)} 人。"
    ]
    for change in plan.updated:
        fields = "、".join(FIELD_LABELS[f] for f in change.changed)
        lines.append(f"  更新 {change.record.member_no} {change.record.name}：{fields}")
    for m in plan.missing:
        lines.append(
            f"  文件中没有 {m.member_no} {m.name}（{_missing_state(m, deactivate_missing)}）"
        )
    if plan.notes:
        lines.append("未按文件处理：")
        lines.extend(plan.notes)
    if plan.missing and not deactivate_missing:
        lines.append("如需停用这些党员（并结束其登录），请加 --deactivate-missing 重新导入。")
    if dry_run:
        lines.append("试运行（--dry-run）：未写入数据库。")
    return "\n".join(lines)


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

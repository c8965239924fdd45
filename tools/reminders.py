"""Operators' side of the reminders (functions/chalicelib/reminders.toml):

    python -m tools.reminders check [FILE]        # check the file (file:line: field: problem)
    python -m tools.reminders list                # each reminder, its schedule, audience, status
    python -m tools.reminders run KEY [--day D] [--dry-run]   # run one now (or preview it)
    python -m tools.reminders due                 # what the hourly function would do now
    python -m tools.reminders reindex             # set every member's reminders-index key

`make reminders ARGS="run political_birthday --dry-run"` runs these against `make dev`'s tables,
or a stage's with STAGE=dev|prod. A run sends under the same event key as the scheduled one
(`reminder:<key>:<day>`), so running it by hand and the schedule never send anything twice.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from chalicelib import reminder_defs


def check(path: Path) -> int:
    try:
        found = reminder_defs.load(path)
    except reminder_defs.ReminderFileError as exc:
        print(exc, file=sys.stderr)
        return 1
    running = sum(r.runnable for r in found)
    print(f"{path}：{len(found)} 条提醒，{running} 条运行，其余停用或等待数据来源")
    return 0


def list_all(path: Path) -> int:
    try:
        found = reminder_defs.load(path)
    except reminder_defs.ReminderFileError as exc:
        print(exc, file=sys.stderr)
        return 1
    for r in found:
        params = "，".join(f"{k}={v}" for k, v in r.params.items())
        print(f"{r.key}  [{r.status()}]")
        print(
            f"  时间：{r.schedule.text}（北京时间）  对象：{r.audience.label}（{r.audience.name}）"
        )
        print(f"  字段：{'、'.join('{' + f + '}' for f in sorted(r.audience.fields))}")
        if params:
            print(f"  参数：{params}")
        print(f"  标题：{r.title}")
        print(f"  正文：{r.template}")
        print(f"  链接：{r.link}")
    return 0


def run(key: str, day: date | None, dry_run: bool) -> int:
    from chalicelib import reminders

    try:
        reminder = reminder_defs.by_key(key)
    except KeyError:
        known = "、".join(r.key for r in reminder_defs.reminders())
        print(f"没有提醒「{key}」（可用：{known}）", file=sys.stderr)
        return 2
    if reminder.waiting_for:
        print(f"{key}：{reminder.status()}，现在不能运行", file=sys.stderr)
        return 1
    if not reminder.enabled and not dry_run:
        print(f"{key} 已停用（enabled = false）；可用 --dry-run 预览", file=sys.stderr)
        return 1
    out = reminders.run_one(reminder, day, dry_run=dry_run)
    for member_no, title, body, url in out.previews:
        print(f"{member_no}  {title}\n  {body}\n  {url}")
    if dry_run:
        print(f"试运行：{out.period} 将发给 {out.recipients} 人，未写入任何消息")
    else:
        print(
            f"{key} {out.period}：{out.recipients} 人，新发 {out.created} 条，"
            f"此前已发 {out.existing} 条"
        )
    return 0


def due() -> int:
    from chalicelib import reminders

    print(json.dumps(reminders.run_due(), ensure_ascii=False, indent=1))
    return 0


def reindex_members() -> int:
    """Every member's `remind_key` as models.registry.remind_key derives it (once after this
    version is deployed on a stage with members; the imports keep it right afterwards).
    Returns how many were changed."""
    from chalicelib.models import Member
    from chalicelib.models.registry import remind_key

    changed = 0
    for m in Member.scan():
        key = remind_key(list(m.roles or ()), m.joined_on, bool(m.active))
        if key == m.remind_key:
            continue
        action = Member.remind_key.remove() if key is None else Member.remind_key.set(key)
        m.update(actions=[action], condition=Member.member_no.exists())
        changed += 1
    return changed


def reindex() -> int:
    print(f"已更新 {reindex_members()} 名党员的提醒索引")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="定时提醒：检查、查看、立即运行")
    sub = parser.add_subparsers(dest="command", required=True)
    ch = sub.add_parser("check", help="检查提醒定义文件")
    ch.add_argument("file", nargs="?", type=Path, default=reminder_defs.DEFAULT_FILE)
    sub.add_parser("list", help="每条提醒的时间、对象、字段和状态")
    r = sub.add_parser("run", help="立即运行一条提醒（与定时运行同一事件，不会重复发送）")
    r.add_argument("key")
    r.add_argument("--day", type=date.fromisoformat, help="按哪一天运行（默认今天），YYYY-MM-DD")
    r.add_argument("--dry-run", action="store_true", help="只显示将发给谁、发什么")
    sub.add_parser("due", help="像每小时的定时任务一样，运行此刻到期的提醒")
    sub.add_parser("reindex", help="重建党员的提醒索引键（部署本版本后运行一次）")
    args = parser.parse_args(argv)
    if args.command == "check":
        return check(args.file)
    if args.command == "list":
        return list_all(reminder_defs.DEFAULT_FILE)
    if args.command == "run":
        return run(args.key, args.day, args.dry_run)
    if args.command == "due":
        return due()
    return reindex()


if __name__ == "__main__":
    sys.exit(main())

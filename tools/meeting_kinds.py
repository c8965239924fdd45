"""`make meeting-kinds`: check the kinds of meeting (functions/chalicelib/meeting_kinds.toml) the
way the functions load them, and that the 主题党日 warning's reminder (reminders.toml) goes out on
the warned kind's due day — the one place the deadline is set. Every problem as
`file:line: 种类「key」字段 field：…`; exit 1 if there is any.

    make meeting-kinds                      # the shipped file
    make meeting-kinds ARGS=path/to.toml    # another file (an organisation's draft)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from chalicelib import meeting_kinds, reminder_defs, toml_entries
from chalicelib.meeting_kinds import KindFileError
from chalicelib.org import UNIT_KINDS
from chalicelib.reminder_defs import ReminderFileError

WARNING_AUDIENCE = "theme_day_missing"


def check(path: Path, reminders_path: Path = reminder_defs.DEFAULT_FILE) -> list[str]:
    """Every problem of the kinds file, and of its warned kind against the reminder."""
    try:
        kinds = meeting_kinds.load(path)
    except KindFileError as exc:
        return str(exc).splitlines()
    warned = next((k for k in kinds.values() if k.warn), None)
    if warned is None:
        return []
    try:
        found = [
            r for r in reminder_defs.load(reminders_path) if r.audience.name == WARNING_AUDIENCE
        ]
    except ReminderFileError as exc:
        return str(exc).splitlines()
    entries = toml_entries.read(path, "kind", KindFileError)
    head = next(h for e, h in entries.entries if e.get("key") == warned.key)
    line = entries.field_line(head, "due_day")
    problems = []
    for reminder in found:
        schedule = reminder.schedule
        if reminder.enabled and (schedule.every != "monthly" or schedule.day != warned.due_day):
            problems.append(
                f"{path}:{line}: 种类「{warned.key}」字段 due_day：{warned.due_day} 日与 "
                f"{reminder.where} 的提醒「{reminder.key}」schedule「{schedule.text}」不一致"
                f"（应为 monthly {warned.due_day} HH:MM）"
            )
    return problems


def describe(path: Path) -> list[str]:
    out = []
    for kind in meeting_kinds.load(path).values():
        required = "、".join(UNIT_KINDS[u] for u in kind.required_of) or "不作要求"
        due = f"{kind.due_day}日" if kind.due_day else "周期最后一天"
        warn = "，到期未记录预警" if kind.warn else ""
        out.append(
            f"{kind.label}（{kind.key}）：{required}{meeting_kinds.FREQUENCIES[kind.frequency]}"
            f"至少 {kind.min_count} 次，截止 {due}{warn}"
        )
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="检查会议种类与要求（meeting_kinds.toml）")
    parser.add_argument("file", nargs="?", type=Path, default=meeting_kinds.DEFAULT_FILE)
    args = parser.parse_args(argv)
    problems = check(args.file)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        print(f"共 {len(problems)} 处问题，整个文件不生效。", file=sys.stderr)
        return 1
    print("\n".join(describe(args.file)))
    print(f"{args.file}：检查通过。")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`make recruitment-stages`: check the stages and steps of 党员发展
(functions/chalicelib/recruitment_stages.toml) the way the functions load them, and print the
process with its limits. Every problem as `file:line: 环节「key」字段 field：…`; exit 1 if any.

    make recruitment-stages                      # the shipped file
    make recruitment-stages ARGS=path/to.toml    # another file (an organisation's draft)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from chalicelib import recruitment_stages
from chalicelib.recruitment_stages import BY, StageFileError


def describe(path: Path) -> list[str]:
    rules = recruitment_stages.load(path)
    out = []
    for step in rules.steps.values():
        start = step.start or (step.after[0] if step.after else None)
        source = rules.steps[start].label if start else ""
        limits = []
        if step.min and (step.min.years or step.min.months or step.min.days or step.min.workdays):
            limits.append(f"「{source}」后至少{step.min.words()}")
        if step.max:
            limits.append(f"「{source}」后{step.max.words()}内")
        if step.repeat:
            limits.append(f"每{step.repeat.words()}一次，至少 {step.count} 次")
        stage = f" → {rules.stages[step.stage].label}" if step.stage else ""
        out.append(
            f"{step.label}（{step.key}，{BY[step.by]}记录）{stage}：{'；'.join(limits) or '无时限'}"
        )
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="检查党员发展的阶段与环节（recruitment_stages.toml）"
    )
    parser.add_argument("file", nargs="?", type=Path, default=recruitment_stages.DEFAULT_FILE)
    args = parser.parse_args(argv)
    try:
        lines = describe(args.file)
    except StageFileError as exc:
        problems = str(exc).splitlines()
        print("\n".join(problems), file=sys.stderr)
        print(f"共 {len(problems)} 处问题，整个文件不生效。", file=sys.stderr)
        return 1
    print("\n".join(lines))
    print(f"{args.file}：检查通过。")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`make assessment-rules`: check 考核评价's rules (functions/chalicelib/assessment_rules.toml)
the way the functions load them, and print them in words. Every problem as
`file:line: field：…`; exit 1 if there is any.

    make assessment-rules                      # the shipped file
    make assessment-rules ARGS=path/to.toml    # another file (an organisation's draft)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from chalicelib import assessment_rules
from chalicelib.assessment_rules import AssessmentRulesError


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="检查考核评价规则（assessment_rules.toml）")
    parser.add_argument("file", nargs="?", type=Path, default=assessment_rules.DEFAULT_FILE)
    args = parser.parse_args(argv)
    try:
        rules = assessment_rules.load(args.file)
    except AssessmentRulesError as exc:
        problems = str(exc).splitlines()
        print("\n".join(problems), file=sys.stderr)
        print(f"共 {len(problems)} 处问题，整个文件不生效。", file=sys.stderr)
        return 1
    print("\n".join(assessment_rules.describe(rules)))
    print(f"{args.file}：检查通过。")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`make dues-rules`: check the dues brackets (functions/chalicelib/dues_rules.toml) the way the
functions load them, and print every rule as a member reads it. Every problem as
`file:line: 类别「key」字段 field：…`; exit 1 if there is any.

    make dues-rules                      # the shipped file
    make dues-rules ARGS=path/to.toml    # another file (an organisation's draft)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from chalicelib import dues_rules
from chalicelib.dues_rules import DuesRulesError


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="检查党费交纳标准（dues_rules.toml）")
    parser.add_argument("file", nargs="?", type=Path, default=dues_rules.DEFAULT_FILE)
    args = parser.parse_args(argv)
    try:
        rules = dues_rules.load(args.file)
    except DuesRulesError as exc:
        problems = str(exc).splitlines()
        print("\n".join(problems), file=sys.stderr)
        print(f"共 {len(problems)} 处问题，整个文件不生效。", file=sys.stderr)
        return 1
    print(f"依据：《{rules.regulation}》（{rules.issued} 年）；金额{rules.rounding_label}。")
    print("\n".join(dues_rules.describe(rules)))
    print(f"{args.file}：检查通过（版本 {rules.digest}）。")
    return 0


if __name__ == "__main__":
    sys.exit(main())

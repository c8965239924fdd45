"""Operators' side of 通讯录 and 政治生日:

    python -m tools.directory_index check      # directory.toml and birthday.toml, as loaded
    python -m tools.directory_index rebuild    # the name index from the members table (a Scan)

`make directory ARGS=rebuild` against `make dev`'s tables, or a stage's with STAGE=dev|prod. The
registry import rebuilds the index itself after every import; the API keeps it per member
(`chalicelib.directory.member_changed`). A rebuild is the repair after any other write to the
members table (a console edit): until then such a member is missing from name searches (a
listing by branch reads the table live and shows her).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime


def check() -> int:
    from chalicelib import birthday, directory_rules

    ok = True
    for loader, path, error in (
        (directory_rules.load, directory_rules.DEFAULT_FILE, directory_rules.DirectoryFileError),
        (birthday.load_lines, birthday.DEFAULT_FILE, birthday.LinesFileError),
    ):
        try:
            found = loader(path)
            print(f"{path.name}：{len(found)} 项，检查通过")
        except error as exc:
            print(exc, file=sys.stderr)
            ok = False
    return 0 if ok else 1


def rebuild() -> int:
    """Every active member's entry, from one Scan of the members table; returns how many."""
    from chalicelib import directory
    from chalicelib.models import Member

    entries = {}
    for member in Member.scan(
        attributes_to_get=["member_no", "name", "branch_id", "active", "status"]
    ):
        value = directory.entry_of(member)
        if value is not None:
            entries[member.member_no] = value
    directory.write_all(entries, datetime.now(UTC).isoformat(timespec="seconds"))
    return len(entries)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.directory_index")
    parser.add_argument("command", choices=("check", "rebuild"))
    args = parser.parse_args(argv)
    if args.command == "check":
        return check()
    print(f"通讯录索引已重建：{rebuild()} 名党员")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

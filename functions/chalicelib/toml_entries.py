"""The organisation's TOML files of `[[entry]]` tables (reminders.toml, meeting_kinds.toml):
parsed once, each entry with the line of its header, so that every problem a loader finds is
reported as `file:line` at the field at fault."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Entries:
    path: Path
    lines: list[str]
    entries: list[tuple[dict[str, Any], int]]  # each entry and its header's line number
    other_tables: list[str]  # top-level names besides the entries' table (a typo, usually)

    def field_line(self, head: int, name: str) -> int:
        """The line of `name = ...` in the entry starting at `head` (the header if absent)."""
        pattern = re.compile(rf"^\s*{re.escape(name)}\s*=")
        for n in range(head, len(self.lines)):
            if self.lines[n].strip().startswith("["):
                break
            if pattern.match(self.lines[n]):
                return n + 1
        return head


def read(path: Path, table: str, error: type[ValueError]) -> Entries:
    """The file's `[[table]]` entries; `error` (with `file:line: message`) if it is not TOML or
    an entry is written another way (an inline table: its lines could not be told)."""
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        raise error(f"{path}:{found[1] if found else 1}: TOML 格式错误：{exc}") from None
    lines = text.splitlines()
    heads = [n for n, line in enumerate(lines, 1) if line.strip().startswith(f"[[{table}]]")]
    entries = data.get(table, [])
    if not isinstance(entries, list) or len(entries) != len(heads):
        raise error(f"{path}:1: 每一项写成 [[{table}]]（不要用行内表）")
    return Entries(path, lines, list(zip(entries, heads, strict=True)), sorted(set(data) - {table}))

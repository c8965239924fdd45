"""The JSON lists a site build writes for the tables (catalog.json, campaigns.json), read back."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any


def load_entries(path: Path, check: Callable[[Any, int], list[str]]) -> list[dict[str, Any]]:
    """A build's JSON list (catalog.json, campaigns.json), every entry checked: one bad entry
    stops the load with its position and field, before anything is written."""
    entries = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(entries, list):
        raise SystemExit(f"{path}: 须为数组")
    problems = [p for i, e in enumerate(entries) for p in check(e, i)]
    if problems:
        raise SystemExit("\n".join(f"{path}: {p}" for p in problems))
    return entries

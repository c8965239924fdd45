"""What the build plugins and the content tools share: the units file, problems with file and line.

The org units that `Branch:` and `Unit:` may name come from the same file the registry is imported
from (`UNITS_FILE`, default `content/units.csv`, the importer's format): the build needs no
database to check them, and there is one definition of the organisation's units.
"""

from __future__ import annotations

import contextlib
import re
import stat
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tools.registry_import import UNIT_HEADERS, validate_units
from tools.spreadsheet import TableError, read_table

ROOT = Path(__file__).resolve().parent.parent


class ContentError(Exception):
    """Content that must not be built; the message lists `file:line: problem`, one per line."""


@dataclass(frozen=True)
class Unit:
    unit_id: str
    name: str
    kind: str
    path: tuple[str, ...]


@cache
def _load_units(path: str, stamp: float) -> dict[str, Unit]:
    try:
        rows = read_table(path, UNIT_HEADERS)
    except TableError as exc:
        raise ContentError(f"{path}: {exc}") from None
    records, errors = validate_units(rows, [])
    if errors:
        raise ContentError("\n".join(f"{path}: {e}" for e in errors))
    return {r.unit_id: Unit(r.unit_id, r.name, r.kind, r.path) for r in records}


def load_units(path: str | Path) -> dict[str, Unit]:
    """Unit id → unit, in file order; a bad file stops the build naming its rows."""
    p = Path(path)
    if not p.is_absolute():
        p = ROOT / p
    try:  # one stat a call (every article asks): is it a file, and which version
        found = p.stat()
    except OSError:
        found = None
    if found is None or not stat.S_ISREG(found.st_mode):
        raise ContentError(f"{p}: 找不到单位文件（UNITS_FILE）")
    return _load_units(str(p), found.st_mtime)


def units_file(settings: dict) -> str:
    return settings.get("UNITS_FILE", "content/units.csv")


# --- file and line ---------------------------------------------------------------------------

_META_LINE = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*)\s*:")


def read_source(path: str | Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def metadata_line(text: str, key: str) -> int:
    """Line of `Key:` in the metadata header (case-insensitive), or 1 when it is absent."""
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            break
        match = _META_LINE.match(line)
        if match and match.group(1).lower() == key.lower():
            return number
    return 1


def text_line(text: str, needle: str) -> int:
    """Line of the first occurrence of `needle`, or 1."""
    at = text.find(needle)
    return text.count("\n", 0, at) + 1 if at >= 0 else 1


# (folder the build reads, content folder it stands for): the review gate builds from a folder
# of approved versions; messages name the file in content/ that an editor knows.
_ALIAS: tuple[Path, Path] | None = None


def alias_sources(alias: tuple[Path, Path] | None) -> None:
    global _ALIAS
    _ALIAS = (alias[0].resolve(), alias[1]) if alias else None


def where(path: str | Path, line: int) -> str:
    """`content/articles/x.md:12`, relative to the repository when inside it."""
    p = Path(path)
    if _ALIAS is not None:
        with contextlib.suppress(ValueError):
            p = _ALIAS[1] / p.resolve().relative_to(_ALIAS[0])
    with contextlib.suppress(ValueError):  # outside the repository: keep it as given
        p = p.resolve().relative_to(ROOT)
    return f"{p}:{line}"


class Problems:
    """Problems found while Pelican reads files (it swallows exceptions raised then)."""

    def __init__(self) -> None:
        self.found: set[str] = set()

    def add(self, path: str | Path, line: int, message: str) -> None:
        self.found.add(f"{where(path, line)}: {message}")

    def add_meta(self, path: str | Path, key: str, message: str) -> None:
        self.add(path, metadata_line(read_source(path), key), message)

    def clear(self) -> None:
        self.found.clear()

    def raise_if_any(self, title: str, error: type[Exception] = ContentError) -> None:
        if self.found:
            message = title + "\n" + "\n".join(sorted(self.found, key=_natural))
            self.found.clear()
            raise error(message)


def _natural(text: str) -> tuple:
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text))


# One collector for every plugin; plugins/site_sections raises once all articles are read.
PROBLEMS = Problems()

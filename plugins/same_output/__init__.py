"""Pages whose bytes did not change are not written again.

A rebuild renders every page (any article can change a list, the search box, a neighbour's
link), but most come out byte for byte as before. Rewriting such a file truncates it first,
which costs the file system far more than comparing (on the development machine, writing over
1,000 existing pages took longer than rendering them); leaving it alone also keeps its time
stamp, so a sync sees nothing to do. Pelican's own bookkeeping (a second write of one path is an
error unless overridden) is Pelican's `Writer._open_w`, repeated here because that method
also opens (and so truncates) the file.
"""

from __future__ import annotations

import io
import os
from typing import Any

from pelican import signals
from pelican.writers import FileOverwriteFailedError, Writer


class _SameBytes(io.StringIO):
    """Collects the text; on close, writes the file only when its bytes differ."""

    def __init__(self, path: str, encoding: str) -> None:
        super().__init__()
        self._path, self._encoding = path, encoding

    def close(self) -> None:
        if not self.closed:
            data = self.getvalue().encode(self._encoding)
            try:
                with open(self._path, "rb") as old:
                    same = old.read(len(data) + 1) == data
            except OSError:
                same = False
            if not same:
                with open(self._path, "wb") as out:
                    out.write(data)
        super().close()


class SameOutputWriter(Writer):
    def _open_w(self, filename: str, encoding: str, override: bool = False) -> Any:
        if filename in self._overridden_files:
            if override:
                raise FileOverwriteFailedError(
                    f'Failed to overwrite "{filename}" a second time (was previously overwritten)'
                )
            self._written_files.add(filename)
            return open(os.devnull, "w", encoding=encoding)  # Pelican: skipped, not overwritten
        if filename in self._written_files and not override:
            raise FileOverwriteFailedError(
                f'Failed to overwrite "{filename}" as Pelican has already written to it '
                "previously (set `override=True` if intended)"
            )
        if override:
            self._overridden_files.add(filename)
        self._written_files.add(filename)
        return _SameBytes(filename, encoding)


def _writer(pelican: Any) -> type[Writer]:
    return SameOutputWriter


def register() -> None:
    signals.get_writer.connect(_writer)

"""Values kept between builds by a key that decides them (a hash of what they are computed
from), for plugins that redo the same work on unchanged texts.

Used only when the build asks for a content cache (CACHE_CONTENT / LOAD_CONTENT_CACHE, read when
Pelican starts, before the review gate turns Pelican's own path-keyed caches off). The file in
CACHE_PATH holds the values the last build used, written whole and then renamed.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any


class Kept:
    def __init__(self, file_name: str) -> None:
        self.file_name = file_name
        self.values: dict[str, Any] = {}
        self.used: set[str] = set()
        self.path: Path | None = None  # where to save after the build; None: not kept
        self.changed = False

    def begin(self, settings: dict[str, Any]) -> None:
        """At Pelican's start: load the file (or keep this process's values) if asked."""
        self.used, self.changed = set(), False
        self.path = Path(settings["CACHE_PATH"]) / self.file_name
        if not settings.get("CACHE_CONTENT"):
            self.path = None
        if not settings.get("LOAD_CONTENT_CACHE"):
            self.values = {}
        elif not self.values:
            with contextlib.suppress(OSError, pickle.PickleError, EOFError, AttributeError):
                loaded = pickle.loads((Path(settings["CACHE_PATH"]) / self.file_name).read_bytes())
                if isinstance(loaded, dict):
                    self.values = loaded

    def get(self, key: str) -> Any:
        value = self.values.get(key)
        if value is not None:
            self.used.add(key)
        return value

    def put(self, key: str, value: Any) -> None:
        self.values[key] = value
        self.used.add(key)
        self.changed = True

    def save(self) -> None:
        """Keep the values of this build only."""
        if self.path is None:
            return
        kept = {k: v for k, v in self.values.items() if k in self.used}
        if not self.changed and len(kept) == len(self.values):
            return
        self.values = kept
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.file_name}-")
        with os.fdopen(fd, "wb") as out:
            pickle.dump(kept, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, self.path)

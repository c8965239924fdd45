"""Markdown read once per text: the incremental build, correct whatever folder the text is in.

Pelican's own content cache is keyed by a file's path, and the review gate (plugins/review_gate)
builds from a fresh folder of approved texts each run, so it turns that cache off. This reader
is keyed by what decides the reading instead: the bytes of the text and the Markdown settings
(SHA-256 of both). The approved text is what is read, so an edit after approval, an approval of
another version or a changed Markdown setting is simply another key; nothing can be served for
other bytes than the ones in the folder.

What is kept is the Markdown output alone (the body's HTML, the raw metadata and the HTML of the
formatted fields such as Summary); Pelican processes the metadata and every plugin sees every
article on every build, as without a cache. The cache lives in CACHE_PATH when the build asks
for a content cache (CACHE_CONTENT / LOAD_CONTENT_CACHE) and keeps only the texts of the last
build. One Markdown instance per kind is reused (reset between texts, as Markdown documents)
instead of a new one per file.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

import markdown
from pelican import signals
from pelican.readers import DUPLICATES_DEFINITIONS_ALLOWED, pelican_open
from pelican.readers import MarkdownReader as PelicanMarkdownReader

from plugins.kept import Kept

FILE = "markdown-readings.pickle"
Reading = tuple[str, dict[str, list[str]], dict[str, str]]  # body HTML, raw meta, formatted


store = Kept(FILE)


def _settings_key(settings: dict[str, Any]) -> bytes:
    chosen = {
        "MARKDOWN": settings.get("MARKDOWN"),
        "FORMATTED_FIELDS": settings.get("FORMATTED_FIELDS"),
        "markdown": markdown.__version__,
    }
    return json.dumps(chosen, sort_keys=True, default=repr).encode("utf-8")


class MarkdownReader(PelicanMarkdownReader):
    """Pelican's Markdown reader (same name: Pelican records it as `reader: markdown`) with the
    readings kept by text."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._key = _settings_key(self.settings)
        self._body_md: markdown.Markdown | None = None
        self._field_md: markdown.Markdown | None = None

    def _reading(self, text: str) -> Reading:
        if self._body_md is None:
            self._body_md = markdown.Markdown(**self.settings["MARKDOWN"])
            self._field_md = markdown.Markdown(**self.settings["MARKDOWN"])
            self._field_md.preprocessors.deregister("meta")  # no metadata inside a field
        body, fields = self._body_md, self._field_md
        assert fields is not None
        body.reset()
        content = body.convert(text)
        meta = {k: list(v) for k, v in getattr(body, "Meta", {}).items()}
        formatted = {}
        for name, value in meta.items():
            if name.lower() in self.settings["FORMATTED_FIELDS"]:
                fields.reset()
                formatted[name] = fields.convert("\n".join(value))
        self._md = body
        return content, meta, formatted

    def read(self, source_path: str) -> tuple[str, dict[str, Any]]:
        self._source_path = source_path
        with pelican_open(source_path) as text:
            key = hashlib.sha256(self._key + b"\0" + text.encode("utf-8")).hexdigest()
        reading = store.get(key)
        if reading is None:
            reading = self._reading(text)
            store.put(key, reading)
        content, meta, formatted = reading
        return content, self._metadata(meta, formatted)

    def _metadata(self, meta: dict[str, list[str]], formatted: dict[str, str]) -> dict[str, Any]:
        """Pelican's `_parse_metadata`, from the kept reading."""
        output: dict[str, Any] = {}
        for raw_name, value in meta.items():
            name = raw_name.lower()
            if raw_name in formatted:
                output[name] = self.process_metadata(name, formatted[raw_name])
            elif not DUPLICATES_DEFINITIONS_ALLOWED.get(name, True):
                if len(value) > 1:
                    self._warn_duplicate(name)
                output[name] = self.process_metadata(name, value[0])
            elif len(value) > 1:
                output[name] = self.process_metadata(name, value)
            else:
                output[name] = self.process_metadata(name, value[0])
        return output

    def _warn_duplicate(self, name: str) -> None:
        logging.getLogger("pelican.readers").warning(
            "Duplicate definition of `%s` for %s. Using first one.", name, self._source_path
        )


def _on_initialized(pelican: Any) -> None:
    store.begin(pelican.settings)


def _on_readers_init(readers: Any) -> None:
    for ext in MarkdownReader.file_extensions:
        if readers.reader_classes.get(ext) is PelicanMarkdownReader:
            readers.reader_classes[ext] = MarkdownReader


def _on_finalized(pelican: Any) -> None:
    store.save()


def register() -> None:
    signals.initialized.connect(_on_initialized)
    signals.readers_init.connect(_on_readers_init)
    signals.finalized.connect(_on_finalized)

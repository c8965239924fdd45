"""Publish the files pages pull in from content/ under content-hashed names.

Every static file of the build — an image in an article (`{static}/images/x.svg`), an exemplar's
`Photo:`, anything a screen links with `{static}` — is saved as `images/xianjin/wang-haiyan.
<16 hex>.svg`, the hex being the start of the SHA-256 of its bytes (the name the review gate
already gives a since-replaced file's approved bytes: tools/review_version.suffixed). New bytes
get a new address, unchanged bytes keep theirs, so infra serves `images/` as immutable and a
repeat visit fetches only the HTML.

Hooked where Pelican decides a static file's place (static_generator_finalized, before any page
resolves its `{static}` links): the file's `override_save_as`/`override_url` are set, so every
`{static}` link in article bodies, summaries and screens resolves to the hashed URL; the photo
of an exemplar (plugins/listings `photo_path`) is pointed at it too.

`{attach}` files outside `images/` keep their name: Pelican moves them next to the article that
links them (a download, not something a page loads), and a moved file cannot also carry an
override. A file under `images/` is always hashed, `{attach}` or not (Pelican then links it where
it is): the whole of `images/` is served immutable, so nothing there may keep its plain name.
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path
from typing import Any

from pelican import signals

from tools.review_version import file_hash, references, suffixed
from tools.site_content import read_source

DIGEST_LENGTH = len(suffixed("x", "0" * 64)) - 2  # the hex `suffixed` puts in a name
IMMUTABLE_FOLDER = "images/"  # served immutable (infra/publish.py ASSET_PREFIXES)
CONTEXT_KEY = "static_published"  # content path -> published path, for other plugins
_last: dict[str, list[str]] = {}  # this build's published paths, for the clean-up


def published_path(path: str, data: bytes) -> str:
    """Where a content file with these bytes is published: `a/b.<hash>.svg`. A name that
    already carries the hash of its bytes (the gate's copy of an approved earlier version)
    stays as it is."""
    digest = file_hash(data)
    stem, _ = posixpath.splitext(path)
    if stem.endswith("." + digest[:DIGEST_LENGTH]):
        return path
    return suffixed(path, digest)


def _attached(context: dict[str, Any], root: str) -> set[str]:
    """Content paths some article or page links with `{attach}` (Pelican moves those)."""
    found: set[str] = set()
    for item in context.get("generated_content", {}).values():
        text = read_source(item.source_path)
        if "attach" not in text:  # every `{attach}`/`|attach|` spelling contains it
            continue
        rel = Path(os.path.relpath(item.source_path, root)).as_posix()
        found |= {r.path for r in references(text, rel) if r.kind == "attach" and r.path}
    return found


def _on_static_finalized(generator: Any) -> None:
    root = generator.settings["PATH"]
    attached = _attached(generator.context, root)
    published: dict[str, str] = {}
    for static in generator.staticfiles:
        rel = static.get_relative_source_path()
        source = Path(static.source_path)
        moved = rel in attached and not rel.startswith(IMMUTABLE_FOLDER)
        if moved or hasattr(static, "override_save_as") or not source.is_file():
            # Moved next to its article, placed by EXTRA_PATH_METADATA, or missing (a linked
            # file that does not exist: plugins/content_check names the file and line).
            continue
        target = published_path(rel, source.read_bytes())
        static.override_save_as = static.override_url = target
        published[rel] = target
    generator.context[CONTEXT_KEY] = published
    _last["published"] = sorted(published.values())
    for item in generator.context.get("generated_content", {}).values():
        photo = getattr(item, "photo_path", None)
        if photo in published:
            item.photo_path = published[photo]


_OURS = re.compile(rf"(.+)\.[0-9a-f]{{{DIGEST_LENGTH}}}(\.[^.]+)?")


def _on_finalized(pelican: Any) -> None:
    """Drop the older versions earlier (dev) builds left beside each published file."""
    published = _last.pop("published", [])
    out = Path(pelican.output_path)
    wanted = {out / p for p in published}
    for target in sorted(wanted):
        match = _OURS.fullmatch(target.name)
        if match is None or not target.parent.is_dir():
            continue
        stem, ext = match.group(1), match.group(2) or ""
        stale = re.compile(rf"{re.escape(stem)}\.[0-9a-f]{{{DIGEST_LENGTH}}}{re.escape(ext)}")
        for old in target.parent.iterdir():
            if old not in wanted and stale.fullmatch(old.name):
                old.unlink()


def register() -> None:
    signals.static_generator_finalized.connect(_on_static_finalized)
    signals.finalized.connect(_on_finalized)

"""What one version of an article is: its source text and every file that text references.

`make review` (tools/review.py) and the review gate (plugins/review_gate) both use this module,
so the version a reviewer approves and the version the build recognises are one definition.

- References: `{static}`/`{attach}` links anywhere in the file (Pelican's `|static|` spelling
  too) and the `Photo:`, `Cover:`, `Poster:` and `Subtitles:` fields of the metadata header
  (a lesson's picture and WebVTT file; its media are bound by the hash in `Media:`), resolved
  like Pelican resolves them: `/x` from the content folder, `x` from the article's own folder.
- The version hash is SHA-256 over the normalised text and, when the text references files, the
  sorted `path, SHA-256` list of those files. An article without references keeps the hash of
  its text alone, so approvals recorded before files were bound still match it.
"""

from __future__ import annotations

import hashlib
import html
import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from chalicelib.review_text import normalise, source_hash

# What `{static}` etc. may point at: not an article or page source (it would be read as an
# article), not the question banks (answers), nothing outside the content folder.
SOURCE_SUFFIXES = (".md", ".markdown", ".mkd", ".mdown", ".html", ".htm", ".rst")
MAX_FILE_BYTES = 5 * 1024 * 1024
MISSING = ""  # the "hash" of a referenced file that does not exist: never equal to a real one

_REF = re.compile(r"[{|](static|attach)[}|]([^\s\"'<>()\[\]]+)")
META_FILES = ("photo", "cover", "poster", "subtitles")  # metadata fields naming a file
# A metadata line as Python-Markdown's meta extension (Pelican's reader) takes it: up to three
# leading spaces, then the key. Anything the reader takes as `Photo:` must be bound here.
_META_LINE = re.compile(r"^[ ]{0,3}([A-Za-z0-9_-]+)[ \t]*:[ \t]*(.*?)[ \t]*$")


@dataclass(frozen=True)
class Ref:
    """One reference in a source text: `raw` spans text[start:end]; `path` is content-relative
    (None when it leaves the content folder)."""

    kind: str  # static, attach, or the META_FILES field (photo, cover, poster, subtitles)
    raw: str
    start: int
    end: int
    path: str | None


def resolve(raw: str, source_rel: str) -> str | None:
    """The content-relative path a reference names, as Pelican finds it; None if outside."""
    value = unquote(urlparse(html.unescape(raw)).path)
    if not value:
        return None
    if value.startswith("/"):
        joined = value.lstrip("/")
    else:
        joined = posixpath.join(posixpath.dirname(source_rel), value)
    path = posixpath.normpath(joined)
    if path in (".", "..") or path.startswith(("../", "/")):
        return None
    return path


def _header_end(text: str) -> int:
    """Offset where the metadata header ends (the first blank line)."""
    match = re.search(r"\n[ \t]*\n", text)
    return match.start() if match else len(text)


def references(text: str, source_rel: str) -> list[Ref]:
    """Every file the text references, in order of appearance. The META_FILES fields (`Photo:`,
    `Cover:`, `Poster:`, `Subtitles:`) are references of their own kind, with or without
    `{static}` (plugins/listings, plugins/covers and plugins/lessons read them, not Pelican's
    linker)."""
    refs: dict[int, Ref] = {}
    header_end, offset = _header_end(text), 0
    for line in text[:header_end].split("\n"):
        match = _META_LINE.match(line)
        field = match.group(1).lower() if match else ""
        if field in META_FILES and match.group(2):
            start = offset + match.start(2)
            value = match.group(2)
            marker = _REF.match(value)
            if marker:
                start, value = start + marker.start(2), marker.group(2)
            refs[start] = Ref(field, value, start, start + len(value), resolve(value, source_rel))
        offset += len(line) + 1
    for m in _REF.finditer(text):
        if m.start(2) not in refs:
            refs[m.start(2)] = Ref(
                m.group(1), m.group(2), m.start(2), m.end(2), resolve(m.group(2), source_rel)
            )
    return [refs[k] for k in sorted(refs)]


def problem(ref: Ref, excluded_dirs: Iterable[str] = ("pages", "quizzes")) -> str | None:
    """Why a reference can never be bound (and published), or None."""
    if ref.path is None:
        return f"引用的文件不在内容目录中：{ref.raw}"
    if ref.path.lower().endswith(SOURCE_SUFFIXES):
        return f"不能引用文章或页面的源文件：{ref.raw}（附件请用 PDF、图片等格式）"
    if ref.path.split("/", 1)[0] in set(excluded_dirs):
        return f"不能引用页面或题库目录中的文件：{ref.raw}"
    return None


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def current_files(content: Path, refs: Iterable[Ref]) -> dict[str, str]:
    """path → SHA-256 of the file as it is now (MISSING if absent) for each bindable reference."""
    found: dict[str, str] = {}
    for ref in refs:
        if ref.path is None or ref.path in found or problem(ref) is not None:
            continue
        target = content / ref.path
        found[ref.path] = file_hash(target.read_bytes()) if target.is_file() else MISSING
    return found


def version_hash(text: str, files: Mapping[str, str] | None) -> str:
    """The identity of a version: its text, plus its referenced files when it has any."""
    if not files:
        return source_hash(text)
    listing = "".join(f"{path}\0{digest}\n" for path, digest in sorted(files.items()))
    return hashlib.sha256((normalise(text) + "\0files\0" + listing).encode("utf-8")).hexdigest()


def disk_version(content: Path, relative: str, text: str) -> tuple[str, dict[str, str]]:
    """(version hash, files) of an article file as it is on disk now."""
    files = current_files(content, references(text, relative))
    return version_hash(text, files), files


def suffixed(path: str, digest: str) -> str:
    """The name of a file with these bytes, `images/a.<hash>.svg`: where every `{static}` file is
    published (plugins/static_hash) and where the review gate places the approved bytes of a
    since-replaced file (the name they had before it was replaced)."""
    stem, ext = posixpath.splitext(path)
    return f"{stem}.{digest[:16]}{ext}"


def rewrite(text: str, targets: Mapping[int, str]) -> str:
    """The text with the references starting at the given offsets pointing elsewhere
    (content-absolute `/path`); everything else, line numbers included, unchanged."""
    refs = {r.start: r for r in references(text, "")}
    out, last = [], 0
    for start in sorted(targets):
        ref = refs[start]
        out.append(text[last : ref.start])
        out.append("/" + targets[start])
        last = ref.end
    out.append(text[last:])
    return "".join(out)

"""What a reviewer reads about a version: its fields in words, its text, what changed.

The version's identity (slug, content hash, file paths) stays in the API for the approval binding;
none of it is shown. Unit ids become unit names, metadata keys become labelled fields, and a
version replacing a published one comes with a paragraph diff against it.
"""

from __future__ import annotations

import difflib
import posixpath
import re
from collections.abc import Iterable, Mapping
from typing import Any

# Metadata shown to the reviewer, in this order, with its label. Everything else (Slug, Save_as,
# Template, ...) is how the site files the article, not what members read.
FIELDS = (
    ("date", "发布日期"),
    ("source", "来源"),
    ("author", "作者"),
    ("summary", "摘要"),
    ("unit", "相关单位"),
    ("exemplar", "先进类型"),
    ("year", "年度"),
    ("tags", "标签"),
    ("campaign", "评选活动"),
    ("doc-type", "类别"),
    ("doc-number", "文号"),
    ("issued-by", "发布机关"),
    ("effective", "施行日期"),
    ("topic", "学习专题"),
    ("session", "期数"),
    ("photo", "照片"),
    ("cover", "封面"),
)
_UNIT_FIELDS = ("branch", "unit")
_PICTURES = ("photo", "cover")
EXEMPLAR_KINDS = {"individual": "个人", "collective": "集体", "campaign": "评选活动"}
# Unchanged paragraphs around a change that the diff keeps; longer runs are folded.
CONTEXT = 1
# The file list of previews registered before names replaced paths and hashes:
# `<li>images/a.jpg（12 KB，SHA-256 0123456789ab…）</li>`, and a photo too large to inline.
_OLD_FILE_ITEM = re.compile(r"<li>([^<（]*?)（(\d+ KB)，SHA-256 [0-9a-f]+…）</li>")
_OLD_BIG_PHOTO = re.compile(r"照片：([^<（]*?)（文件较大，请在源文件中查看）")
_META = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*)[ \t]*:[ \t]*(.*?)[ \t]*$")


def split(text: str) -> tuple[dict[str, str], str]:
    """(metadata by lower-case key, body) of a source text; the header ends at the first blank
    line, as Pelican reads it."""
    head, _, body = text.replace("\r\n", "\n").partition("\n\n")
    meta: dict[str, str] = {}
    for line in head.split("\n"):
        match = _META.match(line)
        if match:
            meta[match.group(1).lower()] = match.group(2)
    return meta, body.strip("\n")


def preview(html: str) -> str:
    """A stored preview with file paths and hashes of its older format reduced to file names."""
    html = _OLD_FILE_ITEM.sub(
        lambda m: f"<li>{posixpath.basename(m.group(1))}（{m.group(2)}）</li>", html
    )
    return _OLD_BIG_PHOTO.sub(
        lambda m: f"照片：{posixpath.basename(m.group(1))}（图片较大，预览中未显示）", html
    )


def unit_ids(texts: Iterable[str]) -> set[str]:
    """The unit ids the texts' metadata names (for one batch read of their names)."""
    found = set()
    for text in texts:
        meta, _ = split(text)
        found |= {meta[k] for k in _UNIT_FIELDS if meta.get(k)}
    return found


def _value(key: str, raw: str, names: Mapping[str, str]) -> str:
    if key in _UNIT_FIELDS:
        return names.get(raw, "名册中没有这个单位")
    if key in _PICTURES:
        return "见下方预览"
    if key == "exemplar":
        return EXEMPLAR_KINDS.get(raw, raw)
    return raw


def fields(meta: Mapping[str, str], names: Mapping[str, str]) -> list[dict[str, str]]:
    """The labelled fields a reader of the article sees, unit ids as names."""
    return [
        {"label": label, "value": _value(key, meta[key], names)}
        for key, label in FIELDS
        if meta.get(key)
    ]


def _paragraphs(body: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n[ \t]*\n", body) if p.strip()]


def body_diff(old: str, new: str) -> list[dict[str, Any]]:
    """Paragraph diff: `same` / `del` / `add` items with their text, long unchanged runs folded
    into one `skip` item with their count."""
    a, b = _paragraphs(old), _paragraphs(new)
    out: list[dict[str, Any]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            run = a[i1:i2]
            head = CONTEXT if i1 or j1 else 0  # context after a change
            tail = CONTEXT if i2 < len(a) or j2 < len(b) else 0  # context before one
            if len(run) > head + tail + 1:
                out += [{"op": "same", "text": t} for t in run[:head]]
                out.append({"op": "skip", "count": len(run) - head - tail})
                out += [{"op": "same", "text": t} for t in run[len(run) - tail :]]
            else:
                out += [{"op": "same", "text": t} for t in run]
            continue
        out += [{"op": "del", "text": t} for t in a[i1:i2]]
        out += [{"op": "add", "text": t} for t in b[j1:j2]]
    return out


def field_changes(
    old: Mapping[str, str], new: Mapping[str, str], names: Mapping[str, str]
) -> list[dict[str, str]]:
    """Labelled fields whose value differs (the author unit included), old and new in words."""
    labelled = (("category", "栏目"), ("title", "标题"), ("branch", "作者单位"), *FIELDS)
    changes = []
    for key, label in labelled:
        if key in _PICTURES:
            continue  # pictures: file_changes
        before, after = old.get(key, ""), new.get(key, "")
        if before != after:
            changes.append(
                {
                    "label": label,
                    "old": _value(key, before, names) if before else "（无）",
                    "new": _value(key, after, names) if after else "（无）",
                }
            )
    return changes


def file_changes(
    old: Mapping[str, str] | None, new: Mapping[str, str] | None
) -> list[dict[str, str]]:
    """Referenced files added, replaced or dropped, by file name only."""
    old, new = dict(old or {}), dict(new or {})
    changes = []
    for path in sorted(set(old) | set(new)):
        if old.get(path) == new.get(path):
            continue
        what = "新增" if path not in old else "删除" if path not in new else "更换"
        changes.append({"name": posixpath.basename(path), "change": what})
    return changes


def changes(
    published_text: str,
    published_files: Mapping[str, str] | None,
    text: str,
    files: Mapping[str, str] | None,
    names: Mapping[str, str],
) -> dict[str, Any]:
    """How this version differs from the published one, in words."""
    old_meta, old_body = split(published_text)
    new_meta, new_body = split(text)
    return {
        "fields": field_changes(old_meta, new_meta, names),
        "body": body_diff(old_body, new_body) if old_body != new_body else [],
        "files": file_changes(published_files, files),
    }

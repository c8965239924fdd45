"""Which version of each article file the build may read, and the folder it reads them from.

`select` decides for every article file in content/: the approved version of its slug is
published from it (the file is its "carrier"), or it is withheld. `build_overlay` then writes the
folder Pelican actually reads: the approved text of each carried article, the approved bytes of
every file those texts reference, and the site's screens (content/pages/) and question banks as
they are. Anything else in content/ — a pending article, an edit, a new or replaced image — is
not in that folder, so no plugin or template can publish it.
"""

from __future__ import annotations

import fnmatch
import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pelican.readers import MarkdownReader

from chalicelib.review_text import normalise
from tools.review_version import (
    MISSING,
    SOURCE_SUFFIXES,
    disk_version,
    file_hash,
    problem,
    references,
    resolve,
    rewrite,
    suffixed,
    version_hash,
)
from tools.site_content import where

logger = logging.getLogger(__name__)
MARKDOWN = (".md", ".markdown", ".mkd", ".mdown")
# Where a reference whose approved bytes cannot be published points instead: never a file.
UNAVAILABLE_DIR = ".review-gate-unavailable"


@dataclass(frozen=True)
class Approved:
    """The approved version of one slug, as the review tables (or an export) keep it."""

    slug: str
    content_hash: str
    # None: not fetched (the tables' index of approvals); `with_texts` completes what is built.
    source: str | None
    files: dict[str, str] | None = None  # None: approved before referenced files were bound
    source_path: str | None = None

    @property
    def expected(self) -> str:
        """The version hash a file on disk has when it is exactly this version: worked out from
        the text when it is here, else the hash the approval was given for."""
        if self.source is None:
            return self.content_hash
        return version_hash(self.source, self.files or {})


@dataclass
class Decision:
    relative: str  # the article file, relative to content/
    slug: str | None
    approved: Approved | None = None  # the version published from this file; None: withheld
    exact: bool = False  # the file is exactly the approved version
    reason: str = ""  # why it is withheld
    warn: bool = False  # an editor must act (reused slug, no slug, not Markdown)
    text: str | None = None  # exact: the file's text as versions are stored (normalised)


@dataclass
class Overlay:
    root: Path
    decisions: dict[str, Decision]
    unavailable: dict[str, str] = field(default_factory=dict)  # overlay path -> why

    def unpublished(self, approvals: dict[str, Approved]) -> dict[str, str | None]:
        """Content path -> slug of every article that exists but is not published here: the
        withheld files, and approved articles whose file was deleted (a link to either is
        shown as plain text, not an error)."""
        found: dict[str, str | None] = {r: d.slug for r, d in self.withheld.items()}
        carried = {d.slug for d in self.carried.values()}
        for slug, approved in approvals.items():
            if slug not in carried and approved.source_path:
                found.setdefault(approved.source_path, slug)
        return found

    @property
    def carried(self) -> dict[str, Decision]:
        return {r: d for r, d in self.decisions.items() if d.approved is not None}

    @property
    def withheld(self) -> dict[str, Decision]:
        return {r: d for r, d in self.decisions.items() if d.approved is None}


def never_static(path: str, settings: dict[str, Any]) -> bool:
    """A file that is never published as a file: a source, a question bank, outside content."""
    return (
        path.startswith(("../", UNAVAILABLE_DIR + "/"))
        or path.lower().endswith(SOURCE_SUFFIXES)
        or path.split("/", 1)[0] in _skipped_dirs(settings)
    )


def _skipped_dirs(settings: dict[str, Any]) -> set[str]:
    dirs = {*settings.get("PAGE_PATHS", ["pages"]), *settings.get("ARTICLE_EXCLUDES", [])}
    dirs.add(settings.get("QUIZ_PATH", "quizzes"))
    return {d.strip("/") for d in dirs if d}


def article_files(content: Path, settings: dict[str, Any]) -> list[str]:
    """Every file under the article paths that Pelican could read as an article (relative)."""
    skipped, ignores = _skipped_dirs(settings), settings.get("IGNORE_FILES", [])
    found = set()
    for base in settings.get("ARTICLE_PATHS", [""]) or [""]:
        root = content / base if base else content
        for dirpath, dirs, files in os.walk(root, followlinks=True):
            rel_dir = Path(dirpath).relative_to(content).as_posix()
            rel_dir = "" if rel_dir == "." else rel_dir
            dirs[:] = [
                d
                for d in dirs
                if f"{rel_dir}/{d}".strip("/") not in skipped
                and not any(fnmatch.fnmatch(d, i) for i in ignores)
            ]
            for name in files:
                if name.lower().endswith(SOURCE_SUFFIXES) and not any(
                    fnmatch.fnmatch(name, i) for i in ignores
                ):
                    found.add(f"{rel_dir}/{name}".strip("/"))
    return sorted(found)


def _claimed_slug(path: Path, settings: dict[str, Any]) -> tuple[str | None, str]:
    """(slug, problem) of a file that is not exactly an approved version."""
    if not path.name.lower().endswith(MARKDOWN):
        return None, "不是 Markdown 文章（.md），只有经审核的 Markdown 文章会发布"
    try:
        _, meta = MarkdownReader(settings).read(str(path))
    except Exception as exc:  # an editor's broken file must not stop the build
        return None, f"无法读取（{exc}）"
    slug = str(meta.get("slug") or "").strip()
    return (slug, "") if slug else (None, "缺少 Slug")


def select(
    content: Path, settings: dict[str, Any], approvals: dict[str, Approved]
) -> dict[str, Decision]:
    """For each article file: the approved version it carries, or why it is withheld.

    A file carries at most one approved version, chosen in this order: a file that is exactly
    an approved version; else the approved version's own file (`source_path`), edited in any
    way (its slug too); else a file naming the approved slug (a moved file). Every other file
    is withheld.
    """
    by_expected = {a.expected: a for a in approvals.values()}
    exact: dict[str, list[str]] = {}
    texts: dict[str, str] = {}
    claims: dict[str, tuple[str | None, str]] = {}  # not exact: (slug named, problem)
    for rel in article_files(content, settings):
        path = content / rel
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            claims[rel] = (None, f"无法读取（{exc}）")
            continue
        found = by_expected.get(disk_version(content, rel, text)[0])
        if found is not None:
            exact.setdefault(found.slug, []).append(rel)
            texts[rel] = normalise(text)
        else:
            claims[rel] = _claimed_slug(path, settings)
    carriers: dict[str, str] = {}
    for slug, rels in sorted(exact.items()):
        own = approvals[slug].source_path
        carriers[slug] = min(rels, key=lambda r, own=own: (r != own, r))
    for slug, approved in sorted(approvals.items()):
        own = approved.source_path or ""
        if slug not in carriers and own in claims and own not in carriers.values():
            carriers[slug] = own
    for rel, (slug, _) in sorted(claims.items()):
        if slug in approvals and slug not in carriers and rel not in carriers.values():
            carriers[slug] = rel
    decisions = {
        rel: Decision(
            rel, slug, approvals[slug], exact=rel in exact.get(slug, []), text=texts.get(rel)
        )
        for slug, rel in carriers.items()
    }
    taken = set(decisions)
    named = {r: (slug, "") for slug, rels in exact.items() for r in rels} | claims
    for rel, (slug, trouble) in sorted(named.items()):
        if rel in taken:
            continue
        if slug is None:
            decisions[rel] = Decision(rel, None, reason=trouble, warn=True)
        elif slug in carriers:
            reason = f"Slug「{slug}」已是已审核文章 {carriers[slug]} 的网址名"
            decisions[rel] = Decision(rel, slug, reason=reason, warn=True)
        else:
            decisions[rel] = Decision(rel, slug, reason="尚未审核通过")
    return decisions


def with_texts(
    decisions: dict[str, Decision],
    fetch: Callable[[list[str]], dict[str, Approved]] | None,
) -> None:
    """Give every carried decision the approved text it publishes.

    A file that is exactly its approved version gives the text itself (its version hash is the
    approval's: the same normalised text, as versions are stored); the text of every other
    carried version (edited since approval, or moved) is fetched. A version revoked meanwhile
    is withheld; one approved anew meanwhile is published as approved now.
    """
    missing = [
        d for d in decisions.values() if d.approved is not None and d.approved.source is None
    ]
    fetched = fetch(sorted({d.slug for d in missing if not d.exact})) if fetch else {}
    for decision in missing:
        approved = decision.approved
        assert approved is not None and decision.slug is not None
        if decision.exact and decision.text is not None:
            decision.approved = replace(approved, source=decision.text)
        elif decision.slug in fetched:
            decision.approved = fetched[decision.slug]
        else:
            decisions[decision.relative] = Decision(
                decision.relative, decision.slug, reason="尚未审核通过（审核已撤回）"
            )


def _copy_tree(source: Path, target: Path) -> None:
    if source.is_dir():
        shutil.copytree(source, target, dirs_exist_ok=True)


class FileConflictError(Exception):
    """Two approved versions need different bytes at one path."""


class _Files:
    """Places files in the overlay; each path gets one set of bytes."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def place(self, path: str, data: bytes, why: str) -> None:
        target = self.root / path
        if target.exists():
            if target.read_bytes() != data:
                raise FileConflictError(f"{why}: {path} 已是另一份已审核文件的位置")
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def build_overlay(
    content: Path,
    root: Path,
    settings: dict[str, Any],
    decisions: dict[str, Decision],
    load_file: Callable[[str], bytes | None],
) -> Overlay:
    overlay = Overlay(root, decisions)
    files = _Files(root)
    excluded = _skipped_dirs(settings)
    pages = [p.strip("/") for p in settings.get("PAGE_PATHS", ["pages"])]
    for folder in [*pages, settings.get("QUIZ_PATH", "quizzes")]:
        _copy_tree(content / folder, root / folder)
    # The screens' own files (reviewed with the code) as they are.
    for folder in pages:
        for page in sorted((root / folder).rglob("*")):
            if not page.is_file() or not page.name.lower().endswith(SOURCE_SUFFIXES):
                continue
            rel = page.relative_to(root).as_posix()
            for ref in references(page.read_text(encoding="utf-8", errors="replace"), rel):
                source = content / ref.path if ref.path else None
                if source and problem(ref, excluded) is None and source.is_file():
                    files.place(ref.path, source.read_bytes(), where(content / rel, 1))
    for rel, decision in sorted(overlay.carried.items()):
        approved = decision.approved
        assert approved is not None
        text = _approved_text(content, rel, approved, files, overlay, excluded, load_file)
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return overlay


def _approved_text(
    content: Path,
    rel: str,
    approved: Approved,
    files: _Files,
    overlay: Overlay,
    excluded: set[str],
    load_file: Callable[[str], bytes | None],
) -> str:
    """The approved text, its references pointing at the approved bytes placed in the overlay."""
    text = approved.source
    assert text is not None  # with_texts gave every carried version its text
    base = approved.source_path or rel
    targets: dict[int, str] = {}
    for ref in references(text, base):
        trouble = problem(ref, excluded)
        digest = (approved.files or {}).get(ref.path or "")
        if digest == MISSING and trouble is None:
            continue  # approved without the file: the build reports it like any missing file
        target: str | None = None
        if trouble is not None:
            why = trouble
        elif digest is None:
            why = "审核记录早于图片绑定（请重新 make review 并审核）"
        else:
            disk = content / ref.path
            data = disk.read_bytes() if disk.is_file() else b""
            if disk.is_file() and file_hash(data) == digest:
                target = ref.path
            else:
                data = load_file(digest) or b""
                target = suffixed(ref.path, digest) if file_hash(data) == digest else None
            why = "已审核版本的文件内容无法取得"
        at = where(content / rel, text.count("\n", 0, ref.start) + 1)
        if target is not None:
            files.place(target, data, at)
        else:
            target = f"{UNAVAILABLE_DIR}/{ref.path or 'outside'}"
            overlay.unavailable[target] = f"{at}: {ref.path or ref.raw}：{why}，未发布"
        if target != resolve(ref.raw, rel):
            targets[ref.start] = target
    return rewrite(text, targets) if targets else text

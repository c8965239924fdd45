"""The review gate: what members see is built from the approved versions alone.

Setting REVIEW_GATE chooses where approvals come from:

- "dynamodb" (pelicanconf default, and required by publishconf): the `PublishedVersion` table,
  written when a reviewer approves on the 待审核 page, and `ReviewFile` for the bytes of the
  files approved versions reference. The build needs the tables (`make dev` locally).
- "file": REVIEW_APPROVALS_FILE, JSON `{slug: {"hash", "source", "files", "path"}}` as written
  by `python -m tools.review export` (offline builds and tests; never for publishing), with the
  referenced files' bytes in REVIEW_FILES_DIR (default: the file's name with `.files`).
- "off": a preview of every draft as is, for an editor's own machine; every page then carries
  a 未审核预览 banner, and publishconf refuses this mode.

Before Pelican reads anything (selection.py), every article file in content/ is matched with the
approved version of its slug: its version hash (text + referenced files, tools/review_version.py)
equal → published; an edit (text, metadata, an image: anything) → the approved version keeps being
published; never approved, no slug, or a second file reusing an approved slug → withheld, with a
warning naming the file. Pelican then reads a folder holding only the approved texts, the approved
bytes of the files they reference (a since-replaced image is published from the stored bytes,
under a name carrying its hash) and the screens. Nothing of a withheld file or of an unapproved
edit — metadata, `Save_as`, photo, campaign rules — is there for any plugin to publish.

Pages are the site's own screens (登录, 我的, ...), reviewed with the code: a page whose slug is not
in SCREENS stops the build. Before anything is written (outputs.py), no article, page or file may
take a path that another one or the build itself owns. Drafts (future dates included) are never
written, nor the files only they link.
"""

from __future__ import annotations

import atexit
import gc
import json
import logging
import os
import posixpath
import shutil
import tempfile
from pathlib import Path
from typing import Any

from markupsafe import Markup
from pelican import signals
from pelican.contents import Article, Page

from tools import site_content
from tools.review_version import references
from tools.site_content import PROBLEMS, read_source

from . import outputs, selection
from .selection import Approved, Overlay

logger = logging.getLogger(__name__)
MODES = ("dynamodb", "file", "off")


class ReviewGateError(Exception):
    """The gate cannot decide, or approved content collides: the build stops."""


class _State:
    mode: str = "dynamodb"
    overlay: Overlay | None = None
    generators: dict[str, Any] = {}  # noqa: RUF012 - replaced per build


state = _State()


def _file_approvals(settings: dict[str, Any]) -> tuple[dict[str, Approved], Any]:
    path = settings.get("REVIEW_APPROVALS_FILE")
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        approvals = {
            slug: Approved(slug, v["hash"], v["source"], v.get("files"), v.get("path"))
            for slug, v in raw.items()
        }
    except (OSError, TypeError, ValueError, KeyError) as exc:
        raise ReviewGateError(
            f"无法读取审核结果文件 REVIEW_APPROVALS_FILE={path!r}：{exc}"
        ) from exc
    folder = Path(settings.get("REVIEW_FILES_DIR") or Path(path).with_suffix(".files"))

    def load_file(digest: str) -> bytes | None:
        target = folder / digest
        return target.read_bytes() if target.is_file() else None

    return approvals, load_file


def load_approvals(settings: dict[str, Any]) -> tuple[str, dict[str, Approved], Any, Any]:
    """(mode, approved version by slug, reader of stored file bytes by SHA-256, fetcher of the
    whole approved versions of some slugs or None when the texts are all here).

    From the tables, the approvals come without their texts (a projection): a file that is
    exactly its approved version gives the text, and only the others are fetched (selection
    `with_texts`), so the build does not bring every approved source each time."""
    mode = settings.get("REVIEW_GATE", "dynamodb")
    if mode not in MODES:
        raise ReviewGateError(f"REVIEW_GATE 须为 {', '.join(MODES)} 之一，而不是 {mode!r}")
    if settings.get("REVIEW_GATE_REQUIRED") and mode != "dynamodb":
        raise ReviewGateError(
            f"发布构建必须从审核记录（DynamoDB）读取审核结果，不能使用 REVIEW_GATE={mode!r}"
        )
    if mode == "off":
        return mode, {}, None, None
    if mode == "file":
        return mode, *_file_approvals(settings), None
    # Only here: the tables' client (botocore) is the costliest import of the build.
    from tools import review_store

    def approved(p: Any, text: str | None) -> Approved:
        return Approved(p.slug, p.content_hash, text, p.files, p.source_path or None)

    def fetch(slugs: list[str]) -> dict[str, Approved]:
        try:
            return {
                s: approved(p, p.source_text) for s, p in review_store.published_of(slugs).items()
            }
        except Exception as exc:
            raise _unreadable(exc) from exc

    try:
        found = review_store.published_index()
    except Exception as exc:  # no tables, no credentials: say so instead of publishing nothing
        raise _unreadable(exc) from exc
    approvals = {slug: approved(p, None) for slug, p in found.items()}
    return mode, approvals, review_store.load_file, fetch


def _unreadable(exc: Exception) -> ReviewGateError:
    return ReviewGateError(f"无法从 DynamoDB 读取审核结果（make dev 是否在运行？）：{exc}")


# The overlay is scratch space rewritten every build: in memory when the machine offers ample
# (creating and deleting thousands of small files on a journaled disk cost more than the rest of
# the gate); else, or when TMPDIR says where, the usual temporary folder.
_MEMORY_DIR = Path("/dev/shm")
_MEMORY_NEEDED = 1 << 30


def _scratch() -> str | None:
    if os.environ.get("TMPDIR") or not _MEMORY_DIR.is_dir() or not os.access(_MEMORY_DIR, os.W_OK):
        return None
    try:
        return str(_MEMORY_DIR) if shutil.disk_usage(_MEMORY_DIR).free >= _MEMORY_NEEDED else None
    except OSError:
        return None


def _cleanup() -> None:
    gc.unfreeze()
    if state.overlay is not None:
        shutil.rmtree(state.overlay.root, ignore_errors=True)
        site_content.alias_sources(None)
        state.overlay = None


atexit.register(_cleanup)


def _on_get_generators(pelican: Any) -> None:
    """Per run, before any generator exists: decide every file and point Pelican at the result."""
    _cleanup()
    settings = pelican.settings
    if "REVIEW_CONTENT_PATH" not in settings:
        settings["REVIEW_CONTENT_PATH"] = settings["PATH"]
    content = Path(settings["REVIEW_CONTENT_PATH"]).resolve()
    state.mode, approvals, load_file, fetch = load_approvals(settings)
    state.generators = {}
    settings["REVIEW_PREVIEW"] = state.mode == "off"
    settings["REVIEW_WITHHELD"], settings["REVIEW_UNAVAILABLE"] = {}, {}
    if state.mode == "off":
        return
    decisions = selection.select(content, settings, approvals)
    selection.with_texts(decisions, fetch)
    root = Path(tempfile.mkdtemp(prefix="review-gate-", dir=_scratch()))
    try:
        state.overlay = selection.build_overlay(content, root, settings, decisions, load_file)
    except selection.FileConflictError as exc:
        raise ReviewGateError(f"发布位置冲突：\n{exc}") from None
    finally:
        if state.overlay is None:
            shutil.rmtree(root, ignore_errors=True)
    site_content.alias_sources((root, content))
    # Read only the overlay. Pelican's caches are keyed by path (a fresh folder each run): off;
    # plugins/markdown_cache keeps readings by the bytes read, so it serves only these texts.
    settings["PATH"] = pelican.path = str(root)
    settings["CACHE_CONTENT"] = settings["LOAD_CONTENT_CACHE"] = False
    settings["REVIEW_WITHHELD"] = state.overlay.unpublished(approvals)
    settings["REVIEW_UNAVAILABLE"] = dict(state.overlay.unavailable)
    for rel, decision in sorted(state.overlay.withheld.items()):
        log = logger.warning if decision.warn else logger.info
        log("%s: 未发布：%s", site_content.where(content / rel, 1), decision.reason)
    for why in sorted(state.overlay.unavailable.values()):
        logger.warning("%s", why)
    # What exists now lives to the end of the build: the tables' client (botocore's service
    # model is tens of thousands of objects), settings, the approvals. Out of the collector's
    # full passes, which otherwise walk it again and again (a tenth of a rebuild's time).
    gc.freeze()


def preview_banner(preview: bool) -> Markup:
    """base.html renders the banner through this filter: without this plugin no page builds."""
    if not preview:
        return Markup("")
    return Markup(
        '<div class="preview-banner" role="status">未审核预览 · 仅供编辑自查，不得发布</div>'
    )


def _on_generator_init(generator: Any) -> None:
    generator.env.filters["preview_banner"] = preview_banner
    # The context was copied from the settings before _on_get_generators changed them.
    for key in ("PATH", "REVIEW_PREVIEW", "REVIEW_WITHHELD", "REVIEW_UNAVAILABLE"):
        generator.context[key] = generator.settings.get(key)
    state.generators[type(generator).__name__] = generator


def _check_screen(page: Page) -> None:
    # Pelican catches what is raised while a file is read (and skips the file): collect the
    # problem and stop the build once all pages are read (_on_pages_read).
    if page.slug not in page.settings.get("SCREENS", ()):
        PROBLEMS.add_meta(
            page.source_path,
            "Slug",
            f"页面 {page.slug!r} 不在 SCREENS 中。content/pages/ 只放站点的功能界面（随代码审查）；"
            "文章请放在 content/articles/，经审核后发布",
        )


def _on_content_init(instance: Any) -> None:
    if isinstance(instance, Page) and state.mode != "off":
        _check_screen(instance)
    if not isinstance(instance, Article):
        return
    if state.overlay is None:
        instance.review_state = "preview"
        return
    for key in ("save_as", "url"):
        # Pelican would skip such an article with a log line; an approved one must not vanish.
        value = str(instance.metadata.get(key, "x"))
        norm = posixpath.normpath(value)
        if value.startswith("/") or norm == ".." or norm.startswith("../"):
            PROBLEMS.add_meta(instance.source_path, key, f"{key.capitalize()} 不能指向站点之外")
    rel = Path(os.path.relpath(instance.source_path, state.overlay.root)).as_posix()
    decision = state.overlay.decisions[rel]
    assert decision.approved is not None  # only approved texts are in the overlay
    instance.review_hash = decision.approved.content_hash
    instance.review_state = "approved" if decision.exact else "approved-earlier"


def _no_output(items: list[Any]) -> None:
    """Drafts are never written, whatever `Save_as:` they carry (it overrides DRAFT_SAVE_AS)."""
    for item in items:
        item.override_save_as = ""
        item.override_url = ""


def _on_articles_pretaxonomy(generator: Any) -> None:
    _no_output([*generator.drafts, *generator.drafts_translations])


def _on_pages_read(generator: Any) -> None:
    _no_output([*generator.draft_pages, *generator.draft_translations])
    PROBLEMS.raise_if_any("页面有误：", ReviewGateError)
    articles = state.generators.get("ArticlesGenerator")
    if articles is not None:
        _drop_static_links(articles, generator)


def _referenced(items: list[Any]) -> set[str]:
    """Content paths of the files the items' (overlay) sources reference, `Photo:` included."""
    root = Path(state.overlay.root) if state.overlay else None
    found: set[str] = set()
    for item in items:
        base = Path(item.settings["PATH"])
        rel = os.path.relpath(item.source_path, root or base)
        found |= {r.path for r in references(read_source(item.source_path), rel) if r.path}
    return found


def _drop_static_links(articles: Any, pages: Any) -> None:
    """Before the static files are read: files linked only by drafts (a future installment's
    image) are not copied, nor sources, question banks or unavailable files whatever links them."""
    drafts = [
        *articles.drafts,
        *articles.drafts_translations,
        *pages.draft_pages,
        *pages.draft_translations,
    ]
    shown = [
        *articles.articles,
        *articles.translations,
        *articles.hidden_articles,
        *articles.hidden_translations,
        *pages.pages,
        *pages.translations,
        *pages.hidden_pages,
        *pages.hidden_translations,
    ]
    links = articles.context["static_links"]
    if drafts:  # else nothing is linked only by drafts (and no source need be read again)
        links -= _referenced(drafts) - _referenced(shown)
    links -= {path for path in links if selection.never_static(path, articles.settings)}


def _on_all_finalized(generators: list[Any]) -> None:
    by_kind = {type(g).__name__: g for g in generators}
    found = outputs.problems(
        by_kind["ArticlesGenerator"],
        by_kind["PagesGenerator"],
        list(by_kind["StaticGenerator"].staticfiles) if "StaticGenerator" in by_kind else [],
        by_kind["ArticlesGenerator"].context,
    )
    if found:
        raise ReviewGateError("发布位置冲突：\n" + "\n".join(sorted(set(found))))


def _on_finalized(pelican: Any) -> None:
    if state.mode == "off":
        logger.warning("REVIEW_GATE=off：未审核预览，切勿发布此输出")
        return
    overlay = state.overlay
    if overlay is not None:
        earlier = [d for d in overlay.carried.values() if not d.exact]
        if earlier:
            logger.info("%d 篇文章有待审核的修改，继续发布已审核版本", len(earlier))
        if overlay.withheld:
            logger.info("%d 个文件尚未审核通过，未发布", len(overlay.withheld))
    _cleanup()


def register() -> None:
    signals.get_generators.connect(_on_get_generators)
    signals.generator_init.connect(_on_generator_init)
    signals.content_object_init.connect(_on_content_init)
    signals.article_generator_pretaxonomy.connect(_on_articles_pretaxonomy)
    signals.page_generator_finalized.connect(_on_pages_read)
    signals.all_generators_finalized.connect(_on_all_finalized)
    signals.finalized.connect(_on_finalized)

"""The review gate: only the approved version of an article reaches the site.

Setting REVIEW_GATE chooses where approvals come from:

- "dynamodb" (pelicanconf default, and required by publishconf): the `PublishedVersion` table,
  written when a reviewer approves on the 待审核 page. The build needs the tables (`make dev`
  locally; the deploy machine in AWS).
- "file": REVIEW_APPROVALS_FILE, JSON `{slug: {"hash": ..., "source": ...}}` as written by
  `python -m tools.review export` (offline builds and tests; never for publishing).
- "off": a preview of every draft as is, for an editor's own machine; every page then carries
  a 未审核预览 banner, and publishconf refuses this mode.

Pages are the site's own screens (登录, 我的, ...), reviewed with the code: a page whose slug is not
in the SCREENS setting stops the build, so no text can reach members through `content/pages/`.
For each article the SHA-256 of its source file (metadata + body) is compared with the approved
version of its slug:

- equal: published as is;
- different, but an earlier version was approved: the approved text is published instead, so a
  pending edit never takes the approved article away from readers;
- never approved: the article becomes a draft with its body dropped and no file name (a `Save_as:`
  line would otherwise override DRAFT_SAVE_AS = ''), and it is taken out of the generator's
  drafts, so nothing of it (not even an image it links) is written.
"""

from __future__ import annotations

import json
import logging
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup
from pelican import signals
from pelican.contents import Article, Page
from pelican.readers import Readers

_ROOT = Path(__file__).resolve().parents[2]
for _p in (str(_ROOT / "functions"), str(_ROOT)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from chalicelib.review import normalise, source_hash  # noqa: E402
from tools.site_content import PROBLEMS  # noqa: E402

logger = logging.getLogger(__name__)
MODES = ("dynamodb", "file", "off")


class ReviewGateError(Exception):
    """The gate cannot decide (bad setting, unreadable approvals): the build stops."""


@dataclass(frozen=True)
class Approved:
    content_hash: str
    source: str


class _State:
    mode: str = "dynamodb"
    approvals: dict[str, Approved] = {}  # noqa: RUF012 - replaced per build
    generator: Any = None
    copying: bool = False
    withheld: list[str] = []  # noqa: RUF012
    earlier: list[str] = []  # noqa: RUF012


state = _State()


def load_approvals(settings: dict[str, Any]) -> tuple[str, dict[str, Approved]]:
    mode = settings.get("REVIEW_GATE", "dynamodb")
    if mode not in MODES:
        raise ReviewGateError(f"REVIEW_GATE 须为 {', '.join(MODES)} 之一，而不是 {mode!r}")
    if settings.get("REVIEW_GATE_REQUIRED") and mode != "dynamodb":
        raise ReviewGateError(
            f"发布构建必须从审核记录（DynamoDB）读取审核结果，不能使用 REVIEW_GATE={mode!r}"
        )
    if settings.get("CACHE_CONTENT") and settings.get("CONTENT_CACHING_LAYER") == "generator":
        raise ReviewGateError("审核闸门要求 CONTENT_CACHING_LAYER = 'reader'（每次构建重新判断）")
    if mode == "off":
        return mode, {}
    if mode == "file":
        path = settings.get("REVIEW_APPROVALS_FILE")
        try:
            raw = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, TypeError, ValueError) as exc:
            raise ReviewGateError(
                f"无法读取审核结果文件 REVIEW_APPROVALS_FILE={path!r}：{exc}"
            ) from exc
        return mode, {slug: Approved(v["hash"], v["source"]) for slug, v in raw.items()}
    from tools.review_store import published_versions

    try:
        found = published_versions()
    except Exception as exc:  # no tables, no credentials: say so instead of publishing nothing
        raise ReviewGateError(
            f"无法从 DynamoDB 读取审核结果（make dev 是否在运行？）：{exc}"
        ) from exc
    return mode, {slug: Approved(p.content_hash, p.source_text) for slug, p in found.items()}


def _on_initialized(pelican: Any) -> None:
    state.mode, state.approvals = load_approvals(pelican.settings)
    state.withheld, state.earlier = [], []
    pelican.settings["REVIEW_PREVIEW"] = state.mode == "off"


def preview_banner(preview: bool) -> Markup:
    """base.html renders the banner through this filter: without this plugin no page builds."""
    if not preview:
        return Markup("")
    return Markup(
        '<div class="preview-banner" role="status">未审核预览 · 仅供编辑自查，不得发布</div>'
    )


def _on_generator_init(generator: Any) -> None:
    generator.env.filters["preview_banner"] = preview_banner


def _on_articles_init(generator: Any) -> None:
    state.generator = generator


def _approved_copy(instance: Article, source: str) -> Article:
    """The article as its approved text reads, read like any other file."""
    base = Path(instance.settings["PATH"]).resolve()
    relative = Path(instance.source_path).resolve().relative_to(base)
    tmp = Path(tempfile.mkdtemp(prefix="review-gate-"))
    try:
        target = tmp / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source, encoding="utf-8")
        state.copying = True
        return Readers(instance.settings).read_file(
            base_path=str(tmp),
            path=str(relative),
            content_class=Article,
            context=instance._context,
            context_signal=signals.article_generator_context,
            context_sender=state.generator,
        )
    finally:
        state.copying = False
        shutil.rmtree(tmp, ignore_errors=True)


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


def _on_pages_read(generator: Any) -> None:
    PROBLEMS.raise_if_any("页面有误：", ReviewGateError)


def _on_content_init(instance: Any) -> None:
    if isinstance(instance, Page) and state.mode != "off":
        _check_screen(instance)
    if not isinstance(instance, Article) or state.copying:
        return
    text = Path(instance.source_path).read_text(encoding="utf-8")
    instance.review_hash = source_hash(text)
    instance.review_source = normalise(text)
    if state.mode == "off":
        instance.review_state = "preview"
        return
    approved = state.approvals.get(str(instance.metadata.get("slug") or instance.slug))
    if approved and approved.content_hash == instance.review_hash:
        instance.review_state = "approved"
        return
    if approved:
        copy = _approved_copy(instance, approved.source)
        keep = {"source_path", "relative_source_path", "relative_dir"}
        instance.__dict__.update({k: v for k, v in copy.__dict__.items() if k not in keep})
        instance.review_hash = approved.content_hash
        instance.review_source = normalise(approved.source)
        instance.review_state = "approved-earlier"
        state.earlier.append(instance.source_path)
        return
    instance.review_state = "withheld"
    instance.status = "draft"
    instance.metadata["status"] = "draft"
    instance._content = ""
    instance.override_save_as = ""  # the writer skips an empty name, whatever Save_as said
    instance.override_url = ""
    state.withheld.append(instance.source_path)


def _drop_withheld(generator: Any) -> None:
    """Withheld articles leave the drafts list too, so no plugin or template can list them."""
    generator.drafts = [d for d in generator.drafts if getattr(d, "review_state", "") != "withheld"]
    generator.drafts_translations = [
        d for d in generator.drafts_translations if getattr(d, "review_state", "") != "withheld"
    ]


def _on_finalized(pelican: Any) -> None:
    if state.mode == "off":
        logger.warning("REVIEW_GATE=off：未审核预览，切勿发布此输出")
        return
    if state.earlier:
        logger.info("%d 篇文章有待审核的修改，继续发布已审核版本", len(state.earlier))
    if state.withheld:
        logger.info("%d 篇文章尚未审核通过，未发布", len(state.withheld))


def register() -> None:
    signals.initialized.connect(_on_initialized)
    signals.generator_init.connect(_on_generator_init)
    signals.article_generator_init.connect(_on_articles_init)
    signals.content_object_init.connect(_on_content_init)
    signals.article_generator_pretaxonomy.connect(_drop_withheld)
    signals.page_generator_finalized.connect(_on_pages_read)
    signals.finalized.connect(_on_finalized)

"""Cover images on list items: `Cover: {static}/images/covers/x.jpg` (any image in content/).

Each cover is cut to 3:2 around its centre and written at WIDTHS as JPEG (every WeChat webview
reads it; WebP not on older iOS) under `theme/covers/<name>.<hash>-<width>.jpg`: content-hashed,
so cached for a year like the theme's assets (infra: `theme/` is immutable). The list macro
(`article_item` in _macros.html) gives the browser `srcset`, `width`/`height` (no layout shift),
`loading="lazy"` and `decoding="async"` from `article.cover_image`.

A cover that is missing or not an image Pillow can read stops the build with file, line and
field (`content/articles/x.md:6: Cover：…`). The review gate binds the cover to the approved
version (tools/review_version.py reads `Cover:` as it reads `Photo:`).

The picture a page is shared with (WeChat's card wants a square of at least 300×300 px): the
cover, else an exemplar's `Photo:` when it is a JPEG or PNG, cut square to SHARE_SIZE
(`article.share_picture`); every other page gets the site's picture, `SHARE_IMAGE` in the
theme's static folder, published as `theme/covers/share.<hash>-sq300.png`
(`share_default_image` in the templates). Both are written here, beside the renditions.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pelican import signals
from pelican.contents import Article
from PIL import Image, ImageOps, UnidentifiedImageError

from tools.review_version import resolve
from tools.site_content import PROBLEMS

# Shown 112 CSS px wide (icons.css .media-cover-img): 1×, 2× and 3× screens.
DISPLAY_WIDTH, DISPLAY_HEIGHT = 112, 75
WIDTHS = (112, 224, 336)
QUALITY = 78
FOLDER = "theme/covers"
SHARE_SIZE = 300  # WeChat's share card: a square picture of at least 300×300 px
_RASTER = (".jpg", ".jpeg", ".png")
_STATIC = re.compile(r"^\{(?:static|attach)\}")
_OURS = re.compile(r".+\.[0-9a-f]{10}-(?:\d+|sq\d+)\.(?:jpg|png)")


@dataclass(frozen=True)
class Rendition:
    path: str  # output-relative
    width: int
    height: int


@dataclass(frozen=True)
class Cover:
    source: str  # content-relative path of the original
    renditions: tuple[Rendition, ...]

    @property
    def src(self) -> str:
        return self.renditions[0].path

    def srcset(self, siteurl: str = "") -> str:
        return ", ".join(f"{siteurl}/{r.path} {r.width}w" for r in self.renditions)


@dataclass(frozen=True)
class SharePicture:
    source: str  # content-relative path of the original
    path: str  # output-relative square rendition


def share_picture(source: str, data: bytes) -> SharePicture:
    stem = posixpath.splitext(posixpath.basename(source))[0]
    digest = hashlib.sha256(data).hexdigest()[:10]
    return SharePicture(source, f"{FOLDER}/{stem}.{digest}-sq{SHARE_SIZE}.jpg")


def default_share_image(settings: dict[str, Any]) -> tuple[str, bytes]:
    """Output path and bytes of the site's share picture (SHARE_IMAGE in the theme)."""
    file = Path(settings["THEME"]) / "static" / settings.get("SHARE_IMAGE", "images/share.png")
    data = file.read_bytes()  # shipped with the theme: missing is a broken checkout
    digest = hashlib.sha256(data).hexdigest()[:10]
    return f"{FOLDER}/share.{digest}-sq{SHARE_SIZE}{file.suffix}", data


def cover_path(article: Any) -> str | None:
    """The cover's path relative to the content folder, as the review gate resolves it."""
    raw = article.metadata.get("cover")
    if not raw:
        return None
    value = _STATIC.sub("", str(raw).strip())
    content = Path(article.settings["PATH"]).resolve()
    source_rel = Path(article.source_path).resolve().relative_to(content).as_posix()
    return resolve(value, source_rel)


def renditions(source: str, data: bytes) -> tuple[Rendition, ...]:
    stem = posixpath.splitext(posixpath.basename(source))[0]
    digest = hashlib.sha256(data).hexdigest()[:10]
    return tuple(
        Rendition(f"{FOLDER}/{stem}.{digest}-{w}.jpg", w, round(w * DISPLAY_HEIGHT / DISPLAY_WIDTH))
        for w in WIDTHS
    )


def render(data: bytes, width: int, height: int) -> bytes:
    """The image cut to width:height around its centre, as a progressive JPEG."""
    with Image.open(io.BytesIO(data)) as image:
        image = ImageOps.exif_transpose(image)
        if image.mode in ("RGBA", "LA", "P"):
            image = image.convert("RGBA")
            flat = Image.new("RGB", image.size, (255, 255, 255))
            flat.paste(image, mask=image.getchannel("A"))
            image = flat
        fitted = ImageOps.fit(image.convert("RGB"), (width, height), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        fitted.save(out, "JPEG", quality=QUALITY, optimize=True, progressive=True)
        return out.getvalue()


def _readable(data: bytes) -> str | None:
    """Why these bytes cannot become a cover, or None: the smallest rendition is made here, so
    an image Pillow opens but cannot convert (an odd mode) fails with its file and line too."""
    try:
        render(data, WIDTHS[0], round(WIDTHS[0] * DISPLAY_HEIGHT / DISPLAY_WIDTH))
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        return f"无法读取图片（{type(exc).__name__}）"
    return None


def _photo_share_picture(instance: Any) -> None:
    """An exemplar's photo (plugins/listings, content-relative here) as its share picture when
    it is a JPEG or PNG (an SVG is not a share picture); a bad photo is listings' to report."""
    photo = getattr(instance, "photo_path", None)
    if not photo or not photo.lower().endswith(_RASTER):
        return
    file = Path(instance.settings["PATH"]) / photo
    if file.is_file():
        data = file.read_bytes()
        if _readable(data) is None:
            instance.share_picture = share_picture(photo, data)


def _on_content_init(instance: Any) -> None:
    if not isinstance(instance, Article):
        return
    if not instance.metadata.get("cover"):
        _photo_share_picture(instance)
        return
    path = instance.source_path
    source = cover_path(instance)
    if source is None:
        PROBLEMS.add_meta(path, "Cover", "Cover：封面图片须在 content/ 目录中")
        return
    if source in instance.settings.get("REVIEW_UNAVAILABLE", {}):
        return  # approved, but its approved bytes cannot be published (the gate warned)
    file = Path(instance.settings["PATH"]) / source
    if not file.is_file():
        PROBLEMS.add_meta(path, "Cover", f"Cover：封面图片不存在：{source}")
        return
    data = file.read_bytes()
    why = _readable(data)
    if why:
        PROBLEMS.add_meta(path, "Cover", f"Cover：{source} {why}，请换用 JPEG 或 PNG")
        return
    instance.cover_image = Cover(source, renditions(source, data))
    instance.share_picture = share_picture(source, data)


def _on_finalized(pelican: Any) -> None:
    """Write the renditions of the covers of published articles; drop older ones."""
    generator = _articles.get("generator")
    if generator is None:
        return
    out = Path(pelican.output_path)
    content = Path(generator.settings["PATH"])
    wanted: set[Path] = set()
    for article in [*generator.articles, *generator.translations]:
        cover = getattr(article, "cover_image", None)
        todo = [(r.path, r.width, r.height) for r in cover.renditions] if cover else []
        share = getattr(article, "share_picture", None)
        if share is not None:
            todo.append((share.path, SHARE_SIZE, SHARE_SIZE))
        if not todo:
            continue
        data = (content / (share.source if share else cover.source)).read_bytes()
        for path, width, height in todo:
            target = out / path
            wanted.add(target)
            if not target.is_file():  # the name carries the source's hash
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(render(data, width, height))
    default, data = default_share_image(generator.settings)
    wanted.add(out / default)
    if not (out / default).is_file():
        (out / default).parent.mkdir(parents=True, exist_ok=True)
        (out / default).write_bytes(data)
    folder = out / FOLDER
    if folder.is_dir():
        for old in folder.iterdir():
            if old not in wanted and _OURS.fullmatch(old.name):
                old.unlink()


_articles: dict[str, Any] = {}


def _on_articles_done(generator: Any) -> None:
    _articles["generator"] = generator


def _on_generator_init(generator: Any) -> None:
    generator.env.globals["share_default_image"] = default_share_image(generator.settings)[0]


def register() -> None:
    signals.generator_init.connect(_on_generator_init)
    signals.content_object_init.connect(_on_content_init)
    signals.article_generator_finalized.connect(_on_articles_done)
    signals.finalized.connect(_on_finalized)

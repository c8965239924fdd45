"""Publish the theme's CSS, JS and icon sprite under content-hashed names (js/api.3f2a9c1b.js).

WeChat's webview caches hard, so an asset's URL must change whenever its bytes do. Templates
ask for assets by source name: `{{ 'js/login.js'|asset }}`. JS files are ES modules importing
each other by relative path (`from './api.js'`); those specifiers are rewritten to the hashed
names, leaves first, so a module's hash also covers the names of everything it imports.
Only the hashed files are written (THEME_STATIC_PATHS leaves css/ and js/ out).

With ASSET_MINIFY (publishconf.py) each CSS and JS file is minified first (minify.py, esbuild),
so imports are rewritten in, and the hash is taken of, the bytes that are shipped.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import pass_context
from pelican import signals

from plugins.asset_hash.minify import LOADERS, minify_text

HASH_LENGTH = 8
SUFFIXES = (".css", ".js", ".svg")  # .svg: the icon sprite (plugins/icons)
# `import x from './a.js'`, `export { y } from '../b.js'`, `import './c.js'`, `import('./d.js')`
_IMPORT = re.compile(r"""(\b(?:from|import)\s*\(?\s*)(["'])(\.{1,2}/[^"'\n]+)\2""")


class AssetError(Exception):
    """A template or module refers to an asset that does not exist, or imports form a cycle."""


@dataclass(frozen=True)
class Asset:
    name: str  # hashed path relative to the theme's static dir
    data: bytes


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:HASH_LENGTH]


def hashed_name(name: str, data: bytes) -> str:
    stem, ext = posixpath.splitext(name)
    return f"{stem}.{content_hash(data)}{ext}"


def build_manifest(static_dir: Path, minify: bool = False) -> dict[str, Asset]:
    """Source name (js/api.js) -> hashed asset, with JS imports rewritten (and CSS and JS
    minified first when `minify`: MinifyError names a file esbuild refuses)."""
    sources = {
        path.relative_to(static_dir).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(static_dir.rglob("*"))
        if path.suffix in SUFFIXES and path.is_file()
    }
    if minify:
        sources = {
            name: minify_text(name, text) if posixpath.splitext(name)[1] in LOADERS else text
            for name, text in sources.items()
        }
    manifest: dict[str, Asset] = {}
    visiting: set[str] = set()

    def visit(name: str) -> Asset:
        if name in manifest:
            return manifest[name]
        if name in visiting:
            raise AssetError(f"{static_dir / name}: import cycle")
        visiting.add(name)
        folder = posixpath.dirname(name)

        def rewrite(match: re.Match[str]) -> str:
            prefix, quote, spec = match.groups()
            target = posixpath.normpath(posixpath.join(folder, spec))
            if target not in sources:
                raise AssetError(f"{static_dir / name}: imports {spec}, which does not exist")
            relative = posixpath.relpath(visit(target).name, folder or ".")
            if not relative.startswith("."):
                relative = "./" + relative
            return f"{prefix}{quote}{relative}{quote}"

        text = sources[name]
        if name.endswith(".js"):
            text = _IMPORT.sub(rewrite, text)
        data = text.encode("utf-8")
        manifest[name] = Asset(hashed_name(name, data), data)
        visiting.discard(name)
        return manifest[name]

    for name in sources:
        visit(name)
    return manifest


def _static_dir(theme: str) -> Path:
    return Path(theme) / "static"


def _minify(settings: dict[str, Any]) -> bool:
    return bool(settings.get("ASSET_MINIFY", False))


def _on_generator_init(generator: Any) -> None:
    manifest = build_manifest(_static_dir(generator.theme), _minify(generator.settings))
    static_url = generator.settings["THEME_STATIC_DIR"]

    @pass_context
    def asset(context: Any, name: str) -> str:
        if name not in manifest:
            raise AssetError(f"unknown theme asset {name!r}; known: {', '.join(sorted(manifest))}")
        return f"{context.get('SITEURL', '')}/{static_url}/{manifest[name].name}"

    generator.env.filters["asset"] = asset


def _on_finalized(pelican: Any) -> None:
    out_dir = Path(pelican.output_path) / pelican.settings["THEME_STATIC_DIR"]
    for name, asset in build_manifest(
        _static_dir(pelican.theme), _minify(pelican.settings)
    ).items():
        target = out_dir / asset.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(asset.data)
        # Drop this file's older versions left by earlier dev builds.
        stem, ext = posixpath.splitext(posixpath.basename(name))
        stale = re.compile(rf"{re.escape(stem)}\.[0-9a-f]{{{HASH_LENGTH}}}{re.escape(ext)}")
        for old in target.parent.iterdir():
            if old != target and stale.fullmatch(old.name):
                old.unlink()


def register() -> None:
    signals.generator_init.connect(_on_generator_init)
    signals.finalized.connect(_on_finalized)

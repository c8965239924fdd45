"""The console's Apache ECharts build: `entry.js` bundled by esbuild into
`theme/static/vendor/echarts.js` (git-ignored), which plugins/asset_hash then publishes under a
hashed name like every theme file. Only the console's page modules import it
(`../vendor/echarts.js`), so member pages never download it.

Generated, not committed: `infra/setup.sh` builds it after `npm ci` (so a clean clone has it
before any build or test), and every Pelican run checks it is current (a stamp of the entry, the
npm lock and the targets on its first line) and builds it again if not, so a changed entry or
an upgraded `echarts` in package-lock.json never ships a stale bundle. Runs offline (the local
esbuild binary; echarts from node_modules). `python -m plugins.echarts_bundle [THEME]` builds it
by hand and prints its size.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from pelican import signals

from plugins.asset_hash.minify import ESBUILD, ROOT, esbuild_targets

ENTRY = Path(__file__).with_name("entry.js")
LOCK = ROOT / "package-lock.json"
TARGET = Path("static") / "vendor" / "echarts.js"  # under the theme
_STAMP = "/* echarts bundle {} */\n"


class BundleError(Exception):
    """esbuild or echarts is missing, or esbuild refused the entry; the message says which."""


def stamp() -> str:
    """What the bundle is built from: the entry, the locked npm versions, the targets."""
    digest = hashlib.sha256()
    for part in (ENTRY.read_bytes(), LOCK.read_bytes(), ",".join(esbuild_targets()).encode()):
        digest.update(hashlib.sha256(part).digest())
    return _STAMP.format(digest.hexdigest()[:16])


def bundle_path(theme: str | Path) -> Path:
    return Path(theme) / TARGET


def ensure(theme: str | Path = ROOT / "theme") -> Path:
    """Build the theme's bundle unless it is current; return its path."""
    target = bundle_path(theme)
    want = stamp()
    if target.exists():
        with target.open(encoding="utf-8") as current:
            if current.readline() == want:
                return target
    text = want + _build()
    target.parent.mkdir(parents=True, exist_ok=True)
    # Parallel builds (pytest -n 2) may race here: each writes a whole file, then renames it.
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".echarts.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(tmp, target)
    return target


def _build() -> str:
    if not ESBUILD.exists():
        raise BundleError(f"{ESBUILD} is missing: run `npm ci` (infra/setup.sh does)")
    if not (ROOT / "node_modules" / "echarts" / "package.json").exists():
        raise BundleError("node_modules/echarts is missing: run `npm ci` (infra/setup.sh does)")
    command = [
        str(ESBUILD),
        str(ENTRY),
        "--bundle",
        "--format=esm",
        "--minify",
        f"--target={','.join(esbuild_targets())}",
        "--charset=utf8",
        # ECharts' development checks and warnings go; its production code stays.
        "--define:process.env.NODE_ENV='production'",
        "--define:__DEV__=false",
        "--supported:destructuring=true",  # as plugins/asset_hash/minify.py (Safari ≤ 13)
        "--legal-comments=eof",  # Apache-2.0 notices kept
        "--log-level=warning",
    ]
    try:
        done = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, encoding="utf-8", check=False
        )
    except OSError as error:
        raise BundleError(f"cannot run {ESBUILD}: {error}") from error
    if done.returncode or done.stderr.strip():
        raise BundleError(f"{ENTRY}: esbuild could not bundle it:\n{done.stderr.strip()}")
    return done.stdout


def _on_initialized(pelican: Any) -> None:
    ensure(pelican.settings["THEME"])


def register() -> None:
    signals.initialized.connect(_on_initialized)

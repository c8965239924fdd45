"""The theme's CSS and JS minified for production builds (ASSET_MINIFY in publishconf.py).

esbuild (npm, pinned in package.json, installed by `npm ci`) minifies one file at a time: no
bundling, so ES module imports stay as written for plugins/asset_hash to rewrite to hashed
names. Its `--target` comes from package.json's browserslist, so the minifier never writes
syntax newer than the supported webviews have. Runs offline (a local binary).
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ESBUILD = ROOT / "node_modules" / ".bin" / "esbuild"
PACKAGE_JSON = ROOT / "package.json"
LOADERS = {".css": "css", ".js": "js"}

# browserslist name -> esbuild engine (README: Supported browsers names what we support).
_ENGINES = {"chrome": "chrome", "and_chr": "chrome", "ios": "ios", "ios_saf": "ios"}
_QUERY = re.compile(r"^\s*(\w+)\s*>=\s*(\d+(?:\.\d+)?)\s*$", re.IGNORECASE)

_done: dict[tuple[str, str], str] = {}  # (loader, sha256 of source) -> minified: one run per text


class MinifyError(Exception):
    """esbuild is missing, or refused or warned about a file; the message names the file."""


def esbuild_targets(package_json: Path = PACKAGE_JSON) -> list[str]:
    """package.json's browserslist ("Chrome >= 78", "iOS >= 12") as esbuild targets."""
    queries = json.loads(package_json.read_text(encoding="utf-8"))["browserslist"]
    targets = []
    for query in queries:
        match = _QUERY.match(query)
        engine = match and _ENGINES.get(match.group(1).lower())
        if not engine:
            raise MinifyError(
                f"{package_json}: browserslist entry {query!r} has no esbuild target here "
                f"(plugins/asset_hash/minify.py knows “<browser> >= <version>” for "
                f"{', '.join(sorted(_ENGINES))})"
            )
        targets.append(engine + match.group(2))
    return targets


def minify_text(name: str, text: str) -> str:
    """The minified text of theme file `name` (css/main.css, js/api.js)."""
    loader = LOADERS[Path(name).suffix]
    key = (loader, hashlib.sha256(text.encode("utf-8")).hexdigest())
    if key not in _done:
        _done[key] = _run_esbuild(name, loader, text)
    return _done[key]


def _run_esbuild(name: str, loader: str, text: str) -> str:
    if not ESBUILD.exists():
        raise MinifyError(
            f"theme/static/{name}: cannot minify, {ESBUILD} is missing (run `npm ci`, as "
            "infra/setup.sh does)"
        )
    command = [
        str(ESBUILD),
        f"--loader={loader}",
        "--minify",
        f"--target={','.join(esbuild_targets())}",
        "--charset=utf8",  # Chinese text as UTF-8 (3 bytes), not \uXXXX escapes (6)
        f"--sourcefile=theme/static/{name}",  # how esbuild names the file in its messages
        "--log-level=warning",
    ]
    if loader == "js":
        command += [
            "--format=esm",
            # esbuild's table marks destructuring unsafe before Safari 14.1 (an array-rest bug in
            # Safari ≤ 13) and cannot lower it; ESLint checks the sources against the list, and
            # the minifier only has to keep destructuring as written.
            "--supported:destructuring=true",
        ]
    try:
        done = subprocess.run(
            command, input=text, capture_output=True, text=True, encoding="utf-8", check=False
        )
    except OSError as error:
        raise MinifyError(f"theme/static/{name}: cannot run {ESBUILD}: {error}") from error
    # A warning fails the build too: it means esbuild is unsure what the file says.
    if done.returncode or done.stderr.strip():
        raise MinifyError(
            f"theme/static/{name}: esbuild could not minify it:\n{done.stderr.strip()}"
        )
    return done.stdout

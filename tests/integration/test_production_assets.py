"""A real production build (publishconf.py) ships the theme's CSS and JS minified
(plugins/asset_hash with esbuild): no comments, far smaller than the sources, named by the hash
of the shipped bytes, every module still valid and importing existing hashed files; and a theme
file esbuild refuses stops `pelican -s publishconf.py` with the file named."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.production_build import ROOT, build_production

SOURCES = ROOT / "theme" / "static"
HASHED = re.compile(r"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{8})\.(?P<ext>css|js)$")
JS_IMPORT = re.compile(r"""\b(?:from|import)\s*\(?\s*["'](\.{1,2}/[^"']+)["']""")
# Generated bundles (plugins/echarts_bundle): minified when bundled, their licence notices kept
# (tests/unit/test_echarts_bundle.py checks them).
BUNDLED = "vendor/"
# A whole-line comment of a source file, long enough that its text cannot occur by chance.
COMMENT_LINE = re.compile(r"^\s*(?://|/?\*+)\s*(?P<text>.{24,}?)\s*(?:\*/)?$")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_production(tmp_path_factory.mktemp("assets"))


def shipped(built: Path) -> dict[str, Path]:
    """Source name (js/api.js) -> the file the production build published for it."""
    found = {}
    for path in (built / "theme").rglob("*"):
        if match := HASHED.match(path.name):
            folder = path.parent.relative_to(built / "theme").as_posix()
            found[f"{folder}/{match['stem']}.{match['ext']}"] = path
    return found


def test_every_theme_css_and_js_file_is_shipped_minified(built: Path) -> None:
    files = shipped(built)
    sources = sorted(p for p in SOURCES.rglob("*") if p.suffix in (".css", ".js"))
    assert sorted(files) == [p.relative_to(SOURCES).as_posix() for p in sources]
    for source in sources:
        name = source.relative_to(SOURCES).as_posix()
        if name.startswith(BUNDLED):
            continue
        text = files[name].read_text(encoding="utf-8")
        original = source.read_text(encoding="utf-8")
        assert "/*" not in text, f"{name}: a comment is shipped"
        assert text.count("\n") <= 2, f"{name}: not minified ({text.count(chr(10))} lines)"
        for line in original.splitlines():
            if comment := COMMENT_LINE.match(line):
                assert comment["text"] not in text, f"{name}: comment shipped: {line.strip()}"
        assert len(text.encode()) < 0.9 * len(original.encode()), name
    ours = [p for p in sources if not p.relative_to(SOURCES).as_posix().startswith(BUNDLED)]
    total = sum(len(files[p.relative_to(SOURCES).as_posix()].read_bytes()) for p in ours)
    assert total < 0.7 * sum(len(p.read_bytes()) for p in ours)


def test_names_are_the_hash_of_the_shipped_bytes(built: Path) -> None:
    for name, path in shipped(built).items():
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:8]
        assert HASHED.match(path.name)["hash"] == digest, name


def test_every_module_is_valid_and_imports_existing_hashed_files(
    built: Path, tmp_path: Path
) -> None:
    for name, path in shipped(built).items():
        if not name.endswith(".js"):
            continue
        text = path.read_text(encoding="utf-8")
        for spec in JS_IMPORT.findall(text):
            target = (path.parent / spec).resolve()
            assert target.is_file(), f"{name} imports {spec}, which was not published"
            assert HASHED.match(target.name), f"{name} imports {spec}, not a hashed name"
        # Node parses it as an ES module (the browsers run it in the e2e tests).
        module = tmp_path / (path.stem + ".mjs")
        shutil.copy(path, module)
        check = subprocess.run(["node", "--check", str(module)], capture_output=True, text=True)
        assert check.returncode == 0, f"{name}: {check.stderr}"


def test_a_theme_file_esbuild_refuses_stops_the_production_build(tmp_path: Path) -> None:
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    (theme / "static" / "js" / "progress.js").write_text("export const = 1;\n", encoding="utf-8")
    approvals = tmp_path / "approvals.json"
    approvals.write_text("{}", encoding="utf-8")
    extra = {
        "THEME": str(theme),
        "REVIEW_GATE": "file",
        "REVIEW_GATE_REQUIRED": False,
        "REVIEW_APPROVALS_FILE": str(approvals),
    }
    run = subprocess.run(
        [
            *(sys.executable, "-m", "pelican", "content", "-s", "publishconf.py"),
            *("-o", str(tmp_path / "out")),
            *("-e", *(f"{key}={json.dumps(value)}" for key, value in extra.items())),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode != 0
    said = run.stdout + run.stderr
    assert "theme/static/js/progress.js" in said and "esbuild could not minify it" in said, said

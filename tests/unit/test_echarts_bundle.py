"""The console's Apache ECharts build (plugins/echarts_bundle): a small ES module made from the
pinned npm package at build time, current whenever its entry or the npm lock changes, published
under a hashed name, and pulled in by the console's pages only — every member page weighs what it
did before it existed."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from pelican import Pelican
from pelican.settings import read_settings

import plugins.echarts_bundle as bundle
from infra.publish import IMMUTABLE, cache_control
from tools.page_weight import page_weight

ROOT = Path(__file__).resolve().parents[2]
# The whole library (dist/echarts.min.js) is ~368 KB gzip; ours holds bar, line, grid, tooltip,
# legend and the SVG renderer (~188 KB). A build that pulls in all of it fails here.
GZIP_BUDGET = 200_000
CONSOLE_PAGES = {"console.html", "console-member.html", "console-report.html"}
# The console's other screens (its layout, no charts): staff pages, not a member's.
CONSOLE_LAYOUT_PAGES = {
    "console-registry.html",
    "console-assessment.html",
    "console-inspection.html",
    "console-lessons.html",  # 微党课学习 (issue 19)
    "console-media.html",  # 上传音视频 (issue 19)
}


def test_built_once_current_afterwards_rebuilt_when_stale(tmp_path: Path) -> None:
    theme = tmp_path / "theme"
    path = bundle.ensure(theme)
    assert path == theme / "static" / "vendor" / "echarts.js"
    text = path.read_text(encoding="utf-8")
    assert text.startswith(bundle.stamp())
    assert "getInstanceByDom" in text and " as init" in text  # what console_charts.js imports
    assert len(gzip.compress(path.read_bytes(), 9)) < GZIP_BUDGET
    # An ES module node can load (the browsers run it in the end-to-end tests).
    module = tmp_path / "echarts.mjs"
    shutil.copy(path, module)
    check = subprocess.run(["node", "--check", str(module)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr

    written = path.stat().st_mtime_ns
    os.utime(path, ns=(written - 10**9, written - 10**9))
    assert bundle.ensure(theme) == path
    assert path.stat().st_mtime_ns == written - 10**9  # current: not built again

    path.write_text("/* echarts bundle 0000000000000000 */\nexport const stale = 1;\n")
    bundle.ensure(theme)
    assert path.read_text(encoding="utf-8") == text  # a stale stamp: built again


def test_the_stamp_follows_the_entry_and_the_lock(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    before = bundle.stamp()
    entry = tmp_path / "entry.js"
    entry.write_text(bundle.ENTRY.read_text(encoding="utf-8") + "// pie added\n")
    monkeypatch.setattr(bundle, "ENTRY", entry)
    changed_entry = bundle.stamp()
    assert changed_entry != before
    lock = tmp_path / "package-lock.json"
    lock.write_text("{}")  # another echarts (or esbuild) locked
    monkeypatch.setattr(bundle, "LOCK", lock)
    assert bundle.stamp() not in (before, changed_entry)


def test_without_npm_packages_the_build_says_what_to_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(bundle, "ESBUILD", tmp_path / "missing" / "esbuild")
    with pytest.raises(bundle.BundleError, match="npm ci"):
        bundle.ensure(tmp_path / "theme")


def test_only_console_pages_load_echarts(tmp_path: Path) -> None:
    """A real Pelican build (the review gate off: every page is a screen or an article here)."""
    out = tmp_path / "out"
    settings = read_settings(
        str(ROOT / "pelicanconf.py"),
        override={
            "PATH": str(ROOT / "content"),
            "OUTPUT_PATH": str(out),
            "CACHE_CONTENT": False,
            "LOAD_CONTENT_CACHE": False,
            "REVIEW_GATE": "off",
        },
    )
    Pelican(settings).run()
    shipped = [
        p.relative_to(out).as_posix() for p in (out / "theme" / "vendor").glob("echarts.*.js")
    ]
    assert len(shipped) == 1, shipped
    pages = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html"))
    loads = {page for page in pages if shipped[0] in page_weight(out, page).assets}
    assert loads == CONSOLE_PAGES
    # Nor on demand (a dynamic import) from any other page, nor the console's own modules and
    # styles: a member page weighs what it did before the console.
    for page in set(pages) - CONSOLE_PAGES:
        weight = page_weight(out, page)
        assert shipped[0] not in weight.on_demand, page
        if page not in CONSOLE_LAYOUT_PAGES:
            assert not [a for a in [*weight.assets, *weight.on_demand] if "console" in a], page
    # Published as an immutable, content-hashed asset (infra/publish.py, the dev server).
    assert cache_control(shipped[0]) == IMMUTABLE

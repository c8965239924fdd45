"""The theme against the browsers we support (package.json "browserslist"; README: Supported
browsers): ESLint with eslint-plugin-compat and eslint-plugin-es-x for the JavaScript, stylelint
with stylelint-no-unsupported-browser-features for the CSS, run as `make lint` runs them.

The samples in compat_samples/ prove the checks bite: a modern feature that an older WeChat
webview lacks fails, and what every listed webview has passes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = Path(__file__).parent / "compat_samples"
BIN = ROOT / "node_modules" / ".bin"


def _run(tool: str, *args: str) -> subprocess.CompletedProcess:
    exe = BIN / tool
    assert exe.exists(), f"{exe} missing: run infra/setup.sh (npm ci)"
    return subprocess.run([str(exe), *args], cwd=ROOT, capture_output=True, text=True, timeout=180)


def _eslint_rules(path: Path) -> set[str]:
    out = _run("eslint", "--format", "json", str(path))
    return {m["ruleId"] for f in json.loads(out.stdout) for m in f["messages"]}


def _stylelint_rules(path: Path) -> set[str]:
    out = _run("stylelint", "--formatter", "json", str(path))
    # stylelint writes its JSON report to stderr when a file has errors.
    report = json.loads(out.stdout or out.stderr)
    return {w["rule"] for f in report for w in f["warnings"]}


def test_list_reaches_the_old_webviews() -> None:
    """The declared floor: XWeb's Chromium 78 on Android, iOS 12's WKWebView."""
    out = _run("browserslist").stdout.split("\n")
    assert "chrome 78" in out and "chrome 77" not in out
    assert "ios_saf 12.0-12.1" in out and not any(v.startswith("ios_saf 11") for v in out)


def test_theme_javascript_passes() -> None:
    out = _run("eslint", "theme/static/js")
    assert out.returncode == 0, out.stdout + out.stderr


def test_theme_css_passes() -> None:
    out = _run("stylelint", "theme/static/css/*.css")
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize(
    ("sample", "rule"),
    [
        ("optional_chaining.js", "es-x/no-optional-chaining"),
        ("nullish.js", "es-x/no-nullish-coalescing-operators"),
        ("lookbehind.js", "es-x/no-regexp-lookbehind-assertions"),
        ("web_api.js", "compat/compat"),
        ("array_at.js", "es-x/no-array-prototype-at"),
    ],
)
def test_modern_javascript_fails(sample: str, rule: str) -> None:
    assert rule in _eslint_rules(SAMPLES / sample)


def test_supported_javascript_passes() -> None:
    assert _eslint_rules(SAMPLES / "supported.js") == set()


@pytest.mark.parametrize("sample", ["has.css", "focus_visible.css"])
def test_modern_css_fails(sample: str) -> None:
    assert "plugin/no-unsupported-browser-features" in _stylelint_rules(SAMPLES / sample)


def test_supported_css_passes() -> None:
    assert _stylelint_rules(SAMPLES / "supported.css") == set()

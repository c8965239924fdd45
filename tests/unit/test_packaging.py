"""The project is one installed package: every part imports by name from any folder, with no
PYTHONPATH and no `sys.path` edits, and the product's tooling never imports the tests."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("functions", "infra", "plugins", "tools", "tests", "pelicanconf.py", "publishconf.py")


def _python_files() -> list[Path]:
    files: list[Path] = []
    for name in SOURCES:
        path = ROOT / name
        files.extend([path] if path.is_file() else sorted(path.rglob("*.py")))
    return [f for f in files if ".chalice" not in f.parts]


def test_every_part_imports_from_another_folder_without_pythonpath(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    modules = "app, chalicelib.models, infra.local_stack, plugins.review_gate, tools.bench"
    result = subprocess.run(
        [sys.executable, "-c", f"import {modules}, tools.benches.engagement, tools.fixtures"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_no_module_touches_sys_path() -> None:
    edits = []
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "path"
                and isinstance(node.value, ast.Name)
                and node.value.id == "sys"
            ):
                edits.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert edits == []


def test_the_tooling_never_imports_the_tests() -> None:
    found = []
    for path in [*(ROOT / "tools").rglob("*.py"), *(ROOT / "infra").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            if any(n == "tests" or n.startswith("tests.") for n in names):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []

"""A production build (publishconf.py) of content/, every article approved as it is, for tests
that check what members download."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tools import review as review_tool

ROOT = Path(__file__).resolve().parents[2]

# In a process of its own: the production settings must not leak into the test process's Pelican.
_BUILD = """
import sys
from pelican import Pelican
from pelican.settings import read_settings
settings = read_settings(sys.argv[1], override={
    "PATH": sys.argv[2], "OUTPUT_PATH": sys.argv[3],
    "REVIEW_GATE": "file", "REVIEW_GATE_REQUIRED": False, "REVIEW_APPROVALS_FILE": sys.argv[4],
})
Pelican(settings).run()
"""


def build_production(tmp: Path) -> Path:
    """Build into tmp/output and return it (approvals in a file beside it: review gate "file")."""
    content = ROOT / "content"
    approvals = tmp / "approvals.json"
    found = dict(
        review_tool.approval_of(content, p, tmp / "approvals.files")
        for p in sorted(content.rglob("*.md"))
        if "Slug: " in p.read_text(encoding="utf-8") and "pages" not in p.parts
    )
    approvals.write_text(json.dumps(found, ensure_ascii=False), encoding="utf-8")
    out = tmp / "output"
    subprocess.run(
        [sys.executable, "-c", _BUILD, "publishconf.py", str(content), str(out), str(approvals)],
        cwd=ROOT,
        check=True,
    )
    return out

"""The content bench compares our build with plain Pelican on the same theme: the plain settings
must still build the repository's content (a template filter added by one of our plugins needs
its stand-in there, or `make bench` stops half-way)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tools.benches import content as content_bench


def test_plain_pelican_builds_the_content_with_the_theme(tmp_path: Path) -> None:
    settings = tmp_path / "plainconf.py"
    settings.write_text(content_bench.PLAIN_SETTINGS, encoding="utf-8")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pelican",
            "content",
            "-q",
            "-o",
            str(tmp_path / "out"),
            "-s",
            str(settings),
        ],
        cwd=content_bench.ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert (tmp_path / "out" / "index.html").is_file()

"""`make dev`: an approval on 待审核 shows on the site without a restart.

In AWS the site is rebuilt by `make publish`; locally a watcher polls the published versions
(`review-published`: one small Scan of slug and hash every few seconds, the table holds one item
per published article) and, when they change — an approval through the API, a series approved
day by day —, builds the site again into the folder `make dev` serves and loads its catalog, so
the article is readable (and its reading credited) at once. Only `make dev` runs it.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVERY_SECONDS = 2.0

Fingerprint = frozenset[tuple[str, str]]


def published() -> Fingerprint:
    """Which version of which article is published now."""
    from chalicelib.models import PublishedVersion

    return frozenset(
        (v.slug, v.content_hash)
        for v in PublishedVersion.scan(attributes_to_get=["slug", "content_hash"])
    )


def build(site: Path) -> int:
    """The site from the approved versions into `site`, then its catalog: the readable items."""
    from tools import publish_catalog

    subprocess.run(
        [sys.executable, "-m", "pelican", "content", "-q", "-o", str(site)],
        cwd=ROOT,
        check=True,
    )
    return publish_catalog.publish(site / publish_catalog.FILENAME)["published"]


def watch(
    stop: threading.Event,
    site: Path,
    since: Fingerprint,
    every: float = EVERY_SECONDS,
    say: Callable[[str], None] = print,
) -> None:
    """Rebuild whenever the published versions differ from `since` (taken before the last
    build, so an approval during that build is not missed); until `stop` is set. A failed build
    is said and tried again at the next change or poll."""
    built = since
    while not stop.wait(every):
        try:
            now = published()
            if now == built:
                continue
            started = time.monotonic()
            items = build(site)
            built = now
            took = time.monotonic() - started
            say(f"   站点已重新生成（审核通过的内容有变化）：{items} 篇可读，{took:.1f} 秒")
        except Exception as exc:  # the stack keeps running
            say(f"   站点重新生成失败：{exc}")


def start(stop: threading.Event, site: Path, since: Fingerprint) -> threading.Thread:
    thread = threading.Thread(target=watch, args=(stop, site, since), daemon=True)
    thread.start()
    return thread

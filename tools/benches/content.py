"""Static side: build time of the demo site and of 1,000 synthetic articles (cold and warm cache),
and the size of the search index for each (raw and gzip).

Builds run the real `pelican` command with pelicanconf.py and the review gate reading approvals
from DynamoDB Local (every article approved first), as `make dev` builds. Synthetic articles are
~900 characters each, cut deterministically from the demo articles' own sentences and spread over
the sections and branches.
"""

from __future__ import annotations

import gzip
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from infra.local_stack import LocalStack
from tools.bench import Row
from tools.review import publish_as_is
from tools.site_content import ROOT, load_units

SYNTHETIC = 1000
SECTIONS = ("思想建设", "组织建设", "作风建设", "反腐倡廉建设", "制度建设", "党纪党规", "系列讲话")
SECTIONS += ("道德讲堂", "微发布", "支部家园")


def _approve_all(content: Path) -> None:
    publish_as_is(content, by="bench")


def _build(content: Path, out: Path, cache: Path, use_cache: bool) -> float:
    start = time.perf_counter()
    subprocess.run(
        [
            *(sys.executable, "-m", "pelican", str(content), "-q", "-o", str(out)),
            *("-s", str(ROOT / "pelicanconf.py"), "-e"),
            f'CACHE_PATH="{cache}"',
            f"CACHE_CONTENT={'true' if use_cache else 'false'}",
            f"LOAD_CONTENT_CACHE={'true' if use_cache else 'false'}",
        ],
        cwd=ROOT,
        check=True,
    )
    return time.perf_counter() - start


def _index_size(out: Path) -> tuple[int, int]:
    files = list((out / "search").glob("*.json"))
    raw = sum(f.stat().st_size for f in files)
    zipped = sum(len(gzip.compress(f.read_bytes(), 6)) for f in files)
    return raw, zipped


def _query_load(out: Path) -> tuple[int, int]:
    """(docs file, largest shard) gzip bytes: a query fetches the docs file and 1–4 shards."""
    docs = next((out / "search").glob("docs.*.json"))
    shards = [len(gzip.compress(f.read_bytes(), 6)) for f in (out / "search").glob("t*.json")]
    return len(gzip.compress(docs.read_bytes(), 6)), max(shards)


def _sentences() -> list[str]:
    text = ""
    for path in sorted((ROOT / "content" / "articles").glob("*.md")):
        text += path.read_text(encoding="utf-8").split("\n\n", 1)[1]
    text = re.sub(r"[#*>\-\[\]()`{}]|https?://\S+", "", text)
    return [s.strip() for s in re.findall(r"[^。！？\n]+[。！？]", text) if len(s.strip()) > 6]


def synthetic_content(target: Path, n: int = SYNTHETIC) -> None:
    shutil.copytree(ROOT / "content" / "pages", target / "pages")
    shutil.copy(ROOT / "content" / "units.csv", target / "units.csv")
    (target / "articles").mkdir()
    rng = random.Random(20261122)
    sentences = _sentences()
    branches = [u for u, unit in load_units(ROOT / "content" / "units.csv").items()]
    for i in range(n):
        body, paragraphs = [], 0
        while sum(len(p) for p in body) < 900:
            body.append("".join(rng.choice(sentences) for _ in range(rng.randint(2, 5))))
            paragraphs += 1
        day = 1 + i % 28
        meta = [
            f"Title: 示范文章第 {i + 1} 篇：{rng.choice(sentences)[:14]}",
            f"Date: 2026-{1 + i % 10:02d}-{day:02d} 09:00",
            f"Category: {SECTIONS[i % len(SECTIONS)]}",
            f"Branch: {rng.choice(branches)}",
            f"Slug: bench-{i:04d}",
            f"Summary: {body[0][:40]}",
        ]
        text = "\n".join(meta) + "\n\n" + "\n\n".join(body) + "\n"
        (target / "articles" / f"bench-{i:04d}.md").write_text(text, encoding="utf-8")


def run(stack: LocalStack) -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-content-") as tmp:
        tmp_path = Path(tmp)
        _approve_all(ROOT / "content")
        demo_cold = _build(ROOT / "content", tmp_path / "demo", tmp_path / "demo-cache", False)
        demo_raw, demo_gz = _index_size(tmp_path / "demo")
        _build(ROOT / "content", tmp_path / "demo", tmp_path / "demo-cache", True)
        demo_warm = _build(ROOT / "content", tmp_path / "demo", tmp_path / "demo-cache", True)

        content = tmp_path / "synthetic"
        synthetic_content(content)
        _approve_all(content)
        cache = tmp_path / "cache"
        cold = _build(content, tmp_path / "out", cache, True)  # empty cache: cold, fills it
        warm = _build(content, tmp_path / "out", cache, True)
        raw, zipped = _index_size(tmp_path / "out")
        shards = len(list((tmp_path / "out" / "search").glob("t*.json")))
        docs_gz, shard_gz = _query_load(tmp_path / "out")
        articles = len(list((tmp_path / "out" / "articles").glob("*.html")))
    rows += [
        ("demo site build, cold (no cache)", round(demo_cold, 2), "s"),
        ("demo site build, warm cache", round(demo_warm, 2), "s"),
        ("search index of the demo site (raw)", round(demo_raw / 1024, 1), "KiB"),
        ("search index of the demo site (gzip)", round(demo_gz / 1024, 1), "KiB"),
        (f"site build with {SYNTHETIC} synthetic articles, cold cache", round(cold, 2), "s"),
        (f"site build with {SYNTHETIC} synthetic articles, warm cache", round(warm, 2), "s"),
        (f"articles published in the {SYNTHETIC}-article build", articles, "pages"),
        (f"search index, {SYNTHETIC} articles (raw, all shards)", round(raw / 1024, 1), "KiB"),
        (f"search index, {SYNTHETIC} articles (gzip, all shards)", round(zipped / 1024, 1), "KiB"),
        (f"search index shards, {SYNTHETIC} articles", shards, "files"),
        (
            f"search docs file (titles, urls), {SYNTHETIC} articles, gzip",
            round(docs_gz / 1024, 1),
            "KiB",
        ),
        (f"largest search shard, {SYNTHETIC} articles, gzip", round(shard_gz / 1024, 1), "KiB"),
    ]
    return rows

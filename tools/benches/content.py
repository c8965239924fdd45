"""Static side: our build against a plain Pelican build of the same Markdown, the incremental
rebuild against a full one, and the size of the search index (raw and gzip).

Our builds run the real `pelican` command with pelicanconf.py and the review gate reading approvals
from DynamoDB Local (every article approved first), as `make dev` builds. The plain build is the
same command, settings and content with `PLUGINS = []` (the theme's two filters stubbed and
undefined attributes allowed, so its templates render without the plugins). Runs alternate plain
and ours, ROUNDS rounds on one machine; each figure is the median, and the ratio of the medians is
the figure to compare (wall and CPU seconds of the build process). The incremental rebuild is ours
with the content cache after one article was edited and its edit approved, against our full
build without cache in the same rounds.

Synthetic articles are ~900 characters each, cut deterministically from the demo articles' own
sentences and spread over the sections and branches.
"""

from __future__ import annotations

import gzip
import random
import re
import resource
import shutil
import statistics
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
LARGE = 3000
ROUNDS = 3
SECTIONS = ("思想建设", "组织建设", "作风建设", "反腐倡廉建设", "制度建设", "党纪党规", "系列讲话")
SECTIONS += ("道德讲堂", "微发布", "支部家园")

PLAIN_SETTINGS = f"""
# Plain Pelican for the bench: the project's settings without its plugins.
import runpy

from jinja2 import ChainableUndefined

globals().update(
    {{k: v for k, v in runpy.run_path({str(ROOT / "pelicanconf.py")!r}).items() if k.isupper()}}
)
PLUGINS = []
JINJA_FILTERS = {{
    "asset": lambda path: "/theme/" + path,
    "preview_banner": lambda preview: "",
    "icon_href": lambda name: "/theme/icons.svg#" + name,
    "icon_inline": lambda name, attrs="": "",
}}
JINJA_ENVIRONMENT = {{"trim_blocks": True, "lstrip_blocks": True, "undefined": ChainableUndefined}}
"""


def _approve_all(content: Path) -> None:
    publish_as_is(content, by="bench")


def _build(
    content: Path, out: Path, cache: Path | None, settings: Path = ROOT / "pelicanconf.py"
) -> tuple[float, float]:
    """(wall, CPU) seconds of one `pelican` run; with `cache`, the content cache is used."""
    flag = "true" if cache else "false"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [
            *(sys.executable, "-m", "pelican", str(content), "-q", "-o", str(out)),
            *("-s", str(settings), "-e"),
            f'CACHE_PATH="{cache or out.with_name(out.name + "-cache")}"',
            f"CACHE_CONTENT={flag}",
            f"LOAD_CONTENT_CACHE={flag}",
        ],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _median(samples: list[tuple[float, float]]) -> tuple[float, float]:
    return (
        statistics.median(s[0] for s in samples),
        statistics.median(s[1] for s in samples),
    )


def _edit_and_approve(content: Path, round_no: int) -> None:
    """One article edited (a sentence added) and that edit approved, as a reviewer would."""
    from chalicelib.models import PublishedVersion
    from chalicelib.review_text import normalise
    from tools.review_version import disk_version

    rel = "articles/bench-0007.md"
    path = content / rel
    path.write_text(
        path.read_text(encoding="utf-8") + f"\n第 {round_no + 1} 次修改：补充一段学习体会。\n",
        encoding="utf-8",
    )
    text = normalise(path.read_text(encoding="utf-8"))
    digest, files = disk_version(content, rel, text)
    PublishedVersion(
        "bench-0007",
        content_hash=digest,
        source_text=text,
        source_path=rel,
        files=files,
        approved_at="bench",
        approved_by="bench",
    ).save()


def _compare(content: Path, tmp: Path, name: str, incremental: bool = False) -> dict[str, float]:
    """ROUNDS rounds of plain, ours (full) and, if asked, ours incremental after one approved
    edit; medians and ratios."""
    plain_conf = tmp / "plainconf.py"
    plain_conf.write_text(PLAIN_SETTINGS, encoding="utf-8")
    cache = tmp / f"{name}-cache"
    if incremental:
        _build(content, tmp / f"{name}-inc", cache)  # fills the cache
    plain, ours, inc = [], [], []
    for round_no in range(ROUNDS):
        plain.append(_build(content, tmp / f"{name}-plain", None, plain_conf))
        ours.append(_build(content, tmp / name, None))
        if incremental:
            _edit_and_approve(content, round_no)
            inc.append(_build(content, tmp / f"{name}-inc", cache))
    (pw, pc), (ow, oc) = _median(plain), _median(ours)
    found = {"plain": pw, "ours": ow, "ratio": ow / pw, "cpu ratio": oc / pc}
    if incremental:
        iw, ic = _median(inc)
        found |= {"incremental": iw, "inc ratio": iw / ow, "inc cpu ratio": ic / oc}
    return found


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


def _ratio_rows(label: str, f: dict[str, float]) -> list[Row]:
    rows: list[Row] = [
        (
            f"{label}: plain Pelican build (PLUGINS = [], median of {ROUNDS})",
            round(f["plain"], 2),
            "s",
        ),
        (f"{label}: our build, review gate on (median of {ROUNDS})", round(f["ours"], 2), "s"),
        (f"{label}: our build / plain Pelican (wall)", round(f["ratio"], 2), "×"),
        (f"{label}: our build / plain Pelican (CPU)", round(f["cpu ratio"], 2), "×"),
    ]
    if "incremental" in f:
        rows += [
            (
                f"{label}: incremental rebuild after one approved edit",
                round(f["incremental"], 2),
                "s",
            ),
            (f"{label}: incremental rebuild / full build (wall)", round(f["inc ratio"], 2), "×"),
            (f"{label}: incremental rebuild / full build (CPU)", round(f["inc cpu ratio"], 2), "×"),
        ]
    return rows


def run(stack: LocalStack) -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-content-") as tmp:
        tmp_path = Path(tmp)
        _approve_all(ROOT / "content")
        demo = _compare(ROOT / "content", tmp_path, "demo")
        demo_raw, demo_gz = _index_size(tmp_path / "demo")

        content = tmp_path / "synthetic"
        synthetic_content(content)
        _approve_all(content)
        synthetic = _compare(content, tmp_path, "out", incremental=True)
        raw, zipped = _index_size(tmp_path / "out")
        shards = len(list((tmp_path / "out" / "search").glob("t*.json")))
        docs_gz, shard_gz = _query_load(tmp_path / "out")
        articles = len(list((tmp_path / "out" / "articles").glob("*.html")))

        large = tmp_path / "large"
        synthetic_content(large, LARGE)
        _approve_all(large)
        big = _compare(large, tmp_path, "large")
    rows += _ratio_rows("demo site", demo)
    rows += [
        ("search index of the demo site (raw)", round(demo_raw / 1024, 1), "KiB"),
        ("search index of the demo site (gzip)", round(demo_gz / 1024, 1), "KiB"),
    ]
    rows += _ratio_rows(f"{SYNTHETIC} synthetic articles", synthetic)
    rows += _ratio_rows(f"{LARGE} synthetic articles", big)
    rows += [
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

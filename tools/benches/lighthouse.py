"""Lighthouse on the pages a member opens most, signed in and anonymous, and the page weight of
every article (issue 12's goals: performance ≥ 98, accessibility 100, cumulative layout shift 0,
article pages ≤ 20 KB gzip on a first visit).

The site is built with the production settings (publishconf.py, every article approved into the
bench's DynamoDB Local), its catalog and quiz banks are loaded, and the dev server serves it in
front of the bench's `chalice local`, as CloudFront does. `lighthouse_run.mjs` runs npm
`lighthouse` (mobile preset: simulated 150 ms RTT, 1.6 Mbps, 4× CPU) in Debian's Chromium. The
signed-in member arrives as a returning one does: refresh cookie and `signed_in` mark, no access
token, so each page refreshes first and then fills its panels. Every page is a first visit (HTTP
cache emptied), three runs a page: the median run by performance is reported, and the worst
run's layout shift. The dev server does not compress: Lighthouse's transferred bytes here are the
raw bytes, the page-weight figures are gzip (tools/page_weight.py). Full reports go to
bench/results/lighthouse/.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import requests

from infra import dev_server, dynamodb_local
from infra.local_stack import LocalStack
from tools.bench import OUT, ROOT, Row
from tools.fixtures import PASSWORD, make_member, make_tree
from tools.page_weight import ARTICLE_BUDGET, article_pages, page_weight

CHROME = "/usr/bin/chromium"
RUNNER = Path(__file__).with_name("lighthouse_run.mjs")
GOALS = {"performance": 98, "accessibility": 100, "cls": 0.0}
RUNS = 3  # per page: the median run by performance is reported, the worst layout shift
MEMBER = "75000001"


def _build(site: Path) -> None:
    from tools import publish_catalog, publish_quizzes
    from tools.review import publish_as_is

    publish_as_is(ROOT / "content", by="bench")
    subprocess.run(
        [sys.executable, "-m", "pelican", "content", "-q", "-s", "publishconf.py", "-o", str(site)],
        cwd=ROOT,
        check=True,
    )
    publish_catalog.publish(site / "catalog.json")
    publish_quizzes.publish()


def _pages(site: Path) -> list[tuple[str, str]]:
    category = sorted((site / "category").glob("*.html"))[0].name
    article = article_pages(site)[0]
    return [
        ("home", "/index.html"),
        ("list", f"/category/{category}"),
        ("article", f"/{article}"),
        ("my-dangjian", "/my-dangjian.html"),
        ("quiz-hub", "/quiz.html"),
        ("quiz", "/quiz-play.html?id=daily"),
    ]


def _lighthouse(origin: str, pages: list[tuple[str, str]], cookie: str | None, who: str) -> list:
    with tempfile.NamedTemporaryFile("w", suffix=".json") as job:
        json.dump(
            {
                "chrome": CHROME,
                "origin": origin,
                "pages": [[f"{who}-{name}", url] for name, url in pages],
                "refresh_cookie": cookie,
                "reports": str(OUT / "lighthouse"),
                "runs": RUNS,
            },
            job,
        )
        job.flush()
        out = subprocess.run(
            ["node", str(RUNNER), job.name], cwd=ROOT, capture_output=True, text=True, check=True
        )
    return json.loads(out.stdout)


def _rows(result: dict) -> list[Row]:
    name = f"lighthouse {result['name']}"
    met = (
        result["performance"] >= GOALS["performance"]
        and result["accessibility"] >= GOALS["accessibility"]
        and result["cls"] <= GOALS["cls"]
    )
    if not met:
        print(
            f"目标未达到：{result['name']} {result['url']} performance "
            f"{result['performance_range']} {result['failing']}",
            file=sys.stderr,
        )
    return [
        (f"{name}: performance (median of {RUNS} runs)", result["performance"], "/100"),
        (f"{name}: accessibility", result["accessibility"], "/100"),
        (f"{name}: cumulative layout shift (worst run)", round(result["cls"], 3), ""),
        (
            f"{name}: transferred (dev server, uncompressed)",
            round(result["transfer_bytes"] / 1000, 1),
            "KB",
        ),
        (f"{name}: goals met (perf ≥ 98, a11y 100, CLS 0)", int(met), "yes=1"),
    ]


def _weight_rows(site: Path) -> list[Row]:
    weights = [page_weight(site, p) for p in article_pages(site)]
    first = [w.first_visit for w in weights]
    return [
        ("article pages (production build)", len(weights), "pages"),
        (
            "article page, first visit, gzip: median",
            round(statistics.median(first) / 1000, 1),
            "KB",
        ),
        ("article page, first visit, gzip: largest", round(max(first) / 1000, 1), "KB"),
        (
            f"article pages over {ARTICLE_BUDGET // 1000} KB gzip",
            sum(f > ARTICLE_BUDGET for f in first),
            "pages",
        ),
        (
            "article pages fetching more than their HTML on a repeat visit",
            sum(bool(w.not_cached()) for w in weights),
            "pages",
        ),
    ]


def run(stack: LocalStack) -> list[Row]:
    make_tree()
    make_member(MEMBER, "B1", name="李梅")
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        _build(site)
        rows = _weight_rows(site)
        server = dev_server.serve(dynamodb_local.free_port(), site, stack.api_port)
        origin = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            login = requests.post(
                f"{origin}/api/auth/login",
                json={"member_no": MEMBER, "password": PASSWORD},
                timeout=30,
            )
            login.raise_for_status()
            pages = _pages(site)
            results = _lighthouse(origin, pages, login.cookies["dj_rt"], "signed-in")
            results += _lighthouse(origin, pages, None, "anonymous")
        finally:
            server.shutdown()
    for result in results:
        rows += _rows(result)
    return rows

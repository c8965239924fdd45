"""`make dev`: approving an article on 待审核 (through the API) rebuilds the site the stack serves,
so the article appears — and is readable for points — without a restart (infra/dev_rebuild.py)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import requests

from chalicelib.models import CatalogItem, Member
from infra import dev_rebuild, dev_server, dynamodb_local
from tools import demo_registry, review, seed_demo
from tools.fixtures import bearer

pytestmark = pytest.mark.usefixtures("clean_tables")


def _status(url: str) -> int:
    return requests.get(url, timeout=10).status_code


def test_an_approval_through_the_api_shows_the_article_without_a_restart(
    stack, tmp_path: Path
) -> None:
    seed_demo.seed()
    review.seed_demo_approvals(demo_registry.DEMO_COMMITTEE.member_no)
    since = dev_rebuild.published()  # as make dev: taken before its first build
    # make dev's own site folder and one origin (the session's `site` is not this test's to change)
    site = tmp_path / "output"
    dev_rebuild.build(site)
    port = dynamodb_local.free_port()
    server = dev_server.serve(port, site, stack.api_port)
    url = f"http://127.0.0.1:{port}"
    (slug,) = review.DEMO_PENDING
    page = f"{url}/articles/{slug}.html"
    assert _status(page) == 404
    stop = threading.Event()
    builds: list[str] = []
    watcher = threading.Thread(
        target=dev_rebuild.watch, args=(stop, site, since, 0.2, builds.append), daemon=True
    )
    watcher.start()
    try:
        time.sleep(1)
        assert builds == []  # nothing approved: nothing built again
        secretary = bearer(Member.get(demo_registry.DEMO_SECRETARY.member_no))
        pending = requests.get(f"{url}/api/review/items", headers=secretary, timeout=10)
        item = next(i for i in pending.json()["items"] if i["slug"] == slug)
        approved = requests.post(
            f"{url}/api/review/items/{slug}/{item['hash']}/approve",
            headers=secretary,
            timeout=10,
        )
        assert approved.status_code == 200, approved.text
        deadline = time.monotonic() + 90
        while not builds:
            assert time.monotonic() < deadline, "not rebuilt"
            time.sleep(0.2)
        assert _status(page) == 200
        assert item["title"] in requests.get(page, timeout=10).content.decode("utf-8")
        assert CatalogItem.get(slug).published  # its catalog too: reading it earns points
        assert len(builds) == 1 and "重新生成" in builds[0], builds
        time.sleep(1)
        assert len(builds) == 1  # once per change
    finally:
        stop.set()
        watcher.join(timeout=30)
        server.shutdown()

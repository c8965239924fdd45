"""The site members get: a production build (publishconf.py, the theme's CSS and JS minified by
esbuild in plugins/asset_hash), served on the test stack's one origin and driven in Chromium.

This module's `site` replaces conftest's development build, so flows of other modules that use
most of the theme's modules run here again unchanged: the home page's day, reading to the end
for the award toast (toast.js, ui_css.js and dialog.css fetched on demand), the quiz's 交卷
dialog, hiding a comment with its reason (dialog.js, hide_reason.js). And every page, signed in
as staff, loads without a script error, a failed file or a module that did not run."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page

from infra import dev_server, dynamodb_local
from infra.local_stack import LocalStack
from tests.e2e.test_dialogs_toasts import (  # noqa: F401 (collected here: run on this build)
    test_hiding_a_comment_asks_for_a_required_reason_in_a_dialog,
    test_submitting_with_questions_open_asks_in_a_dialog,
    test_the_award_toast_shows_where_the_reader_is,
)
from tests.e2e.test_home import (  # noqa: F401 (collected here: run on this build)
    sign_in,
    test_a_member_lands_on_her_day,
)
from tests.integration.production_build import build_production
from tools.fixtures import make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")


@dataclass(frozen=True)
class ProductionSite:
    url: str
    site: Path  # the built folder the server serves (what the flows' `site.site` is)


@pytest.fixture(scope="module")
def site(stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProductionSite]:
    built = build_production(tmp_path_factory.mktemp("production"))
    main_css = next((built / "theme" / "css").glob("main.*.css")).read_text(encoding="utf-8")
    assert "/*" not in main_css, "the production build is not minified"
    server = dev_server.serve(dynamodb_local.free_port(), built, api_port=stack.api_port)
    yield ProductionSite(f"http://127.0.0.1:{server.server_address[1]}", built)
    server.shutdown()


def pages(built: Path) -> list[str]:
    """Every page at the top, and the first of each folder of pages (article, category, ...)."""
    found = sorted(p.name for p in built.glob("*.html"))
    for folder in sorted(p for p in built.iterdir() if p.is_dir()):
        first = sorted(folder.rglob("*.html"))[:1]
        found += [p.relative_to(built).as_posix() for p in first]
    return found


def test_every_page_runs_its_minified_modules(site: ProductionSite, phone: Page) -> None:
    make_tree()
    make_member("79000001", "B1", name="吴书记", roles=("branch_secretary",))
    sign_in(phone, site.url, "79000001")
    failed: list[str] = []
    # Files of the site (the API's answers are the flows' business, and a request cut off by
    # the next page is no failure); a 404 also logs "Failed to load resource", seen here.
    phone.on(
        "requestfailed",
        lambda r: (
            "/api/" not in r.url
            and r.failure != "net::ERR_ABORTED"  # cut off by the next page (a 404 is seen below)
            and failed.append(f"{r.url} ({r.failure})")
        ),
    )
    phone.on(
        "response",
        lambda r: r.status >= 400 and "/api/" not in r.url and failed.append(f"{r.status} {r.url}"),
    )
    phone.on(
        "console",
        lambda m: (
            m.type == "error"
            and not m.text.startswith("Failed to load resource")
            and failed.append(m.text)
        ),
    )
    visited = pages(site.site)
    assert len(visited) >= 15
    for page in visited:
        phone.goto(f"{site.url}/{page}")  # after `load`: every module fetched and run
        phone.wait_for_timeout(200)  # what a module started (an on-demand import) fails late
        # Each module script has run: its file was fetched as a module and evaluated without
        # throwing (the `phone` fixture fails the test on any uncaught error).
        modules = phone.evaluate(
            """() => [...document.querySelectorAll('script[type=module][src]')].map((s) => s.src)"""
        )
        loaded = phone.evaluate(
            """() => performance.getEntriesByType('resource').map((e) => e.name)"""
        )
        assert set(modules) <= set(loaded), (page, modules, loaded)
    assert not failed, failed

"""A member reads an article in WeChat: the page opens its view, the tracker sends heartbeats,
the article is counted, and 我的党建 shows the points. The page's clock is fast-forwarded, and the
server's record of when the view opened is moved two minutes back (the server credits no more
reading than the time since then), so this takes seconds."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from chalicelib import clock, reading
from chalicelib.models import CatalogItem, Member, ReadingState
from tools.fixtures import PASSWORD, make_member, make_tree
from tools.publish_catalog import FILENAME, publish

pytestmark = pytest.mark.usefixtures("clean_tables")
ROOT = Path(__file__).resolve().parents[2]


def serve_one_article(served: Path, tmp: Path) -> dict:
    """Build the site with the review gate off into `tmp` (the session's site serves only what
    reviewers approved, which is nothing in empty tables), publish its catalog, and add the
    shortest article's page and the hashed assets to the served folder. Returns its entry."""
    subprocess.run(
        [
            *(sys.executable, "-m", "pelican", "content", "-q", "-o", str(tmp)),
            *("-e", 'REVIEW_GATE="off"', "CACHE_CONTENT=false", "LOAD_CONTENT_CACHE=false"),
        ],
        cwd=ROOT,
        check=True,
    )
    publish(tmp / FILENAME)
    catalog = json.loads((tmp / FILENAME).read_text(encoding="utf-8"))
    article = min((e for e in catalog if e["kind"] == "article"), key=lambda e: e["chars"])
    page = served / article["url"].lstrip("/")
    page.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(tmp / article["url"].lstrip("/"), page)
    shutil.copytree(tmp / "theme", served / "theme", dirs_exist_ok=True)
    return article


def _opened_view(member_no: str) -> str:
    """The view the article page opened when it loaded (heartbeat 0)."""
    for _ in range(100):
        try:
            views = ReadingState.get(member_no, consistent_read=True).views.attribute_values
        except ReadingState.DoesNotExist:
            views = {}
        if views:
            (view_id,) = views
            return view_id
        time.sleep(0.1)
    raise AssertionError("the article page did not open a reading view")


def _open_earlier(member_no: str, view_id: str, seconds: int) -> None:
    from pynamodb.expressions.operand import Path

    start = clock.now() - seconds
    ReadingState(member_no).update(
        actions=[Path(["views", view_id, "f"]).set(start), ReadingState.until.set(start)]
    )


def test_reading_an_article_earns_points_shown_on_my_dangjian(site, phone: Page, tmp_path):
    make_tree()
    member = make_member("73000001", "B1", name="李红梅")
    # No joining date: the political-birthday points would depend on today's date.
    member.update(actions=[Member.joined_on.remove()])
    article = serve_one_article(site.site, tmp_path / "out")

    phone.goto(f"{site.url}/login.html")
    phone.fill("#member_no", "73000001")
    phone.fill("#password", PASSWORD)
    phone.click("#login-submit")
    expect(phone).to_have_url(re.compile(r"/me\.html"))

    phone.clock.install()
    phone.goto(f"{site.url}{article['url']}")
    expect(phone.locator("article[data-slug]")).to_be_visible()
    view_id = _opened_view("73000001")
    _open_earlier("73000001", view_id, seconds=120)
    for _ in range(4):  # four 15-second heartbeats of a visible, focused page
        phone.clock.run_for(15_000)
    expect(phone.locator("#read-status")).to_contain_text("已计入学习", timeout=5_000)
    # Every beat was answered, so nothing waits in the retry queue.
    for _ in range(50):
        if phone.evaluate("localStorage.getItem('dj_reading_queue')") == "[]":
            break
        time.sleep(0.1)
    assert phone.evaluate("localStorage.getItem('dj_reading_queue')") == "[]"
    # Four 15-second beats, credited up to the view's cap.
    state = ReadingState.get("73000001", consistent_read=True)
    credited = state.views.attribute_values[view_id]["c"]
    assert credited == min(60, reading.view_cap(CatalogItem.get(article["slug"])))

    phone.goto(f"{site.url}/my-dangjian.html")
    expect(phone.locator("#pts-today")).to_have_text("2")  # daily login + the article
    expect(phone.locator('.rule-row[data-rule="article_read"] .rule-value')).to_have_text("1/6")
    expect(phone.locator("#chart-months svg rect")).to_have_count(12)
    expect(phone.locator("#log-list")).to_contain_text("阅读文章")
    expect(phone.locator("#log-list")).to_contain_text("每日登录")

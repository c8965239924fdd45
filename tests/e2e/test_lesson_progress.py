"""微党课 progress on a phone: the home page's 继续观看 shows her first three lessons in progress
(title, a bar, 「从 mm:ss 继续」, a link to the lesson) and is hidden when she has none or is signed
out; 我的党建 shows how many lessons she has watched and the ones in progress. Progress is seeded
through the API (heartbeats), lessons put straight into the catalog. Neither page shifts as it
fills in, and both pass the layout rules at phone widths in large text."""

from __future__ import annotations

import time

import pytest
import requests
from playwright.sync_api import Page, Route, expect

from tests.e2e.layout_settled import problems
from tests.e2e.signing import sign_in
from tests.lesson_factories import make_lesson
from tools.fixtures import bearer, make_member, make_tree, opened_views

pytestmark = pytest.mark.usefixtures("clean_tables")

WATCH_SHIFTS = """
window.__shifts = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if (!e.hadRecentInput) window.__shifts.push(e.value);
  }
}).observe({type: 'layout-shift', buffered: true});
"""


def _beat(site, headers, view, seq, slug, seconds, position, ranges):
    reply = requests.post(
        f"{site.url}/api/reading/heartbeat",
        json={
            "view_id": view,
            "seq": seq,
            "slug": slug,
            "seconds": seconds,
            "position": position,
            "ranges": ranges,
        },
        headers=headers,
        timeout=30,
    )
    assert reply.status_code == 200, reply.text


def _seed(site, member) -> None:
    """Four lessons in progress (the newest last) and one watched."""
    lessons = {
        "e2e-old": 600,
        "e2e-audio": 3725,
        "e2e-mid": 600,
        "e2e-new": 600,
        "e2e-done": 30,
    }
    for slug, length in lessons.items():
        make_lesson(slug, duration=length, media_kind="audio" if "audio" in slug else "video")
    views = {f"view-e2e-{slug}": slug for slug in lessons}
    opened_views(member.member_no, views, ago=900)
    h = bearer(member)
    _beat(site, h, "view-e2e-e2e-old", 1, "e2e-old", 15, 15, [[0, 15]])
    _beat(site, h, "view-e2e-e2e-done", 1, "e2e-done", 15, 15, [[0, 15]])
    _beat(site, h, "view-e2e-e2e-done", 2, "e2e-done", 15, 30, [[15, 30]])
    _beat(site, h, "view-e2e-e2e-audio", 1, "e2e-audio", 20, 3720, [[3700, 3720]])
    _beat(site, h, "view-e2e-e2e-mid", 1, "e2e-mid", 20, 65, [[45, 65]])
    _beat(site, h, "view-e2e-e2e-new", 1, "e2e-new", 20, 140, [[0, 20]])
    _beat(site, h, "view-e2e-e2e-new", 2, "e2e-new", 20, 140, [[120, 140]])


def _slow_lessons(page: Page) -> None:
    def late(route: Route) -> None:
        time.sleep(0.6)
        route.continue_()

    page.route("**/api/lessons/**", late)


def _ours(problem: str) -> bool:
    """A problem of these panels (the rest of each page is test_layout.py's)."""
    return any(k in problem for k in ("lesson", "watch", "继续观看", "视听学习", "横向溢出"))


def _layout(page: Page, selector: str) -> None:
    for width in (320, 390):
        for large in (False, True):
            page.evaluate("l => document.documentElement.classList.toggle('large-text', l)", large)
            page.set_viewport_size({"width": width, "height": 844})
            page.locator(selector).scroll_into_view_if_needed()
            found = problems(
                page,
                {"edge": 12, "target": 44, "minFont": 15.6 if large else 12, "overflowOnly": False},
                keep=_ours,
            )
            assert not found, f"{width}px large={large}: {found}"
    page.evaluate("document.documentElement.classList.remove('large-text')")
    page.set_viewport_size({"width": 390, "height": 844})


def test_home_continue_watching_and_my_lesson_progress(site, phone: Page):
    make_tree()
    member = make_member("79000001", "B1", name="刘观看")
    _seed(site, member)
    sign_in(phone, site.url, "79000001", "/index.html")
    phone.add_init_script(WATCH_SHIFTS)
    _slow_lessons(phone)
    phone.reload()
    card = phone.locator("#watch")
    expect(card).to_be_visible(timeout=20_000)
    rows = card.locator(".lesson-row")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_have_attribute("href", "/lessons/e2e-new.html")
    expect(rows.nth(0)).to_contain_text("党课 e2e-new")
    expect(rows.nth(0)).to_contain_text("从 02:20 继续")
    expect(rows.nth(0).locator(".lesson-bar")).to_have_attribute("aria-valuenow", "7")  # 40/600
    expect(rows.nth(1)).to_contain_text("从 01:05 继续")
    expect(rows.nth(2)).to_contain_text("音频 · 从 1:02:00 继续")
    assert phone.evaluate("window.__shifts.reduce((a, b) => a + b, 0)") == 0
    _layout(phone, "#watch")
    rows.nth(0).click()
    expect(phone).to_have_url(f"{site.url}/lessons/e2e-new.html")

    phone.goto(f"{site.url}/my-dangjian.html")
    expect(phone.locator("#lessons-watched")).to_have_text("1", timeout=20_000)
    mine = phone.locator("#lesson-list .lesson-row")
    expect(mine).to_have_count(3)
    expect(mine.nth(0)).to_contain_text("从 02:20 继续 · 已看 7%")
    assert phone.evaluate("window.__shifts.reduce((a, b) => a + b, 0)") == 0
    _layout(phone, "#lessons")


def test_no_lessons_in_progress_no_card(site, phone: Page):
    make_tree()
    make_member("79000002", "B1", name="王未看")
    sign_in(phone, site.url, "79000002", "/index.html")
    expect(phone.locator("#today-figures .today-tiles:not(.is-loading)")).to_be_visible()
    with phone.expect_response(lambda r: "/api/lessons/mine" in r.url):
        phone.reload()
    expect(phone.locator("#watch")).to_be_hidden()
    phone.goto(f"{site.url}/my-dangjian.html")
    expect(phone.locator("#lessons-watched")).to_have_text("0")
    expect(phone.locator("#lesson-none")).to_contain_text("去微课堂看看")
    expect(phone.locator("#lesson-list .lesson-row")).to_have_count(0)

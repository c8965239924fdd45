"""微党课学习 in the console, at a desktop's 1366×768 and a phone's 390×844: a 党委委员 chooses her
committee, assigns a lesson by a day with a note (the API tells the members), sees the
assignment's figures by branch (the table's figures are the API's, each branch's bar its share),
opens a branch's names (who has watched, who has not and how much each has covered), and the
page keeps the layout rules (edges, 44 px targets, text size, contrast; at 1.3× text on the
phone); the page never scrolls sideways.

The lesson list comes from the build's /catalog.json; until the lessons' content is on main, the
browser is handed a catalog with one lesson (a stand-in of that one file: the API reads the
catalog table, written here)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from chalicelib import clock
from chalicelib.models import CatalogItem, Message, ReadMark
from chalicelib.models.lessons import LessonAssignment, WatchProgress
from tests.e2e import layout_settled
from tests.e2e.signing import sign_in
from tools.fixtures import make_member, make_tree

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "var" / "test-output" / "console"
VIEWPORTS = {"desktop": (1366, 768), "phone": (390, 844)}
COMMITTEE = "70000001"
SCROLLED = re.compile(r"^文字被截断：(?:t[hd]|a\.console-link|button\.cl-branch-link)")
LESSON = {
    "slug": "e2e-lesson",
    "title": "新时代支部书记讲党课",
    "url": "/lessons/e2e-lesson.html",
    "category": "微党课",
    "kind": "lesson",
    "media": "a" * 64 + ".mp4",
    "media_kind": "video",
    "duration": 754,
    "speaker": "张明",
    "lesson_series": "支部书记讲党课",
    "reading_minutes": 1,
    "chars": 100,
}


@pytest.fixture(scope="module")
def org(site):
    from tools.tables import truncate_all

    truncate_all()
    make_tree()  # C1 → G1 → B1, B2; C1 → B3
    make_member(COMMITTEE, "B3", name="党委委员", roles=("party_committee",))
    for n, (branch, name) in enumerate(
        [("B1", "王芳"), ("B1", "李强"), ("B1", "周敏"), ("B2", "赵磊"), ("B3", "孙丽")], start=1
    ):
        make_member(f"7100000{n}", branch, name=name)
    fields = {k: v for k, v in LESSON.items() if k != "slug"}
    CatalogItem(LESSON["slug"], published=True, **fields).save()
    today = clock.today().isoformat()
    for no in ("71000001", "71000004"):
        ReadMark(no, f"lesson#{LESSON['slug']}", read_on=today).save()
    WatchProgress("71000002", LESSON["slug"], duration=754, covered_seconds=377, updated=1).save()
    return site


def _page(browser: Browser, size: tuple[int, int]) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def catalog(route: Route) -> None:
        article = {**LESSON, "slug": "an-article", "kind": "article", "title": "一篇文章"}
        route.fulfill(json=[LESSON, article])

    page.route(re.compile(r"/catalog\.json$"), catalog)
    yield page
    context.close()
    assert not errors, errors


def no_layout_problems(page: Page) -> None:
    width = page.viewport_size["width"]
    for large in (False, True) if width < 600 else (False,):
        page.evaluate("l => document.documentElement.classList.toggle('large-text', l)", large)
        font = 15.6 if large else 12
        options = {"edge": 12, "target": 44, "minFont": font, "overflowOnly": False}
        found = layout_settled.problems(page, options, lambda p: not SCROLLED.match(p))
        assert not found, f"{width}px{' 大字' if large else ''}:\n" + "\n".join(found[:40])
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.evaluate("document.documentElement.classList.remove('large-text')")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_committee_assigns_and_reads_who_has_watched(org, browser, viewport) -> None:
    LessonAssignment("C1", LESSON["slug"]).delete()  # each viewport assigns afresh
    width, height = VIEWPORTS[viewport]
    pages = _page(browser, (width, height))
    page = next(pages)
    sign_in(page, org.url, COMMITTEE, "/console-lessons.html?unit=C1")
    expect(page.locator(".console-nav-item.is-active")).to_have_text("微党课学习")
    expect(page.locator("#cl-unit")).to_have_value("C1")
    expect(page.locator("#cl-none")).to_be_visible()
    # Only lessons are offered (not the catalog's articles).
    expect(page.locator("#cl-lesson option")).to_have_count(2)
    page.locator("#cl-lesson").select_option(LESSON["slug"])
    page.locator("#cl-note").fill("请结合岗位实际谈体会。")
    page.locator("#cl-submit").click()

    row = page.locator("#cl-rows .cl-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(LESSON["title"])
    expect(row).to_contain_text("请结合岗位实际谈体会。")
    expect(page.locator("#cl-figures")).to_be_visible()
    expect(page.locator("#cl-fig-meta")).to_contain_text("党员 6 人，已观看 2 人（33.3%）")
    rows = page.eval_on_selector_all(
        "#cl-branches tbody tr",
        "rows => rows.map((r) => [...r.cells].slice(0, 4).map((c) => c.textContent.trim()))",
    )
    assert rows == [
        ["机关党支部", "2", "0", "0%"],
        ["第一党支部", "3", "1", "33.3%"],
        ["第二党支部", "1", "1", "100%"],
    ]
    bars = page.eval_on_selector_all("#cl-branches meter", "m => m.map((x) => x.value)")
    assert [round(b, 4) for b in bars] == [0, 0.3333, 1]
    # Every member of C1's subtree was told once (the staff member too).
    told = [
        no
        for no in (COMMITTEE, *(f"7100000{n}" for n in range(1, 6)))
        if any(m.kind == "lesson_assigned" for m in Message.query(no))
    ]
    assert len(told) == 6

    page.get_by_role("button", name="第一党支部：查看名单").click()
    expect(page.locator("#cl-names")).to_be_visible()
    expect(page.locator("#cl-yes-title")).to_have_text("已观看（1 人）")
    expect(page.locator("#cl-yes")).to_contain_text("王芳")
    expect(page.locator("#cl-not .cl-name")).to_have_count(2)
    expect(page.locator("#cl-not")).to_contain_text(re.compile(r"李强\s*已看 50%"))
    expect(page.locator("#cl-not")).to_contain_text(re.compile(r"周敏\s*未开始"))
    # Reloaded: the address keeps the unit, the lesson and the branch.
    page.reload()
    expect(page.locator("#cl-names")).to_be_visible()
    expect(page.locator("#cl-yes")).to_contain_text("王芳")
    no_layout_problems(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"lessons-{viewport}.png"), full_page=True)
    next(pages, None)

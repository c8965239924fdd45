"""The home page on a phone: a member who signs in lands on her day (今日学习: today's points and
caps, today's 党章 day, the daily quiz, 继续阅读), a branch secretary also sees her to-dos, an
anonymous reader sends no API request, filling the panel shifts nothing (cumulative layout shift
0), and with JavaScript off the page still has its content and entries."""

from __future__ import annotations

import re
import time

import pytest
import requests
from playwright.sync_api import Browser, Page, Route, expect
from pynamodb.expressions.operand import Path

from chalicelib import reading
from chalicelib.models import Member, ReadingState
from tests.e2e.conftest import SHARE_CONFIG, WECHAT_UA
from tools.fixtures import PASSWORD, bearer, make_item, make_member, make_tree, opened_views
from tools.publish_quizzes import publish

pytestmark = pytest.mark.usefixtures("clean_tables")

# Layout shifts the page makes by itself (none caused by input), summed as Lighthouse does for a
# page this short (one session window).
WATCH_SHIFTS = """
window.__shifts = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if (e.hadRecentInput) continue;
    window.__shifts.push(e.value);
    window.__moved = (window.__moved || []).concat(
      e.sources.map((s) => (s.node && (s.node.id || s.node.className || s.node.nodeName)) || '?'));
  }
}).observe({ type: 'layout-shift', buffered: true });
"""


def shift(page: Page) -> float:
    """The layout shift so far (what moved is in the assertion message when it is not 0)."""
    value = page.evaluate("window.__shifts.reduce((a, b) => a + b, 0)")
    assert value == 0, page.evaluate("window.__moved")
    return value


def sign_in(phone: Page, url: str, member_no: str) -> None:
    phone.goto(f"{url}/login.html?next=/index.html")
    phone.fill("#member_no", member_no)
    phone.fill("#password", PASSWORD)
    phone.click("#login-submit")
    expect(phone).to_have_url(f"{url}/index.html")


def slow_today(page: Page, seconds: float) -> None:
    """Answer GET /api/me/today only after `seconds`: the page has painted its placeholders."""

    def late(route: Route) -> None:
        time.sleep(seconds)
        route.continue_()

    page.route("**/api/me/today", late)


def test_a_member_lands_on_her_day(site, phone: Page):
    make_tree()
    member = make_member("78000001", "B1", name="周学习")
    member.update(actions=[Member.joined_on.remove()])  # no birthday points in the total
    publish()  # the repository's quizzes: 每日答题
    # The latest published 党章 installment of the built site, read today.
    latest = make_item("dangzhang-008", kind="constitution", day=8, chars=400)
    reading.complete(member.member_no, latest)
    make_item("sanhui-yike", chars=1200)  # 90 s to read; she read 45 s of it
    opened_views(member.member_no, {"view-home-0001": "sanhui-yike"}, 600)
    ReadingState(member.member_no).update(actions=[Path(["views", "view-home-0001", "c"]).set(45)])

    sign_in(phone, site.url, "78000001")
    phone.add_init_script(WATCH_SHIFTS)
    slow_today(phone, 0.8)
    phone.reload()
    tiles = phone.locator("#today-figures .today-tile")
    expect(phone.locator("#today-figures .today-tiles:not(.is-loading)")).to_be_visible()
    expect(tiles).to_have_count(8)
    # The sign-in's 每日登录 1 + 党章百日学 2.
    expect(tiles.nth(0)).to_contain_text("3")
    expect(tiles.nth(0)).to_contain_text("今日积分")
    expect(tiles.filter(has_text="党章百日学")).to_contain_text("2/2")
    expect(tiles.filter(has_text="每日登录")).to_contain_text("1/1")
    expect(tiles.filter(has_text="阅读文章")).to_contain_text("0/6")
    expect(phone.locator("#today-dz-state")).to_have_text("已学")
    expect(phone.locator("#today-dz-label")).to_contain_text("已读 1 天")
    expect(phone.locator("#today-quiz-state")).to_have_text("去答题")
    expect(phone.locator("#today-quiz")).to_have_attribute("href", "/quiz-play.html?id=daily")
    expect(phone.locator("#today-continue-label")).to_have_text("继续阅读")
    expect(phone.locator("#today-continue")).to_have_attribute("href", "/articles/sanhui-yike.html")
    expect(phone.locator("#today-continue-state")).to_have_text("已读 50%")  # 45 of 90 s
    expect(phone.locator("#today-side .today-more")).to_have_text("我的党建")
    expect(phone.locator("#today-side .today-chip")).to_have_count(0)
    assert shift(phone) == 0

    # A new tab (the refresh cookie, no access token yet) fills the panel without a refused call.
    tab = phone.context.new_page()
    refused: list[str] = []
    tab.on(
        "response",
        lambda r: (
            r.status >= 400 and SHARE_CONFIG not in r.url and refused.append(f"{r.status} {r.url}")
        ),
    )
    tab.goto(f"{site.url}/index.html")
    expect(tab.locator("#today-figures .today-tile").first).to_contain_text("3")
    assert refused == []
    tab.close()

    # The quiz done (submitted with no answer), the panel says so on the next visit.
    phone.click("#today-quiz")
    expect(phone).to_have_url(re.compile(r"/quiz-play\.html\?id=daily"))
    quiz = f"{site.url}/api/quizzes/daily/attempt"
    started = requests.post(quiz, headers=bearer(member), timeout=30).json()
    done = requests.post(
        f"{quiz}/submit", json={"attempt": started["attempt"]}, headers=bearer(member), timeout=30
    )
    assert done.status_code == 200, done.text
    phone.goto(f"{site.url}/index.html")
    expect(phone.locator("#today-quiz-state")).to_have_text("答对 0/5")


def test_a_branch_secretary_sees_her_to_dos(site, phone: Page):
    """A held comment in her branch counts, one in the next branch does not."""
    make_tree()
    make_item("a1")
    make_member("78000002", "B1", name="吴书记", roles=("branch_secretary",))
    for n, branch in (("78000003", "B1"), ("78000004", "B2")):
        r = requests.post(
            f"{site.url}/api/articles/a1/comments",
            json={"text": "这条评论提到赌博", "request_id": f"req-home-{n}"},
            headers=bearer(make_member(n, branch, password=None)),
            timeout=30,
        )
        assert r.json()["status"] == "held", r.text
    sign_in(phone, site.url, "78000002")
    side = phone.locator("#today-side")
    expect(side.locator(".today-chip")).to_have_count(2)
    expect(side.locator('a[href="/review.html"]')).to_have_text("待审核0")
    expect(side.locator('a[href="/moderation.html"]')).to_have_text("待处理评论1")
    expect(side.locator('a[href="/moderation.html"]')).to_have_class(re.compile("has-work"))
    for chip in side.locator(".today-chip").all():
        box = chip.bounding_box()
        assert box["height"] >= 44 and box["x"] >= 12 and box["x"] + box["width"] <= 390 - 12


def test_an_anonymous_visit_sends_no_request_and_shifts_nothing(site, phone: Page):
    api_calls: list[str] = []
    phone.on(
        "request",
        lambda r: "/api/" in r.url and SHARE_CONFIG not in r.url and api_calls.append(r.url),
    )
    phone.add_init_script(WATCH_SHIFTS)
    phone.goto(f"{site.url}/index.html")
    phone.wait_for_load_state("networkidle")
    expect(phone.locator("#today-login")).to_be_visible()
    assert api_calls == []
    assert shift(phone) == 0
    box = phone.locator("#today-login").bounding_box()
    assert box["height"] >= 44 and box["x"] >= 12


def test_a_session_that_ended_shows_the_login_prompt_again(site, phone: Page):
    """The mark says signed in, the refresh is refused: the placeholders give way to the prompt,
    in the same space."""
    phone.add_init_script("localStorage.setItem('signed_in', '1');" + WATCH_SHIFTS)
    phone.goto(f"{site.url}/index.html")
    expect(phone.locator("#today-login")).to_be_visible()
    expect(phone.locator("#today-figures .today-tiles")).to_have_count(0)
    assert shift(phone) == 0


def test_the_page_has_its_content_without_javascript(site, browser: Browser):
    context = browser.new_context(
        user_agent=WECHAT_UA,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        java_script_enabled=False,
        locale="zh-CN",
    )
    page = context.new_page()
    try:
        page.goto(f"{site.url}/index.html")
        expect(page.locator("#today-login")).to_have_text(re.compile("登录后查看今日学习"))
        expect(page.locator("#today-login")).to_have_attribute(
            "href", "/login.html?next=/index.html"
        )
        dz = page.locator("#today-dz")
        expect(dz).to_have_attribute("href", "/articles/dangzhang-008.html")
        expect(dz).to_contain_text("第 8 天")
        expect(page.locator("#today-quiz")).to_have_attribute("href", "/quiz.html")
        expect(page.locator("#today-quizzes")).to_have_attribute("href", "/quiz.html")
        assert page.locator(".grids .grid").count() >= 9  # the three modules' sections
        assert page.locator(".media").count() >= 1  # 最新发布
        # The panel comes first, the module grids below it.
        today = page.locator("#today").bounding_box()
        grids = page.locator(".grids").first.bounding_box()
        assert today["y"] < grids["y"]
    finally:
        context.close()

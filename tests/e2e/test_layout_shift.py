"""No layout shift while a page fills in (Lighthouse's cumulative layout shift, goal 0): a
returning member on a slow network opens 我的党建 and the quiz hub through her refresh cookie
(a new tab: no access token yet), every API answer arriving late, after the page has painted.
What the page draws before the figures arrive must already take the room they need."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect

from tests.e2e.signing import sign_in
from tools.fixtures import make_member, make_tree
from tools.publish_quizzes import publish

pytestmark = pytest.mark.usefixtures("clean_tables")

API_DELAY = 0.8  # seconds added to every API answer: the panels fill long after first paint

# The layout-shift entries of the page, as Lighthouse sums them (shifts after input excluded).
WATCH_SHIFTS = """
window.__shifts = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if (!e.hadRecentInput) {
      window.__shifts.push({value: e.value, nodes: e.sources.map((s) => s.node && s.node.nodeName
        + (s.node.id ? '#' + s.node.id : '') + (s.node.className ? '.' + s.node.className : ''))});
    }
  }
}).observe({type: 'layout-shift', buffered: true});
"""


def _slow(route: Route) -> None:
    time.sleep(API_DELAY)
    route.continue_()


def _returning_member(site, phone: Page, next_path: str) -> Page:
    """Signs in on `phone`, then opens a new tab of the same WeChat (cookie and mark kept): the
    tab opens once she has landed (the sign-in done, its refresh cookie set), whatever query the
    landed page then adds to its own address (the dues desk adds its month and quarter)."""
    sign_in(phone, site.url, "76000001", next_path)
    context: BrowserContext = phone.context
    tab = context.new_page()
    tab.add_init_script(WATCH_SHIFTS)
    tab.route("**/api/**", _slow)
    return tab


def _shifts(tab: Page) -> list[dict]:
    tab.wait_for_timeout(300)  # a shift is reported in the frame after it happens
    return tab.evaluate("window.__shifts")


def test_my_dangjian_fills_in_without_shifting(site, phone: Page) -> None:
    make_tree()
    make_member("76000001", "B1", name="赵敏")
    tab = _returning_member(site, phone, "/my-dangjian.html")
    tab.goto(f"{site.url}/my-dangjian.html")
    expect(tab.locator("#pts-today")).not_to_have_text("–", timeout=20_000)
    expect(tab.locator("#log-list .log-row, #log-list:not(:empty)").first).to_be_visible()
    expect(
        tab.locator('#rule-progress .rule-row[data-rule="daily_login"] .rule-value')
    ).to_have_text("1/1")
    shifts = _shifts(tab)
    assert sum(s["value"] for s in shifts) == 0, shifts


def test_quiz_hub_fills_in_without_shifting(site, phone: Page) -> None:
    make_tree()
    make_member("76000001", "B1", name="赵敏")
    publish()  # the repository's banks and quizzes
    tab = _returning_member(site, phone, "/quiz.html")
    # The drawn list already says 去答题: wait for the hub's own answer to be on the page.
    with tab.expect_response(lambda r: r.url.endswith("/api/quizzes"), timeout=20_000):
        tab.goto(f"{site.url}/quiz.html")
    tab.wait_for_timeout(200)
    expect(tab.locator('.quiz-entry[data-quiz="daily"] .cell-ft')).to_have_text("去答题")
    shifts = _shifts(tab)
    assert sum(s["value"] for s in shifts) == 0, shifts


ARTICLE = "/articles/biandian-anquan-tishi-11.html"


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_an_article_fills_in_without_shifting(site, phone: Page, who: str) -> None:
    """The comments, the reading status and the footer below them keep their places when the
    comments arrive late, for a reader and for a returning member."""
    make_tree()
    make_member("76000001", "B1", name="赵敏")
    if who == "member":
        tab = _returning_member(site, phone, ARTICLE)
    else:
        tab = phone
        tab.add_init_script(WATCH_SHIFTS)
        tab.route("**/api/**", _slow)
    with tab.expect_response(lambda r: "/comments" in r.url, timeout=20_000):
        tab.goto(f"{site.url}{ARTICLE}")
    tab.wait_for_timeout(400)
    shifts = _shifts(tab)
    assert sum(s["value"] for s in shifts) == 0, shifts


def test_a_quiz_fills_in_without_shifting(site, phone: Page) -> None:
    make_tree()
    make_member("76000001", "B1", name="赵敏")
    publish()
    tab = _returning_member(site, phone, "/quiz-play.html?id=daily")
    tab.goto(f"{site.url}/quiz-play.html?id=daily")
    expect(tab.locator("#quiz-start")).to_be_visible(timeout=20_000)
    tab.wait_for_timeout(400)
    shifts = _shifts(tab)
    assert sum(s["value"] for s in shifts) == 0, shifts


@pytest.mark.parametrize("roles", [(), ("branch_secretary",)])
def test_me_fills_in_without_shifting(site, phone: Page, roles: tuple) -> None:
    """我的: a long branch path and a staff member's roles and 党务工作 links arrive late and move
    nothing on screen."""
    make_tree()
    make_member("76000001", "B1", name="赵敏", roles=roles)
    tab = _returning_member(site, phone, "/me.html")
    tab.goto(f"{site.url}/me.html")
    expect(tab.locator("#me-member-no")).to_have_text("76000001", timeout=20_000)
    if roles:
        expect(tab.locator("#me-review")).to_be_visible()
    shifts = _shifts(tab)
    assert sum(s["value"] for s in shifts) == 0, shifts


def test_messages_fill_in_without_shifting(site, phone: Page) -> None:
    """消息: the list, the switches' states and the tab bar's unread badge arrive late and move
    nothing on screen; the badge also appears on a page that asks for it (learn.html)."""
    from chalicelib import outbox

    make_tree()
    make_member("76000001", "B1", name="赵敏")
    for n in range(3):
        outbox.post(
            f"shift:{n}", "dues_reminder", ["76000001"], f"党费提醒 {n}", "本月党费尚未交纳。"
        )
    tab = _returning_member(site, phone, "/messages.html")
    # (its URL check also matches the login page's ?next=: wait for the sign-in itself)
    expect(phone).to_have_url(f"{site.url}/messages.html")
    tab.goto(f"{site.url}/messages.html")
    expect(tab.locator("#msg-list .msg-item")).to_have_count(3, timeout=20_000)
    expect(tab.locator(".tabbar-badge")).to_contain_text("3")
    expect(tab.locator("#msg-settings input[data-kind]").first).to_be_enabled()
    shifts = _shifts(tab)
    assert sum(s["value"] for s in shifts) == 0, shifts
    tab.evaluate("sessionStorage.removeItem('unread_badge')")  # the badge asks on the next page
    with tab.expect_response(lambda r: r.url.endswith("/api/me/messages/unread"), timeout=20_000):
        tab.goto(f"{site.url}/learn.html")
    expect(tab.locator(".tabbar-badge")).to_contain_text("3")
    shifts = _shifts(tab)
    assert sum(s["value"] for s in shifts) == 0, shifts

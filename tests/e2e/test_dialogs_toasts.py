"""Confirmations in WeUI dialogs (theme/static/js/dialog.js) and awards in toasts where the
reader is (theme/static/js/toast.js), in headless Chromium on a phone: 交卷 with questions left
open, hiding a comment with a required reason, reading an article to its end, a 党章 day."""

from __future__ import annotations

import re
import time

import pytest
import requests
from playwright.sync_api import Page, expect

from chalicelib.models import Member, PointDay, QuizAttempt
from tests.e2e.test_reading_points import _open_earlier, _opened_view
from tools.fixtures import PASSWORD, bearer, make_member, make_tree, rid
from tools.publish_catalog import FILENAME
from tools.publish_catalog import publish as publish_catalog
from tools.publish_quizzes import publish as publish_quizzes

pytestmark = pytest.mark.usefixtures("clean_tables")
ARTICLE = "qiuji-dushu"
DIALOG = '[role="dialog"][aria-modal="true"]'


def log_in(phone: Page, site, member_no: str, then: str) -> None:
    phone.goto(f"{site.url}/login.html?next={then}")
    phone.fill("#member_no", member_no)
    phone.fill("#password", PASSWORD)
    phone.click("#login-submit")
    expect(phone).to_have_url(re.compile("^" + re.escape(site.url + then.split("#")[0])))


# Every toast the page shows, with whether it sits in a polite live region: a toast lasts 2.5 s,
# which a busy test machine's polling may miss.
TOAST_RECORDER = """
window.__toasts = [];
new MutationObserver(() => {
  for (const t of document.querySelectorAll('.dj-toast')) {
    if (t.__seen) continue;
    t.__seen = true;
    window.__toasts.push((t.closest('[aria-live=polite]') ? 'live:' : '') + t.textContent);
  }
}).observe(document, { childList: true, subtree: true });
"""


def record_toasts(phone: Page) -> None:
    phone.add_init_script(TOAST_RECORDER)


def expect_toast(phone: Page, text: str) -> None:
    """`text` was shown in a toast, announced through a polite live region."""
    phone.wait_for_function("t => window.__toasts.includes('live:' + t)", arg=text)


def in_viewport(phone: Page, selector: str) -> bool:
    return phone.evaluate(
        """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
        return r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth
          && r.height > 0; }""",
        selector,
    )


def test_submitting_with_questions_open_asks_in_a_dialog(site, phone: Page):
    """还有 N 题未作答: a dialog (not the red error bar); 继续答题 keeps answering at the first
    open question, nothing submitted; Esc is 继续答题 too; 交卷 submits, and the points show."""
    record_toasts(phone)
    make_tree()
    member = make_member("77000001", "B1", name="孙答题")
    member.update(actions=[Member.joined_on.remove()])
    publish_quizzes()
    log_in(phone, site, "77000001", "/quiz.html")
    phone.locator('.quiz-entry[data-quiz="daily"]').click()
    phone.click("#quiz-start")
    expect(phone.locator("#quiz-counter")).to_contain_text("第 1/5 题")

    phone.click("#quiz-submit")
    dialog = phone.locator(DIALOG)
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("还有 5 题未作答，确定交卷吗？")
    expect(phone.locator("#quiz-error")).to_be_hidden()  # no red error bar
    buttons = dialog.locator("button")
    expect(buttons).to_have_text(["继续答题", "交卷"])
    for i in range(2):  # WeUI's 44 px touch targets
        assert buttons.nth(i).bounding_box()["height"] >= 44
    # The page behind is hidden from screen readers while it is open.
    assert phone.locator("main").get_attribute("aria-hidden") == "true"
    # Focus is inside, and Tab stays inside.
    assert phone.evaluate("document.activeElement.closest('[role=dialog]') !== null")
    for _ in range(3):
        phone.keyboard.press("Tab")
        assert phone.evaluate("document.activeElement.closest('[role=dialog]') !== null")
    buttons.nth(0).click()  # 继续答题
    expect(dialog).to_have_count(0)
    assert phone.locator("main").get_attribute("aria-hidden") is None
    expect(phone.locator("#quiz-counter")).to_contain_text("第 1/5 题")
    (attempt,) = list(QuizAttempt.query("77000001", consistent_read=True))
    assert attempt.status == "open"

    # Answer the first question, whatever its type: the day's draw decides which comes first.
    if phone.locator(".quiz-blank").count():
        phone.locator(".quiz-blank").first.fill("答")
    else:
        phone.locator(".quiz-option").first.click()
    phone.click("#quiz-next")
    expect(phone.locator("#quiz-counter")).to_contain_text("第 2/5 题")
    phone.click("#quiz-submit")
    expect(dialog).to_contain_text("还有 4 题未作答，确定交卷吗？")
    phone.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    # 继续答题 goes to the first question left open.
    expect(phone.locator("#quiz-counter")).to_contain_text("第 2/5 题")
    assert QuizAttempt.get("77000001", attempt.attempt_key, consistent_read=True).status == "open"

    phone.click("#quiz-submit")
    dialog.get_by_role("button", name="交卷").click()
    expect(phone.locator("#quiz-score")).to_contain_text("题")
    assert QuizAttempt.get("77000001", attempt.attempt_key, consistent_read=True).status != "open"
    points = phone.evaluate(
        "Number(/获得 (\\d+) 积分/.exec(document.querySelector('#quiz-score-sub').textContent)[1])"
    )
    expect_toast(phone, f"已交卷，积分 +{points}" if points else "已交卷")


def test_hiding_a_comment_asks_for_a_required_reason_in_a_dialog(site, phone: Page):
    """评论管理 and the article page: 隐藏 opens a dialog whose reason is required; the reason
    given reaches the server's decision log. No native prompt() or confirm() anywhere."""
    make_tree()
    make_member("77000011", "B1", name="钱书记", roles=("branch_secretary",))
    author = make_member("77000012", "B1", name="李作者", password=None)
    publish_catalog(site.site / FILENAME)
    made = []
    for text in ("第一条学习体会。", "第二条学习体会。"):
        r = requests.post(
            f"{site.url}/api/articles/{ARTICLE}/comments",
            json={"text": text, "request_id": rid()},
            headers=bearer(author),
            timeout=30,
        )
        assert r.status_code == 201, r.text
        made.append(r.json())
    native: list[str] = []
    phone.on("dialog", lambda d: (native.append(d.message), d.dismiss()))

    log_in(phone, site, "77000011", "/moderation.html")
    # The tabs work once moderation.js has loaded its first queue: a tap before that is lost.
    phone.wait_for_load_state("networkidle")
    phone.get_by_role("tab", name="最近评论").click()
    item = phone.locator(f'.mod-item[data-id="{made[0]["id"]}"]')
    item.locator('[data-action="hide"]').click()
    dialog = phone.locator(DIALOG)
    expect(dialog).to_contain_text("隐藏评论")
    reason = dialog.locator("textarea")
    expect(reason).to_be_focused()
    dialog.get_by_role("button", name="隐藏").click()  # no reason yet: the dialog stays
    expect(dialog.get_by_role("alert")).to_have_text("请填写隐藏原因")
    expect(dialog).to_be_visible()
    reason.fill("与文章无关的广告内容")
    dialog.get_by_role("button", name="隐藏").click()
    expect(dialog).to_have_count(0)
    expect(item.locator(".comment-status")).to_have_text("已隐藏")
    assert decisions(site, made[0])[0]["reason"] == "与文章无关的广告内容"

    # 取消 sends nothing.
    second = phone.locator(f'.mod-item[data-id="{made[1]["id"]}"]')
    second.locator('[data-action="hide"]').click()
    dialog.get_by_role("button", name="取消").click()
    expect(dialog).to_have_count(0)
    assert decisions(site, made[1]) == []

    # The same on the article page, where reviewers hide from the comments list.
    phone.goto(f"{site.url}/articles/{ARTICLE}.html")
    comment = phone.locator(f'#comments .comment[data-id="{made[1]["id"]}"]')
    comment.locator('[data-action="hide"]').click()
    dialog.locator("textarea").fill("涉及个人隐私")
    dialog.get_by_role("button", name="隐藏").click()
    expect(comment.locator('[data-action="hide"]')).to_have_count(0)
    assert decisions(site, made[1])[0]["reason"] == "涉及个人隐私"
    assert native == []


def decisions(site, comment: dict) -> list[dict]:
    reviewer = Member.get("77000011")
    r = requests.get(
        f"{site.url}/api/articles/{comment['slug']}/comments/{comment['id']}/decisions",
        headers=bearer(reviewer),
        timeout=30,
    )
    assert r.status_code == 200, r.text
    return r.json()["items"]


def _read_until_credited(phone: Page, member_no: str) -> None:
    """Open the view two minutes earlier on the server, then let the page's heartbeats run
    (its clock fast-forwarded) until the read is credited; each beat's answer is awaited, so the
    toast it brings is not timed out by the next fast-forward."""
    _open_earlier(member_no, _opened_view(member_no), seconds=120)
    for _ in range(4):
        phone.clock.run_for(15_000)
        for _ in range(100):
            if phone.evaluate("localStorage.getItem('dj_reading_queue')") == "[]":
                break
            time.sleep(0.1)
        if "已计入学习" in (phone.locator("#read-status").text_content() or ""):
            return
    raise AssertionError("the read was not credited")


def test_the_award_toast_shows_where_the_reader_is(site, phone: Page):
    """She reads to the article's end: 已计入学习，积分 +1 shows inside the viewport (the status
    line at the top of the article is out of sight), and is announced (aria-live)."""
    record_toasts(phone)
    make_tree()
    member = make_member("77000021", "B1", name="周读者")
    member.update(actions=[Member.joined_on.remove()])
    publish_catalog(site.site / FILENAME)
    log_in(phone, site, "77000021", "/me.html")
    # The sign-in's own point, on the page she lands on (shown there, not carried on).
    expect_toast(phone, "今日登录，积分 +1")
    phone.clock.install()
    phone.goto(f"{site.url}/articles/{ARTICLE}.html")
    expect(phone.locator("article[data-slug]")).to_be_visible()
    phone.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    _read_until_credited(phone, "77000021")
    expect(phone.locator("#read-status")).to_have_text("已计入学习，积分 +1")
    assert not in_viewport(phone, "#read-status")  # she is at the end, far from it
    toast = phone.locator(".dj-toast")
    expect(toast).to_have_text("已计入学习，积分 +1")  # the page's clock is stopped: it stays
    assert in_viewport(phone, ".dj-toast .dj-toast-box")
    expect_toast(phone, "已计入学习，积分 +1")
    # It goes away by itself, and later beats (already read) bring no second one.
    phone.clock.run_for(15_000)
    expect(toast).to_have_count(0)
    phone.clock.run_for(15_000)
    phone.wait_for_timeout(500)
    assert phone.evaluate("window.__toasts") == ["live:已计入学习，积分 +1"]


def test_the_series_count_follows_the_days_credit(site, phone: Page):
    """A 党章 day: when its read is credited (+2), 已读 N 天 counts it at once, beside the award,
    not the stale count of when the page loaded."""
    record_toasts(phone)
    make_tree()
    member = make_member("77000031", "B1", name="吴党章")
    member.update(actions=[Member.joined_on.remove()])
    publish_catalog(site.site / FILENAME)
    log_in(phone, site, "77000031", "/me.html")
    # The sign-in's own point, on the page she lands on (shown there, not carried on).
    expect_toast(phone, "今日登录，积分 +1")
    phone.clock.install()
    phone.goto(f"{site.url}/articles/dangzhang-004.html")
    progress = phone.locator("#series-progress")
    expect(progress).to_contain_text("已读 0 天 / 共 8 天")
    phone.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    _read_until_credited(phone, "77000031")
    expect_toast(phone, "已计入学习，积分 +2")
    expect(progress).to_contain_text("已读 1 天 / 共 8 天，本篇已读")
    fill = progress.locator(".bar span")
    assert fill.evaluate("e => e.style.width") == "12.5%"
    # The series index agrees.
    phone.goto(f"{site.url}/articles/dangzhang-005.html")
    expect(progress).to_contain_text("已读 1 天 / 共 8 天")


def test_a_comment_award_toasts_and_a_note_gives_way_to_a_later_error(site, phone: Page):
    """Posting: 评论已发表，积分 +1 in a toast; a held comment's note (审核通过后公开显示) is
    replaced by a later, unrelated error (here the per-minute limit), never shown above it."""
    record_toasts(phone)
    make_tree()
    make_member("77000041", "B1", name="郑评论")
    publish_catalog(site.site / FILENAME)
    log_in(phone, site, "77000041", f"/articles/{ARTICLE}.html")
    # The per-minute limit counts by the clock's minute: the three posts must fall in one.
    left = 60 - time.time() % 60
    if left < 25:
        phone.wait_for_timeout((left + 0.5) * 1000)
    phone.fill("#comment-text", "学习体会：理论联系实际。")
    phone.click("#comment-submit")
    expect_toast(phone, "评论已发表，积分 +1")
    phone.fill("#comment-text", "这里提到了 casino 一词。")  # held by the word filter
    phone.click("#comment-submit")
    note = phone.locator("#comment-note")
    expect(note).to_have_text("评论已提交，审核通过后公开显示。")
    phone.fill("#comment-text", "第三条学习体会，太快了。")  # 2 a minute: refused
    phone.click("#comment-submit")
    error = phone.locator("#comment-error")
    expect(error).to_be_visible()
    expect(note).to_be_hidden()


def test_the_days_first_sign_in_shows_its_point_and_a_second_does_not(site, phone: Page) -> None:
    """The daily login point is an award like any other: the page the member lands on after
    logging in says what the sign-in credited; a second login the same day credits nothing and
    says nothing."""
    make_tree()
    make_member("77000011", "B1", name="秦岚")
    record_toasts(phone)
    log_in(phone, site, "77000011", "/index.html")
    # make_member's 入党纪念日 has passed this year: its points come with the first sign-in
    expect_toast(phone, "今日登录和入党纪念日，积分 +6")
    phone.evaluate("() => { sessionStorage.clear(); window.__toasts = []; }")
    log_in(phone, site, "77000011", "/me.html")
    phone.wait_for_timeout(800)
    assert phone.evaluate("window.__toasts") == []


def test_a_new_days_first_refresh_shows_its_point_where_the_member_is(site, phone: Page) -> None:
    """A returning member opens a page on a new day: the refresh that renews her access token
    credits the login point, and that page shows it."""
    make_tree()
    make_member("77000012", "B1", name="秦川")
    record_toasts(phone)
    log_in(phone, site, "77000012", "/index.html")
    expect_toast(phone, "今日登录和入党纪念日，积分 +6")
    # As on the next day: today's ledger item gone (the server runs apart, its clock cannot be
    # moved), a new tab with no access token, the refresh cookie and the mark kept.
    for day in PointDay.query("77000012"):
        day.delete()
    tab = phone.context.new_page()
    tab.add_init_script(TOAST_RECORDER)
    refused: list[str] = []
    tab.on("response", lambda r: r.status == 401 and refused.append(r.url))
    tab.goto(f"{site.url}/my-dangjian.html")
    tab.wait_for_function("() => window.__toasts.some((t) => t.startsWith('live:今日登录'))")
    # and the page asked for its figures only with the renewed token: no refused call first
    assert refused == [], refused


def test_the_layout_check_measures_a_toast_as_it_settles(site, phone: Page) -> None:
    """A toast fading in (a sign-in's point over the page a test measures) is held to the
    contrast rule at its full opacity, not at a frame of its fade: the check waits for it."""
    from tests.e2e.test_layout import measure

    module = next((site.site / "theme" / "js").glob("toast.*.js")).name
    phone.goto(f"{site.url}/index.html")
    show = "(m) => import(`/theme/js/${m}`).then((t) => t.toast('今日登录，积分 +1'))"
    phone.evaluate(show, module)
    expect(phone.locator(".dj-toast")).to_have_count(1)
    # The fade slowed tenfold (2 s), so that the measuring starts inside it on any machine.
    phone.evaluate("document.getAnimations().forEach((a) => { a.playbackRate = 0.1; })")
    assert not [p for p in measure(phone, 360, False) if "dj-toast" in p]

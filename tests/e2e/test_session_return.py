"""A login that ended (refresh cookie gone, an access token the server refuses) sends the member
to the login page and, after it, back to where she was: voting, 我的党建, a comment. `next` never
leaves the site. Pages anyone may read stay readable without being sent anywhere."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
import requests
from playwright.sync_api import Page, expect

from chalicelib import clock, points
from chalicelib.models import Ballot, Campaign, Member
from tests.e2e.test_dialogs_toasts import expect_toast, record_toasts
from tools.fixtures import PASSWORD, bearer, make_member, make_tree
from tools.publish_catalog import FILENAME
from tools.publish_catalog import publish as publish_catalog

pytestmark = pytest.mark.usefixtures("clean_tables")
ARTICLE = "qiuji-dushu"
CAMPAIGN = "youxiu-2026"


STALE_TOKEN = "x.eyJzdWIiOiI3ODAwMDAwMSJ9.y"  # a token's shape, no valid signature


def end_login(phone: Page) -> None:
    """As when the refresh token expired: no cookie, and the page's access token is refused."""
    phone.context.clear_cookies()
    phone.evaluate(f"sessionStorage.setItem('access_token', '{STALE_TOKEN}')")


def submit_login(phone: Page, member_no: str) -> None:
    phone.fill("#member_no", member_no)
    phone.fill("#password", PASSWORD)
    phone.click("#login-submit")


def log_in(phone: Page, site, member_no: str, then: str) -> None:
    phone.goto(f"{site.url}/login.html?next={quote(then, safe='/')}")
    submit_login(phone, member_no)
    expect(phone).to_have_url(f"{site.url}{then}")


def _open_campaign() -> None:
    now = clock.now()
    Campaign(CAMPAIGN).update(
        actions=[
            Campaign.starts_at.set(now - 3600),
            Campaign.ends_at.set(now + 3600),
            Campaign.results.set("live"),
        ]
    )


def _votes(member_no: str) -> int:
    try:
        return len(Ballot.get(CAMPAIGN, member_no, consistent_read=True).records)
    except Ballot.DoesNotExist:
        return 0


def test_voting_after_the_login_ended_goes_to_login_and_back(site, phone: Page):
    record_toasts(phone)
    make_tree()
    make_member("78000001", "B1", name="冯投票")
    publish_catalog(site.site / FILENAME)
    _open_campaign()
    page = f"/articles/{CAMPAIGN}.html"
    log_in(phone, site, "78000001", page)
    status = phone.locator("#vote-status")
    expect(status).to_have_text("您还可以投 1 票")

    # The login ends while the page is open; she taps 投票: to login, then back to the vote.
    end_login(phone)
    phone.locator("#vote button.vote-button").first.click()
    expect(phone).to_have_url(f"{site.url}/login.html?next={quote(page, safe='')}%23vote")
    assert _votes("78000001") == 0  # nothing was cast without her
    submit_login(phone, "78000001")
    expect(phone).to_have_url(f"{site.url}{page}#vote")
    expect(status).to_have_text("您还可以投 1 票")
    phone.locator("#vote button.vote-button").first.click()
    expect(status).to_contain_text("投票成功")
    expect_toast(phone, "投票成功，积分 +1")

    # The login ends while the page is away: it reads as to anyone, with 登录投票 back here.
    end_login(phone)
    phone.reload()
    expect(status).to_have_text("登录后参加投票")
    login = phone.locator("#vote a.vote-button").first
    expect(login).to_have_text("登录投票")
    login.click()
    expect(phone).to_have_url(re.compile(r"/login\.html\?next="))
    submit_login(phone, "78000001")
    expect(phone).to_have_url(f"{site.url}{page}#vote")
    expect(phone.locator("#vote button.vote-button").first).to_have_text("已投 1 票")


def test_my_dangjian_after_the_login_ended_goes_to_login_and_back(site, phone: Page):
    """On arrival, and on 加载更多 of the log once the login has ended meanwhile."""
    make_tree()
    member = make_member("78000002", "B1", name="褚积分")
    member.update(actions=[Member.joined_on.remove()])
    for i in range(25):  # more than a page of the log (20)
        points.award("78000002", "exam", f"exam-{i}")
    log_in(phone, site, "78000002", "/my-dangjian.html")
    expect(phone.locator("#log-list .log-row")).to_have_count(20)
    more = phone.locator("#log-more")
    expect(more).to_be_visible()

    end_login(phone)
    more.click()
    expect(phone).to_have_url(f"{site.url}/login.html?next=%2Fmy-dangjian.html")
    submit_login(phone, "78000002")
    expect(phone).to_have_url(f"{site.url}/my-dangjian.html")
    expect(phone.locator("#pts-all")).not_to_have_text("")

    end_login(phone)
    phone.goto(f"{site.url}/my-dangjian.html")
    expect(phone).to_have_url(f"{site.url}/login.html?next=%2Fmy-dangjian.html")
    submit_login(phone, "78000002")
    expect(phone).to_have_url(f"{site.url}/my-dangjian.html")
    expect(phone.locator("#log-list .log-row")).to_have_count(20)


def test_a_comment_after_the_login_ended_goes_to_login_and_back(site, phone: Page):
    make_tree()
    make_member("78000003", "B1", name="卫评论")
    publish_catalog(site.site / FILENAME)
    page = f"/articles/{ARTICLE}.html"
    log_in(phone, site, "78000003", page)
    phone.fill("#comment-text", "学习体会：理论联系实际。")
    end_login(phone)
    phone.click("#comment-submit")
    expect(phone).to_have_url(f"{site.url}/login.html?next={quote(page, safe='')}%23comments")
    submit_login(phone, "78000003")
    expect(phone).to_have_url(f"{site.url}{page}#comments")
    expect(phone.locator("#comment-form")).to_be_visible()


def test_an_ended_login_does_not_send_a_reader_away(site, phone: Page):
    """An article, a 党章 day and the series list read as to anyone: no redirect, no error."""
    make_tree()
    make_member("78000004", "B1", name="蒋读者")
    publish_catalog(site.site / FILENAME)
    log_in(phone, site, "78000004", f"/articles/{ARTICLE}.html")
    end_login(phone)
    for page in (f"/articles/{ARTICLE}.html", "/articles/dangzhang-004.html"):
        phone.goto(f"{site.url}{page}")
        expect(phone.locator("article[data-slug]")).to_be_visible()
        expect(phone.locator("#comment-login")).to_be_visible()
        phone.wait_for_timeout(500)
        assert phone.url == f"{site.url}{page}"


@pytest.mark.parametrize(
    "next_",
    [
        "//evil.example/x",
        "https://evil.example/",
        "javascript:alert(document.domain)",
        "/\\evil.example/x",
        "/%09/evil.example/x",
        "http:evil.example",
        "/login.html?next=/login.html",
        "/activate.html",
    ],
)
def test_next_never_leaves_the_site_nor_loops(site, phone: Page, next_: str):
    """After login, a `next` that would leave the origin (or lead back to login) gives 我的."""
    make_tree()
    make_member("78000009", "B1")
    phone.goto(f"{site.url}/login.html?next={quote(next_, safe='/%')}")
    # The activation link carries only a safe `next`.
    assert phone.locator("#activate-link").get_attribute("href") == "/activate.html"
    submit_login(phone, "78000009")
    expect(phone).to_have_url(f"{site.url}/me.html")


def test_activation_first_also_returns_to_the_page(site, phone: Page):
    """Sent to login from a page but not yet activated: 激活账号 keeps the way back."""
    make_tree()
    make_member("78000010", "B1", name="沈新人", phone="13700001111", password=None)
    phone.goto(f"{site.url}/login.html?next=%2Fmy-dangjian.html")
    phone.click("#activate-link")
    expect(phone).to_have_url(f"{site.url}/activate.html?next=%2Fmy-dangjian.html")
    phone.fill("#member_no", "78000010")
    phone.fill("#name", "沈新人")
    phone.fill("#phone_last4", "1111")
    phone.fill("#password", "xuexi2026")
    phone.fill("#password2", "xuexi2026")
    phone.click("#activate-submit")
    expect(phone).to_have_url(f"{site.url}/my-dangjian.html")


def test_server_refuses_the_stale_token(site):
    """The test's way of ending a login is one the server refuses (not a page-only trick)."""
    r = requests.get(
        f"{site.url}/api/me",
        headers={"Authorization": f"Bearer {STALE_TOKEN}"},
        timeout=30,
    )
    assert r.status_code == 401


def test_starting_a_quiz_after_the_login_ended_goes_to_login_and_back(site, phone: Page):
    from tools.publish_quizzes import publish as publish_quizzes

    make_tree()
    make_member("78000005", "B1", name="韩答题")
    publish_quizzes()
    log_in(phone, site, "78000005", "/quiz.html")
    phone.locator('.quiz-entry[data-quiz="daily"]').click()
    expect(phone.locator("#quiz-start")).to_be_visible()
    page = phone.url.removeprefix(site.url)
    end_login(phone)
    phone.click("#quiz-start")
    expect(phone).to_have_url(f"{site.url}/login.html?next={quote(page, safe='')}")
    submit_login(phone, "78000005")
    expect(phone).to_have_url(f"{site.url}{page}")
    phone.click("#quiz-start")
    expect(phone.locator("#quiz-counter")).to_contain_text("第 1/5 题")


def test_moderating_after_the_login_ended_goes_to_login_and_back(site, phone: Page):
    make_tree()
    make_member("78000006", "B1", name="杨书记", roles=("branch_secretary",))
    author = make_member("78000007", "B1", name="朱作者", password=None)
    publish_catalog(site.site / FILENAME)
    r = requests.post(
        f"{site.url}/api/articles/{ARTICLE}/comments",
        json={"text": "这里提到了 casino 一词。", "request_id": "r" * 32},
        headers=bearer(author),
        timeout=30,
    )
    assert r.status_code == 201 and r.json()["status"] == "held", r.text
    log_in(phone, site, "78000006", "/moderation.html")
    approve = phone.locator('.mod-item [data-action="approve"]')
    expect(approve).to_have_count(1)
    end_login(phone)
    approve.click()
    expect(phone).to_have_url(f"{site.url}/login.html?next=%2Fmoderation.html")
    submit_login(phone, "78000006")
    expect(phone).to_have_url(f"{site.url}/moderation.html")
    expect(approve).to_have_count(1)  # nothing was decided without her


def test_parallel_reads_after_the_login_ended_all_show(site, phone: Page):
    """Two parts of a page read at once (the comments and the campaign) with an ended login:
    the first to learn it drops the token, and the other still reads as anyone may."""
    make_tree()
    make_member("78000008", "B1", name="秦并发")
    publish_catalog(site.site / FILENAME)
    _open_campaign()
    log_in(phone, site, "78000008", f"/articles/{CAMPAIGN}.html")
    expect(phone.locator("#vote-status")).to_have_text("您还可以投 1 票")
    end_login(phone)
    outcome = phone.evaluate(
        """async (paths) => {
          const url = performance.getEntriesByType('resource')
            .map((e) => e.name).find((n) => /\\/theme\\/js\\/api\\.[0-9a-f]+\\.js$/.test(n));
          const { api } = await import(url);
          const settled = await Promise.allSettled(paths.map((p) => api(p)));
          return settled.map((s) => s.status === 'fulfilled' ? 'ok' : s.reason.message);
        }""",
        [
            f"/api/articles/{CAMPAIGN}/comments",
            f"/api/campaigns/{CAMPAIGN}",
            "/api/comments/counts?slugs=a",
        ],
    )
    assert outcome == ["ok", "ok", "ok"]
    assert phone.url == f"{site.url}/articles/{CAMPAIGN}.html"

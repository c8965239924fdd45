"""Comments and votes in headless Chromium on the built site: post, edit, delete a comment; 50+
stored-XSS payloads show as literal text and run nothing; vote on the campaign page; a member
outside the campaign's units cannot vote."""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import Page, expect

from chalicelib import clock
from chalicelib.models import Campaign
from infra import stream_poller
from tests.e2e.conftest import SHARE_CONFIG
from tools.fixtures import PASSWORD, bearer, make_member, make_tree, rid
from tools.publish_catalog import FILENAME, publish

pytestmark = pytest.mark.usefixtures("clean_tables")
ARTICLE = "qiuji-dushu"
CAMPAIGN = "youxiu-2026"

# Each is at least 5 characters and has no surrounding blanks (the API trims), so the text shown
# must equal it exactly.
XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<script>window.__xss=1</script>",
    "<SCRIPT SRC=//example.invalid/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<img src=x onerror="window.__xss=1">',
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<img src=`x` onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<body onload=alert(1)>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)">',
    '<embed src="javascript:alert(1)">',
    '<a href="javascript:alert(1)">点我</a>',
    '<a href="jav&#x09;ascript:alert(1)">点我</a>',
    "[点我](javascript:alert(1))",
    "[点我](javascript&#58;alert(1))",
    '![x](x" onerror="alert(1))',
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<select autofocus onfocus=alert(1)>",
    "<textarea autofocus onfocus=alert(1)>",
    '<video><source onerror="alert(1)">',
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>",
    '<div style="background:url(javascript:alert(1))">',
    "<style>@import 'javascript:alert(1)';</style>",
    "<link rel=stylesheet href=javascript:alert(1)>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<form action="javascript:alert(1)"><button>提交</button></form>',
    "<isindex action=javascript:alert(1) type=image>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "</p><script>alert(1)</script><p>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "{{constructor.constructor('alert(1)')()}}",
    "${alert(1)}",
    "`${alert(1)}`",
    "{{7*7}} {% raw %}{{ x }}{% endraw %}",
    "<template><script>alert(1)</script></template>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '<!--<img src="--><img src=x onerror=alert(1)//">',
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "javascript:alert(document.cookie)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "<xmp><script>alert(1)</script></xmp>",
    "第一行<br>\n第二行<script>alert(1)</script>\n第三行",
]


def open_site(site) -> None:
    publish(site.site / FILENAME)  # the catalog and, next to it, the campaigns of the build


def log_in(phone: Page, site, member_no: str, then: str) -> None:
    phone.goto(f"{site.url}/login.html?next={then}")
    phone.fill("#member_no", member_no)
    phone.fill("#password", PASSWORD)
    phone.click("#login-submit")
    expect(phone).to_have_url(re.compile(re.escape(then.split("#")[0])))


def test_a_member_posts_edits_and_deletes_a_comment(site, phone: Page):
    make_tree()
    make_member("74000001", "B1", name="周学习")
    open_site(site)
    phone.goto(f"{site.url}/articles/{ARTICLE}.html")
    expect(phone.locator("#comment-login")).to_be_visible()
    expect(phone.locator("#comment-form")).to_be_hidden()
    log_in(phone, site, "74000001", f"/articles/{ARTICLE}.html")
    form = phone.locator("#comment-form")
    expect(form).to_be_visible()
    phone.fill("#comment-text", "四个字呀")
    expect(phone.locator("#comment-counter")).to_have_text("4 / 500")
    expect(phone.locator("#comment-submit")).to_be_disabled()
    phone.fill("#comment-text", "学习体会：\n读书要联系实际。")
    expect(phone.locator("#comment-submit")).to_be_enabled()
    phone.click("#comment-submit")
    first = phone.locator("#comment-list .comment").first
    expect(first.locator(".comment-text")).to_have_text("学习体会：\n读书要联系实际。")
    expect(phone.locator("#comments-count")).to_have_text("（1）")
    assert first.locator(".comment-text").evaluate("e => getComputedStyle(e).whiteSpace") == (
        "pre-wrap"
    )
    first.locator("[data-action=edit]").click()
    first.locator("textarea").fill("改过的学习体会")
    first.locator("[data-action=save]").click()
    first = phone.locator("#comment-list .comment").first
    expect(first.locator(".comment-text")).to_have_text("改过的学习体会")
    expect(first.locator(".comment-time")).to_contain_text("已编辑")
    first.locator("[data-action=delete]").click()
    confirm = phone.locator('[role="dialog"][aria-modal="true"]')  # a WeUI dialog, not confirm()
    expect(confirm).to_contain_text("确定删除这条评论吗？")
    confirm.get_by_role("button", name="删除").click()
    expect(phone.locator("#comment-list .comment")).to_have_count(0)
    expect(phone.locator("#comments-count")).to_have_text("（0）")
    expect(phone.locator("#comment-empty")).to_be_visible()


def test_stored_xss_payloads_show_as_literal_text_and_run_nothing(site, phone: Page):
    assert len(XSS_PAYLOADS) >= 50
    make_tree()
    open_site(site)
    # Two comments per member: the per-minute limit is 2.
    members = [make_member(f"7500{i:04d}", "B1", password=None) for i in range(0, 60, 2)]
    for i, payload in enumerate(XSS_PAYLOADS):
        r = requests.post(
            f"{site.url}/api/articles/{ARTICLE}/comments",
            json={"text": payload, "request_id": rid()},
            headers=bearer(members[i // 2]),
            timeout=30,
        )
        assert r.status_code == 201, (payload, r.text)
        assert r.json()["text"] == payload and r.json()["status"] == "visible"
    stream_poller.drain()  # the count's stream function (within seconds in AWS)
    dialogs: list[str] = []
    phone.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    phone.goto(f"{site.url}/articles/{ARTICLE}.html")
    expect(phone.locator("#comments-count")).to_have_text(f"（{len(XSS_PAYLOADS)}）")
    while phone.locator("#comment-more").is_visible():
        phone.click("#comment-more")
        phone.wait_for_timeout(200)
    texts = phone.locator("#comments .comment-text")
    expect(texts).to_have_count(len(XSS_PAYLOADS))
    shown = texts.evaluate_all("els => els.map(e => e.textContent)")
    assert sorted(shown) == sorted(XSS_PAYLOADS)
    # Nothing was parsed: no element inside any comment text, nothing injected into the section.
    assert texts.evaluate_all("els => els.reduce((n, e) => n + e.children.length, 0)") == 0
    injected = (
        "#comments :is(script, img, svg:not(#comment-empty > svg), math, iframe, object, embed, "
        "video, audio, details, marquee, style, link, meta, base, input, select, template, xmp, "
        "form:not(#comment-form), a:not(#comment-login-link))"
    )
    assert phone.locator(injected).count() == 0
    phone.wait_for_timeout(500)  # give any onerror / onload / ontoggle a chance to fire
    assert dialogs == []
    assert phone.evaluate("window.__xss") is None


def _open_campaign(**changes) -> None:
    now = clock.now()
    actions = [Campaign.starts_at.set(now - 3600), Campaign.ends_at.set(now + 3600)]
    actions += [getattr(Campaign, k).set(v) for k, v in changes.items()]
    Campaign(CAMPAIGN).update(actions=actions)


def test_a_member_votes_on_the_campaign_page(site, phone: Page):
    make_tree()
    make_member("76000001", "B1", name="吴投票")
    open_site(site)
    _open_campaign(results="live")  # the demo window may lie in the past or future of the test
    log_in(phone, site, "76000001", f"/articles/{CAMPAIGN}.html")
    status = phone.locator("#vote-status")
    expect(status).to_have_text("您还可以投 1 票")  # 2 votes in all, 1 a day
    buttons = phone.locator("#vote button.vote-button")
    expect(buttons).to_have_count(2)
    first = phone.locator("#vote [data-candidate]").first
    first.locator("button.vote-button").click()
    # 2 votes in all, 1 a day: today's is used, one is left for another day.
    expect(status).to_have_text("投票成功！今天的票已经投完，明天可以继续投票（本次评选还剩 1 票）")
    expect(first.locator("button.vote-button")).to_have_text("已投 1 票")
    expect(first.locator(".vote-count")).to_have_text("1 票")
    for i in range(2):
        expect(buttons.nth(i)).to_be_disabled()
    # Results hidden until close: the page says so and shows no count.
    _open_campaign(results="after_close")
    phone.reload()
    expect(phone.locator("#vote .vote-count").first).to_have_text("结果将在投票结束后公布")


def test_a_member_outside_the_campaigns_units_cannot_vote(site, phone: Page):
    make_tree()
    make_member("76000002", "B3", name="郑机关")
    open_site(site)
    _open_campaign(units=["G1"], unit_names=["第一党总支"])
    log_in(phone, site, "76000002", f"/articles/{CAMPAIGN}.html")
    expect(phone.locator("#vote-status")).to_have_text("本次投票仅限第一党总支的党员参加")
    buttons = phone.locator("#vote button.vote-button")
    expect(buttons).to_have_count(2)
    for i in range(2):
        expect(buttons.nth(i)).to_be_disabled()
    # And the API refuses the vote itself, whatever the page shows.
    token = phone.evaluate("sessionStorage.getItem('access_token')")
    r = requests.post(
        f"{site.url}/api/campaigns/{CAMPAIGN}/votes",
        json={"candidate": "wang-haiyan", "request_id": rid()},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert r.status_code == 403 and r.json()["Message"] == "本次投票仅限第一党总支的党员参加"


def test_an_anonymous_reader_sends_no_failing_request(site, phone: Page):
    """No login on this phone: the article and its comments load without a refresh attempt (no
    401 in the console); after a login, a new tab (no access token, the cookie) is refreshed."""
    make_tree()
    make_member("74000090", "B1", name="吴新读")
    open_site(site)
    requests_seen: list[str] = []
    failed: list[str] = []
    phone.on("request", lambda r: requests_seen.append(r.url))
    phone.on(
        "response",
        lambda r: (
            failed.append(f"{r.status} {r.url}")
            if r.status >= 400 and SHARE_CONFIG not in r.url
            else None
        ),
    )
    phone.goto(f"{site.url}/articles/{ARTICLE}.html")
    expect(phone.locator("#comment-login")).to_be_visible()
    phone.wait_for_timeout(500)
    assert not [u for u in requests_seen if "/api/auth/refresh" in u]
    assert failed == []
    log_in(phone, site, "74000090", f"/articles/{ARTICLE}.html")
    expect(phone.locator("#comment-form")).to_be_visible()
    second = phone.context.new_page()  # a new tab: its sessionStorage is empty
    refreshed: list[str] = []
    second.on(
        "request", lambda r: refreshed.append(r.url) if "/api/auth/refresh" in r.url else None
    )
    second.goto(f"{site.url}/articles/{ARTICLE}.html")
    expect(second.locator("#comment-form")).to_be_visible()
    assert refreshed
    second.close()


def test_an_ended_login_shows_the_comments_and_the_way_back_to_login(site, phone: Page):
    """Her login ended (the refresh cookie is gone, the page still holds an old access token):
    the public comments still show, with 登录 leading back to this place; no dead end."""
    make_tree()
    make_member("74000091", "B1", name="陈旧会话")
    other = make_member("74000092", "B1", name="周评论", password=None)
    open_site(site)
    made = requests.post(
        f"{site.url}/api/articles/{ARTICLE}/comments",
        json={"text": "大家都能看到的评论。", "request_id": rid()},
        headers=bearer(other),
        timeout=30,
    )
    assert made.status_code == 201, made.text
    log_in(phone, site, "74000091", f"/articles/{ARTICLE}.html")
    expect(phone.locator("#comment-form")).to_be_visible()
    phone.context.clear_cookies()  # the login ended
    phone.evaluate("sessionStorage.setItem('access_token', 'x.eyJzdWIiOiI3NDAwMDA5MSJ9.y')")
    phone.reload()
    expect(phone.locator("#comment-list .comment-text")).to_have_text(["大家都能看到的评论。"])
    expect(phone.locator("#comment-login")).to_be_visible()
    expect(phone.locator("#comment-form")).to_be_hidden()
    href = phone.locator("#comment-login-link").get_attribute("href")
    assert href == f"/login.html?next=%2Farticles%2F{ARTICLE}.html%23comments"

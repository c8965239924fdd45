"""诉求 on a phone: a member opens 我的 › 我的诉求, raises a request (the form refuses an empty
one in words); her branch secretary finds it in 诉求办理, accepts it and closes it with an answer
(the dialog insists on one); the member sees the answer and the timeline and rates it once —
the rating form is gone afterwards. The desk's rates table shows the unit's figures."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from chalicelib.models.service_requests import ServiceRequest
from tests.e2e.signing import sign_in
from tools.fixtures import make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")

MEMBER = "76000001"
SECRETARY = "76000002"


def sign_out(phone: Page, url: str) -> None:
    phone.goto(f"{url}/about.html")
    phone.evaluate("() => { sessionStorage.clear(); localStorage.clear(); }")
    phone.context.clear_cookies()


def test_a_member_raises_a_request_and_rates_the_answer(site, phone: Page):
    make_tree()
    make_member(MEMBER, "B1", name="周党员")
    make_member(SECRETARY, "B1", name="吴书记", roles=("branch_secretary",))

    sign_in(phone, site.url, MEMBER, "/me.html")
    phone.get_by_role("link", name=re.compile("我的诉求")).click()
    expect(phone).to_have_url(re.compile(r"/requests\.html$"))
    expect(phone.locator("#rq-empty")).to_be_visible()
    expect(phone.locator("#rq-submit")).to_be_enabled()
    phone.click("#rq-submit")
    expect(phone.locator("#rq-form-error")).to_have_text("请选择诉求类别")
    phone.select_option("#rq-category", label="支部工作与组织生活")
    phone.fill("#rq-text", "希望支部每月的学习安排能提前一周通知。")
    phone.click("#rq-submit")
    mine = phone.locator("#rq-list .rq-item")
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text("待受理")
    expect(mine).to_contain_text("第一党支部")
    expect(mine.get_by_role("button", name="撤回")).to_be_visible()
    assert len(list(ServiceRequest.scan(consistent_read=True))) == 1
    sign_out(phone, site.url)

    sign_in(phone, site.url, SECRETARY, "/me.html")
    phone.get_by_role("link", name=re.compile("诉求办理")).click()
    expect(phone).to_have_url(re.compile(r"/requests-desk\.html$"))
    item = phone.locator("#rd-queues .rq-item", has_text="提前一周通知")
    expect(item).to_contain_text("周党员")
    item.get_by_role("button", name="受理").click()
    phone.get_by_role("dialog").get_by_role("button", name="受理").click()
    item = phone.locator("#rd-queues .rq-item", has_text="提前一周通知")
    expect(item).to_contain_text("已受理")
    item.get_by_role("button", name="办结").click()
    dialog = phone.get_by_role("dialog")
    dialog.get_by_role("button", name="办结").click()
    expect(dialog).to_contain_text("请填写答复内容")
    dialog.get_by_role("textbox").fill("已调整：每月学习安排将于上月 25 日前通知。")
    dialog.get_by_role("button", name="办结").click()
    expect(phone.locator("#rd-empty")).to_be_visible()
    expect(phone.locator("#rd-table")).to_contain_text("第一党支部")
    expect(phone.locator("#rd-table li", has_text="合计")).to_contain_text("受理率100.0%")
    sign_out(phone, site.url)

    sign_in(phone, site.url, MEMBER, "/requests.html")
    mine = phone.locator("#rq-list .rq-item")
    expect(mine).to_contain_text("已办结")
    expect(mine).to_contain_text("每月学习安排将于上月 25 日前通知")
    mine.locator(".rq-timeline-summary").click()
    expect(mine.locator(".rq-step")).to_have_count(3)
    mine.get_by_role("button", name="提交评价").click()
    expect(mine.locator(".rq-rate .toptips")).to_have_text("请选择满意、基本满意或不满意")
    mine.get_by_text("基本满意", exact=True).click()
    mine.get_by_role("textbox", name="评价意见").fill("很及时")
    mine.get_by_role("button", name="提交评价").click()
    expect(mine).to_contain_text("基本满意：很及时")
    expect(mine.locator(".rq-rate")).to_have_count(0)
    expect(mine.locator(".rq-timeline-summary")).to_have_text("办理过程（4 步）")
    item = next(iter(ServiceRequest.scan(consistent_read=True)))
    assert item.rating == "basic" and [s.act for s in item.steps][-1] == "rate"

"""问卷 on a phone: a branch secretary opens 我的 › 问卷管理, composes a questionnaire (single
choice, rating, short text), saves the draft and publishes it; three members open 我的 › 问卷调查,
answer it (a required question left out is named first) and see 已提交; the secretary sees the
results: 3 respondents, the option counts as a chart, the texts without names."""

from __future__ import annotations

import re
import time
from datetime import datetime

import pytest
from playwright.sync_api import Page, expect

from chalicelib import clock
from chalicelib.models.surveys import Survey, SurveyAnswer
from tests.e2e.signing import sign_in
from tools.fixtures import make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")

SECRETARY = "78000001"
MEMBERS = ("78000002", "78000003", "78000004")


def sign_out(phone: Page, url: str) -> None:
    phone.goto(f"{url}/about.html")
    phone.evaluate("() => { sessionStorage.clear(); localStorage.clear(); }")
    phone.context.clear_cookies()


def test_staff_publishes_members_answer_staff_sees_results(site, phone: Page):
    make_tree()
    make_member(SECRETARY, "B1", name="周书记", roles=("branch_secretary",))
    for n, no in enumerate(MEMBERS, start=1):
        make_member(no, "B1", name=f"党员{n}")

    sign_in(phone, site.url, SECRETARY, "/me.html")
    phone.get_by_role("link", name=re.compile("问卷管理")).click()
    expect(phone).to_have_url(re.compile(r"/surveys-desk\.html\?unit=B1$"))
    expect(phone.locator("#sd-unit")).to_have_text("第一党支部")
    expect(phone.locator("#sd-empty")).to_be_visible()
    phone.fill("#sd-f-title", "支部活动满意度调查")
    closes = datetime.fromtimestamp(time.time() + 7 * 86400, clock.TZ).strftime("%Y-%m-%dT%H:%M")
    phone.fill("#sd-f-closes", closes)
    phone.get_by_role("button", name="+ 单选题").click()
    q1 = phone.locator("#sd-qs .sv-q").nth(0)
    q1.locator(".sv-e-text").fill("您对本月主题党日的评价")
    q1.locator(".sv-e-options").fill("满意\n一般\n满意")
    phone.get_by_role("button", name="+ 评分题").click()
    phone.locator("#sd-qs .sv-q").nth(1).locator(".sv-e-text").fill("为活动组织打分")
    phone.get_by_role("button", name="+ 简答题").click()
    phone.locator("#sd-qs .sv-q").nth(2).locator(".sv-e-text").fill("意见建议")
    phone.click("#sd-save")
    expect(phone.locator("#sd-new-error")).to_have_text("第1题：选项不能重复")
    assert list(Survey.scan()) == []
    q1.locator(".sv-e-options").fill("满意\n一般\n不满意")
    phone.click("#sd-save")
    expect(phone).to_have_url(re.compile(r"/surveys-desk\.html\?id=sv_"))
    expect(phone.locator("#sd-unit")).to_contain_text("草稿")
    phone.locator("#sd-actions").get_by_role("button", name="发布").click()
    phone.get_by_role("dialog").get_by_role("button", name="发布").click()
    expect(phone.locator("#sd-unit")).to_contain_text("进行中")
    expect(phone.locator("#sd-respondents")).to_contain_text("已提交 0 人")
    desk = phone.url
    sign_out(phone, site.url)

    for n, no in enumerate(MEMBERS):
        sign_in(phone, site.url, no, "/me.html")
        phone.get_by_role("link", name=re.compile("问卷调查")).click()
        item = phone.locator("#sv-list .sv-item", has_text="支部活动满意度调查")
        expect(item).to_contain_text("去填写")
        item.click()
        expect(phone.locator("#sv-title")).to_have_text("支部活动满意度调查")
        phone.get_by_label(["满意", "一般", "满意"][n], exact=True).check()
        phone.click("#sv-submit")
        expect(phone.locator("#sv-form-error")).to_have_text("第2题：此题为必答题，请作答")
        phone.get_by_label(re.compile(f"^{4 + n % 2} 星")).check()
        phone.locator("textarea[name=q3]").fill(f"建议{n + 1}：多组织实地学习👍")
        phone.click("#sv-submit")
        expect(phone.locator("#sv-done")).to_contain_text("已提交")
        phone.goto(f"{site.url}/surveys.html")
        expect(phone.locator("#sv-list .sv-item", has_text="支部活动满意度调查")).to_contain_text(
            "已提交"
        )
        sign_out(phone, site.url)
    survey = next(iter(Survey.scan()))
    assert SurveyAnswer.count(survey.survey_id, consistent_read=True) == 3

    sign_in(phone, site.url, SECRETARY, desk.removeprefix(site.url))
    expect(phone.locator("#sd-respondents")).to_have_text("已提交 3 人")
    results = phone.locator("#sd-results")
    expect(results.locator(".sv-counts").first).to_contain_text("满意：2")
    expect(results.locator("svg.chart").first).to_be_visible()
    expect(results).to_contain_text("平均 4.33 星")
    expect(results.locator(".sv-texts li")).to_have_count(3)
    expect(results).not_to_contain_text("党员1")
    expect(phone.locator("#sd-xlsx")).to_be_enabled()

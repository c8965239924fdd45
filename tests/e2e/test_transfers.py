"""组织关系转接 on a phone: a branch secretary opens 我的 › 组织关系转接, starts a transfer of one
of her members to another branch; the receiving branch's secretary finds it waiting on her page
and approves it in the dialog; the member's 我的 then shows her new branch, and the receiving
branch's meeting desk lists her among its members. A refusal needs a reason (the dialog stays
open without one)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from chalicelib import clock
from chalicelib.models import Member
from tests.e2e.signing import sign_in
from tools.fixtures import make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")

SENDER = "77000001"
RECEIVER = "77000002"
MEMBER = "77000003"


def sign_out(phone: Page, url: str) -> None:
    phone.goto(f"{url}/about.html")
    phone.evaluate("() => { sessionStorage.clear(); localStorage.clear(); }")
    phone.context.clear_cookies()


def test_a_transfer_started_and_approved_on_the_phone(site, phone: Page):
    make_tree()
    make_member(SENDER, "B1", name="钱书记", roles=("branch_secretary",))
    make_member(RECEIVER, "B2", name="孙书记", roles=("branch_secretary",))
    make_member(MEMBER, "B1", name="李党员")

    sign_in(phone, site.url, SENDER, "/me.html")
    phone.get_by_role("link", name=re.compile("组织关系转接")).click()
    expect(phone).to_have_url(re.compile(r"/transfers\.html\?unit=B1$"))
    expect(phone.locator("#tr-unit")).to_have_text("第一党支部")
    expect(phone.locator("#tr-open-empty")).to_be_visible()
    expect(phone.locator("#tr-submit")).to_be_enabled()
    phone.select_option("#tr-member", value=MEMBER)
    phone.select_option("#tr-to", label="第二党支部")
    phone.click("#tr-submit")
    expect(phone.locator("#tr-new-error")).to_have_text("请填写转接原因")
    phone.fill("#tr-reason", "工作调动")
    phone.click("#tr-submit")
    item = phone.locator("#tr-open .tr-item", has_text="李党员")
    expect(item).to_contain_text("第一党支部 → 第二党支部")
    expect(item).to_contain_text("接收支部确认")
    expect(item.get_by_role("button", name="撤回")).to_be_visible()
    assert Member.get(MEMBER, consistent_read=True).transfer_id
    sign_out(phone, site.url)

    # The member, on the same page: her own transfer and what it waits for.
    sign_in(phone, site.url, MEMBER, "/transfers.html")
    expect(phone.locator("#tr-mine-text")).to_contain_text("转往第二党支部，办理中")
    expect(phone.locator("#tr-mine-text")).to_contain_text("现待接收支部确认")
    expect(phone.locator("#tr-open")).to_be_hidden()
    sign_out(phone, site.url)

    sign_in(phone, site.url, RECEIVER, "/transfers.html")
    item = phone.locator("#tr-open .tr-item", has_text="李党员")
    expect(item).to_contain_text("转入本组织")
    # A refusal needs its reason: the dialog stays open; then she changes her mind.
    item.get_by_role("button", name="不同意").click()
    dialog = phone.get_by_role("dialog")
    dialog.get_by_role("button", name="不同意").click()
    expect(dialog).to_contain_text("请填写不同意的理由")
    dialog.get_by_role("button", name="取消").click()
    expect(dialog).to_be_hidden()
    item.get_by_role("button", name="同意接收").click()
    phone.get_by_role("dialog").get_by_role("button", name="同意接收").click()
    done = phone.locator("#tr-done .tr-item", has_text="李党员")
    expect(done).to_contain_text("已办结")
    expect(phone.locator("#tr-open-empty")).to_be_visible()
    done.locator(".tr-steps-summary").click()
    expect(done.locator(".tr-step")).to_have_count(2)
    expect(done.locator(".tr-step").nth(1)).to_contain_text("接收支部同意：孙书记")
    # She is in the receiving branch's list of members now.
    phone.goto(f"{site.url}/meeting-desk.html?unit=B2")
    expect(phone.locator("#desk-unit-name")).to_have_text("第二党支部")
    phone.get_by_text("选择参会党员").click()
    expect(phone.locator("#f-members")).to_contain_text("李党员")
    sign_out(phone, site.url)
    assert Member.get(MEMBER, consistent_read=True).branch_id == "B2"

    sign_in(phone, site.url, MEMBER, "/me.html")
    expect(phone.locator("#me-branch")).to_have_text("第二党支部")


def test_the_letter_prints_on_one_a4_page(site, phone: Page):
    """The 介绍信 out: its number and the member's name filled into the organisation's text;
    printed (print media) without the site's bars, on one A4 sheet."""
    make_tree()
    make_member(SENDER, "B1", name="钱书记", roles=("branch_secretary",))
    make_member(MEMBER, "B1", name="李党员")
    sign_in(phone, site.url, SENDER, "/transfers.html")
    phone.get_by_text("转出本组织（开具介绍信）").click()
    phone.select_option("#tr-member", value=MEMBER)
    phone.fill("#tr-org", "国网某某市供电公司党委")
    phone.fill("#tr-reason", "调往外单位工作")
    phone.click("#tr-submit")
    item = phone.locator("#tr-open .tr-item", has_text="李党员")
    expect(item).to_contain_text(f"〔{clock.today().year}〕第001号")
    item.get_by_role("link", name="介绍信").click()
    expect(phone).to_have_url(re.compile(r"/transfer-letter\.html\?id=tr_"))
    letter = phone.locator("#tl")
    expect(letter).to_contain_text(
        "兹介绍李党员同志（正式党员）的党员组织关系由我单位第一党支部转去你处"
    )
    expect(letter).to_contain_text("国网某某市供电公司党委：")
    expect(phone.locator("#tl-print")).to_be_enabled()
    phone.emulate_media(media="print")
    expect(phone.locator(".topbar")).to_be_hidden()
    expect(phone.locator(".tabbar")).to_be_hidden()
    expect(phone.locator("#tl-tools")).to_be_hidden()
    # Chromium's PDF of the page as printed: one A4 page (595 × 842 pt).
    data = phone.pdf(prefer_css_page_size=True)
    pages = re.findall(rb"/Type\s*/Page\b(?!s)", data)
    assert len(pages) == 1
    assert re.search(rb"/MediaBox\s*\[\s*0 0 59[45]\.?\d* 84[12]", data)

"""组织关系转接 on a phone: a branch secretary opens 我的 › 组织关系转接, starts a transfer of one
of her members to another branch; the receiving branch's secretary finds it waiting on her page
and approves it in the dialog; the member's 我的 then shows her new branch, and the receiving
branch's meeting desk lists her among its members. A refusal needs a reason (the dialog stays
open without one)."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from chalicelib.models import Member
from tools.fixtures import PASSWORD, make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")

SENDER = "77000001"
RECEIVER = "77000002"
MEMBER = "77000003"


def sign_in(phone: Page, url: str, member_no: str, next_path: str) -> None:
    phone.goto(f"{url}/login.html?next={quote(next_path)}")
    phone.fill("#member_no", member_no)
    phone.fill("#password", PASSWORD)
    phone.click("#login-submit")
    expect(phone).to_have_url(re.compile(re.escape(next_path.split("?")[0])))


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

"""Meetings on a phone (WeChat's browser): a secretary notices a meeting from her desk
(/meeting-desk.html); a member of the branch finds it on her home page and on 我的会议, opens it
and asks for leave with a reason; the secretary sees the request on the meeting's attendance list
and approves it; the member's page then says 已准假 and she was told in her 消息 centre. Then the
secretary cancels it from the desk (the dialog asks the reason) and the member sees 会议已取消."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from chalicelib.models import Attendance, Meeting, Message
from tests.e2e.signing import sign_in
from tools.fixtures import make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")

SECRETARY = "76000001"
MEMBER = "76000002"


def sign_out(phone: Page, url: str) -> None:
    phone.goto(f"{url}/about.html")
    phone.evaluate("() => { sessionStorage.clear(); localStorage.clear(); }")
    phone.context.clear_cookies()


def test_notice_leave_and_approval(site, phone: Page):
    make_tree()
    make_member(SECRETARY, "B1", name="周书记", roles=("branch_secretary",))
    make_member(MEMBER, "B1", name="吴党员")
    make_member("76000003", "B2", name="郑其他")

    # The secretary: 我的 › 会议管理 opens her branch's desk; she notices a 主题党日.
    sign_in(phone, site.url, SECRETARY, "/me.html")
    phone.get_by_role("link", name=re.compile("会议管理")).click()
    expect(phone).to_have_url(re.compile(r"/meeting-desk\.html\?unit=B1$"))
    expect(phone.locator("#desk-unit-name")).to_have_text("第一党支部")
    expect(phone.locator("#desk-empty")).to_be_visible()
    phone.select_option("#f-kind", label="主题党日")
    phone.fill("#f-topic", "重温入党誓词")
    phone.fill("#f-place", "党员活动室")
    phone.click("#f-submit")
    expect(phone).to_have_url(re.compile(r"/meeting-desk\.html\?unit=B1&id=mt_"))
    expect(phone.locator("#desk-m-topic")).to_have_text("重温入党誓词")
    expect(phone.locator("#desk-m-counts")).to_contain_text("应到 2 人")
    [meeting] = list(Meeting.scan())
    assert {a.member_no for a in Attendance.query(meeting.meeting_id)} == {SECRETARY, MEMBER}
    assert not list(Message.query("76000003"))
    sign_out(phone, site.url)

    # The member: her home page shows the meeting to attend; 我的会议 lists it; she asks leave.
    sign_in(phone, site.url, MEMBER, "/index.html")
    expect(phone.locator("#today-meetings-state")).to_have_text("1 个待参加")
    expect(phone.locator("#today-meetings-line")).to_contain_text("重温入党誓词")
    phone.goto(f"{site.url}/meetings.html")
    item = phone.locator(".mt-item", has_text="重温入党誓词")
    expect(item).to_contain_text("主题党日")
    item.click()
    expect(phone.locator("#mt-d-topic")).to_have_text("重温入党誓词")
    expect(phone.locator("#mt-d-place")).to_have_text("党员活动室")
    expect(phone.locator("#mt-d-organiser")).to_have_text("周书记")
    expect(phone.locator("#mt-d-checkin")).to_have_attribute(
        "href", f"/checkin.html?m={meeting.meeting_id}"
    )
    phone.fill("#mt-reason", "外出学习培训")
    phone.click("#mt-leave-submit")
    expect(phone.locator("#mt-d-status")).to_have_text("请假待批")
    sign_out(phone, site.url)

    # The secretary approves it on the meeting's attendance list.
    sign_in(phone, site.url, SECRETARY, f"/meeting-desk.html?unit=B1&id={meeting.meeting_id}")
    person = phone.locator(".mt-person", has_text="吴党员")
    expect(person).to_contain_text("请假理由：外出学习培训")
    person.get_by_role("button", name="批准 吴党员 的请假").click()
    expect(phone.locator(".mt-person", has_text="吴党员")).to_contain_text("已准假")
    expect(phone.locator("#desk-m-counts")).to_contain_text("已准假 1 人")
    sign_out(phone, site.url)

    sign_in(phone, site.url, MEMBER, f"/meetings.html?id={meeting.meeting_id}")
    expect(phone.locator("#mt-d-status")).to_have_text("已准假")
    expect(phone.locator("#mt-leave")).to_be_hidden()
    titles = {m.title for m in Message.query(MEMBER)}
    assert titles == {"会议通知：主题党日", "请假已批准"}

    sign_out(phone, site.url)

    # The secretary cancels it: the dialog asks the reason; the desk then says 已取消.
    sign_in(phone, site.url, SECRETARY, f"/meeting-desk.html?unit=B1&id={meeting.meeting_id}")
    phone.click("#desk-m-cancel")
    dialog = phone.get_by_role("dialog")
    dialog.get_by_role("button", name="取消会议").click()
    expect(dialog).to_contain_text("请写明取消原因")  # required: the dialog stays open
    dialog.locator("textarea").fill("场地临时征用，另行通知")
    dialog.get_by_role("button", name="取消会议").click()
    expect(phone.locator("#desk-m-state")).to_have_text("已取消：场地临时征用，另行通知")
    expect(phone.locator("#desk-m-cancel")).to_be_hidden()
    expect(phone.locator("#desk-m-code")).to_be_hidden()
    phone.click("#desk-back")
    expect(phone.locator(".mt-item", has_text="重温入党誓词")).to_contain_text("已取消")
    sign_out(phone, site.url)

    sign_in(phone, site.url, MEMBER, "/meetings.html")
    expect(phone.locator(".mt-item", has_text="重温入党誓词")).to_contain_text("会议已取消")
    titles = {m.title for m in Message.query(MEMBER)}
    assert titles == {"会议通知：主题党日", "请假已批准", "会议取消：主题党日"}

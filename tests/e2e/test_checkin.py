"""Meeting check-in on phones (WeChat's browser): the organiser's page shows the rotating code
big, with its QR code and the count; a member on her own phone types that code on /checkin.html
and is checked in, and the organiser's count goes up; a scanned QR link checks in at once after
the login it leads through; the organiser corrects a member's attendance with a reason."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from chalicelib.models import Attendance
from tests.e2e.signing import sign_in
from tests.integration.test_checkin_api import invite, make_meeting
from tools.fixtures import PASSWORD, make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")

SECRETARY, MEMBER, LATECOMER = "76000001", "76000002", "76000003"


def shown_code(page: Page) -> str:
    code = page.locator("#mc-code")
    expect(code).to_have_text(re.compile(r"^\d{6}$"))
    return code.inner_text()


def test_the_member_types_the_code_the_organiser_shows(site, phone: Page, second_phone: Page):
    make_tree()
    make_member(SECRETARY, "B1", name="李书记", roles=("branch_secretary",))
    invited = [
        make_member(MEMBER, "B1", name="王红"),
        make_member(LATECOMER, "B1", name="赵兰"),
    ]
    meeting = make_meeting("mt_e2echeckin01", organiser=SECRETARY)
    for m in invited:
        invite(meeting, m)

    # The organiser's phone: the code, big; the QR code; the countdown; the count; the list.
    sign_in(phone, site.url, SECRETARY, f"/meeting-code.html?id={meeting.meeting_id}")
    code = shown_code(phone)
    assert float(phone.locator("#mc-code").evaluate("e => getComputedStyle(e).fontSize")[:-2]) >= 60
    qr = phone.locator("#mc-qr")
    expect(qr).to_be_visible()
    assert qr.bounding_box()["width"] >= 200
    expect(phone.locator("#mc-seconds")).to_have_text(re.compile(r"^\d{1,2}$"))
    expect(phone.locator("#mc-count")).to_have_text("已签到 0 / 2 人")
    expect(phone.locator("#mc-list .mc-row")).to_have_count(2)
    expect(phone.locator("#mc-topic")).to_have_text("学习贯彻全会精神")

    # The member's phone: she types the code on /checkin.html (a big field, the numeric pad).
    sign_in(second_phone, site.url, MEMBER, f"/checkin.html?m={meeting.meeting_id}")
    field = second_phone.locator("#ci-code")
    expect(field).to_have_attribute("inputmode", "numeric")
    assert field.bounding_box()["height"] >= 44
    submit = second_phone.get_by_role("button", name="签到")
    expect(submit).to_be_enabled()
    assert submit.bounding_box()["height"] >= 44
    # A wrong code is said in words and she may try again.
    field.fill(f"{(int(code) + 1) % 1_000_000:06d}")
    submit.click()
    expect(second_phone.locator("#ci-error")).to_contain_text("签到码已过期或不正确")
    field.fill(shown_code(phone))
    submit.click()
    expect(second_phone.locator("#ci-result-title")).to_have_text("签到成功")
    expect(second_phone.locator("#ci-result-text")).to_contain_text("签到时间")
    expect(second_phone.locator("#ci-result-meeting")).to_contain_text("学习贯彻全会精神")
    assert Attendance.get(meeting.meeting_id, MEMBER).present is True

    # The organiser's count goes up by itself.
    expect(phone.locator("#mc-count")).to_have_text("已签到 1 / 2 人")
    expect(phone.locator("#mc-list .mc-row.is-present")).to_contain_text("王红")
    expect(phone.locator("#mc-list .mc-row.is-present")).to_contain_text("已签到")

    # Opening the same page again says she is checked in already, with her time.
    second_phone.goto(f"{site.url}/checkin.html?m={meeting.meeting_id}&c={shown_code(phone)}")
    expect(second_phone.locator("#ci-result-title")).to_have_text("您已签到")
    expect(second_phone.locator("#ci-result-text")).to_contain_text("签到时间")
    # The code used is gone from the address (a reload sends nothing old).
    expect(second_phone).to_have_url(f"{site.url}/checkin.html?m={meeting.meeting_id}")


def test_a_scanned_link_checks_in_after_the_login(site, phone: Page, second_phone: Page):
    make_tree()
    make_member(SECRETARY, "B1", name="李书记", roles=("branch_secretary",))
    make_member(LATECOMER, "B1", name="赵兰")
    meeting = make_meeting("mt_e2escanned1", organiser=SECRETARY)
    invite(meeting, make_member(MEMBER, "B1", name="王红"))
    invite(meeting, make_member("76000004", "B1", name="钱进"))
    sign_in(phone, site.url, SECRETARY, f"/meeting-code.html?id={meeting.meeting_id}")

    # Scanned in WeChat before any login: to the login page and back, checked in at once.
    link = f"/checkin.html?m={meeting.meeting_id}&c={shown_code(phone)}"
    second_phone.goto(f"{site.url}{link}")
    expect(second_phone).to_have_url(re.compile(r"/login\.html\?next="))
    second_phone.fill("#member_no", MEMBER)
    second_phone.fill("#password", PASSWORD)
    second_phone.click("#login-submit")
    expect(second_phone.locator("#ci-result-title")).to_have_text("签到成功")
    expect(phone.locator("#mc-count")).to_have_text("已签到 1 / 2 人")

    # Someone not on the list is told so, in words.
    second_phone.evaluate("() => { sessionStorage.clear(); localStorage.clear(); }")
    second_phone.context.clear_cookies()
    sign_in(second_phone, site.url, LATECOMER, f"/checkin.html?m={meeting.meeting_id}")
    second_phone.fill("#ci-code", shown_code(phone))
    second_phone.get_by_role("button", name="签到").click()
    expect(second_phone.locator("#ci-result-title")).to_have_text("无法签到")
    expect(second_phone.locator("#ci-result-text")).to_have_text("您不在本次会议的参会名单中")

    # The organiser corrects 钱进 (who came without her phone): a reason, kept on her row.
    row = phone.locator("#mc-list .mc-row", has_text="钱进")
    row.get_by_role("button", name="更正钱进的出勤").click()
    dialog = phone.get_by_role("dialog")
    expect(dialog).to_contain_text("更正为“出席”")
    dialog.get_by_role("textbox").fill("手机没电，现场核实出席")
    dialog.get_by_role("button", name="确认更正").click()
    expect(phone.locator(".dj-toast")).to_contain_text("已更正")
    expect(phone.locator("#mc-count")).to_have_text("已签到 2 / 2 人")
    expect(row).to_contain_text("已签到（组织者登记）")
    expect(row).to_contain_text("已更正 1 次：手机没电，现场核实出席")
    saved = Attendance.get(meeting.meeting_id, "76000004")
    assert saved.present is True and saved.corrections[0].reason == "手机没电，现场核实出席"


def test_the_code_page_is_for_the_units_managers_only(site, phone: Page):
    make_tree()
    make_member("76000009", "B2", name="孙书记", roles=("branch_secretary",))
    meeting = make_meeting("mt_e2eotherbr1")
    sign_in(phone, site.url, "76000009", f"/meeting-code.html?id={meeting.meeting_id}")
    expect(phone.locator("#mc-error")).to_have_text("会议不存在或您无权查看")
    expect(phone.locator("#mc-board")).to_be_hidden()


def test_both_pages_fit_phones_in_normal_and_large_text(site, phone: Page, second_phone: Page):
    """The layout rules of every screen (tests/e2e/test_layout.py: no overflow, 12 px edges,
    44 px targets, text size and contrast), at 320–390 px, in normal and 1.3× text: the code
    page with its code, QR and list; the check-in form; its outcome."""
    from tests.e2e.test_layout import WIDTHS, measure

    make_tree()
    make_member(SECRETARY, "B1", name="李书记", roles=("branch_secretary",))
    meeting = make_meeting("mt_e2elayout01", organiser=SECRETARY)
    invite(meeting, make_member(MEMBER, "B1", name="王红"))
    invite(meeting, make_member("76000005", "B1", name="欧阳晓明"), role="guest")
    sign_in(phone, site.url, SECRETARY, f"/meeting-code.html?id={meeting.meeting_id}")
    sign_in(second_phone, site.url, MEMBER, f"/checkin.html?m={meeting.meeting_id}")
    problems: list[str] = []

    def check(page: Page, what: str) -> None:
        for large in (False, True):
            for width in WIDTHS[:3]:
                where = f"{what} {width}px{' 大字' if large else ''}"
                problems.extend(f"[{where}] {p}" for p in measure(page, width, large))
        page.evaluate("document.documentElement.classList.remove('large-text')")
        page.set_viewport_size({"width": 390, "height": 844})

    code = shown_code(phone)
    expect(phone.locator("#mc-list .mc-row")).to_have_count(2)
    check(phone, "签到码")
    check(second_phone, "签到")
    second_phone.fill("#ci-code", code)
    second_phone.get_by_role("button", name="签到").click()
    expect(second_phone.locator("#ci-result-title")).to_have_text(re.compile("签到成功|您已签到"))
    check(second_phone, "签到结果")
    expect(phone.locator("#mc-count")).to_have_text("已签到 1 / 2 人")
    check(phone, "签到码（已签到）")
    assert not problems, "\n".join(problems[:60])

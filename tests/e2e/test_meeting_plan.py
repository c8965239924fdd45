"""一月一清单 in headless Chromium: a secretary on her phone (WeChat's browser) sees her branch's
month with each item's status in words and the meeting that fulfilled it, adjusts an item's due
date and note (a bad date refused in Chinese, nothing saved); the committee member, on a desk,
sees the branches' month as a table (done, overdue), each unit linking to its own list, and
moves month by month; large text keeps every target at 44 px and nothing overflows."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from chalicelib import clock, meeting_checks
from chalicelib.models import PlanItem
from tests.e2e.signing import sign_in
from tests.integration.meeting_rows import make_meeting
from tools.fixtures import make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")

SECRETARY, COMMITTEE = "76000001", "76000002"


@pytest.fixture
def org():
    units = make_tree()
    make_member(SECRETARY, "B1", name="周书记", roles=("branch_secretary",))
    make_member(COMMITTEE, "B3", name="吴委员", roles=("party_committee",))
    make_member("76000003", "B1", name="郑党员")
    today = clock.today()
    month = f"{today:%Y-%m}"
    # Held and recorded today at 00:00 (still this month, whatever the hour).
    held = make_meeting(units["B1"], "theme_day", f"{today:%Y-%m-%d}T00:00")
    for kind in ("branch_committee", "group_meeting"):
        make_meeting(units["B1"], kind, f"{today:%Y-%m-%d}T00:00")
    if month[5:] in ("03", "06", "09", "12"):
        for kind in ("branch_assembly", "party_lecture"):
            make_meeting(units["B1"], kind, f"{today:%Y-%m-%d}T00:00")
    if month[5:] == "12":
        for kind in ("life_meeting", "member_review"):
            make_meeting(units["B1"], kind, f"{today:%Y-%m-%d}T00:00")
    meeting_checks.run()  # as the scheduled job does each night
    return units, month, held


def test_the_secretary_sees_and_adjusts_her_branchs_list(site, phone: Page, org) -> None:
    _, month, held = org
    sign_in(phone, site.url, SECRETARY, "/meeting-plan.html")
    # No unit in the address: her own (the role's unit), put in the address.
    expect(phone).to_have_url(re.compile(r"unit=B1"))
    expect(phone.locator("#plan-unit")).to_contain_text("第一党支部")
    items = phone.locator("#plan-items .plan-item")
    expect(items.first).to_be_visible()
    theme = phone.locator('.plan-item[data-kind="theme_day"]')
    expect(theme.locator(".plan-status")).to_have_text("已完成")
    expect(theme.locator(".plan-meeting")).to_have_attribute(
        "href", f"/meeting-record.html?id={held.meeting_id}"
    )
    expect(theme).to_contain_text("周书记（76000001）")
    for status in phone.locator("#plan-items .plan-status").all():
        assert status.text_content() in ("已完成", "未完成", "逾期")

    # Adjust: a due date out of the month is refused in words and nothing is saved.
    theme.locator(".plan-adjust-summary").click()
    form = theme.locator("form.plan-edit")
    next_month = f"{int(month[:4]) + (month[5:] == '12'):04d}-{int(month[5:]) % 12 + 1:02d}-05"
    form.locator('input[name="due"]').fill(next_month)
    form.locator('button[type="submit"]').click()
    expect(form.locator(".plan-edit-error")).to_contain_text("截止日期须在")
    assert PlanItem.get("B1", f"{month}#theme_day#1").due == f"{month}-20"
    form.locator('input[name="due"]').fill(f"{month}-18")
    form.locator('input[name="note"]').fill("结合冬季走访")
    form.locator('button[type="submit"]').click()
    theme = phone.locator('.plan-item[data-kind="theme_day"]')
    expect(theme).to_contain_text("结合冬季走访")
    expect(theme.locator(".plan-facts")).to_contain_text(f"{int(month[5:])}月18日")
    saved = PlanItem.get("B1", f"{month}#theme_day#1")
    assert (saved.due, saved.note, saved.updated_by) == (f"{month}-18", "结合冬季走访", SECRETARY)

    # Every target is 44 px at least, with large text too, and nothing overflows the phone.
    phone.evaluate("document.documentElement.classList.add('large-text')")
    for selector in ("#plan-prev", ".plan-adjust-summary", ".plan-meeting"):
        box = phone.locator(selector).first.bounding_box()
        assert box and box["height"] >= 44, selector
    assert phone.evaluate("document.documentElement.scrollWidth <= innerWidth")

    # The month before: its own list, and back.
    phone.click("#plan-prev")
    expect(phone).to_have_url(re.compile(r"month=\d{4}-\d{2}"))
    expect(phone.locator("#plan-month")).not_to_have_text("")
    expect(phone.locator("#plan-tree")).to_be_hidden()  # a branch has no subtree table


def test_the_committee_sees_the_branches_month_on_a_desk(site, browser: Browser, org) -> None:
    _, month, _ = org
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    desk = context.new_page()
    errors: list[str] = []
    desk.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        sign_in(desk, site.url, COMMITTEE, f"/meeting-plan.html?unit=C1&month={month}")
        expect(desk.locator("#plan-tree")).to_be_visible()
        rows = desk.locator("#plan-table tbody tr")
        expect(rows).to_have_count(3)  # the three branches
        b1 = desk.locator('#plan-table tr[data-unit="B1"]')
        expect(b1).to_contain_text("已完成")
        expect(b1.locator("td").first).to_have_text(re.compile(r"^\d/\d$|^—$"))
        b2 = desk.locator('#plan-table tr[data-unit="B2"]')
        expect(b2).to_contain_text("未完成")
        expect(desk.locator("#plan-summary")).to_contain_text("已完成 1 个")
        assert desk.evaluate("document.documentElement.scrollWidth <= innerWidth")
        # Each unit links to its own list.
        b1.locator("a").click()
        expect(desk).to_have_url(re.compile(r"unit=B1"))
        expect(desk.locator('.plan-item[data-kind="theme_day"] .plan-status')).to_have_text(
            "已完成"
        )
        # He may read and manage below him: the adjust form is there.
        expect(desk.locator(".plan-adjust-summary").first).to_be_visible()
    finally:
        context.close()
    assert not errors, errors


def test_signed_out_sees_the_login_prompt(site, phone: Page, org) -> None:
    requests_made: list[str] = []
    phone.on("request", lambda r: requests_made.append(r.url) if "/api/" in r.url else None)
    phone.goto(f"{site.url}/meeting-plan.html?unit=B1")
    expect(phone.locator("#plan-login")).to_be_visible()
    expect(phone.locator("#plan-login")).to_have_attribute(
        "href", "/login.html?next=%2Fmeeting-plan.html%3Funit%3DB1"
    )
    assert not [u for u in requests_made if "/api/units" in u]

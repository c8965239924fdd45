"""党员发展 in headless Chromium, on a secretary's phone in WeChat: her branch's people by stage
with an 逾期 badge; a person's timeline guiding her to the next step with its dates; recording it
in the dialog (a date before the rule's earliest refused in words, nothing recorded), then the
next step shown with the day from which it may be done. The API runs on the real clock."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import requests
from playwright.sync_api import expect

from chalicelib import clock
from chalicelib.models.recruitment import Recruit
from chalicelib.recruitment_stages import parse_span
from tests.e2e.signing import sign_in
from tools.fixtures import bearer, make_member, make_tree, rid

pytestmark = pytest.mark.usefixtures("clean_tables")

SECRETARY = "77000001"
MONTH = parse_span("1 month")  # the talk's limit (31 January + 1 month: the month's last day)


def cn(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@pytest.fixture
def people(site):
    make_tree()
    secretary = make_member(SECRETARY, "B1", name="钱书记", roles=("branch_secretary",))
    today = clock.today()
    made = {}
    for name, days in (("孙申请", 3), ("赵逾期", 40)):
        reply = requests.post(
            f"{site.url}/api/units/B1/recruitment",
            headers=bearer(secretary),
            json={"name": name, "applied_on": (today - timedelta(days=days)).isoformat(),
                  "request_key": rid()},
            timeout=30,
        )  # fmt: skip
        assert reply.status_code == 201, reply.text
        made[name] = reply.json()["id"]
    return made


def test_a_secretary_records_a_step_and_sees_the_next_with_its_date(site, phone, people) -> None:
    today = clock.today()
    sign_in(phone, site.url, SECRETARY, "/recruitment.html")
    expect(phone).to_have_url(re.compile(r"unit=B1"))
    rows = phone.locator(".rc-row")
    expect(rows).to_have_count(2)
    late = rows.filter(has_text="赵逾期")
    expect(late.locator(".rc-badge")).to_have_text("逾期")
    expect(phone.locator("#rc-summary")).to_contain_text("有逾期环节 1 人")

    rows.filter(has_text="孙申请").locator("a").click()
    expect(phone).to_have_url(re.compile(r"id=rp_"))
    expect(phone.locator("#rc-name")).to_have_text("孙申请")
    expect(phone.locator(".rc-stage.is-now")).to_have_text("入党申请人")
    talk = phone.locator('.rc-step[data-step="talk"]')
    applied = today - timedelta(days=3)
    latest = applied.replace(
        month=applied.month % 12 + 1, year=applied.year + (applied.month == 12)
    )
    expect(talk.locator(".rc-step-when")).to_contain_text(f"最晚{cn(latest)}")
    expect(talk.locator(".rc-step-rule")).to_contain_text("一个月内")

    # A date before the application: refused with the rule, nothing recorded.
    talk.locator("button.rc-record").click()
    dialog = phone.locator(".dj-dialog")
    expect(dialog).to_be_visible()
    dialog.locator('input[name="on"]').fill((applied - timedelta(days=1)).isoformat())
    dialog.locator(".dj-dialog-ok").click()
    refusal = phone.locator(".dj-dialog", has_text="未能记录")
    expect(refusal).to_contain_text(f"最早可于 {applied.isoformat()}")
    assert [r.step for r in Recruit.get(people["孙申请"]).records] == ["application"]
    refusal.locator(".dj-dialog-ok").click()  # 修改后重试: the form again, as filled
    dialog = phone.locator(".dj-dialog")
    dialog.locator('input[name="on"]').fill(today.isoformat())
    dialog.locator('input[name="note"]').fill("支部组织委员谈话")
    dialog.locator(".dj-dialog-ok").click()

    expect(phone.locator(".rc-done-item").first).to_contain_text("党组织派人谈话")
    expect(phone.locator(".rc-done-item").first).to_contain_text("支部组织委员谈话")
    recommend = phone.locator('.rc-step[data-step="recommend"]')
    expect(recommend).to_be_visible()
    expect(recommend.locator(".rc-step-when")).to_contain_text(f"{cn(today)}起可办理")
    expect(phone.locator('.rc-step[data-step="talk"]')).to_have_count(0)
    assert [r.step for r in Recruit.get(people["孙申请"]).records] == ["application", "talk"]

    # Back to the list: register a new applicant through the dialog, landing on her timeline.
    phone.locator("#rc-back").click()
    expect(phone.locator(".rc-row")).to_have_count(2)
    phone.locator("#rc-register").click()
    dialog = phone.locator(".dj-dialog")
    dialog.locator(".dj-dialog-ok").click()  # the name is required: said, the dialog stays
    expect(dialog.locator(".dj-dialog-error")).to_have_text("请填写姓名")
    dialog.locator('input[name="name"]').fill("冯新来")
    dialog.locator('select[name="gender"]').select_option("男")
    dialog.locator(".dj-dialog-ok").click()
    expect(phone.locator("#rc-name")).to_have_text("冯新来")
    talk = phone.locator('.rc-step[data-step="talk"] .rc-step-when')
    expect(talk).to_contain_text(f"最晚{cn(MONTH.after(today))}")
    assert {p.name for p in Recruit.scan()} == {"孙申请", "赵逾期", "冯新来"}

"""志愿服务 on phones (WeChat's browser): a member opens an activity of her general branch, signs
up, and on the day types the code the organiser's desk shows (big, with its QR code); she is
checked in, and the desk's list says so by itself; the 我的 page links both pages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from chalicelib import clock, registry, volunteering
from chalicelib.models import VolunteerActivity, VolunteerSignup
from tests.e2e.signing import sign_in
from tools.fixtures import make_member, make_tree, rid

pytestmark = pytest.mark.usefixtures("clean_tables")

STAFF, MEMBER, SCANNER = "77000001", "77000002", "77000003"


def test_a_member_signs_up_and_checks_in_with_the_desk_code(site, phone: Page, second_phone: Page):
    make_tree()
    staff = make_member(STAFF, "B1", name="周委员", roles=("general_branch_committee",))
    make_member(MEMBER, "B2", name="王红")
    start = clock.local_now() + timedelta(minutes=20)  # check-in opens 30 minutes before
    activity, _ = volunteering.publish(
        registry.caller_for(staff),
        staff,
        {
            "unit_id": "G1",
            "topic": "关爱空巢老人志愿服务",
            "place": "幸福里社区服务中心",
            "starts_at": start.isoformat(timespec="minutes"),
            "ends_at": (start + timedelta(hours=2)).isoformat(timespec="minutes"),
            "places": 10,
            "request_key": rid(),
        },
    )
    aid = activity["id"]

    # Her phone: 我的 → 志愿服务 → the activity → 报名参加.
    sign_in(second_phone, site.url, MEMBER, "/me.html")
    second_phone.locator("#me-volunteering").click()
    expect(second_phone).to_have_url(re.compile(r"/volunteering\.html"))
    item = second_phone.locator("#vol-open .vol-link", has_text="关爱空巢老人志愿服务")
    expect(item).to_contain_text("可报名，剩余名额 10 个")
    # Beijing time as the server wrote it, whatever the phone's time zone (the browser's is UTC).
    expect(item).to_contain_text(f"{start.month}月{start.day}日 {start:%H:%M}")
    item.click()
    signup = second_phone.get_by_role("button", name="报名参加")
    expect(signup).to_be_visible()
    assert signup.bounding_box()["height"] >= 44
    signup.click()
    expect(second_phone.locator("#vol-d-state")).to_have_text("已报名，请在现场签到")
    assert VolunteerSignup.get(aid, MEMBER).checked_in_at is None
    assert VolunteerActivity.get(aid).taken == 1

    # The desk: the code, big, and its QR code; the list.
    sign_in(phone, site.url, STAFF, f"/volunteer-desk.html?unit=G1&a={aid}")
    code = phone.locator("#vd-code")
    expect(code).to_have_text(re.compile(r"^\d{6}$"))
    assert float(code.evaluate("e => getComputedStyle(e).fontSize")[:-2]) >= 60
    expect(phone.locator("#vd-qr")).to_be_visible()
    expect(phone.locator("#vd-rows .vd-row")).to_have_count(1)
    expect(phone.locator("#vd-rows .vd-row")).to_contain_text("未签到")

    # She types the code the desk shows.
    field = second_phone.locator("#vol-code")
    expect(field).to_have_attribute("inputmode", "numeric")
    field.fill(f"{(int(code.inner_text()) + 1) % 1_000_000:06d}")
    second_phone.get_by_role("button", name="签到").click()
    expect(second_phone.locator("#vol-code-error")).to_contain_text("签到码已过期或不正确")
    field.fill(code.inner_text())
    second_phone.get_by_role("button", name="签到").click()
    expect(second_phone.locator("#vol-d-state")).to_contain_text("签到成功")
    assert VolunteerSignup.get(aid, MEMBER, consistent_read=True).checked_in_at is not None

    # The desk's list says so by itself (it asks again every few seconds).
    expect(phone.locator("#vd-rows .vd-row")).to_contain_text("已签到", timeout=15_000)

    # Another member scans the QR code the desk shows: the login it leads through brings her
    # back with the code, and she is checked in at once; the code leaves the address.
    other = make_member(SCANNER, "B1", name="赵兰")
    volunteering.sign_up(registry.caller_for(other), other, aid)
    url = volunteering.checkin_code(registry.caller_for(staff), aid, "")["url"]
    sign_in(second_phone, site.url, SCANNER, url)
    expect(second_phone.locator("#vol-d-state")).to_contain_text("签到成功")
    assert "c=" not in second_phone.url
    assert VolunteerSignup.get(aid, SCANNER, consistent_read=True).checked_in_at is not None

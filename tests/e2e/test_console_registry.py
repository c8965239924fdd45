"""党务工作台 › 党员与组织 in headless Chromium at 1366×768 (desktop) and 390×844 (phone), over the
demo organisation: a committee member (10000005) finds a member of 机关第一党支部, moves her to
another branch and sees the entry in the audit log of both branches; a branch secretary
(10000001) types a bad phone number and sees the message under that field, nothing changed; at
1.3× text the page still fits the screen."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from chalicelib.models import Member
from tests.e2e.signing import sign_in

VIEWPORTS = {
    "desktop": {"width": 1366, "height": 768},
    "phone": {"width": 390, "height": 844},
}
COMMITTEE, SECRETARY = "10000005", "10000001"
# One member per viewport, so the two runs do not meet.
MOVED = {
    "desktop": ("10000020", "B0201", "客户服务党支部"),
    "phone": ("10000021", "B0202", "计量抄核党支部"),
}


@pytest.fixture(scope="module")
def demo(site):
    from infra import stream_poller
    from tools import seed_demo
    from tools.tables import truncate_all

    truncate_all()
    stream_poller.skip()
    seed_demo.seed()
    return site


@pytest.fixture(params=sorted(VIEWPORTS))
def screen(request, browser: Browser) -> Iterator[tuple[str, Page]]:
    name = request.param
    phone = name == "phone"
    context = browser.new_context(
        viewport=VIEWPORTS[name],
        device_scale_factor=3 if phone else 1,
        is_mobile=phone,
        has_touch=phone,
        locale="zh-CN",
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield name, page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def _fits(page: Page) -> None:
    """Nothing wider than the screen (a table scrolls sideways in its own box)."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"


def test_a_committee_member_moves_a_member_and_sees_the_audit_entry(demo, screen):
    name, page = screen
    member_no, branch, branch_name = MOVED[name]
    who = Member.get(member_no).name
    sign_in(page, demo.url, COMMITTEE, "/console-registry.html?unit=B0101")
    expect(page.locator("#rg-tree")).to_have_attribute("aria-busy", "false")
    expect(page.locator("#rg-unit-name")).to_contain_text("机关第一党支部")
    page.fill("#rg-q", member_no)
    page.get_by_role("button", name="搜索", exact=True).click()
    expect(page.locator("#rg-members-body tr")).to_have_count(1)
    _fits(page)
    page.get_by_role("button", name=f"编辑 {who}").click()
    form = page.locator("#rg-move-form")
    expect(form).to_be_visible()
    form.locator("select[name=branch_id]").select_option(branch)
    form.get_by_role("button", name="调整").click()
    expect(page.locator("#rg-members-body tr")).to_have_count(0)  # no longer in 机关第一党支部
    assert Member.get(member_no, consistent_read=True).branch_id == branch
    page.get_by_role("tab", name="变更记录").click()
    entry = page.locator("#rg-audit .rg-audit-entry").first
    expect(entry).to_contain_text("调整所在支部")
    expect(entry).to_contain_text(who)
    expect(entry).to_contain_text(branch_name)
    _fits(page)
    # The receiving branch's log shows it too.
    page.locator(f"#rg-tree [data-unit={branch}]").click()
    page.get_by_role("tab", name="变更记录").click()
    expect(page.locator("#rg-audit .rg-audit-entry").first).to_contain_text(who)


def test_a_bad_input_shows_its_message_at_the_field(demo, screen):
    name, page = screen
    target = "10000030" if name == "desktop" else "10000031"
    before = Member.get(target).phone
    page.add_init_script("localStorage.setItem('large_text', '1')")  # 1.3× text
    sign_in(page, demo.url, SECRETARY, "/console-registry.html?unit=B0101")
    assert page.evaluate("document.documentElement.classList.contains('large-text')")
    expect(page.locator("#rg-tree")).to_have_attribute("aria-busy", "false")
    page.fill("#rg-q", target)
    page.get_by_role("button", name="搜索", exact=True).click()
    expect(page.locator("#rg-members-body tr")).to_have_count(1)
    page.get_by_role("button", name=f"编辑 {Member.get(target).name}").click()
    form = page.locator("#rg-member-form")
    form.locator("input[name=phone]").fill("12345")
    form.locator("input[name=phone]").press("Enter")  # submits the form, as a desktop user does
    field = form.locator("[data-field=phone]")
    expect(field.locator(".rg-field-error")).to_contain_text("手机号：号码格式不正确")
    expect(field.locator("input")).to_have_attribute("aria-invalid", "true")
    _fits(page)
    assert Member.get(target, consistent_read=True).phone == before
    # A bad date in the new-member form: the message under 出生日期.
    page.get_by_role("button", name="新增党员").click()
    form.locator("input[name=member_no]").fill("20269901")
    form.locator("input[name=name]").fill("新同志")
    form.locator("input[name=birth_date]").fill("2020-01-01")
    form.locator("input[name=birth_date]").press("Enter")
    expect(form.locator("[data-field=birth_date] .rg-field-error")).to_contain_text("未满 18 岁")
    with pytest.raises(Member.DoesNotExist):
        Member.get("20269901", consistent_read=True)

"""党费 on a phone (WeChat's browser): a member opens 我的 › 我的党费 and sees her amount, how it
was computed (her base, to her only), her arrears and her payment history; signed out the page
asks her to log in. A secretary opens 我的 › 党费收缴, records a cash payment for her through the
dialog, and sees her row turn 已交清 and the branch's collection rate change."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from chalicelib import dues_collection as dc
from chalicelib.models import OrgUnit
from chalicelib.models.dues_collection import DuesPayment
from tests.e2e.signing import sign_in
from tests.integration.dues_rows import assess
from tools.fixtures import make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")

SECRETARY = "77000001"
MEMBER = "77000002"
CUR = dc.current_month()
PREV = dc.add_months(CUR, -1)


def test_member_sees_her_dues_and_secretary_records_cash(site, phone: Page, second_phone: Page):
    make_tree()
    secretary = make_member(SECRETARY, "B1", name="周书记", roles=("branch_secretary",))
    member = make_member(MEMBER, "B1", name="吴党员")
    for who in (secretary, member):
        assess(who.member_no, 2500, "2026-01", base_fen=500000,
               bracket="税后月工资收入 3000 元以上至 5000 元（含），按 1% 交纳")  # fmt: skip
    path = list(OrgUnit.get("B1").path)
    dc.open_member_month(member, path, PREV)  # last month, unpaid: arrears
    dc.record(dc.PaymentIn("bank:E2E0001", MEMBER, 1000, dc.clock.today().isoformat(), "bank",
                           "bank.csv:2", "import"))  # fmt: skip

    # Signed out: the prompt, no personal data.
    second_phone.goto(f"{site.url}/dues.html")
    expect(second_phone.locator("#dues-login")).to_be_visible()
    expect(second_phone.locator("#dues-view")).to_be_hidden()

    # The member: 我的 › 我的党费.
    sign_in(phone, site.url, MEMBER, "/me.html")
    phone.get_by_role("link", name=re.compile("我的党费")).click()
    expect(phone).to_have_url(re.compile(r"/dues\.html$"))
    expect(phone.locator("#dues-amount")).to_have_text("25.00 元")
    expect(phone.locator("#dues-bracket")).to_contain_text("按 1% 交纳")
    expect(phone.locator("#dues-base")).to_have_text("5000.00 元/月")
    expect(phone.locator("#dues-state")).to_contain_text("尚欠 40.00 元")
    months = phone.locator("#dues-months .dues-row")
    expect(months).to_have_count(2)
    expect(months.first).to_contain_text("未交")
    expect(months.nth(1)).to_contain_text("部分交纳")
    history = phone.locator("#dues-payments .dues-row")
    expect(history).to_have_count(1)
    expect(history.first).to_contain_text("10.00 元")
    expect(history.first).to_contain_text("流水号 E2E0001")

    # The secretary: 我的 › 党费收缴, her branch's month.
    sign_in(second_phone, site.url, SECRETARY, "/me.html")
    second_phone.get_by_role("link", name=re.compile("党费收缴")).click()
    expect(second_phone).to_have_url(re.compile(r"/dues-desk\.html\?unit=B1"))
    expect(second_phone.locator("#dd-unit")).to_have_text("第一党支部")
    totals = second_phone.locator("#dd-totals")
    expect(totals).to_contain_text("已交清 0 人")
    expect(totals).to_contain_text("收缴率 0.0%")
    row = second_phone.locator("#dd-rows .dues-row", has_text="吴党员")
    expect(row).to_contain_text("未交")
    expect(second_phone.locator("#dd-figures")).to_contain_text("第一党支部（合计）")
    expect(second_phone.locator("#dd-figures")).not_to_contain_text("基数")
    row.get_by_role("button", name="为吴党员记录现金交纳").click()
    dialog = second_phone.get_by_role("dialog")
    expect(dialog).to_contain_text("记录现金交纳：吴党员")
    dialog.get_by_role("textbox").fill("abc")
    dialog.get_by_role("button", name="记录").click()
    expect(dialog).to_contain_text("金额应为大于 0 的数字")
    dialog.get_by_role("textbox").fill("40")
    dialog.get_by_role("button", name="记录").click()
    expect(dialog).to_be_hidden()
    expect(row).to_contain_text("已交清")
    expect(totals).to_contain_text("已交清 1 人")
    expect(totals).to_contain_text("收缴率 50.0%")
    assert len(list(DuesPayment.by_member.query(MEMBER))) == 2

    # Back on her phone: arrears gone, two payments, the cash one with its months.
    phone.reload()
    expect(phone.locator("#dues-state")).to_contain_text("均已交清")
    expect(history).to_have_count(2)
    expect(history.first).to_contain_text("现金（支部代收）")

    # The secretary opens her payments and reverses the cash one, with a reason.
    second_phone.get_by_role("link", name="吴党员").click()
    expect(second_phone.locator("#dd-m-name")).to_have_text(f"吴党员（{MEMBER}）")
    cash = second_phone.locator("#dd-m-payments .dues-row", has_text="现金")
    cash.get_by_role("button", name="冲正").click()
    dialog = second_phone.get_by_role("dialog")
    dialog.get_by_role("textbox").fill("金额记错，重新记录")
    dialog.get_by_role("button", name="冲正").click()
    expect(cash).to_contain_text("已冲正")
    expect(cash).to_contain_text("冲正原因：金额记错，重新记录")
    expect(second_phone.locator("#dd-m-state")).to_contain_text("尚欠 40.00 元")


@pytest.mark.parametrize(
    ("roles", "path", "ready"),
    [
        ((), "/dues.html", "#dues-payments .dues-row"),
        (("branch_secretary",), "/dues-desk.html?unit=B1", "#dd-figures .dd-unit"),
    ],
)
def test_the_pages_fill_in_without_shifting(site, phone: Page, roles, path, ready) -> None:
    """Her amount, its bracket line (two or three lines), her base, arrears, months and payments;
    the desk's totals, rows and bars: all arrive late (slowed API) and move nothing on screen."""
    from tests.e2e.test_layout_shift import _returning_member, _shifts

    make_tree()
    who = make_member("76000001", "B1", name="赵敏", roles=roles)
    assess(who.member_no, 12345, "2026-01", bracket="税后月工资收入 10000 元以上，按 2% 交纳" * 2)
    dc.open_member_month(who, list(OrgUnit.get("B1").path), PREV)
    dc.record(dc.PaymentIn("bank:SHIFT001", who.member_no, 20000, dc.clock.today().isoformat(),
                           "bank", "bank.csv:2", "import"))  # fmt: skip
    tab = _returning_member(site, phone, path)
    tab.goto(f"{site.url}{path}")
    expect(tab.locator(ready).first).to_be_visible(timeout=20_000)
    shifts = _shifts(tab)
    assert sum(s["value"] for s in shifts) == 0, shifts

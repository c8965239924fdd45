"""季度检查 and 通报 in the browser over the demo organisation: the committee member 刘志强
(10000005) at a desk (1366×768) opens an inspection of two general branches, scores through the
grid (a deduction without its reason is refused at the field), downloads the workbook (it opens
with openpyxl and holds the grid's scores), and publishes the 通报 after the confirmation
dialog; the branch secretary 陈卫东 (10000001) on her phone (390×844, text at 1.3×) finds it
under 我的 › 检查通报, sees every unit's total and her general branch's comments only."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from playwright.sync_api import Browser, Page, expect

from chalicelib import inspections, registry
from chalicelib.inspection_checklist import checklist, points
from chalicelib.models import Member
from tests.e2e import layout_settled
from tests.e2e.conftest import _wechat_phone
from tests.e2e.signing import sign_in
from tools import seed_demo

pytestmark = pytest.mark.usefixtures("clean_tables")

COMMITTEE, SECRETARY = "10000005", "10000001"
# The layout rules every screen keeps (tests/e2e/test_layout.py): nothing at the edge, 44 px
# targets, no text under 12 px (1.3× in 大字模式), no overflow.


def layout_problems(page: Page, width: int, large: bool) -> list[str]:
    page.evaluate("large => document.documentElement.classList.toggle('large-text', large)", large)
    page.set_viewport_size({"width": width, "height": 844 if width < 600 else 768})
    page.evaluate("window.scrollTo(0, 0)")
    page.evaluate("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    options = {
        "edge": 12,
        "target": 44,
        "minFont": 15.6 if large else 12,
        "overflowOnly": width > 600,
    }
    # The console's tab row (_console.html, not this page's) scrolls sideways: its last tab
    # at the edge is the skeleton's to settle.
    found = layout_settled.problems(page, options, lambda p: "console-nav-item" not in p)
    return [f"[{width}px{' 大字' if large else ''}] {p}" for p in found]


def no_native_dialog(page: Page) -> None:
    def refuse(dialog) -> None:
        dialog.dismiss()
        raise AssertionError(f"a native dialog: {dialog.message}")

    page.on("dialog", refuse)


def test_a_committee_member_scores_and_publishes_a_secretary_reads_it(site, browser: Browser):
    seed_demo.seed()
    desk_ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    desk = desk_ctx.new_page()
    errors: list[str] = []
    desk.on("pageerror", lambda exc: errors.append(str(exc)))
    no_native_dialog(desk)
    sign_in(desk, site.url, COMMITTEE, "/console-inspection.html")
    expect(desk.locator("#ci-owner")).to_have_value("C01")
    units = desk.locator("#ci-units input")
    expect(units).to_have_count(12)  # 4 general branches, 8 branches
    for name in ("营销服务党总支", "运维检修党总支", "基层供电所党总支"):
        desk.get_by_label(name).uncheck()
    desk.fill("#ci-name", "第四季度党建工作检查")
    desk.click("#ci-open-btn")
    expect(desk).to_have_url(re.compile(r"/console-inspection\.html\?id=in_"))
    iid = desk.url.split("id=")[1]
    expect(desk.locator("#ci-grid thead th")).to_have_text(["检查项目", "机关党总支"])
    # One cell in the grid: a deduction without its reason is refused at the field.
    first = checklist().items[0]
    score = desk.get_by_label(re.compile(f"机关党总支「{first.label}」得分"))
    score.fill(str(points(first.max_tenths - 10)))
    desk.get_by_role("button", name=f"保存机关党总支「{first.label}」").click()
    comment = desk.get_by_label(f"机关党总支「{first.label}」检查意见")
    expect(comment).to_have_attribute("aria-invalid", "true")
    expect(desk.locator(".ci-cell .ci-error").first).to_contain_text("扣分")
    comment.fill("旬沟通记录缺两次，请补齐。")
    desk.get_by_role("button", name=f"保存机关党总支「{first.label}」").click()
    expect(desk.locator(".ci-cell .ci-status").first).to_contain_text("已保存")
    # A score typed but not saved stays in this browser (a reload, a lost connection).
    second = checklist().items[1]
    desk.get_by_label(re.compile(f"机关党总支「{second.label}」得分")).fill("15")
    desk.reload()
    expect(desk.get_by_label(re.compile(f"机关党总支「{second.label}」得分"))).to_have_value("15")
    expect(desk.locator(".ci-cell .ci-status").nth(1)).to_have_text("未保存")
    # The other cells through the API (the same domain function the route calls).
    member = Member.get(COMMITTEE)
    caller = registry.caller_for(member)
    for item in checklist().items[1:]:
        body = {"unit_id": "G01", "item": item.key, "score": points(item.max_tenths), "comment": ""}
        inspections.score(caller, member, iid, body)
    desk.reload()
    total = points(checklist().full_tenths - 10)
    expect(desk.locator("[data-total='G01']")).to_have_text(f"{total} 分")
    # The workbook holds what the grid shows.
    with desk.expect_download() as download:
        desk.click("#ci-xlsx")
    from openpyxl import load_workbook

    path = download.value.path()
    rows = [
        [c.value for c in r] for r in load_workbook(BytesIO(path.read_bytes())).active.iter_rows()
    ]
    assert ["机关党总支", "合计", None, 100, total, None] == rows[-1][:6]
    assert any(r[5] == "旬沟通记录缺两次，请补齐。" for r in rows)
    # The grid on a phone: usable at 390×844 (it scrolls sideways inside its frame).
    assert layout_problems(desk, 390, False) == []
    desk.set_viewport_size({"width": 1366, "height": 768})
    # Publish: the summary first, then the confirmation dialog (dialog.js, not the browser's).
    desk.click("#ci-publish-btn")
    expect(desk.locator("#ci-publish-error")).to_contain_text("通报正文")
    desk.fill("#ci-summary", "机关党总支本季度党建工作总体规范，旬沟通记录有缺漏，请限期整改。")
    desk.click("#ci-publish-btn")
    dialog = desk.get_by_role("dialog")
    expect(dialog).to_contain_text("评分锁定")
    dialog.get_by_role("button", name="确认发布").click()
    expect(desk.locator("#ci-grid-meta")).to_contain_text("发布通报")
    expect(desk.locator("#ci-publish")).to_be_hidden()
    expect(desk.locator(".ci-score")).to_have_count(0)  # locked: no inputs any more
    assert layout_problems(desk, 1366, False) == []
    desk_ctx.close()
    assert not errors, errors

    for phone in _wechat_phone(browser):
        no_native_dialog(phone)
        sign_in(phone, site.url, SECRETARY, "/me.html")
        phone.evaluate("document.documentElement.classList.add('large-text')")
        phone.get_by_role("link", name=re.compile("检查通报")).click()
        expect(phone).to_have_url(re.compile(r"/bulletins\.html$"))
        phone.evaluate("document.documentElement.classList.add('large-text')")
        item = phone.locator("#bl-list .bl-item", has_text="第四季度党建工作检查")
        expect(item).to_contain_text(f"机关党总支：{total} 分")
        item.click()
        expect(phone.locator("#bl-summary")).to_contain_text("限期整改")
        expect(phone.locator(".bl-unit.is-mine")).to_contain_text("机关党总支（本单位）")
        expect(phone.locator("#bl-comments")).to_contain_text("旬沟通记录缺两次，请补齐。")
        assert layout_problems(phone, 390, True) + layout_problems(phone, 390, False) == []

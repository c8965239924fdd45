"""The printable 三会一课记录本 (/meeting-book.html) on a phone (WeChat's browser) and a desktop:
the unit's meetings of the period as sheets of a paper 记录本 (who was there, who was away and
why, the minutes, the corrections); the period picker; 下载 Excel saves the workbook under its
Chinese name; printed (print media) there is no navigation and no tools, one meeting a page with
its heading repeated; a member without a role over the unit is told why and sees no record."""

from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Browser, Page, expect

from chalicelib import clock
from tests.e2e.signing import sign_in
from tests.integration.test_meeting_book import SECRETARY, held_theme_day, put_meeting
from tools.fixtures import make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")

BOOK = "/meeting-book.html?unit=B1&from=2026-10&to=2026-11"
# What a reviewer looks at: the phone's page and the printed book (git-ignored).
SHOTS = Path(__file__).resolve().parents[2] / "var" / "test-output" / "meeting-book"


@pytest.fixture
def book(site):
    units = make_tree()
    make_member(SECRETARY, "B1", name="陈书记", roles=("branch_secretary",))
    make_member("71000008", "B1", name="周委员", roles=("branch_committee",))
    make_member("71000002", "B1", name="李党员")
    held_theme_day(units)
    put_meeting(units["B1"], "mt_book_comm_1105", "branch_committee", "研究十二月工作",
                datetime(2026, 11, 5, 16, 0, tzinfo=clock.TZ), state="scheduled")  # fmt: skip
    put_meeting(units["B1"], "mt_book_lect_1120", "party_lecture", "书记讲党课",
                datetime(2026, 11, 20, 15, 0, tzinfo=clock.TZ), host=SECRETARY,
                minutes="讲授党课。\n" * 200, decisions=["讲稿在支部园地公布"])  # fmt: skip
    return units


def the_book_is_shown(page: Page) -> None:
    sheets = page.locator("#mb-meetings .mb-meeting")
    expect(sheets).to_have_count(3)
    expect(page.locator("#mb-title")).to_have_text("第一党支部三会一课记录本")
    expect(page.locator("#mb-sub")).to_contain_text(
        "2026年10月至2026年11月 · 共 3 次会议，已归档 2 次"
    )
    first = sheets.nth(0)
    expect(first.locator(".mb-sheet-head")).to_contain_text("第 1 次")
    expect(first.locator(".mb-sheet-head")).to_contain_text("主题党日")
    expect(first.locator(".mb-topic")).to_contain_text("重温入党誓词")
    expect(first).to_contain_text("应到 5 人，实到 3 人")
    expect(first).to_contain_text("王缺席（无故缺席）；赵请假（请假：出差外地）")
    expect(first).to_contain_text("孙列席")
    expect(first.locator(".mb-minutes")).to_contain_text("全体党员重温入党誓词。")
    expect(first.locator(".mb-corrections li")).to_have_count(2)
    expect(first.locator(".mb-corrections")).to_contain_text("原因：手机没电，会后核实")
    expect(sheets.nth(1).locator(".mb-sheet-head")).to_contain_text("记录未提交")


def printed(page: Page) -> None:
    """Print media: no navigation, no tools; one meeting a page, its heading repeated."""
    page.emulate_media(media="print")
    for selector in (".topbar", ".tabbar", ".footer", "#mb-form"):
        expect(page.locator(selector)).to_be_hidden()
    expect(page.locator("#mb-meetings .mb-meeting").first).to_be_visible()
    styles = page.evaluate(
        """() => [...document.querySelectorAll('.mb-meeting')].map((m) => [
             getComputedStyle(m).breakBefore,
             getComputedStyle(m.querySelector('thead')).display])"""
    )
    assert styles == [["page", "table-header-group"]] * 3
    page.emulate_media(media="screen")
    expect(page.locator(".tabbar")).to_be_visible()


def test_on_a_phone(book, site, phone: Page):
    sign_in(phone, site.url, SECRETARY, BOOK)
    the_book_is_shown(phone)
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SHOTS / "phone.png"), full_page=True)
    # Nothing wider than the phone; the actions are large enough to tap.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    for button in ("#mb-xlsx", "#mb-print", "#mb-apply"):
        expect(phone.locator(button)).to_be_enabled()
        assert phone.locator(button).bounding_box()["height"] >= 44
    printed(phone)
    # The period picker: one month, kept in the address.
    phone.fill("#mb-from", "2026-10")
    phone.fill("#mb-to", "2026-10")
    phone.click("#mb-apply")
    expect(phone.locator("#mb-meetings .mb-meeting")).to_have_count(1)
    expect(phone).to_have_url(re.compile(r"unit=B1&from=2026-10&to=2026-10$"))
    # Without a unit: her own branch.
    phone.goto(f"{site.url}/meeting-book.html?from=2026-11&to=2026-11")
    expect(phone.locator("#mb-meetings .mb-meeting")).to_have_count(2)
    expect(phone.locator("#mb-title")).to_have_text("第一党支部三会一课记录本")


def test_on_a_desktop_download_and_print(book, site, browser: Browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    try:
        sign_in(page, site.url, SECRETARY, BOOK)
        the_book_is_shown(page)
        with page.expect_download() as info:
            page.click("#mb-xlsx")
        download = info.value
        assert download.suggested_filename == "第一党支部三会一课记录2026-10至2026-11.xlsx"
        wb = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
        records = list(wb["会议记录"].iter_rows(values_only=True))
        assert [r[2] for r in records[1:]] == ["重温入党誓词", "研究十二月工作", "书记讲党课"]
        printed(page)
        page.emulate_media(media="print")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "print.png"), full_page=True)
        # As the browser prints it: the cover, then each meeting from a new page (the long
        # lecture over more than one).
        pdf = page.pdf(format="A4")
        SHOTS.mkdir(parents=True, exist_ok=True)
        (SHOTS / "book.pdf").write_bytes(pdf)
        pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
        assert pages >= 5, pages
    finally:
        context.close()


def test_a_member_without_a_role_sees_no_record(book, site, phone: Page):
    sign_in(phone, site.url, "71000002", BOOK)
    expect(phone.locator("#mb-error")).to_contain_text("无权查看")
    expect(phone.locator("#mb-meetings .mb-meeting")).to_have_count(0)
    expect(phone.locator("#mb-xlsx")).to_be_disabled()


def test_the_layout_rules_of_every_screen(book, site, phone: Page):
    """The rules tests/e2e/test_layout.py holds every screen to (no overflow, 12 px from the
    edges, 44 px targets, no overlap, legible and contrasted text), at phone widths, in normal
    and large text, with the book filled in."""
    from tests.e2e.test_layout import measure

    sign_in(phone, site.url, SECRETARY, BOOK)
    expect(phone.locator("#mb-meetings .mb-meeting")).to_have_count(3)
    # The sign-in's points toast floats over the page for a moment: measured without it.
    expect(phone.locator(".dj-toast")).to_have_count(0)
    problems = [
        f"[{width}px{' 大字' if large else ''}] {p}"
        for large in (False, True)
        for width in (320, 360, 390, 768)
        for p in measure(phone, width, large)
    ]
    assert not problems, "\n".join(problems[:40])

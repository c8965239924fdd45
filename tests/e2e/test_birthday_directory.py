"""政治生日 and 通讯录 on a phone (WeChat's browser).

- A member who joined on this day (the server's Asia/Shanghai day) some years ago: the home page
  links to her card; the card says her name, the date she joined and the years, the picture is
  drawn (a PNG with pixels, shown at the phone's width) and says how to keep or send it; the
  page passes the layout rules in normal and large text (1.3×), where the picture is redrawn.
- A colleague finds her in 通讯录 by part of her name and gets a tel: link (a target of at least
  44 px); a member of another branch finds her without her phone number.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from chalicelib import clock
from tests.e2e.signing import sign_in
from tests.e2e.test_layout import measure
from tools.directory_index import rebuild
from tools.fixtures import make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")

HER = "77000001"
COLLEAGUE = "77000002"
OTHER = "77000003"


def joined_years_ago(n: int) -> str:
    today = clock.today()
    return (today.replace(year=today.year - n) if (today.month, today.day) != (2, 29)
            else today - timedelta(days=365 * n)).isoformat()  # fmt: skip


@pytest.fixture
def org(site):
    make_tree()
    make_member(HER, "B1", name="王红", phone="13912345678", joined_on=joined_years_ago(20))
    make_member(COLLEAGUE, "B1", name="李明", phone="13900000002", joined_on="2001-07-01")
    make_member(OTHER, "B2", name="张强", phone="13900000003", joined_on="2001-07-01")
    rebuild()


def test_the_card_on_her_political_birthday(site, org, phone: Page):
    sign_in(phone, site.url, HER, "/index.html")
    link = phone.locator("#today-side a", has_text="政治生日贺卡")
    expect(link).to_be_visible()
    link.click()
    expect(phone).to_have_url(re.compile(r"/birthday\.html$"))
    expect(phone.locator("#bd-title")).to_have_text("政治生日快乐")
    expect(phone.locator("#bd-name")).to_have_text("王红")
    expect(phone.locator("#bd-years")).to_have_text("20")
    joined = joined_years_ago(20)
    y, m, d = (int(x) for x in joined.split("-"))
    expect(phone.locator("#bd-joined")).to_have_text(f"{y}年{m}月{d}日")
    expect(phone.locator("#bd-line")).to_have_text(re.compile("二十"))
    expect(phone.locator("#bd-org")).to_have_text("示范党委")
    # The sign-in gave the year's 政治生日 points; the card says so.
    expect(phone.locator("#bd-points")).to_have_text("今年的政治生日积分 5 分（红能量）已计入")
    image = phone.locator("#bd-image")
    expect(image).to_be_visible()
    expect(phone.locator(".bd-save")).to_have_text("长按图片，发送给朋友或保存")
    assert image.evaluate("i => i.src.startsWith('data:image/png')")
    assert image.evaluate("i => i.complete && i.naturalWidth") == 750
    assert image.evaluate("i => i.naturalHeight") == 1000
    assert "王红" in image.get_attribute("alt") and "20" in image.get_attribute("alt")
    # Shown at nearly the phone's width: its smallest text (32 of 750 px) is ≥ 13 CSS px.
    shown = image.evaluate("i => i.getBoundingClientRect().width")
    assert shown >= 340 and 32 * shown / 750 >= 13
    # The picture has pixels: the red ground and some light text drawn on it.
    colours = image.evaluate(
        """i => { const c = document.createElement('canvas'); c.width = 750; c.height = 1000;
        const x = c.getContext('2d'); x.drawImage(i, 0, 0);
        const d = x.getImageData(0, 0, 750, 1000).data; let red = 0, light = 0;
        for (let p = 0; p < d.length; p += 4 * 97) {
          if (d[p] > 150 && d[p + 1] < 80) red++; if (d[p] > 230 && d[p + 1] > 200) light++; }
        return [red, light]; }"""
    )
    assert colours[0] > 5000 and colours[1] > 50, colours
    # The layout rules at phone widths, in normal text and in large text.
    for large in (False, True):
        for width in (320, 360, 390):
            assert measure(phone, width, large) == [], (width, large)
    # In large text (大字模式, 1.3×) the picture is drawn again, with larger letters.
    normal = image.get_attribute("src")
    phone.evaluate("localStorage.setItem('large_text', '1')")
    phone.reload()
    expect(phone.locator("#bd-image")).to_be_visible()
    assert phone.evaluate("document.documentElement.classList.contains('large-text')")
    large = phone.locator("#bd-image").get_attribute("src")
    assert large.startswith("data:image/png") and large != normal


def test_other_days_and_signed_out(site, org, phone: Page):
    phone.goto(f"{site.url}/birthday.html")
    expect(phone.locator("#bd-login")).to_be_visible()
    sign_in(phone, site.url, COLLEAGUE, "/birthday.html")
    expect(phone.locator("#bd-other")).to_be_visible()
    expect(phone.locator("#bd-o-joined")).to_have_text("2001年7月1日")
    expect(phone.locator("#bd-o-next")).to_contain_text("7月1日")
    expect(phone.locator("#bd-day")).to_be_hidden()


def test_directory_search_and_tap_to_call(site, org, phone: Page, second_phone: Page):
    sign_in(phone, site.url, COLLEAGUE, "/me.html")
    phone.get_by_role("link", name=re.compile("通讯录")).click()
    expect(phone).to_have_url(re.compile(r"/directory\.html$"))
    expect(phone.locator("#dir-search")).to_be_enabled()
    phone.fill("#dir-q", "红")
    phone.click("#dir-search")
    person = phone.locator(".dir-person", has_text="王红")
    expect(person).to_be_visible()
    call = person.locator("a.dir-call")
    expect(call).to_have_attribute("href", "tel:13912345678")
    box = call.bounding_box()
    assert box and box["width"] >= 44 and box["height"] >= 44
    expect(phone.locator("#dir-status")).to_have_text("找到 1 位同志")
    # Bad input: said in Chinese on the page, nothing asked.
    phone.fill("#dir-q", "138")
    phone.click("#dir-search")
    expect(phone.locator("#dir-error")).to_have_text("姓名只能包含汉字、字母、空格和“·”")
    # By branch.
    phone.select_option("#dir-branch", "B2")
    expect(phone.locator(".dir-person", has_text="张强")).to_be_visible()
    expect(phone.locator(".dir-person", has_text="张强").locator("a.dir-call")).to_have_count(0)

    # A member of another branch finds her, without her phone.
    sign_in(second_phone, site.url, OTHER, "/directory.html")
    expect(second_phone.locator("#dir-search")).to_be_enabled()
    second_phone.fill("#dir-q", "王")
    second_phone.click("#dir-search")
    found = second_phone.locator(".dir-person", has_text="王红")
    expect(found).to_be_visible()
    expect(found).to_contain_text("第一党支部")
    expect(found.locator("a.dir-call")).to_have_count(0)
    assert "13912345678" not in second_phone.content()


def test_the_pages_fill_in_without_shifting(site, phone: Page):
    """A returning member (a new tab: no access token yet) on a slow network: the card and the
    staff's month on 政治生日, the branch picker on 通讯录, arrive late and move nothing."""
    from tests.e2e.test_layout_shift import _returning_member, _shifts

    make_tree()
    make_member(
        "76000001", "B1", name="赵敏", roles=("branch_secretary",), joined_on=joined_years_ago(30)
    )
    rebuild()
    tab = _returning_member(site, phone, "/birthday.html")
    tab.goto(f"{site.url}/birthday.html")
    expect(tab.locator("#bd-list .bd-row")).to_have_count(1, timeout=20_000)
    expect(tab.locator("#bd-image")).to_be_visible()
    expect(tab.locator("#bd-list .bd-round")).to_have_text("30 周年")
    shifts = _shifts(tab)
    assert sum(s["value"] for s in shifts) == 0, shifts
    tab.goto(f"{site.url}/directory.html")
    expect(tab.locator("#dir-branch")).to_be_enabled(timeout=20_000)
    shifts = _shifts(tab)
    assert sum(s["value"] for s in shifts) == 0, shifts

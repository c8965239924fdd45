"""红能量 on a phone: a member opens 我的 › 红能量, sees her balance from her earned points,
redeems a book in the dialog and sees her balance drop, the order 待发放 and the movement; the
branch secretary hands it over on 红能量管理 and the member sees 已发放. A donation fills part of
a project's progress bar."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from chalicelib import clock
from chalicelib.models import PointTotal
from tests.e2e.signing import sign_in
from tools.fixtures import make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")

SECRETARY = "76000001"
MEMBER = "76000002"


def sign_out(phone: Page, url: str) -> None:
    phone.goto(f"{url}/about.html")
    phone.evaluate("() => { sessionStorage.clear(); localStorage.clear(); }")
    phone.context.clear_cookies()


def test_a_member_redeems_an_item_and_staff_hand_it_over(site, phone: Page):
    make_tree()
    make_member(SECRETARY, "B1", name="钱书记", roles=("branch_secretary",))
    make_member(MEMBER, "B1", name="李党员")
    today = clock.today()
    PointTotal(MEMBER, f"y{today.year}", points=80, months={f"{today.month:02d}": 80}).save()

    # The secretary stocks a book and opens a project on her desk.
    sign_in(phone, site.url, SECRETARY, "/me.html")
    phone.get_by_role("link", name=re.compile("红能量管理")).click()
    expect(phone).to_have_url(re.compile(r"/red-energy-desk\.html"))
    expect(phone.locator("#rd-unit")).to_have_text("第一党支部")
    expect(phone.locator("#ni-submit")).to_be_enabled()
    phone.fill("#ni-title", "《中国共产党章程》")
    phone.fill("#ni-cost", "30")
    phone.fill("#ni-stock", "5")
    phone.click("#ni-submit")
    stocked = phone.locator("#rd-items .re-row", has_text="中国共产党章程")
    expect(stocked).to_contain_text("库存 5 件")
    phone.fill("#np-title", "困难党员帮扶")
    phone.fill("#np-target", "100")
    phone.fill("#np-deadline", today.replace(year=today.year + 1).isoformat())
    phone.click("#np-submit")
    expect(phone.locator("#rd-projects .re-row", has_text="困难党员帮扶")).to_contain_text(
        "已筹 0 / 100"
    )
    sign_out(phone, site.url)

    sign_in(phone, site.url, MEMBER, "/me.html")
    phone.get_by_role("link", name=re.compile("红能量")).first.click()
    expect(phone).to_have_url(re.compile(r"/red-energy\.html$"))
    # 80 earned, plus what signing in and opening pages awards today.
    expect(phone.locator("#re-balance")).to_have_text(re.compile(r"^[0-9]+$"))
    start = int(phone.locator("#re-balance").inner_text())
    assert start >= 80
    book = phone.locator("#re-items .re-row", has_text="中国共产党章程")
    expect(book).to_contain_text("剩余 5 件")
    book.get_by_role("button", name="兑换").click()
    dialog = phone.get_by_role("dialog")
    expect(dialog).to_contain_text(f"每件 30 红能量，您的余额 {start}")
    dialog.get_by_role("button", name="兑换").click()
    expect(phone.locator("#re-balance")).to_have_text(str(start - 30))
    expect(phone.locator("#re-figures")).to_have_text(f"累计获得 {start} · 已使用 30")
    expect(phone.locator("#re-orders .re-row", has_text="中国共产党章程》 × 1")).to_contain_text(
        "待发放"
    )
    expect(phone.locator("#re-moves .re-row").first).to_contain_text("兑换：《中国共产党章程》")
    expect(phone.locator("#re-moves .re-row").first).to_contain_text("-30")
    expect(book).to_contain_text("剩余 4 件")

    project = phone.locator("#re-projects .re-row", has_text="困难党员帮扶")
    project.get_by_role("button", name="捐赠").click()
    dialog = phone.get_by_role("dialog")
    dialog.get_by_label("捐赠数额").fill("20")
    dialog.get_by_role("button", name="捐赠").click()
    phone.get_by_role("dialog").get_by_role("button", name="确认捐赠").click()
    expect(phone.locator("#re-balance")).to_have_text(str(start - 50))
    expect(project).to_contain_text("已筹 20 / 100 红能量（20%）")
    sign_out(phone, site.url)

    sign_in(phone, site.url, SECRETARY, "/red-energy-desk.html")
    order = phone.locator("#rd-open .re-row", has_text="李党员")
    order.get_by_role("button", name="发放").click()
    phone.get_by_role("dialog").get_by_role("button", name="已发放").click()
    expect(phone.locator("#rd-open-empty")).to_be_visible()
    expect(phone.locator("#rd-closed .re-row", has_text="李党员")).to_contain_text("已发放")
    sign_out(phone, site.url)

    sign_in(phone, site.url, MEMBER, "/red-energy.html")
    expect(phone.locator("#re-orders .re-row").first).to_contain_text("已发放")
    expect(phone.locator("#re-figures")).to_contain_text("已使用 50")


def test_a_lost_answer_then_a_second_tap_spends_once(site, phone: Page):
    """The server redeems, the network loses its answer; she taps 兑换 again: the page sends the
    same request (its id kept until an answer), the server answers the first outcome, one spend.
    A later, new redemption gets a new id."""
    from chalicelib import red_energy_catalog as catalog
    from chalicelib import registry
    from chalicelib.models.red_energy import RedEnergyMovement, RedEnergyOffer, RedEnergyWallet
    from tools.fixtures import rid

    make_tree()
    staff = make_member(SECRETARY, "B1", name="钱书记", roles=("branch_secretary",))
    make_member(MEMBER, "B1", name="李党员")
    today = clock.today()
    PointTotal(MEMBER, f"y{today.year}", points=80, months={f"{today.month:02d}": 80}).save()
    body = {"title": "党员学习笔记本", "cost": 20, "stock": 5, "request_key": rid()}
    item, _ = catalog.create_offer(registry.caller_for(staff), staff, "B1", "item", body)

    keys: list[str] = []

    def lose_the_first_answer(route):
        keys.append(route.request.post_data_json["request_key"])
        if len(keys) == 1:
            route.fetch()  # the server handles it …
            route.abort("connectionreset")  # … and the phone never hears back
        else:
            route.continue_()

    sign_in(phone, site.url, MEMBER, "/red-energy.html")
    phone.route("**/api/red-energy/redemptions", lose_the_first_answer)
    row = phone.locator("#re-items .re-row", has_text="党员学习笔记本")
    row.get_by_role("button", name="兑换").click()
    phone.get_by_role("dialog").get_by_role("button", name="兑换").click()
    expect(phone.locator("#re-error")).to_contain_text("网络异常")
    row.get_by_role("button", name="兑换").click()
    phone.get_by_role("dialog").get_by_role("button", name="兑换").click()
    expect(phone.locator(".dj-toast-region")).to_contain_text("兑换成功")
    assert len(keys) == 2 and keys[0] == keys[1]
    assert int(RedEnergyWallet.get(MEMBER, consistent_read=True).spent) == 20
    assert len(list(RedEnergyMovement.query(MEMBER, consistent_read=True))) == 1
    unit, rest = item["id"].split(".", 1)
    assert int(RedEnergyOffer.get(unit, f"item#{rest}", consistent_read=True).stock) == 4
    # Answered: the next redemption of the same item is a new one.
    row.get_by_role("button", name="兑换").click()
    phone.get_by_role("dialog").get_by_role("button", name="兑换").click()
    expect(phone.locator("#re-items .re-row", has_text="党员学习笔记本")).to_contain_text(
        "剩余 3 件"
    )
    assert len(keys) == 3 and keys[2] != keys[0]
    assert int(RedEnergyWallet.get(MEMBER, consistent_read=True).spent) == 40


def test_a_lost_answer_on_the_desk_adds_one_item(site, phone: Page):
    """Her 新增 reaches the server, its answer is lost; she taps 新增 again: one item."""
    from chalicelib.models.red_energy import RedEnergyOffer

    make_tree()
    make_member(SECRETARY, "B1", name="钱书记", roles=("branch_secretary",))
    keys: list[str] = []

    def lose_the_first_answer(route):
        keys.append(route.request.post_data_json["request_key"])
        if len(keys) == 1:
            route.fetch()
            route.abort("connectionreset")
        else:
            route.continue_()

    sign_in(phone, site.url, SECRETARY, "/red-energy-desk.html")
    expect(phone.locator("#ni-submit")).to_be_enabled()
    phone.route("**/api/red-energy/units/B1/items", lose_the_first_answer)
    phone.fill("#ni-title", "党员学习笔记本")
    phone.fill("#ni-cost", "20")
    phone.fill("#ni-stock", "5")
    phone.click("#ni-submit")
    expect(phone.locator("#ni-error")).to_contain_text("网络异常")
    phone.click("#ni-submit")
    expect(phone.locator("#rd-items .re-row", has_text="党员学习笔记本")).to_contain_text(
        "库存 5 件"
    )
    assert len(keys) == 2 and keys[0] == keys[1]
    assert len(list(RedEnergyOffer.query("B1", consistent_read=True))) == 1

"""我的 → 我的数据 on a phone (390×844): her records in readable sections with Chinese labels, the
JSON file offered with a target of at least 44 px, and the layout rules in normal and large text
(1.3×). And the 管理员's 删除个人信息 on a departed member's row of the 党务工作台."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect

from chalicelib.models import Member
from tests.e2e.signing import sign_in
from tests.e2e.test_layout import measure
from tools.fixtures import bearer, make_item, make_member, make_tree, rid

pytestmark = pytest.mark.usefixtures("clean_tables")

HER = "77100001"
COMMENT = "学习党章要联系实际，知行合一，这是我的点评。"


@pytest.fixture
def org(site):
    make_tree()
    her = make_member(HER, "B1", name="赵丽", phone="13912340001")
    make_member("77100002", "B1", name="钱进", phone="13912340002")
    make_item("md1")
    r = requests.post(
        f"{site.url}/api/articles/md1/comments",
        json={"text": COMMENT, "request_id": rid()},
        headers=bearer(her),
        timeout=30,
    )
    assert r.status_code == 201, r.text


def test_her_data_on_a_phone(site, org, phone: Page) -> None:
    phone.set_viewport_size({"width": 390, "height": 844})
    sign_in(phone, site.url, HER, "/me.html")
    phone.get_by_role("link", name=re.compile("我的数据")).click()
    expect(phone).to_have_url(re.compile(r"/my-data\.html$"))
    expect(phone.locator("#md-status")).to_have_text(re.compile(r"^共 \d+ 类、\d+ 条记录$"))
    sections = phone.locator(".md-section h2")
    expect(sections.first).to_have_text(re.compile(r"^党员名册（1）$"))
    expect(phone.locator(".md-section", has_text="学习点评")).to_contain_text(COMMENT)
    expect(phone.locator(".md-row", has_text="姓名")).to_contain_text("赵丽")
    assert "钱进" not in phone.locator("#md-sections").inner_text()
    # The intro points to the foot: each kind of record's purpose and retention (the map's).
    expect(phone.locator("#md-purposes")).to_contain_text("用途和保存期限")
    expect(phone.locator("#md-purposes .md-item", has_text="学习点评")).to_contain_text("保存期限")
    button = phone.locator("#md-download")
    expect(button).to_be_enabled()
    box = button.bounding_box()
    assert box and box["height"] >= 44 and box["width"] >= 44
    with phone.expect_download() as got:
        button.click()
    data = json.loads(Path(got.value.path()).read_text(encoding="utf-8"))
    assert data["member_no"] == HER and data["sections"][0]["label"] == "党员名册"
    for large in (False, True):
        assert measure(phone, 390, large) == [], large


def test_the_admin_deletes_a_departed_members_data(site, phone: Page) -> None:
    """党务工作台 › 党员与组织: a departed member's row offers 删除个人信息 to staff; the form asks
    for her number again (a wrong one is shown at the field), then her row shows （已删除）."""
    make_tree()
    make_member("77100009", "B3", name="周管理", roles=("admin",))
    make_member("77100003", "B1", name="孙离", phone="13912340003", active=False)
    phone.set_viewport_size({"width": 390, "height": 844})
    sign_in(phone, site.url, "77100009", "/console-registry.html?unit=B1")
    expect(phone.locator("#rg-tree")).to_have_attribute("aria-busy", "false")
    phone.get_by_role("button", name="删除 孙离 的个人信息").click()
    form = phone.locator("#rg-erase-form")
    expect(form).to_be_visible()
    form.locator("input[name=confirm]").fill("77100004")
    form.get_by_role("button", name="删除个人信息").click()
    expect(form.locator("[data-field=confirm] .rg-field-error")).to_contain_text("党员编号")
    assert Member.get("77100003", consistent_read=True).name == "孙离"
    form.locator("input[name=confirm]").fill("77100003")
    form.get_by_role("button", name="删除个人信息").click()
    expect(form).to_be_hidden()
    expect(phone.locator("#rg-members-body")).to_contain_text("（已删除）")
    expect(phone.get_by_role("button", name=re.compile("删除 .* 的个人信息"))).to_have_count(0)
    gone = Member.get("77100003", consistent_read=True)
    assert gone.name == "（已删除）" and gone.phone is None

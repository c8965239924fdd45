"""考核评价 in the console, at a desktop's 1366×768 and a phone's 390×844, over the demo
organisation as `make dev` leaves it (demo_assessment.py): the 支部书记 (10000001) opens her
branch, sees the branch's score and its members' scores, enters 民主评议 grades — 基本合格
without a reason is refused at the reason field, with one it is saved — sees the platform's
score beside each grade and exports the list (the workbook holds what the page shows); on the
desktop the 党委委员 (10000005) sees the committee's ranked branches, the 红黑榜 and the counts
per grade."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect

from chalicelib import clock, points_ledger
from chalicelib.models import Member
from tests.e2e.signing import sign_in
from tools import demo_assessment, seed_demo

SECRETARY = "10000001"
COMMITTEE = "10000005"
VIEWPORTS = {"desktop": (1366, 768), "phone": (390, 844)}


@pytest.fixture(scope="module")
def demo(site):
    from tools.tables import truncate_all

    truncate_all()
    seed_demo.seed()
    # Some study this month, more in the first branches: the branches' scores differ.
    day = clock.today().isoformat()
    for m in Member.scan():
        rank = int(m.branch_id[1:3]) * 2 + int(m.branch_id[3:])  # B0101 → 3 … B0402 → 10
        if int(m.member_no) % rank < 3:
            line = points_ledger.Line(f"article_read#e2e{m.member_no}", 1, 0, None)
            points_ledger.add_line(m.member_no, day, line)
    demo_assessment.seed()
    return site


def _page(browser: Browser, size: tuple[int, int]) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": size[0], "height": size[1]}, locale="zh-CN", accept_downloads=True
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, errors


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_secretary_enters_grades_beside_the_scores(demo, browser, viewport, tmp_path) -> None:
    width, height = VIEWPORTS[viewport]
    pages = _page(browser, (width, height))
    page = next(pages)
    sign_in(page, demo.url, SECRETARY, "/console-assessment.html?unit=B0101")
    expect(page.locator("#as-unit")).to_contain_text("机关第一党支部")
    expect(page.locator("#as-branches tbody tr")).to_have_count(1)
    expect(page.locator("#as-members tbody tr").first).to_contain_text(re.compile(r"\d+\.\d"))
    expect(page.locator("#as-counts")).to_contain_text("优秀")
    # Never her own grade: her row has no form (a manager above enters it).
    own = page.locator("#as-grades tbody tr", has_text=SECRETARY)
    expect(own).to_have_count(1)
    expect(own.locator("select")).to_have_count(0)
    row = page.locator("#as-grades tbody tr", has=page.locator("select")).first
    name = row.locator("td").nth(1).inner_text()
    score = row.locator("td").nth(2).inner_text()
    assert re.fullmatch(r"\d+\.\d", score), score
    row.locator("select").select_option(label="基本合格")
    row.get_by_role("button", name="保存").click()
    expect(row.locator(".as-field-error").nth(1)).to_contain_text("须写明理由")
    expect(row.locator("input")).to_have_attribute("aria-invalid", "true")
    row.locator("input").fill("学习参与较少，需加强")
    row.get_by_role("button", name="保存").click()
    done = page.locator("#as-grades tbody tr", has_text=name)
    expect(done.locator(".as-grade")).to_have_text("基本合格")
    expect(done).to_contain_text(score)
    expect(page.locator("#as-counts")).to_contain_text("基本合格")
    # Nothing wider than the screen: the tables scroll inside their own box.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    with page.expect_download() as info:
        page.locator(".as-xlsx[data-table='grades']").click()
    path = tmp_path / "grades.xlsx"
    info.value.save_as(path)
    rows = [[c.value for c in r] for r in load_workbook(path).active.iter_rows()]
    mine = next(r for r in rows if r[1] == name)
    assert mine[3] == "基本合格" and mine[4] == "学习参与较少，需加强"
    assert float(mine[2]) == float(score)
    if viewport == "desktop":
        boss = next(_page(browser, (width, height)))
        sign_in(boss, demo.url, COMMITTEE, "/console-assessment.html")
        expect(boss.locator("#as-branches tbody tr")).to_have_count(8)
        expect(boss.locator("#as-branches thead")).to_contain_text("名次")
        expect(boss.locator("#as-rb-block")).to_be_visible()
        expect(boss.locator("#as-red li").first).to_contain_text("第 1 名")
        expect(boss.locator("#as-grades tbody tr")).not_to_have_count(0)
    next(pages, None)

"""The 党务工作台's pages in headless Chromium, at a desktop's 1366×768 and a phone's 390×844, over
the demo organisation with some points earned and the console's figures computed: a 党委委员
drills down committee → general branch → branch → member and back; compares the branches (each
chart's data equal to the table under it); exports a table as XLSX (the workbook's figures equal
the page's); opens the 数据分析报告, whose charts are drawn and which, printed, shows no navigation
and no buttons. The pages are served with the production CSP (infra/stack.yaml) and fail on any
violation (ECharts draws through the DOM's style properties, never inline styles), with every
chart hovered (desktop) or tapped (phone) so its tooltip shows. A plain member
is told in Chinese that the console is for staff, and sees no figure."""

from __future__ import annotations

import io
import random
import re
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
import yaml
from playwright.sync_api import Browser, Page, Route, expect

from tests.e2e import layout_settled
from tests.e2e.signing import sign_in

ROOT = Path(__file__).resolve().parents[2]
VIEWPORTS = {"desktop": (1366, 768), "phone": (390, 844)}
COMMITTEE_MEMBER = "10000005"  # 刘志强, 党委委员 of C01
PLAIN_MEMBER = "10000009"  # 李明, of 机关第一党支部 (B0101)
SHOTS = ROOT / "var" / "test-output" / "console"
# Text cut at the side of a wide table's own scrolling box is what that box is for.
SCROLLED = re.compile(r"^文字被截断：(?:t[hd]|a\.console-link)")
# The vendor module as the page loaded it (its hashed name), so the test reads the same charts.
CHART_DATA = """async (selector) => {
  const url = performance.getEntriesByType('resource').map((e) => e.name)
    .find((n) => /\\/vendor\\/echarts\\.[0-9a-f]{8}\\.js$/.test(n));
  const echarts = await import(url);
  const box = document.querySelector(selector + ' .console-chart');
  const option = echarts.getInstanceByDom(box).getOption();
  const horizontal = option.yAxis[0].type === 'category';
  return {
    names: (horizontal ? option.yAxis[0] : option.xAxis[0]).data,
    series: option.series.map((s) => s.data.map(Number)),
    shapes: box.querySelectorAll('svg path').length,
  };
}"""

HIDE_TIPS = """async () => {
  const url = performance.getEntriesByType('resource').map((e) => e.name)
    .find((n) => /\\/vendor\\/echarts\\.[0-9a-f]{8}\\.js$/.test(n));
  const echarts = await import(url);
  for (const box of document.querySelectorAll('.console-chart')) {
    echarts.getInstanceByDom(box)?.dispatchAction({ type: 'hideTip' });
  }
}"""


def production_csp() -> str:
    """The CloudFront CSP, resolved for a test origin (plain http: no upgrade of requests)."""
    stack = yaml.safe_load((ROOT / "infra" / "stack.yaml").read_text())
    config = stack["Resources"]["SecurityHeadersPolicy"]["Properties"]
    text = config["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]["ContentSecurityPolicy"][
        "ContentSecurityPolicy"
    ]["Fn::Sub"]
    text = re.sub(r"\$\{[^}]+\}", "x", text)
    return "; ".join(p for p in text.split("; ") if p != "upgrade-insecure-requests")


@pytest.fixture(scope="module")
def demo(site) -> dict[str, str]:
    """The demo organisation, points earned by about half its members (more in some branches
    than in others), the stream applied and the console's figures computed."""
    from chalicelib import clock, console_job, points
    from chalicelib.models import Member, OrgUnit
    from infra import stream_poller
    from tools import seed_demo
    from tools.tables import truncate_all

    truncate_all()
    stream_poller.skip()
    seed_demo.seed()
    rng = random.Random(17)
    today = clock.today()
    for member in sorted(Member.scan(), key=lambda m: m.member_no)[::2]:
        weight = int(member.branch_id[-1]) % 3 + 1  # branches differ
        for k in range(rng.randint(0, 2 * weight)):
            points.award(member.member_no, "article_read", f"console-e2e-{k}", day=today)
    stream_poller.drain()
    console_job.run()
    return {u.unit_id: u.name for u in OrgUnit.scan()}


@pytest.fixture(params=list(VIEWPORTS))
def screen(request, browser: Browser, site, demo) -> Iterator[Page]:
    width, height = VIEWPORTS[request.param]
    phone = request.param == "phone"
    context = browser.new_context(
        viewport={"width": width, "height": height},
        is_mobile=phone,
        has_touch=phone,
        device_scale_factor=1,  # CSS pixels are what is measured; screenshots stay small
        locale="zh-CN",
        accept_downloads=True,
    )
    csp = production_csp()

    def with_csp(route: Route) -> None:
        response = route.fetch()
        route.fulfill(
            response=response, headers={**response.headers, "content-security-policy": csp}
        )

    context.route(re.compile(r"/console[-a-z]*\.html"), with_csp)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    yield page
    context.close()
    assert not errors, f"errors on the page: {errors}"


def shot_name(page: Page) -> str:
    return "phone" if page.viewport_size["width"] < 600 else "desktop"


def table_rows(page: Page, selector: str) -> list[list[str]]:
    return page.eval_on_selector_all(
        f"{selector} tbody tr",
        "rows => rows.map((r) => [...r.cells].map((c) => c.textContent.trim()))",
    )


def no_layout_problems(page: Page) -> None:
    """tests/e2e/test_layout.py's rules (edges, 44 px targets, text size, contrast, overlaps),
    in normal and (on the phone) large text."""
    width = page.viewport_size["width"]
    for large in (False, True) if width < 600 else (False,):
        page.evaluate("l => document.documentElement.classList.toggle('large-text', l)", large)
        page.wait_for_timeout(100)  # the charts redraw at the new text size
        options = {
            "edge": 12,
            "target": 44,
            "minFont": 15.6 if large else 12,
            "overflowOnly": False,
        }
        problems = layout_settled.problems(page, options, lambda p: not SCROLLED.match(p))
        assert not problems, f"{page.url} at {width}px{' 大字' if large else ''}:\n" + "\n".join(
            problems[:40]
        )
    page.evaluate("document.documentElement.classList.remove('large-text')")


def show_every_tooltip(page: Page) -> None:
    """Hover (desktop) or tap (phone) across every chart on the page, as a user reading a bar's
    figure does: the tooltip must show and draw without an inline style (the fixture fails on any
    CSP violation)."""
    charts = page.locator(".console-chart")
    phone = page.viewport_size["width"] < 600
    for i in range(charts.count()):
        chart = charts.nth(i)
        expect(chart.locator("svg")).to_be_attached()
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        before = chart.locator("svg text").count()
        shown = False
        for fx in (0.35, 0.5, 0.65, 0.8):
            x, y = box["x"] + box["width"] * fx, box["y"] + box["height"] * 0.6
            if phone:
                page.touchscreen.tap(x, y)
            else:
                page.mouse.move(x, y)
            page.wait_for_timeout(150)
            shown = shown or chart.locator("svg text").count() > before
        assert shown, f"no tooltip on chart {i} of {page.url}"
    page.evaluate(HIDE_TIPS)  # a tapped tooltip stays until the next tap
    page.evaluate("window.scrollTo(0, 0)")


def test_drill_down_to_a_member_and_the_report(screen: Page, site, demo) -> None:
    page = screen
    sign_in(page, site.url, COMMITTEE_MEMBER, "/console.html")
    expect(page.locator("#cs-title")).to_have_text(demo["C01"])
    expect(page.locator("#cs-trail li")).to_have_count(1)
    expect(page.locator("#cs-cards [data-figure='members'] .console-card-value")).to_have_text(
        "178"
    )
    # Committee → general branch → branch → member, through the children tables' links.
    page.locator("#cs-children a", has_text=demo["G01"]).click()
    expect(page).to_have_url(re.compile(r"unit=G01"))
    expect(page.locator("#cs-title")).to_have_text(demo["G01"])
    expect(page.locator("#cs-trail li")).to_have_count(2)
    page.locator("#cs-children a", has_text=demo["B0101"]).click()
    expect(page.locator("#cs-title")).to_have_text(demo["B0101"])
    expect(page.locator("#cs-trail li")).to_have_count(3)
    expect(page.locator("#cs-members-sec")).to_be_visible()
    expect(page.locator("#cs-children-sec")).to_be_hidden()
    page.locator("#cs-members a", has_text="李明").click()
    expect(page).to_have_url(re.compile(r"/console-member\.html\?no=10000009"))
    expect(page.locator("#cm-name")).to_have_text("李明（10000009）")
    expect(page.locator("#cm-points-fig svg")).to_be_visible()
    assert len(table_rows(page, "#cm-points")) == 12
    show_every_tooltip(page)
    no_layout_problems(page)
    # The trail steps back up: the branch, then (back button) the same.
    page.go_back()
    expect(page.locator("#cs-title")).to_have_text(demo["B0101"])
    page.locator("#cs-trail a", has_text=demo["C01"]).click()
    expect(page.locator("#cs-title")).to_have_text(demo["C01"])
    # The data-quality card opens its list (the demo registry plants a few problems).
    problems = page.locator("#cs-cards [data-figure='data_quality'] .console-card-value")
    assert int(problems.inner_text()) > 0
    problems.click()
    expect(page.locator("#cs-quality tbody tr").first).to_be_visible()
    expect(page.locator("#cs-quality-note")).to_contain_text("共 ")
    no_layout_problems(page)

    # The report: every chart drawn, and printed without navigation or buttons.
    page.locator(".console-nav-item", has_text="分析报告").click()
    expect(page.locator("#cr-title")).to_have_text(f"{demo['C01']}数据分析报告")
    expect(page.locator("#cr-view")).to_have_attribute("aria-busy", "false")
    charts = page.locator("#cr-view .console-chart")
    assert charts.count() >= 6
    for i in range(charts.count()):
        expect(charts.nth(i).locator("svg")).to_be_attached()
    assert len(table_rows(page, "#cr-compare")) == 4  # the four general branches
    # The figures the API gives as they are now are 当前, never a previous period's (上期, 变化 —);
    # a share or average over today's members says so.
    summary = {r[0]: r for r in table_rows(page, "#cr-summary")}
    from chalicelib.console_figures import LABELS

    for key in (
        "members",
        "full",
        "probationary",
        "constitution_progress",
        "quiz_avg_score",
        "data_quality",
    ):
        assert summary[LABELS[key] + "（当前）"][2:] == ["—", "—"], summary
    assert summary[LABELS["points"]][3] != "—"
    assert LABELS["points_avg"] + "（按目前党员人数）" in summary
    expect(page.locator("#cr-summary-text")).to_contain_text("占目前党员人数的")
    show_every_tooltip(page)
    no_layout_problems(page)
    page.emulate_media(media="print")
    for hidden in (".console-nav", ".topbar", ".tabbar", "#cr-print", ".console-export"):
        expect(page.locator(hidden).first).to_be_hidden()
    expect(page.locator("#cr-summary")).to_be_visible()
    breaks = page.eval_on_selector_all(
        ".report-section", "s => s.map((e) => getComputedStyle(e).breakBefore)"
    )
    assert breaks == ["auto", "page", "page", "page"]
    SHOTS.mkdir(parents=True, exist_ok=True)  # what a reviewer looks at (git-ignored)
    page.screenshot(path=str(SHOTS / f"report-print-{shot_name(page)}.png"), full_page=True)
    page.emulate_media(media="screen")
    expect(page.locator(".console-nav")).to_be_visible()


def test_compare_branches_and_export(screen: Page, site, demo) -> None:
    page = screen
    sign_in(page, site.url, COMMITTEE_MEMBER, "/console.html?unit=G01")
    expect(page.locator("#cs-title")).to_have_text(demo["G01"])
    # 横向: the chosen figure's bars equal the table under them, for two figures.
    for figure in ("points_avg", "members"):
        page.select_option("#cs-compare-figure", figure)
        expect(page.locator("#cs-compare-table th[data-key]").first).to_be_visible()
        rows = table_rows(page, "#cs-compare-table")
        drawn = page.evaluate(CHART_DATA, "#cs-compare-fig")
        assert drawn["names"] == [r[0] for r in rows] == [demo["B0101"], demo["B0102"]]
        assert drawn["series"] == [[float(r[1]) for r in rows]]
        assert drawn["shapes"] >= len(rows)
    # Stacked 正式/预备, and the points distribution.
    rows = table_rows(page, "#cs-status-table")
    drawn = page.evaluate(CHART_DATA, "#cs-status-fig")
    assert drawn["series"] == [[float(r[1]) for r in rows], [float(r[2]) for r in rows]]
    rows = table_rows(page, "#cs-bands-table")
    assert page.evaluate(CHART_DATA, "#cs-bands-fig")["series"] == [[float(r[1]) for r in rows]]
    assert sum(int(r[1]) for r in rows) == int(
        page.locator("#cs-cards [data-figure='members'] .console-card-value").inner_text()
    )
    # 纵向: by month, one row a month, the chart's line equal to the unit's column.
    page.click("[data-series-kind='month']")
    expect(page.locator("[data-series-kind='month']")).to_have_attribute("aria-pressed", "true")
    rows = table_rows(page, "#cs-series-table")
    assert len(rows) >= 1
    line = page.evaluate(CHART_DATA, "#cs-series-fig")["series"][0]
    assert line == [0.0 if r[1] == "—" else float(r[1]) for r in rows]

    # 导出 Excel of the children table: the workbook's figures are the page's.
    page_rows = table_rows(page, "#cs-children")
    headers = page.eval_on_selector_all("#cs-children thead th", "t => t.map((h) => h.textContent)")
    with page.expect_download() as info:
        page.locator("#cs-children-sec .console-export").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active
    cells = [
        [("" if v is None else str(v)) for v in row] for row in sheet.iter_rows(values_only=True)
    ]
    head = next(i for i, row in enumerate(cells) if headers[1] in row)
    book_headers = cells[head]
    members_col = book_headers.index(headers[1])
    name_col = next(i for i, v in enumerate(book_headers) if v in ("单位", "单位名称", "名称"))
    book = {row[name_col]: row[members_col] for row in cells[head + 1 :] if row[name_col]}
    assert book == {r[0]: r[1] for r in page_rows}
    show_every_tooltip(page)
    no_layout_problems(page)

    # Every kind of period, the picker's keys as the API takes them; the series by each kind.
    for kind, label in (
        ("week", r"年第\d+周"),
        ("quarter", r"年第[1-4一二三四]季度"),
        ("year", r"^\d{4}年$"),
    ):
        page.click(f"[data-period-kind='{kind}']")
        expect(page.locator("#cs-period-label")).to_have_text(re.compile(label))
        expect(page.locator(f"[data-period-kind='{kind}']")).to_have_attribute(
            "aria-pressed", "true"
        )
        expect(page.locator("#cs-series-table")).to_be_visible()
        assert page.locator("#cs-series-error").is_hidden()
    expect(page.locator("#cs-next")).to_be_hidden()  # this year is the current period
    page.click("#cs-prev")
    expect(page).to_have_url(re.compile(r"period=\d{4}$"))
    expect(page.locator("#cs-next")).to_be_visible()
    # A past period's counts beside today's members: the page says so.
    expect(page.locator("#cs-computed")).to_contain_text("人均积分按目前党员人数计算")
    # Last year is the oldest the API keeps: no 上一期 there, here or in the report.
    expect(page.locator("#cs-prev")).to_be_hidden()
    from chalicelib import clock

    last = clock.today().year - 1
    page.goto(f"{site.url}/console-report.html?unit=G01&period={last}-01")
    expect(page.locator("#cr-view")).to_have_attribute("aria-busy", "false")
    expect(page.locator("#cr-prev")).to_be_hidden()
    expect(page.locator("#cr-next")).to_be_visible()
    # Last year's first week may begin in December before it: its month is January, kept.
    page.goto(f"{site.url}/console.html?unit=G01&period={last}-W01")
    expect(page.locator("#cs-prev")).to_be_hidden()
    page.click("[data-period-kind='month']")
    expect(page.locator("#cs-period-label")).to_have_text(f"{last}年1月")
    expect(page.locator("#cs-prev")).to_be_hidden()


def test_a_plain_member_is_told_the_console_is_for_staff(browser: Browser, site, demo) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    try:
        sign_in(page, site.url, PLAIN_MEMBER, "/console.html")
        expect(page.locator("#cs-denied")).to_be_visible()
        from chalicelib.console import STAFF_ONLY

        expect(page.locator("#cs-denied-text")).to_have_text(
            STAFF_ONLY
        )  # 仅党务工作人员可使用工作台
        expect(page.locator("#cs-view")).to_be_hidden()
        assert page.locator(".console-card").count() == 0
        # Nor another member's page, nor the report.
        page.goto(f"{site.url}/console-member.html?no=10000001")
        expect(page.locator("#cm-denied")).to_be_visible()
        expect(page.locator("#cm-view")).to_be_hidden()
        page.goto(f"{site.url}/console-report.html")
        expect(page.locator("#cr-denied")).to_be_visible()
        expect(page.locator("#cr-view")).to_be_hidden()
    finally:
        context.close()

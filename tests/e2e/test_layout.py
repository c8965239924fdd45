"""Every screen, as every role that sees it, measured in headless Chromium at phone widths, in
normal and in large text (适老化 大字模式, 1.3×): the test fails on

- horizontal overflow (the page wider than the screen) at 320, 360, 390 and 768 px; the rules
  below at 320, 360 and 390 px (phones, where they bind);
- visible content closer than 12 px to the left or right edge of the screen: text, images and
  controls, and boxes with a background or a border (a box may bleed to the edge only if it is
  square there: a full-width row, a tab-bar segment; never a rounded or outlined box);
- interactive targets (links, buttons, selects, inputs, tabs, switches) under 44×44 CSS px.
  Links inside a sentence of running text (a <p>, <li>, <dd>, <blockquote>… holding other text)
  are exempt, as WCAG 2.5.5 exempts inline targets; they must instead be told from their text
  (underlined, or 3:1 against it: WCAG 1.4.1);
- text boxes that overlap each other (fixed bars, which content scrolls under, aside), and text
  cut off at a side by a box that hides its overflow (unless it ends in an ellipsis);
- text under 12 px (15.6 px in large text) — chart labels included, as drawn on the screen;
- text colour under WCAG AA contrast against its background (4.5:1; 3:1 for large text).

The 党务工作台's screens are measured at 320 and 390 px only (tests/e2e/test_console.py measures
them at a desktop's width); text cut at the side of a wide table's own scrolling box is what
that box is for, there.

Screenshots go to var/test-output/layout/layout-<screen>-<role>-<width>[-large].png (360 and
390 px) and their names are printed. One browser; one signed-in page per role, reused by every
screen (the refresh cookie rotates, so a role keeps one browser context)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from chalicelib import clock
from chalicelib.recruitment import person_id_for
from tests.e2e.conftest import WECHAT_UA
from tools.fixtures import PASSWORD, bearer, make_member, rid

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "var" / "test-output" / "layout"
SHOT_WIDTHS = (360, 390)
WIDTHS = (320, 360, 390, 768)
EDGE = 12
TARGET = 44
LARGE = 1.3
ARTICLE = "qiuji-dushu"
MEMBER = ("10000009", "王芳")
STAFF = ("10000001", "陈卫东")

ANON, MEMBER_ROLE, STAFF_ROLE = "anonymous", "member", "staff"
EVERYONE = (ANON, MEMBER_ROLE, STAFF_ROLE)
SIGNED_IN = (MEMBER_ROLE, STAFF_ROLE)


@dataclass(frozen=True)
class Screen:
    name: str
    path: str
    roles: tuple[str, ...]
    ready: Callable[[Page], None] | None = field(default=None, compare=False)
    widths: tuple[int, ...] = WIDTHS
    exempt: re.Pattern[str] | None = field(default=None, compare=False)


def _quiz_in_progress(page: Page) -> None:
    start = page.locator("#quiz-start")
    if start.is_visible():
        start.click()
    expect(page.locator("#quiz-counter")).to_contain_text("第 ")


def _comments_loaded(page: Page) -> None:
    expect(page.locator("#comment-list .comment").first).to_be_visible()


def _recent_comments(page: Page) -> None:
    page.get_by_role("tab", name="最近评论").click()
    expect(page.locator("#mod-list .comment").first).to_be_visible()


def _search_done(page: Page) -> None:
    expect(page.locator("#search-status")).to_contain_text("找到")


def _meetings_loaded(page: Page) -> None:
    """我的会议: signed in, the list answered (empty here: the empty state); else the prompt."""
    if page.evaluate("localStorage.getItem('signed_in')") == "1":
        expect(page.locator("#mt-list")).to_have_attribute("aria-busy", "false")
    else:
        expect(page.locator("#mt-login")).to_be_visible()


def _desk_loaded(page: Page) -> None:
    expect(page.locator("#f-submit")).to_be_enabled()


def _messages_loaded(page: Page) -> None:
    """Signed in: the list and the switches filled in; signed out: the login prompt."""
    if page.evaluate("localStorage.getItem('signed_in')") == "1":
        expect(page.locator("#msg-list .msg-item").first).to_be_attached()
        expect(page.locator("#msg-settings input[data-kind]").first).to_be_enabled()
        settings = page.url.endswith("#settings")
        expect(page.locator("#msg-panel-settings")).to_be_visible(visible=settings)
    else:
        expect(page.locator("#msg-login")).to_be_visible()


def _transfers_loaded(page: Page) -> None:
    """Staff: the unit's list and the form; a member: her own transfer (none here)."""
    if page.url.endswith("/transfers.html"):
        expect(page.locator("#tr-mine-text")).not_to_be_empty()
        return
    expect(page.locator("#tr-open")).to_have_attribute("aria-busy", "false")
    expect(page.locator("#tr-submit")).to_be_enabled()


def _volunteering_loaded(page: Page) -> None:
    """Signed in: her totals and the (empty) lists filled in; signed out: the login prompt."""
    if page.evaluate("localStorage.getItem('signed_in')") == "1":
        expect(page.locator("#vol-total")).to_contain_text("累计服务 0 小时")
        expect(page.locator("#vol-open")).to_have_attribute("aria-busy", "false")
    else:
        expect(page.locator("#vol-login")).to_be_visible()


def _volunteer_desk_loaded(page: Page) -> None:
    expect(page.locator("#vd-list")).to_have_attribute("aria-busy", "false")
    expect(page.locator("#vd-submit")).to_be_enabled()


def _letter_loaded(page: Page) -> None:
    expect(page.locator("#tl-print")).to_be_enabled()


# 组织关系转接: a letter out, started in the fixture with this request key (its id derives from
# the secretary and the key), so the printable letter has a fixed address.
LETTER_KEY = "layout-letter-0001"


def _letter_path() -> str:
    import hashlib

    digest = hashlib.sha256(f"{STAFF[0]}#{LETTER_KEY}".encode()).hexdigest()
    return f"/transfer-letter.html?id=tr_{digest[:24]}"


# 问卷: a survey of 机关第一党支部 with every kind of question, published in the fixture with
# this request key (its id derives from the secretary and the key), answered three times.
SURVEY_KEY = "layout-survey-0001"


def _survey_id() -> str:
    import hashlib

    digest = hashlib.sha256(f"{STAFF[0]}#survey#{SURVEY_KEY}".encode()).hexdigest()
    return f"sv_{digest[:24]}"


def _surveys_loaded(page: Page) -> None:
    """问卷调查: her list, or the survey's form."""
    if "?id=" in page.url:
        expect(page.locator("#sv-submit")).to_be_enabled()
    else:
        expect(page.locator("#sv-list")).to_have_attribute("aria-busy", "false")


def _surveys_desk_loaded(page: Page) -> None:
    """问卷管理: the unit's list and the form (a question of each kind added), or the results."""
    if "?id=" in page.url:
        expect(page.locator("#sd-xlsx")).to_be_enabled()
        expect(page.locator("#sd-results svg.chart").first).to_be_visible()
        return
    expect(page.locator("#sd-list")).to_have_attribute("aria-busy", "false")
    expect(page.locator("#sd-save")).to_be_enabled()
    if not page.locator("#sd-qs .sv-q").count():
        for kind in ("single", "multiple", "rating", "text"):
            page.click(f"#sd-new .sv-add [data-kind={kind}]")


def _dues_loaded(page: Page) -> None:
    """我的党费: signed in, her dues answered; signed out, the login prompt."""
    if page.evaluate("localStorage.getItem('signed_in')") == "1":
        expect(page.locator("#dues-view")).to_have_attribute("aria-busy", "false")
    else:
        expect(page.locator("#dues-login")).to_be_visible()


def _dues_desk_loaded(page: Page) -> None:
    expect(page.locator("#dd-view")).to_be_visible()
    expect(page.locator("#dd-rows")).to_have_attribute("aria-busy", "false")
    expect(page.locator("#dd-figures")).to_have_attribute("aria-busy", "false")


def _plan_loaded(page: Page) -> None:
    expect(page.locator("#plan-items")).to_have_attribute("aria-busy", "false")
    expect(page.locator("#plan-items .plan-item").first).to_be_visible()


def _recruitment_loaded(page: Page) -> None:
    expect(page.locator("#rc-groups")).to_have_attribute("aria-busy", "false")


def _recruit_loaded(page: Page) -> None:
    expect(page.locator("#rc-next")).to_have_attribute("aria-busy", "false")


def _record_dialog(page: Page) -> None:
    """The guided step's 记录 dialog open (its form: date, note)."""
    _recruit_loaded(page)
    page.locator(".rc-step .rc-record").first.click()
    expect(page.locator(".dj-dialog .dj-dialog-control").first).to_be_visible()


# 党员发展: an applicant of 机关第一党支部, registered by the secretary in `org` (fixed request id).
RECRUIT_KEY = "layout-recruit-0001"
RECRUIT = person_id_for(STAFF[0], RECRUIT_KEY)


def _birthday_loaded(page: Page) -> None:
    """政治生日: signed in, her next birthday (and for staff the month's list); else the prompt."""
    if page.evaluate("localStorage.getItem('signed_in')") == "1":
        expect(page.locator("#bd-other:visible, #bd-day:visible")).to_have_count(1)
        if page.locator("#bd-staff").is_visible():
            expect(page.locator("#bd-list")).to_have_attribute("aria-busy", "false")
    else:
        expect(page.locator("#bd-login")).to_be_visible()


def _directory_listed(page: Page) -> None:
    """通讯录: signed in, her branch listed (a live Query: no index needed); else the prompt."""
    if page.evaluate("localStorage.getItem('signed_in')") == "1":
        expect(page.locator("#dir-branch")).to_be_enabled()
        page.select_option("#dir-branch", "B0101")
        expect(page.locator(".dir-person").first).to_be_visible()
    else:
        expect(page.locator("#dir-login")).to_be_visible()


def _requests_loaded(page: Page) -> None:
    """我的诉求: signed in, the form and her (empty) list; else the prompt."""
    if page.evaluate("localStorage.getItem('signed_in')") == "1":
        expect(page.locator("#rq-list")).to_have_attribute("aria-busy", "false")
        expect(page.locator("#rq-submit")).to_be_enabled()
    else:
        expect(page.locator("#rq-login")).to_be_visible()


def _requests_desk_loaded(page: Page) -> None:
    """诉求办理: the queues and the rates table of her branch."""
    expect(page.locator("#rd-queues")).to_have_attribute("aria-busy", "false")
    expect(page.locator("#rd-table li").first).to_be_visible()


def _console_loaded(page: Page) -> None:
    expect(page.locator("[aria-busy='true']")).to_have_count(0)


CONSOLE_WIDTHS = (320, 390)
# A wide table's cells, cut at the side of its own scrolling box (as tests/e2e/test_console.py).
SCROLLED = re.compile(r"^文字被截断：(?:t[hd]|a\.console-link)")


def _console(name: str, path: str) -> Screen:
    return Screen(name, path, (STAFF_ROLE,), _console_loaded, CONSOLE_WIDTHS, SCROLLED)


SCREENS = [
    Screen("home", "/index.html", EVERYONE),
    Screen("learn", "/learn.html", EVERYONE),
    Screen("category", "/category/dangji.html", EVERYONE),
    Screen("exemplars", "/category/xianjin.html", (ANON,)),
    Screen("branch", "/zhibu/B0101.html", (ANON,)),
    Screen("article", f"/articles/{ARTICLE}.html", EVERYONE, _comments_loaded),
    Screen("exemplar", "/articles/wang-haiyan.html", (ANON,)),
    Screen("dangzhang-index", "/category/dangzhang.html", EVERYONE),
    Screen("dangzhang-day", "/articles/dangzhang-001.html", EVERYONE),
    Screen("search", "/search.html?q=党章", EVERYONE, _search_done),
    Screen("login", "/login.html", (ANON,)),
    Screen("activate", "/activate.html", (ANON,)),
    Screen("about", "/about.html", EVERYONE),
    Screen("me", "/me.html", SIGNED_IN),
    Screen("messages", "/messages.html", EVERYONE, _messages_loaded),
    Screen("meetings", "/meetings.html", EVERYONE, _meetings_loaded),
    Screen("meeting-desk", "/meeting-desk.html", (STAFF_ROLE,), _desk_loaded),
    Screen("message-settings", "/messages.html#settings", SIGNED_IN, _messages_loaded),
    Screen("my-dangjian", "/my-dangjian.html", SIGNED_IN),
    Screen("boards", "/boards.html", SIGNED_IN),
    Screen("report", "/report.html", SIGNED_IN),
    Screen("quiz-hub", "/quiz.html", SIGNED_IN),
    Screen("quiz-play", "/quiz-play.html?id=daily", SIGNED_IN, _quiz_in_progress),
    Screen("quiz-ranking", "/quiz-play.html?id=daily&view=ranking", (MEMBER_ROLE,)),
    Screen("campaign", "/articles/youxiu-2026.html", EVERYONE),
    Screen("review", "/review.html", (STAFF_ROLE,)),
    Screen("moderation", "/moderation.html", (STAFF_ROLE,), _recent_comments),
    Screen("meeting-plan", "/meeting-plan.html", (STAFF_ROLE,), _plan_loaded),
    Screen("recruitment", "/recruitment.html", (STAFF_ROLE,), _recruitment_loaded),
    Screen("recruitment-person", f"/recruitment.html?id={RECRUIT}", (STAFF_ROLE,), _recruit_loaded),
    Screen(
        "recruitment-record", f"/recruitment.html?id={RECRUIT}&d", (STAFF_ROLE,), _record_dialog
    ),
    Screen("transfers", "/transfers.html", SIGNED_IN, _transfers_loaded),
    Screen("transfer-letter", _letter_path(), (STAFF_ROLE,), _letter_loaded),
    Screen("dues", "/dues.html", EVERYONE, _dues_loaded),
    Screen("dues-desk", "/dues-desk.html", (STAFF_ROLE,), _dues_desk_loaded),
    Screen("birthday", "/birthday.html", EVERYONE, _birthday_loaded),
    Screen("directory", "/directory.html", EVERYONE, _directory_listed),
    Screen("volunteering", "/volunteering.html", EVERYONE, _volunteering_loaded),
    Screen("volunteer-desk", "/volunteer-desk.html", (STAFF_ROLE,), _volunteer_desk_loaded),
    Screen("surveys", "/surveys.html", SIGNED_IN, _surveys_loaded),
    Screen("survey-form", f"/surveys.html?id={_survey_id()}", (MEMBER_ROLE,), _surveys_loaded),
    Screen("surveys-desk", "/surveys-desk.html", (STAFF_ROLE,), _surveys_desk_loaded),
    Screen(
        "survey-results",
        f"/surveys-desk.html?id={_survey_id()}",
        (STAFF_ROLE,),
        _surveys_desk_loaded,
    ),
    Screen("requests", "/requests.html", EVERYONE, _requests_loaded),
    Screen("requests-desk", "/requests-desk.html", (STAFF_ROLE,), _requests_desk_loaded),
    _console("console", "/console.html"),
    _console("console-member", f"/console-member.html?no={MEMBER[0]}"),
    _console("console-report", "/console-report.html"),
    _console("console-registry", "/console-registry.html"),
    _console("console-assessment", "/console-assessment.html"),
    _console("console-inspection", "/console-inspection.html"),
    _console("console-lessons", "/console-lessons.html"),  # 微党课学习 (issue 19)
    _console("console-media", "/console-media.html"),  # 上传音视频 (issue 19)
    _console("bulletins", "/bulletins.html"),
    Screen("404", "/no-such-page.html", EVERYONE),
]
# 微党课 (issue 19): lessons by series, the speaker list, a video and an audio lesson.
SCREENS += [
    Screen("lessons", "/category/weidangke.html", (ANON,)),
    Screen("lesson-speakers", "/lessons/speakers.html", (ANON,)),
    Screen("lesson-video", "/articles/weidangke-chuxin-shiming.html", (ANON, MEMBER_ROLE)),
    Screen("lesson-audio", "/articles/weidangke-sanhui-yike.html", (ANON,)),
]
CASES = [(s, role) for s in SCREENS for role in s.roles]

# Runs in the page (a file of its own, to be read as JavaScript): the problems, one line each.
MEASURE = (Path(__file__).parent / "layout_measure.js").read_text(encoding="utf-8")
# Waits for the finite animations running now (fades, slides); endless ones (spinners) stay.
SETTLED = """() => Promise.all(document.getAnimations()
  .filter((a) => a.effect && Number.isFinite(a.effect.getComputedTiming().endTime))
  .map((a) => a.finished.catch(() => null)))"""


@pytest.fixture(scope="module")
def org(site) -> None:
    """The demo units, a member and a branch secretary of 机关第一党支部, the catalog with its
    vote campaign, the quiz banks, two comments (one featured), and the boards computed once."""
    from chalicelib import console_job, ranking
    from infra import stream_poller
    from tools import import_units
    from tools.publish_catalog import FILENAME
    from tools.publish_catalog import publish as publish_catalog
    from tools.publish_quizzes import publish as publish_quizzes
    from tools.tables import truncate_all

    truncate_all()
    stream_poller.skip()
    assert import_units.main([str(ROOT / "content" / "units.csv")]) == 0
    member = make_member(MEMBER[0], "B0101", name=MEMBER[1])
    staff = make_member(STAFF[0], "B0101", name=STAFF[1], roles=("branch_secretary",))
    publish_catalog(site.site / FILENAME)
    publish_quizzes()
    for text in ("学习体会：读书要联系实际，把学到的用在工作中。", "坚持每天学一点。"):
        r = requests.post(
            f"{site.url}/api/articles/{ARTICLE}/comments",
            json={"text": text, "request_id": rid()},
            headers=bearer(member),
            timeout=30,
        )
        assert r.status_code == 201, r.text
    # One featured: staff then see 取消精选 (measured at 52×19 before).
    r = requests.post(
        f"{site.url}/api/articles/{ARTICLE}/comments/{r.json()['id']}/moderate",
        json={"action": "feature"},
        headers=bearer(staff),
        timeout=30,
    )
    assert r.status_code == 200, r.text
    # 党员发展: one applicant with the longest name, applied 40 days ago (her talk overdue).
    r = requests.post(
        f"{site.url}/api/units/B0101/recruitment",
        json={"name": "欧阳" * 5, "applied_on": f"{clock.today() - timedelta(days=40)}",
              "gender": "女", "phone": "13900001111", "request_key": RECRUIT_KEY},
        headers=bearer(staff),
        timeout=30,
    )  # fmt: skip
    assert r.status_code in (200, 201), r.text
    stream_poller.drain()
    ranking.compute_boards()
    console_job.run()  # the 党务工作台's figures
    # 组织关系转接: a letter out (its printable page) and a transfer to another branch, open.
    for no, name, path, extra in (
        (
            "10000002",
            "欧阳晓明",
            "/transfer-letters",
            {"other_org": "国网某某省电力有限公司机关党委"},
        ),
        ("10000003", "张建国", "/transfers", {"to_unit": "B0102"}),
    ):
        make_member(no, "B0101", name=name)
        key = LETTER_KEY if path == "/transfer-letters" else rid()
        body = {"member_no": no, "reason": "工作调动", "request_key": key, **extra}
        r = requests.post(f"{site.url}/api{path}", json=body, headers=bearer(staff), timeout=30)
        assert r.status_code == 201, r.text
    # 消息: an unread and a read message of the longest title WeCom takes, each, and a short one.
    from chalicelib import inbox, outbox

    for n, (kind, title) in enumerate(
        [
            ("meeting_notice", "关于召开机关第一党支部二〇二六年度组织生活会暨民主评议党员的通知"),
            ("dues_reminder", "党费提醒"),
        ]
    ):
        body = "请于本周五下午三点到三楼会议室参加，携带学习笔记和对照检查材料。" * (2 - n)
        outbox.post(f"layout:{n}", kind, [MEMBER[0], STAFF[0]], title, body, "/me.html")
    mid = outbox.message_id("layout:1", MEMBER[0])
    inbox.mark_read(MEMBER[0], mid)
    # 党费: both assessed (the longest bracket line), last month unpaid, a partial payment.
    from chalicelib import dues_collection
    from chalicelib.models import OrgUnit
    from tests.integration.dues_rows import assess

    longest = "税后月工资收入 10000 元以上，按 2% 交纳（含奖金、津贴等各项收入）"
    for who in (member, staff):
        assess(who.member_no, 12345, "2026-01", base_fen=1234567, branch_id="B0101",
               bracket=longest)  # fmt: skip
        path = list(OrgUnit.get("B0101").path)
        dues_collection.open_member_month(who, path, dues_collection.add_months(
            dues_collection.current_month(), -1))  # fmt: skip
    dues_collection.record(dues_collection.PaymentIn(
        "bank:LAYOUT0001", MEMBER[0], 20000, dues_collection.clock.today().isoformat(), "bank",
        "bank.csv:2", "import"))  # fmt: skip
    # 问卷: a survey with the longest texts, published, answered three times (its charts).
    import json as _json
    from datetime import datetime

    from chalicelib.models.surveys import SurveyAnswer

    closes = datetime.fromtimestamp(clock.now() + 30 * 86400, clock.TZ).strftime("%Y-%m-%d %H:%M")
    long = "关于进一步加强和改进支部组织生活、提高主题党日活动质量的意见征集"
    survey = {
        "unit_id": "B0101", "title": "二〇二六年度机关第一党支部党员学习需求与组织生活满意度调查",
        "intro": "本问卷不记名，统计结果只显示汇总，约需 3 分钟。", "closes_at": closes,
        "questions": [
            {"kind": "single", "text": long, "options": ["非常满意，希望保持现有安排", "一般",
                                                        "不满意"]},
            {"kind": "multiple", "text": long, "options": ["专题讲座", "红色教育基地参观",
                                                          "线上微党课", "读书分享会"], "max": 2},
            {"kind": "rating", "text": long},
            {"kind": "text", "text": long},
        ],
        "request_key": SURVEY_KEY,
    }  # fmt: skip
    r = requests.post(f"{site.url}/api/surveys", json=survey, headers=bearer(staff), timeout=30)
    assert r.status_code in (200, 201), r.text
    r = requests.post(f"{site.url}/api/surveys/{_survey_id()}/publish", headers=bearer(staff),
                      timeout=30)  # fmt: skip
    assert r.status_code in (200, 409), r.text
    for n in range(3):
        answers = {"q1": "o1", "q2": ["o2", "o3"], "q3": 4 + n % 2, "q4": long * 2}
        SurveyAnswer(_survey_id(), f"layout-{n}", answers=_json.dumps(answers, ensure_ascii=False),
                     at=clock.now()).save()  # fmt: skip


# The page's API calls all answered and nothing asked for 150 ms: faster than Playwright's
# networkidle, which waits 500 ms on every page.
QUIET = """
window.__pending = 0;
window.__last = performance.now();
const realFetch = window.fetch;
window.fetch = function (...args) {
  window.__pending += 1;
  window.__last = performance.now();
  return realFetch.apply(this, args).finally(() => {
    window.__pending -= 1;
    window.__last = performance.now();
  });
};
window.__quiet = () =>
  document.readyState === 'complete' && !window.__pending
  && performance.now() - window.__last > 150;
"""


@pytest.fixture(scope="module")
def pages(browser: Browser, site, org) -> Iterator[Callable[[str], tuple[Page, list[str]]]]:
    """One page per role, signed in once through the login page and kept for every screen."""
    made: dict[str, tuple[Page, list[str]]] = {}
    contexts = []

    def page_for(role: str) -> tuple[Page, list[str]]:
        if role in made:
            return made[role]
        context = browser.new_context(
            user_agent=WECHAT_UA,
            viewport={"width": 390, "height": 844},
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale="zh-CN",
        )
        contexts.append(context)
        context.add_init_script(QUIET)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        if role != ANON:
            member_no = MEMBER[0] if role == MEMBER_ROLE else STAFF[0]
            page.goto(f"{site.url}/login.html?next=/me.html")
            page.fill("#member_no", member_no)
            page.fill("#password", PASSWORD)
            page.click("#login-submit")
            expect(page).to_have_url(re.compile(r"/me\.html$"))
            expect(page.locator("#me-member-no")).to_have_text(member_no)
        made[role] = (page, errors)
        return made[role]

    yield page_for
    for context in contexts:
        context.close()


def measure(page: Page, width: int, large: bool) -> list[str]:
    page.evaluate("large => document.documentElement.classList.toggle('large-text', large)", large)
    page.set_viewport_size({"width": width, "height": 800})
    page.evaluate("window.scrollTo(0, 0)")
    # A phone turned or resized redraws at its next frames (charts listen to `resize`).
    page.evaluate("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    # The screen as it settles: a toast fading in (0.2 s) is measured at its full contrast.
    page.evaluate(SETTLED)
    min_font = round(12 * LARGE, 1) if large else 12
    # Tablets (768 px) are checked for overflow only: every other rule binds hardest on phones.
    options = {"edge": EDGE, "target": TARGET, "minFont": min_font, "overflowOnly": width > 600}
    return page.evaluate(MEASURE, options)


@pytest.mark.parametrize(("screen", "role"), CASES, ids=[f"{s.name}-{role}" for s, role in CASES])
def test_layout(screen: Screen, role: str, pages, site) -> None:
    page, errors = pages(role)
    errors.clear()
    started = time.monotonic()
    page.goto(f"{site.url}{screen.path}")
    page.wait_for_function("window.__quiet()", polling=50)
    if screen.ready:
        screen.ready(page)
    page.evaluate("document.fonts.ready")
    assert screen.name == "login" or "/login.html" not in page.url, f"{role} was sent to log in"
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    shots: list[str] = []
    spent = {"open": time.monotonic() - started, "check": 0.0, "shot": 0.0}
    for large in (False, True):
        for width in screen.widths:
            where = f"{width}px{' 大字' if large else ''}"
            t = time.monotonic()
            found = measure(page, width, large)
            problems += [
                f"[{where}] {p}" for p in found if not (screen.exempt and screen.exempt.match(p))
            ]
            spent["check"] += time.monotonic() - t
            t = time.monotonic()
            if width in SHOT_WIDTHS:
                shot = SHOTS / f"layout-{screen.name}-{role}-{width}{'-large' if large else ''}.png"
                # The whole page in a viewport as tall as it: fixed bars where they belong.
                tall = page.evaluate("document.documentElement.scrollHeight")
                page.set_viewport_size({"width": width, "height": tall})
                page.screenshot(path=str(shot), scale="css")
                shots.append(str(shot.relative_to(ROOT)))
            spent["shot"] += time.monotonic() - t
    page.evaluate("document.documentElement.classList.remove('large-text')")
    took = ", ".join(f"{k} {v:.1f} s" for k, v in spent.items())
    print(f"\n{screen.name} · {role} ({took}):", *shots, sep="\n  ")
    assert not errors, f"JavaScript errors on {screen.path}: {errors}"
    assert not problems, f"{screen.path} as {role}:\n" + "\n".join(problems[:60])


# Records the <html> class when <body> first appears (before any paint) and the layout shifts.
FIRST_PAINT = """
window.__atBody = null;
new MutationObserver((_, observer) => {
  if (document.body) {
    window.__atBody = document.documentElement.className;
    observer.disconnect();
  }
}).observe(document, { childList: true, subtree: true });
window.__shift = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if (e.hadRecentInput) continue;
    window.__shift += e.value;
    const moved = e.sources.map((s) => s.node && (s.node.id || s.node.className));
    window.__shifted = (window.__shifted || []).concat(moved);
  }
}).observe({ type: 'layout-shift', buffered: true });
"""


def test_large_text_switch_is_remembered_and_applied_before_first_paint(browser, site, org):
    """大字模式 on 我的: a switch (the whole row its target), remembered in localStorage, on every
    page before the first paint (no flash, no layout shift), main text ≥ 18 px (MIIT 适老化)."""
    context = browser.new_context(user_agent=WECHAT_UA, viewport={"width": 360, "height": 740})
    context.add_init_script(FIRST_PAINT)
    page = context.new_page()
    try:
        page.goto(f"{site.url}/login.html?next=/me.html")
        page.fill("#member_no", MEMBER[0])
        page.fill("#password", PASSWORD)
        page.click("#login-submit")
        expect(page.locator("#me-member-no")).to_have_text(MEMBER[0])
        switch = page.get_by_role("switch", name="大字模式")
        expect(switch).to_be_enabled()
        expect(switch).not_to_be_checked()
        base = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        page.locator("label.cell-switch").click()  # the row, not only the little switch
        expect(switch).to_be_checked()
        expect(page.locator("html")).to_have_class(re.compile(r"\blarge-text\b"))
        assert page.evaluate("localStorage.getItem('large_text')") == "1"

        # Pages whose layout is all in their HTML: any shift would be the mode's. (我的 itself
        # grows when /api/me answers, with or without large text.)
        for path in ("/learn.html", "/category/dangji.html", f"/articles/{ARTICLE}.html"):
            page.goto(f"{site.url}{path}", wait_until="networkidle")
            assert "large-text" in page.evaluate("window.__atBody"), path
            body = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
            assert body == pytest.approx(base * LARGE, abs=0.1) and body >= 18, path
            assert page.evaluate("window.__shift") == 0, (path, page.evaluate("window.__shifted"))
        page.goto(f"{site.url}/me.html")
        assert "large-text" in page.evaluate("window.__atBody")
        expect(switch).to_be_checked()

        page.locator("label.cell-switch").click()
        expect(page.locator("html")).not_to_have_class(re.compile(r"\blarge-text\b"))
        assert page.evaluate("localStorage.getItem('large_text')") is None
        page.goto(f"{site.url}/learn.html")
        assert "large-text" not in page.evaluate("window.__atBody")
    finally:
        context.close()

"""会议记录 on the organiser's phone (WeChat's browser, 390 px): she writes the minutes and a
decision, uploads a photo from the phone (the file input; straight to the S3 stand-in with the
signed form, with progress), sees its thumbnail, taps 提交并锁定 and confirms; the record shows
locked with the photo, the edit form is gone, and a correction she submits shows in the history.
A member of the branch reads the public record read-only."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import Page, expect

from chalicelib import uploads
from tests.e2e.signing import sign_in
from tests.e2e.test_checkin import shown_code
from tests.e2e.test_layout import measure
from tests.integration.test_meeting_records_api import (
    ABSENT,
    PRESENT,
    SECRETARY,
    make_meeting,
)
from tools.fixtures import make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables", "s3")


def jpeg() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 22, 29)).save(buf, "JPEG", quality=80)
    return buf.getvalue()


def layout_problems(phone: Page) -> list[str]:
    """The layout test's rules (tests/e2e/test_layout.py): no overflow, 12 px from the sides,
    44 px targets, readable text and contrast — at 320 and 390 px, normal and 大字 (1.3×)."""
    expect(phone.locator(".dj-toast")).to_have_count(0)  # a toast fading out is not the page
    problems = []
    for large in (False, True):
        for width in (320, 390):
            problems += [
                f"[{width}{' 大字' if large else ''}] {p}" for p in measure(phone, width, large)
            ]
    phone.evaluate("document.documentElement.classList.remove('large-text')")
    phone.set_viewport_size({"width": 390, "height": 844})
    return problems


def test_secretary_records_uploads_a_photo_and_locks(site, phone: Page):
    uploads.reset_for_tests()
    make_tree()
    make_member(SECRETARY, "B1", name="李书记", roles=("branch_secretary",))
    for no in (PRESENT, ABSENT):
        make_member(no, "B1", name="党员" + no[-2:])
    mid = make_meeting(topic="十二月主题党日")
    page = f"/meeting-record.html?id={mid}"
    sign_in(phone, site.url, SECRETARY, page)

    expect(phone.locator("#mr-title")).to_have_text("十二月主题党日")
    expect(phone.locator("#mr-state")).to_have_text("草稿：尚未提交")
    phone.fill("#mr-minutes", "学习党章第一章，讨论本支部下月工作。")
    phone.click("#mr-add-decision")
    phone.locator("#mr-decisions input").last.fill("每月第一个周五集中学习")
    phone.check("#mr-visible")

    # The photo from the phone: the label is the target (≥ 44 px), the input takes the file.
    pick = phone.locator("label[for=mr-photo-input]").bounding_box()
    assert pick["height"] >= 44 and pick["width"] >= 44
    phone.set_input_files(
        "#mr-photo-input",
        files=[
            {"name": "现场.jpg", "mimeType": "image/jpeg", "buffer": jpeg()},
            {"name": "拍错了.jpg", "mimeType": "image/jpeg", "buffer": jpeg()},
        ],
    )
    thumb = phone.locator("#mr-photos img")
    expect(thumb).to_have_count(2)
    # The wrong one is removed before the lock (confirmed).
    phone.get_by_role("button", name="删除 拍错了.jpg").click()
    phone.get_by_role("dialog").get_by_role("button", name="删除").click()
    expect(thumb).to_have_count(1)
    expect(thumb).to_have_attribute("alt", "现场.jpg")
    expect(thumb).to_have_js_property("complete", True)
    assert phone.evaluate("document.querySelector('#mr-photos img').naturalWidth") == 640
    expect(phone.locator("#mr-photo-progress li")).to_have_count(0)
    assert layout_problems(phone) == []

    phone.click("#mr-submit")
    dialog = phone.get_by_role("dialog")
    expect(dialog).to_contain_text("提交后记录锁定")
    # The one invited member neither checked in nor on approved leave is named as a number.
    expect(dialog).to_contain_text("目前还有 1 人未签到、未请假，提交后将记为缺席")
    dialog.get_by_role("button", name="提交并锁定").click()

    expect(phone.locator("#mr-state")).to_have_text(re.compile(r"^已提交锁定（.*李书记）$"))
    expect(phone.locator("#mr-edit")).to_be_hidden()
    expect(phone.locator("#mr-view-minutes")).to_have_text("学习党章第一章，讨论本支部下月工作。")
    expect(phone.locator("#mr-view-decisions li")).to_have_text(["每月第一个周五集中学习"])
    expect(phone.locator("#mr-view-photos img")).to_have_count(1)

    # After a reload it is the same locked record, with the photo.
    phone.reload()
    expect(phone.locator("#mr-view-photos img")).to_have_count(1)
    expect(phone.locator("#mr-view-photos img")).to_have_js_property("complete", True)
    assert phone.evaluate("document.querySelector('#mr-view-photos img').naturalWidth") == 640

    # A correction, with its reason, shows in the history.
    phone.fill("#mr-correct-value", "学习党章第一章和第二章，讨论本支部下月工作。")
    phone.fill("#mr-correct-reason", "漏记第二章")
    phone.click("#mr-correct-send")
    expect(phone.locator("#mr-view-minutes")).to_have_text(
        "学习党章第一章和第二章，讨论本支部下月工作。"
    )
    expect(phone.locator("#mr-history li")).to_have_count(1)
    expect(phone.locator("#mr-history li")).to_contain_text("李书记 更正了会议记录")
    expect(phone.locator("#mr-history li")).to_contain_text("说明：漏记第二章")
    assert layout_problems(phone) == []


def test_a_member_reads_the_public_record_read_only(site, phone: Page):
    from chalicelib import meeting_records, registry

    uploads.reset_for_tests()
    make_tree()
    secretary = make_member(SECRETARY, "B1", name="李书记", roles=("branch_secretary",))
    make_member(PRESENT, "B1", name="甲")
    mid = make_meeting(topic="支部党员大会")
    caller = registry.caller_for(secretary)
    meeting_records.save_record(caller, mid, "大会选举了支部委员。", ["通过选举结果"], True)
    meeting_records.submit(caller, mid)
    sign_in(phone, site.url, PRESENT, f"/meeting-record.html?id={mid}")
    expect(phone.locator("#mr-view-minutes")).to_have_text("大会选举了支部委员。")
    expect(phone.locator("#mr-state")).to_contain_text("已提交锁定")
    expect(phone.locator("#mr-edit")).to_be_hidden()
    expect(phone.locator("#mr-correct")).to_be_hidden()
    assert layout_problems(phone) == []


def test_a_deduction_shows_on_my_dangjian_as_a_deduction_not_a_reversal(site, phone: Page):
    """我的党建's 今日进度: an unexcused absence's −2 is its own number, with no bar and no
    （撤销 …）, which a reversal of an award shows."""
    from chalicelib import points

    make_tree()
    make_member(ABSENT, "B1", name="丙")
    points.award(ABSENT, "meeting_attendance", "mt_earlier01")
    points.deduct(ABSENT, "meeting_absence", "mt_missed001")
    sign_in(phone, site.url, ABSENT, "/my-dangjian.html")
    row = phone.locator('.rule-row[data-rule="meeting_absence"]')
    expect(row.locator(".rule-value")).to_have_text("-2")
    assert row.locator(".bar > span").evaluate("e => e.style.width") in ("0", "0px", "")
    attended = phone.locator('.rule-row[data-rule="meeting_attendance"] .rule-value')
    expect(attended).to_have_text("2")
    expect(phone.locator("#chart-mix")).to_contain_text("组织生活")


def test_checked_in_then_recorded_and_locked(site, phone: Page, second_phone: Page):
    """The meeting as it happens: the secretary's phone shows the code, the member types it on
    hers and is checked in; after the meeting the secretary writes the record with a photo and
    locks it; the member's 我的党建 then shows the attendance points, the one who did not come
    has the deduction, and the record (not made public) is not shown to her."""
    from chalicelib import points
    from tests.integration.test_checkin_api import invite
    from tests.integration.test_checkin_api import make_meeting as checkin_meeting

    secretary, member, missing = "76000001", "76000002", "76000003"
    make_tree()
    make_member(secretary, "B1", name="李书记", roles=("branch_secretary",))
    invited = [make_member(member, "B1", name="王红"), make_member(missing, "B1", name="赵兰")]
    meeting = checkin_meeting("mt_e2eflow0001", organiser=secretary)
    for m in invited:
        invite(meeting, m)
    mid = meeting.meeting_id

    sign_in(phone, site.url, secretary, f"/meeting-code.html?id={mid}")
    sign_in(second_phone, site.url, member, f"/checkin.html?m={mid}")
    second_phone.locator("#ci-code").fill(shown_code(phone))
    second_phone.get_by_role("button", name="签到").click()
    expect(second_phone.locator("#ci-result-title")).to_have_text("签到成功")

    phone.goto(f"{site.url}/meeting-record.html?id={mid}")
    phone.fill("#mr-minutes", "传达学习全会精神，王红发言。")
    phone.set_input_files(
        "#mr-photo-input", files=[{"name": "会场.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}]
    )
    expect(phone.locator("#mr-photos img")).to_have_count(1)
    phone.click("#mr-submit")
    phone.get_by_role("dialog").get_by_role("button", name="提交并锁定").click()
    expect(phone.locator("#mr-state")).to_contain_text("已提交锁定")
    expect(phone.locator("#mr-view-photos img")).to_have_count(1)

    assert points.credited(member, "meeting_attendance", mid) == 2
    assert points.credited(missing, "meeting_absence", mid) == -2
    second_phone.goto(f"{site.url}/my-dangjian.html")
    row = second_phone.locator('.rule-row[data-rule="meeting_attendance"] .rule-value')
    expect(row).to_have_text("2")
    second_phone.goto(f"{site.url}/meeting-record.html?id={mid}")
    expect(second_phone.locator("#mr-error")).to_have_text("会议记录尚未公开")


def test_a_lock_left_unsettled_is_finished_when_the_organiser_opens_it(
    site, phone: Page, fails_once
):
    """A settle that died half-way: the page, opened by the organiser, calls 提交 (no save) with
    「正在结算出勤积分…」 shown; a failed call leaves a 重试结算 button that finishes it."""
    from chalicelib import meeting_records, points, registry
    from chalicelib.models import Meeting

    uploads.reset_for_tests()
    make_tree()
    secretary = make_member(SECRETARY, "B1", name="李书记", roles=("branch_secretary",))
    mid = make_meeting(topic="支部委员会")
    caller = registry.caller_for(secretary)
    meeting_records.save_record(caller, mid, "研究发展党员工作。", [], True)
    fails_once(points, "deduct", "Lambda died after the lock")
    with pytest.raises(RuntimeError):
        meeting_records.submit(caller, mid)
    assert Meeting.get(mid, consistent_read=True).settled_at is None

    failed = {"n": 0}

    def fail_first(route):
        if failed["n"] == 0:
            failed["n"] += 1
            route.fulfill(
                status=500,
                content_type="application/json",
                body='{"Code": "InternalServerError", "Message": "服务器内部错误"}',
            )
        else:
            route.continue_()

    phone.route(re.compile(r"/submit$"), fail_first)
    sign_in(phone, site.url, SECRETARY, f"/meeting-record.html?id={mid}")
    expect(phone.locator("#mr-settle-text")).to_contain_text("出勤积分结算未完成")
    expect(phone.locator("#mr-settle-retry")).to_be_visible()
    assert layout_problems(phone) == []
    phone.click("#mr-settle-retry")
    expect(phone.locator("#mr-settle")).to_be_hidden()
    assert Meeting.get(mid, consistent_read=True).settled_at is not None
    assert points.credited(PRESENT, "meeting_attendance", mid) == 2
    assert points.credited(ABSENT, "meeting_absence", mid) == -2

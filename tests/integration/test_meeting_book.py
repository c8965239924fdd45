"""The 三会一课 记录 export over HTTP: a branch's meetings of a period in the 记录本's layout (who
attended, who was away and why, minutes, decisions, corrections), read scope over the unit
through the one scope check, months checked, and the same as an XLSX workbook read back with
openpyxl (binary through chalice local, a Chinese file name, text that stays text)."""

from __future__ import annotations

import base64
import io
import json
from datetime import datetime, timedelta
from urllib.parse import unquote

import openpyxl
import pytest
import requests

from chalicelib import clock, meeting_book
from chalicelib.models.meetings import Correction
from tools.demo_meetings import attendance_row, meeting_row
from tools.fixtures import bearer, make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")

XLSX = meeting_book.XLSX
SECRETARY, MEMBER, ABSENT, AWAY, GUEST = "71000001", "71000002", "71000003", "71000004", "71000009"


@pytest.fixture
def org(stack):
    units = make_tree()
    people = {
        "secretary": make_member(SECRETARY, "B1", name="陈书记", roles=("branch_secretary",)),
        "member": make_member(MEMBER, "B1", name="李党员", password=None),
        "absent": make_member(ABSENT, "B1", name="王缺席", password=None),
        "away": make_member(AWAY, "B1", name="赵请假", password=None),
        "guest": make_member(GUEST, "B3", name="孙列席", password=None),
        "other": make_member("71000005", "B2", name="钱书记", roles=("branch_secretary",)),
        "general": make_member("71000006", "B2", name="总支委员",
                               roles=("general_branch_committee",)),
        "admin": make_member("71000007", "B3", name="管理员", roles=("admin",)),
        "committee": make_member("71000008", "B1", name="周委员", roles=("branch_committee",)),
    }  # fmt: skip
    return units, people


def put_meeting(unit, mid: str, kind: str, topic: str, start: datetime, state: str = "locked",
                **extra) -> object:  # fmt: skip
    meeting = meeting_row(
        mid, unit_id=unit.unit_id, unit_path=unit.path, unit_name=unit.name, kind=kind,
        topic=topic, starts=start, ends=start + timedelta(hours=2), organiser=SECRETARY,
        created_at=start.timestamp() - 86400 * 5, state=state,
        locked_at=start.timestamp() + 86400 if state == "locked" else None,
        locked_by=SECRETARY if state == "locked" else None, **extra,
    )  # fmt: skip
    meeting.save()
    return meeting


def held_theme_day(units) -> object:
    start = datetime(2026, 10, 15, 14, 30, tzinfo=clock.TZ)
    meeting = put_meeting(
        units["B1"], "mt_book_theme_1010", "theme_day", "重温入党誓词", start,
        host=SECRETARY, recorder="71000008", invited=5, guests=1, place="党员活动室",
        minutes="会议由陈书记主持。\n全体党员重温入党誓词。",
        decisions=["月底前提交心得", "开展志愿服务"],
        corrections=[Correction(at=start.timestamp() + 3 * 86400, by=SECRETARY, field="minutes",
                                before="旧记录", after="会议由陈书记主持。", reason="补记主持人")],
    )  # fmt: skip
    rows = [
        attendance_row(meeting, SECRETARY, "陈书记", "B1", present=True,
                       checked_in_at=start.timestamp()),
        attendance_row(meeting, "71000008", "周委员", "B1", present=True,
                       corrections=[Correction(at=start.timestamp() + 7200, by=SECRETARY,
                                               field="present", before="未签到", after="出席",
                                               reason="手机没电，会后核实")]),
        attendance_row(meeting, MEMBER, "李党员", "B1", status="probationary", present=True,
                       checked_in_at=start.timestamp() + 60),
        attendance_row(meeting, AWAY, "赵请假", "B1", leave="approved", leave_reason="出差外地",
                       leave_decided_by=SECRETARY, present=False),
        attendance_row(meeting, ABSENT, "王缺席", "B1", leave="refused", leave_reason="有事",
                       present=False, absent=True),
        attendance_row(meeting, GUEST, "孙列席", "B3", role="guest", present=True),
    ]  # fmt: skip
    for row in rows:
        row.save()
    return meeting


@pytest.fixture
def meetings(org):
    units, _ = org
    held_theme_day(units)
    # Also in the period: a committee meeting coming up (no record yet), and one cancelled.
    put_meeting(units["B1"], "mt_book_comm_1105", "branch_committee", "研究十二月工作",
                datetime(2026, 11, 5, 16, 0, tzinfo=clock.TZ), state="scheduled",
                minutes="草稿，不应出现")  # fmt: skip
    put_meeting(units["B1"], "mt_book_cancel_1020", "group_meeting", "取消的会",
                datetime(2026, 10, 20, 17, 0, tzinfo=clock.TZ), state="cancelled")  # fmt: skip
    # Outside the period, and another unit's.
    put_meeting(units["B1"], "mt_book_sept_0930", "theme_day", "九月主题党日",
                datetime(2026, 9, 30, 23, 0, tzinfo=clock.TZ))  # fmt: skip
    put_meeting(units["B1"], "mt_book_dec_1201", "theme_day", "十二月主题党日",
                datetime(2026, 12, 1, 0, 30, tzinfo=clock.TZ))  # fmt: skip
    put_meeting(units["B2"], "mt_book_other_1012", "theme_day", "另一个支部",
                datetime(2026, 10, 12, 14, 0, tzinfo=clock.TZ))  # fmt: skip


def get(stack, member, unit: str = "B1", accept: str | None = None, **params) -> requests.Response:
    headers = bearer(member) if member else {}
    if accept:
        headers["Accept"] = accept
    return requests.get(f"{stack.url}/api/units/{unit}/meeting-book", headers=headers,
                        params=params, timeout=30)  # fmt: skip


def test_the_book_of_a_period_in_the_record_books_layout(stack, org, meetings):
    _, people = org
    r = get(stack, people["secretary"], **{"from": "2026-10", "to": "2026-11"})
    assert r.status_code == 200, r.text
    book = r.json()
    assert book["unit"] == {"id": "B1", "name": "第一党支部", "kind": "branch"}
    assert book["period"] == {"from": "2026-10", "to": "2026-11", "label": "2026年10月至2026年11月"}
    # Months by Beijing time: 30 Sept 23:00 and 1 Dec 00:30 are outside; cancelled left out.
    assert [m["id"] for m in book["meetings"]] == ["mt_book_theme_1010", "mt_book_comm_1105"]
    assert book["totals"] == {
        "meetings": 2,
        "recorded": 1,
        "by_kind": [
            {"kind": "branch_committee", "label": "支部委员会", "count": 1},
            {"kind": "theme_day", "label": "主题党日", "count": 1},
        ],
    }
    held = book["meetings"][0]
    assert held["date"] == "2026-10-15" and held["time"] == "14:30–16:30"
    assert (held["kind_label"], held["topic"], held["place"]) == (
        "主题党日",
        "重温入党誓词",
        "党员活动室",
    )
    assert (held["host"], held["recorder"], held["state_label"]) == ("陈书记", "周委员", "已归档")
    assert (held["invited"], held["present_count"]) == (5, 3)
    assert held["present"] == ["陈书记", "李党员", "周委员"]
    assert held["guests_present"] == ["孙列席"]
    assert held["absent"] == [
        {"name": "王缺席", "excused": False, "reason": "无故缺席"},
        {"name": "赵请假", "excused": True, "reason": "请假：出差外地"},
    ]
    assert held["minutes"].startswith("会议由陈书记主持。")
    assert held["decisions"] == ["月底前提交心得", "开展志愿服务"]
    assert held["locked_by"] == "陈书记" and held["locked_at"] == "2026-10-16 14:30"
    assert [(c["by"], c["field_label"], c["member"], c["reason"]) for c in held["corrections"]] == [
        ("陈书记", "出勤", "周委员", "手机没电，会后核实"),
        ("陈书记", "会议记录", None, "补记主持人"),
    ]
    assert held["corrections"][0]["at"] == "2026-10-15 16:30"
    # A meeting whose record is not submitted shows no draft minutes.
    coming = book["meetings"][1]
    assert coming["state_label"] == "记录未提交" and coming["minutes"] is None
    assert coming["decisions"] == [] and coming["absent"] == []


def test_read_scope_over_the_unit(stack, org, meetings):
    _, people = org
    period = {"from": "2026-10", "to": "2026-10"}
    for who in ("secretary", "committee", "general", "admin"):
        r = get(stack, people[who], **period)
        assert r.status_code == 200, (who, r.text)
        assert [m["id"] for m in r.json()["meetings"]] == ["mt_book_theme_1010"]
    # A plain member of the branch, the secretary of the branch beside it: refused alike, and
    # an unknown unit answers the same, so nobody learns which ids exist.
    refused = [get(stack, people["member"], **period), get(stack, people["other"], **period),
               get(stack, people["secretary"], unit="B2", **period),
               get(stack, people["secretary"], unit="NOPE", **period)]  # fmt: skip
    for r in refused:
        assert r.status_code == 403, r.text
        assert r.json()["Message"] == "无权查看或管理该组织、党员的信息"
    # The general branch's committee member reads B2 (her own) but not B3 beside it.
    assert get(stack, people["general"], unit="B2", **period).status_code == 200
    assert get(stack, people["general"], unit="B3", **period).status_code == 403
    assert get(stack, None, **period).status_code == 401


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "2026-13", "to": "2026-12"}, "from（起始月份）须为年月"),
        ({"from": "2026-1", "to": "2026-12"}, "from（起始月份）须为年月"),
        ({"from": "2026-01", "to": "26-12"}, "to（截止月份）须为年月"),
        ({"from": "2026-11", "to": "2026-10"}, "起始月份不能晚于截止月份"),
        ({"from": "2025-11", "to": "2026-11"}, "一次最多导出 12 个月的记录"),
        ({"from": "2026-10", "format": "pdf"}, "format 须为 json 或 xlsx"),
    ],
)
def test_bad_months_are_400_in_chinese(stack, org, params, message):
    r = get(stack, org[1]["secretary"], **params)
    assert r.status_code == 400, r.text
    assert message in r.json()["Message"]


def test_twelve_months_and_the_default_period(stack, org, meetings):
    secretary = org[1]["secretary"]
    r = get(stack, secretary, **{"from": "2025-12", "to": "2026-11"})
    assert r.status_code == 200 and r.json()["totals"]["meetings"] == 3
    # No months: the three ending this one (Beijing); the month turns at Beijing midnight
    # (meeting_book.period, tests/unit/test_meeting_book_period.py).
    today = clock.today()
    this = today.year * 12 + today.month - 1
    book = get(stack, secretary).json()
    assert book["period"]["to"] == f"{today:%Y-%m}"
    assert book["period"]["from"] == f"{(this - 2) // 12:04d}-{(this - 2) % 12 + 1:02d}"
    # `from` alone: three months from it.
    assert get(stack, secretary, **{"from": "2026-10"}).json()["period"]["to"] == "2026-12"


def test_the_workbook_read_back(stack, org, meetings):
    units, people = org
    # Text a member typed stays text: no formula, no control character that breaks the file.
    put_meeting(units["B1"], "mt_book_formula_1101", "group_meeting", "=HYPERLINK(\"http://x\")",
                datetime(2026, 11, 1, 17, 0, tzinfo=clock.TZ), host=SECRETARY,
                minutes="+1 记录\x07中的控制字符", decisions=["@SUM(A1)"])  # fmt: skip
    r = get(stack, people["secretary"], accept=XLSX, **{"from": "2026-10", "to": "2026-11",
                                                        "format": "xlsx"})  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == XLSX
    disposition = r.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="meeting-book-B1-2026-10-2026-11.xlsx"')
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == (
        "第一党支部三会一课记录2026-10至2026-11.xlsx"
    )
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["汇总", "会议记录"]
    summary = wb["汇总"]
    assert summary["A1"].value == "第一党支部 三会一课记录（2026年10月至2026年11月）"
    assert [c.value for c in summary[4]] == ["会议类型", "10月", "11月", "合计"]
    assert [[c.value for c in row] for row in summary.iter_rows(min_row=5, max_row=8)] == [
        ["支部委员会", 0, 1, 1],
        ["党小组会", 0, 1, 1],
        ["主题党日", 1, 0, 1],
        ["合计", None, None, 3],
    ]
    records = wb["会议记录"]
    rows = [[c.value for c in row] for row in records.iter_rows()]
    assert rows[0][:9] == ["日期", "会议类型", "主题", "主持人", "记录人", "应到", "实到",
                           "缺席及原因", "会议记录"]  # fmt: skip
    assert rows[0] == list(meeting_book.COLUMNS)
    held = dict(zip(rows[0], rows[1], strict=True))
    assert held["日期"] == "2026-10-15 14:30–16:30"
    assert (held["会议类型"], held["主题"], held["主持人"], held["记录人"]) == (
        "主题党日", "重温入党誓词", "陈书记", "周委员")  # fmt: skip
    assert (held["应到"], held["实到"]) == (5, 3)
    assert held["缺席及原因"] == "王缺席（无故缺席）；赵请假（请假：出差外地）"
    assert held["会议记录"] == "会议由陈书记主持。\n全体党员重温入党誓词。"
    assert held["会议决议"] == "1. 月底前提交心得\n2. 开展志愿服务"
    assert held["出席人员"] == "陈书记、李党员、周委员" and held["列席人员"] == "孙列席"
    assert "手机没电，会后核实" in held["更正记录"] and "补记主持人" in held["更正记录"]
    formula = dict(zip(rows[0], rows[2], strict=True))
    assert formula["主题"] == '=HYPERLINK("http://x")'
    assert records.cell(row=3, column=3).data_type == "s"
    assert formula["会议记录"] == "+1 记录中的控制字符"
    assert formula["会议决议"] == "1. @SUM(A1)"
    coming = dict(zip(rows[0], rows[3], strict=True))
    assert coming["会议记录"] == "（记录未提交）"


def test_the_workbook_needs_its_accept_header(stack, org, meetings):
    r = get(stack, org[1]["secretary"], format="xlsx", **{"from": "2026-10"})
    assert r.status_code == 400
    assert r.json()["Message"] == f"下载 Excel 时请求头 Accept 须为 {XLSX}"
    # Scope first applies to the workbook too.
    r = get(stack, org[1]["member"], accept=XLSX, format="xlsx", **{"from": "2026-10"})
    assert r.status_code == 403


def test_the_workbook_as_lambda_answers_api_gateway(org, meetings):
    """What the function returns in AWS (not what chalice local's server sends): a response
    Lambda can serialise, the workbook base64-encoded with `isBase64Encoded` for API Gateway to
    turn back into bytes (it must be one of the API's binary types)."""
    from chalice.config import Config
    from chalice.local import LocalGateway

    from app import app

    headers = {**bearer(org[1]["secretary"]), "Accept": XLSX, "Host": "api.example.org"}
    path = "/units/B1/meeting-book?from=2026-10&to=2026-11&format=xlsx"
    answer = LocalGateway(app, Config()).handle_request("GET", path, headers, b"")
    wire = json.loads(json.dumps(answer))  # the Lambda runtime serialises it as JSON
    assert wire["statusCode"] == 200 and wire["isBase64Encoded"] is True
    workbook = openpyxl.load_workbook(io.BytesIO(base64.b64decode(wire["body"])))
    assert workbook.sheetnames == ["汇总", "会议记录"]


def test_a_workbook_across_a_year_end_names_the_years(stack, org, meetings):
    period = {"from": "2026-11", "to": "2027-01"}
    r = get(stack, org[1]["secretary"], accept=XLSX, format="xlsx", **period)
    assert r.status_code == 200, r.text
    summary = openpyxl.load_workbook(io.BytesIO(r.content))["汇总"]
    months = ["2026年11月", "2026年12月", "2027年1月"]
    assert [c.value for c in summary[4]] == ["会议类型", *months, "合计"]
    assert [c.value for c in summary[5]] == ["支部委员会", 1, 0, 0, 1]
    assert [c.value for c in summary[6]] == ["主题党日", 0, 1, 0, 1]

"""Registry import rules without a database: reading, validation of units and members, planning."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import openpyxl
import pytest

from tools.registry_import import (
    MEMBER_REQUIRED,
    UNIT_HEADERS,
    MemberRecord,
    RowError,
    UnitRecord,
    plan_member_import,
    plan_unit_import,
    validate_members,
    validate_units,
)
from tools.spreadsheet import Row, TableError, read_table

TODAY = date(2026, 11, 22)

# committee C1 → general branch G1 → branch B1; committee C1 → branch B3 (no general branch)
UNIT_ROWS = [
    ("C1", "示范党委", "党委", ""),
    ("G1", "第一党总支", "党总支", "C1"),
    ("B1", "第一党支部", "党支部", "G1"),
    ("B3", "机关党支部", "branch", "C1"),
]


def unit_rows(rows=UNIT_ROWS) -> list[Row]:
    return [Row(i, dict(zip(UNIT_HEADERS, r, strict=True))) for i, r in enumerate(rows, start=2)]


def units() -> list[UnitRecord]:
    records, errors = validate_units(unit_rows(), [])
    assert errors == []
    return records


GOOD_MEMBER = {
    "党员编号": "20000001",
    "姓名": "王芳",
    "性别": "女",
    "手机号": "138-0013 8000",
    "所在支部": "B1",
    "人员类别": "正式党员",
    "职务": "支部委员",
    "入党日期": "2001/7/1",
}


def member_rows(*changes: dict[str, str]) -> list[Row]:
    """A good row (row 2) followed by one row per change set (rows 3, 4, ...)."""
    rows = [Row(2, dict(GOOD_MEMBER))]
    for i, change in enumerate(changes):
        rows.append(Row(3 + i, {**GOOD_MEMBER, "党员编号": f"2000010{i}", **change}))
    return rows


# --- units -----------------------------------------------------------------------------------


def test_units_paths_parents_and_order():
    records = {u.unit_id: u for u in units()}
    assert records["C1"].parent_id is None and records["C1"].path == ("C1",)
    assert records["B1"].path == ("C1", "G1", "B1")
    assert records["B1"].path_kinds == ("committee", "general_branch", "branch")
    assert records["B3"].kind == "branch" and records["B3"].path == ("C1", "B3")
    assert [records[k].sort_order for k in ("C1", "G1", "B1", "B3")] == [1, 2, 3, 4]


BAD_UNIT_FILES = [
    # (rows, expected (row, field) pairs)
    ([*UNIT_ROWS, ("B1", "重复", "党支部", "G1")], [(6, "单位编号")]),
    ([*UNIT_ROWS, ("B4", "", "党支部", "G1")], [(6, "单位名称")]),
    ([*UNIT_ROWS, ("B4", "第四党支部", "小组", "G1")], [(6, "单位类型")]),
    ([*UNIT_ROWS, ("B4", "第四党支部", "党支部", "G9")], [(6, "上级单位编号")]),
    ([*UNIT_ROWS, ("B4", "第四党支部", "党支部", "B1")], [(6, "上级单位编号")]),  # under a branch
    ([*UNIT_ROWS, ("G2", "第二党总支", "党总支", "")], [(6, "上级单位编号"), (6, "单位类型")]),
    ([*UNIT_ROWS, ("G2", "空的党总支", "党总支", "C1")], [(6, "单位类型")]),  # a non-branch leaf
    ([*UNIT_ROWS, ("C2", "二级党委", "党委", "G1"), ("B5", "某支部", "党支部", "C2")],
     [(6, "上级单位编号")]),
    ([("X", "单位", "党委", "Y"), ("Y", "单位", "党委", "X"), ("B", "支部", "党支部", "X")],
     [(2, "上级单位编号"), (2, "上级单位编号"), (3, "上级单位编号"), (3, "上级单位编号")]),
    ([("B9", "支部", "党支部", "B9")], [(2, "上级单位编号")]),
]  # fmt: skip


@pytest.mark.parametrize(("rows", "expected"), BAD_UNIT_FILES)
def test_bad_unit_rows_name_row_and_field(rows, expected):
    _, errors = validate_units(unit_rows(rows), [])
    assert sorted((e.row, e.field) for e in errors) == sorted(expected), errors


def test_units_parent_may_already_be_stored():
    stored = units()
    rows = unit_rows([("B5", "新党支部", "党支部", "G1")])
    records, errors = validate_units(rows, stored)
    assert errors == []
    assert [(r.unit_id, r.path) for r in records] == [("B5", ("C1", "G1", "B5"))]


def test_moving_a_unit_repaths_its_stored_descendants():
    stored = [*units(), UnitRecord("C2", "第二党委", "committee", None, ("C2",), ("committee",))]
    # G1 moves under C2; its stored branch B1 is not in the file but its path must follow.
    records, errors = validate_units(unit_rows([("G1", "第一党总支", "党总支", "C2")]), stored)
    assert errors == []
    paths = {r.unit_id: r.path for r in records}
    assert paths == {"G1": ("C2", "G1"), "B1": ("C2", "G1", "B1")}


def test_kind_change_must_fit_stored_children():
    # G1 becomes a branch while stored branch B1 still sits under it.
    _, errors = validate_units(unit_rows([("G1", "第一党总支", "党支部", "C1")]), units())
    assert [(e.row, e.field) for e in errors] == [(2, "单位类型")]


def test_depth_limit(monkeypatch):
    from chalicelib import registry_import as rules  # where the rules live

    monkeypatch.setattr(rules, "MAX_TREE_DEPTH", 2)
    _, errors = validate_units(unit_rows(), [])
    assert [(e.row, e.field) for e in errors] == [(4, "上级单位编号")]
    assert "层级超过 2 级" in errors[0].message


def test_unit_plan_counts():
    stored = units()
    rows = unit_rows(
        [*UNIT_ROWS[:3], ("B3", "机关第一党支部", "党支部", "C1"), ("B4", "新支部", "党支部", "C1")]
    )
    records, errors = validate_units(rows, stored)
    assert errors == []
    plan = plan_unit_import(records, stored)
    assert [u.unit_id for u in plan.added] == ["B4"]
    assert [u.unit_id for u in plan.updated] == ["B3"]
    assert [u.unit_id for u in plan.unchanged] == ["C1", "G1", "B1"]


# --- members ---------------------------------------------------------------------------------


def test_good_rows_give_records_and_no_errors():
    rows = member_rows(
        {"所在支部": "机关党支部", "职务": "支部书记；党委委员, 管理员", "入党日期": "1985-03-02"},
        {"性别": "", "手机号": "", "职务": "", "入党日期": "", "人员类别": "预备党员"},
        {"入党日期": "36708", "手机号": "13900000000"},  # an Excel serial date
    )
    records, errors = validate_members(rows, units(), today=TODAY)
    assert errors == []
    first, by_name, sparse, serial = records
    assert first == MemberRecord(
        "20000001", "王芳", "女", "13800138000", "B1", "full", ("branch_committee",), "2001-07-01"
    )
    assert by_name.branch_id == "B3"
    assert by_name.roles == ("branch_secretary", "party_committee", "admin")
    assert (sparse.gender, sparse.phone, sparse.joined_on, sparse.roles) == (None, None, None, ())
    assert sparse.status == "probationary"
    assert serial.joined_on == "2000-07-01"


BAD_MEMBER_ROWS = [
    ({"党员编号": ""}, "党员编号"),
    ({"党员编号": "20 01"}, "党员编号"),
    ({"党员编号": "20000001"}, "党员编号"),  # same as row 2
    ({"姓名": ""}, "姓名"),
    ({"姓名": "名" * 31}, "姓名"),
    ({"性别": "男性"}, "性别"),
    ({"手机号": "13800"}, "手机号"),
    ({"手机号": "12800138000"}, "手机号"),
    ({"手机号": "138001380001"}, "手机号"),
    ({"所在支部": ""}, "所在支部"),
    ({"所在支部": "B9"}, "所在支部"),
    ({"所在支部": "G1"}, "所在支部"),  # a general branch, not a branch
    ({"人员类别": ""}, "人员类别"),
    ({"人员类别": "入党积极分子"}, "人员类别"),
    ({"职务": "书记"}, "职务"),
    ({"职务": "支部委员、组长"}, "职务"),
    ({"所在支部": "B3", "职务": "党总支委员"}, "职务"),  # no general branch above B3
    ({"入党日期": "2001-13-01"}, "入党日期"),
    ({"入党日期": "01/07/2001"}, "入党日期"),
    ({"入党日期": "2999-01-01"}, "入党日期"),
    ({"入党日期": "1921-06-30"}, "入党日期"),
    # Full-width digits: \d matched them and int() reads them; [0-9] does not.
    ({"手机号": "１３８００１３８０００"}, "手机号"),
    ({"入党日期": "２００１-07-01"}, "入党日期"),
    ({"入党日期": "２００１/７/１"}, "入党日期"),
    ({"入党日期": "３６７１３"}, "入党日期"),  # an Excel serial in full-width digits
    ({"入党日期": "2001-07-01\n"}, "入党日期"),
]


@pytest.mark.parametrize(("change", "field"), BAD_MEMBER_ROWS)
def test_each_bad_member_row_names_row_and_field(change, field):
    _, errors = validate_members(member_rows(change), units(), today=TODAY)
    assert [(e.row, e.field) for e in errors] == [(3, field)], errors


def test_every_problem_is_reported_with_its_row():
    rows = member_rows({"手机号": "13800", "性别": "x"}, {}, {"入党日期": "2001-02-30"})
    records, errors = validate_members(rows, units(), today=TODAY)
    assert [(e.row, e.field) for e in errors] == [(3, "性别"), (3, "手机号"), (5, "入党日期")]
    assert str(errors[1]) == "第 3 行 手机号: 号码格式不正确（13800）"
    assert "与第 2 行重复" in validate_members(member_rows(GOOD_MEMBER), units())[1][0].message
    assert len(records) == 2  # only the good rows become records


def test_ambiguous_branch_name_needs_the_unit_id():
    stored = [*units(), UnitRecord("B7", "机关党支部", "branch", "G1", ("C1", "G1", "B7"))]
    _, errors = validate_members(member_rows({"所在支部": "机关党支部"}), stored, today=TODAY)
    assert [(e.row, e.field) for e in errors] == [(3, "所在支部")]
    assert "多个同名" in errors[0].message


def test_row_error_format_without_value():
    assert str(RowError(4, "姓名", "不能为空")) == "第 4 行 姓名: 不能为空"


# --- reading ---------------------------------------------------------------------------------


def _write_csv(path, text: str, encoding: str) -> None:
    path.write_bytes(text.encode(encoding))


def test_read_gb18030_csv(tmp_path):
    path = tmp_path / "members.csv"
    body = ",".join(MEMBER_REQUIRED) + "\r\n" + ",".join(GOOD_MEMBER.values()) + "\r\n"
    _write_csv(path, body, "gb18030")
    rows = read_table(path, MEMBER_REQUIRED)
    assert rows == [Row(2, GOOD_MEMBER)]


def test_read_utf8_bom_csv_skips_blank_lines_but_keeps_row_numbers(tmp_path):
    path = tmp_path / "units.csv"
    body = (
        "单位编号,单位名称,单位类型,上级单位编号\n\nC1,示范党委,党委,\n,,,\nB1, 一支部 ,党支部,C1\n"
    )
    _write_csv(path, body, "utf-8-sig")
    rows = read_table(path, UNIT_HEADERS)
    assert [(r.number, r.get("单位编号"), r.get("单位名称")) for r in rows] == [
        (3, "C1", "示范党委"),
        (5, "B1", "一支部"),
    ]


def test_read_xlsx_with_date_and_number_cells(tmp_path):
    path = tmp_path / "members.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    # Columns in another order than the template: matched by header text.
    headers = list(reversed(MEMBER_REQUIRED))
    sheet.append(headers)
    values = {
        **GOOD_MEMBER,
        "党员编号": 20000001,
        "手机号": 13800138000,
        "入党日期": datetime(2001, 7, 1),
    }
    sheet.append([values[h] for h in headers])
    sheet.append([None] * len(headers))
    sheet.append([values[h] if h != "党员编号" else "20000002" for h in headers])
    book.save(path)
    rows = read_table(path, MEMBER_REQUIRED)
    assert [r.number for r in rows] == [2, 4]
    assert rows[0].values == {**GOOD_MEMBER, "手机号": "13800138000", "入党日期": "2001-07-01"}
    records, errors = validate_members(rows, units(), today=TODAY)
    assert errors == [] and records[0].joined_on == "2001-07-01"


def test_unknown_and_missing_headers_are_named(tmp_path):
    path = tmp_path / "members.csv"
    headers = [h for h in MEMBER_REQUIRED if h != "手机号"] + ["电话"]
    _write_csv(path, ",".join(headers) + "\n", "utf-8")
    with pytest.raises(TableError) as info:
        read_table(path, MEMBER_REQUIRED)
    assert "缺少列 手机号" in str(info.value) and "无法识别的列 电话" in str(info.value)


@pytest.mark.parametrize(("name", "content"), [("a.txt", b"x"), ("b.csv", b""), ("c.xlsx", b"x")])
def test_unreadable_files(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(TableError):
        read_table(path, UNIT_HEADERS)


_BOMB_CHILD = r"""
import io, json, resource, sys, time, zipfile
resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, 1_500_000_000))
from tools.spreadsheet import TableError, read_table
from tools.registry_import import MEMBER_REQUIRED
ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
typ = "http://schemas.openxmlformats.org/package/2006/content-types"
cells = "".join(
    f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>'
    for i, h in enumerate(MEMBER_REQUIRED)
)
sheet = (f'<worksheet xmlns="{ns}"><dimension ref="A1:XFD1048576"/><sheetData>'
         f'<row r="1">{cells}</row><row r="1048576"><c r="A1048576" t="inlineStr">'
         '<is><t>x</t></is></c></row></sheetData></worksheet>')
main = "application/vnd.openxmlformats-officedocument.spreadsheetml"
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("[Content_Types].xml", f'<Types xmlns="{typ}"><Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{main}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{main}.worksheet+xml"/>'
        '</Types>')
    z.writestr("_rels/.rels", f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" '
        f'Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    z.writestr("xl/workbook.xml", f'<workbook xmlns="{ns}" xmlns:r="{rel}"><sheets>'
        '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
    z.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{pkg}"><Relationship '
        f'Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
    z.writestr("xl/worksheets/sheet1.xml", sheet)
path = sys.argv[1]
open(path, "wb").write(buf.getvalue())
started = time.time()
try:
    read_table(path, MEMBER_REQUIRED, max_rows=5000)
    out = {"read": True}
except TableError as exc:
    out = {"error": str(exc)}
except BaseException as exc:
    out = {"other": type(exc).__name__}
out["seconds"] = time.time() - started
print(json.dumps(out, ensure_ascii=False))
"""


def test_an_xlsx_claiming_a_huge_sheet_is_refused_cheaply(tmp_path):
    """A 2 KB XLSX whose <dimension> claims A1:XFD1048576 (and has a cell in the last row):
    read in a child process capped at 1.5 GB, it is a quick TableError, never MemoryError."""
    import json
    import subprocess
    import sys

    child = subprocess.run(
        [sys.executable, "-c", _BOMB_CHILD, str(tmp_path / "bomb.xlsx")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 0, child.stderr[-500:]
    out = json.loads(child.stdout.strip().splitlines()[-1])
    assert "error" in out and "之后仍有内容" in out["error"], out
    assert out["seconds"] < 5, out


def test_rows_and_columns_beyond_the_bounds_are_refused(tmp_path):
    path = tmp_path / "many.csv"
    body = "".join(f"2000{i:04d},张三\n" for i in range(4))
    _write_csv(path, "单位编号,单位名称\n" + body, "utf-8")
    with pytest.raises(TableError, match="超过 3 行"):
        read_table(path, ["单位编号", "单位名称"], max_rows=3)
    assert len(read_table(path, ["单位编号", "单位名称"], max_rows=4)) == 4
    wide = tmp_path / "wide.xlsx"
    book = openpyxl.Workbook()
    book.active.append(list(UNIT_HEADERS))
    book.active.cell(row=2, column=51, value="x")
    book.save(wide)
    with pytest.raises(TableError, match="超过 50 列"):
        read_table(wide, UNIT_HEADERS)


def test_a_csv_cell_over_the_field_limit_names_its_line(tmp_path):
    path = tmp_path / "units.csv"
    _write_csv(
        path, ",".join(UNIT_HEADERS) + "\nC9,x,党委,\nC8," + "甲" * 140_000 + ",党委,\n", "utf-8"
    )
    with pytest.raises(TableError, match="第 3 行"):
        read_table(path, UNIT_HEADERS)


# --- planning --------------------------------------------------------------------------------


def _member(no: str, **changes) -> MemberRecord:
    base = MemberRecord(no, "王芳", "女", "13800138000", "B1", "full", (), "2001-07-01")
    return MemberRecord(**{**base.__dict__, **changes})


def test_member_plan_added_updated_unchanged_missing():
    stored = [
        _member("1"),
        _member("2"),
        _member("3", active=False),
        _member("4"),
        _member("5", active=False),
    ]
    records = [
        _member("1", row=2),  # unchanged (row numbers do not count)
        _member("2", phone="13900139000", roles=("admin",)),
        _member("3"),  # reactivated
        _member("6"),
    ]
    plan = plan_member_import(records, stored)
    assert [m.member_no for m in plan.added] == ["6"]
    assert [(u.record.member_no, u.changed) for u in plan.updated] == [
        ("2", ("phone", "roles")),
        ("3", ("active",)),
    ]
    assert [m.member_no for m in plan.unchanged] == ["1"]
    assert [m.member_no for m in plan.missing] == ["4", "5"]


# --- member structure (出生日期, 学历, 职业): optional columns, fixed lists ----------


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("出生日期", "1980-13-01", "日期格式不正确"),
        ("出生日期", "1899-12-31", "不能早于 1900-01-01"),
        ("出生日期", "2027-01-01", "不能晚于今天"),
        ("出生日期", "2010-01-01", "未满 18 岁"),
        ("出生日期", "1990-01-01", "入党时未满 18 岁"),  # joined 2001-07-01 at 11
        ("学历", "博士", "应为 研究生、大学本科"),
        ("职业", "公务员", "应为 工人、农牧渔民"),
    ],
)
def test_structure_columns_are_checked_with_row_and_field(column, value, message):
    _, errors = validate_members(member_rows({column: value}), units(), today=TODAY)
    assert [(e.row, e.field) for e in errors] == [(3, column)]
    assert message in errors[0].message and errors[0].value == value


def test_structure_columns_are_stored_and_optional():
    good = {"出生日期": "1975/3/8", "学历": "大学本科", "职业": "专业技术人员"}
    records, errors = validate_members(member_rows(good), units(), today=TODAY)
    assert errors == []
    assert records[0].birth_date is None and records[0].absent == (
        "birth_date",
        "education",
        "occupation",
    )
    assert (records[1].birth_date, records[1].education, records[1].occupation) == (
        "1975-03-08",
        "大学本科",
        "专业技术人员",
    )


def test_a_file_without_the_structure_columns_keeps_what_is_stored():
    stored = MemberRecord(
        "20000001", "王芳", "女", "13800138000", "B1", "full", ("branch_committee",),
        "2001-07-01", birth_date="1975-03-08", education="研究生", occupation="工人",
    )  # fmt: skip
    records, _ = validate_members(member_rows(), units(), today=TODAY)
    plan = plan_member_import(records[:1], [stored])
    assert plan.unchanged and not plan.updated
    # An empty cell in a present column clears the field.
    rows = member_rows()
    rows[0].values.update({"出生日期": "", "学历": "", "职业": ""})
    records, _ = validate_members(rows, units(), today=TODAY)
    plan = plan_member_import(records, [stored])
    assert plan.updated[0].changed == ("birth_date", "education", "occupation")


def test_a_row_for_an_erased_member_is_an_error_at_her_row():
    """Her personal data deleted (个人信息保护法): the file's row would write her name and phone
    back and make her active again; it is refused, so nothing of the file is written."""
    stored = MemberRecord(
        "20000001", "（已删除）", None, None, "B1", "full", (), None, False, erased=True,
    )  # fmt: skip
    records, _ = validate_members(member_rows(), units(), today=TODAY)
    plan = plan_member_import(records[:1], [stored])
    assert not plan.updated and not plan.unchanged
    [error] = plan.errors
    assert (error.row, error.field) == (records[0].row, "党员编号")
    assert "已按规定删除" in error.message


def test_moving_a_unit_may_not_push_its_stored_subtree_too_deep():
    # C1 → G1 → B1 stored; a row for G1 alone leaves B1 at depth 3: with a limit of 2 the row
    # of G1 is refused for B1's sake (before, only the rows' own depth was checked).
    from chalicelib import registry_import as rules

    stored = units()
    rows = unit_rows([("G1", "第一党总支", "党总支", "C1")])
    assert validate_units(rows, stored)[1] == []
    original = rules.MAX_TREE_DEPTH
    rules.MAX_TREE_DEPTH = 2
    try:
        _, errors = validate_units(rows, stored)
    finally:
        rules.MAX_TREE_DEPTH = original
    assert [(e.row, e.field) for e in errors] == [(2, "上级单位编号")]
    assert "下级单位 B1 的层级将超过 2 级" in errors[0].message


def _stored(**kw) -> MemberRecord:
    return MemberRecord(
        "20000001", "王芳", "女", "13800138000", "B3", "full", (), "2001-07-01", **kw
    )


def test_the_import_keeps_what_the_console_did():
    records, _ = validate_members(member_rows(), units(), today=TODAY)  # names branch B1
    plan = plan_member_import(records[:1], [_stored(placed_by="console")])
    assert plan.unchanged and "党务工作台" in plan.notes[0]  # moved in the console: kept in B3
    off = _stored(placed_by="console", active=False)
    plan = plan_member_import(records[:1], [off])
    assert not plan.updated and "已在党务工作台停用" in plan.notes[0]
    plan = plan_member_import(records[:1], [replace(off, branch_id="B1")])
    assert not plan.updated or not plan.updated[0].record.active


BAD_TEXT = ["王\u202e芳", "\u200b\u200b", "王\n芳", "王\x07芳", "\u3164", "王\ufeff芳"]


@pytest.mark.parametrize("text", BAD_TEXT)
def test_invisible_and_control_characters_are_row_errors(text):
    """Names and every other text cell: bidi overrides, zero-width, control characters and
    fillers are a row error at their column (text_chars.problem), for members and units."""
    _, errors = validate_members(
        member_rows({"姓名": text}, {"职务": text}, {"所在支部": "B1" + text}), units(), today=TODAY
    )
    assert [(e.row, e.field) for e in errors] == [(3, "姓名"), (4, "职务"), (5, "所在支部")]
    assert all("字符" in e.message or "换行" in e.message for e in errors)
    rows = unit_rows([*UNIT_ROWS, ("B9", "机关" + text, "党支部", "C1")])
    _, errors = validate_units(rows, [])
    assert [(e.row, e.field) for e in errors] == [(6, "单位名称")]

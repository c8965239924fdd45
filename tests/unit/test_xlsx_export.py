"""The console's one XLSX writer: headers, rows, notes, and text that stays text."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from chalicelib import xlsx_export


def test_workbook_rows_and_formula_text() -> None:
    body = xlsx_export.workbook(
        "第一党支部 党员名单",
        [("no", "党员编号"), ("name", "姓名"), ("points", "积分"), ("roles", "职务")],
        [
            {"no": "10000001", "name": '=HYPERLINK("x")', "points": 12, "roles": ["支部书记"]},
            {"no": "10000002", "name": "李明"},
        ],
        notes=["统计周期：2026年11月"],
    )
    ws = load_workbook(BytesIO(body)).active
    assert ws["A1"].value == "第一党支部 党员名单"
    assert ws["A2"].value == "统计周期：2026年11月"
    assert [c.value for c in ws[4]] == ["党员编号", "姓名", "积分", "职务"]
    assert ws["B5"].value == '=HYPERLINK("x")' and ws["B5"].data_type == "s"
    assert ws["C5"].value == 12 and ws["D5"].value == "支部书记"
    assert [c.value for c in ws[6]] == ["10000002", "李明", None, None]


class _Request:
    def __init__(self, query: dict, accept: str = "") -> None:
        self.query_params = query
        self.headers = {"accept": accept}


def test_wanted_needs_accept_and_known_format() -> None:
    assert xlsx_export.wanted(_Request({})) == "json"
    assert xlsx_export.wanted(_Request({"format": "xlsx"}, xlsx_export.XLSX)) == "xlsx"
    with pytest.raises(Exception, match="Accept"):
        xlsx_export.wanted(_Request({"format": "xlsx"}))
    with pytest.raises(Exception, match="format"):
        xlsx_export.wanted(_Request({"format": "csv"}))


def test_a_stored_control_character_does_not_break_the_export() -> None:
    body = xlsx_export.workbook("名册", [("name", "姓名")], [{"name": "王\x07芳"}])
    assert load_workbook(BytesIO(body)).active["A3"].value == "王芳"


def test_the_fallback_file_name_stays_ascii() -> None:
    header = xlsx_export.content_disposition("党员名册.xlsx", 'dashboard-C01-2026-１２"\n.xlsx')
    header.encode("latin-1")
    assert 'filename="dashboard-C01-2026-.xlsx"' in header

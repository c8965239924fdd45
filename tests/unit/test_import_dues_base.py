"""The finance import's checks without a database (tools/import_dues_base.validate): months as
finance types them, amounts with each mistake in its own words, the registry's names."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib import dues_rules
from tools.import_dues_base import HEADERS, parse_month, validate
from tools.registry_import import MemberRecord
from tools.spreadsheet import Row

RULES = dues_rules.load()
MEMBERS = {
    "81000003": MemberRecord("81000003", "王芳", "女", None, "B1", "full"),
    "81000004": MemberRecord("81000004", "欧阳 明", "男", None, "B2", "full"),
}
TODAY = date(2027, 3, 10)


@pytest.mark.parametrize(
    ("text", "month"),
    [("2027-01", "2027-01"), ("2027/1", "2027-01"), ("2027年1月", "2027-01"),
     ("2027.12", "2027-12"), ("2027-01-01", "2027-01"), ("46388", "2027-01")],
)  # fmt: skip
def test_months_as_finance_types_them(text, month):
    assert parse_month(text) == month


@pytest.mark.parametrize("text", ["2027-13", "2027-00", "2027-01-15", "46390", "2027", "27-01"])
def test_not_a_month(text):
    with pytest.raises(ValueError):
        parse_month(text)


def rows(*cells: tuple[str, ...]) -> list[Row]:
    return [Row(n, dict(zip(HEADERS, c, strict=True))) for n, c in enumerate(cells, start=2)]


def test_good_rows_become_records_in_fen():
    records, errors = validate(
        rows(
            ("81000003", "王芳", "在职", "12,500.50", "2027-01", ""),
            ("81000004", "欧阳明", "其他", "", "2027-02", "8.8元"),
        ),
        MEMBERS, RULES, TODAY,
    )  # fmt: skip
    assert errors == []
    assert [(r.member_no, r.category, r.base_fen, r.fixed_fen, r.month, r.branch_id) for r in
            records] == [("81000003", "on_salary", 1250050, None, "2027-01", "B1"),
                         ("81000004", "other", None, 880, "2027-02", "B2")]  # fmt: skip


@pytest.mark.parametrize(
    ("cells", "field", "message"),
    [
        (("81000003", "王芳", "在职", "1e4", "2027-01", ""), "月收入基数（元）", "须为数字"),
        (("81000003", "王芳", "在职", "12,50", "2027-01", ""), "月收入基数（元）", "须为数字"),
        (("81000003", "王芳", "在职", "2000000", "2027-01", ""), "月收入基数（元）", "请核对"),
        (("81000003", "王芳", "在职", "0.01", "2027-01", ""), "月收入基数（元）", "不足 1 分"),
        (("81000003", "王芳", "在职", "3000", "2007-12", ""), "生效月份", "不能早于 2008-01"),
        (("81000003", "王芳", "学生", "", "2027-01", "0.20"), "固定金额（元）", "不填固定金额"),
        (("81000003", "王芳", "在职", "3000", "2027-01", "30"), "固定金额（元）", "按比例交纳"),
        (("81000003", "王芳", "其他", "", "2027-01", ""), "固定金额（元）", "须填写党支部核定"),
        (("81000003", "", "在职", "3000", "2027-01", ""), "姓名", "不能为空"),
        (("", "王芳", "在职", "3000", "2027-01", ""), "党员编号", "不能为空"),
        (("81000003", "王芳", "", "3000", "2027-01", ""), "类别", "不能为空"),
        (("81000003", "王芳", "在职", "3000", "", ""), "生效月份", "不能为空"),
    ],
)
def test_each_mistake_at_its_field(cells, field, message):
    records, errors = validate(rows(cells), MEMBERS, RULES, TODAY)
    assert records == []
    assert [(e.row, e.field) for e in errors] == [(2, field)], errors
    assert message in errors[0].message

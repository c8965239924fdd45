"""党费核定 on DynamoDB Local: assessments with their history (a mid-year base change leaves
January explained by January's base), idempotent writes, corrections only with a reason (the
replaced version kept), the yearly recalculation and the one after a rules change; the finance
import (real CSV and XLSX files) all or nothing with each error by row and field, its dry run
writing nothing."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest

from chalicelib import dues_assessment, dues_rules
from chalicelib.dues_assessment import AssessmentConflictError, assess, in_force
from chalicelib.models.dues import DuesAssessment
from tools import dues_recalculate, import_dues_base
from tools.fixtures import make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")
HEAD = list(import_dues_base.HEADERS)


@pytest.fixture
def org(dynamodb, at):
    at("2027-03-10T02:00:00")
    make_tree()
    return {
        "a": make_member("81000003", "B1", name="王芳", password=None),
        "b": make_member("81000004", "B1", name="李明", password=None),
        "c": make_member("82000001", "B2", name="赵强", password=None),
        "gone": make_member("81000005", "B1", name="停用", password=None, active=False),
    }


def items(no: str) -> list[DuesAssessment]:
    return list(DuesAssessment.query(no, consistent_read=True))


def write_csv(path: Path, rows: list[list[str]], head: list[str] = HEAD) -> str:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(head)
        w.writerows(rows)
    return str(path)


def write_xlsx(path: Path, rows: list[list[object]], head: list[str] = HEAD) -> str:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(head)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return str(path)


def test_mid_year_base_change_keeps_each_month_explained(org):
    jan = assess("81000003", "2027-01", "on_salary", 480000, branch_id="B1", reason="base_change",
                 by="import")  # fmt: skip
    assert (jan.outcome, jan.item.reason, jan.item.amount_fen) == ("created", "first", 4800)
    jul = assess("81000003", "2027-07", "on_salary", 520000, branch_id="B1", reason="base_change",
                 by="import")  # fmt: skip
    assert (jul.outcome, jul.item.reason, jul.item.amount_fen) == ("created", "base_change", 7800)
    for month, amount, base in (("2027-01", 4800, 480000), ("2027-06", 4800, 480000),
                                ("2027-07", 7800, 520000), ("2028-02", 7800, 520000)):  # fmt: skip
        item = in_force("81000003", month)
        assert (item.amount_fen, item.base_fen) == (amount, base), month
    assert "3000 元以上至 5000 元（含），按 1% 交纳" in in_force("81000003", "2027-03").bracket
    assert "5000 元以上至 10000 元（含），按 1.5% 交纳" in in_force("81000003", "2027-07").bracket
    assert in_force("81000003", "2026-12") is None
    # The same inputs again: nothing written (the item keeps its first timestamp).
    again = assess("81000003", "2027-07", "on_salary", 520000, branch_id="B1",
                   reason="base_change", by="someone")  # fmt: skip
    assert again.outcome == "unchanged" and again.item.assessed_by == "import"
    # A later month with the base already in force: nothing new either.
    same = assess("81000003", "2027-09", "on_salary", 520000, branch_id="B1",
                  reason="base_change", by="import")  # fmt: skip
    assert same.outcome == "unchanged" and [i.effective_from for i in items("81000003")] == [
        "2027-01", "2027-07",
    ]  # fmt: skip


def test_changing_an_assessed_month_needs_an_explicit_correction(org):
    assess("81000003", "2027-01", "on_salary", 480000, branch_id="B1", reason="base_change",
           by="import")  # fmt: skip
    assess("81000003", "2027-07", "on_salary", 520000, branch_id="B1", reason="base_change",
           by="import")  # fmt: skip
    with pytest.raises(AssessmentConflictError, match="2027-01 已核定"):
        assess("81000003", "2027-01", "on_salary", 490000, branch_id="B1",
               reason="base_change", by="import")  # fmt: skip
    with pytest.raises(AssessmentConflictError, match="已有 2027-07 的核定"):
        assess("81000003", "2027-04", "on_salary", 490000, branch_id="B1",
               reason="base_change", by="import")  # fmt: skip
    with pytest.raises(dues_assessment.DuesInputError, match="更正须说明原因"):
        assess("81000003", "2027-01", "on_salary", 490000, branch_id="B1",
               reason="base_change", by="import", correct=True)  # fmt: skip
    assert [(i.effective_from, i.base_fen) for i in items("81000003")] == [
        ("2027-01", 480000), ("2027-07", 520000),
    ]  # fmt: skip
    fixed = assess("81000003", "2027-01", "on_salary", 490000, branch_id="B1",
                   reason="base_change", by="import", correct=True,
                   note="财务更正一月工资数据")  # fmt: skip
    assert fixed.outcome == "corrected"
    jan = DuesAssessment.get("81000003", "2027-01", consistent_read=True)
    assert (jan.reason, jan.note, jan.base_fen, jan.amount_fen) == (
        "correction", "财务更正一月工资数据", 490000, 4900,
    )  # fmt: skip
    assert [(r.base_fen, r.amount_fen, r.reason) for r in jan.replaced] == [
        (480000, 4800, "first"),
    ]  # fmt: skip
    # July untouched: never overwritten by a correction of another month.
    assert DuesAssessment.get("81000003", "2027-07").amount_fen == 7800


def test_yearly_recalculation_keeps_history_and_reruns_change_nothing(org, at, tmp_path):
    assess("81000003", "2026-01", "on_salary", 480000, branch_id="B1", reason="base_change",
           by="import")  # fmt: skip
    assess("81000003", "2026-07", "on_salary", 520000, branch_id="B1", reason="base_change",
           by="import")  # fmt: skip
    assess("81000004", "2026-01", "retired", 500000, branch_id="B1", reason="base_change",
           by="import")  # fmt: skip
    assess("82000001", "2026-03", "other", None, fixed_fen=1250, branch_id="B2",
           reason="base_change", by="import")  # fmt: skip
    assess(
        "81000005", "2026-01", "student", None, branch_id="B1", reason="base_change", by="import"
    )  # fmt: skip  (deactivated since: not recalculated)
    rules = dues_rules.rules()
    counts = dues_recalculate.recalculate("2027-01", "yearly", rules, dry_run=True)
    assert (counts.created, counts.unchanged) == (3, 0)
    assert all(i.effective_from < "2027" for n in ("81000003", "81000004") for i in items(n))

    counts = dues_recalculate.recalculate("2027-01", "yearly", rules)
    assert (counts.created, counts.unchanged, counts.skipped) == (3, 0, [])
    a = [(i.effective_from, i.base_fen, i.amount_fen, i.reason) for i in items("81000003")]
    assert a == [("2026-01", 480000, 4800, "first"), ("2026-07", 520000, 7800, "base_change"),
                 ("2027-01", 520000, 7800, "yearly")]  # fmt: skip
    assert in_force("82000001", "2027-05").amount_fen == 1250  # the branch's amount kept
    assert [i.effective_from for i in items("81000005")] == ["2026-01"]
    again = dues_recalculate.recalculate("2027-01", "yearly", rules)
    assert (again.created, again.unchanged) == (0, 3)

    # New rules (the third band from 1.5% to 1.6%): only those whose amount changes.
    path = tmp_path / "dues_rules.toml"
    path.write_text(dues_rules.DEFAULT_FILE.read_text(encoding="utf-8").replace(
        '{ up_to = "10000", rate = "1.5%" }', '{ up_to = "10000", rate = "1.6%" }'),
        encoding="utf-8")  # fmt: skip
    changed = dues_rules.load(path)
    assert dues_recalculate.recalculate("2027-04", "rules_change", changed, dry_run=True).stale == 3
    counts = dues_recalculate.recalculate("2027-04", "rules_change", changed)
    assert (counts.created, counts.unchanged) == (1, 2)
    april = in_force("81000003", "2027-04")
    assert (april.reason, april.amount_fen, april.rules_digest) == (
        "rules_change", 8320, changed.digest,
    )  # fmt: skip
    assert in_force("81000003", "2027-03").amount_fen == 7800  # the months before unchanged
    # A recalculation from a month before her latest is refused for her, reported, nothing lost.
    counts = dues_recalculate.recalculate("2027-02", "yearly", rules)
    assert any("81000003" in s and "2027-04" in s for s in counts.skipped)


def test_recalculate_command(org, capsys):
    assess("81000003", "2026-01", "on_salary", 300001, branch_id="B1", reason="base_change",
           by="import")  # fmt: skip
    assert dues_recalculate.main(["--from", "2027-01", "--dry-run"]) == 0
    assert "新核定 1 人" in capsys.readouterr().out and len(items("81000003")) == 1
    assert dues_recalculate.main(["--from", "2027-01"]) == 0
    assert len(items("81000003")) == 2
    assert dues_recalculate.main(["--from", "2027-13"]) == 1


# --- the import ------------------------------------------------------------------------------

GOOD = [
    ["81000003", "王芳", "在职", "4800", "2027-01", ""],
    ["81000004", "李明", "离退休党员", "5000.01", "2027/1", ""],
    ["82000001", "赵强", "其他", "", "2027年1月", "12.5"],
]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_import_dry_run_then_write_then_rerun(org, tmp_path, capsys, kind):
    path = (write_csv if kind == "csv" else write_xlsx)(tmp_path / f"base.{kind}", GOOD)
    assert import_dues_base.main([path, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "新核定 3 条" in out and "试运行" in out and "4800" not in out  # no base printed
    assert all(items(n) == [] for n in ("81000003", "81000004", "82000001"))
    assert import_dues_base.main([path]) == 0
    a, b, c = (in_force(n, "2027-01") for n in ("81000003", "81000004", "82000001"))
    assert (a.amount_fen, a.base_fen, a.source) == (4800, 480000, f"base.{kind}:2")
    assert (b.amount_fen, b.category) == (5000, "retired")
    assert (c.amount_fen, c.base_fen, c.category) == (1250, None, "other")
    assert import_dues_base.main([path]) == 0
    assert "新核定 0 条，更正 0 条，未变 3 条" in capsys.readouterr().out


def test_xlsx_numbers_and_dates_as_finance_types_them(org, tmp_path):
    from datetime import datetime

    path = write_xlsx(tmp_path / "typed.xlsx", [
        [81000003, "王芳", "在职", 4321.5, datetime(2027, 1, 1), None],
        [81000004, "李明", "退休", 5000, "2027-01", None],
    ])  # fmt: skip
    assert import_dues_base.main([path]) == 0
    assert in_force("81000003", "2027-01").amount_fen == 4322  # 43.215 → 43.22
    assert in_force("81000004", "2027-01").amount_fen == 2500


def test_import_all_or_nothing_each_error_by_row_and_field(org, tmp_path, capsys):
    rows = [
        ["81000003", "王芳", "在职", "4800", "2027-01", ""],  # good: still not written
        ["89999999", "无名", "在职", "4800", "2027-01", ""],  # 3 unknown member
        ["81000004", "李敏", "在职", "4800", "2027-01", ""],  # 4 name mismatch
        ["82000001", "赵强", "干部", "4800", "2027-01", ""],  # 5 bad category
        ["81000004", "李明", "在职", "-100", "2027-01", ""],  # 6 negative
        ["81000004", "李明", "在职", "四千", "2027-02", ""],  # 7 non-numeric
        ["81000004", "李明", "在职", "4800.123", "2027-03", ""],  # 8 too many decimals
        ["81000004", "李明", "在职", "4800", "2027-13", ""],  # 9 month
        ["81000003", "王芳", "在职", "5200", "2027-01", ""],  # 10 duplicate of row 2
        ["81000005", "停用", "学生", "", "2027-01", ""],  # 11 deactivated
        ["81000004", "李明", "在职", "0", "2027-04", ""],  # 12 zero base
        ["81000004", "李明", "学生", "3000", "2027-05", ""],  # 13 base for a fixed category
        ["81000004", "李明", "其他", "", "2027-06", "2000"],  # 14 above the branch's bound
        ["81000004", "李明", "在职", "", "2027-07", ""],  # 15 base missing
        ["81000004", "李明", "在职", "4800", "2029-01", ""],  # 16 too far ahead
        ["81000004", "李明", "在职", "4800", "2027-08-15", ""],  # 17 not a month
    ]
    path = write_csv(tmp_path / "bad.csv", rows)
    assert import_dues_base.main([path]) == 1
    err = capsys.readouterr().err
    assert f"{path}: 发现" in err and "未导入任何数据" in err
    expected = [
        "第 3 行 党员编号: 名册中没有该党员（89999999）",
        "第 4 行 姓名: 与名册不符（名册为「李明」）（李敏）",
        "第 5 行 类别: 无法识别的类别",
        "第 6 行 月收入基数（元）: 不能为负数（-100）",
        "第 7 行 月收入基数（元）: 须为数字（元）（四千）",
        "第 8 行 月收入基数（元）: 最多两位小数（到分）（4800.123）",
        "第 9 行 生效月份: 格式不正确，应为 YYYY-MM",
        "第 10 行 党员编号: 与第 2 行重复",
        "第 11 行 党员编号: 该党员已停用",
        "第 12 行 月收入基数（元）: 须大于 0",
        "第 13 行 月收入基数（元）: 学生党员不按收入计算，不填基数",
        "第 14 行 固定金额（元）: 须在 0.20 元至 1000.00 元之间（含）（2000）",
        "第 15 行 月收入基数（元）: 在职党员须填写税后月工资收入",
        "第 16 行 生效月份: 不能晚于 2028-03",
        "第 17 行 生效月份: 格式不正确",
    ]
    for line in expected:
        assert line in err, (line, err)
    assert items("81000003") == [] and items("81000004") == []


def test_import_refuses_changes_to_assessed_months_unless_corrected(org, tmp_path, capsys):
    assess("81000003", "2027-01", "on_salary", 480000, branch_id="B1", reason="base_change",
           by="import")  # fmt: skip
    assess("81000003", "2027-07", "on_salary", 520000, branch_id="B1", reason="base_change",
           by="import")  # fmt: skip
    rows = [
        ["81000004", "李明", "在职", "4800", "2027-01", ""],  # fine alone
        ["81000003", "王芳", "在职", "4900", "2027-01", ""],  # changes January
    ]
    path = write_csv(tmp_path / "fix.csv", rows)
    assert import_dues_base.main([path]) == 1
    err = capsys.readouterr().err
    assert "第 3 行 生效月份: 2027-01 已核定（每月 48.00 元），更正须明确说明原因" in err
    assert items("81000004") == []  # nothing written: all or nothing against the database too
    assert import_dues_base.main([path, "--correct"]) == 2
    rows.append(["81000003", "王芳", "在职", "5200", "2027-09", ""])  # July's base: unchanged
    path = write_csv(tmp_path / "fix.csv", rows)
    assert import_dues_base.main([path, "--correct", "--note", "一月工资数据有误"]) == 0
    assert "新核定 1 条，更正 1 条，未变 1 条" in capsys.readouterr().out
    assert [i.effective_from for i in items("81000003")] == ["2027-01", "2027-07"]
    jan = DuesAssessment.get("81000003", "2027-01", consistent_read=True)
    assert (jan.amount_fen, jan.reason, jan.note) == (4900, "correction", "一月工资数据有误")
    assert jan.replaced[0].amount_fen == 4800


def test_import_file_problems(org, tmp_path, capsys):
    assert import_dues_base.main([str(tmp_path / "none.csv")]) == 1
    assert "找不到文件" in capsys.readouterr().err
    path = write_csv(tmp_path / "h.csv", [["81000003", "王芳"]], head=["党员编号", "名字"])
    assert import_dues_base.main([path]) == 1
    assert "表头错误" in capsys.readouterr().err


def test_parallel_assessments_of_one_month_make_one_item(org):
    from concurrent.futures import ThreadPoolExecutor

    def run(base: int):
        try:
            return assess("81000003", "2027-01", "on_salary", base, branch_id="B1",
                          reason="base_change", by="import").outcome  # fmt: skip
        except AssessmentConflictError:
            return "conflict"

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(run, [480000] * 8))
    assert sorted(outcomes) == ["created"] + ["unchanged"] * 7
    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(run, [490000, 500000]))
    assert outcomes == ["conflict", "conflict"]  # January is assessed: neither may change it
    assert [(i.effective_from, i.base_fen) for i in items("81000003")] == [("2027-01", 480000)]

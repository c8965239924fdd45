"""The payments import (tools/import_dues_payments.py) against DynamoDB Local, as staff run it:
CSV and XLSX; every bad row reported as FILE:ROW: 字段 in Chinese with nothing written; the same
file twice, and two imports racing, record each payment exactly once; an import cut short is
completed by running it again; a reversed payment is not recorded again by a re-import."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from openpyxl import Workbook

from chalicelib import dues_collection as dc
from chalicelib import registry
from chalicelib.models.dues_collection import DuesMonth, DuesPayment
from tests.integration.dues_rows import assess
from tools import import_dues_payments as tool
from tools.fixtures import make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")
HEAD = "流水号,党员编号,姓名,金额,交费日期"
TODAY = dc.clock.today().isoformat()
CUR = dc.current_month()


@pytest.fixture
def org(dynamodb):
    make_tree()
    people = {
        "a": make_member("40000001", "B1", name="王芳", password=None),
        "b": make_member("40000002", "B2", name="李强", password=None),
        "c": make_member("40000003", "B3", name="赵敏", password=None),  # 未核定
        "sec": make_member("40000009", "B1", name="书记", roles=("branch_secretary",)),
    }
    assess("40000001", 2000)
    assess("40000002", 5000)
    return people


def csv(tmp_path: Path, *lines: str, name: str = "bank.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEAD, *lines]) + "\n", encoding="utf-8")
    return path


def paid() -> dict[tuple[str, str], int]:
    return {(r.member_no, r.month): int(r.paid_fen) for r in DuesMonth.scan() if r.paid_fen}


def test_a_good_file_is_recorded_once_however_often_imported(tmp_path, org, capsys):
    path = csv(
        tmp_path,
        f"R0001,40000001,王芳,60.00,{TODAY}",
        f'R0002,40000002,李强,"1,00.50",{TODAY}',  # finance's thousands separator
        f"R0003,40000001,王芳,10,{TODAY}",
    )
    assert tool.main([str(path), "--dry-run"]) == 0
    assert paid() == {}
    assert tool.main([str(path)]) == 0
    assert "新记录 3 笔（170.50 元）" in capsys.readouterr().out
    expect = {
        ("40000001", CUR): 2000,
        ("40000001", dc.add_months(CUR, 1)): 2000,
        ("40000001", dc.add_months(CUR, 2)): 2000,
        ("40000001", dc.add_months(CUR, 3)): 1000,
        ("40000002", CUR): 5000,
        ("40000002", dc.add_months(CUR, 1)): 5000,
        ("40000002", dc.add_months(CUR, 2)): 50,
    }
    assert paid() == expect
    assert tool.main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "新记录 0 笔" in out and "已记录 3 笔" in out
    assert paid() == expect and len(list(DuesPayment.scan())) == 3
    p = DuesPayment.get("bank:R0001")
    assert (p.source, p.recorded_by, p.method) == ("bank.csv:2", "import", "bank")


def test_xlsx_with_real_dates(tmp_path, org, capsys):
    book = Workbook()
    sheet = book.active
    sheet.append(list(HEAD.split(",")))
    sheet.append(["X-9", "40000001", "王芳", 20, dc.clock.today()])
    sheet.append(["X-10", "40000002", "李强", 50.5, dc.clock.today()])
    path = tmp_path / "finance.xlsx"
    book.save(path)
    assert tool.main([str(path)]) == 1  # "X-9" is too short for a reference
    assert "finance.xlsx:2: 流水号" in capsys.readouterr().err
    sheet["A2"] = "X-0009"
    book.save(path)
    assert tool.main([str(path)]) == 0
    assert paid() == {
        ("40000001", CUR): 2000,
        ("40000002", CUR): 5000,
        ("40000002", dc.add_months(CUR, 1)): 50,
    }


def test_every_bad_row_is_named_and_nothing_is_written(tmp_path, org, capsys):
    path = csv(
        tmp_path,
        f"R1001,40000001,王方,20.00,{TODAY}",  # 2: name
        f"R1002,49999999,某某,20.00,{TODAY}",  # 3: nobody
        f"R1003,40000001,王芳,20.001,{TODAY}",  # 4: three decimals
        f"R1004,40000001,王芳,-5,{TODAY}",  # 5: negative
        "R1005,40000001,王芳,20,2999-01-01",  # 6: future
        f"R1001,40000002,李强,50,{TODAY}",  # 7: repeated reference
        f"R1007,40000003,赵敏,20,{TODAY}",  # 8: not assessed
        f"R1008,40000002,李强,650.01,{TODAY}",  # 9: more than 13 months of 50
        f"R1009,40000001,王芳,20,{TODAY}",  # 10: fine alone
        "R1010,40000001,王芳,20,2026-02-30",  # 11: no such day
    )
    assert tool.main([str(path)]) == 1
    err = capsys.readouterr().err
    for line in (
        f"{path}:2: 姓名：与党员编号 40000001 的姓名「王芳」不符（王方）",
        f"{path}:3: 党员编号：找不到该党员（49999999）",
        f"{path}:4: 金额",
        f"{path}:5: 金额",
        f"{path}:6: 交费日期：不能晚于今天",
        f"{path}:7: 流水号：与第 2 行重复（R1001）",
        f"{path}:8: 党员编号：该党员党费尚未核定（40000003）",
        f"{path}:9: 金额：超出应交与可预交",
        f"{path}:11: 交费日期",
    ):
        assert line in err, (line, err)
    assert f"{path}:10:" not in err and "未导入任何数据" in err
    assert paid() == {} and list(DuesPayment.scan()) == []


def test_two_imports_racing_record_each_payment_once(tmp_path, org):
    one = csv(tmp_path, *(f"S{i:04d},40000002,李强,10.00,{TODAY}" for i in range(12)), name="a.csv")
    # The second file overlaps the first in half its references and adds its own.
    two = csv(tmp_path, *(f"S{i:04d},40000002,李强,10.00,{TODAY}" for i in range(6, 18)),
              name="b.csv")  # fmt: skip
    codes: list[int] = []
    threads = [
        threading.Thread(target=lambda p=p: codes.append(tool.main([str(p)])))
        for p in (one, two, one, two)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [0, 0, 0, 0]
    assert len(list(DuesPayment.scan())) == 18
    assert sum(paid().values()) == 18 * 1000
    assert paid()[("40000002", CUR)] == 5000


def test_an_import_cut_short_is_completed_by_running_it_again(tmp_path, org, monkeypatch):
    path = csv(tmp_path, *(f"T{i:04d},40000001,王芳,5.00,{TODAY}" for i in range(5)))
    real = dc.record
    calls = {"n": 0}

    def dies_on_the_third(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("the process was killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(dc, "record", dies_on_the_third)
    with pytest.raises(RuntimeError):
        tool.main([str(path)])
    assert sum(paid().values()) == 1000
    monkeypatch.setattr(dc, "record", real)
    assert tool.main([str(path)]) == 0
    assert sum(paid().values()) == 2500 and len(list(DuesPayment.scan())) == 5


def test_a_reversed_payment_is_not_recorded_again(tmp_path, org, capsys):
    path = csv(tmp_path, f"U0001,40000001,王芳,20.00,{TODAY}")
    assert tool.main([str(path)]) == 0
    dc.reverse(registry.caller_for(org["sec"]), "bank:U0001", "银行退回")
    assert tool.main([str(path)]) == 0
    assert "新记录 0 笔" in capsys.readouterr().out
    assert paid() == {} and DuesPayment.get("bank:U0001").state == "reversed"
    # The same reference with another amount: an error, not a second payment.
    other = csv(tmp_path, f"U0001,40000001,王芳,30.00,{TODAY}", name="c.csv")
    assert tool.main([str(other)]) == 1
    assert "已记录为另一笔付款" in capsys.readouterr().err


def test_two_files_that_together_overpay_her_never_count_twice(tmp_path, org):
    # 李强 owes 50.00 a month: this month and 12 ahead take 650.00; the files bring 800.00.
    one = csv(tmp_path, *(f"V{i:04d},40000002,李强,100.00,{TODAY}" for i in range(4)), name="a.csv")
    two = csv(tmp_path, *(f"W{i:04d},40000002,李强,100.00,{TODAY}" for i in range(4)), name="b.csv")
    codes: list[int] = []
    threads = [
        threading.Thread(target=lambda p=p: codes.append(tool.main([str(p)]))) for p in (one, two)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert 1 in codes
    recorded = sum(int(p.amount_fen) for p in DuesPayment.scan())
    assert recorded == sum(paid().values()) <= 65000
    assert recorded >= 40000  # the first file whole at least

"""Registry import against DynamoDB Local, through the command-line entry points."""

from __future__ import annotations

import json

import pytest

from chalicelib.models import Member, OrgUnit
from tools import data_quality, demo_registry, import_members, import_units
from tools.demo_registry import PLANTED

pytestmark = pytest.mark.usefixtures("clean_tables")

UNITS_CSV = """单位编号,单位名称,单位类型,上级单位编号
C1,示范党委,党委,
G1,第一党总支,党总支,C1
B1,第一党支部,党支部,G1
B3,机关党支部,党支部,C1
"""
MEMBERS = [
    "党员编号,姓名,性别,手机号,所在支部,人员类别,职务,入党日期",
    "30000001,王芳,女,13800138001,B1,正式党员,支部书记、党总支委员,2001-07-01",
    "30000002,李强,男,13800138002,第一党支部,正式党员,,1999/10/1",
    "30000003,赵敏,女,,B3,预备党员,,2026-03-01",
]


def _write(tmp_path, name: str, lines: list[str] | str) -> str:
    path = tmp_path / name
    text = lines if isinstance(lines, str) else "\n".join(lines) + "\n"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _snapshot() -> list[dict]:
    items = [u.to_simple_dict() for u in OrgUnit.scan()] + [
        m.to_simple_dict() for m in Member.scan()
    ]
    return sorted(items, key=lambda d: json.dumps(d, sort_keys=True, ensure_ascii=False))


def _activate(member_no: str, epoch: int) -> None:
    """What account activation does, as far as the importer is concerned."""
    Member(member_no).update(
        actions=[Member.password_hash.set("scrypt$fake"), Member.session_epoch.set(epoch)]
    )


def _setup(tmp_path, capsys) -> None:
    assert import_units.main([_write(tmp_path, "units.csv", UNITS_CSV)]) == 0
    assert import_members.main([_write(tmp_path, "members.csv", MEMBERS)]) == 0
    capsys.readouterr()


def test_units_and_members_import_then_reimport(tmp_path, capsys):
    units_file = _write(tmp_path, "units.csv", UNITS_CSV)
    assert import_units.main([units_file]) == 0
    assert "新增 4 个单位，更新 0 个，未变 0 个" in capsys.readouterr().out
    b1 = OrgUnit.get("B1")
    assert (b1.parent_id, b1.path, b1.path_kinds) == (
        "G1",
        ["C1", "G1", "B1"],
        ["committee", "general_branch", "branch"],
    )
    assert OrgUnit.get("C1").parent_id is None
    assert [u.unit_id for u in OrgUnit.children.query("C1")] == ["B3", "G1"]

    assert import_members.main([_write(tmp_path, "members.csv", MEMBERS)]) == 0
    assert "新增 3 人，更新 0 人，未变 0 人" in capsys.readouterr().out
    wang = Member.get("30000001")
    assert wang.roles == ["branch_secretary", "general_branch_committee"]
    assert (wang.active, wang.session_epoch, wang.password_hash) == (True, 0, None)
    assert Member.get("30000002").branch_id == "B1"  # found by name
    assert Member.get("30000003").phone is None
    _activate("30000001", epoch=2)

    changed = [*MEMBERS]
    changed[1] = changed[1].replace("13800138001", "13900139001").replace("、党总支委员", "")
    assert import_members.main([_write(tmp_path, "members2.csv", changed)]) == 0
    out = capsys.readouterr().out
    assert "新增 0 人，更新 1 人，未变 2 人" in out and "手机号、职务" in out
    wang = Member.get("30000001")
    assert (wang.phone, wang.roles) == ("13900139001", ["branch_secretary"])
    assert (wang.password_hash, wang.session_epoch) == ("scrypt$fake", 2)

    assert import_units.main([units_file]) == 0
    assert "新增 0 个单位，更新 0 个，未变 4 个" in capsys.readouterr().out


def test_bad_files_change_nothing(tmp_path, capsys):
    _setup(tmp_path, capsys)
    _activate("30000001", epoch=1)
    before = _snapshot()

    bad_members = [*MEMBERS]
    bad_members[1] = bad_members[1].replace("王芳", "王芳芳")  # a good change in row 2 ...
    bad_members[2] = bad_members[2].replace("13800138002", "13800")  # ... and a bad row 3
    bad_members.append("30000004,新人,男,13800138004,B9,正式党员,,2020-01-01")
    path = _write(tmp_path, "bad.csv", bad_members)
    assert import_members.main([path, "--deactivate-missing"]) == 1
    err = capsys.readouterr().err
    assert "第 3 行 手机号: 号码格式不正确（13800）" in err
    assert "第 5 行 所在支部: 找不到该党支部（B9）" in err

    bad_units = UNITS_CSV.replace("G1,第一党总支,党总支,C1", "G1,第一党总支,党总支,B1")
    assert import_units.main([_write(tmp_path, "bad_units.csv", bad_units)]) == 1
    assert "第 3 行 上级单位编号" in capsys.readouterr().err
    assert import_members.main([_write(tmp_path, "bad_headers.csv", ["姓名,电话"])]) == 1
    assert "缺少列" in capsys.readouterr().err

    assert _snapshot() == before


def test_missing_members_are_listed_and_deactivated_only_on_request(tmp_path, capsys):
    _setup(tmp_path, capsys)
    _activate("30000003", epoch=4)
    shorter = _write(tmp_path, "shorter.csv", MEMBERS[:3])

    assert import_members.main([shorter, "--dry-run"]) == 0
    assert import_members.main([shorter]) == 0
    out = capsys.readouterr().out
    assert "文件中没有 30000003 赵敏（未处理）" in out
    assert Member.get("30000003").active is True

    assert import_members.main([shorter, "--deactivate-missing"]) == 0
    assert "文件中没有 30000003 赵敏（将停用）" in capsys.readouterr().out
    zhao = Member.get("30000003")
    assert (zhao.active, zhao.session_epoch, zhao.password_hash) == (False, 5, "scrypt$fake")

    # Already inactive: listed again, but the epoch is not bumped twice.
    assert import_members.main([shorter, "--deactivate-missing"]) == 0
    assert "（已停用）" in capsys.readouterr().out
    assert Member.get("30000003").session_epoch == 5

    # Back in the file: active again; the epoch stays, so old sessions stay ended.
    full = _write(tmp_path, "full.csv", MEMBERS)
    assert import_members.main([full]) == 0
    zhao = Member.get("30000003")
    assert (zhao.active, zhao.session_epoch) == (True, 5)


def test_dry_run_writes_nothing(tmp_path, capsys):
    assert import_units.main([_write(tmp_path, "units.csv", UNITS_CSV), "--dry-run"]) == 0
    assert "试运行" in capsys.readouterr().out
    assert list(OrgUnit.scan()) == []


def test_demo_registry_imports_and_reports(tmp_path, capsys):
    assert demo_registry.main([str(tmp_path)]) == 0
    assert import_units.main([str(tmp_path / "units.csv")]) == 0
    assert import_members.main([str(tmp_path / "members.csv")]) == 0
    assert "新增 178 人" in capsys.readouterr().out
    assert len(list(OrgUnit.scan())) == 13 and len(list(Member.scan())) == 178

    assert data_quality.main(["--format", "json", "--today", demo_registry.AS_OF.isoformat()]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["totals"]["members"] == 178
    for key, numbers in PLANTED.items():
        found = {no for b in report["branches"] for no in b["issues"][key]}
        assert found == set(numbers), key
    assert data_quality.main([]) == 0
    assert "党员信息数据质量报告" in capsys.readouterr().out


def test_the_import_writes_only_what_is_as_it_read_it(tmp_path, capsys):
    """A member or unit added meanwhile is not overwritten by the plan's add; a member whose
    roles changed meanwhile (her rev) is not overwritten by the plan's update; the plan then
    reports only what was written, the rest in its notes. `rev` stays a small counter."""
    from tools.registry_import import (
        apply_member_import,
        apply_unit_import,
        load_members,
        load_units,
        plan_member_import,
        plan_unit_import,
        validate_members,
        validate_units,
    )
    from tools.spreadsheet import read_table

    _setup(tmp_path, capsys)
    units_file = _write(tmp_path, "u.csv", UNITS_CSV + "B4,新设党支部,党支部,C1\n")
    records, errors = validate_units(read_table(units_file, UNIT_HEADERS), load_units())
    assert not errors
    plan = plan_unit_import(records, load_units())
    assert [u.unit_id for u in plan.added] == ["B4"]
    OrgUnit("B4", name="工作台新增", kind="branch", parent_id="C1", path=["C1", "B4"],
            path_kinds=["committee", "branch"], rev=1).save()  # fmt: skip
    apply_unit_import(plan)
    assert OrgUnit.get("B4").name == "工作台新增" and plan.added == []
    assert any("B4" in n for n in plan.notes)
    assert all(0 < int(u.rev) < 2**53 for u in OrgUnit.scan())

    lines = [*MEMBERS, "30000009,新来的,男,13800138009,B3,正式党员,,2001-07-01"]
    lines[2] = lines[2].replace("13800138002", "13800138222")
    rows = read_table(_write(tmp_path, "m.csv", lines), MEMBER_HEADERS_ALL[:8])
    records, errors = validate_members(rows, load_units())
    assert not errors
    plan = plan_member_import(records, load_members())
    assert [r.member_no for r in plan.added] == ["30000009"]
    assert [c.record.member_no for c in plan.updated] == ["30000002"]
    Member("30000009", name="工作台新增", branch_id="B3", status="full", active=True).save()
    Member("30000002").update(actions=[Member.roles.set(["branch_committee"]), Member.rev.add(1)])
    apply_member_import(plan)
    assert Member.get("30000009").name == "工作台新增"
    m = Member.get("30000002")
    assert m.roles == ["branch_committee"] and m.phone == "13800138002"
    assert plan.added == [] and plan.updated == []
    assert len(plan.notes) == 2


MEMBER_HEADERS_ALL = MEMBERS[0].split(",")
UNIT_HEADERS = UNITS_CSV.splitlines()[0].split(",")

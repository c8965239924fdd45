"""The registry import does not undo what 组织关系转接 and 党员发展 did (DynamoDB Local, the
real command-line tool, the transfers' own functions): an open transfer's member is not moved,
a completed transfer's branch is kept until a file names it, a member transferred out is not
made active again, members who arrived or were admitted are not deactivated as missing."""

from __future__ import annotations

import pytest

from chalicelib import registry, transfers
from chalicelib.models import Member
from tools import import_members, import_units
from tools.fixtures import rid

pytestmark = pytest.mark.usefixtures("clean_tables")

UNITS_CSV = """单位编号,单位名称,单位类型,上级单位编号
C1,示范党委,党委,
G1,第一党总支,党总支,C1
B1,第一党支部,党支部,G1
B3,机关党支部,党支部,C1
"""
HEAD = "党员编号,姓名,性别,手机号,所在支部,人员类别,职务,入党日期"
ROWS = {
    "30000001": "30000001,王芳,女,13800138001,B1,正式党员,支部书记,2001-07-01",
    "30000002": "30000002,李强,男,13800138002,B1,正式党员,支部委员,1999-10-01",
    "30000003": "30000003,赵敏,女,,B1,预备党员,,2026-03-01",
    "30000004": "30000004,周洁,女,,B3,正式党员,支部书记,2003-07-01",
    "30000005": "30000005,孙丽,女,,B1,正式党员,,2005-07-01",
}


def _import(tmp_path, capsys, rows: list[str], *flags: str) -> tuple[int, str, str]:
    path = tmp_path / f"members-{rid()}.csv"
    path.write_text("\n".join([HEAD, *rows]) + "\n", encoding="utf-8")
    code = import_members.main([str(path), *flags])
    out = capsys.readouterr()
    return code, out.out, out.err


def _member(no: str) -> Member:
    return Member.get(no, consistent_read=True)


def _internal(member_no: str, to_unit: str) -> str:
    sender = _member("30000001")
    body = {"member_no": member_no, "to_unit": to_unit, "reason": "调动", "request_key": rid()}
    t, _ = transfers.start_internal(registry.caller_for(sender), sender, body)
    return t["id"]


def _decide(staff_no: str, tid: str, decision: str) -> None:
    staff = _member(staff_no)
    transfers.decide(registry.caller_for(staff), staff, tid, decision, None)


@pytest.fixture
def imported(tmp_path, capsys):
    (tmp_path / "units.csv").write_text(UNITS_CSV, encoding="utf-8")
    assert import_units.main([str(tmp_path / "units.csv")]) == 0
    assert _import(tmp_path, capsys, list(ROWS.values()))[0] == 0
    return list(ROWS.values())


def test_an_old_sheet_does_not_move_a_transferred_member_back(tmp_path, capsys, imported):
    _decide("30000004", _internal("30000002", "B3"), "approve")
    moved = _member("30000002")
    assert (moved.branch_id, moved.roles, moved.placed_by) == ("B3", [], "transfer")

    code, out, _ = _import(tmp_path, capsys, imported)  # the sheet from before the move
    assert code == 0
    li = _member("30000002")
    assert (li.branch_id, li.roles, li.prior_branch_id) == ("B3", [], "B1")  # not 支部委员 of B3
    assert "第 3 行 30000002 李强：所在支部由组织关系转接确定为 B3，文件中为 B1" in out

    # A sheet that names her new branch confirms her: from then on the file governs her.
    newer = [r.replace(",B1,正式党员,支部委员", ",B3,正式党员,") if r.startswith("30000002") else r
             for r in imported]  # fmt: skip
    code, out, _ = _import(tmp_path, capsys, newer)
    assert code == 0 and "未按文件处理" not in out
    assert _member("30000002").placed_by is None
    assert _import(tmp_path, capsys, imported)[0] == 0
    assert _member("30000002").branch_id == "B1"


def test_a_row_moving_a_member_in_an_open_transfer_refuses_the_file(tmp_path, capsys, imported):
    tid = _internal("30000003", "B3")
    moving = [r.replace(",B1,预备党员", ",B3,预备党员") if r.startswith("30000003") else r
              for r in imported]  # fmt: skip
    moving = [r.replace("孙丽", "孙莉") for r in moving]
    code, _, err = _import(tmp_path, capsys, moving)
    assert code == 1 and "未导入任何数据" in err
    assert "members-" in err and "第 4 行 所在支部: 该党员的组织关系转接正在办理中" in err
    assert _member("30000005").name == "孙丽"  # nothing written
    # The same branch with another change is fine, and the transfer still completes.
    renamed = [r.replace("赵敏", "赵敏敏") for r in imported]
    assert _import(tmp_path, capsys, renamed)[0] == 0
    assert _member("30000003").name == "赵敏敏"
    _decide("30000004", tid, "approve")
    assert _member("30000003").branch_id == "B3"


def test_missing_members_the_platform_placed_are_not_deactivated(tmp_path, capsys, imported):
    sec = _member("30000001")
    arrival = {
        "member_no": "95000001", "name": "吴刚", "to_unit": "B1", "status": "full",
        "joined_on": "2010-07-01", "letter_no": "X1", "other_org": "外单位", "request_key": rid(),
    }  # fmt: skip
    t, _ = transfers.register_in(registry.caller_for(sec), sec, arrival)
    _decide("30000001", t["id"], "confirm")
    Member(  # as recruitment admits a 预备党员 (with the attribute it is to set)
        "96000001", name="新党员", branch_id="B1", status="probationary", roles=[],
        active=True, session_epoch=0, placed_by="recruitment",
    ).save()  # fmt: skip
    open_tid = _internal("30000005", "B3")
    without = [r for r in imported if not r.startswith("30000005")]
    code, out, _ = _import(tmp_path, capsys, without, "--deactivate-missing")
    assert code == 0
    for no in ("95000001", "96000001", "30000005"):
        assert _member(no).active is True, no
    assert "文件中没有 95000001 吴刚（经组织关系转接转入，不停用）" in out
    assert "文件中没有 96000001 新党员（经党员发展接收，不停用）" in out
    assert "文件中没有 30000005 孙丽（组织关系转接办理中，不停用）" in out
    _decide("30000004", open_tid, "approve")
    assert _member("30000005").branch_id == "B3"


def test_a_member_transferred_out_is_not_made_active_again(tmp_path, capsys, imported):
    sec = _member("30000001")
    body = {"member_no": "30000003", "other_org": "外单位党委", "reason": "调出",
            "request_key": rid()}  # fmt: skip
    t, _ = transfers.start_out(registry.caller_for(sec), sec, body)
    _decide("30000001", t["id"], "receipt")
    code, out, _ = _import(tmp_path, capsys, imported)
    assert code == 0 and "已通过组织关系转接转出本组织" in out
    zhao = _member("30000003")
    assert (zhao.active, zhao.remind_key) == (False, None)

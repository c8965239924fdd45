"""A 预备党员's record follows her transfer between branches (`recruitment.member_moved`, called by
the transfers' follow-up), against DynamoDB Local: branch, path and the by-tree key move, one
timeline line names the transfer's approver and day; again, in parallel, or late after a later
move, nothing more happens; a closed record, or none, stays as it is."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib import recruitment
from chalicelib.models import Member
from chalicelib.models.recruitment import Recruit, StepRecord
from chalicelib.models.transfers import Step, Transfer
from tools.fixtures import make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")

APPROVED_AT = 1_801_000_000.0  # 2027-01-27 Beijing


@pytest.fixture
def org(dynamodb):
    units = make_tree()
    make_member("71000001", "B1", name="王预备")
    return units


def recruit(units, person_id="rp_abcdefgh0001", stage="probationary", member_no="71000001"):
    unit = units["B1"]
    person = Recruit(
        person_id,
        name="王预备",
        branch_id="B1",
        branch_path=list(unit.path),
        branch_path_kinds=list(unit.path_kinds),
        root=unit.path[0],
        tree_sort="/".join(unit.path) + "/#" + person_id,
        stage=stage,
        applied_on="2025-01-05",
        records=[StepRecord(step="apply", on="2025-01-05", by="71000009", at=1.7e9)],
        member_no=member_no,
        version=7,
        created_at=1.7e9,
        created_by="71000009",
    )
    person.save()
    return person


def transfer_done(units, to="B2") -> Transfer:
    t = Transfer(
        "tr_moved000001",
        kind="internal",
        state="done",
        member_no="71000001",
        member_name="王预备",
        from_unit="B1",
        to_unit=to,
        reason="工作调动",
        steps=[
            Step(act="start", by="71000009", by_name="一支书记", at=APPROVED_AT - 86400),
            Step(act="approve", by="71000008", by_name="二支书记", at=APPROVED_AT),
        ],
        started_at=APPROVED_AT - 86400,
        started_by="71000009",
        org=units["B1"].path[0],
        sort=f"{int((APPROVED_AT - 86400) * 1000)}#tr_moved000001",
    )
    t.save()
    return t


def move_member(to: str) -> None:
    """What transfers.py does to her member item."""
    Member("71000001").update(actions=[Member.branch_id.set(to)])


def in_tree(units, unit_id: str) -> list[str]:
    path = units[unit_id].path
    prefix = "/".join(path) + "/"
    return [
        p.person_id for p in Recruit.by_tree.query(path[0], Recruit.tree_sort.startswith(prefix))
    ]


def test_her_open_record_follows_her_to_the_new_branch_once(org) -> None:
    units = org
    recruit(units)
    transfer_done(units)
    move_member("B2")
    recruitment.member_moved("71000001", "B2")
    recruitment.member_moved("71000001", "B2")  # a retried follow-up
    person = Recruit.get("rp_abcdefgh0001", consistent_read=True)
    assert (person.branch_id, list(person.branch_path)) == ("B2", list(units["B2"].path))
    assert list(person.branch_path_kinds) == list(units["B2"].path_kinds)
    assert person.tree_sort == "/".join(units["B2"].path) + "/#rp_abcdefgh0001"
    assert person.version == 8
    moves = [r for r in person.records if r.step == recruitment.MOVED]
    assert len(moves) == 1
    line = moves[0]
    assert (line.by, line.by_name, line.at, line.on) == ("71000008", "二支书记", APPROVED_AT,
                                                          "2027-01-27")  # fmt: skip
    assert units["B1"].name in line.note and units["B2"].name in line.note
    assert "tr_moved000001" in line.note
    assert in_tree(units, "B2") == ["rp_abcdefgh0001"]
    assert in_tree(units, "B1") == []


def test_parallel_calls_move_her_once(org) -> None:
    units = org
    recruit(units)
    transfer_done(units)
    move_member("B2")
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(lambda _: recruitment.member_moved("71000001", "B2"), range(6)))
    person = Recruit.get("rp_abcdefgh0001", consistent_read=True)
    assert person.branch_id == "B2" and person.version == 8
    assert sum(r.step == recruitment.MOVED for r in person.records) == 1


def test_a_late_retry_of_an_older_move_changes_nothing(org) -> None:
    units = org
    recruit(units)
    move_member("B2")
    recruitment.member_moved("71000001", "B2")
    move_member("B3")
    recruitment.member_moved("71000001", "B3")
    before = Recruit.get("rp_abcdefgh0001", consistent_read=True).to_simple_dict()
    recruitment.member_moved("71000001", "B2")  # the first move's follow-up, retried late
    after = Recruit.get("rp_abcdefgh0001", consistent_read=True)
    assert after.to_simple_dict() == before and after.branch_id == "B3"
    lines = [r for r in after.records if r.step == recruitment.MOVED]
    assert [r.by_name for r in lines] == ["党员名册", "党员名册"]  # no transfer on record


@pytest.mark.parametrize("stage", ["full", "cancelled"])
def test_a_closed_record_stays_with_the_branch_that_closed_it(org, stage) -> None:
    units = org
    recruit(units, stage=stage)
    move_member("B2")
    before = Recruit.get("rp_abcdefgh0001", consistent_read=True).to_simple_dict()
    recruitment.member_moved("71000001", "B2")
    assert Recruit.get("rp_abcdefgh0001", consistent_read=True).to_simple_dict() == before


def test_a_member_without_a_record_and_an_unknown_member_change_nothing(org) -> None:
    units = org
    recruit(units, member_no="71000099")  # somebody else's
    move_member("B2")
    recruitment.member_moved("71000001", "B2")
    recruitment.member_moved("nosuch", "B2")
    assert Recruit.get("rp_abcdefgh0001", consistent_read=True).branch_id == "B1"


def test_the_new_branch_records_her_probation_and_the_old_one_cannot(org) -> None:
    """After the move the timeline shows the line, and the recording check passes at B2."""
    units = org
    person = recruit(units)
    move_member("B2")
    recruitment.member_moved("71000001", "B2")
    person = Recruit.get(person.person_id, consistent_read=True)
    recruitment._require_member_here(person, "71000001")  # no refusal: she is here now
    done = recruitment._record_dict(recruitment.rules(), person.records[-1].as_dict())
    assert done["label"] == recruitment.MOVED_LABEL

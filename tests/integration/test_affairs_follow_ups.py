"""What other areas do when a member's registry item changes, against DynamoDB Local over HTTP:
a transfer between branches moves a 预备党员's open 党员发展 record and her 通讯录 entry with
her; a transfer out takes her out of 通讯录; an admission puts the new member in it."""

from __future__ import annotations

import pytest
import requests

from chalicelib import directory, recruitment
from chalicelib.models import Member
from chalicelib.models.recruitment import Recruit, StepRecord
from tools.directory_index import rebuild
from tools.fixtures import bearer, make_member, make_tree, rid

pytestmark = pytest.mark.usefixtures("clean_tables")


@pytest.fixture
def org(stack):
    units = make_tree()  # C1 → G1 → B1, B2; C1 → B3
    people = {
        "sec1": make_member("94000001", "B1", name="一支书记", roles=("branch_secretary",)),
        "sec2": make_member("94000002", "B2", name="二支书记", roles=("branch_secretary",)),
        "p": make_member("94000003", "B1", name="孙预备"),
    }
    Member("94000003").update(actions=[Member.status.set("probationary")])
    unit = units["B1"]
    Recruit(
        "rp_followups0001",
        name="孙预备",
        branch_id="B1",
        branch_path=list(unit.path),
        branch_path_kinds=list(unit.path_kinds),
        root=unit.path[0],
        tree_sort="/".join(unit.path) + "/#rp_followups0001",
        stage="probationary",
        applied_on="2024-03-05",
        records=[StepRecord(step="apply", on="2024-03-05", by="94000001", at=1.7e9)],
        member_no="94000003",
        version=3,
        created_at=1.7e9,
        created_by="94000001",
    ).save()
    rebuild()
    return people


def post(stack, path: str, member, body: dict) -> requests.Response:
    return requests.post(f"{stack.url}/api{path}", headers=bearer(member), json=body, timeout=60)


def test_a_move_takes_her_record_and_her_directory_entry_along(stack, org):
    assert directory._index()["94000003"] == ("孙预备", "B1")
    body = {"member_no": "94000003", "to_unit": "B2", "reason": "工作调动", "request_key": rid()}
    r = post(stack, "/transfers", org["sec1"], body)
    assert r.status_code == 201, r.text
    r = post(stack, f"/transfers/{r.json()['id']}/decision", org["sec2"], {"decision": "approve"})
    assert r.status_code == 200, r.text
    assert Member.get("94000003", consistent_read=True).branch_id == "B2"
    # 通讯录's index follows at once (not at the next import), and so does her record.
    assert directory._index()["94000003"] == ("孙预备", "B2")
    person = Recruit.get("rp_followups0001", consistent_read=True)
    assert person.branch_id == "B2"
    assert [r.step for r in person.records][-1] == recruitment.MOVED


def test_a_letter_out_confirmed_takes_her_out_of_the_directory(stack, org):
    r = post(stack, "/transfer-letters", org["sec1"],
             {"member_no": "94000003", "other_org": "某市某局机关党委", "reason": "工作调动",
              "request_key": rid()})  # fmt: skip
    assert r.status_code == 201, r.text
    r = post(stack, f"/transfers/{r.json()['id']}/decision", org["sec1"], {"decision": "receipt"})
    assert r.status_code == 200, r.text
    assert not Member.get("94000003", consistent_read=True).active
    assert "94000003" not in directory._index()

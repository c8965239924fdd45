"""通讯录 over HTTP on DynamoDB Local: search by a name's substring and by branch, every answer
holding only the fields directory.toml lets the caller see (members across branches, staff over
their subtree, another organisation never); the index kept by member_changed and the rebuild,
a stale entry never shown as it was; bad input refused in Chinese; the per-member budget."""

from __future__ import annotations

import pytest
import requests

from chalicelib import directory
from chalicelib.models import Member, OrgUnit
from tools.directory_index import rebuild
from tools.fixtures import bearer, make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")


@pytest.fixture
def org(stack):
    make_tree()  # C1 → G1 → (B1, B2); C1 → B3
    OrgUnit("X1", name="外单位党委", kind="committee", path=["X1"], path_kinds=["committee"]).save()
    OrgUnit(
        "XB", name="外单位支部", kind="branch", parent_id="X1", path=["X1", "XB"],
        path_kinds=["committee", "branch"],
    ).save()  # fmt: skip
    m = {
        "wh": make_member("81000001", "B1", name="王红", phone="13800000001", password=None),
        "lhm": make_member("81000002", "B1", name="李红梅", phone="13800000002", password=None),
        "b1sec": make_member(
            "81000003", "B1", name="陈书记", phone="13800000003", roles=("branch_secretary",),
            password=None,
        ),
        "gone": make_member("81000004", "B1", name="红停用", password=None, active=False),
        "zh": make_member("82000001", "B2", name="张红", phone="13800000011", password=None),
        "b2sec": make_member(
            "82000002", "B2", name="刘书记", phone="13800000012", roles=("branch_secretary",),
            password=None,
        ),
        "g1": make_member(
            "81000009", "B1", name="党总支委员", roles=("general_branch_committee",),
            password=None,
        ),
        "zm": make_member("83000001", "B3", name="赵红军", phone="13800000021", password=None),
        "cm": make_member(
            "83000002", "B3", name="党委委员", roles=("party_committee",), password=None
        ),
        "x": make_member("89000001", "XB", name="外红", phone="13800000099", password=None),
    }  # fmt: skip
    rebuild()
    return m


def get(stack, path: str, member, **params) -> requests.Response:
    return requests.get(f"{stack.url}/api{path}", headers=bearer(member), params=params, timeout=60)


def by_name(r: requests.Response) -> dict[str, dict]:
    assert r.status_code == 200, r.text
    return {row["name"]: row for row in r.json()["results"]}


def test_a_member_finds_colleagues_by_part_of_a_name(stack, org):
    found = by_name(get(stack, "/directory/search", org["wh"], q="红"))
    # Exact names first, then by name; the deactivated and the other organisation never.
    assert set(found) == {"王红", "李红梅", "张红", "赵红军"}
    assert "红停用" not in found and "外红" not in found
    # Her own branch: phone, number, status; another branch: name, branch, roles only.
    assert found["李红梅"]["phone"] == "13800000002"
    assert set(found["李红梅"]) == {
        "name", "member_no", "branch", "gender", "roles", "status", "phone", "self",
    }  # fmt: skip
    assert set(found["张红"]) == {"name", "branch", "roles", "self"}
    assert found["张红"]["branch"] == {"id": "B2", "name": "第二党支部"}
    assert found["王红"]["self"] is True
    assert all("joined_on" not in row for row in found.values())  # 不显示 for everyone


def test_exact_name_first(stack, org):
    rows = get(stack, "/directory/search", org["b2sec"], q="王红").json()["results"]
    assert [r["name"] for r in rows] == ["王红"]
    assert "phone" not in rows[0] and "member_no" not in rows[0]


def test_phones_across_branches_follow_the_file_and_the_staff_scope(stack, org):
    def phone_of(viewer, name):
        return by_name(get(stack, "/directory/search", viewer, q=name))[name].get("phone")

    assert phone_of(org["b2sec"], "王红") is None  # another branch's secretary
    assert phone_of(org["zh"], "王红") is None
    assert phone_of(org["g1"], "张红") == "13800000011"  # her general branch reaches B2
    assert phone_of(org["g1"], "赵红军") is None  # B3 is beside it
    assert phone_of(org["cm"], "王红") == "13800000001"  # the committee reaches all
    assert phone_of(org["b1sec"], "王红") == "13800000001"


def test_branches_listed_are_her_organisation_only(stack, org):
    r = get(stack, "/directory/branches", org["wh"])
    assert r.status_code == 200
    body = r.json()
    assert [b["id"] for b in body["branches"]] == ["B1", "B2", "B3"]
    assert body["own"] == "B1"
    assert body["branches"][0]["above"] == "第一党总支"


def test_a_branch_listing_is_live_and_filtered(stack, org):
    own = by_name(get(stack, "/directory/branches/B1", org["wh"]))
    assert set(own) == {"王红", "李红梅", "陈书记", "党总支委员"}  # not the deactivated
    assert own["陈书记"]["phone"] == "13800000003"
    assert own["陈书记"]["roles"] == ["支部书记"]
    other = by_name(get(stack, "/directory/branches/B2", org["wh"]))
    assert set(other) == {"张红", "刘书记"}
    assert all(set(row) <= {"name", "branch", "roles", "self"} for row in other.values())
    # A member added after the index was built is listed at once: the listing reads the table.
    make_member("82000003", "B2", name="新同志", password=None)
    assert "新同志" in by_name(get(stack, "/directory/branches/B2", org["wh"]))


@pytest.mark.parametrize(
    ("unit", "status"), [("XB", 403), ("X1", 403), ("NOPE", 403), ("G1", 400), ("b%20", 403)]
)
def test_a_branch_outside_or_not_a_branch_is_refused(stack, org, unit, status):
    r = get(stack, f"/directory/branches/{unit}", org["wh"])
    assert r.status_code == status, r.text
    assert r.json()["Message"] in {"无权查看该支部的通讯录", "请选择一个党支部"}


def test_the_other_organisation_sees_nothing_of_ours(stack, org):
    r = get(stack, "/directory/search", org["x"], q="红")
    assert set(by_name(r)) == {"外红"}
    assert get(stack, "/directory/branches/B1", org["x"]).status_code == 403


@pytest.mark.parametrize(
    ("q", "words"),
    [
        ("", "请输入"),
        ("   ", "请输入"),
        ("红" * 21, "最多 20 个字"),
        ("<script>", "只能包含"),
        ("138", "只能包含"),
        ("王%", "只能包含"),
    ],
)
def test_bad_search_input_is_refused_in_chinese(stack, org, q, words):
    r = get(stack, "/directory/search", org["wh"], q=q)
    assert r.status_code == 400
    assert words in r.json()["Message"]


@pytest.mark.parametrize("cursor", ["-1", "abc", "99999999", "1e3"])
def test_a_bad_cursor_is_refused(stack, org, cursor):
    r = get(stack, "/directory/search", org["wh"], q="红", cursor=cursor)
    assert r.status_code == 400
    assert "分页参数" in r.json()["Message"]
    r = get(stack, "/directory/branches/B1", org["wh"], cursor=cursor)
    assert r.status_code == 400


def test_results_are_paged(stack, org):
    for i in range(25):
        make_member(f"8400{i:04d}", "B3", name=f"红旗{i:02d}", password=None)
    rebuild()
    first = get(stack, "/directory/search", org["wh"], q="红旗").json()
    assert len(first["results"]) == directory.SEARCH_LIMIT and first["next"]
    rest = get(stack, "/directory/search", org["wh"], q="红旗", cursor=first["next"]).json()
    names = [r["name"] for r in first["results"] + rest["results"]]
    assert names == [f"红旗{i:02d}" for i in range(25)] and rest["next"] is None


def test_member_changed_keeps_the_index_and_a_stale_entry_is_never_shown(stack, org):
    new = make_member("81000020", "B1", name="刘红英", password=None)
    assert "刘红英" not in by_name(get(stack, "/directory/search", org["wh"], q="红英"))
    directory.member_changed(new)
    assert "刘红英" in by_name(get(stack, "/directory/search", org["wh"], q="红英"))
    # Moved to B2 (as a transfer writes it): her card says B2 and no longer shows her phone.
    new.update(actions=[Member.branch_id.set("B2")])
    directory.member_changed(new)
    row = by_name(get(stack, "/directory/search", org["wh"], q="红英"))["刘红英"]
    assert row["branch"]["id"] == "B2" and "phone" not in row
    # Renamed without telling the index: the old name no longer finds her (the item is read).
    new.update(actions=[Member.name.set("刘英")])
    assert by_name(get(stack, "/directory/search", org["wh"], q="红英")) == {}
    # Deactivated: gone.
    new.update(actions=[Member.active.set(False)])
    directory.member_changed(new)
    assert Member.get("81000020").member_no not in str(
        get(stack, "/directory/search", org["wh"], q="刘").json()
    )


def test_member_changed_on_an_empty_index_creates_its_shard(stack, org):
    from tools.tables import truncate_all

    truncate_all()
    make_tree()
    m = make_member("81000030", "B1", name="初红", password=None)
    directory.member_changed(m)
    assert "初红" in by_name(get(stack, "/directory/search", m, q="初"))


def test_the_search_budget_stops_a_dump(stack, org):
    for n in range(directory.BUDGET_CALLS):
        r = get(stack, "/directory/search", org["lhm"], q="红" if n % 2 else "王")
        assert r.status_code == 200, (n, r.text)
    r = get(stack, "/directory/search", org["lhm"], q="李")
    assert r.status_code == 429
    assert "尝试次数过多" in r.json()["Message"] and r.headers.get("Retry-After")
    assert get(stack, "/directory/branches/B1", org["lhm"]).status_code == 429
    assert get(stack, "/directory/search", org["wh"], q="李").status_code == 200  # hers only


def test_signed_out_is_refused(stack, org):
    r = requests.get(f"{stack.url}/api/directory/search", params={"q": "红"}, timeout=30)
    assert r.status_code == 401


def test_people_who_are_not_party_members_are_nobodys_colleagues(stack, org):
    applicant = make_member("81000040", "B1", name="申请红", password=None)
    applicant.update(actions=[Member.status.set("applicant")])
    directory.member_changed(Member.get("81000040"))
    rebuild()
    assert "申请红" not in by_name(get(stack, "/directory/search", org["wh"], q="红"))
    assert "申请红" not in by_name(get(stack, "/directory/branches/B1", org["wh"]))


def test_a_branch_listing_shows_only_whose_branch_she_may_see(stack, org, monkeypatch):
    """With `branch` at 本支部, listing another branch would tell whose branch it is: nobody."""
    from chalicelib import directory_rules, registry
    from chalicelib.directory_rules import LEVELS, FieldRule

    table = {
        "name": FieldRule("name", LEVELS["全组织"], True),
        "branch": FieldRule("branch", LEVELS["本支部"], True),
    }
    monkeypatch.setattr(directory_rules, "rules", lambda: table)
    viewer = registry.caller_for(org["wh"])
    assert directory.branch_members(viewer, "B2", None)["results"] == []
    own = directory.branch_members(viewer, "B1", None)["results"]
    assert {r["name"] for r in own} == {"王红", "李红梅", "陈书记", "党总支委员"}
    # Staff over B2 (staff = true) still list it.
    g1 = registry.caller_for(org["g1"])
    assert {r["name"] for r in directory.branch_members(g1, "B2", None)["results"]} == {
        "张红", "刘书记",
    }  # fmt: skip
    # Search still finds the other branch's people by name, without their branch.
    found = {r["name"]: r for r in directory.search(viewer, "张红", None)["results"]}
    assert set(found["张红"]) == {"name", "self"}

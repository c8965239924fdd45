"""Registry upkeep in the browser over HTTP on DynamoDB Local, over the demo organisation: each
action within the caller's manage scope, validated by the import's rules (a Chinese message at
the field, nothing changed), exact under parallel requests, one transaction with its audit
entry, the audit log read from both sides of a move (paged, XLSX), and the scope of every route
for every kind of caller."""

from __future__ import annotations

import base64
import io
import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import openpyxl
import pytest
import requests

from chalicelib import clock
from chalicelib.models import Member, OrgUnit, RankingState
from chalicelib.models.registry_audit import AuditEntry
from chalicelib.spreadsheet import Row
from chalicelib.xlsx_export import XLSX
from tools import demo_registry
from tools.fixtures import bearer
from tools.registry_import import (
    apply_member_import,
    apply_unit_import,
    plan_member_import,
    plan_unit_import,
    validate_members,
    validate_units,
)

pytestmark = pytest.mark.usefixtures("clean_tables")

ADMIN, COMMITTEE, SECRETARY, MEMBER = "10000008", "10000005", "10000001", "10000009"
BRANCH_READER = "10000002"  # 支部委员 of B0101: reads it
OTHER_SECRETARY = "10000032"  # 支部书记 of B0102 only
TARGET = "10000020"  # a member of B0101 without a role
IN_B0201 = "10000060"


@pytest.fixture
def demo(stack):
    """The demo organisation as `make dev` imports it (the importers' own code), without the
    demo passwords: the tests sign in with tokens made in-process."""
    units, members = demo_registry.generate()
    unit_records, errors = validate_units([Row(i, r) for i, r in enumerate(units, 2)], [])
    assert not errors
    apply_unit_import(plan_unit_import(unit_records, []))
    records, errors = validate_members([Row(i, r) for i, r in enumerate(members, 2)], unit_records)
    assert not errors
    apply_member_import(plan_member_import(records, []))
    return stack


def key() -> str:
    return uuid.uuid4().hex


def call(stack, who: str, method: str, path: str, body=None, **kw) -> requests.Response:
    headers = bearer(Member.get(who))
    headers.update(kw.pop("headers", {}))
    return requests.request(
        method, f"{stack.url}/api{path}", json=body, headers=headers, timeout=60, **kw
    )


def tables() -> dict[str, list]:
    """Everything a registry action may write, to compare before and after."""
    return {
        "members": sorted(json.dumps(m.to_simple_dict(), sort_keys=True) for m in Member.scan()),
        "units": sorted(json.dumps(u.to_simple_dict(), sort_keys=True) for u in OrgUnit.scan()),
        "audit": sorted(json.dumps(a.to_simple_dict(), sort_keys=True) for a in AuditEntry.scan()),
    }


def registry_version() -> int:
    try:
        return int(RankingState.get("meta", "registry").version or 0)
    except RankingState.DoesNotExist:
        return 0


# --- a move, seen from both sides -----------------------------------------------------------


def test_a_committee_member_moves_a_member_and_both_sides_see_the_entry(demo):
    version = registry_version()
    body = {"request_key": key(), "rev": 0, "branch_id": "B0201"}
    r = call(demo, COMMITTEE, "POST", f"/registry/members/{TARGET}/move", body)
    assert r.status_code == 201, r.text
    m = Member.get(TARGET)
    assert m.branch_id == "B0201" and m.prior_branch_id == "B0101" and m.placed_by == "console"
    assert m.branch_since == clock.local_now().strftime("%Y-%m") and m.rev == 1
    assert registry_version() == version + 1  # the ranking job re-reads the registry
    # 通讯录's name index follows her (the move's follow-up).
    from chalicelib import directory
    from chalicelib.models.directory import DirectoryShard

    shard = DirectoryShard.get(directory.shard_of(TARGET), consistent_read=True)
    assert "B0201" in shard.entries.as_dict()[TARGET]
    again = call(demo, COMMITTEE, "POST", f"/registry/members/{TARGET}/move", body)
    assert again.status_code == 200 and again.json() == r.json()  # a retry: no second change
    assert Member.get(TARGET).rev == 1
    for unit, reader in (("B0101", SECRETARY), ("B0201", "10000049"), ("C01", COMMITTEE)):
        log = call(demo, reader, "GET", f"/registry/units/{unit}/audit").json()["entries"]
        assert len(log) == 1, unit
        entry = log[0]
        assert entry["action"] == "member_move" and entry["actor"]["member_no"] == COMMITTEE
        assert entry["before"]["branch_id"] == "B0101" and entry["after"]["branch_id"] == "B0201"
    # The other general branch (G03) sees nothing of it.
    assert call(demo, ADMIN, "GET", "/registry/units/G03/audit").json()["entries"] == []
    x = call(
        demo, SECRETARY, "GET", "/registry/units/B0101/audit?format=xlsx", headers={"Accept": XLSX}
    )
    assert x.status_code == 200 and x.headers["Content-Type"] == XLSX
    sheet = openpyxl.load_workbook(io.BytesIO(x.content)).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert "调整所在支部" in values and any("B0201" in str(v) for v in values)


def test_the_audit_log_is_paged_newest_first(demo):
    for name in ("甲", "乙", "丙"):
        r = call(
            demo,
            SECRETARY,
            "POST",
            f"/registry/members/{TARGET}",
            {"request_key": key(), "name": f"王{name}"},
        )
        assert r.status_code == 201, r.text
    first = call(demo, SECRETARY, "GET", "/registry/units/B0101/audit?limit=2").json()
    assert [e["after"]["name"] for e in first["entries"]] == ["王丙", "王乙"] and first["next"]
    rest = call(
        demo, SECRETARY, "GET", f"/registry/units/B0101/audit?limit=2&cursor={first['next']}"
    )
    assert [e["after"]["name"] for e in rest.json()["entries"]] == ["王甲"]
    bad = call(demo, SECRETARY, "GET", "/registry/units/B0101/audit?cursor=eyJ4Ijp7IlMiOiIxIn19")
    assert bad.status_code == 400 and "cursor" in bad.json()["Message"]


# --- every action, its rules and its audit --------------------------------------------------


def test_add_edit_roles_deactivate_and_units(demo):
    r = call(demo, SECRETARY, "POST", "/registry/members", {
        "request_key": key(), "member_no": "20260001", "name": "新党员", "gender": "女",
        "phone": "13812345678", "branch_id": "B0101", "status": "预备党员",
        "joined_on": "2026-07-01", "birth_date": "1998-05-04", "education": "大学本科",
        "occupation": "专业技术人员", "roles": [],
    })  # fmt: skip
    assert r.status_code == 201, r.text
    m = Member.get("20260001")
    assert (m.status, m.education, m.birth_date, m.placed_by) == (
        "probationary", "大学本科", "1998-05-04", "console",
    )  # fmt: skip
    r = call(
        demo,
        SECRETARY,
        "POST",
        "/registry/members/20260001",
        {"request_key": key(), "rev": 1, "occupation": "工人", "phone": "138-1234-0000"},
    )
    assert r.status_code == 201, r.text
    assert Member.get("20260001").phone == "13812340000"  # the import's normalising
    r = call(
        demo,
        SECRETARY,
        "POST",
        "/registry/members/20260001/roles",
        {"request_key": key(), "rev": 2, "roles": ["branch_committee"]},
    )
    assert r.status_code == 201, r.text
    assert Member.get("20260001").remind_key == "staff"
    r = call(
        demo,
        SECRETARY,
        "POST",
        "/registry/members/20260001/deactivate",
        {"request_key": key(), "rev": 3},
    )
    assert r.status_code == 201, r.text
    m = Member.get("20260001")
    assert not m.active and m.session_epoch == 1 and m.remind_key is None
    actions = [
        e["action"]
        for e in call(demo, SECRETARY, "GET", "/registry/units/B0101/audit").json()["entries"]
    ]
    assert actions == ["member_deactivate", "member_roles", "member_edit", "member_add"]

    r = call(
        demo,
        COMMITTEE,
        "POST",
        "/registry/units",
        {
            "request_key": key(),
            "unit_id": "G05",
            "name": "新党总支",
            "kind": "党总支",
            "parent_id": "C01",
        },
    )
    assert r.status_code == 201, r.text
    assert OrgUnit.get("G05").path == ["C01", "G05"]
    rev = int(OrgUnit.get("B0402").rev or 0)  # the demo import's
    r = call(
        demo,
        COMMITTEE,
        "POST",
        "/registry/units/B0402/move",
        {"request_key": key(), "rev": rev, "parent_id": "G05"},
    )
    assert r.status_code == 201, r.text
    assert OrgUnit.get("B0402").path == ["C01", "G05", "B0402"]
    r = call(
        demo,
        COMMITTEE,
        "POST",
        "/registry/units/G05/rename",
        {"request_key": key(), "rev": 1, "name": "新设党总支"},
    )
    assert r.status_code == 201, r.text
    assert OrgUnit.get("G05").name == "新设党总支"
    g04 = [
        e["action"]
        for e in call(demo, COMMITTEE, "GET", "/registry/units/G04/audit").json()["entries"]
    ]
    g05 = [
        e["action"]
        for e in call(demo, COMMITTEE, "GET", "/registry/units/G05/audit").json()["entries"]
    ]
    assert g04 == ["unit_move"] and g05 == ["unit_rename", "unit_move", "unit_add"]


def _move(stack, who, target, branch):
    body = {"request_key": key(), "rev": 0, "branch_id": branch}
    return call(stack, who, "POST", f"/registry/members/{target}/move", body)


BAD = [
    # (who, path, body, status, field, words)
    (SECRETARY, f"/registry/members/{TARGET}", {"phone": "12345"}, 400, "phone", "手机号"),
    (SECRETARY, f"/registry/members/{TARGET}", {"name": ""}, 400, "name", "姓名"),
    (
        SECRETARY,
        f"/registry/members/{TARGET}",
        {"joined_on": "2099-01-01"},
        400,
        "joined_on",
        "入党日期",
    ),
    (
        SECRETARY,
        f"/registry/members/{TARGET}",
        {"birth_date": "2015-01-01"},
        400,
        "birth_date",
        "出生日期",
    ),
    (SECRETARY, f"/registry/members/{TARGET}", {"education": "博士后"}, 400, "education", "学历"),
    (SECRETARY, f"/registry/members/{TARGET}", {"occupation": "x"}, 400, "occupation", "职业"),
    (SECRETARY, f"/registry/members/{TARGET}", {"status": "群众"}, 400, "status", "人员类别"),
    (SECRETARY, f"/registry/members/{TARGET}", {"gender": "其他"}, 400, "gender", "性别"),
    (SECRETARY, f"/registry/members/{TARGET}", {"rev": 7, "name": "王五"}, 409, None, "刷新"),
    (
        SECRETARY,
        f"/registry/members/{TARGET}/move",
        {"branch_id": "G01"},
        400,
        "branch_id",
        "党支部",
    ),
    (
        SECRETARY,
        f"/registry/members/{TARGET}/move",
        {"branch_id": "B0201"},
        400,
        "branch_id",
        "管理范围",
    ),
    (
        SECRETARY,
        f"/registry/members/{TARGET}/move",
        {"branch_id": "NOPE"},
        400,
        "branch_id",
        "管理范围",
    ),
    (
        SECRETARY,
        f"/registry/members/{TARGET}/roles",
        {"roles": ["party_committee"]},
        400,
        "roles",
        "职务",
    ),
    (SECRETARY, f"/registry/members/{TARGET}/roles", {"roles": ["admin"]}, 400, "roles", "管理员"),
    (SECRETARY, f"/registry/members/{TARGET}/roles", {"roles": ["king"]}, 400, "roles", "职务"),
    (
        SECRETARY,
        f"/registry/members/{SECRETARY}/roles",
        {"roles": ["branch_secretary", "general_branch_committee", "branch_committee"]},
        400,
        "roles",
        "自己",
    ),
    (SECRETARY, f"/registry/members/{COMMITTEE}/deactivate", {}, 403, None, "职务"),
    (SECRETARY, f"/registry/members/{SECRETARY}/deactivate", {}, 403, None, "自己"),
    (COMMITTEE, f"/registry/members/{ADMIN}/roles", {"roles": []}, 400, "roles", "管理员"),
    (
        SECRETARY,
        "/registry/members",
        {"member_no": MEMBER, "name": "重复", "branch_id": "B0101", "status": "正式党员"},
        400,
        "member_no",
        "已被使用",
    ),
    (
        SECRETARY,
        "/registry/members",
        {"member_no": "20260002", "name": "无支部", "branch_id": "B0201", "status": "正式党员"},
        400,
        "branch_id",
        "管理范围",
    ),
    (
        COMMITTEE,
        "/registry/units",
        {"unit_id": "B9", "name": "x", "kind": "党委", "parent_id": "G01"},
        400,
        "parent_id",
        "上级",
    ),
    (
        COMMITTEE,
        "/registry/units",
        {"unit_id": "B0101", "name": "重复", "kind": "党支部", "parent_id": "G01"},
        400,
        "unit_id",
        "已被使用",
    ),
    (
        COMMITTEE,
        "/registry/units",
        {"unit_id": "坏 id", "name": "x", "kind": "党支部", "parent_id": "G01"},
        400,
        "unit_id",
        "单位编号",
    ),
    (
        COMMITTEE,
        "/registry/units",
        {"unit_id": "B9", "name": "", "kind": "党支部", "parent_id": "G01"},
        400,
        "name",
        "单位名称",
    ),
    (COMMITTEE, "/registry/units/G01/move", {"parent_id": "B0101"}, 400, "parent_id", "上级"),
    (COMMITTEE, "/registry/units/G01/move", {"parent_id": "G02"}, 400, "parent_id", "上级"),
    (COMMITTEE, "/registry/units/B0101/move", {"parent_id": "B0102"}, 400, "parent_id", "上级"),
    (COMMITTEE, "/registry/units/C01/move", {"parent_id": "G01"}, 403, None, "上级"),
    (COMMITTEE, "/registry/units/G01/rename", {"name": "长" * 61}, 400, "name", "超过 60 个字"),
    (SECRETARY, "/registry/units/G01/rename", {"name": "  "}, 400, "name", "单位名称"),
]


def test_bad_input_is_refused_at_its_field_and_nothing_changes(demo):
    """Every case against the same tables: a refused request changes nothing, so one seed."""
    before = tables()
    for who, path, body, status, field, words in BAD:
        case = (who, path, body)
        r = call(demo, who, "POST", path, {"request_key": key(), **body})
        assert r.status_code == status, (case, r.text)
        answer = r.json()
        assert words in answer["Message"], (case, answer)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in answer["Message"]), case
        if field:
            assert answer.get("Field") == field, (case, answer)
        assert tables() == before, case


# --- concurrency and the transaction ----------------------------------------------------------


def test_two_moves_of_one_member_at_once_one_wins(demo):
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda b: _move(demo, COMMITTEE, TARGET, b), ["B0201", "B0301"]))
    codes = sorted(r.status_code for r in answers)
    assert codes == [201, 409], [r.text for r in answers]
    loser = next(r for r in answers if r.status_code == 409)
    assert "刷新" in loser.json()["Message"]
    won = next(r for r in answers if r.status_code == 201).json()["member"]["branch_id"]
    assert Member.get(TARGET).branch_id == won
    assert len(list(AuditEntry.query("C01"))) == 1


def test_a_role_change_and_a_deactivation_at_once(demo):
    def act(which: str) -> requests.Response:
        if which == "roles":
            body = {"request_key": key(), "rev": 0, "roles": ["branch_committee"]}
            return call(demo, SECRETARY, "POST", f"/registry/members/{TARGET}/roles", body)
        body = {"request_key": key(), "rev": 0}
        return call(demo, COMMITTEE, "POST", f"/registry/members/{TARGET}/deactivate", body)

    with ThreadPoolExecutor(2) as pool:
        answers = dict(zip(("roles", "off"), pool.map(act, ["roles", "off"]), strict=True))
    assert sorted(r.status_code for r in answers.values()) == [201, 409]
    m = Member.get(TARGET)
    if answers["roles"].status_code == 201:
        assert m.active and m.roles == ["branch_committee"]
    else:
        assert not m.active and m.roles == []
    assert len(list(AuditEntry.query("B0101"))) == 1


def test_a_form_read_before_a_deactivation_gets_a_refresh_answer(demo):
    """The race above, in its losing order every time: the role change arrives after the
    deactivation, so it meets an inactive member and answers 409 (refresh), not 403."""
    off = call(demo, COMMITTEE, "POST", f"/registry/members/{TARGET}/deactivate",
               {"request_key": key(), "rev": 0})  # fmt: skip
    assert off.status_code == 201, off.text
    before = tables()
    for who, path, extra in [
        (SECRETARY, f"/registry/members/{TARGET}/roles", {"roles": ["branch_committee"]}),
        (SECRETARY, f"/registry/members/{TARGET}", {"name": "王芳芳"}),
        (COMMITTEE, f"/registry/members/{TARGET}/deactivate", {}),
    ]:
        r = call(demo, who, "POST", path, {"request_key": key(), "rev": 0, **extra})
        assert r.status_code == 409 and "刷新" in r.json()["Message"], (path, r.text)
    assert tables() == before


def test_a_failure_between_the_change_and_its_audit_writes_nothing(demo, monkeypatch):
    from chalicelib import registry, registry_upkeep
    from chalicelib.errors import ConflictError

    real = registry_upkeep.write

    def failing(tx, *args, **kwargs):
        real(tx, *args, **kwargs)
        # The audit's last item cannot be written: DynamoDB cancels the whole transaction.
        tx.check("boom", OrgUnit, "NO-SUCH-UNIT", condition=OrgUnit.unit_id.exists())

    monkeypatch.setattr(registry_upkeep, "write", failing)
    before = tables()
    actor = Member.get(COMMITTEE)
    with pytest.raises(ConflictError):
        registry_upkeep.move_member(
            registry.caller_for(actor), actor, TARGET, {"request_key": key(), "branch_id": "B0201"}
        )
    assert tables() == before


# --- the import upload ------------------------------------------------------------------------


def _upload(rows: list[list[str]], headers: list[str]) -> str:
    text = ",".join(headers) + "\n" + "\n".join(",".join(r) for r in rows) + "\n"
    return base64.b64encode(text.encode("utf-8-sig")).decode()


MEMBER_HEADERS = [
    "党员编号",
    "姓名",
    "性别",
    "手机号",
    "所在支部",
    "人员类别",
    "职务",
    "入党日期",
    "学历",
]


def test_the_import_upload_previews_then_applies_within_scope(demo):
    good = [
        "20269001",
        "导入甲",
        "男",
        "13811112222",
        "B0101",
        "正式党员",
        "",
        "2010-07-01",
        "研究生",
    ]
    upload = {"kind": "members", "filename": "名册.csv", "content": _upload([good], MEMBER_HEADERS)}
    before = tables()
    r = call(demo, SECRETARY, "POST", "/registry/import", {"request_key": key(), **upload})
    assert r.status_code == 200 and r.json()["counts"]["added"] == 1 and not r.json()["applied"]
    assert tables() == before  # 预览 writes nothing
    outside = [*good[:4], "B0201", *good[5:]]
    bad_rows = [
        good,
        ["20269002", *outside[1:]],
        [TARGET.replace("20", "6"), "x", "男", "1", "B0101", "群众", "", "", "博士"],
    ]
    r = call(
        demo,
        SECRETARY,
        "POST",
        "/registry/import",
        {
            "request_key": key(),
            **upload,
            "content": _upload(bad_rows, MEMBER_HEADERS),
            "apply": True,
        },
    )
    assert r.status_code == 400, r.text
    errors = {(e["row"], e["field"]) for e in r.json()["Errors"]}
    assert {(3, "所在支部"), (4, "手机号"), (4, "人员类别"), (4, "学历")} <= errors
    assert tables() == before  # all or nothing
    moved_in = [IN_B0201, "外支部", "男", "13811113333", "B0101", "正式党员", "", "2010-07-01", ""]
    r = call(
        demo,
        SECRETARY,
        "POST",
        "/registry/import",
        {
            "request_key": key(),
            **upload,
            "content": _upload([moved_in], MEMBER_HEADERS),
            "apply": True,
        },
    )
    assert r.status_code == 400 and r.json()["Errors"][0]["field"] == "党员编号"
    k = key()
    r = call(
        demo, SECRETARY, "POST", "/registry/import", {"request_key": k, **upload, "apply": True}
    )
    assert r.status_code == 201, r.text
    assert Member.get("20269001").education == "研究生"
    again = call(
        demo, SECRETARY, "POST", "/registry/import", {"request_key": k, **upload, "apply": True}
    )
    assert again.status_code == 200 and again.json() == r.json()
    entries = call(demo, SECRETARY, "GET", "/registry/units/B0101/audit").json()["entries"]
    assert [e["action"] for e in entries] == ["import_members"]
    plain = call(demo, MEMBER, "POST", "/registry/import", {"request_key": key(), **upload})
    assert plain.status_code == 403


def test_the_import_upload_refuses_a_bad_file(demo):
    for content, words in (
        ("!!!", "base64"),
        (base64.b64encode(b"PK\x03\x04junk").decode(), "Excel"),
    ):
        body = {"request_key": key(), "kind": "members", "filename": "a.xlsx", "content": content}
        r = call(demo, SECRETARY, "POST", "/registry/import", body)
        assert (
            r.status_code == 400 and words in r.json()["Message"] and r.json()["Field"] == "content"
        )
    body = {"request_key": key(), "kind": "people", "filename": "a.csv", "content": "YQ=="}
    r = call(demo, SECRETARY, "POST", "/registry/import", body)
    assert r.status_code == 400 and r.json()["Field"] == "kind"


def test_the_upload_checks_scope_before_reading_and_bounds_a_csv_cell(demo):
    """A plain member is refused (403) before her file is read, whatever it holds; a CSV cell
    over the csv module's field limit is a 400 at the file naming the line, not a 500."""
    wrong = base64.b64encode(b"foo,bar\n1,2\n").decode()
    body = {"request_key": key(), "kind": "members", "filename": "a.csv", "content": wrong}
    assert call(demo, MEMBER, "POST", "/registry/import", body).status_code == 403
    text = ",".join(MEMBER_HEADERS) + "\n20269001," + "甲" * 140_000 + "\n"
    body["content"] = base64.b64encode(text.encode()).decode()
    before = tables()
    r = call(demo, SECRETARY, "POST", "/registry/import", body)
    assert r.status_code == 400 and r.json()["Field"] == "content", r.text[:300]
    assert "第 2 行" in r.json()["Message"]
    assert tables() == before


# --- the scope of every route for every caller kind ------------------------------------------

CALLERS = {
    "admin": ADMIN,
    "committee": COMMITTEE,
    "secretary": SECRETARY,
    "branch_reader": BRANCH_READER,
    "other_secretary": OTHER_SECRETARY,
    "member": MEMBER,
}


def _routes(stack):
    """(name, method, path, body): each answers 2xx/4xx by scope; bodies change nothing."""
    target = Member.get(TARGET)
    g01 = OrgUnit.get("G01")
    status = {"full": "正式党员", "probationary": "预备党员"}[target.status]
    csv = _upload(
        [
            [
                TARGET,
                target.name,
                target.gender or "",
                target.phone or "",
                "B0101",
                status,
                "",
                target.joined_on or "",
                target.education or "",
            ]
        ],
        MEMBER_HEADERS,
    )
    return [
        ("tree", "GET", "/registry/tree", None),
        ("members", "GET", "/registry/units/B0101/members", None),
        ("members_xlsx", "GET", "/registry/units/B0101/members?format=xlsx", None),
        ("member", "GET", f"/registry/members/{TARGET}", None),
        ("audit", "GET", "/registry/units/B0101/audit", None),
        ("audit_xlsx", "GET", "/registry/units/B0101/audit?format=xlsx", None),
        ("edit", "POST", f"/registry/members/{TARGET}", {"name": target.name}),
        ("roles", "POST", f"/registry/members/{TARGET}/roles", {"roles": []}),
        ("move", "POST", f"/registry/members/{TARGET}/move", {"branch_id": "B0101"}),
        ("deactivate", "POST", f"/registry/members/{TARGET}/deactivate", {"rev": 99}),
        ("rename", "POST", "/registry/units/G01/rename", {"name": g01.name}),
        ("unit_move", "POST", "/registry/units/B0101/move", {"parent_id": "G01"}),
        (
            "import",
            "POST",
            "/registry/import",
            {"kind": "members", "filename": "a.csv", "content": csv},
        ),
    ]


WRITES = ("edit", "roles", "move", "deactivate", "rename", "unit_move")
READS_AND_WRITES = ("members", "members_xlsx", "member", "audit", "audit_xlsx", *WRITES)
# What each caller gets: manage → the route's no-op answer; read → reads only; none → 403.
EXPECTED = {
    "admin": {"deactivate": 409, "move": 400, "unit_move": 400},
    "committee": {"deactivate": 409, "move": 400, "unit_move": 400},
    "secretary": {"deactivate": 409, "move": 400, "unit_move": 400},  # 党总支委员 of G01 too
    "branch_reader": {n: 403 for n in WRITES} | {"import": 403},
    "other_secretary": {n: 403 for n in READS_AND_WRITES} | {"import": 400},
    "member": {n: 403 for n in ("tree", *READS_AND_WRITES, "import")},
}


def test_the_scope_of_every_route_for_every_caller(demo):
    before = tables()
    for kind, who in CALLERS.items():
        for name, method, path, body in _routes(demo):
            headers = {"Accept": XLSX} if "xlsx" in path else {}
            if body is not None:
                body = {"request_key": key(), **body}
            r = call(demo, who, method, path, body, headers=headers)
            want = EXPECTED[kind].get(name, 200)
            assert r.status_code == want, (kind, name, r.status_code, r.text[:200])
            if want == 403:
                assert r.json()["Message"] in (
                    "无权查看或管理该组织、党员的信息",
                    "仅党务工作人员可使用工作台",
                ), (kind, name)
    assert tables() == before


def test_what_a_move_and_a_log_page_cost(demo, capsys):
    """AWS-billed units, in-process: a move is ONE transaction (member, audit items, mark,
    registry version) and a page of the log ONE Query of the unit's partition."""
    from chalicelib import registry, registry_audit, registry_upkeep
    from tests.aws_units import billed

    actor = Member.get(COMMITTEE)
    caller = registry.caller_for(actor)
    with billed() as move:
        registry_upkeep.move_member(
            caller, actor, TARGET, {"request_key": key(), "branch_id": "B0201"}
        )
    with billed() as page:
        registry_audit.page(caller, "C01")
    with capsys.disabled():
        print(
            f"\nmove: {move.read_units} RRU + {move.write_units} WRU; "
            f"log page: {page.read_units} RRU + {page.write_units} WRU"
        )
    assert move.count("TransactWriteItems", "members") == 1
    assert page.count("Query", "registry-audit") == 1 and page.count("Scan", "") == 0
    assert move.write_units <= 24 and page.read_units <= 2


UNIT_HEADERS = ["单位编号", "单位名称", "单位类型", "上级单位编号"]


def test_the_units_upload_within_scope(demo):
    rows = [["G05", "新设党总支", "党总支", "C01"], ["B0501", "新设第一党支部", "党支部", "G05"]]
    upload = {"kind": "units", "filename": "units.csv", "content": _upload(rows, UNIT_HEADERS)}
    before = tables()
    # A secretary of G01 manages no parent for them: row errors, nothing written.
    r = call(demo, SECRETARY, "POST", "/registry/import", {"request_key": key(), **upload})
    assert r.status_code == 400 and r.json()["Errors"][0]["field"] == "上级单位编号", r.text
    # Nor may she take a unit of another general branch, or touch one above her.
    other = _upload([["B0201", "改名", "党支部", "G01"], ["C01", "改名", "党委", ""]], UNIT_HEADERS)
    r = call(
        demo,
        SECRETARY,
        "POST",
        "/registry/import",
        {"request_key": key(), **upload, "content": other},
    )
    assert r.status_code == 400
    assert {(e["row"], e["field"]) for e in r.json()["Errors"]} >= {
        (2, "单位编号"),
        (3, "单位编号"),
    }
    assert tables() == before
    r = call(demo, COMMITTEE, "POST", "/registry/import", {"request_key": key(), **upload})
    assert r.status_code == 200 and r.json()["counts"] == {"added": 2, "updated": 0, "unchanged": 0}
    assert tables() == before
    r = call(
        demo, COMMITTEE, "POST", "/registry/import", {"request_key": key(), **upload, "apply": True}
    )
    assert r.status_code == 201, r.text
    assert OrgUnit.get("B0501").path == ["C01", "G05", "B0501"]
    log = call(demo, COMMITTEE, "GET", "/registry/units/G05/audit").json()["entries"]
    assert [e["action"] for e in log] == ["import_units"]


def test_two_renames_of_one_unit_at_once_one_wins(demo):
    rev = int(OrgUnit.get("B0102").rev or 0)

    def rename(name: str) -> requests.Response:
        body = {"request_key": key(), "rev": rev, "name": name}
        return call(demo, COMMITTEE, "POST", "/registry/units/B0102/rename", body)

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(rename, ["机关二支部", "机关第二支部"]))
    assert sorted(r.status_code for r in answers) == [201, 409]
    won = next(r for r in answers if r.status_code == 201).json()["unit"]["name"]
    assert OrgUnit.get("B0102").name == won


_LABELS = {
    "party_committee": "党委委员",
    "branch_committee": "支部委员",
    "branch_secretary": "支部书记",
    "general_branch_committee": "党总支委员",
    "admin": "管理员",
}


def _row_of(m: Member, **changes: str) -> list[str]:
    row = {
        "党员编号": m.member_no, "姓名": m.name, "性别": m.gender or "", "手机号": m.phone or "",
        "所在支部": m.branch_id, "人员类别": "正式党员" if m.status == "full" else "预备党员",
        "职务": "、".join(_LABELS[r] for r in m.roles or ()), "入党日期": m.joined_on or "",
        "学历": m.education or "",
    }  # fmt: skip
    row.update(changes)
    return [row[h] for h in MEMBER_HEADERS]


@pytest.mark.parametrize("who", [COMMITTEE, ADMIN])
def test_a_branch_upload_neither_revives_nor_edits_a_holder_of_roles_above_it(demo, who):
    """A 党委委员 / 管理员 of B0101 made inactive by `--deactivate-missing`: the 支部书记's upload
    does not bring her back with her roles (a row error at 职务), nor edits her phone; the
    console's edit form refuses the same edit (403)."""
    m = Member.get(who)
    assert m.roles and m.branch_id == "B0101"
    Member(who).update(actions=[Member.active.set(False), Member.session_epoch.add(1)])
    before = tables()
    for row in (_row_of(m), _row_of(m, 手机号="13900001111")):
        body = {"request_key": key(), "kind": "members", "filename": "a.csv", "apply": True,
                "content": _upload([row], MEMBER_HEADERS)}  # fmt: skip
        r = call(demo, SECRETARY, "POST", "/registry/import", body)
        assert r.status_code == 400, r.text[:300]
        assert [e["field"] for e in r.json()["Errors"]] == ["职务"], r.text[:300]
        assert tables() == before
    Member(who).update(actions=[Member.active.set(True)])
    body = {"request_key": key(), "kind": "members", "filename": "a.csv", "apply": True,
            "content": _upload([_row_of(m, 手机号="13900001111")], MEMBER_HEADERS)}  # fmt: skip
    r = call(demo, SECRETARY, "POST", "/registry/import", body)
    assert r.status_code == 400 and r.json()["Errors"][0]["field"] == "职务", r.text[:300]
    body = {"request_key": key(), "phone": "13900001111"}
    r = call(demo, SECRETARY, "POST", f"/registry/members/{who}", body)
    assert r.status_code == 403, r.text[:300]
    assert Member.get(who).phone == m.phone


def test_a_unit_rev_is_exact_in_javascript_after_an_import(demo):
    """The page reads `rev` with JSON.parse (doubles) and sends it back: after a units upload,
    and for a unit an older import stamped with time.time_ns(), it is below 2**53 and a rename
    with it succeeds."""
    rows = [["B0101", "机关第一党支部（导入）", "党支部", "G01"]]
    headers = ["单位编号", "单位名称", "单位类型", "上级单位编号"]
    body = {"request_key": key(), "kind": "units", "filename": "u.csv", "apply": True}
    parent = OrgUnit.get("B0101").parent_id
    rows[0][3] = parent
    body["content"] = _upload(rows, headers)
    assert call(demo, COMMITTEE, "POST", "/registry/import", body).status_code in (200, 201)
    OrgUnit("B0102").update(actions=[OrgUnit.rev.set(1_764_662_400_123_456_789)])
    for unit_id in ("B0101", "B0102"):
        tree = call(demo, COMMITTEE, "GET", "/registry/tree").json()["units"]
        rev = next(u["rev"] for u in tree if u["id"] == unit_id)
        assert rev < 2**53 and float(rev) == rev
        sent = {"request_key": key(), "rev": int(float(rev)), "name": f"更名{unit_id}"}
        r = call(demo, COMMITTEE, "POST", f"/registry/units/{unit_id}/rename", sent)
        assert r.status_code == 201, r.text[:300]
        assert OrgUnit.get(unit_id).name == f"更名{unit_id}"


def test_a_units_upload_keeps_the_kind_of_a_unit_others_depend_on(demo):
    """A 党支部 holding members does not become a 党总支 (its members would be outside any
    党支部, its 支部书记's role would apply nowhere); a 党总支 with branches keeps its kind."""
    r = call(demo, COMMITTEE, "POST", "/registry/units/B0102/move",
             {"request_key": key(), "parent_id": "C01"})  # fmt: skip
    assert r.status_code == 201, r.text
    headers = ["单位编号", "单位名称", "单位类型", "上级单位编号"]
    g01 = OrgUnit.get("G01")
    for rows in (
        [["B0102", "机关第二党支部", "党总支", "C01"], ["B0199", "新设党支部", "党支部", "B0102"]],
        [[g01.unit_id, g01.name, "党委", g01.parent_id]],
    ):
        before = tables()
        body = {"request_key": key(), "kind": "units", "filename": "u.csv", "apply": True,
                "content": _upload(rows, headers)}  # fmt: skip
        r = call(demo, COMMITTEE, "POST", "/registry/import", body)
        assert r.status_code == 400, r.text[:400]
        assert "单位类型" in [e["field"] for e in r.json()["Errors"]], r.text[:400]
        assert tables() == before


def test_a_request_key_reused_for_another_operation_is_a_409(demo):
    """A key answers the earlier result only for the same route, target and body: another
    member, another body or another unit with it is 409 「请求编号已用于其他操作」, nothing done."""
    other = next(
        m.member_no
        for m in Member.by_branch.query("B0101")
        if m.member_no not in (TARGET, SECRETARY) and not m.roles and m.active
    )
    k = key()
    r = call(
        demo, SECRETARY, "POST", f"/registry/members/{TARGET}", {"request_key": k, "name": "王甲"}
    )
    assert r.status_code == 201, r.text
    again = call(
        demo, SECRETARY, "POST", f"/registry/members/{TARGET}", {"request_key": k, "name": "王甲"}
    )
    assert again.status_code == 200 and again.json() == r.json()
    before = tables()
    for path, body in (
        (f"/registry/members/{other}", {"request_key": k, "name": "李乙"}),
        (f"/registry/members/{TARGET}", {"request_key": k, "name": "王丙"}),
        (f"/registry/members/{other}/move", {"request_key": k, "branch_id": "B0102"}),
        ("/registry/units/B0101/rename", {"request_key": k, "name": "改名"}),
    ):
        r2 = call(demo, SECRETARY, "POST", path, body)
        assert r2.status_code == 409 and r2.json()["Message"] == "请求编号已用于其他操作", r2.text
    assert tables() == before


@pytest.mark.parametrize("text", ["王\u202e芳", "\u200b\u200b", "王\x07芳", "\u3164"])
def test_the_forms_refuse_invisible_and_control_characters(demo, text):
    before = tables()
    r = call(demo, SECRETARY, "POST", f"/registry/members/{TARGET}",
             {"request_key": key(), "name": text})  # fmt: skip
    assert r.status_code == 400 and r.json()["Field"] == "name", r.text[:300]
    r = call(demo, COMMITTEE, "POST", "/registry/units/B0101/rename",
             {"request_key": key(), "name": "机关" + text})  # fmt: skip
    assert r.status_code == 400 and r.json()["Field"] == "name", r.text[:300]
    r = call(demo, SECRETARY, "POST", f"/registry/members/{TARGET}/deactivate",
             {"request_key": key(), "reason": "调离" + text})  # fmt: skip
    assert r.status_code == 400 and r.json()["Field"] == "reason", r.text[:300]
    assert tables() == before

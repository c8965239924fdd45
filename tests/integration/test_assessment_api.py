"""考核评价 over HTTP (chalice local on DynamoDB Local).

- Scope: every route (JSON and XLSX) for every caller kind over the demo organisation, against
  an oracle that walks parent links: staff read their subtree, an out-of-scope unit answers
  exactly like an unknown one, a plain member gets 403; only a branch's own secretary enters
  its grades.
- 民主评议: validation (members of that branch only, a grade of the four, a reason for 基本合格
  and 不合格, the year), nothing written on a refusal; two entries at once: one wins, the other
  409; a retry answers the stored grade, no second change; the summary per unit.
- Switches: ASSESSMENT_ENABLED=false → 404 in Chinese on every route; RANKINGS_ENABLED=false →
  no rank and no 红黑榜, scores still shown.
"""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from chalicelib import assessment_job, clock
from chalicelib.models import Member, OrgUnit
from chalicelib.models.assessment import AssessmentGrade
from chalicelib.org import ROLES
from chalicelib.xlsx_export import XLSX
from tools import seed_demo
from tools.fixtures import bearer, make_member, make_tree, rid

pytestmark = pytest.mark.usefixtures("clean_tables")
ROUTES = ("branches", "members", "red-black", "grades")
NO_UNIT = "无权查看该单位"


def get(stack, path: str, member, xlsx: bool = False) -> requests.Response:
    headers = bearer(member)
    if xlsx:
        headers["Accept"] = XLSX
        path += ("&" if "?" in path else "?") + "format=xlsx"
    return requests.get(f"{stack.url}/api{path}", headers=headers, timeout=60)


def post(stack, unit_id: str, member, body: dict) -> requests.Response:
    return requests.post(
        f"{stack.url}/api/assessment/units/{unit_id}/grades",
        json=body,
        headers=bearer(member),
        timeout=60,
    )


def _access(member: Member, units: dict[str, OrgUnit], target: str) -> str:
    """The oracle: the strongest grant of her roles whose unit is the target or above it,
    following parent links (not the stored paths)."""

    def chain(uid: str | None) -> list[str]:
        out = []
        while uid is not None:
            out.append(uid)
            uid = units[uid].parent_id
        return out

    best = "none"
    for key in member.roles:
        role = ROLES[key]
        mine = chain(member.branch_id)
        holder = (
            mine[-1]
            if role.unit_kind is None
            else next((u for u in mine if units[u].kind == role.unit_kind), None)
        )
        if holder in chain(target) and (best == "none" or role.grant == "manage"):
            best = role.grant
    return best


def test_every_route_for_every_caller_kind_over_the_demo_organisation(stack) -> None:
    # The real clock: the API process under test checks the tokens' times against its own.
    seed_demo.seed()
    assessment_job.run()
    units = {u.unit_id: u for u in OrgUnit.scan()}
    members = [m for m in Member.scan() if m.active]
    callers = {"member": next(m for m in members if not m.roles)}
    for key in ROLES:
        holders = [m for m in members if key in m.roles]
        callers[key] = next((m for m in holders if len(m.roles) == 1), holders[0])
    targets = [*units, "B9999", "nope!"]
    for kind, caller in callers.items():
        for target in targets:
            access = _access(caller, units, target) if target in units else "none"
            for route in ROUTES:
                for xlsx in (False, True):
                    r = get(stack, f"/assessment/units/{target}/{route}", caller, xlsx)
                    where = (kind, target, route, xlsx)
                    if kind == "member":
                        assert r.status_code == 403, where
                        assert r.json()["Message"] == "仅党务工作人员可使用工作台", where
                    elif access == "none":
                        assert (r.status_code, r.json()["Message"]) == (403, NO_UNIT), where
                    elif route == "members" and units[target].kind != "branch":
                        assert r.status_code == 400 and "党支部" in r.json()["Message"], where
                    else:
                        assert r.status_code == 200, (where, r.text[:200])
                        if xlsx:
                            assert r.headers["Content-Type"] == XLSX, where
                            from openpyxl import load_workbook

                            load_workbook(io.BytesIO(r.content))
            if target in units and units[target].kind == "branch":
                # Her branch's secretary enters a member's grade, never her own; a manager
                # above the branch enters the secretary's (and nobody else's).
                mine = [m for m in members if m.branch_id == target]
                plain = next(m for m in mine if "branch_secretary" not in m.roles)
                secretary = next((m for m in mine if "branch_secretary" in m.roles), None)
                parent = units[target].parent_id
                above = parent is not None and _access(caller, units, parent) == "manage"
                own = "branch_secretary" in caller.roles and caller.branch_id == target
                for one in filter(None, (plain, secretary)):
                    r = post(
                        stack,
                        target,
                        caller,
                        {"year": YEAR, "member_no": one.member_no, "grade": "qualified",
                         "request_key": rid()},
                    )  # fmt: skip
                    manager = "branch_secretary" in one.roles
                    ok = one.member_no != caller.member_no and (own or (above and manager))
                    where = (kind, target, one.member_no, r.text)
                    # 409: graded already (the demo's grades, or another caller's just now).
                    assert r.status_code in ((201, 409) if ok else (403,)), where


@pytest.fixture
def org(stack):
    make_tree()
    people = {
        "sec": make_member("71000001", "B1", name="一支书记", roles=("branch_secretary",)),
        "cm": make_member("71000002", "B1", name="一支委员", roles=("branch_committee",)),
        "gb": make_member("71000003", "B2", name="总支委员", roles=("general_branch_committee",)),
        "sec2": make_member("72000001", "B2", name="二支书记", roles=("branch_secretary",)),
        "a": make_member("71000011", "B1", name="党员甲"),
        "b": make_member("71000012", "B1", name="党员乙"),
        "c": make_member("71000013", "B1", name="党员丙"),
        "gone": make_member("71000014", "B1", name="已转出", active=False),
        "other": make_member("72000011", "B2", name="二支党员"),
    }
    assessment_job.run()
    return people


YEAR = clock.today().year


def _grade(no: str, grade: str = "qualified", **more) -> dict:
    return {"year": YEAR, "member_no": no, "grade": grade, "request_key": rid(), **more}


# Each case changes nothing (checked after each), so one organisation serves them all.
BAD_GRADES = [
    (_grade("72000011"), "党员编号"),  # another branch's member
    (_grade("71000014"), "党员编号"),  # no longer active
    (_grade("79999999"), "党员编号"),  # nobody
    (_grade("71000011", "good"), "等次"),
    (_grade("71000011", "basic"), "理由"),  # 基本合格 without a reason
    (_grade("71000011", "unqualified", reason=" 差 "), "理由"),  # too short
    (_grade("71000011", "qualified", reason="很" * 201), "理由"),
    (_grade("71000011", "basic", reason="缺席\n多次"), "理由"),
    (_grade("71000011", "basic", reason="缺席多次😀"), "理由"),
    (_grade("71000011", "basic", reason="缺席\u200b多次"), "理由"),
    (_grade("71000011", "basic", reason="。。。！"), "理由"),
    (_grade("71000011", "basic", reason=" ，  、 "), "理由"),  # punctuation is no reason
    (_grade("71000011", "qualified", reason="……"), "理由"),
    (_grade("71000011", "qualified", reason="好"), "理由"),  # 2–200 for every reason
    (_grade("71000011", "excellent", reason="很" * 201), "理由"),
    (_grade("71000011", "basic", reason="多次缺席\x85组织生活"), "理由"),  # NEL
    (_grade("71000011", "basic", reason="多次缺席\x9b组织生活"), "理由"),  # C1 CSI
    (_grade("71000011", "basic", reason="多次缺席\ue000组织生活"), "理由"),  # private use
    (_grade("71000011", "basic", reason="多次缺席\u034f组织生活"), "理由"),  # invisible
    (_grade("71000011", "basic", reason="多次缺席\u2028组织生活"), "理由"),
    (_grade("71000011") | {"year": YEAR - 2}, "年度"),
    (_grade("71000011") | {"year": str(YEAR)}, "年度"),
    (_grade("71000011") | {"request_key": "短"}, "请求编号"),
    (_grade("71000011") | {"extra": 1}, "extra"),
]


def test_bad_grades_name_the_field_and_change_nothing(stack, org) -> None:
    for body, field in BAD_GRADES:
        r = post(stack, "B1", org["sec"], body)
        assert r.status_code == 400, (body, r.text)
        assert field in r.json()["Message"], body
        assert list(AssessmentGrade.scan()) == [], body


def test_grades_once_per_member_and_year_also_in_parallel(stack, org) -> None:
    grades = ["excellent", "basic"] * 4  # eight different requests (each its own key)
    bodies = [_grade("71000011", g, reason="缺席多次组织生活") for g in grades]
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda b: post(stack, "B1", org["sec"], b), bodies))
    codes = sorted(r.status_code for r in answers)
    assert codes == [201] + [409] * 7, codes
    stored = AssessmentGrade.get(str(YEAR), "71000011")
    winner = next(r for r in answers if r.status_code == 201).json()
    assert stored.grade == winner["grade"]
    assert all("已评定" in r.json()["Message"] for r in answers if r.status_code == 409)
    # A retry of the same request answers the stored grade: 200, nothing changed.
    first = _grade("71000012", "excellent")
    assert post(stack, "B1", org["sec"], first).status_code == 201
    before = AssessmentGrade.get(str(YEAR), "71000012").serialize()
    again = post(stack, "B1", org["sec"], first)
    assert again.status_code == 200 and again.json()["grade"] == "excellent"
    assert AssessmentGrade.get(str(YEAR), "71000012").serialize() == before
    # Only her own branch's secretary: the committee member reads, the general branch reads.
    assert post(stack, "B1", org["cm"], _grade("71000013")).status_code == 403
    assert post(stack, "B1", org["gb"], _grade("71000013")).status_code == 403
    assert post(stack, "B1", org["sec2"], _grade("71000013")).status_code == 403
    # The branch's list: every active member, the score beside, graded or not.
    got = get(stack, f"/assessment/units/B1/grades?year={YEAR}", org["cm"]).json()
    rows = {m["member_no"]: m for m in got["members"]}
    assert "71000014" not in rows and rows["71000013"].get("grade") is None
    assert rows["71000012"]["grade_label"] == "优秀" and rows["71000012"]["score"] == 100.0
    assert got["can_enter"] is False
    assert get(stack, "/assessment/units/B1/grades", org["sec"]).json()["can_enter"] is True
    # The summary per unit above.
    top = get(stack, f"/assessment/units/C1/grades?year={YEAR}", org["gb"])
    assert top.status_code == 403  # the general branch committee reads G1, not C1
    g1 = get(stack, f"/assessment/units/G1/grades?year={YEAR}", org["gb"]).json()
    assert g1["counts"]["excellent"] + g1["counts"]["basic"] == 2
    assert [b["id"] for b in g1["branches"]] == ["B1"]


def test_switched_off(stack, org, monkeypatch) -> None:
    """The API process reads its settings at start: these go through the in-process views."""
    from chalicelib import assessment_views as views
    from chalicelib import registry, settings
    from chalicelib.errors import NotFoundError

    caller = registry.caller_for(org["sec"])
    monkeypatch.setattr(settings, "_settings", None)
    monkeypatch.setenv("RANKINGS_ENABLED", "false")
    body = views.branches(caller, "B1", None)
    assert body["rankings_enabled"] is False and body["branches"]
    assert all("rank" not in b for b in body["branches"]) and body["branches"][0]["score"]
    with pytest.raises(NotFoundError, match="本单位未开启积分排名"):
        views.red_black(caller, "B1", None)
    monkeypatch.setattr(settings, "_settings", None)
    monkeypatch.setenv("ASSESSMENT_ENABLED", "false")
    for call in (
        lambda: views.branches(caller, "B1", None),
        lambda: views.members(caller, "B1", None),
        lambda: views.grades(caller, "B1", None),
        lambda: views.enter_grade(caller, org["sec"], "B1", _grade("71000011")),
    ):
        with pytest.raises(NotFoundError, match="本组织未开启考核评价"):
            call()
    assert list(AssessmentGrade.scan()) == []


def test_a_retried_request_key_with_another_body_is_a_conflict(stack, org) -> None:
    first = _grade("71000011", "unqualified", reason="长期不参加组织生活")
    assert post(stack, "B1", org["sec"], first).status_code == 201
    before = AssessmentGrade.get(str(YEAR), "71000011").serialize()
    for changed in (
        first | {"grade": "excellent", "reason": None},
        first | {"reason": "另一个理由，内容不同"},
        first | {"grade": "basic"},
    ):
        r = post(stack, "B1", org["sec"], {k: v for k, v in changed.items() if v is not None})
        assert r.status_code == 409, r.text
        assert "请求编号" in r.json()["Message"]
    assert post(stack, "B1", org["sec"], first).status_code == 200  # the true retry
    assert AssessmentGrade.get(str(YEAR), "71000011").serialize() == before


def test_grades_follow_a_moved_member_and_a_moved_branch(stack, org) -> None:
    """Counts are counted from the rows listed: a member graded in B1 who moved to B2 shows
    her grade in B2 (and B2's counts), not in B1's; a branch moved out from under G1 leaves
    G1's view, scores and grades alike."""
    body = _grade("71000012", "unqualified", reason="长期不参加组织生活")
    assert post(stack, "B1", org["sec"], body).status_code == 201
    assert post(stack, "B1", org["sec"], _grade("71000013", "basic", reason="缺席多次")).ok
    Member.get("71000012").update(actions=[Member.branch_id.set("B2")])
    assessment_job.run()
    b1 = get(stack, f"/assessment/units/B1/grades?year={YEAR}", org["sec"]).json()
    b2 = get(stack, f"/assessment/units/B2/grades?year={YEAR}", org["sec2"]).json()
    assert sum(b1["counts"].values()) == sum(1 for m in b1["members"] if m.get("grade")) == 1
    her = next(m for m in b2["members"] if m["member_no"] == "71000012")
    assert her["grade"] == "unqualified" and b2["counts"]["unqualified"] == 1
    g1 = get(stack, f"/assessment/units/G1/grades?year={YEAR}", org["gb"]).json()
    assert (g1["counts"]["unqualified"], g1["counts"]["basic"]) == (1, 1)
    got = sorted(
        (b["id"], b["counts"]["unqualified"], b["counts"]["basic"]) for b in g1["branches"]
    )
    assert got == [("B1", 0, 1), ("B2", 1, 0)]
    # B1 moves directly under the committee (as registry_units.move_unit rewrites it).
    OrgUnit.get("B1").update(
        actions=[
            OrgUnit.parent_id.set("C1"),
            OrgUnit.path.set(["C1", "B1"]),
            OrgUnit.path_kinds.set(["committee", "branch"]),
        ]
    )
    assessment_job.run()
    g1 = get(stack, f"/assessment/units/G1/grades?year={YEAR}", org["gb"]).json()
    assert (g1["counts"]["unqualified"], g1["counts"]["basic"]) == (1, 0)
    assert [b["id"] for b in g1["branches"]] == ["B2"]
    ids = [
        b["id"] for b in get(stack, "/assessment/units/G1/branches", org["gb"]).json()["branches"]
    ]
    assert "B1" not in ids and "B2" in ids


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("branches?period=２０２６-１１", "period"),  # full-width digits
        ("members?period=２０２６", "period"),
        ("red-black?period=٢٠٢٦-١١", "period"),  # Arabic-Indic digits
        ("grades?year=٢٠٢٦", "year"),
        ("grades?year=２０２６", "year"),
    ],
)
def test_periods_and_years_take_ascii_digits_only(stack, org, query, field) -> None:
    r = get(stack, f"/assessment/units/B1/{query}", org["sec"])
    assert r.status_code == 400, r.text
    assert f"（{field}）" in r.json()["Message"]


def test_the_talk_flag_is_shown_only_above_the_branch(stack, org) -> None:
    """The 约谈 flag goes to the staff above the flagged branch (JSON and XLSX); the branch's
    own secretary and committee read the 黑榜 without it."""
    from openpyxl import load_workbook

    from chalicelib.models.assessment import AssessmentItem

    row = {"id": "B1", "name": "第一党支部", "path": ["C1", "G1", "B1"], "sort": 2}
    row |= {"members": 5, "shares": {}, "org_life": [0, 0], "score": 40.0, "items": {}, "rank": 9}
    AssessmentItem("branches#m2026-11", "C1/G1/B1/", data=row, digest="x", computed_at=1).save()
    ranked = [{"id": "B1", "score": 40.0, "rank": 9}]
    data = {"ranked": ranked, "red": [], "black": ["B1"], "talks": ["B1"], "branches": 9}
    AssessmentItem("org#m2026-11", "#", data=data, digest="y", computed_at=1).save()
    path = "/assessment/units/{}/red-black?period=2026-11"
    for who, unit, shown in (("sec", "B1", False), ("cm", "B1", False), ("gb", "G1", True)):
        body = get(stack, path.format(unit), org[who]).json()
        assert [b["id"] for b in body["black"]] == ["B1"], who
        assert body["talks_shown"] is shown and [t["id"] for t in body["talks"]] == (
            ["B1"] if shown else []
        )
        assert [b["talk"] for b in body["black"]] == [shown], who
        sheet = load_workbook(io.BytesIO(get(stack, path.format(unit), org[who], True).content))
        cells = [str(c.value) for r in sheet.active.iter_rows() for c in r if c.value]
        assert ("约谈" in cells) is shown and any("黑榜" in c for c in cells), (who, cells)


def test_a_secretary_does_not_grade_herself_a_manager_above_does(stack, org) -> None:
    r = post(stack, "B1", org["sec"], _grade("71000001", "excellent"))
    assert r.status_code == 403 and "本人" in r.json()["Message"], r.text
    assert list(AssessmentGrade.scan()) == []
    mine = get(stack, f"/assessment/units/B1/grades?year={YEAR}", org["sec"]).json()
    rows = {m["member_no"]: m for m in mine["members"]}
    assert rows["71000001"]["can_enter"] is False and rows["71000011"]["can_enter"] is True
    above = get(stack, f"/assessment/units/B1/grades?year={YEAR}", org["gb"]).json()
    rows = {m["member_no"]: m for m in above["members"]}
    assert rows["71000001"]["can_enter"] is True and rows["71000011"]["can_enter"] is False
    assert post(stack, "B1", org["gb"], _grade("71000011")).status_code == 403
    r = post(stack, "B1", org["gb"], _grade("71000001", "excellent"))
    assert r.status_code == 201 and r.json()["entered_by"] == "71000003", r.text
    after = get(stack, f"/assessment/units/B1/grades?year={YEAR}", org["gb"]).json()
    assert {m["member_no"]: m for m in after["members"]}["71000001"]["grade"] == "excellent"


def test_member_scores_are_no_leaderboard_with_rankings_off(stack, org, monkeypatch) -> None:
    """RANKINGS_ENABLED=false: the member table (JSON, and the XLSX and page built from it) is in
    the registry's order, not best first. In-process: the API reads its settings at start."""
    from chalicelib import assessment_views as views
    from chalicelib import registry, settings
    from chalicelib.models.assessment import AssessmentItem

    def row(no: str, score: float) -> dict:
        return {"member_no": no, "name": no, "measures": {}, "score": score, "base": score}

    period = "2026-11"
    members = [row("71000011", 80.0), row("71000012", 120.0), row("71000013", 95.0)]
    AssessmentItem(
        f"members#m{period}",
        "C1/G1/B1/",
        data={"id": "B1", "members": [m | {"bonus": 0, "items": {}} for m in members]},
        digest="x",
        computed_at=1,
    ).save()
    caller = registry.caller_for(org["sec"])
    order = [m["member_no"] for m in views.members(caller, "B1", period)["members"]]
    assert order == ["71000012", "71000013", "71000011"]  # rankings on: best first
    monkeypatch.setattr(settings, "_settings", None)
    monkeypatch.setenv("RANKINGS_ENABLED", "false")
    body = views.members(caller, "B1", period)
    assert body["rankings_enabled"] is False
    assert [m["member_no"] for m in body["members"]] == ["71000011", "71000012", "71000013"]

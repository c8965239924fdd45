"""考核评价's nightly job against DynamoDB Local at a frozen clock: generated records of three
months (ledger lines of every kind, locked and unlocked meetings with attendance, dues months
paid, short and 未核定, the monthly checks' rows) → the stored member and branch scores, ranks,
红黑榜 and 约谈 flags equal an oracle computed here independently, from the rules file read as
plain TOML and the raw tables read whole; a rerun writes nothing; switched off, it does
nothing."""

from __future__ import annotations

import random
import tomllib
from collections import defaultdict
from datetime import date

import pytest

from chalicelib import assessment_job, assessment_rules, points_ledger
from chalicelib.models import Attendance, DuesMonth, Meeting, Member, OrgUnit, PointDay, UnitMonth
from chalicelib.models.assessment import AssessmentItem
from tests.integration.meeting_rows import make_meeting
from tools.fixtures import generated_org

pytestmark = pytest.mark.usefixtures("clean_tables")
MONTHS = ["2026-10", "2026-11", "2026-12"]
TODAY = date(2026, 12, 15)
RULE_POOL = [
    "article_read",
    "constitution_read",
    "daily_quiz",
    "challenge_quiz",
    "exam",
    "comment",
    "vote",
    "daily_login",  # not study
    "political_birthday",  # not study
    "meeting_attendance",  # not study: attendance is read from the meetings' rows
    "volunteer_service",
]


def _records(seed: int) -> dict:
    units, members = generated_org(seed, branches_per_general=4, size=(1, 9))
    rng = random.Random(seed)
    for m in members:
        for _ in range(rng.randint(0, 14)):
            month = rng.choice(MONTHS)
            day = f"{month}-{rng.randint(1, 28):02d}"
            rule = rng.choice(RULE_POOL)
            amount = rng.choice([1, 2, 3, 6]) if rule != "volunteer_service" else rng.randint(1, 9)
            if rng.random() < 0.1:
                amount = -amount  # a reversal
            key = f"{rule}#o{rng.randrange(10**9)}"
            points_ledger.add_line(m.member_no, day, points_ledger.Line(key, amount, 0, None))
    branches = [u for u in units.values() if u.kind == "branch"]
    by_branch = defaultdict(list)
    for m in members:
        by_branch[m.branch_id].append(m)
    for unit in branches:
        for month in MONTHS:
            for n in range(rng.randint(0, 2)):
                state = "locked" if rng.random() < 0.8 else "scheduled"
                meeting = make_meeting(unit, "theme_day", f"{month}-{10 + n:02d}T09:00", state)
                for m in by_branch[unit.unit_id]:
                    roll = rng.random()
                    Attendance(
                        meeting.meeting_id,
                        m.member_no,
                        name=m.name,
                        branch_id=unit.unit_id,
                        status="full",
                        role="attendee" if roll > 0.05 else "guest",
                        present=roll > 0.4,
                        absent=0.05 < roll <= 0.25,
                        leave="approved" if 0.25 < roll <= 0.4 else None,
                        member_sort=f"{meeting.starts_at}#{meeting.meeting_id}",
                    ).save()
            kinds = {
                k: {"held": rng.randint(0, 2), "required": rng.randint(0, 1)}
                for k in ("theme_day", "branch_committee", "group_meeting")
            }
            UnitMonth(
                unit.unit_id,
                month,
                unit_name=unit.name,
                unit_kind="branch",
                unit_path=list(unit.path),
                by_kind=kinds,
                computed_at=0,
                tree_sort="/".join(unit.path) + "/",
            ).save()
    for m in members:
        for month in MONTHS:
            if rng.random() < 0.15:
                continue  # no month row
            expected = rng.choice([None, 0, 1000, 2550])
            paid = rng.choice([0, 500, expected or 0, (expected or 0) + 100])
            DuesMonth(
                m.member_no,
                month,
                name=m.name,
                branch_id=m.branch_id,
                tree_key="/".join(units[m.branch_id].path) + "/#" + m.member_no,
                expected_fen=expected,
                paid_fen=paid,
                opened_at=0,
            ).save()
    return units


# --- the oracle: the rules file as plain TOML, the raw tables read whole -----------------------

STUDY = {
    "article_read",
    "constitution_read",
    "daily_quiz",
    "challenge_quiz",
    "exam",
    "comment",
    "vote",
}
QUIZ = {"daily_quiz", "challenge_quiz", "exam"}


def _raw_measures(months: list[str]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    quiz_days = defaultdict(set)
    for item in PointDay.scan():
        if item.day[:7] not in months:
            continue
        raw = points_ledger.get(item.member_no, item.day)  # one day item, its lines
        for line in raw.lines.values():
            rule = line.key.split("#")[0]
            m = out[item.member_no]
            if rule in STUDY:
                m["study_points"] += line.amount
            if rule in QUIZ and line.amount > 0:
                quiz_days[item.member_no].add(item.day)
            if rule == "volunteer_service":
                m["volunteer_hours"] += line.amount / 2
    for member_no, days in quiz_days.items():
        out[member_no]["quiz_days"] = len(days)
    locked = {
        mt.meeting_id
        for mt in Meeting.scan()
        if mt.state == "locked" and mt.month in months and mt.cancelled_at is None
    }
    for row in Attendance.scan():
        if row.meeting_id in locked and row.role == "attendee":
            out[row.member_no]["meetings_attended"] += 1 if row.present else 0
            out[row.member_no]["meetings_absent"] += 1 if row.absent and not row.present else 0
    for d in DuesMonth.scan():
        if d.month not in months or not d.expected_fen:
            continue
        m = out[d.member_no]
        m["expected"] += d.expected_fen
        m["collected"] += min(d.paid_fen, d.expected_fen)
        if d.paid_fen >= d.expected_fen:
            m["dues_paid_months"] += 1
        elif d.month < "2026-12":
            m["dues_unpaid_months"] += 1
    return out


def _oracle(months: list[str]) -> tuple[dict, dict, list]:
    spec = tomllib.loads(assessment_rules.DEFAULT_FILE.read_text(encoding="utf-8"))
    base = spec["settings"]["base"]
    measures = _raw_measures(months)
    members = {m.member_no: m for m in Member.scan() if m.active}
    member_scores = {}
    for no in members:
        values = measures.get(no, {})
        base_part, bonus = float(base), 0.0
        for item in spec["member"]:
            got = item["amount"] * values.get(item["measure"], 0)
            got = round(max(-item["cap"], min(item["cap"], got)), 1)
            if item["part"] == "base":
                base_part += got
            else:
                bonus += got
        base_part = round(min(base, max(0, base_part)), 1)
        member_scores[no] = round(base_part + round(max(0.0, bonus), 1), 1)
    branch_scores = {}
    sizes = {}
    for unit in OrgUnit.scan():
        if unit.kind != "branch":
            continue
        mine = [no for no, m in members.items() if m.branch_id == unit.unit_id]
        sizes[unit.unit_id] = len(mine)
        held = need = 0
        for row in UnitMonth.query(unit.unit_id):
            if row.month in months:
                for fig in row.by_kind.as_dict().values():
                    need += fig["required"]
                    held += min(fig["held"], fig["required"])
        get = lambda no, k: measures.get(no, {}).get(k, 0)  # noqa: E731
        present = sum(get(no, "meetings_attended") for no in mine)
        absent = sum(get(no, "meetings_absent") for no in mine)
        expected = sum(get(no, "expected") for no in mine)
        avg = sum(member_scores[no] for no in mine) / len(mine) if mine else None
        shares = {
            "org_life_rate": held / need if need else 1.0,
            "dues_rate": sum(get(no, "collected") for no in mine) / expected if expected else 1.0,
            "study_rate": sum(get(no, "study_points") > 0 for no in mine) / len(mine)
            if mine
            else 1.0,
            "attendance_rate": present / (present + absent) if present + absent else 1.0,
            "volunteer_rate": sum(get(no, "volunteer_hours") > 0 for no in mine) / len(mine)
            if mine
            else 1.0,
        }
        total = 0.0
        for item in spec["branch"]:
            if item["measure"] == "member_average":
                share = 1.0 if avg is None else min(1.0, avg / item["full_at"])
            else:
                share = min(1.0, shares[item["measure"]])
            total += round(item["weight"] * share, 1)
        branch_scores[unit.unit_id] = round(total, 1)
    # Ranks: competition ranking of the branches with enough members.
    small = spec["settings"]["min_members"]
    ranked = sorted(
        ((s, b) for b, s in branch_scores.items() if sizes[b] >= small), key=lambda x: (-x[0], x[1])
    )
    ranks = [(b, 1 + sum(1 for s2, _ in ranked if s2 > s)) for s, b in ranked]
    return member_scores, branch_scores, ranks


def _stored(period: str) -> tuple[dict, dict, list]:
    members, branches = {}, {}
    for item in AssessmentItem.query(f"members#{period}"):
        for row in item.data["members"]:
            members[row["member_no"]] = row["score"]
    for item in AssessmentItem.query(f"branches#{period}"):
        branches[item.data["id"]] = item.data["score"]
    org = AssessmentItem.get(f"org#{period}", "#").data
    return members, branches, [(r["id"], r["rank"]) for r in org["ranked"]]


def _take(rows: list[tuple[float, str]], size: int, cap: int) -> list[str]:
    """The first `size` rows and every row tied with the last; a tie group passing `cap` out."""
    taken = [r for r in rows if r[0] in {s for s, _ in rows[:size]}]
    while len(taken) > cap:
        taken = [r for r in taken if r[0] != taken[-1][0]]
    return [b for _, b in taken]


def _lists(branch_scores: dict, ranks: list, size: int) -> tuple[list, list]:
    """红榜 and 黑榜 as the README states the rule, from the oracle's ranked branches."""
    ranked = sorted(((branch_scores[b], b) for b, _ in ranks), key=lambda x: (-x[0], x[1]))
    cap = len(ranked) // 2
    red = _take([r for r in ranked if r[0] > 0], size, cap)
    ceiling = min((branch_scores[b] for b in red), default=ranked[0][0] if ranked else 0)
    worst = sorted((r for r in ranked if r[0] < ceiling), key=lambda x: (x[0], x[1]))
    return red, _take(worst, size, cap)


def _bottom(branch_scores: dict, ranks: list, size: int) -> set[str]:
    """The last `size` positions (at most half), ties reaching in counted whole, a tie with
    first place never: a branch with fewer than n ranked below it and one above it."""
    scores = [branch_scores[b] for b, _ in ranks]
    n = min(size, len(scores) // 2)
    return {
        b
        for b, _ in ranks
        if sum(s < branch_scores[b] for s in scores) < n
        and any(s > branch_scores[b] for s in scores)
    }


@pytest.mark.parametrize("seed", [7])  # seed 7 flags a branch for 约谈
def test_stored_scores_equal_the_oracle_for_each_month_and_the_year(seed, at) -> None:
    _records(seed)
    at("2026-12-15T01:00:00")
    stats = assessment_job.run(today=TODAY, months=MONTHS)
    assert stats["written"] > 0
    for month in MONTHS:
        assert _stored(f"m{month}") == _oracle([month]), month
    assert _stored("y2026") == _oracle(MONTHS)
    size = tomllib.loads(assessment_rules.DEFAULT_FILE.read_text(encoding="utf-8"))["settings"][
        "ranking_size"
    ]
    bottoms = []
    for month in MONTHS:
        _, branch_scores, ranks = _oracle([month])
        org = AssessmentItem.get(f"org#m{month}", "#").data
        assert (org["red"], org["black"]) == _lists(branch_scores, ranks, size), month
        bottoms.append(_bottom(branch_scores, ranks, size))
    # 约谈: in the last N positions in each of the three months (the shipped talk_months).
    assert org["talks"] == sorted(set.intersection(*bottoms))
    assert org["talks"], "the seed's records flag a branch: the rule is exercised"
    again = assessment_job.run(today=TODAY, months=MONTHS)
    assert again["written"] == 0  # a recomputation with nothing changed writes nothing


def test_switched_off_the_job_does_nothing(monkeypatch, at) -> None:
    _records(3)
    monkeypatch.setenv("ASSESSMENT_ENABLED", "false")
    from chalicelib import settings

    monkeypatch.setattr(settings, "_settings", None)
    assert assessment_job.run(today=TODAY) == {"skipped": "ASSESSMENT_ENABLED=false"}
    assert list(AssessmentItem.scan()) == []


def _by_id(part: str) -> dict[str, tuple[str, dict]]:
    return {i.data["id"]: (i.tree, i.data) for i in AssessmentItem.query(part)}


def test_moved_or_emptied_branches_leave_no_stale_rows(stack) -> None:
    """A branch moved elsewhere is stored under its new path only (its old parent's Query no
    longer finds it); a branch whose members all left has no score, member count or rank."""
    from tools.fixtures import make_member, make_tree

    make_tree()
    for i in range(3):
        make_member(f"7100000{i}", "B1")
        make_member(f"7200000{i}", "B2")
    assessment_job.run(today=date(2026, 11, 10))
    assert _by_id("branches#m2026-11")["B1"][0] == "C1/G1/B1/"
    b1 = OrgUnit.get("B1")  # as registry_units.move_unit rewrites it
    b1.update(
        actions=[
            OrgUnit.parent_id.set("C1"),
            OrgUnit.path.set(["C1", "B1"]),
            OrgUnit.path_kinds.set(["committee", "branch"]),
        ]
    )
    assessment_job.run(today=date(2026, 11, 11))
    for part in ("branches#m2026-11", "members#m2026-11", "branches#y2026", "members#y2026"):
        trees = [i.tree for i in AssessmentItem.query(part)]
        assert "C1/G1/B1/" not in trees and "C1/B1/" in trees, (part, trees)
    under_g1 = AssessmentItem.query("branches#m2026-11", AssessmentItem.tree.startswith("C1/G1/"))
    assert "B1" not in {i.data["id"] for i in under_g1}
    # Everyone leaves B1 for B2: B1 has no row left, B2 counts six.
    for i in range(3):
        Member.get(f"7100000{i}").update(actions=[Member.branch_id.set("B2")])
    assessment_job.run(today=date(2026, 11, 12))
    for period in ("m2026-11", "y2026"):
        rows = _by_id(f"branches#{period}")
        assert "B1" not in rows and rows["B2"][1]["members"] == 6, period
        assert "B1" not in _by_id(f"members#{period}")
        org = AssessmentItem.get(f"org#{period}", "#").data
        assert "B1" not in [r["id"] for r in org["ranked"]]


def test_a_member_who_moved_keeps_her_earlier_months_in_the_year(stack) -> None:
    from tools.fixtures import make_member, make_tree

    make_tree()
    for i in range(3):
        make_member(f"7100000{i}", "B1")
        make_member(f"7200000{i}", "B2")
    points_ledger.add_line(
        "71000000", "2026-10-05", points_ledger.Line("article_read#x1", 50, 0, None)
    )
    points_ledger.add_line(
        "71000000", "2026-11-05", points_ledger.Line("article_read#x2", 30, 0, None)
    )
    assessment_job.run(today=date(2026, 10, 20))
    Member.get("71000000").update(actions=[Member.branch_id.set("B2")])
    assessment_job.run(today=date(2026, 11, 15))
    year = _by_id("members#y2026")
    assert "71000000" not in {m["member_no"] for m in year["B1"][1]["members"]}
    her = {m["member_no"]: m for m in year["B2"][1]["members"]}["71000000"]
    assert her["measures"]["study_points"] == 80  # October in B1 and November in B2
    assert _by_id("branches#y2026")["B2"][1]["members"] == 4


def test_branches_are_ranked_within_their_committee(stack) -> None:
    """Seed 004 ranks within each 基层党委: with a group above two committees, each
    committee's best branch is first of its own ranking."""
    from tools.fixtures import make_member, make_tree

    units = make_tree()
    group = OrgUnit("GR", name="集团党委", kind="group", parent_id=None, path=["GR"])
    group.path_kinds = ["group"]
    group.save()
    for unit in units.values():  # C1's tree moves under the group
        unit.update(
            actions=[
                OrgUnit.path.set(["GR", *unit.path]),
                OrgUnit.path_kinds.set(["group", *unit.path_kinds]),
            ]
        )
    OrgUnit.get("C1").update(actions=[OrgUnit.parent_id.set("GR")])
    OrgUnit(
        "C2", name="第二党委", kind="committee", parent_id="GR", path=["GR", "C2"],
        path_kinds=["group", "committee"],
    ).save()  # fmt: skip
    for b in ("B4", "B5"):
        OrgUnit(
            b, name=f"二委{b}", kind="branch", parent_id="C2", path=["GR", "C2", b],
            path_kinds=["group", "committee", "branch"],
        ).save()  # fmt: skip
    for b in ("B1", "B2", "B3", "B4", "B5"):
        for i in range(3):
            make_member(f"7{b[1]}00000{i}", b)
    for no in ("71000000", "71000001", "71000002"):  # B1 leads C1 and everyone
        points_ledger.add_line(no, "2026-11-05", points_ledger.Line("article_read#x", 100, 0, None))
    points_ledger.add_line(
        "74000000", "2026-11-05", points_ledger.Line("article_read#y", 50, 0, None)
    )
    assessment_job.run(today=date(2026, 11, 20))
    org = AssessmentItem.get("org#m2026-11", "#").data
    ranks = {r["id"]: (r["scope"], r["rank"]) for r in org["ranked"]}
    assert ranks["B1"] == ("C1", 1) and ranks["B4"] == ("C2", 1)  # org-wide B4 would be 2nd
    assert ranks["B2"] == ranks["B3"] == ("C1", 2) and ranks["B5"] == ("C2", 2)
    assert _by_id("branches#m2026-11")["B4"][1]["rank"] == 1

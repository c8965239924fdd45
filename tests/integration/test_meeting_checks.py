"""The monthly check and the 主题党日 warning against DynamoDB Local at frozen clocks (Beijing
time): held vs required per unit and kind, done, overdue; a recomputation that is right whatever
day it runs and writes only what changed; across month, quarter and year ends; the warning on
the due day to exactly the branch's managers, once, and none before or after."""

from __future__ import annotations

from datetime import datetime

import pytest

from chalicelib import clock, meeting_checks, reminders, schedules
from chalicelib.models import Message, PlanItem, UnitMonth
from tests.integration.meeting_rows import make_meeting
from tools import reminders as tool
from tools.capacity import metered
from tools.fixtures import make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")
SCHEDULED_EVENT = {
    "version": "0",
    "id": "00000000-0000-0000-0000-000000000000",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": "2027-01-01T18:30:00Z",
    "region": "ap-east-1",
    "resources": [],
    "detail": {},
}


@pytest.fixture
def org():
    units = make_tree()
    make_member("20000001", "B1", name="一支书记", roles=("branch_secretary",))
    make_member("20000002", "B2", name="二支书记", roles=("branch_secretary",))
    make_member("20000003", "B3", name="机关委员", roles=("branch_committee",))  # read only
    make_member("20000004", "B1", name="总支委员", roles=("general_branch_committee",))
    make_member("20000005", "B3", name="党委委员", roles=("party_committee",))
    make_member("20000006", "B3", name="管理员", roles=("admin",))
    make_member("20000007", "B2", name="普通党员")
    return units


def _month(unit_id: str, month: str) -> UnitMonth:
    return UnitMonth.get(unit_id, month)


def _by_kind(unit_id: str, month: str) -> dict:
    return _month(unit_id, month).by_kind.as_dict()


def _inbox(member_no: str) -> list[Message]:
    return [m for m in Message.query(member_no) if m.kind == "warning"]


# --- the figures -------------------------------------------------------------------------------


def test_a_month_held_vs_required_per_kind_and_what_is_overdue(at, org) -> None:
    make_meeting(org["B1"], "theme_day", "2026-12-03T09:00")
    make_meeting(org["B1"], "branch_committee", "2026-12-04T09:00")
    make_meeting(org["B1"], "group_meeting", "2026-12-05T09:00", state="scheduled")  # not held
    make_meeting(org["B2"], "theme_day", "2026-11-28T09:00")  # last month's
    at("2026-12-21T00:00:00")  # the 21st, 08:00 in Beijing: 主题党日 due on the 20th
    stats = meeting_checks.run()
    assert list(stats["months"]) == ["2026-12"]  # not a month's first days: this month only
    b1 = _by_kind("B1", "2026-12")
    assert b1["theme_day"] == {"held": 1, "required": 1}
    assert b1["branch_committee"] == {"held": 1, "required": 1}
    assert b1["group_meeting"] == {"held": 0, "required": 1}
    assert b1["party_lecture"] == {"held": 0, "required": 1}  # December ends the quarter
    assert b1["member_review"] == {"held": 0, "required": 1}  # and the year
    row = _month("B1", "2026-12")
    assert row.done is False and row.overdue == []  # the others are due on the 31st
    assert row.tree_sort == "C1/G1/B1/" and row.unit_path == ["C1", "G1", "B1"]
    assert _month("B2", "2026-12").overdue == ["theme_day"]
    assert _by_kind("B2", "2026-12")["theme_day"]["held"] == 0
    # Units above a branch: nothing required of them by default; what they held is counted.
    assert all(v["required"] == 0 for v in _by_kind("G1", "2026-12").values())
    assert _month("C1", "2026-12").done is True


def test_a_rerun_writes_only_what_changed(at, org) -> None:
    at("2026-12-10T00:00:00")
    first = meeting_checks.run()["months"]["2026-12"]
    assert first == {"written": 5, "unchanged": 0}
    with metered() as m:
        again = meeting_checks.run()["months"]["2026-12"]
    assert again == {"written": 0, "unchanged": 5}
    assert m.calls.get("UpdateItem", 0) == 0 and m.calls.get("PutItem", 0) == 0
    make_meeting(org["B2"], "theme_day", "2026-12-09T15:00")
    assert meeting_checks.run()["months"]["2026-12"] == {"written": 1, "unchanged": 4}
    assert _by_kind("B2", "2026-12")["theme_day"]["held"] == 1


def test_a_meeting_at_the_very_end_of_a_month_counts_in_that_month(at, org) -> None:
    """23:30 on 31 December in Beijing is 15:30 UTC: December's, and the first days of January
    recompute December once more and close it; from the 4th only January is computed."""
    at("2026-12-31T12:00:00")
    meeting_checks.run()
    assert _by_kind("B1", "2026-12")["theme_day"]["held"] == 0
    make_meeting(org["B1"], "theme_day", "2026-12-31T23:30")
    at("2027-01-01T18:30:00")  # the job's time: 02:30 on 2 January
    stats = meeting_checks.run()
    assert list(stats["months"]) == ["2026-12", "2027-01"]
    assert _by_kind("B1", "2026-12")["theme_day"]["held"] == 1
    assert _by_kind("B1", "2027-01")["theme_day"] == {"held": 0, "required": 1}
    # The new month starts clean: no quarterly or yearly requirement on January's list.
    assert "party_lecture" not in {k for k, v in _by_kind("B1", "2027-01").items() if v["required"]}
    # December is closed: every requirement not held is overdue now.
    assert set(_month("B2", "2026-12").overdue) >= {"theme_day", "party_lecture", "life_meeting"}
    at("2027-01-04T00:00:00")
    make_meeting(org["B2"], "theme_day", "2026-12-30T10:00")  # recorded too late
    assert list(meeting_checks.run()["months"]) == ["2027-01"]
    assert "theme_day" in _month("B2", "2026-12").overdue  # the closed month stands


def test_quarterly_and_yearly_requirements_count_their_whole_period(at, org) -> None:
    make_meeting(org["B1"], "party_lecture", "2026-10-10T09:00")  # Q4's first month
    make_meeting(org["B1"], "member_review", "2026-03-15T09:00")  # the year's
    make_meeting(org["B1"], "party_lecture", "2026-09-30T20:00")  # Q3's: not Q4's
    at("2026-12-05T00:00:00")
    stats = meeting_checks.run()
    assert stats["meeting_queries"] == 12  # December: the year's months, one Query each
    b1, b2 = _by_kind("B1", "2026-12"), _by_kind("B2", "2026-12")
    assert b1["party_lecture"] == {"held": 1, "required": 1}
    assert b1["member_review"] == {"held": 1, "required": 1}
    assert b2["party_lecture"]["held"] == 0
    # November: no quarterly requirement on its list; the lecture held then is counted as held.
    at("2026-11-10T00:00:00")
    meeting_checks.run()
    assert _by_kind("B1", "2026-11")["party_lecture"] == {"held": 0, "required": 0}
    # A quarter end that is not a year end: three months read, not twelve.
    at("2027-03-10T00:00:00")
    assert meeting_checks.run()["meeting_queries"] == 3


def test_the_job_generates_the_lists_on_the_first_days(at, org) -> None:
    at("2027-01-01T18:30:00")
    stats = schedules.check_meetings(SCHEDULED_EVENT, None)  # the Lambda's own handler
    assert stats["plans"] == 3  # the three branches
    items = list(PlanItem.query("B1", PlanItem.plan_key.startswith("2027-01#")))
    assert {i.kind for i in items} == {"branch_committee", "group_meeting", "theme_day"}
    assert {i.responsible for i in items} == {"20000001"}
    meeting_checks.run()  # again: nothing twice
    assert len(list(PlanItem.query("B1", PlanItem.plan_key.startswith("2027-01#")))) == 3
    b3 = {i.responsible for i in PlanItem.query("B3")}
    assert b3 == {"20000003"}  # no secretary: its committee member


# --- the 20th warning -------------------------------------------------------------------------


def test_the_warning_on_the_20th_to_exactly_the_managers_once(at, org) -> None:
    make_meeting(org["B1"], "theme_day", "2026-12-19T14:00")  # held on the 19th
    make_meeting(org["B2"], "theme_day", "2026-12-18T14:00", state="scheduled")  # not recorded
    make_meeting(org["B3"], "theme_day", "2026-11-20T14:00")  # last month's
    at("2026-12-19T02:00:00")  # the 19th, 10:00
    stats = reminders.run_due()
    assert "theme_day_missing" not in [r["key"] for r in stats["ran"]]
    assert all(_inbox(f"2000000{i}") == [] for i in range(1, 8))
    at("2026-12-20T01:00:00")  # the 20th, 09:00: its time
    stats = reminders.run_due()
    [run] = [r for r in stats["ran"] if r["key"] == "theme_day_missing"]
    got = {no: _inbox(no) for no in (f"2000000{i}" for i in range(1, 8))}
    assert {no for no, msgs in got.items() if msgs} == {"20000002", "20000004", "20000005",
                                                          "20000006"}  # fmt: skip
    [to_secretary] = got["20000002"]
    assert to_secretary.title == "主题党日尚未开展"
    assert to_secretary.body.startswith("第二党支部：12月主题党日尚未在平台记录")
    assert "20日前" in to_secretary.body
    assert to_secretary.url == "/meeting-plan.html?unit=B2&month=2026-12"
    [to_general] = got["20000004"]
    assert to_general.body.startswith("第二党支部：")  # B1 held it; B3 is not his
    [to_committee] = got["20000005"]  # one message naming both of hers
    assert to_committee.body.startswith("第二党支部、机关党支部等2个支部：")
    assert to_committee.url == "/meeting-plan.html?unit=C1&month=2026-12"
    assert run["created"] == 4
    # Marked on the month rows the superiors read; B1 is not.
    assert _month("B2", "2026-12").warned_at and _month("B3", "2026-12").warned_at
    with pytest.raises(UnitMonth.DoesNotExist):
        _month("B1", "2026-12")
    # Twice: the schedule's next run, and an operator running it by hand, send nothing more.
    at("2026-12-20T02:00:00")
    assert "theme_day_missing" not in [r["key"] for r in reminders.run_due()["ran"]]
    assert tool.main(["run", "theme_day_missing"]) == 0
    assert sum(len(_inbox(f"2000000{i}")) for i in range(1, 8)) == 4
    # The 21st: nothing again.
    at("2026-12-21T01:00:00")
    reminders.run_due()
    assert sum(len(_inbox(f"2000000{i}")) for i in range(1, 8)) == 4
    # The check's figures keep the warning mark.
    meeting_checks.run()
    row = _month("B2", "2026-12")
    assert row.warned_at and row.overdue == ["theme_day"]


def test_a_dry_run_marks_nothing(at, org, capsys) -> None:
    at("2026-12-20T01:30:00")
    assert tool.main(["run", "theme_day_missing", "--dry-run"]) == 0
    assert "将发给" in capsys.readouterr().out
    with pytest.raises(UnitMonth.DoesNotExist):
        _month("B2", "2026-12")


def test_a_new_month_starts_clean_and_the_old_months_figures_stay(at, org) -> None:
    at("2026-12-20T01:00:00")
    reminders.run_due()
    at("2026-12-21T00:00:00")
    meeting_checks.run()
    make_meeting(org["B1"], "theme_day", "2027-01-05T09:00")
    make_meeting(org["B2"], "theme_day", "2027-01-19T09:00")
    at("2027-01-20T01:00:00")
    reminders.run_due()
    msgs = _inbox("20000005")
    assert len(msgs) == 2  # December's (B1, B2, B3) and January's (B3 only)
    assert sorted(m.body.split("：")[0] for m in msgs) == [
        "机关党支部",
        "第一党支部、第二党支部等3个支部",
    ]
    assert _month("B3", "2027-01").warned_at
    for unit_id in ("B1", "B2"):
        assert UnitMonth.count(unit_id, UnitMonth.month == "2027-01") == 0  # not warned
        assert _month(unit_id, "2026-12").warned_at  # December's stays
    assert _month("B2", "2026-12").overdue == ["theme_day"]


def test_the_deadline_is_the_kinds_files_due_day(at, org, monkeypatch) -> None:
    """One place: a due_day of 25 moves the warning's check (the reminder's schedule must say 25
    too: the loader refuses a schedule that disagrees, test_meeting_kinds)."""
    from dataclasses import replace

    from chalicelib import audiences, meeting_kinds

    kind = replace(meeting_kinds.kinds()["theme_day"], due_day=25)
    monkeypatch.setattr(meeting_kinds, "warned_kind", lambda: kind)
    ctx = audiences.Context(datetime(2026, 12, 20, 9, tzinfo=clock.TZ))
    assert list(audiences.theme_day_missing(ctx, {})) == []
    ctx = audiences.Context(datetime(2026, 12, 25, 9, tzinfo=clock.TZ))
    found = list(audiences.theme_day_missing(ctx, {}))
    assert found and all(d.fields["deadline_day"] == 25 for d in found)


@pytest.mark.parametrize(
    ("utc", "months"),
    [
        ("2026-12-31T15:59:00", ["2026-12"]),  # 23:59 on 31 December in Beijing
        ("2026-12-31T16:00:00", ["2026-12", "2027-01"]),  # midnight: January, December closing
        ("2027-01-03T15:59:00", ["2026-12", "2027-01"]),  # the 3rd, 23:59: still closing
        ("2027-01-03T16:00:00", ["2027-01"]),  # the 4th: December stands
    ],
)
def test_the_months_are_beijings(at, org, utc: str, months: list[str]) -> None:
    at(utc)
    assert list(meeting_checks.run()["months"]) == months

"""The demo meetings' plan (tools/demo_meetings.py): the same on every run, three months of
organisation life per branch as the rules ask (主题党日, 支部委员会 and 党小组会 monthly, a 党课 and
a 支部党员大会 in each quarter), attendance that looks like a real branch's, rows shaped as
models/meetings.py documents them, coming meetings with leave requests, and one branch behind
with this month's 主题党日."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

import pytest

from chalicelib import clock
from chalicelib.meeting_access import MEETING_ID
from tools import demo_meetings as dm

TODAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=clock.TZ)
BRANCHES = {p for p in dm.people()}


@pytest.fixture(scope="module")
def planned() -> list[dm.Planned]:
    return dm.plan(TODAY, NOW)


def test_the_same_on_every_run(planned):
    assert dm.plan(TODAY, NOW) == planned
    ids = [m.meeting_id for m in planned]
    assert len(ids) == len(set(ids))
    assert all(MEETING_ID.match(i) and i.startswith("mt_demo_") for i in ids)


def test_three_months_of_organisation_life_per_branch(planned):
    assert {m.branch_id for m in planned} == BRANCHES == {
        "B0101", "B0102", "B0201", "B0202", "B0301", "B0302", "B0401", "B0402",
    }  # fmt: skip
    held = [m for m in planned if m.locked]
    for branch in BRANCHES:
        for month in ("2026-09", "2026-10", "2026-11"):
            kinds = Counter(
                m.kind for m in held if m.branch_id == branch and f"{m.starts:%Y-%m}" == month
            )
            assert kinds["theme_day"] == 1 and kinds["branch_committee"] == 1, (branch, month)
            assert kinds["group_meeting"] >= 1, (branch, month)
        # Each calendar quarter touched has its 党课 and 支部党员大会 (Q3: September only).
        for months in (("2026-09",), ("2026-10", "2026-11")):
            kinds = Counter(
                m.kind for m in held if m.branch_id == branch and f"{m.starts:%Y-%m}" in months
            )
            assert kinds["party_lecture"] == 1 and kinds["branch_assembly"] == 1, (branch, months)
    # A branch of 20 members or more has two party groups, each meeting monthly.
    assert Counter(m.kind for m in held if m.branch_id == "B0101")["group_meeting"] == 6
    assert Counter(m.kind for m in held if m.branch_id == "B0102")["group_meeting"] == 3


def test_attendance_like_a_real_branch(planned):
    rows = [r for m in planned if m.locked for r in m.rows]
    present = sum(1 for r in rows if r.present) / len(rows)
    leave = sum(1 for r in rows if r.leave == "approved") / len(rows)
    unexcused = sum(1 for r in rows if r.absent) / len(rows)
    assert 0.85 <= present <= 0.95 and 0.04 <= leave <= 0.12 and 0.005 <= unexcused <= 0.05
    for r in rows:  # exactly one of present, on approved leave, unexcused
        assert [bool(r.present), r.leave == "approved", bool(r.absent)].count(True) == 1
        if r.leave:
            assert r.leave_reason
    # 支部委员会: the committee only; the others: the branch (党小组会: the group).
    members = dm.people()
    for m in planned:
        invited = {r.member_no for r in m.rows}
        branch = {p.member_no for p in members[m.branch_id]}
        assert invited <= branch
        if m.kind == "branch_committee":
            assert len(invited) in (3, 4)
        elif m.kind != "group_meeting":
            assert invited == branch


def test_minutes_and_decisions_for_held_meetings_only(planned):
    for m in planned:
        if m.locked:
            assert "应到" in m.minutes and m.topic in m.minutes and m.decisions
            assert m.starts + timedelta(minutes=m.minutes_long) < NOW
        else:
            assert m.minutes is None and m.decisions is None
            assert all(r.present is None and r.absent is None for r in m.rows)


def test_coming_meetings_and_the_branch_behind(planned):
    coming = [m for m in planned if not m.locked]
    assert all(m.starts > NOW for m in coming)
    assert {m.branch_id for m in coming} == BRANCHES
    for m in coming:  # one or two ask for leave (a committee: none or one), never the host
        asking = [r for r in m.rows if r.leave]
        assert len(asking) in ((1, 2) if len(m.rows) >= 10 else (0, 1)), m.meeting_id
        assert all(r.leave_reason and r.member_no != m.host for r in asking)
        assert sorted(r.leave for r in asking) in ([], ["requested"], ["approved", "requested"])
    assert sum(1 for m in coming for r in m.rows if r.leave == "requested") >= 8
    this_month = [m for m in planned if m.kind == "theme_day" and f"{m.starts:%Y-%m}" == "2026-12"]
    behind = [m for m in this_month if m.branch_id == dm.LAGGARD]
    assert len(behind) == 1 and behind[0].starts.day > 20 and not behind[0].locked
    # Late in the month it is simply missing.
    late = dm.plan(date(2026, 12, 27), datetime(2026, 12, 27, 9, 0, tzinfo=clock.TZ))
    december = [m for m in late if m.kind == "theme_day" and f"{m.starts:%Y-%m}" == "2026-12"]
    assert {m.branch_id for m in december} == BRANCHES - {dm.LAGGARD}
    assert all(m.locked for m in december)


def test_rows_as_the_models_document_them(planned):
    units = dm._units()
    for m in planned:
        meeting, rows = dm.rows_of(m, units)
        assert meeting.month == meeting.starts_at[:7] == f"{m.starts:%Y-%m}"
        assert meeting.starts_at.endswith("+08:00")
        assert meeting.unit_sort == f"{meeting.starts_at}#{meeting.meeting_id}"
        path = "/".join(units[m.branch_id]["path"])
        assert meeting.tree_sort == f"{path}/#{meeting.starts_at}#{meeting.meeting_id}"
        assert path.startswith("C01/G0")
        assert meeting.unit_path[-1] == meeting.unit_id == m.branch_id
        assert meeting.invited == len(rows) and meeting.guests == 0
        assert meeting.checkin_secret
        assert meeting.created_at < NOW.timestamp() and meeting.created_at < m.starts.timestamp()
        if m.locked:
            assert (
                meeting.state == "locked" and meeting.locked_by == units[m.branch_id]["secretary"]
            )
            ends = datetime.fromisoformat(meeting.ends_at).timestamp()
            assert ends < meeting.locked_at <= NOW.timestamp()
        else:
            assert meeting.state == "scheduled" and meeting.locked_at is None
        for row in rows:
            assert row.member_sort == f"{meeting.starts_at}#{meeting.meeting_id}"
            assert row.role == "attendee" and row.status in ("full", "probationary")
            if row.absent:
                assert row.present is False and row.leave != "approved"
            if row.leave:
                assert meeting.created_at < row.leave_at <= NOW.timestamp()
            if row.leave == "approved":
                assert row.leave_at < row.leave_decided_at <= NOW.timestamp()
                assert row.leave_decided_by
            if m.locked:
                assert row.present is not None
    # One kept correction: a member of the first branch marked present after a 主题党日.
    corrected = [
        (m.meeting_id, r.member_no)
        for m in planned
        for r in dm.rows_of(m, units)[1]
        if r.corrections
    ]
    assert len(corrected) == 3 and all(i.startswith("mt_demo_B0101_") for i, _ in corrected)


def test_across_a_year_end():
    january = dm.plan(date(2027, 1, 10), datetime(2027, 1, 10, 12, 0, tzinfo=clock.TZ))
    months = {f"{m.starts:%Y-%m}" for m in january}
    assert months == {"2026-10", "2026-11", "2026-12", "2027-01", "2027-02"}
    assert all(MEETING_ID.match(m.meeting_id) for m in january)

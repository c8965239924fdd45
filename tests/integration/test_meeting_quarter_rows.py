"""A quarterly requirement put on a month before its quarter's last (`plan_month = 1` for 党课,
which the rules' file accepts): the month's row is recomputed while the requirement is within
its quarter — by the night's check, after a lock and on a view of the list —, marked overdue
once the quarter ends, shown in /overdue, and then left as it stands. Frozen clocks across the
quarter (Beijing time is UTC + 8)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from chalicelib import meeting_checks, meeting_figures, meeting_kinds, meeting_plans
from chalicelib.models import UnitMonth
from tests.integration.meeting_rows import make_meeting
from tests.integration.test_meeting_plans import auth, call, ok, routes  # noqa: F401
from tools.fixtures import make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")


@pytest.fixture
def lecture_in_january(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    text = meeting_kinds.DEFAULT_FILE.read_text(encoding="utf-8")
    head = text.index('key = "party_lecture"')
    at = text.index("plan_month = 3", head)
    path = tmp_path / "meeting_kinds.toml"
    path.write_text(text[:at] + "plan_month = 1" + text[at + len("plan_month = 3") :], "utf-8")
    kinds = meeting_kinds.load(path)  # the loader accepts it
    assert kinds["party_lecture"].plan_month == 1
    monkeypatch.setattr(meeting_kinds, "kinds", lambda: kinds)
    return kinds


def _lecture(unit_id: str) -> dict:
    row = UnitMonth.get(unit_id, "2027-01")
    return {**row.by_kind.as_dict()["party_lecture"], "overdue": "party_lecture" in row.overdue,
            "done": row.done}  # fmt: skip


def test_a_lecture_planned_in_january_counts_all_quarter(at, lecture_in_january, routes) -> None:  # noqa: F811
    units = make_tree()
    party = make_member("20000005", "B3", name="党委委员", roles=("party_committee",))
    auth(party)
    monthly = [
        k.key for k in meeting_kinds.required("branch", "2027-01") if k.key != "party_lecture"
    ]
    for kind in monthly:
        make_meeting(units["B1"], kind, "2027-01-10T09:00")
    at("2027-01-05T02:00:00")
    meeting_checks.run()
    assert _lecture("B1") == {"held": 0, "required": 1, "overdue": False, "done": False}
    # February: B1 holds it; the lock brings January's row up to date, the check agrees.
    at("2027-02-10T02:00:00")
    make_meeting(units["B1"], "party_lecture", "2027-02-08T09:00")
    assert meeting_plans.refresh_after_lock("B1", "2027-02") is True
    assert _lecture("B1") == {"held": 1, "required": 1, "overdue": False, "done": True}
    stats = meeting_checks.run()
    assert list(stats["months"]) == ["2027-01", "2027-02"]
    assert stats["months"]["2027-01"]["written"] == 2  # B2, B3: January overdue now
    assert _lecture("B1")["held"] == 1
    # March: B2 holds it, and its list's view brings the row up to date.
    at("2027-03-06T02:00:00")
    make_meeting(units["B2"], "party_lecture", "2027-03-05T09:00")
    ok(call(routes, "GET", "/units/B2/plan?month=2027-01", party))
    assert _lecture("B2")["held"] == 1
    # 31 March: B3's is due today, not overdue; at midnight (Beijing) it is.
    at("2027-03-31T02:00:00")
    meeting_checks.run()
    assert _lecture("B3")["overdue"] is False
    found = ok(call(routes, "GET", "/units/C1/overdue", party))
    assert ("B3", "2027-01") not in {(u["unit_id"], u["month"]) for u in found["units"]}
    at("2027-03-31T17:00:00")
    meeting_checks.run()
    assert _lecture("B3") == {"held": 0, "required": 1, "overdue": True, "done": False}
    assert _lecture("B1")["overdue"] is False and _lecture("B2")["overdue"] is False
    for day in ("2027-04-02T02:00:00", "2027-04-30T02:00:00"):
        at(day)
        found = ok(call(routes, "GET", "/units/C1/overdue", party))
        rows = {(u["unit_id"], u["month"]): u["overdue"] for u in found["units"]}
        # January's own monthly misses are long past: only the quarter's lecture shows.
        assert rows[("B3", "2027-01")] == [
            {"kind": "party_lecture", "label": "党课", "due": "2027-03-31"}
        ]
        assert ("B1", "2027-01") not in rows and ("B2", "2027-01") not in rows
    # Then January stands: a January record locked in April changes nothing.
    at("2027-04-10T02:00:00")
    make_meeting(units["B3"], "theme_day", "2027-01-15T09:00")
    before = UnitMonth.get("B3", "2027-01").by_kind.as_dict()
    assert "2027-01" not in meeting_checks.run()["months"]
    assert meeting_plans.refresh_after_lock("B3", "2027-01") is False
    assert UnitMonth.get("B3", "2027-01").by_kind.as_dict() == before
    at("2027-05-10T02:00:00")
    found = ok(call(routes, "GET", "/units/C1/overdue", party))
    assert ("B3", "2027-01") not in {(u["unit_id"], u["month"]) for u in found["units"]}


def test_the_shipped_rules_compute_the_open_months_only() -> None:
    """With every requirement on its period's last month (the shipped file), nothing older than
    the open months is recomputed: the night's check costs what it did."""
    day = date(2026, 12, 1)
    while day < date(2028, 1, 5):
        live = meeting_figures.live_months(day, ["branch", "general_branch", "committee"])
        assert live == meeting_figures.open_months(day), day
        day += timedelta(days=1)

"""Holes a review found in the monthly list's routes: an unknown unit or person answered like
one out of scope (nobody learns which ids exist), and a read that never writes an old month's
list."""

from __future__ import annotations

import pytest

from chalicelib.models import PlanItem
from tests.integration.test_meeting_plans import call, items_of, ok, org, routes  # noqa: F401
from tools.capacity import metered

pytestmark = pytest.mark.usefixtures("clean_tables")


def test_an_unknown_unit_is_refused_like_one_out_of_scope(at, org, routes) -> None:  # noqa: F811
    _, people = org
    at("2026-12-05T02:00:00")
    for path in ("/units/{}/plan", "/units/{}/month", "/units/{}/overdue"):
        beside = call(routes, "GET", path.format("B3"), people["gen"])
        unknown = call(routes, "GET", path.format("B9"), people["gen"])
        bad_id = call(routes, "GET", path.format("NOPE"), people["gen"])
        assert beside[0] == 403, path
        assert unknown == beside and bad_id == beside, path
    body = {"month": "2026-12", "kind": "theme_day", "request": "r" * 16}
    assert call(routes, "POST", "/units/B9/plan", people["sec1"], body) == call(
        routes, "POST", "/units/B3/plan", people["sec1"], body
    )
    assert call(routes, "PUT", "/units/B9/plan/2026-12~theme_day~1", people["sec1"],
                {"note": "x"})[0] == 403  # fmt: skip


def test_one_answer_for_an_unknown_responsible_and_one_elsewhere(at, org, routes) -> None:  # noqa: F811
    _, people = org
    at("2026-12-05T02:00:00")
    ok(call(routes, "GET", "/units/B1/plan", people["sec1"]))
    path = "/units/B1/plan/2026-12~theme_day~1"
    answers = [
        call(routes, "PUT", path, people["sec1"], {"responsible": who})
        for who in ("21000002", "99999999", "21000007", "x")
    ]
    assert answers[0][0] == 400 and all(a == answers[0] for a in answers), answers
    adds = [
        call(
            routes,
            "POST",
            "/units/B1/plan",
            people["sec1"],
            {"month": "2026-12", "kind": "theme_day", "request": f"{n}" * 16, "responsible": who},
        )
        for n, who in ((1, "21000002"), (2, "99999999"))
    ]
    assert adds[0] == adds[1] == answers[0]


def test_a_read_never_writes_an_old_months_list(at, org, routes) -> None:  # noqa: F811
    _, people = org
    at("2026-12-05T02:00:00")
    for month in ("2000-01", "2026-06", "2026-11"):
        body = ok(call(routes, "GET", f"/units/B1/plan?month={month}", people["com1"]))
        assert body["preview"] is True and body["may_manage"] is False, month
        assert {"theme_day", "branch_committee", "group_meeting"} <= set(items_of(body))
        assert all(i["status"] == "overdue" for i in body["items"])
    assert list(PlanItem.query("B1")) == []
    # The open month and the next are generated (the next one by a manager's view too).
    body = ok(call(routes, "GET", "/units/B1/plan?month=2027-01", people["com1"]))
    assert body["preview"] is False and len(list(PlanItem.query("B1"))) == 3
    ok(call(routes, "GET", "/units/B1/plan", people["sec1"]))
    stored = len(list(PlanItem.query("B1")))
    # On 2 January December is still open; on the 4th it shows what was stored, nothing new.
    at("2027-01-02T02:00:00")
    ok(call(routes, "GET", "/units/B1/plan?month=2026-12", people["sec1"]))
    at("2027-01-04T02:00:00")
    ok(call(routes, "PUT", "/units/B1/plan/2027-01~theme_day~1", people["sec1"], {"note": "x"}))
    PlanItem("B1", "2026-12#theme_day#1").delete()
    body = ok(call(routes, "GET", "/units/B1/plan?month=2026-12", people["sec1"]))
    assert body["preview"] is False and "theme_day" not in items_of(body)
    assert len(list(PlanItem.query("B1"))) == stored - 1


def test_the_month_table_in_the_units_display_order(at, org, routes) -> None:  # noqa: F811
    """Siblings by their sort_order (as the registry shows them), not by their ids."""
    from chalicelib import meeting_checks
    from chalicelib.models import OrgUnit

    units, people = org
    units["B3"].update(actions=[OrgUnit.sort_order.set(0)])  # before 第一党总支 (1)
    units["B2"].update(actions=[OrgUnit.sort_order.set(0)])  # before 第一党支部 (2)
    at("2026-12-21T02:00:00")
    meeting_checks.run()
    with metered() as m:
        body = ok(call(routes, "GET", "/units/C1/month", people["party"]))
    assert [r["unit_id"] for r in body["rows"]] == ["C1", "B3", "G1", "B2", "B1"]
    assert m.calls.get("BatchGetItem", 0) == 0  # the orders: one Query per unit with children
    assert [r["unit_id"] for r in ok(call(routes, "GET", "/units/G1/month", people["gen"]))["rows"]
            ] == ["G1", "B2", "B1"]  # fmt: skip
    found = ok(call(routes, "GET", "/units/C1/overdue", people["party"]))
    assert [u["unit_id"] for u in found["units"] if u["month"] == "2026-12"] == ["B3", "B2", "B1"]

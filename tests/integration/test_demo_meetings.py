"""The demo meetings (tools/demo_meetings.py) in DynamoDB Local as `make dev` writes them: every
planned meeting with its attendance rows, readable through the indexes (a unit's meetings, a
month's, her meetings) and the 记录本 export; a second run changes nothing, and what a member
did since (a leave request) is kept."""

from __future__ import annotations

from datetime import datetime

import pytest

from chalicelib import clock, meeting_book, registry
from chalicelib.models import Attendance, Meeting
from tools import demo_meetings, demo_registry, seed_demo

pytestmark = pytest.mark.usefixtures("clean_tables")

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=clock.TZ)


def snapshot() -> dict[str, dict]:
    items = {f"m:{m.meeting_id}": m.to_simple_dict() for m in Meeting.scan()}
    items |= {f"a:{a.meeting_id}:{a.member_no}": a.to_simple_dict() for a in Attendance.scan()}
    return items


def test_written_once_and_readable(dynamodb) -> None:
    seed_demo.seed()
    planned = demo_meetings.plan(NOW.date(), NOW)
    made, rows = demo_meetings.seed(NOW.date(), NOW)
    assert (made, rows) == (len(planned), sum(len(m.rows) for m in planned))
    first = snapshot()
    assert demo_meetings.seed(NOW.date(), NOW) == (0, 0)
    assert snapshot() == first

    # Through the indexes the API reads.
    b0101 = list(Meeting.by_unit.query("B0101"))
    assert len(b0101) == sum(1 for m in planned if m.branch_id == "B0101")
    november = list(Meeting.by_month.query("2026-11", Meeting.tree_sort.startswith("C01/G01/")))
    assert {m.unit_id for m in november} == {"B0101", "B0102"}
    member = demo_registry.DEMO_MEMBER.member_no
    mine = list(Attendance.by_member.query(member))
    assert len(mine) == sum(1 for m in planned for r in m.rows if r.member_no == member) >= 10

    # The 记录本 of the demo branch, as the secretary reads it.
    secretary = registry.caller_for(registry.get_member(demo_registry.DEMO_SECRETARY.member_no))
    book = meeting_book.book(secretary, "B0101", "2026-09", "2026-11")
    assert book["totals"]["meetings"] == book["totals"]["recorded"] == 19 - 3
    assert any(m["absent"] for m in book["meetings"])
    assert sum(len(m["corrections"]) for m in book["meetings"]) == 3
    meeting_book.workbook(book)  # writes without a problem

    # A member asks for leave from a coming meeting; the next start keeps it.
    coming = next(m for m in planned if not m.locked and m.branch_id == "B0101" and len(m.rows) > 4)
    row = Attendance.get(coming.meeting_id, coming.rows[-1].member_no)
    row.update(actions=[Attendance.leave.set("requested"), Attendance.leave_reason.set("出差")])
    assert demo_meetings.seed(NOW.date(), NOW) == (0, 0)
    assert Attendance.get(coming.meeting_id, coming.rows[-1].member_no).leave_reason == "出差"


def test_what_the_export_of_a_quarter_costs(dynamodb) -> None:
    """GET the demo branch's 记录本 for three months (16 meetings, 322 attendance rows), AWS-billed:
    the caller's member and branch, the unit, one Query of the unit's meetings and one of each
    meeting's rows; the workbook reads the same."""
    from tools.bench_routes import Routes
    from tools.capacity import metered

    seed_demo.seed()
    demo_meetings.seed(NOW.date(), NOW)
    secretary = registry.get_member(demo_registry.DEMO_SECRETARY.member_no)
    routes = Routes()
    path = "/units/B0101/meeting-book?from=2026-09&to=2026-11"
    with metered() as m:
        book = routes.send("GET", path, member=secretary).json_body
    n = book["totals"]["meetings"]
    rows = sum(m_["invited"] for m_ in book["meetings"])
    assert (n, rows) == (16, 322)
    assert m.calls == {"GetItem": 3, "Query": 1 + n}, m.calls
    with metered() as x:
        reply = routes.send("GET", f"{path}&format=xlsx", member=secretary,
                            headers={"Accept": meeting_book.XLSX})  # fmt: skip
    assert x.calls == m.calls and reply.body[:2] == b"PK"
    print(f"\n记录本 of {n} meetings, {rows} rows: {m.read_units} RRU ({m.calls}); "
          f"workbook {len(reply.body) / 1024:.0f} KiB")  # fmt: skip
    assert m.read_units <= 3 + 0.5 * (1 + n) + 8, m.read_units

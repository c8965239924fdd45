"""党费's 温馨提示 at frozen clocks: the month opened by the hourly function once; on the
configured day (reminders.toml: monthly 25) exactly the active members with an unpaid amount for
the month get one message each with what they still lack; a repeated run, a run by hand on a
later day, never a second one that month; the next month again."""

from __future__ import annotations

import pytest

from chalicelib import dues_collection as dc
from chalicelib import reminders, schedules
from chalicelib.models import Member, Message
from chalicelib.models.dues_collection import DuesMonth, DuesRun
from tests.integration.dues_rows import assess
from tests.integration.test_reminders import SCHEDULED_EVENT
from tools import reminders as tool
from tools.fixtures import make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")


def _dues_inbox(member_no: str) -> list[Message]:
    return [m for m in Message.query(member_no, consistent_read=True) if m.kind == "dues_reminder"]


def _ran(stats: dict) -> list[str]:
    return [r["key"] for r in stats["ran"]]


@pytest.fixture
def org(dynamodb):
    make_tree()
    people = {
        "unpaid": make_member("30000001", "B1", name="甲", password=None),
        "paid": make_member("30000002", "B1", name="乙", password=None),
        "partial": make_member("30000003", "B2", name="丙", password=None),
        "none": make_member("30000004", "B2", name="丁", password=None),  # 未核定
        "gone": make_member("30000005", "B3", name="戊", password=None),
        "exempt": make_member("30000006", "B3", name="己", password=None),
    }
    for key in ("unpaid", "paid", "partial", "gone"):
        assess(people[key].member_no, 2000, "2026-06")
    assess(people["exempt"].member_no, 0, "2026-06")
    return people


def _pay(member_no: str, fen: int, ref: str) -> None:
    dc.record(
        dc.PaymentIn(ref, member_no, fen, dc.clock.today().isoformat(), "bank", "test", "import")
    )


def test_the_hourly_function_opens_the_month_once(at, org):
    at("2027-01-01T00:00:00")  # 08:00 on the 1st in Beijing
    schedules.run_reminders(SCHEDULED_EVENT, None)
    rows = {r.member_no: r for r in DuesMonth.scan() if r.month == "2027-01"}
    assert set(rows) == {m.member_no for m in org.values()}
    assert rows["30000004"].expected_fen is None and rows["30000001"].expected_fen == 2000
    assert DuesRun.get("2027-01").opened == 6
    _pay("30000001", 500, "bank:R1")
    schedules.run_reminders(SCHEDULED_EVENT, None)  # the next hour: the marker, nothing rewritten
    assert DuesMonth.get("30000001", "2027-01").paid_fen == 500


def test_reminded_on_the_day_once_a_month_only_the_unpaid(at, org):
    at("2027-01-05T02:00:00")
    _pay("30000002", 2000, "bank:P1")
    _pay("30000003", 1500, "bank:P2")
    Member.get("30000005").update(actions=[Member.active.set(False)])
    at("2027-01-24T02:00:00")  # 10:00 on the 24th: not yet
    assert "dues_unpaid" not in _ran(reminders.run_due())
    at("2027-01-25T02:00:00")  # 10:00 on the 25th
    assert "dues_unpaid" in _ran(reminders.run_due())
    got = {no: _dues_inbox(no) for no in ("30000001", "30000002", "30000003", "30000004",
                                           "30000005", "30000006")}  # fmt: skip
    assert {no for no, msgs in got.items() if msgs} == {"30000001", "30000003"}
    assert "1月的党费（20.00元）" in got["30000001"][0].body
    assert "（5.00元）" in got["30000003"][0].body
    assert got["30000001"][0].url == "/dues.html"
    # The same day again, an hour later, and by hand on a later day: nobody twice this month.
    at("2027-01-25T03:00:00")
    reminders.run_due()
    at("2027-01-27T02:00:00")
    assert tool.main(["run", "dues_unpaid"]) == 0
    assert [len(_dues_inbox(n)) for n in ("30000001", "30000003")] == [1, 1]
    # She pays; the next month she is reminded again only if she owes February.
    _pay("30000003", 500, "bank:P3")
    at("2027-02-25T02:00:00")
    reminders.run_due()
    assert len(_dues_inbox("30000001")) == 2  # January unpaid and February unpaid
    assert len(_dues_inbox("30000003")) == 2  # February unpaid
    assert len(_dues_inbox("30000002")) == 1  # paid January; February unpaid now


def test_a_dry_run_marks_nobody(at, org, capsys):
    at("2027-01-25T02:00:00")
    dc.open_member_month(org["unpaid"], ["C1", "G1", "B1"], "2027-01")
    assert tool.main(["run", "dues_unpaid", "--dry-run"]) == 0
    assert _dues_inbox("30000001") == []
    assert DuesMonth.get("30000001", "2027-01").reminded_on is None
    reminders.run_due()
    assert len(_dues_inbox("30000001")) == 1


def test_a_member_added_after_the_month_was_opened_is_reminded_too(at, org):
    at("2027-01-01T00:00:00")
    schedules.run_reminders(SCHEDULED_EVENT, None)  # the month opened for the six
    late = make_member("30000009", "B1", name="新党员", password=None)
    assess(late.member_no, 3000, "2027-01")
    at("2027-01-25T02:00:00")
    reminders.run_due()
    [message] = _dues_inbox("30000009")
    assert "（30.00元）" in message.body

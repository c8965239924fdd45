"""Reading credit against the wall clock (in-process, time frozen and moved by hand): a member's
credited seconds never exceed the time that passed, across views, tabs and devices, while beats
queued offline and sent late together still count."""

from __future__ import annotations

import pytest

from chalicelib import clock, points_figures, reading
from chalicelib.models import ReadingState
from tools.fixtures import make_item, make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")
T0 = 1_790_000_000.0


@pytest.fixture
def at(monkeypatch: pytest.MonkeyPatch):
    """`at(seconds)` sets the server's clock to T0 + seconds."""
    stamp = [T0]
    monkeypatch.setattr(clock, "now", lambda: stamp[0])

    def move(seconds: float) -> None:
        stamp[0] = T0 + seconds

    return move


def _credited(member_no: str) -> int:
    state = ReadingState.get(member_no, consistent_read=True)
    return sum(int(v["c"]) for v in state.views.attribute_values.values())


def test_beats_queued_offline_and_sent_late_together_still_count(at):
    make_tree()
    make_member("72000001", "B1", password=None)
    make_item("long", chars=2000)  # 300 s estimated: read at 150 s, a view caps at 600 s
    at(0)
    reading.heartbeat("72000001", "view-off-00001", 0, "long", 0)  # the page opens online
    at(400)  # 20 beats of 15 s were queued while the phone was offline; now they go together
    results = [reading.heartbeat("72000001", "view-off-00001", s, "long", 15) for s in range(1, 21)]
    assert results[-1]["credited"] == 300 and results[-1]["read"] is True
    assert [e.rule for e in points_figures.ledger("72000001")] == ["article_read"]


def test_two_tabs_read_at_once_earn_what_one_would(at):
    make_tree()
    make_member("72000002", "B1", password=None)
    make_item("left", chars=2000)
    make_item("right", chars=2000)
    at(0)
    reading.heartbeat("72000002", "view-tab-00001", 0, "left", 0)
    reading.heartbeat("72000002", "view-tab-00002", 0, "right", 0)
    for n in range(1, 9):  # both tabs claim 15 s every 15 s for two minutes
        at(15 * n)
        reading.heartbeat("72000002", "view-tab-00001", n, "left", 15)
        reading.heartbeat("72000002", "view-tab-00002", n, "right", 15)
    assert _credited("72000002") == 120


def test_a_view_first_heard_of_with_seconds_earns_only_time_after_it(at):
    """A page that never opened its view (or a forged client) claims 20 s at once: nothing is
    credited until time passes after the server first hears of the view."""
    make_tree()
    make_member("72000003", "B1", password=None)
    make_item("short", chars=100)  # read at 10 s
    at(0)
    first = reading.heartbeat("72000003", "view-new-00001", 1, "short", 20)
    assert first["credited"] == 0 and first["award"] is None
    at(12)
    second = reading.heartbeat("72000003", "view-new-00001", 2, "short", 15)
    assert second["credited"] == 12 and second["read"] is True


def test_credit_never_exceeds_the_time_since_the_view_opened_across_devices(at):
    make_tree()
    make_member("72000004", "B1", password=None)
    for i in range(8):
        make_item(f"s{i}", chars=100)
    at(0)
    for i in range(8):  # eight phones and tabs open eight articles at once
        reading.heartbeat("72000004", f"view-dev-{i:05d}", 0, f"s{i}", 0)
    at(20)
    for i in range(8):
        reading.heartbeat("72000004", f"view-dev-{i:05d}", 1, f"s{i}", 20)
    assert _credited("72000004") == 20
    assert len(list(points_figures.ledger("72000004"))) == 1  # one 10-second article, not eight


def test_the_state_item_keeps_only_recent_views(at):
    make_tree()
    make_member("72000005", "B1", password=None)
    make_item("x", chars=100)
    for n in range(30):
        at(n * 60)
        reading.heartbeat("72000005", f"view-keep-{n:04d}", 0, "x", 0)
    views = ReadingState.get("72000005", consistent_read=True).views.attribute_values
    assert len(views) <= reading.VIEW_KEEP_COUNT
    assert "view-keep-0029" in views

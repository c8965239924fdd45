"""The ranking job reads what changed, not everything: a run after a few awards reads those
members and their units, a run with nothing changed reads ~nothing, and the boards it leaves are
exactly those a full recompute from scratch gives (test_boards.py checks the full recompute
against a hand oracle)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from chalicelib import clock, points, ranking, settings
from chalicelib.models import Board, Member, RankingState
from infra import stream_poller
from tools.capacity import metered
from tools.fixtures import generated_org, make_member

pytestmark = pytest.mark.usefixtures("clean_tables")

RULES = ["article_read", "comment", "vote", "daily_quiz", "exam"]


def boards() -> dict[str, dict[str, Any]]:
    return {b.board_id: b.data for b in Board.scan()}


def computed_at() -> dict[str, float]:
    return {b.board_id: b.computed_at for b in Board.scan()}


def from_scratch() -> dict[str, dict[str, Any]]:
    """What a full recompute with no state and no boards writes (state and boards are wiped)."""
    for model in (RankingState, Board):
        with model.batch_write() as batch:
            for item in model.scan():
                batch.delete(item)
    stats = ranking.compute_boards()
    assert stats["mode"] == "full"
    return boards()


def full_then_settled() -> None:
    """A full run, then the run that applies once the log entries of its last two minutes
    (a full run reads the totals through an index that may lag them by a moment)."""
    assert ranking.compute_boards()["mode"] == "full"
    assert ranking.compute_boards()["mode"] in {"changes", "idle"}


def award_some(members, rng: random.Random, n: int, tag: str) -> set[str]:
    who = set()
    for i in range(n):
        m = rng.choice(members)
        rule = rng.choice(RULES)
        amount = rng.randint(1, 5) if rule in {"daily_quiz", "exam"} else None
        if points.award(m.member_no, rule, f"{tag}{i}", amount=amount):
            who.add(m.member_no)
    stream_poller.drain()
    return who


@pytest.fixture
def small_top(monkeypatch):
    """Org boards of 3 (6 candidates) so that the candidates' bookkeeping is exercised."""
    monkeypatch.setenv("BOARD_TOP_N", "3")
    monkeypatch.setenv("RED_BLACK_SIZE", "2")
    settings.reset_for_tests()
    yield
    monkeypatch.delenv("BOARD_TOP_N")
    monkeypatch.delenv("RED_BLACK_SIZE")
    settings.reset_for_tests()


def test_incremental_runs_leave_the_boards_a_full_recompute_gives(small_top):
    _units, members = generated_org(seed=3)
    rng = random.Random(8)
    award_some(members, rng, 60, "a")
    assert ranking.compute_boards()["mode"] == "full"
    comments: list[tuple[str, str]] = []
    for round_ in range(4):
        award_some(members, rng, 6, f"r{round_}-")
        # Reversals: members leave the top of the org boards (their candidates must drop them).
        best = sorted(members, key=lambda m: m.member_no)[round_::7][:3]
        for m in best:
            if points.award(m.member_no, "comment", f"c{round_}"):
                comments.append((m.member_no, f"c{round_}"))
        for member_no, obj in comments[-2:]:
            points.reverse(member_no, "comment", obj)
        stream_poller.drain()
        stats = ranking.compute_boards()
        assert stats["mode"] == "changes", stats
    assert ranking.compute_boards()["mode"] == "idle"
    incremental = boards()
    assert incremental == from_scratch()


def test_one_award_rewrites_her_branch_and_the_units_above_reading_little():
    _units, members = generated_org(seed=4, branches_per_general=6)
    rng = random.Random(2)
    award_some(members, rng, 40, "a")
    full_then_settled()
    before = computed_at()
    her = next(m for m in members if m.branch_id == "B1")
    points.award(her.member_no, "article_read", "one-more")
    stream_poller.drain()
    with metered() as m:
        stats = ranking.compute_boards()
    assert stats["mode"] == "changes" and stats["changed_members"] == 1
    after = computed_at()
    written = {bid for bid in after if after[bid] != before.get(bid)}
    month = points.month_key(clock.today())
    year = f"y{clock.today().year}"
    must = {f"branch#B1#{month}", f"branch#B1#{year}", "unit#B1", "unit#G1", "unit#C1"}
    may = must | {
        f"committee#C1#{month}",
        f"committee#C1#{year}",
        f"org#{month}",
        f"org#{year}",
        f"redblack#{month}",
    }
    assert must <= written <= may, written
    # Reads: her registry item and year total, her unit's state, the org's state, the header,
    # the log: no Scan, no index Query, no board read.
    assert "Scan" not in m.calls and m.calls.get("Query", 0) <= 3, m.calls
    assert m.read_units <= 8, (m.read_units, m.calls)
    assert stats["written"] == len(written)


def test_a_rerun_with_nothing_changed_reads_almost_nothing():
    _units, members = generated_org(seed=5)
    award_some(members, random.Random(1), 30, "a")
    full_then_settled()
    with metered() as m:
        stats = ranking.compute_boards()
    assert stats["mode"] == "idle" and stats["written"] == 0
    assert stats["members"] == len(members)
    assert set(m.calls) == {"Query"} and m.calls["Query"] <= 2, m.calls
    assert m.read_units <= 2 and m.write_units == 0


def test_a_registry_import_makes_a_full_recompute_that_shows_it():
    _units, members = generated_org(seed=6)
    award_some(members, random.Random(3), 20, "a")
    ranking.compute_boards()
    newcomer = make_member("69999999", "B2", name="新同志", password=None)  # bumps the version
    points.award(newcomer.member_no, "article_read", "n1")
    stream_poller.drain()
    stats = ranking.compute_boards()
    assert stats["mode"] == "full" and stats["reason"] == "registry changed"
    assert stats["members"] == len(members) + 1
    month = points.month_key(clock.today())
    board = Board.get(f"branch#B2#{month}").data
    assert "新同志" in [e["name"] for e in board["entries"]]
    assert boards() == from_scratch()


@pytest.mark.parametrize(
    "edit",
    [Member.branch_id.set("B2"), Member.active.set(False), Member.name.set("改名")],
    ids=["moved", "deactivated", "renamed"],
)
def test_a_registry_edit_that_bypassed_the_version_is_caught_when_she_changes(edit):
    _units, members = generated_org(seed=7)
    award_some(members, random.Random(4), 20, "a")
    full_then_settled()
    her = next(m for m in members if m.branch_id == "B1")
    # Straight in the table: no import, no version bump.
    Member(her.member_no).update(actions=[edit])
    points.award(her.member_no, "article_read", "edited")
    stream_poller.drain()
    stats = ranking.compute_boards()
    assert stats["mode"] == "full", stats
    assert boards() == from_scratch()


def test_a_new_day_recomputes_everything(monkeypatch):
    _units, members = generated_org(seed=9)
    award_some(members, random.Random(5), 30, "a")
    ranking.compute_boards()
    tomorrow = clock.now() + 86_400
    monkeypatch.setattr(clock, "now", lambda: tomorrow)
    award_some(members, random.Random(6), 5, "b")
    stats = ranking.compute_boards()
    assert stats["mode"] == "full" and stats["reason"] == "a new day"
    day = (clock.today()).isoformat()
    assert Board.get("unit#C1").data["day"]["period"] == day
    assert ranking.compute_boards()["mode"] == "changes"  # the full run's last two minutes
    assert boards() == from_scratch()


def test_a_run_cut_after_the_boards_and_run_again_gives_the_same_boards(monkeypatch):
    _units, members = generated_org(seed=10)
    rng = random.Random(9)
    award_some(members, rng, 30, "a")
    full_then_settled()
    award_some(members, rng, 8, "b")
    pack = ranking._pack

    def cut(data):
        if "holders" in data:  # the org's state: boards and units' states are written by now
            raise RuntimeError("Lambda timed out")
        return pack(data)

    monkeypatch.setattr(ranking, "_pack", cut)
    with pytest.raises(RuntimeError):
        ranking.compute_boards()
    monkeypatch.setattr(ranking, "_pack", pack)
    assert ranking.compute_boards()["mode"] == "changes"  # the same entries, read again
    assert boards() == from_scratch()

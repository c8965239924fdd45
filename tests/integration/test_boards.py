"""Leaderboards on a generated organisation against a straightforward oracle, and scope: each
board and log as a member of another branch, as the branch's secretary, as a committee member."""

from __future__ import annotations

import random
from collections import defaultdict

import pytest
import requests

from chalicelib import clock, leaderboards, points, points_figures, ranking, settings
from infra import stream_poller
from tools.fixtures import bearer, generated_org, make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")


def oracle_stars(points_: int, group: list[int]) -> int:
    if points_ <= 0:
        return 1
    share = sum(1 for p in group if p > points_) / len(group)
    return 5 if share < 0.1 else 4 if share < 0.3 else 3 if share < 0.7 else 2 if share < 0.9 else 1


def oracle_red_black(averages: dict[str, float], size: int) -> tuple[list[str], list[str]]:
    """The 红黑榜 rules, written plainly: at most `size` a list plus ties with the last one
    (a whole tie group is left out if it would pass half the branches); 红榜 only branches with
    points; 黑榜 only branches below every 红榜 branch (and below the best)."""
    half = len(averages) // 2

    def take(ids: list[str]) -> list[str]:
        out: list[str] = []
        for u in ids:
            if len(out) >= size and averages[u] != averages[out[-1]]:
                break
            out.append(u)
        while len(out) > half:
            out = [u for u in out if averages[u] != averages[out[-1]]]
        return out

    best_first = sorted(averages, key=lambda u: (-averages[u], u))
    red = take([u for u in best_first if averages[u] > 0])
    ceiling = min((averages[u] for u in red), default=max(averages.values(), default=0))
    worst_first = sorted(averages, key=lambda u: (averages[u], u))
    black = take([u for u in worst_first if averages[u] < ceiling])
    return red, black


def test_boards_match_an_oracle_on_a_generated_organisation():
    units, members = generated_org(seed=11)
    rng = random.Random(5)
    rules = ["article_read", "comment", "vote", "daily_quiz", "exam"]
    for m in members:
        for i in range(rng.randint(0, 8)):
            rule = rng.choice(rules)
            amount = rng.randint(1, 5) if rule in {"daily_quiz", "exam"} else None
            points.award(m.member_no, rule, f"o{i}", amount=amount)
    stream_poller.drain()  # the aggregator applies the awards (within seconds in AWS)
    stats = ranking.compute_boards()
    assert stats["members"] == len(members)
    # The oracle: the ledger read whole, summed by hand.
    earned: dict[str, int] = defaultdict(int)
    for m in members:
        for e in points_figures.ledger(m.member_no):
            earned[m.member_no] += int(e.amount)
    month = points.month_key(clock.today())
    for uid, unit in units.items():
        if unit.kind != "branch":
            continue
        mine = [m for m in members if m.branch_id == uid]
        board = leaderboards.read_board(f"branch#{uid}#{month}")
        group = [earned[m.member_no] for m in mine]
        assert [e["points"] for e in board["entries"]] == sorted(group, reverse=True)
        for e in board["entries"]:
            assert e["points"] == earned[e["id"]]
            assert e["rank"] == 1 + sum(1 for p in group if p > e["points"])
            assert e["stars"] == oracle_stars(e["points"], group)
        assert board["total"] == sum(group)
    # Branches within the committee by average per member.
    averages = {
        uid: round(
            sum(earned[m.member_no] for m in members if m.branch_id == uid)
            / sum(1 for m in members if m.branch_id == uid),
            2,
        )
        for uid, u in units.items()
        if u.kind == "branch" and any(m.branch_id == uid for m in members)
    }
    committee = leaderboards.read_board(f"committee#C1#{month}")
    assert [e["id"] for e in committee["entries"]] == sorted(
        averages, key=lambda u: (-averages[u], u)
    )
    assert {e["id"]: e["points"] for e in committee["entries"]} == averages
    org = leaderboards.read_board(f"org#{month}")
    assert [e["points"] for e in org["entries"]] == sorted(earned.values(), reverse=True)[:50]
    redblack = leaderboards.read_board(f"redblack#{month}")
    red, black = oracle_red_black(averages, 5)
    assert [e["id"] for e in redblack["red"]] == red
    assert [e["id"] for e in redblack["black"]] == black
    assert not set(red) & set(black)
    totals = leaderboards.read_board("unit#C1")
    assert totals["total"]["points"] == sum(earned.values()) == totals["month"]["points"]
    assert totals["members"] == len(members)
    # A second run with nothing new rewrites nothing.
    assert ranking.compute_boards()["written"] == 0


def test_stars_bands():
    group = list(range(100, 0, -1))  # 100 members, 100 .. 1 points
    got = [leaderboards.stars(i, 100, p) for i, p in enumerate(group)]
    assert got.count(5) == 10 and got.count(4) == 20 and got.count(3) == 40
    assert got.count(2) == 20 and got.count(1) == 10
    assert leaderboards.stars(0, 1, 3) == 5
    assert leaderboards.stars(0, 5, 0) == 1  # no points, no stars beyond one


@pytest.fixture
def org_with_points():
    make_tree()
    people = {
        "member_b1": make_member("72000001", "B1", password=None),
        "secretary_b1": make_member("72000002", "B1", roles=("branch_secretary",), password=None),
        "member_b2": make_member("72000003", "B2", password=None),
        "member_b3": make_member("72000004", "B3", password=None),
        "committee": make_member("72000005", "B3", roles=("party_committee",), password=None),
    }
    points.award("72000001", "article_read", "a1")
    points.award("72000003", "comment", "c1")
    stream_poller.drain()
    ranking.compute_boards()
    return people


def get(stack, person, path):
    return requests.get(f"{stack.url}/api{path}", headers=bearer(person), timeout=30)


def test_scope_of_boards_logs_and_totals(stack, org_with_points):
    p = org_with_points
    # Her own branch's board: yes; the next branch's: no.
    assert get(stack, p["member_b1"], "/boards/branch/B1").status_code == 200
    assert get(stack, p["member_b2"], "/boards/branch/B1").status_code == 403
    assert get(stack, p["secretary_b1"], "/boards/branch/B2").status_code == 403
    board = get(stack, p["secretary_b1"], "/boards/branch/B1").json()
    top = board["entries"][0]
    assert (top["name"], top["points"], top["me"]) == ("张三", 1, False)
    mine = get(stack, p["member_b1"], "/boards/branch/B1").json()["entries"][0]
    assert mine["me"] is True
    # Boards show name (and branch) only: never a member number, the login id.
    for path in ("/boards/branch/B1", "/boards/org", "/boards/committee/C1", "/boards/redblack"):
        text = get(stack, p["member_b1"], path).text
        assert not any(m.member_no in text for m in p.values()), path
    assert get(stack, p["committee"], "/boards/branch/B2").status_code == 200
    assert get(stack, p["member_b1"], "/boards/branch/G1").status_code == 404
    # Out of scope and nonexistent units answer alike: no probing which ids exist.
    assert get(stack, p["member_b1"], "/boards/committee/B2").status_code == 403
    assert get(stack, p["member_b1"], "/boards/committee/NOPE").status_code == 403
    assert get(stack, p["member_b1"], "/units/NOPE/totals").status_code == 403
    # The committee board: members of the committee and roles over it.
    assert get(stack, p["member_b3"], "/boards/committee/C1").status_code == 200
    assert get(stack, p["member_b1"], "/boards/org").status_code == 200
    assert get(stack, p["member_b1"], "/boards/redblack").status_code == 200
    assert get(stack, p["member_b1"], "/boards/org?period=2026-13").status_code == 400
    # The detail log: her own; her branch's secretary; a committee member; nobody beside.
    assert get(stack, p["member_b1"], "/points/log").json()["items"][0]["rule"] == "article_read"
    assert get(stack, p["member_b2"], "/points/log?member_no=72000001").status_code == 403
    assert get(stack, p["member_b1"], "/points/log?member_no=72000002").status_code == 403
    assert get(stack, p["secretary_b1"], "/points/log?member_no=72000001").status_code == 200
    assert get(stack, p["secretary_b1"], "/points/log?member_no=72000003").status_code == 403
    assert get(stack, p["secretary_b1"], "/points/log?member_no=99999999").status_code == 403
    assert get(stack, p["committee"], "/points/log?member_no=72000003").status_code == 200
    # Unit totals: her own units; a secretary not the next branch.
    assert get(stack, p["secretary_b1"], "/units/B1/totals").json()["total"]["points"] == 1
    assert get(stack, p["secretary_b1"], "/units/B2/totals").status_code == 403
    assert get(stack, p["member_b2"], "/units/C1/totals").json()["total"]["points"] == 2
    # 我的党建 shows her rank and stars in her branch.
    mine = get(stack, p["member_b1"], "/points/me").json()
    assert mine["standing"]["rank"] == 1 and mine["standing"]["stars"] == 5
    report = get(stack, p["member_b1"], f"/points/report/{clock.today().year}").json()
    assert report["points"] == 1 and report["articles_credited"] == 1


def test_rankings_can_be_switched_off(monkeypatch, org_with_points):
    from chalice.test import Client

    from app import app

    monkeypatch.setenv("RANKINGS_ENABLED", "false")
    settings.reset_for_tests()
    try:
        with Client(app) as client:
            h = bearer(org_with_points["member_b1"])
            for path in ("/boards/org", "/boards/branch/B1", "/boards/redblack"):
                reply = client.http.get(path, headers=h)
                assert reply.status_code == 404
                assert "未开启积分排名" in reply.json_body["Message"]
            mine = client.http.get("/points/me", headers=h).json_body
            assert mine["rankings_enabled"] is False and mine["standing"] is None
    finally:
        monkeypatch.delenv("RANKINGS_ENABLED")
        settings.reset_for_tests()


def test_all_time_unit_totals_keep_members_with_no_points_this_year(monkeypatch):
    """Her latest year's total carries her past: a year without points does not drop it."""
    from datetime import UTC, datetime

    def at(iso_utc: str) -> None:
        stamp = datetime.fromisoformat(iso_utc).replace(tzinfo=UTC).timestamp()
        monkeypatch.setattr(clock, "now", lambda: stamp)

    make_tree()
    make_member("72100001", "B1", password=None)
    make_member("72100002", "B1", password=None)
    year = clock.today().year + 1
    at(f"{year}-03-01T02:00:00")
    points.award("72100001", "article_read", "old")
    points.award("72100001", "vote", "c-old")
    stream_poller.drain()
    at(f"{year + 2}-06-01T02:00:00")  # two years on, only her colleague earns
    points.award("72100002", "article_read", "new")
    stream_poller.drain()
    ranking.compute_boards()
    totals = leaderboards.read_board("unit#B1")
    assert totals["total"]["points"] == 3
    assert totals["year"]["points"] == 1

"""The demo history's plan (tools/demo_activity.py): the same on every run, habits that make a
believable organisation, and the demo member's streak and 党章 progress."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest

from tools import demo_activity as da
from tools import demo_registry

ROOT = Path(__file__).resolve().parents[2]
LAST = date(2026, 11, 30)
FIRST = LAST - timedelta(da.DAYS - 1)
CAMPAIGN = ("youxiu-2026", da.Campaign(("a", "b", "c"), date(2026, 10, 10), date(2026, 12, 31), 2))


def _people() -> list[da.Person]:
    _, members = demo_registry.generate()
    return [
        da.Person(m["党员编号"], m["姓名"], m["手机号"], m["所在支部"], False)
        for m in members
        if m["手机号"]
    ]


def _items() -> list[da.Item]:
    """The shipped content: its articles with their dates and the 党章 installments."""
    dates = da._article_dates()
    items = []
    for path in sorted((ROOT / "content").rglob("*.md")):
        head = path.read_text(encoding="utf-8").split("\n\n", 1)[0]
        meta = dict(line.split(": ", 1) for line in head.splitlines() if ": " in line)
        if "Slug" not in meta or path.parts[-2] == "pages":
            continue
        day = int(meta["Day"]) if "Day" in meta else None
        kind = "constitution" if meta.get("Series") == "constitution" else "article"
        items.append(da.Item(meta["Slug"], kind, day, dates.get(meta["Slug"])))
    return items


@pytest.fixture(scope="module")
def planned() -> dict[date, list[da.Session]]:
    return da.plan(
        _people(),
        _items(),
        dict([CAMPAIGN]),
        FIRST,
        LAST,
        streak_member=demo_registry.DEMO_MEMBER.member_no,
    )


def _key(sessions: dict[date, list[da.Session]]) -> str:
    return json.dumps(
        {d.isoformat(): [repr(s) for s in ss] for d, ss in sessions.items()}, sort_keys=True
    )


def test_the_plan_is_the_same_on_every_run(planned) -> None:
    again = da.plan(
        list(reversed(_people())),  # whatever order the registry is read in
        list(reversed(_items())),
        dict([CAMPAIGN]),
        FIRST,
        LAST,
        streak_member=demo_registry.DEMO_MEMBER.member_no,
    )
    assert _key(again) == _key(planned)
    assert da.key("view", "10000009", "2026-11-30", "x") == da.key(
        "view", "10000009", "2026-11-30", "x"
    )


def test_members_have_habits_not_all_of_them_every_day(planned) -> None:
    per_member = Counter(s.member_no for ss in planned.values() for s in ss)
    people = _people()
    habits = Counter(da.habit_of(p.member_no) for p in people)
    assert set(habits) == set(da.HABITS)  # every habit occurs
    dormant = [p.member_no for p in people if da.habit_of(p.member_no) == "dormant"]
    assert dormant and not any(per_member[no] for no in dormant)
    assert 0.6 * len(people) < len(per_member) < len(people)  # most members, never all
    busiest = max(per_member.values())
    assert busiest >= 0.8 * da.DAYS and min(per_member.values()) >= 1
    daily = [len(planned[d]) for d in planned]
    assert min(daily) >= 5 and max(daily) < len(people) // 2  # a live organisation, not a wall
    lapsed = [p.member_no for p in people if da.habit_of(p.member_no) == "lapsed"]
    late = {s.member_no for d in list(planned)[da.LAPSE_AFTER[1] :] for s in planned[d]}
    assert lapsed and not late & set(lapsed)  # gone after their first weeks


def test_what_members_do_follows_the_rules(planned) -> None:
    items = {i.slug: i for i in _items()}
    read: dict[str, list[str]] = {}
    votes: dict[str, list[str]] = {}
    for day, sessions in planned.items():
        for s in sessions:
            assert s.start.date() == day and 7 <= s.start.hour <= 21
            for slug in s.reads:
                item = items[slug]
                assert item.published_on is None or item.published_on <= day  # not before its Date
                read.setdefault(s.member_no, []).append(slug)
            if s.comment:
                assert s.comment[0] in s.reads and s.comment[1] in da.COMMENTS
            if s.vote:
                assert date(2026, 10, 10) <= day and s.vote[0] == CAMPAIGN[0]
                votes.setdefault(s.member_no, []).append(s.vote[1])
    for member_no, slugs in read.items():
        assert len(slugs) == len(set(slugs)), member_no  # each item read once
        days = [items[s].day for s in slugs if items[s].kind == "constitution"]
        assert days == list(range(1, len(days) + 1)), member_no  # 党章 in order
    # The campaign's 2 votes a member, never twice the same candidate.
    assert votes and all(len(v) == len(set(v)) <= 2 for v in votes.values())


def test_the_demo_member_has_a_streak_and_is_midway_in_the_constitution(planned) -> None:
    me = demo_registry.DEMO_MEMBER.member_no
    days = sorted(d for d, ss in planned.items() if any(s.member_no == me for s in ss))
    streak = [LAST - timedelta(n) for n in range(24)]
    assert set(streak) <= set(days) and LAST - timedelta(24) not in days  # 24 days, to yesterday
    mine = [s for d in days for s in planned[d] if s.member_no == me]
    series = [r for s in mine for r in s.reads if r.startswith("dangzhang-")]
    installments = [i for i in _items() if i.kind == "constitution"]
    assert series == [f"dangzhang-{n:03d}" for n in range(1, 5)] and len(installments) > 4
    articles = [r for s in mine for r in s.reads if not r.startswith("dangzhang-")]
    assert articles and len(articles) <= len(_items()) // 2  # some left for the demo

"""Who watches which demo lesson (tools/demo_lessons.py), on the demo history's plan: the same on
every run, within the lessons' days and the speeds the page offers, the demo member's two, and
the assignment due on a day of next week."""

from __future__ import annotations

from datetime import date, timedelta

from chalicelib import lesson_rules
from tools import demo_activity as da
from tools import demo_lessons as dl
from tools import demo_registry

LAST = date(2026, 12, 1)
LESSONS = [
    dl.Lesson("weidangke-a", 30, "video", date(2026, 11, 20)),
    dl.Lesson("weidangke-b", 20, "video", date(2026, 11, 25)),
    dl.Lesson("weidangke-c", 40, "audio", date(2026, 11, 28)),
]
ME = demo_registry.DEMO_MEMBER.member_no


def _people() -> list[da.Person]:
    _, members = demo_registry.generate()
    return [
        da.Person(m["党员编号"], m["姓名"], m["手机号"], m["所在支部"], False)
        for m in members
        if m["手机号"]
    ]


def _planned() -> tuple[dict[date, list[da.Session]], dl.Assignment | None]:
    people = _people()
    sessions = da.plan(people, [], {}, LAST - timedelta(da.DAYS - 1), LAST, streak_member=ME)
    return sessions, dl.plan(sessions, people, LESSONS, LAST, demo_member=ME)


def _watches(sessions: dict[date, list[da.Session]]) -> list[tuple[str, date, dl.Watch]]:
    return [(s.member_no, d, w) for d, ss in sessions.items() for s in ss for w in s.watches]


def test_the_plan_is_the_same_every_run_and_believable() -> None:
    first, task = _planned()
    again, _ = _planned()
    watches = _watches(first)
    assert watches == _watches(again)
    assert 30 <= len(watches) <= 120  # what a start can afford
    by = {x.slug: x for x in LESSONS}
    for _, day, w in watches:
        lesson = by[w.slug]
        assert lesson.published_on <= day <= LAST and day > LAST - timedelta(dl.WINDOW_DAYS)
        assert 1 <= w.rate <= lesson_rules.MAX_RATE and 0 <= w.start < w.stop <= lesson.duration
    assert {w.rate for *_, w in watches} == {1.0, 1.5, 2.0}
    assert any(w.stop < by[w.slug].duration for *_, w in watches)  # some stop part way
    assert any(w.start > 0 for *_, w in watches)  # ... and go on another day
    # A minute of watching in a day for some (视听学习时长): lessons played at 1× together.
    assert any(
        sum((w.stop - w.start) / w.rate for w in s.watches) >= 60
        for ss in first.values()
        for s in ss
    )
    # The assignment: B0101, the first lesson, three days before yesterday, due next Friday.
    assert task == dl.Assignment("B0101", "weidangke-a", LAST - timedelta(3), date(2026, 12, 11))
    assert task.due_on.weekday() == 4


def test_the_demo_member_has_one_lesson_half_watched_and_the_audio_one_watched() -> None:
    sessions, _ = _planned()
    mine = [(d, w) for m, d, w in _watches(sessions) if m == ME]
    assert mine == [
        (LAST - timedelta(1), dl.Watch("weidangke-c", 1.5, 40)),
        (LAST, dl.Watch("weidangke-a", 1.0, 15)),
    ]


def test_no_lessons_no_watches() -> None:
    people = _people()
    sessions = da.plan(people, [], {}, LAST - timedelta(5), LAST, streak_member=ME)
    assert dl.plan(sessions, people, [], LAST, demo_member=ME) is None
    assert not _watches(sessions)

"""Watch credit for lessons (微党课), in-process with the server's clock frozen and moved by hand:
table-driven scenarios of heartbeats (faster than wall-clock time, 2× speed, two tabs, a queue
sent late, replays and reordering, seeking back, the watched share, the daily cap), each checked
for exact credited seconds, media covered and points."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from chalicelib import clock, points, points_figures, reading
from chalicelib.errors import BadRequestError, NotFoundError
from chalicelib.models import ReadingState, ReadMark
from chalicelib.models.lessons import WatchProgress
from tools.fixtures import make_item, make_member, make_tree
from tools.lesson_fixtures import make_lesson

pytestmark = pytest.mark.usefixtures("clean_tables")
# 10:00 in Beijing, in the future (no TTL removes what a test wrote).
T0 = datetime(2027, 3, 1, 2, 0, tzinfo=UTC).timestamp()
DAY = 86_400


@pytest.fixture
def at(monkeypatch: pytest.MonkeyPatch):
    """`at(seconds)` sets the server's clock to T0 + seconds."""
    stamp = [T0]
    monkeypatch.setattr(clock, "now", lambda: stamp[0])

    def move(seconds: float) -> None:
        stamp[0] = T0 + seconds

    return move


@dataclass(frozen=True)
class Beat:
    t: float
    view: str
    seq: int
    seconds: int
    ranges: tuple[tuple[float, float], ...] = ()
    position: float | None = None
    slug: str = "l1"


def opens(t: float, view: str, slug: str = "l1") -> Beat:
    return Beat(t, view, 0, 0, slug=slug)


def plays(
    view: str,
    *,
    start_t: float,
    n: int,
    every: int = 15,
    rate: float = 1.0,
    media_from: float = 0.0,
    first_seq: int = 1,
    sent_at: float | None = None,
    slug: str = "l1",
) -> list[Beat]:
    """n beats of `every` wall seconds, playing at `rate` from `media_from`, sent as they happen
    (or all at `sent_at`, a queue flushed late)."""
    out = []
    for k in range(n):
        a = media_from + rate * every * k
        b = a + rate * every
        when = sent_at if sent_at is not None else start_t + every * (k + 1)
        out.append(Beat(when, view, first_seq + k, every, ((a, b),), b, slug))
    return out


@dataclass(frozen=True)
class Case:
    name: str
    beats: list[Beat]
    seconds: int  # wall seconds credited on lessons
    covered: dict[str, int]  # media seconds covered per lesson
    awards: dict[str, int] = field(default_factory=dict)  # points per rule
    watched: tuple[str, ...] = ()
    durations: dict[str, int] = field(default_factory=lambda: {"l1": 600})
    position: float | None = None  # of l1, when checked


CASES = [
    Case(
        "faster than wall-clock: five 20 s beats 10 s after opening credit 10 s",
        [opens(0, "v1"), *(Beat(10, "v1", s, 20, ((40 * (s - 1), 40 * s),)) for s in range(1, 6))],
        seconds=10,
        covered={"l1": 20},  # 10 s at most 2×
    ),
    Case(
        "2× speed: a minute of wall time credits a minute and covers two",
        [opens(0, "v1"), *plays("v1", start_t=0, n=4, rate=2.0)],
        seconds=60,
        covered={"l1": 120},
        awards={"watch_time": 1},
        position=120,
    ),
    Case(
        "3× claimed: coverage stays at 2× of the wall time",
        [opens(0, "v1"), *plays("v1", start_t=0, n=4, rate=3.0)],
        seconds=60,
        covered={"l1": 120},
        awards={"watch_time": 1},
    ),
    Case(
        "two tabs of one lesson at once credit what one would",
        [
            opens(0, "v1"),
            opens(0, "v2"),
            *(
                b
                for pair in zip(
                    plays("v1", start_t=0, n=8), plays("v2", start_t=0, n=8), strict=True
                )
                for b in pair
            ),
        ],
        seconds=120,
        covered={"l1": 120},
        awards={"watch_time": 2},
    ),
    Case(
        "two tabs of two lessons at once credit what one would",
        [
            opens(0, "v1"),
            opens(0, "v2", "l2"),
            *(
                b
                for pair in zip(
                    plays("v1", start_t=0, n=8),
                    plays("v2", start_t=0, n=8, slug="l2"),
                    strict=True,
                )
                for b in pair
            ),
        ],
        seconds=120,
        covered={"l1": 120, "l2": 0},
        awards={"watch_time": 2},
        durations={"l1": 600, "l2": 600},
    ),
    Case(
        "a queue of 20 beats sent together 400 s after opening: exact credit",
        [opens(0, "v1"), *plays("v1", start_t=0, n=20, sent_at=400)],
        seconds=300,
        covered={"l1": 300},
        awards={"watch_time": 5},
        position=300,
    ),
    Case(
        "replays and out-of-order numbers count once; the newest position stays",
        [
            opens(0, "v1"),
            Beat(60, "v1", 3, 15, ((30, 45),), 45),
            Beat(60, "v1", 1, 15, ((0, 15),), 15),
            Beat(60, "v1", 2, 15, ((15, 30),), 30),
            Beat(60, "v1", 3, 15, ((30, 45),), 45),
            Beat(60, "v1", 1, 15, ((0, 15),), 15),
        ],
        seconds=45,
        covered={"l1": 45},
        position=45,
    ),
    Case(
        "seeking back: the same minute played twice is covered once",
        [
            opens(0, "v1"),
            *plays("v1", start_t=0, n=4),
            *plays("v1", start_t=60, n=4, first_seq=5),
        ],
        seconds=120,
        covered={"l1": 60},
        awards={"watch_time": 2},
        position=60,
    ),
    Case(
        "75 of 100 s covered: not watched",
        [opens(0, "v1"), *plays("v1", start_t=0, n=5)],
        seconds=75,
        covered={"l1": 75},
        awards={"watch_time": 1},
        durations={"l1": 100},
    ),
    Case(
        "80 of 100 s covered: watched, once",
        [opens(0, "v1"), *plays("v1", start_t=0, n=5), Beat(80, "v1", 6, 5, ((75, 80),), 80)],
        seconds=80,
        covered={"l1": 80},
        awards={"watch_time": 1, "lesson_watched": 1},
        watched=("l1",),
        durations={"l1": 100},
    ),
    Case(
        "ten minutes in a day: watching time earns the daily cap of 6",
        [opens(0, "v1"), *plays("v1", start_t=0, n=40)],
        seconds=600,
        covered={"l1": 600},
        awards={"watch_time": 6},
        durations={"l1": 1200},
    ),
    Case(
        "watched again on another day in another view: lesson_watched once ever",
        [
            opens(0, "v1"),
            *plays("v1", start_t=0, n=4),
            opens(DAY, "v2"),
            *plays("v2", start_t=DAY, n=4),
        ],
        seconds=120,
        covered={"l1": 60},
        awards={"watch_time": 2, "lesson_watched": 1},
        watched=("l1",),
        durations={"l1": 60},
    ),
]


def _run(at, member_no: str, case: Case) -> list[dict]:
    replies = []
    for beat in case.beats:
        at(beat.t)
        replies.append(
            reading.heartbeat(
                member_no,
                beat.view,
                beat.seq,
                beat.slug,
                beat.seconds,
                position=beat.position,
                ranges=[list(r) for r in beat.ranges] or None,
            )
        )
    return replies


def _progress(member_no: str, slug: str) -> WatchProgress | None:
    try:
        return WatchProgress.get(member_no, slug, consistent_read=True)
    except WatchProgress.DoesNotExist:
        return None


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_watch_credit(at, case: Case):
    make_tree()
    make_member("73000001", "B1", password=None)
    for slug, length in case.durations.items():
        make_lesson(slug, duration=length)
    replies = _run(at, "73000001", case)
    rows = {slug: _progress("73000001", slug) for slug in case.durations}
    assert sum(int(r.seconds) for r in rows.values() if r) == case.seconds
    assert {s: int(r.covered_seconds) if r else 0 for s, r in rows.items()} == case.covered
    got: Counter[str] = Counter()
    for entry in points_figures.ledger("73000001"):
        got[entry.rule] += int(entry.amount)
    assert dict(got) == case.awards
    # What the replies announced is what the ledger holds.
    announced: Counter[str] = Counter()
    for reply in replies:
        for a in reply["awards"]:
            announced[a["rule"]] += a["points"]
    assert dict(announced) == case.awards
    assert tuple(s for s, r in rows.items() if r and r.watched_on) == case.watched
    marks = {m.item for m in ReadMark.query("73000001")}
    assert marks == {f"lesson#{s}" for s in case.watched}
    last = next(r for b, r in zip(case.beats[::-1], replies[::-1], strict=True) if b.slug == "l1")
    if case.position is not None:
        assert rows["l1"].position == case.position
        assert last["lesson"]["position"] == case.position
    last = last["lesson"]
    assert last["covered_share"] == round(case.covered["l1"] / case.durations["l1"], 3)


def test_an_award_failed_after_the_write_is_repaired_by_the_retry(at, fails_once):
    """The beat that completes her first minute is written, then the award fails (the Lambda
    died): the phone sends the same beat again, which awards it, once."""
    make_tree()
    make_member("73000002", "B1", password=None)
    make_lesson("lr", duration=60)
    at(0)
    reading.heartbeat("73000002", "view-fail-0001", 0, "lr", 0)
    for seq in range(1, 4):
        at(15 * seq)
        reading.heartbeat(
            "73000002",
            "view-fail-0001",
            seq,
            "lr",
            15,
            15.0 * seq,
            [[15.0 * (seq - 1), 15.0 * seq]],
        )
    calls = fails_once(points, "award", "the Lambda died after the write")
    at(60)
    with pytest.raises(RuntimeError):
        reading.heartbeat("73000002", "view-fail-0001", 4, "lr", 15, 60, [[45, 60]])
    assert calls["n"] == 1
    assert list(points_figures.ledger("73000002")) == []
    assert _progress("73000002", "lr").watched_on  # the write went through
    retry = reading.heartbeat("73000002", "view-fail-0001", 4, "lr", 15, 60, [[45, 60]])
    assert retry["replay"] is True
    assert sorted(a["rule"] for a in retry["awards"]) == ["lesson_watched", "watch_time"]
    again = reading.heartbeat("73000002", "view-fail-0001", 4, "lr", 15, 60, [[45, 60]])
    assert again["replay"] is True and again["awards"] == [] and again["award"] is None
    rules = sorted((e.rule, e.object_id) for e in points_figures.ledger("73000002"))
    assert rules == [("lesson_watched", "lr"), ("watch_time", "2027-03-01#1")]
    assert ReadMark.get("73000002", "lesson#lr").read_on == "2027-03-01"


@pytest.mark.parametrize(
    ("position", "ranges", "message"),
    [
        (-0.5, None, "播放位置"),
        (None, [[-1, 20]], "播放区间"),
        (None, [[30, 20]], "播放区间"),
    ],
)
def test_out_of_range_media_fields_are_refused_and_change_nothing(at, position, ranges, message):
    make_tree()
    make_member("73000003", "B1", password=None)
    make_lesson("lb", duration=60)
    at(0)
    with pytest.raises(BadRequestError, match=message):
        reading.heartbeat("73000003", "view-bad-00001", 0, "lb", 0, position, ranges)
    with pytest.raises(ReadingState.DoesNotExist):
        ReadingState.get("73000003")
    assert _progress("73000003", "lb") is None


def test_media_fields_on_an_article_and_a_lesson_without_duration_are_refused(at):
    make_tree()
    make_member("73000004", "B1", password=None)
    make_item("art1")
    broken = make_lesson("no-duration", duration=60)
    broken.duration = None
    broken.save()
    reading._cache.pop("no-duration", None)
    at(0)
    with pytest.raises(BadRequestError, match="只有微党课"):
        reading.heartbeat("73000004", "view-art-00001", 0, "art1", 0, 3, None)
    with pytest.raises(NotFoundError):
        reading.heartbeat("73000004", "view-nod-00001", 0, "no-duration", 0)
    with pytest.raises(ReadingState.DoesNotExist):
        ReadingState.get("73000004")


def test_the_article_heartbeat_is_unchanged_by_lessons(at):
    """An article beat carries no lesson fields and answers as before (plus `awards`)."""
    make_tree()
    make_member("73000005", "B1", password=None)
    make_item("art2", chars=100)  # read at 10 s
    at(0)
    reading.heartbeat("73000005", "view-art-00002", 0, "art2", 0)
    at(12)
    reply = reading.heartbeat("73000005", "view-art-00002", 1, "art2", 12)
    assert reply["read"] is True and "lesson" not in reply
    assert reply["award"] == {"rule": "article_read", "points": 1} and reply["awards"] == [
        reply["award"]
    ]
    state = ReadingState.get("73000005", consistent_read=True)
    assert state.watch_day is None and state.watch_seconds is None


def test_positions_past_the_end_are_clamped_not_refused(at):
    """`Duration:` is the editor's rounded figure; the file may run a little longer. A beat past
    the end keeps its seconds; its position and ranges stop at the lesson's duration."""
    make_tree()
    make_member("73000009", "B1", password=None)
    make_lesson("lc", duration=60)
    at(0)
    reading.heartbeat("73000009", "view-clamp-001", 0, "lc", 0)
    at(15)
    out = reading.heartbeat("73000009", "view-clamp-001", 1, "lc", 15, 64.2, [[50, 64.2]])
    assert out["credited"] == 15
    assert out["lesson"]["position"] == 60
    assert _progress("73000009", "lc").covered_seconds == 10


def test_beats_held_past_midnight_count_to_the_day_they_were_watched(at):
    """Watched 23:40–23:59 Beijing, the last beats sent at 00:10: those minutes are the evening's
    (already capped), never the new day's."""
    make_tree()
    make_member("73000010", "B1", password=None)
    make_lesson("lm", duration=3600)
    evening = 13 * 3600 + 40 * 60  # T0 is 10:00 Beijing: 23:40 on 2027-03-01
    at(evening)
    reading.heartbeat("73000010", "view-night-001", 0, "lm", 0)
    seq = 0
    for t in range(15, 9 * 60 + 1, 15):  # 23:40–23:49, each beat on time
        at(evening + t)
        seq += 1
        reading.heartbeat("73000010", "view-night-001", seq, "lm", 15, t, [[t - 15, t]])
    at(evening + 30 * 60)  # 00:10: the beats of 23:49–23:59, held, sent together
    for t in range(9 * 60 + 15, 19 * 60 + 1, 15):
        seq += 1
        reading.heartbeat("73000010", "view-night-001", seq, "lm", 15, t, [[t - 15, t]])
    days = sorted(
        e.object_id.split("#")[0]
        for e in points_figures.ledger("73000010")
        if e.rule == "watch_time"
    )
    assert days == ["2027-03-01"] * 6

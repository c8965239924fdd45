"""Sixty days of a live organisation for `make dev`, made through the real API.

For each of the last DAYS days (ending yesterday) the demo organisation's members use the app as
members do: they sign in (activation on their first day, then the refresh cookie, a password
login again after a long gap), read articles and the next 党章 installment with heartbeats until
the page is read, watch 微党课 lessons (tools/demo_lessons.py: who watches what, and the lesson
heartbeats), take the daily quiz, now and then comment and vote. Every request goes through
the Chalice app's routes in this process (Chalice's test client, as the benches do) with the
server's clock moved to that moment of that day (`moved_clock`: `chalicelib.clock` and the JWT
library's own check, for the generating thread only), so points take the real award path with
its rules (LATE_DAYS: an award is only possible on its own day). Member after member, her days in
order, then the stream functions apply them (`infra.stream_poller.drain`: the points aggregator
meets her days in order, as it would have day by day); at the end the reminders run on each day
generated (so 消息 centres hold their 政治生日 cards and the staff their 待审核 / 评论 reminders),
and the ranking job at the close of each month generated and now, so boards, stars, 红黑榜, the
charts of 我的党建 and the 年度报告 have their figures.

Deterministic: the plan (`plan`) is a pure function of the members, the catalog and the days, each
member's habit and each day's choices drawn from RNGs seeded by member and day; view ids and
request ids are derived from them. Idempotent: a marker (`RankingState` "demo"/"activity": the
first and the last day generated) says which days are done, so a second `make dev` adds only the
days since (none on the same day); a run cut short is resumed member by member (one whose last
session is in the ledger is skipped) and repeats no award (every request is idempotent).

`python -m tools.demo_activity` adds the missing days to a running `make dev`'s tables.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import random
import re
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

from tools import demo_lessons
from tools.demo_lessons import Watch

ROOT = Path(__file__).resolve().parent.parent
SEED = 20261201
DAYS = 60
MARKER = ("demo", "activity")
PASSWORD = "dangjian2026"  # tools.seed_demo.DEMO_PASSWORD: every demo member signs in with it
QUIZ = "daily"
BEAT = 15  # seconds between the article page's heartbeats
REFRESH_DAYS = 25  # a refresh cookie older than this (30 days) is not tried: she logs in again

# Habits: (share of members, chance to use the app on a day, articles read on such a day, chance
# to read the next 党章 installment that day, share of quiz answers right). The density is what
# `make dev` can afford (each request writes DynamoDB Local's file, ~20 ms a write here): about
# 640 sessions and 2,600 requests in 60 days; most members a few times a month, a few daily.
HABITS: dict[str, tuple[float, float, tuple[int, ...], float, float]] = {
    "daily": (0.03, 0.8, (0, 0, 0, 1), 0.9, 0.85),
    "regular": (0.1, 0.18, (0, 0, 1), 0.5, 0.75),
    "weekly": (0.25, 0.05, (0, 0, 1), 0.3, 0.65),
    "occasional": (0.27, 0.025, (0, 1, 1), 0.2, 0.6),
    "lapsed": (0.1, 0.15, (0, 1, 1), 0.3, 0.6),  # active in the first weeks, then gone
    "dormant": (0.25, 0.0, (0,), 0.0, 0.0),  # never activated
}
LAPSE_AFTER = (12, 30)  # days after the window's start a lapsed member stops (uniform)
QUIZ_CHANCE = 0.5
STAFF_HABIT = "regular"  # the demo staff accounts (the demo member has her streak)

COMMENTS = (
    "学习了，很受启发！",
    "内容很实在，结合工作再细读一遍。",
    "支部组织大家一起学，效果更好。",
    "把学到的用到岗位上，才是真正学懂弄通。",
    "写得很好，点赞！",
    "这篇值得反复学习，已分享给班组同事。",
    "作为老党员，读了很有感触，要继续发挥作用。",
    "学深悟透，知行合一。",
    "结合安全生产，我们班组要抓好落实。",
    "每天学一点，坚持就有收获。",
    "身边的榜样最有说服力，向他们学习！",
    "学习心得：守初心、担使命，从小事做起。",
)


@dataclass
class Person:
    member_no: str
    name: str
    phone: str
    branch_id: str
    activated: bool  # has a password already (the demo accounts)


@dataclass(frozen=True)
class Item:
    slug: str
    kind: str  # "article" or "constitution"
    day: int | None  # the installment's Day
    published_on: date | None  # an article is read from its Date on


@dataclass(frozen=True)
class Campaign:
    """A campaign open to every member: its candidates (slugs), its days, votes a member has."""

    candidates: tuple[str, ...]
    opens: date
    closes: date
    votes: int


@dataclass
class Session:
    """What one member does on one day, in order, from `start` (Asia/Shanghai)."""

    member_no: str
    start: datetime
    reads: list[str] = field(default_factory=list)
    quiz: float | None = None  # the share of answers right, or None: no quiz today
    comment: tuple[str, str] | None = None  # (slug, text)
    vote: tuple[str, str] | None = None  # (campaign id, candidate slug)
    watches: list[Watch] = field(default_factory=list)  # 微党课 lessons (demo_lessons.py)


@dataclass
class Counts:
    days: int = 0
    sessions: int = 0
    requests: int = 0
    activations: int = 0
    logins: int = 0
    refreshes: int = 0
    reads: int = 0
    constitution_days: int = 0
    quizzes: int = 0
    comments: int = 0
    votes: int = 0
    votes_refused: int = 0
    lessons: int = 0  # lessons played (demo_lessons.py)
    lessons_watched: int = 0  # ... of which she watched enough to count as watched
    assignment: str = ""  # the demo's 微党课 assignment: created, kept, or "" (no lesson)
    skipped: int = 0  # sessions of a member who could not sign in
    points: int = 0
    messages: int = 0  # reminders posted to the 消息 centres
    seconds: float = 0.0

    def line(self) -> str:
        return (
            f"{self.days} 天，{self.sessions} 次使用，{self.requests} 个请求："
            f"激活 {self.activations}，登录 {self.logins}，续期 {self.refreshes}，"
            f"阅读 {self.reads}（党章 {self.constitution_days}），答题 {self.quizzes}，"
            f"评论 {self.comments}，投票 {self.votes}，"
            f"微党课 {self.lessons} 次（看完 {self.lessons_watched}），积分 {self.points}，"
            f"提醒消息 {self.messages}；{self.seconds:.1f} 秒"
            + (f"（{self.skipped} 次因无法登录跳过）" if self.skipped else "")
        )


# --- the plan: pure, from the members, the catalog and the days ----------------------------


def habit_of(member_no: str) -> str:
    """A member's habit, drawn once from her number (the demo staff's is STAFF_HABIT)."""
    from tools import demo_registry

    if member_no in {a.member_no for a in demo_registry.DEMO_ACCOUNTS}:
        return STAFF_HABIT
    rng = random.Random(f"{SEED}:habit:{member_no}")
    names = list(HABITS)
    return rng.choices(names, weights=[HABITS[h][0] for h in names])[0]


def _start_time(rng: random.Random, day: date) -> datetime:
    """A moment members open the app: on the way to work, at lunch, or in the evening."""
    hour = rng.choice((7, 7, 8, 12, 12, 13, 19, 20, 20, 21))
    return datetime.combine(day, dtime(hour, rng.randrange(60), rng.randrange(60)))


def plan(
    people: list[Person],
    items: list[Item],
    campaigns: dict[str, Campaign],
    first: date,
    last: date,
    *,
    streak_member: str | None = None,
    streak_days: int = 24,
    constitution_read: int = 4,
) -> dict[date, list[Session]]:
    """Every day's sessions from `first` to `last`, by start time; votes within each campaign's
    days and its votes a member, a candidate once. `streak_member` (the demo member) uses the
    app every day of the last `streak_days`, has read `constitution_read` installments and
    leaves articles unread."""
    articles = sorted((i for i in items if i.kind == "article"), key=lambda i: i.slug)
    series = sorted((i for i in items if i.kind == "constitution"), key=lambda i: i.day or 0)
    read: dict[str, set[str]] = {p.member_no: set() for p in people}
    next_day: dict[str, int] = {p.member_no: 0 for p in people}
    voted: dict[str, set[str]] = {p.member_no: set() for p in people}
    days = [first + timedelta(n) for n in range((last - first).days + 1)]
    out: dict[date, list[Session]] = {d: [] for d in days}
    for p in people:
        habit = habit_of(p.member_no)
        rng = random.Random(f"{SEED}:lapse:{p.member_no}")
        lapse_at = first + timedelta(rng.randint(*LAPSE_AFTER))
        for day in days:
            rng = random.Random(f"{SEED}:{p.member_no}:{day.isoformat()}")
            _, chance, per_day, follows, skill = HABITS[habit]
            streak = p.member_no == streak_member
            if streak:
                # Gaps before her streak; every day of it; 党章 on its last days only.
                _, chance, per_day, follows, skill = HABITS["regular"]
                if (last - day).days < streak_days:
                    chance = 1.0
                follows = 1.0 if (last - day).days < constitution_read else 0.0
            if habit == "lapsed" and not streak and day >= lapse_at:
                chance = 0.0
            if rng.random() >= chance:
                continue
            s = Session(p.member_no, _start_time(rng, day))
            if series and next_day[p.member_no] < len(series) and rng.random() < follows:
                s.reads.append(series[next_day[p.member_no]].slug)
                next_day[p.member_no] += 1
            unread = [
                a.slug
                for a in articles
                if a.slug not in read[p.member_no]
                and (a.published_on is None or a.published_on <= day)
            ]
            budget = rng.choice(per_day)
            if streak:  # leave her articles to read in the demo
                budget = min(budget, max(0, len(articles) // 2 - len(read[p.member_no])))
            for slug in rng.sample(unread, min(budget, len(unread))):
                s.reads.append(slug)
                read[p.member_no].add(slug)
            if skill and rng.random() < QUIZ_CHANCE:
                s.quiz = skill
            just_read = [r for r in s.reads if r in read[p.member_no]]
            if just_read and rng.random() < 0.12:
                s.comment = (rng.choice(just_read), rng.choice(COMMENTS))
            open_now = [
                (c, [x for x in camp.candidates if x not in voted[p.member_no]])
                for c, camp in sorted(campaigns.items())
                if camp.opens <= day <= camp.closes and len(voted[p.member_no]) < camp.votes
            ]
            open_now = [(c, left) for c, left in open_now if left]
            if open_now and rng.random() < 0.2:
                campaign, left = open_now[0]
                s.vote = (campaign, rng.choice(left))
                voted[p.member_no].add(s.vote[1])
            out[day].append(s)
    for sessions in out.values():
        sessions.sort(key=lambda s: (s.start, s.member_no))
    return out


def key(*parts: str) -> str:
    """A client key (view id, request id) made from what it is for: the same on every run."""
    return hashlib.sha256(":".join((str(SEED), *parts)).encode()).hexdigest()[:32]


# --- the clock -------------------------------------------------------------------------------


_then = threading.local()  # the moved time of the thread generating, absent elsewhere


@contextlib.contextmanager
def moved_clock() -> Iterator[list[float]]:
    """Yield a one-item list holding the time this thread's requests see (epoch seconds): the
    server's clock (`chalicelib.clock.now`) and the JWT library's expiry check (which reads the
    system time), so tokens issued "then" are valid "then". Only this thread's time moves: in
    `make dev` the stream poller and the web server keep the real time beside it."""
    import jwt.api_jwt

    from chalicelib import clock

    real_now, real_datetime = clock.now, jwt.api_jwt.datetime

    def now() -> float:
        at = getattr(_then, "at", None)
        return at[0] if at is not None else real_now()

    class _Then(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
            at = getattr(_then, "at", None)
            return datetime.fromtimestamp(at[0], tz) if at is not None else real_datetime.now(tz)

    _then.at = [real_now()]
    clock.now = now
    jwt.api_jwt.datetime = _Then  # type: ignore[misc]
    try:
        yield _then.at
    finally:
        _then.at = None
        clock.now = real_now
        jwt.api_jwt.datetime = real_datetime  # type: ignore[misc]


# --- driving the routes ----------------------------------------------------------------------


class Driver:
    """The app's routes in this process; a member's refresh cookie kept as her phone keeps it."""

    def __init__(self, at: list[float], counts: Counts) -> None:
        from chalice.test import Client

        from app import app

        # An empty project dir: no .chalice/config.json replaces this process's environment.
        self._dir = tempfile.TemporaryDirectory()
        self.http = Client(app, project_dir=self._dir.name).http
        self.at = at
        self.counts = counts
        self.cookies: dict[str, tuple[str, date]] = {}  # member → (refresh token, issued on)

    def send(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        ok: tuple[int, ...] = (),
    ) -> Any:
        h = {"Content-Type": "application/json", **(headers or {})}
        if token:
            h["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else b""
        self.counts.requests += 1
        reply = self.http.request(method, path, headers=h, body=data)
        if reply.status_code >= 300 and reply.status_code not in ok:
            raise RuntimeError(f"{method} {path}: {reply.status_code} {reply.body!r}")
        return reply

    def _session(self, p: Person, reply: Any, day: date) -> str:
        """The access token of a sign-in reply; its refresh cookie kept for the next day."""
        from chalicelib import web

        raw = reply.headers.get("Set-Cookie") or reply.headers.get("set-cookie") or ""
        raw = raw if isinstance(raw, str) else "; ".join(raw)
        found = re.search(rf"{web.REFRESH_COOKIE}=([^;]+)", raw)
        if found:
            self.cookies[p.member_no] = (found.group(1), day)
        return json.loads(reply.body)["access_token"]

    def sign_in(self, p: Person, day: date) -> str | None:
        """Her app's first request of the day: the refresh cookie if it has one not too old,
        else a password login, or the activation on her very first day. None if she cannot
        sign in (a demo account whose password someone changed): her day is skipped."""
        from chalicelib import web

        kept = self.cookies.get(p.member_no)
        if kept and (day - kept[1]).days < REFRESH_DAYS:
            headers = {web.CSRF_HEADER: web.CSRF_VALUE, "Cookie": f"{web.REFRESH_COOKIE}={kept[0]}"}
            reply = self.send("POST", "/auth/refresh", headers=headers, ok=(401,))
            if reply.status_code == 200:
                self.counts.refreshes += 1
                return self._session(p, reply, day)
        if not p.activated:
            reply = self.send(
                "POST",
                "/auth/activate",
                {
                    "member_no": p.member_no,
                    "name": p.name,
                    "phone_last4": p.phone[-4:],
                    "password": PASSWORD,
                },
                ok=(401,),
            )
            if reply.status_code == 200:
                p.activated = True
                self.counts.activations += 1
                return self._session(p, reply, day)
        body = {"member_no": p.member_no, "password": PASSWORD}
        reply = self.send("POST", "/auth/login", body, ok=(401, 429))
        if reply.status_code != 200:
            return None
        p.activated = True
        self.counts.logins += 1
        return self._session(p, reply, day)

    def read(self, member_no: str, token: str, slug: str, day: date) -> bool:
        """Open the page and send a heartbeat every 15 s until the item is read (as the page
        does); True once read. A day done again after a cut-short run finds her reading time
        already laid later that day: it gives up after the beats the item needs."""
        from chalicelib import reading

        view = key("view", member_no, day.isoformat(), slug)
        beats = -(-reading.min_seconds(reading.catalog_item(slug)) // BEAT) + 1
        for seq in range(beats + 1):
            body = {"view_id": view, "seq": seq, "slug": slug, "seconds": BEAT if seq else 0}
            reply = json.loads(self.send("POST", "/reading/heartbeat", body, token=token).body)
            if reply["read"]:
                return True
            self.at[0] += BEAT
        return False

    def quiz(self, member_no: str, token: str, right: float, rng: random.Random) -> int:
        """The daily quiz: start, then submit every answer (right with the member's skill)."""
        from chalicelib import quiz_grading, quizzes
        from chalicelib.models import QuizAttempt

        reply = self.send("POST", f"/quizzes/{QUIZ}/attempt", token=token, ok=(404,))
        started = json.loads(reply.body)
        if reply.status_code != 200 or started.get("status") != "open":
            return 0  # no daily quiz in this content, or done today already
        attempt = QuizAttempt.get(member_no, f"{QUIZ}#{started['attempt']}", consistent_read=True)
        data = quizzes.questions([i["ref"] for i in attempt.items])
        answers = {}
        for i, item in enumerate(attempt.items):
            q = data[item["ref"]]
            good = quiz_grading.right_answer(q, quizzes.served_perm(attempt, i, q))
            if rng.random() < right:
                answers[str(i)] = good
            elif q["type"] == "fill":
                answers[str(i)] = ["不清楚"] * len(good)
            else:
                wrong = [n for n in range(len(q["options"])) if [n] != good]
                answers[str(i)] = [rng.choice(wrong)]
            self.at[0] += rng.randint(8, 25)
        done = self.send(
            "POST",
            f"/quizzes/{QUIZ}/attempt/submit",
            {"attempt": started["attempt"], "answers": answers},
            token=token,
            ok=(409,),
        )
        return 1 if done.status_code == 200 else 0


def _people() -> list[Person]:
    from chalicelib.models import Member
    from tools import demo_registry, seed_demo

    demo = {a.member_no for a in demo_registry.DEMO_ACCOUNTS}
    left_out = {seed_demo.ACTIVATION_EXAMPLE}  # kept for newcomers to try activation
    out = []
    for m in Member.scan():
        if not m.active or m.member_no in left_out or not (m.phone or m.password_hash):
            continue
        out.append(
            Person(
                m.member_no,
                m.name,
                m.phone or "",
                m.branch_id,
                activated=bool(m.password_hash) or m.member_no in demo,
            )
        )
    return sorted(out, key=lambda p: p.member_no)


def _article_dates() -> dict[str, date]:
    """Each article's Date (the catalog has none): read from its source's metadata."""
    out: dict[str, date] = {}
    for path in (ROOT / "content").rglob("*.md"):
        head = path.read_text(encoding="utf-8").split("\n\n", 1)[0]
        slug = re.search(r"^Slug:\s*(\S+)", head, re.M)
        when = re.search(r"^Date:\s*(\d{4}-\d{2}-\d{2})", head, re.M)
        if slug and when:
            out[slug.group(1)] = date.fromisoformat(when.group(1))
    return out


def _items() -> list[Item]:
    from chalicelib.models import CatalogItem

    dates = _article_dates()
    return sorted(
        (
            Item(i.slug, i.kind, int(i.series_day) if i.series_day else None, dates.get(i.slug))
            for i in CatalogItem.scan()
            if i.published
        ),
        key=lambda i: i.slug,
    )


def _campaigns() -> dict[str, Campaign]:
    """The campaigns open to the whole organisation (a unit's own is not for every member)."""
    from chalicelib import clock
    from chalicelib.models import Campaign as Stored

    out = {}
    for c in Stored.scan():
        if c.units or not c.published:
            continue
        out[c.campaign_id] = Campaign(
            tuple(_slug(x) for x in c.candidates or []),
            datetime.fromtimestamp(float(c.starts_at), clock.TZ).date(),
            datetime.fromtimestamp(float(c.ends_at), clock.TZ).date(),
            int(c.votes_per_member),
        )
    return out


def _marker() -> tuple[date, date] | None:
    from chalicelib.models import RankingState

    try:
        item = RankingState.get(*MARKER, consistent_read=True)
    except RankingState.DoesNotExist:
        return None
    done = json.loads(item.data or b"{}")
    return date.fromisoformat(done["first"]), date.fromisoformat(done["last"])


def _mark(first: date, last: date) -> None:
    from chalicelib.models import RankingState

    body = json.dumps({"first": first.isoformat(), "last": last.isoformat()}).encode()
    RankingState(*MARKER, data=body).save()


def _epoch(local: datetime) -> float:
    from chalicelib import clock

    return local.replace(tzinfo=clock.TZ).timestamp()


@dataclass
class Work:
    """What a run has to do: the days (`todo`), each member's sessions on them, the range the
    plan covers (`first`..`last`, for the marker) and the counts so far."""

    first: date
    last: date
    todo: list[date]
    people: dict[str, Person]
    sessions: dict[str, list[Session]]  # member → her sessions on the days to do, in order
    assignment: demo_lessons.Assignment | None = None  # the 微党课 assignment the watches follow
    counts: Counts = field(default_factory=Counts)
    started: float = field(default_factory=time.monotonic)


def prepare(today: date | None = None, days: int = DAYS) -> Work | None:
    """The days of the last `days` (ending yesterday) not generated yet, and who does what on
    them; None when every day is done (a second `make dev` on the same day)."""
    from chalicelib import clock
    from tools import demo_registry

    today = today or clock.today()
    last = today - timedelta(1)
    done = _marker()
    first = done[0] if done else today - timedelta(days)
    start = max(done[1] + timedelta(1) if done else first, today - timedelta(days))
    if start > last:
        return None
    people = _people()
    planned = plan(
        people,
        _items(),
        _campaigns(),
        first,
        last,
        streak_member=demo_registry.DEMO_MEMBER.member_no,
    )
    assignment = demo_lessons.plan(
        planned,
        people,
        demo_lessons.lessons(_article_dates()),
        last,
        demo_member=demo_registry.DEMO_MEMBER.member_no,
    )
    todo = [start + timedelta(n) for n in range((last - start).days + 1)]
    sessions: dict[str, list[Session]] = {}
    for day in todo:
        for s in planned[day]:
            sessions.setdefault(s.member_no, []).append(s)
    return Work(first, last, todo, {p.member_no: p for p in people}, sessions, assignment)


def _finished(member_no: str, sessions: list[Session]) -> bool:
    """Her last session is in the ledger already (a run cut short after her): skip her."""
    from chalicelib import points, points_ledger
    from chalicelib.points_rules import RULES

    day = sessions[-1].start.date()
    key = points.ledger_key(RULES["daily_login"], "login", day)
    return points_ledger.has_line(member_no, day.isoformat(), key) is not None


def generate(work: Work, members: list[str] | None = None) -> Counts:
    """Each member's sessions on the days to do, member after member (her days in order, so
    the aggregator, drained after each, meets her days as it would have day by day); `members`
    limits it (make dev does the demo accounts first, the others in the background)."""
    from infra import stream_poller

    chosen = [m for m in (members if members is not None else sorted(work.sessions))]
    with moved_clock() as at:
        driver = Driver(at, work.counts)
        if work.assignment and not work.counts.assignment and work.assignment.on in work.todo:
            # Before the watches that follow it; a day already generated keeps what it had.
            work.counts.assignment = demo_lessons.assign(at, work.assignment)
        for member_no in chosen:
            sessions = work.sessions.get(member_no)
            if not sessions or _finished(member_no, sessions):
                continue
            for s in sessions:
                _session(driver, work.people[member_no], s, at, work.counts)
            driver.cookies.pop(member_no, None)
            stream_poller.drain()  # the aggregator, as within seconds in AWS
    return work.counts


def finish(work: Work) -> Counts:
    """Each day's reminders; the ranking job at the end of each month generated (its boards as
    they stood), then now; the marker; the counts."""
    from chalicelib import ranking, reminders
    from chalicelib.models import PointTotal
    from infra import stream_poller

    stream_poller.drain()
    with moved_clock() as at:
        for day in work.todo:
            # The day's reminders (reminders.toml: 政治生日 cards, overdue reviews and held
            # comments) as the hourly function sent them that day: the 消息 centres' history.
            at[0] = _epoch(datetime.combine(day, dtime(23, 0)))
            stats = reminders.run_due()
            work.counts.messages += sum(r["created"] for r in stats["ran"])
            if (day + timedelta(1)).month != day.month:
                at[0] = _epoch(datetime.combine(day, dtime(23, 55)))
                ranking.compute_boards()
    ranking.compute_boards()
    _mark(work.first, work.last)
    work.counts.days = len(work.todo)
    work.counts.points = sum(
        int(t.points or 0)
        for t in PointTotal.scan()
        if t.member_no in work.people and t.period == f"y{work.last.year}"
    )
    work.counts.seconds = time.monotonic() - work.started
    return work.counts


def run(today: date | None = None, days: int = DAYS) -> Counts:
    """Generate the days not yet done of the last `days` (ending yesterday); the counts."""
    work = prepare(today, days)
    if work is None:
        return Counts()
    generate(work)
    return finish(work)


def _session(driver: Driver, p: Person, s: Session, at: list[float], counts: Counts) -> None:
    day = s.start.date()
    rng = random.Random(f"{SEED}:do:{p.member_no}:{day.isoformat()}")
    at[0] = _epoch(s.start)
    token = driver.sign_in(p, day)
    if token is None:
        counts.skipped += 1
        return
    counts.sessions += 1
    for slug in s.reads:
        at[0] += rng.randint(3, 20)
        if driver.read(p.member_no, token, slug, day):
            counts.reads += 1
            counts.constitution_days += slug.startswith("dangzhang-")
    for w in s.watches:
        at[0] += rng.randint(3, 20)
        played = demo_lessons.watch(driver, p.member_no, token, w, day)
        counts.lessons += 1
        counts.lessons_watched += "lesson_watched" in played["awards"]
    if s.comment:
        at[0] += rng.randint(20, 90)
        slug, text = s.comment
        body = {"text": text, "request_id": key("comment", p.member_no, day.isoformat())}
        driver.send("POST", f"/articles/{slug}/comments", body, token=token)
        counts.comments += 1
    if s.quiz is not None:
        at[0] += rng.randint(5, 30)
        counts.quizzes += driver.quiz(p.member_no, token, s.quiz, rng)
    if s.vote:
        at[0] += rng.randint(5, 30)
        campaign, candidate = s.vote
        body = {"candidate": candidate, "request_id": key("vote", p.member_no, day.isoformat())}
        # Refused (403/409: the campaign's own rules, e.g. its daily quota) as a member would be.
        reply = driver.send(
            "POST", f"/campaigns/{campaign}/votes", body, token=token, ok=(403, 409)
        )
        if reply.status_code == 200:
            counts.votes += 1
        else:
            counts.votes_refused += 1


def _slug(candidate: Any) -> str:
    return candidate["slug"] if isinstance(candidate, dict) else str(candidate)


def main(argv: list[str] | None = None) -> int:
    """Against a running `make dev` (`make demo-activity`, which finds its tables): add the days
    not yet generated."""
    counts = run()
    print(f"示范活动：{counts.line()}" if counts.days else "示范活动：最近的日子都已生成")
    return 0


if __name__ == "__main__":
    sys.exit(main())

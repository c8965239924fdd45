"""微党课 for staff over HTTP on DynamoDB Local: a unit asks its members to watch a lesson by a
day (one 消息 each through the outbox, also under parallel requests and after a failure between
the write and the messages), changes or withdraws it; the figures by branch and one branch's
names are exact with a mix of watched and unwatched members; the member's own list; scope (a
secretary of another branch and a plain member refused on every staff route); bad input refused
in Chinese with nothing written."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests

from chalicelib import clock, lesson_assignments, outbox
from chalicelib.models import CatalogItem, Message, ReadMark
from chalicelib.models.lessons import LessonAssignment, WatchProgress
from tools.fixtures import bearer, make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")


def member(no: str, branch: str, **kw):
    return make_member(no, branch, password=None, **kw)  # tokens are made in process


@pytest.fixture
def org(stack):
    make_tree()  # C1 → G1 → B1, B2; C1 → B3
    return {
        "admin": member("70000001", "B3", name="党委委员", roles=("party_committee",)),
        "g1": member("71000001", "B1", name="总支委员", roles=("general_branch_committee",)),
        "sec1": member("71000002", "B1", name="一支书记", roles=("branch_secretary",)),
        "com1": member("71000003", "B1", name="一支委员", roles=("branch_committee",)),
        "a": member("71000004", "B1", name="王芳"),
        "b": member("72000001", "B2", name="李强"),
        "b2": member("72000002", "B2", name="周敏"),
        "gone": member("72000003", "B2", name="已调离", active=False),
        "sec3": member("73000001", "B3", name="机关书记", roles=("branch_secretary",)),
        "c": member("73000002", "B3", name="赵敏"),
    }


G1_MEMBERS = {"71000001", "71000002", "71000003", "71000004", "72000001", "72000002"}


def lesson(slug: str = "lesson-demo", *, kind: str = "lesson", published: bool = True) -> None:
    CatalogItem(
        slug,
        title=f"党课 {slug}",
        url=f"/lessons/{slug}.html",
        category="微党课",
        kind=kind,
        reading_minutes=1,
        chars=100,
        published=published,
        media="a" * 64 + ".mp4",
        media_kind="video",
        duration=600,
        speaker="张明",
    ).save()


def day(n: int) -> str:
    return (clock.today() + timedelta(days=n)).isoformat()


def call(stack, method: str, path: str, member=None, **kw) -> requests.Response:
    headers = bearer(member) if member else {}
    return requests.request(method, f"{stack.url}/api{path}", headers=headers, timeout=60, **kw)


def assign(stack, member, **over) -> requests.Response:
    body = {"unit_id": "G1", "slug": "lesson-demo", "due_on": day(7)}
    body.update(over)
    return call(stack, "POST", "/lessons/assignments", member, json=body)


def messages(kind: str = "lesson_assigned") -> dict[str, list[Message]]:
    """Member → her messages of the kind (every member of the fixture, by key: no Scan)."""
    out: dict[str, list[Message]] = {}
    for no in (*G1_MEMBERS, "70000001", "72000003", "73000001", "73000002"):
        got = [m for m in Message.query(no, consistent_read=True) if m.kind == kind]
        if got:
            out[no] = got
    return out


def stored() -> list[LessonAssignment]:
    return [a for u in ("C1", "G1", "B1", "B2", "B3") for a in LessonAssignment.query(u)]


def test_assign_tell_change_withdraw(stack, org):
    lesson()
    r = assign(stack, org["g1"], note="请各支部组织党员认真观看。")
    assert r.status_code == 201, r.text
    got = r.json()
    assert got["outcome"] == "created" and got["assignment"]["unit_name"] == "第一党总支"
    told = messages()
    # Every active member of G1's branches, once; not B3's, not the inactive one.
    assert set(told) == G1_MEMBERS and all(len(v) == 1 for v in told.values())
    m = told["71000004"][0]
    assert m.url == "/lessons/lesson-demo.html" and "党课 lesson-demo" in m.body
    assert "请各支部组织党员认真观看" in m.body and m.title == "微党课学习安排"

    # The same body again: the same answer, nothing sent.
    again = assign(stack, org["g1"], note="请各支部组织党员认真观看。")
    assert again.status_code == 200 and again.json()["outcome"] == "unchanged"
    assert again.json()["assignment"] == got["assignment"]
    assert {k: len(v) for k, v in messages().items()} == dict.fromkeys(G1_MEMBERS, 1)

    # The note alone: saved, said so, no message; a new day: told again, once each.
    r = assign(stack, org["g1"], note="结合岗位实际谈体会。")
    assert r.status_code == 200 and r.json()["outcome"] == "updated"
    assert "不再通知" in r.json()["message"]
    assert {k: len(v) for k, v in messages().items()} == dict.fromkeys(G1_MEMBERS, 1)
    r = assign(stack, org["g1"], due_on=day(10), note="结合岗位实际谈体会。")
    assert r.status_code == 200 and r.json()["outcome"] == "rescheduled"
    assert {k: len(v) for k, v in messages().items()} == dict.fromkeys(G1_MEMBERS, 2)
    assert any(x.title == "微党课学习安排有变更" for x in messages()["72000001"])
    assert (
        assign(stack, org["g1"], due_on=day(10), note="结合岗位实际谈体会。").json()["outcome"]
        == "unchanged"
    )
    assert {k: len(v) for k, v in messages().items()} == dict.fromkeys(G1_MEMBERS, 2)

    # B1's list shows G1's assignment (from above: its secretary may not withdraw it).
    listed = call(stack, "GET", "/lessons/assignments?unit_id=B1", org["sec1"]).json()
    assert [(x["unit_id"], x["own"], x["may_withdraw"]) for x in listed["assignments"]] == [
        ("G1", False, False)
    ]
    assert listed["manage"] is True
    mine = call(stack, "GET", "/lessons/assigned", org["a"]).json()
    assert mine["to_watch"] == 1 and mine["lessons"][0]["due_on"] == day(10)
    first = mine["lessons"][0]
    assert first["watched"] is False and first["unit_name"] == "第一党总支"
    none = call(stack, "GET", "/lessons/assigned", org["c"]).json()
    assert none == {"lessons": [], "to_watch": 0}

    # Withdraw, again; then assigned afresh: announced again (a new event).
    r = call(stack, "DELETE", "/lessons/assignments/G1/lesson-demo", org["g1"])
    assert r.status_code == 200 and r.json()["withdrawn"] is True and stored() == []
    r = call(stack, "DELETE", "/lessons/assignments/G1/lesson-demo", org["g1"])
    assert r.status_code == 200 and r.json()["withdrawn"] is False
    assert call(stack, "GET", "/lessons/assigned", org["a"]).json()["lessons"] == []
    assert assign(stack, org["g1"]).status_code == 201
    assert {k: len(v) for k, v in messages().items()} == dict.fromkeys(G1_MEMBERS, 3)


def test_parallel_posts_one_assignment_one_message_each(stack, org):
    lesson()
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda _: assign(stack, org["g1"]).status_code, range(8)))
    assert sorted(codes) == [200] * 7 + [201]
    assert len(stored()) == 1
    assert {k: len(v) for k, v in messages().items()} == dict.fromkeys(G1_MEMBERS, 1)


def test_a_failure_between_the_write_and_the_messages_is_repaired(stack, org, fails_once):
    """In process (the patch is in this process): the first request dies after the assignment's
    write, before any message; the retry posts every message once; a third posts nothing."""
    from chalicelib import registry

    lesson()
    caller = registry.caller_for(org["g1"])
    body = {"unit_id": "G1", "slug": "lesson-demo", "due_on": day(7)}
    calls = fails_once(outbox, "post", "Lambda ended")
    with pytest.raises(RuntimeError):
        lesson_assignments.assign(caller, body)
    (a,) = stored()
    assert a.notice_key and a.notified is None and messages() == {}
    view, outcome = lesson_assignments.assign(caller, body)
    assert outcome == "unchanged" and view["due_on"] == day(7)
    assert {k: len(v) for k, v in messages().items()} == dict.fromkeys(G1_MEMBERS, 1)
    assert LessonAssignment.get("G1", "lesson-demo").notified == a.notice_key
    lesson_assignments.assign(caller, body)
    assert calls["n"] == 2  # posted nothing the third time: not even asked
    assert {k: len(v) for k, v in messages().items()} == dict.fromkeys(G1_MEMBERS, 1)


def test_a_failure_after_some_messages_posts_the_rest_once(stack, org, fails_once):
    from chalicelib import registry

    lesson()
    caller = registry.caller_for(org["g1"])
    body = {"unit_id": "G1", "slug": "lesson-demo", "due_on": day(7)}
    real_save = Message.save
    seen = {"n": 0}

    def dies_on_the_third(self, *args, **kwargs):
        seen["n"] += 1
        if seen["n"] == 3:
            raise RuntimeError("Lambda ended mid-way")
        return real_save(self, *args, **kwargs)

    Message.save = dies_on_the_third  # type: ignore[method-assign]
    try:
        with pytest.raises(RuntimeError):
            lesson_assignments.assign(caller, body)
    finally:
        Message.save = real_save  # type: ignore[method-assign]
    assert sum(len(v) for v in messages().values()) == 2
    lesson_assignments.assign(caller, body)
    assert {k: len(v) for k, v in messages().items()} == dict.fromkeys(G1_MEMBERS, 1)


def _watched(member_no: str, slug: str = "lesson-demo") -> None:
    ReadMark(member_no, f"lesson#{slug}", read_on=clock.today().isoformat()).save()


def test_figures_exact_by_branch_and_names(stack, org):
    lesson()
    assert assign(stack, org["admin"], unit_id="C1").status_code == 201
    for no in ("71000002", "71000004", "72000001", "73000002", "72000003"):  # the last inactive
        _watched(no)
    _watched("71000003", "another-lesson")  # another lesson's mark counts for nothing
    WatchProgress("71000003", "lesson-demo", duration=600, covered_seconds=150, updated=1).save()

    r = call(stack, "GET", "/lessons/assignments/C1/lesson-demo", org["admin"])
    assert r.status_code == 200, r.text
    f = r.json()
    assert [(b["id"], b["members"], b["watched"], b["share"]) for b in f["branches"]] == [
        ("B3", 3, 1, 0.3333),
        ("B1", 4, 2, 0.5),
        ("B2", 2, 1, 0.5),
    ]
    assert (f["members"], f["watched"], f["share"]) == (9, 4, 0.4444)
    assert f["branch"] is None and f["assignment"]["unit_id"] == "C1"

    # One branch's names (G1's staff read it through C1's assignment, which applies to G1).
    r = call(stack, "GET", "/lessons/assignments/G1/lesson-demo?branch=B1", org["g1"])
    b = r.json()["branch"]
    assert [x["name"] for x in b["watched"]] == ["一支书记", "王芳"]
    assert [(x["name"], x["covered_share"]) for x in b["not_watched"]] == [
        ("总支委员", 0.0),
        ("一支委员", 0.25),
    ]
    assert r.json()["assignment"]["unit_id"] == "C1"
    # A branch unit shows its own names; a branch outside the unit is refused.
    own = call(stack, "GET", "/lessons/assignments/B2/lesson-demo", org["g1"]).json()["branch"]
    assert [x["name"] for x in own["watched"]] == ["李强"]
    assert [x["name"] for x in own["not_watched"]] == ["周敏"]
    r = call(stack, "GET", "/lessons/assignments/G1/lesson-demo?branch=B3", org["g1"])
    assert r.status_code == 400 and r.json()["Message"] == "branch 须为该单位下属的党支部"
    r = call(stack, "GET", "/lessons/assignments/G1/other-lesson", org["g1"])
    assert r.status_code == 404 and r.json()["Message"] == "该单位没有安排学习这堂微党课"

    mine = call(stack, "GET", "/lessons/assigned", org["a"]).json()["lessons"]
    assert [(x["slug"], x["watched"], x["covered_share"]) for x in mine] == [
        ("lesson-demo", True, 1.0)
    ]
    theirs = call(stack, "GET", "/lessons/assigned", org["com1"]).json()["lessons"]
    assert (theirs[0]["watched"], theirs[0]["covered_share"]) == (False, 0.25)


def test_scope_on_every_route(stack, org):
    lesson()
    assert assign(stack, org["g1"]).status_code == 201
    before = {k: len(v) for k, v in messages().items()}
    routes = [
        (
            "POST",
            "/lessons/assignments",
            {"unit_id": "G1", "slug": "lesson-demo", "due_on": day(3)},
        ),
        ("GET", "/lessons/assignments?unit_id=G1", None),
        ("GET", "/lessons/assignments/G1/lesson-demo", None),
        ("GET", "/lessons/assignments/G1/lesson-demo?branch=B1", None),
        ("DELETE", "/lessons/assignments/G1/lesson-demo", None),
    ]
    for who in ("sec3", "a", "c"):  # another branch's secretary; plain members
        for method, path, body in routes:
            r = call(stack, method, path, org[who], json=body)
            assert r.status_code == 403, (who, method, path, r.text)
            assert r.json()["Message"] in (
                lesson_assignments.NOT_MANAGED,
                lesson_assignments.NOT_VISIBLE,
            )
    # An unknown unit is refused alike.
    r = call(stack, "GET", "/lessons/assignments?unit_id=NOPE", org["sec3"])
    assert r.status_code == 403 and r.json()["Message"] == lesson_assignments.NOT_VISIBLE
    # A 支部委员 reads her branch's figures, but may not assign or withdraw.
    path = "/lessons/assignments/{}/lesson-demo"
    assert call(stack, "GET", path.format("B1"), org["com1"]).status_code == 200
    assert assign(stack, org["com1"], unit_id="B1").status_code == 403
    assert call(stack, "DELETE", path.format("B1"), org["com1"]).status_code == 403
    # B1's secretary cannot withdraw G1's assignment (above her).
    assert call(stack, "DELETE", path.format("G1"), org["sec1"]).status_code == 403
    assert len(stored()) == 1 and stored()[0].due_on == day(7)
    assert {k: len(v) for k, v in messages().items()} == before
    assert call(stack, "GET", "/lessons/assigned").status_code == 401


BAD = [
    ({"slug": "no-such-lesson"}, lesson_assignments.NO_LESSON),
    ({"slug": "an-article"}, lesson_assignments.NO_LESSON),
    ({"slug": "gone-lesson"}, lesson_assignments.NO_LESSON),
    ({"slug": "../x"}, lesson_assignments.NO_LESSON),
    ({"due_on": "2027-02-30"}, "截止日期（due_on）不是有效的日期：2027-02-30"),
    ({"due_on": "tomorrow"}, "截止日期（due_on）须写成 2026-12-31 的形式"),
    ({"due_on": "PAST"}, "截止日期已过，请选择今天或以后的日期"),
    ({"due_on": "FAR"}, "截止日期最多安排在一年以内"),
    ({"note": "长" * 201}, "说明最多 200 字（现在 201 字）"),
    ({"note": "好好学习😀"}, "说明不能包含表情符号"),
    ({"note": 5}, None),
    ({"due_on": 20271231}, None),
    ({"extra": "x"}, None),
]


def test_bad_input_refused_in_chinese_and_nothing_changes(stack, org):
    lesson()
    lesson("an-article", kind="article")
    lesson("gone-lesson", published=False)
    for over, message in BAD:
        if over.get("due_on") == "PAST":
            over = {"due_on": day(-1)}
        if over.get("due_on") == "FAR":
            over = {"due_on": day(400)}
        r = assign(stack, org["g1"], **over)
        assert r.status_code == 400, (over, r.text)
        said = r.json()["Message"]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in said), said
        if message:
            assert said == message, (over, said)
    r = call(stack, "POST", "/lessons/assignments", org["g1"], json={"unit_id": "G1"})
    assert r.status_code == 400
    r = call(stack, "GET", "/lessons/assignments", org["g1"])
    assert r.status_code == 400 and r.json()["Message"] == "请指定单位（unit_id）"
    assert stored() == [] and messages() == {}


def test_today_is_a_due_day_yesterday_is_not(stack, org, at):
    """In process at a frozen clock (over HTTP the day could turn between two reads)."""
    from chalicelib import registry
    from chalicelib.errors import BadRequestError

    at("2027-03-01T15:59:59")  # 23:59:59 in Beijing
    lesson()
    caller = registry.caller_for(org["g1"])
    with pytest.raises(BadRequestError):
        lesson_assignments.assign(
            caller, {"unit_id": "G1", "slug": "lesson-demo", "due_on": "2027-02-28"}
        )
    _, outcome = lesson_assignments.assign(
        caller, {"unit_id": "G1", "slug": "lesson-demo", "due_on": "2027-03-01"}
    )
    assert outcome == "created"


def test_the_reminder_before_the_due_day_reaches_who_has_not_watched(stack, org, at):
    """reminders.toml `lesson_due`: two days before the due day, the members of the unit's
    subtree who have not watched it get one reminder, linking the lesson; once however often
    the runner runs."""
    from datetime import datetime

    from chalicelib import audiences, registry, reminder_defs, reminders

    at("2027-03-01T02:00:00")  # in process, at a frozen clock: no day can turn meanwhile
    lesson()
    caller = registry.caller_for(org["g1"])
    body = {"unit_id": "G1", "slug": "lesson-demo", "due_on": day(2)}
    lesson_assignments.assign(caller, body)
    boss = registry.caller_for(org["admin"])  # another unit's lesson, due another day
    lesson_assignments.assign(boss, {**body, "unit_id": "B3", "due_on": day(3)})
    _watched("71000004")
    ctx = audiences.Context(datetime.fromtimestamp(clock.now(), clock.TZ))
    got = {d.member_no: d.fields for d in audiences.lesson_due(ctx, {"days_ahead": 2})}
    assert set(got) == G1_MEMBERS - {"71000004"}
    assert got["71000001"]["lesson_path"] == "lessons/lesson-demo.html"
    assert got["71000001"]["count"] == 1
    reminder = reminder_defs.by_key("lesson_due")
    first = reminders.run_one(reminder)
    again = reminders.run_one(reminder)
    assert (first.created, again.created, again.existing) == (5, 0, 5)
    mine = [m for m in Message.query("71000001") if m.title == "微党课学习即将截止"]
    assert len(mine) == 1 and mine[0].url == "/lessons/lesson-demo.html"


def test_one_lesson_asked_by_two_units_is_one_to_watch_in_the_reminder() -> None:
    """The general branch and the branch both ask for the same lesson by the same day: her
    reminder counts one lesson."""
    from datetime import date
    from types import SimpleNamespace

    from chalicelib import audiences
    from tools.lesson_fixtures import make_lesson

    units = make_tree()
    make_member("74000001", "B1", password=None)
    item = make_lesson("dup-lesson", duration=60)
    for unit_id in ("G1", "B1"):
        LessonAssignment(
            unit_id,
            item.slug,
            unit_path=list(units[unit_id].path),
            title=item.title,
            due_on="2027-03-03",
            assigned_by="74000009",
            assigned_at="2027-03-01T09:00:00+08:00",
        ).save()
    ctx = SimpleNamespace(day=date(2027, 3, 1), units=lambda: units)
    got = [d for d in audiences.lesson_due(ctx, {"days_ahead": 2}) if d.member_no == "74000001"]
    assert [d.fields["count"] for d in got] == [1]

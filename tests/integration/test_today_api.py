"""`GET /api/me/today` over HTTP: a member's day (points and caps, 党章, the daily quiz, 继续阅读)
as the home page's 今日学习 shows it, staff to-dos counted only in the caller's scope, 401 for
anonymous callers, and the read units one home visit costs."""

from __future__ import annotations

import pytest
import requests

from chalicelib import clock, quizzes, reading, today
from chalicelib.models import QuizAttempt
from chalicelib.quiz_grading import right_answer
from tools import fixtures
from tools.bench_routes import Routes
from tools.capacity import metered
from tools.fixtures import bearer, make_item, make_member, make_tree, opened_views
from tools.publish_quizzes import publish

pytestmark = pytest.mark.usefixtures("clean_tables")


def get_today(stack, member=None) -> requests.Response:
    headers = bearer(member) if member else {}
    return requests.get(f"{stack.url}/api/me/today", headers=headers, timeout=30)


def beat(stack, member, view_id, seq, slug, seconds):
    r = requests.post(
        f"{stack.url}/api/reading/heartbeat",
        json={"view_id": view_id, "seq": seq, "slug": slug, "seconds": seconds},
        headers=bearer(member),
        timeout=30,
    )
    assert r.status_code == 200, r.text
    return r.json()


def do_daily_quiz(stack, member, right: int) -> None:
    """Start today's 每日答题 and submit it with `right` questions answered right."""
    api = f"{stack.url}/api/quizzes/daily/attempt"
    started = requests.post(api, headers=bearer(member), timeout=30).json()
    attempt = QuizAttempt.get(member.member_no, f"daily#{started['attempt']}", consistent_read=True)
    data = quizzes.questions([i["ref"] for i in attempt.items])
    answers = {}
    for i, item in enumerate(attempt.items[:right]):
        q = data[item["ref"]]
        answers[str(i)] = right_answer(q, quizzes.served_perm(attempt, i, q))
    done = requests.post(
        f"{api}/submit",
        json={"attempt": started["attempt"], "answers": answers},
        headers=bearer(member),
        timeout=30,
    )
    assert done.status_code == 200, done.text


@pytest.fixture
def studying_member(stack):
    """A member who today read 党章 day 1, read one article, left another half read (and
    re-opened the one she had read without finishing that view), and did the daily quiz."""
    make_tree()
    member = make_member("77000001", "B1", name="赵学习", password=None)
    publish()  # the repository's quizzes: 每日答题 is `daily`
    day1 = make_item("dz-001", kind="constitution", day=1)
    make_item("dz-002", kind="constitution", day=2)
    done = make_item("a-done", chars=400)
    make_item("a-half", chars=1200)  # 90 s to read
    reading.complete(member.member_no, day1)  # 党章百日学 +2
    reading.complete(member.member_no, done)  # 阅读文章 +1
    opened_views(member.member_no, {"view-half-0001": "a-half", "view-done-0001": "a-done"}, 600)
    beat(stack, member, "view-half-0001", 1, "a-half", 15)  # 15 of 90 s
    beat(stack, member, "view-done-0001", 1, "a-done", 10)  # newer, but she read it before
    do_daily_quiz(stack, member, right=3)  # 每日答题 +3
    return member


def test_a_members_day(stack, studying_member):
    r = get_today(stack, studying_member)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["day"] == clock.today().isoformat()
    assert body["name"] == "赵学习"
    rules = {x["key"]: x for x in body["points"]["rules"]}
    assert body["points"]["today"] == 2 + 1 + 3
    assert (rules["constitution_read"]["today"], rules["constitution_read"]["cap_used"]) == (2, 2)
    assert rules["constitution_read"]["daily_cap"] == 2
    assert (rules["article_read"]["today"], rules["article_read"]["cap_used"]) == (1, 1)
    assert rules["article_read"]["daily_cap"] == 6
    assert rules["daily_quiz"]["cap_used"] == 3 and rules["daily_quiz"]["daily_cap"] == 5
    assert rules["comment"]["cap_used"] == 0
    assert body["constitution"] == {"days": [1], "count": 1}
    quiz = body["daily_quiz"]
    assert quiz["id"] == "daily" and quiz["done"] is True and quiz["status"] == "submitted"
    assert (quiz["correct"], quiz["total"], quiz["points"]) == (3, 5, 3)
    assert body["continue"] == {
        "slug": "a-half",
        "title": "标题 a-half",
        "url": "/articles/a-half.html",
        "kind": "article",
        "series_day": None,
        "percent": 16,  # 15 of 90 s
    }
    assert body["todo"] is None  # a member manages nothing


def test_a_new_member_has_an_empty_day(stack):
    make_tree()
    member = make_member("77000002", "B1", password=None)
    publish()
    body = get_today(stack, member).json()
    assert body["points"]["today"] == 0
    assert all(x["today"] == 0 and x["cap_used"] == 0 for x in body["points"]["rules"])
    assert body["constitution"] == {"days": [], "count": 0}
    assert body["daily_quiz"]["done"] is False and body["daily_quiz"]["status"] is None
    assert body["continue"] is None and body["todo"] is None


def test_a_finished_or_constitution_view_is_not_continued(stack):
    """A view that made its item read is finished; a 党章 day already read is too, and a 党章
    day started and not finished is continued like an article."""
    make_tree()
    member = make_member("77000003", "B1", password=None)
    make_item("a-read", chars=100)  # read at 10 s
    dz = make_item("dz-003", kind="constitution", day=3, chars=400)
    make_item("dz-004", kind="constitution", day=4, chars=400)
    reading.complete(member.member_no, dz)
    views = {"view-read-0001": "a-read", "view-dz03-0001": "dz-003", "view-dz04-0001": "dz-004"}
    opened_views(member.member_no, views, 600)
    beat(stack, member, "view-dz04-0001", 1, "dz-004", 12)  # oldest: started, 12 of 30 s
    beat(stack, member, "view-dz03-0001", 1, "dz-003", 5)  # read on another day
    assert beat(stack, member, "view-read-0001", 1, "a-read", 15)["read"] is True  # newest
    body = get_today(stack, member).json()
    assert body["continue"]["slug"] == "dz-004"
    assert body["continue"]["kind"] == "constitution" and body["continue"]["series_day"] == 4
    assert body["continue"]["percent"] == 40


def test_anonymous_gets_401_in_chinese(stack):
    r = get_today(stack)
    assert r.status_code == 401
    assert r.json()["Message"] == "请先登录"
    bad = requests.get(
        f"{stack.url}/api/me/today", headers={"Authorization": "Bearer x.y.z"}, timeout=30
    )
    assert bad.status_code == 401


UNITS: dict = {}


def submit_for_review(slug: str, branch: str) -> None:
    fixtures.submit_for_review(slug, UNITS[branch])


def held_comment(stack, member, n: int) -> None:
    r = requests.post(
        f"{stack.url}/api/articles/a1/comments",
        json={"text": f"第{n}条评论提到赌博", "request_id": f"req-held-{member.member_no}-{n}"},
        headers=bearer(member),
        timeout=30,
    )
    assert r.status_code == 201 and r.json()["status"] == "held", r.text


@pytest.fixture
def staff(stack):
    """B1: 2 versions to review, 1 held comment; B2: 1 version, 2 held comments."""
    UNITS.clear()
    UNITS.update(make_tree())
    make_item("a1")
    people = {
        "sec1": make_member("77100001", "B1", roles=("branch_secretary",), password=None),
        "sec2": make_member("77100002", "B2", roles=("branch_secretary",), password=None),
        "committee": make_member("77100003", "B3", roles=("party_committee",), password=None),
        "reader": make_member("77100004", "B1", roles=("branch_committee",), password=None),
        "m1": make_member("77100005", "B1", password=None),
        "m2": make_member("77100006", "B2", password=None),
    }
    submit_for_review("b1-one", "B1")
    submit_for_review("b1-two", "B1")
    submit_for_review("b2-one", "B2")
    held_comment(stack, people["m1"], 1)
    held_comment(stack, people["m2"], 1)
    held_comment(stack, people["m2"], 2)
    return people


def test_staff_see_their_to_dos_only_in_their_scope(stack, staff):
    def todo(who: str):
        r = get_today(stack, staff[who])
        assert r.status_code == 200, r.text
        return r.json()["todo"]

    sec1 = todo("sec1")
    assert (sec1["review"], sec1["comments"]) == (2, 1)
    assert not sec1["review_more"] and not sec1["comments_more"]
    sec2 = todo("sec2")
    assert (sec2["review"], sec2["comments"]) == (1, 2)
    committee = todo("committee")
    assert (committee["review"], committee["comments"]) == (3, 3)
    # 支部委员 reads her branch but decides nothing: no to-dos; nor has a member.
    assert todo("reader") is None
    assert todo("m1") is None


def test_to_do_counts_stop_at_the_limit(stack, staff, monkeypatch):
    from chalicelib import registry

    monkeypatch.setattr(today, "TODO_LIMIT", 1)
    out = today._todo(registry.caller_for(staff["committee"]))
    assert out == {"review": 1, "review_more": True, "comments": 1, "comments_more": True}


def test_a_home_visit_reads_few_units(stack, studying_member, staff):
    """What one visit costs, the token check's member read included (AWS-billed)."""
    routes = Routes()
    routes.send("GET", "/me/today", member=studying_member)  # warm: catalog and quiz caches
    with metered() as m:
        routes.send("GET", "/me/today", member=studying_member)
    assert m.write_units == 0
    # the token check's member 1 (consistent) + one BatchGetItem of 4 items 2 + her 党章 marks
    # 0.5 + the read marks of the two newest unfinished views 1 (the first she had read before)
    # + the 消息 centre's unread count 0.5 (the badge's, on the sparse index) + her meetings of
    # the next days 0.5 (a keys-only Query of the attendance index: none here)
    assert m.calls == {"GetItem": 3, "BatchGetItem": 1, "Query": 3}
    assert m.read_units == 5.5, m.read_units
    with metered() as m:
        routes.send("GET", "/me/today", member=staff["committee"])
    # no reading state, so no mark to check; two count Queries of her one subtree; the unread
    assert m.calls == {"GetItem": 1, "BatchGetItem": 1, "Query": 5}
    assert m.write_units == 0 and m.read_units <= 6.0, m.read_units

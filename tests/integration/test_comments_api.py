"""Comments over HTTP: plain text as posted, 5–500 characters, idempotent posts, the word filter
holds (never drops), rate limits with 429, own edits within 15 minutes, moderation in scope with
every decision kept, 精选 first, counts, paging; pre-moderation in-process."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from chalicelib import clock, comments, points_figures, settings
from chalicelib.errors import TooManyRequestsError
from chalicelib.models import Comment, CommentDecision, CommentStats
from infra import stream_poller
from tools.fixtures import bearer, make_item, make_member, make_tree, rid

pytestmark = pytest.mark.usefixtures("clean_tables")


def away_from_minute_end() -> None:
    """Per-minute limits count calendar minutes: start a rate-limit test early in one."""
    while time.time() % 60 > 50:
        time.sleep(0.5)


@pytest.fixture
def org():
    make_tree()
    make_item("a1")
    make_item("d1", kind="constitution", day=1)
    return {
        "author": make_member("60000001", "B1", name="刘党员", password=None),
        "other": make_member("60000002", "B2", name="陈党员", password=None),
        "sec1": make_member("60000003", "B1", name="B1书记", roles=("branch_secretary",)),
        "sec2": make_member("60000004", "B2", name="B2书记", roles=("branch_secretary",)),
        "committee": make_member("60000005", "B3", name="党委委员", roles=("party_committee",)),
    }


def post(stack, member, text, slug="a1", request_id=None):
    return requests.post(
        f"{stack.url}/api/articles/{slug}/comments",
        json={"text": text, "request_id": request_id or rid()},
        headers=bearer(member),
        timeout=30,
    )


def listing(stack, member=None, slug="a1", cursor=None):
    """The page as a reader gets it once the count's stream function has run (within seconds
    in AWS; here the test applies the stream first)."""
    stream_poller.drain()
    params = {"cursor": cursor} if cursor else None
    headers = bearer(member) if member else {}
    r = requests.get(
        f"{stack.url}/api/articles/{slug}/comments", params=params, headers=headers, timeout=30
    )
    assert r.status_code == 200, r.text
    return r.json()


def moderate(stack, member, comment, action, reason=None):
    body = {"action": action, **({"reason": reason} if reason else {})}
    return requests.post(
        f"{stack.url}/api/articles/{comment['slug']}/comments/{comment['id']}/moderate",
        json=body,
        headers=bearer(member),
        timeout=30,
    )


def test_a_comment_is_stored_as_plain_text_counted_and_awarded(stack, org):
    text = "  第一行 <b>不加粗</b>\r\n**也不是 Markdown**\r\n  "
    r = post(stack, org["author"], text)
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["text"] == "第一行 <b>不加粗</b>\n**也不是 Markdown**"
    assert made["status"] == "visible" and made["mine"] and made["editable_until"]
    assert made["award"] == {"rule": "comment", "points": 1}
    page = listing(stack)
    assert page["count"] == 1 and [c["text"] for c in page["items"]] == [made["text"]]
    assert page["items"][0]["author"] == "刘党员" and page["items"][0]["branch"] == "第一党支部"
    assert "member_no" not in page["items"][0] and page["items"][0]["mine"] is False
    # Constitution installments take comments too; counts come for a list of slugs at once.
    assert post(stack, org["other"], "党章第一天学习体会", slug="d1").status_code == 201
    stream_poller.drain()
    counts = requests.get(f"{stack.url}/api/comments/counts?slugs=a1,d1,zz", timeout=30).json()
    assert counts == {"counts": {"a1": 1, "d1": 1, "zz": 0}}


@pytest.mark.parametrize(
    ("text", "status", "message"),
    [
        ("四个字呀", 400, "5–500 字（现在 4 字）"),
        ("  \r\n  四个字呀\r\n  ", 400, "现在 4 字"),  # counted after trimming
        ("字" * 501, 400, "现在 501 字"),
    ],
)
def test_length_is_5_to_500_characters(stack, org, text, status, message):
    r = post(stack, org["author"], text)
    assert r.status_code == status and message in r.json()["Message"]
    assert list(Comment.query("a1")) == []


def test_500_han_characters_are_accepted_and_unknown_items_refused(stack, org):
    assert post(stack, org["author"], "字" * 500).status_code == 201
    r = post(stack, org["author"], "这篇文章不存在", slug="no-such-article")
    assert r.status_code == 404 and r.json()["Message"] == "文章不存在或尚未发布"
    assert listing_status(stack, "no-such-article") == 404


def listing_status(stack, slug):
    return requests.get(f"{stack.url}/api/articles/{slug}/comments", timeout=30).status_code


def test_a_retried_post_returns_the_same_comment(stack, org):
    request_id = rid()
    with ThreadPoolExecutor(max_workers=5) as pool:
        replies = list(
            pool.map(
                lambda _: post(stack, org["author"], "重复提交的评论", request_id=request_id),
                range(5),
            )
        )
    assert all(r.status_code == 201 for r in replies), [r.text for r in replies]
    assert len({r.json()["id"] for r in replies}) == 1
    assert len(list(Comment.query("a1"))) == 1
    stream_poller.drain()
    assert CommentStats.get("a1").visible == 1
    assert len(list(points_figures.ledger("60000001"))) == 1


def test_a_sensitive_word_holds_the_comment_for_review_never_drops_it(stack, org):
    r = post(stack, org["author"], "有人在群里拉大家玩 Ｃ Ａ Ｓ Ｉ Ｎ Ｏ，要警惕")
    assert r.status_code == 201
    held = r.json()
    assert held["status"] == "held" and held["status_label"] == "审核中" and held["award"] is None
    assert listing(stack)["items"] == [] and listing(stack)["count"] == 0
    assert listing(stack, org["other"])["items"] == []
    (mine,) = listing(stack, org["author"])["items"]
    assert mine["id"] == held["id"] and mine["status_label"] == "审核中"
    # In the queue of the commenter's branch secretary and of the committee, not of B2's.
    queue = requests.get(
        f"{stack.url}/api/moderation/comments", headers=bearer(org["sec1"]), timeout=30
    )
    (entry,) = queue.json()["items"]
    assert entry["id"] == held["id"] and entry["hits"] == ["casino"] and "敏感词" in entry["reason"]
    assert entry["title"] == "标题 a1"
    other = requests.get(
        f"{stack.url}/api/moderation/comments", headers=bearer(org["sec2"]), timeout=30
    )
    assert other.json()["items"] == []
    assert moderate(stack, org["sec2"], held, "approve").status_code == 403
    plain = requests.get(
        f"{stack.url}/api/moderation/comments", headers=bearer(org["author"]), timeout=30
    )
    assert plain.status_code == 403
    r = moderate(stack, org["committee"], held, "approve")
    assert r.status_code == 200 and r.json()["status"] == "visible"
    assert listing(stack)["count"] == 1
    assert [e.rule for e in points_figures.ledger("60000001")] == ["comment"]
    queue = requests.get(
        f"{stack.url}/api/moderation/comments", headers=bearer(org["sec1"]), timeout=30
    )
    assert queue.json()["items"] == []


def test_parallel_posts_cannot_pass_the_per_minute_limit(stack, org):
    away_from_minute_end()
    with ThreadPoolExecutor(max_workers=6) as pool:
        replies = list(
            pool.map(lambda i: post(stack, org["author"], f"并发评论第 {i} 条"), range(6))
        )
    codes = sorted(r.status_code for r in replies)
    assert codes == [201, 201, 429, 429, 429, 429]
    refused = next(r for r in replies if r.status_code == 429)
    assert "每分钟最多 2 条" in refused.json()["Message"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert len(list(Comment.query("a1"))) == 2


def test_the_daily_limit_turns_over_at_shanghai_midnight(org, monkeypatch):
    # 11:00 Beijing time tomorrow: counters of a day in the past could be removed by TTL.
    now = time.time()
    stamp = [now - now % 86400 + 86400 + 3 * 3600]
    monkeypatch.setattr(clock, "now", lambda: stamp[0])
    for i in range(20):
        comments.post(org["author"], "a1", f"今天第 {i + 1} 条评论", rid())
        stamp[0] += 61  # a new minute each time
    with pytest.raises(TooManyRequestsError) as refused:
        comments.post(org["author"], "a1", "第二十一条评论", rid())
    assert "每日上限" in refused.value.message and refused.value.retry_after > 3600
    stamp[0] += 13 * 3600  # past midnight in Beijing
    assert comments.post(org["author"], "a1", "第二天的评论", rid())["status"] == "visible"


def test_own_comments_can_be_edited_or_deleted_within_15_minutes(stack, org):
    made = post(stack, org["author"], "原来的评论内容").json()
    url = f"{stack.url}/api/articles/a1/comments/{made['id']}"
    r = requests.put(
        url, json={"text": "改过的评论内容"}, headers=bearer(org["author"]), timeout=30
    )
    assert r.status_code == 200 and r.json()["edited"] and r.json()["text"] == "改过的评论内容"
    r = requests.put(url, json={"text": "别人不能改"}, headers=bearer(org["other"]), timeout=30)
    assert r.status_code == 403 and "自己的评论" in r.json()["Message"]
    # An edit runs the filter again: the comment is held and no longer counted.
    r = requests.put(
        url, json={"text": "改成 赌 博 的内容"}, headers=bearer(org["author"]), timeout=30
    )
    assert r.json()["status"] == "held" and listing(stack)["count"] == 0
    # Its point was for the visible text: held, it is given back (a reviewer hiding it later
    # must not leave it with the member).
    assert sorted(e.amount for e in points_figures.ledger("60000001")) == [-1, 1]
    r = requests.put(
        url, json={"text": "再改回正常内容"}, headers=bearer(org["author"]), timeout=30
    )
    assert r.json()["status"] == "visible" and listing(stack)["count"] == 1
    r = requests.delete(url, headers=bearer(org["author"]), timeout=30)
    assert r.status_code == 200 and r.json()["status"] == "deleted"
    assert listing(stack)["count"] == 0 and listing(stack, org["author"])["items"] == []
    amounts = sorted(e.amount for e in points_figures.ledger("60000001"))
    # Each visible round earned its point once and gave it back when it ended (held, deleted).
    assert amounts == [-1, -1, 1, 1]
    assert requests.delete(url, headers=bearer(org["author"]), timeout=30).status_code == 404


def test_after_15_minutes_a_comment_can_no_longer_be_changed(stack, org):
    made = post(stack, org["author"], "十五分钟前的评论").json()
    Comment("a1", made["id"]).update(actions=[Comment.created_at.set(clock.now() - 15 * 60 - 1)])
    url = f"{stack.url}/api/articles/a1/comments/{made['id']}"
    for r in (
        requests.put(url, json={"text": "太晚了改不了"}, headers=bearer(org["author"]), timeout=30),
        requests.delete(url, headers=bearer(org["author"]), timeout=30),
    ):
        assert r.status_code == 403 and "超过 15 分钟" in r.json()["Message"]
    assert listing(stack)["items"][0]["text"] == "十五分钟前的评论"
    assert listing(stack, org["author"])["items"][0]["editable_until"] is None


def test_reviewers_hide_restore_and_feature_in_their_scope_and_decisions_are_kept(stack, org):
    first = post(stack, org["author"], "第一条普通评论").json()
    best = post(stack, org["author"], "写得很好的一条评论").json()
    post(stack, org["other"], "另一个支部的评论")
    # The list tells a reviewer which comments she may moderate.
    seen = {c["id"]: c["can_moderate"] for c in listing(stack, org["sec1"])["items"]}
    assert seen[first["id"]] and seen[best["id"]] and list(seen.values()).count(False) == 1
    r = moderate(stack, org["sec2"], first, "hide")
    assert r.status_code == 403 and "管理范围" in r.json()["Message"]
    assert (
        moderate(stack, org["sec1"], first, "hide", "与学习内容无关").json()["status"] == "hidden"
    )
    assert listing(stack)["count"] == 2
    assert moderate(stack, org["sec1"], first, "hide").status_code == 409
    r = requests.put(
        f"{stack.url}/api/articles/a1/comments/{first['id']}",
        json={"text": "被隐藏后还想改"},
        headers=bearer(org["author"]),
        timeout=30,
    )
    assert r.status_code == 409
    assert moderate(stack, org["sec1"], first, "restore").json()["status"] == "visible"
    assert moderate(stack, org["sec1"], best, "feature").json()["featured"] is True
    page = listing(stack)
    assert [c["id"] for c in page["featured"]] == [best["id"]]
    assert best["id"] not in [c["id"] for c in page["items"]] and page["count"] == 3
    history = requests.get(
        f"{stack.url}/api/articles/a1/comments/{first['id']}/decisions",
        headers=bearer(org["sec1"]),
        timeout=30,
    ).json()["items"]
    assert [(h["action"], h["reviewer"]) for h in history] == [
        ("restore", "60000003"),
        ("hide", "60000003"),
    ]
    assert history[1]["reason"] == "与学习内容无关"
    assert len(list(CommentDecision.scan())) == 3
    # Hiding reversed the point; restoring does not give it again (a comment is awarded once).
    assert sorted(e.amount for e in points_figures.ledger("60000001")) == [-1, 1, 1]
    recent = requests.get(
        f"{stack.url}/api/moderation/comments?queue=recent", headers=bearer(org["sec1"]), timeout=30
    ).json()["items"]
    assert {c["id"] for c in recent} == {first["id"], best["id"]}


def test_pages_are_newest_first_with_an_opaque_cursor(stack, org):
    members = [make_member(f"6100{i:04d}", "B1", password=None) for i in range(13)]
    made = []
    for i in range(25):
        made.append(post(stack, members[i // 2], f"第 {i:02d} 条评论内容").json()["id"])
    first = listing(stack)
    assert first["count"] == 25 and len(first["items"]) == 20 and first["next"]
    second = listing(stack, cursor=first["next"])
    ids = [c["id"] for c in first["items"] + second["items"]]
    assert ids == list(reversed(made))
    import base64
    import json

    forged = [
        {"slug": {"S": "a1"}, "comment_id": {"S": ""}},  # an empty key DynamoDB would refuse
        {"slug": {"S": "a1"}, "comment_id": {"S": "x", "N": "1"}},
    ]
    cursors = ["bm9wZQ", base64.urlsafe_b64encode(b"[" * 3000).decode()]
    cursors += [base64.urlsafe_b64encode(json.dumps(k).encode()).decode() for k in forged]
    for cursor in cursors:
        r = requests.get(
            f"{stack.url}/api/articles/a1/comments", params={"cursor": cursor}, timeout=30
        )
        assert r.status_code == 400 and "cursor" in r.json()["Message"], cursor


@pytest.fixture
def pre_moderation(monkeypatch):
    monkeypatch.setenv("COMMENT_MODERATION", "pre")
    settings.reset_for_tests()
    yield
    monkeypatch.delenv("COMMENT_MODERATION")
    settings.reset_for_tests()


def test_pre_moderation_holds_every_comment_until_a_reviewer_approves(org, pre_moderation):
    made = comments.post(org["author"], "a1", "先审后发的评论", rid())
    assert made["status"] == "pending" and made["award"] is None
    assert comments.list_for("a1", None)["items"] == []
    assert comments.list_for("a1", org["author"])["items"][0]["status_label"] == "审核中"
    (queued,) = comments.queue(org["sec1"])["items"]
    assert queued["reason"] == "先审后发"
    decided = comments.decide(org["sec1"], "a1", made["id"], "approve")
    assert decided["status"] == "visible"
    stream_poller.drain()
    assert comments.list_for("a1", None)["count"] == 1
    assert [e.rule for e in points_figures.ledger("60000001")] == ["comment"]

"""支部家园 over HTTP on DynamoDB Local and the S3 stand-in: a post with a photo approved by the
branch secretary appears on the branch page and in the committee's feed; the gate (an edit keeps
the approved version shown until it is approved itself; a decision on a stale hash is refused;
two reviewers at once make one decision; a pending photo gets no link for readers); rejection
with a reason the author reads; withdraw and takedown; scope (who posts, reads, reviews; unknown
ids answered like forbidden ones); retries and parallel identical posts make one post; a failure
between keeping the photos and writing the post completed by the retry; cursors; bad input
refused in Chinese with nothing written."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from chalicelib import branch_posts, uploads
from chalicelib.models import Member, OrgUnit
from chalicelib.models.branch_posts import BranchPost
from tools.fixtures import bearer, make_member, make_tree, rid

pytestmark = pytest.mark.usefixtures("clean_tables", "s3")

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x02" * 2000


@pytest.fixture
def org(stack):
    uploads.reset_for_tests()
    make_tree()  # C1 → G1 → B1, B2; C1 → B3
    # Another committee: its members do not read C1's branches.
    OrgUnit("C9", name="另一党委", kind="committee", path=["C9"], path_kinds=["committee"]).save()
    OrgUnit(
        "B9",
        name="另一支部",
        kind="branch",
        parent_id="C9",
        path=["C9", "B9"],
        path_kinds=["committee", "branch"],
    ).save()
    return {
        "sec1": make_member("81000001", "B1", name="一支书记", roles=("branch_secretary",)),
        "com1": make_member("81000002", "B1", name="一支委员", roles=("branch_committee",)),
        "a": make_member("81000003", "B1", name="王芳"),
        "b": make_member("81000004", "B1", name="李强"),
        "sec2": make_member("82000001", "B2", name="二支书记", roles=("branch_secretary",)),
        "m2": make_member("82000002", "B2", name="赵敏"),
        "g1": make_member("82000003", "B2", name="总支委员", roles=("general_branch_committee",)),
        "m3": make_member("83000001", "B3", name="钱进"),
        "far": make_member("89000001", "B9", name="孙远"),
    }


def call(stack, method: str, path: str, member=None, **kw) -> requests.Response:
    headers = bearer(member) if member else {}
    return requests.request(method, f"{stack.url}/api{path}", headers=headers, timeout=60, **kw)


def ok(r: requests.Response, status: int = 200) -> dict:
    assert r.status_code == status, r.text
    return r.json()


def refused(r: requests.Response, status: int, text: str = "") -> None:
    assert r.status_code == status, r.text
    assert text in r.json()["Message"], r.json()


def upload(stack, who, data: bytes = JPEG) -> str:
    form = ok(
        call(stack, "POST", "/branch-post-uploads", who,
             json={"name": "活动.jpg", "content_type": "image/jpeg", "size": len(data)})
    )  # fmt: skip
    sent = requests.post(
        form["url"], data=form["fields"], files={"file": ("活动.jpg", data, "image/jpeg")},
        timeout=30,
    )  # fmt: skip
    assert sent.status_code == 204, sent.text
    return form["key"]


def post(stack, who, text: str = "今天支部开展了学习活动。", photos=(), key: str | None = None):
    body = {"text": text, "photos": list(photos), "request_key": key or rid()}
    return call(stack, "POST", "/branch-posts", who, json=body)


def decide(stack, who, pid: str, h: str, decision: str = "approve", reason: str | None = None):
    body = {"decision": decision, "hash": h}
    if reason is not None:
        body["reason"] = reason
    return call(stack, "POST", f"/branch-posts/{pid}/decision", who, json=body)


def page(stack, who, unit: str = "B1") -> dict:
    return ok(call(stack, "GET", f"/branch-posts?unit={unit}", who))


def posts_now() -> list[BranchPost]:
    return list(BranchPost.scan(consistent_read=True))


def test_post_with_photo_approved_appears_on_branch_page_and_feed(stack, org):
    key = upload(stack, org["a"])
    made = ok(post(stack, org["a"], photos=[key]), 201)
    pid, h = made["id"], made["latest"]["hash"]
    assert made["shown"] is False and made["latest"]["state"] == "pending"
    # The author sees her pending photo; readers see nothing of it yet.
    assert requests.get(made["latest"]["photos"][0]["url"], timeout=10).content == JPEG
    assert page(stack, org["b"])["items"] == []
    refused(call(stack, "GET", f"/branch-posts/{pid}", org["b"]), 403, "无权查看")
    queued = ok(call(stack, "GET", "/branch-post-queue", org["sec1"]))["items"]
    assert [q["id"] for q in queued] == [pid]
    assert queued[0]["latest"]["photos"][0]["url"]  # the reviewer sees the photo

    done = ok(decide(stack, org["sec1"], pid, h))
    assert done["shown"] and done["latest"]["state"] == "approved"
    shown = page(stack, org["b"])["items"]
    assert [p["id"] for p in shown] == [pid]
    assert shown[0]["text"] == "今天支部开展了学习活动。"
    assert requests.get(shown[0]["photos"][0]["url"], timeout=10).content == JPEG
    assert "latest" not in shown[0]  # readers never get the version fields
    # The whole committee's feed (another branch's member), and the page of a sibling branch.
    assert [p["id"] for p in ok(call(stack, "GET", "/branch-feed", org["m2"]))["items"]] == [pid]
    assert [p["id"] for p in page(stack, org["m3"])["items"]] == [pid]
    assert ok(call(stack, "GET", "/branch-post-queue", org["sec1"]))["items"] == []
    # Another committee reads neither the page nor the post, nor sees it in its feed.
    refused(call(stack, "GET", "/branch-posts?unit=B1", org["far"]), 403)
    refused(call(stack, "GET", f"/branch-posts/{pid}", org["far"]), 403, "无权查看")
    assert ok(call(stack, "GET", "/branch-feed", org["far"]))["items"] == []


def test_an_edit_keeps_the_approved_version_shown_until_approved(stack, org):
    first_photo = upload(stack, org["a"])
    made = ok(post(stack, org["a"], "第一版内容", photos=[first_photo]), 201)
    pid, h1 = made["id"], made["latest"]["hash"]
    ok(decide(stack, org["sec1"], pid, h1))
    kept = made["latest"]["photos"][0]["key"]

    new_photo = upload(stack, org["a"])
    body = {"text": "第二版内容", "photos": [kept, new_photo]}
    edited = ok(call(stack, "PUT", f"/branch-posts/{pid}", org["a"], json=body))
    h2 = edited["latest"]["hash"]
    assert h2 != h1 and edited["latest"]["state"] == "pending"
    # Readers: exactly the approved version, and no link to the new photo anywhere.
    for reader in (org["b"], org["m2"]):
        for got in (
            page(stack, reader)["items"][0],
            ok(call(stack, "GET", "/branch-feed", reader))["items"][0],
            ok(call(stack, "GET", f"/branch-posts/{pid}", reader)),
        ):
            assert got["text"] == "第一版内容"
            assert len(got["photos"]) == 1 and f"/{kept}?" in got["photos"][0]["url"]
            new_kept = edited["latest"]["photos"][1]["key"]
            assert "第二版内容" not in str(got) and new_kept not in str(got)
    # A decision on the old hash is refused and changes nothing.
    refused(decide(stack, org["sec1"], pid, h1), 409, "内容已更新")
    assert page(stack, org["b"])["items"][0]["text"] == "第一版内容"
    # The author edits again while pending: a decision on h2 is now stale too.
    again = ok(call(stack, "PUT", f"/branch-posts/{pid}", org["a"], json={"text": "第三版内容"}))
    refused(decide(stack, org["sec1"], pid, h2), 409, "内容已更新")
    ok(decide(stack, org["com1"], pid, again["latest"]["hash"]))  # 支部委员 reviews too
    got = page(stack, org["b"])["items"][0]
    assert got["text"] == "第三版内容" and got["photos"] == [] and got["edited"]
    # Same content again: nothing new to review.
    same = ok(call(stack, "PUT", f"/branch-posts/{pid}", org["a"], json={"text": "第三版内容"}))
    assert same["latest"]["state"] == "approved"


def test_two_reviewers_at_once_make_one_decision(stack, org):
    made = ok(post(stack, org["a"]), 201)
    pid, h = made["id"], made["latest"]["hash"]
    with ThreadPoolExecutor(4) as pool:
        answers = list(
            pool.map(
                lambda w: decide(stack, w[0], pid, h, w[1], "不符合" if w[1] == "reject" else None),
                [(org["sec1"], "approve"), (org["g1"], "reject"), (org["com1"], "approve"),
                 (org["sec1"], "approve")],
            )
        )  # fmt: skip
    codes = sorted(r.status_code for r in answers)
    assert codes.count(409) >= 2, codes
    stored = BranchPost.get(pid, consistent_read=True)
    decisions = [s.act for s in stored.steps if s.act in {"approve", "reject"}]
    assert len(decisions) == 1


def test_rejection_reason_reaches_the_author_and_bad_decisions_change_nothing(stack, org):
    made = ok(post(stack, org["a"]), 201)
    pid, h = made["id"], made["latest"]["hash"]
    refused(decide(stack, org["sec1"], pid, h, "reject"), 400, "理由")
    refused(decide(stack, org["sec1"], pid, h, "maybe"), 400, "approve 或 reject")
    refused(decide(stack, org["sec1"], pid, "x" * 64), 400, "版本")
    # Out of scope: another branch's secretary, a plain member, the author herself.
    for who in (org["sec2"], org["b"], org["a"]):
        refused(decide(stack, who, pid, h), 403, "审核范围")
    assert BranchPost.get(pid, consistent_read=True).version_state == "pending"
    ok(decide(stack, org["sec1"], pid, h, "reject", "照片与活动无关"))
    mine = ok(call(stack, "GET", "/me/branch-posts", org["a"]))["items"]
    assert mine[0]["reason"] == "照片与活动无关" and mine[0]["latest"]["state"] == "rejected"
    assert page(stack, org["b"])["items"] == []
    refused(decide(stack, org["sec1"], pid, h), 409, "已审核")
    # Edited after the rejection: a new version to review.
    again = ok(call(stack, "PUT", f"/branch-posts/{pid}", org["a"], json={"text": "修改后的内容"}))
    assert again["latest"]["state"] == "pending" and again["reason"] is None


def test_withdraw_and_takedown(stack, org):
    one = ok(post(stack, org["a"], "要撤回的动态"), 201)
    two = ok(post(stack, org["a"], "要下架的动态"), 201)
    for made in (one, two):
        ok(decide(stack, org["sec1"], made["id"], made["latest"]["hash"]))
    assert len(page(stack, org["b"])["items"]) == 2
    refused(call(stack, "POST", f"/branch-posts/{one['id']}/withdraw", org["b"]), 403)
    ok(call(stack, "POST", f"/branch-posts/{one['id']}/withdraw", org["a"]))
    ok(call(stack, "POST", f"/branch-posts/{one['id']}/withdraw", org["a"]))  # a retry
    down = f"/branch-posts/{two['id']}/takedown"
    refused(call(stack, "POST", down, org["sec1"], json={"reason": " "}), 400, "理由")
    refused(call(stack, "POST", down, org["m2"], json={"reason": "不当"}), 403)
    ok(call(stack, "POST", down, org["g1"], json={"reason": "涉及个人隐私"}))
    assert page(stack, org["b"])["items"] == []
    assert ok(call(stack, "GET", "/branch-feed", org["m2"]))["items"] == []
    refused(call(stack, "GET", f"/branch-posts/{two['id']}", org["b"]), 403)
    mine = {p["id"]: p for p in ok(call(stack, "GET", "/me/branch-posts", org["a"]))["items"]}
    assert mine[two["id"]]["reason"] == "涉及个人隐私"
    assert mine[two["id"]]["state_label"] == "已下架"
    refused(call(stack, "PUT", f"/branch-posts/{two['id']}", org["a"], json={"text": "再改"}), 409)


def test_who_posts_and_unknown_ids(stack, org):
    refused(call(stack, "POST", "/branch-posts", org["m2"],
                 json={"text": "替一支部发", "branch_id": "B1", "request_key": rid()}),
            403, "本支部党员")  # fmt: skip
    assert posts_now() == []
    made = ok(post(stack, org["a"]), 201)
    # A pending post of someone else and an id that does not exist: the same answer.
    pending = call(stack, "GET", f"/branch-posts/{made['id']}", org["b"])
    unknown = call(stack, "GET", f"/branch-posts/{'0' * 32}", org["b"])
    junk = call(stack, "GET", "/branch-posts/not-an-id", org["b"])
    assert pending.status_code == unknown.status_code == junk.status_code == 403
    assert pending.json() == unknown.json() == junk.json()
    refused(call(stack, "GET", "/branch-posts?unit=NOPE", org["b"]), 403)
    refused(call(stack, "GET", "/branch-posts?unit=G1", org["b"]), 403)
    refused(call(stack, "GET", "/branch-post-queue", org["b"]), 403, "审核")
    # 总支 staff review their branches; another branch's secretary does not see B1's queue.
    assert [q["id"] for q in ok(call(stack, "GET", "/branch-post-queue", org["g1"]))["items"]] == [
        made["id"]
    ]
    assert ok(call(stack, "GET", "/branch-post-queue", org["sec2"]))["items"] == []


def test_retries_and_parallel_identical_posts_make_one_post(stack, org):
    key = rid()
    photo = upload(stack, org["a"])
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: post(stack, org["a"], photos=[photo], key=key), range(4)))
    assert sorted(r.status_code for r in answers) == [200, 200, 200, 201], [r.text for r in answers]
    assert len({r.json()["id"] for r in answers}) == 1
    assert len(posts_now()) == 1
    assert post(stack, org["a"], key=key).status_code == 200
    assert len(posts_now()) == 1


def test_failure_between_keeping_photos_and_writing_the_post(stack, org, fails_once):
    """The process dies after the photo was kept, before the post was written: nothing shows,
    and the phone's retry (same request key) makes the post, once."""
    photo = upload(stack, org["a"])
    member = Member.get(org["a"].member_no)
    calls = fails_once(BranchPost, "save", "Lambda stopped")
    body = {"text": "断网重试的动态", "photos": [photo], "request_key": rid()}
    with pytest.raises(RuntimeError):
        branch_posts.create(member, dict(body))
    assert posts_now() == []
    answer, created = branch_posts.create(member, dict(body))
    assert created and calls["n"] == 2
    kept = answer["latest"]["photos"][0]["key"]
    assert kept.startswith("posts/") and org["a"].member_no not in kept
    assert requests.get(answer["latest"]["photos"][0]["url"], timeout=10).content == JPEG
    assert len(posts_now()) == 1


def test_cursor_pages_of_the_branch_page_and_feed(stack, org):
    made = []
    for n in range(23):
        got = ok(post(stack, org["a"] if n % 2 else org["b"], f"第{n}条动态"), 201)
        ok(decide(stack, org["sec1"], got["id"], got["latest"]["hash"]))
        made.append(got["id"])
    first = page(stack, org["m2"])
    assert len(first["items"]) == 20 and first["next"]
    second = ok(call(stack, "GET", f"/branch-posts?unit=B1&cursor={first['next']}", org["m2"]))
    ids = [p["id"] for p in first["items"] + second["items"]]
    assert ids == list(reversed(made)) and not second["next"]
    feed = ok(call(stack, "GET", "/branch-feed", org["m3"]))
    more = ok(call(stack, "GET", f"/branch-feed?cursor={feed['next']}", org["m3"]))
    assert [p["id"] for p in feed["items"] + more["items"]] == list(reversed(made))
    # Another branch's cursor, or a forged one, is refused.
    refused(call(stack, "GET", f"/branch-posts?unit=B2&cursor={first['next']}", org["m2"]), 400)
    refused(call(stack, "GET", "/branch-feed?cursor=abc", org["m2"]), 400, "cursor")
    refused(call(stack, "GET", f"/branch-feed?cursor={feed['next']}", org["far"]), 400)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"text": "   ", "request_key": "k" * 16}, "1–500"),
        ({"text": "字" * 501, "request_key": "k" * 16}, "1–500"),
        ({"text": 5, "request_key": "k" * 16}, "字符串"),
        ({"text": "好", "request_key": "k" * 16, "extra": 1}, "不支持的字段"),
        ({"text": "好", "request_key": "短"}, "请求编号"),
        ({"text": "好"}, "缺少字段"),
        ({"text": "好\x07", "request_key": "k" * 16}, "无效字符"),
        ({"text": "\u200b\u200b", "request_key": "k" * 16}, "不能为空"),
        ({"text": "好", "photos": "a.jpg", "request_key": "k" * 16}, "照片"),
        ({"text": "好", "photos": [1], "request_key": "k" * 16}, "照片"),
        ({"text": "好", "photos": ["x"] * 10, "request_key": "k" * 16}, "最多 9 张"),
        ({"text": "好", "photos": ["posts/a.jpg"], "request_key": "k" * 16}, "照片文件标识"),
        (
            {
                "text": "好",
                "photos": ["incoming/meetings/" + "a" * 32 + ".jpg"],
                "request_key": "k" * 16,
            },
            "照片文件标识",
        ),
        (
            {
                "text": "好",
                "photos": ["incoming/posts/81000003/" + "a" * 32 + ".jpg"],
                "request_key": "k" * 16,
            },
            "文件不存在",
        ),
    ],
)
def test_bad_input_is_refused_and_nothing_written(stack, org, body, message):
    r = call(stack, "POST", "/branch-posts", org["a"], json=body)
    assert 400 <= r.status_code < 500, r.text
    assert message in r.json()["Message"], r.json()
    assert posts_now() == []


def test_bad_uploads_and_huge_bodies(stack, org):
    up = "/branch-post-uploads"
    theirs = upload(stack, org["b"])  # another member's upload key is of no use to her
    refused(post(stack, org["a"], photos=[theirs]), 400, "照片文件标识")
    refused(call(stack, "POST", up, org["a"],
                 json={"name": "a.gif", "content_type": "image/gif", "size": 10}), 415)  # fmt: skip
    refused(call(stack, "POST", up, org["a"],
                 json={"name": "a.jpg", "content_type": "image/jpeg", "size": 11 * 2**20}),
            413)  # fmt: skip
    fake = upload(stack, org["a"], b"<html>not a photo</html>" * 10)
    refused(post(stack, org["a"], photos=[fake]), 415, "格式")
    big = call(stack, "POST", "/branch-posts", org["a"],
               data=b'{"text":"' + b"a" * 300_000 + b'"}')  # fmt: skip
    assert big.status_code in (400, 413), big.text
    assert posts_now() == []


def test_sensitive_words_are_shown_to_the_reviewer(stack, org):
    made = ok(post(stack, org["a"], "周末一起去赌 博吧"), 201)
    queued = ok(call(stack, "GET", "/branch-post-queue", org["sec1"]))["items"][0]
    assert queued["id"] == made["id"] and queued["latest"]["hits"]


def test_no_one_reviews_her_own_post_and_edits_are_bounded(stack, org):
    made = ok(post(stack, org["sec1"], "书记发布的动态"), 201)
    refused(decide(stack, org["sec1"], made["id"], made["latest"]["hash"]), 403, "自己发布")
    [queued] = ok(call(stack, "GET", "/branch-post-queue", org["sec1"]))["items"]
    assert queued["own"] is True
    assert ok(call(stack, "GET", "/branch-post-queue", org["com1"]))["items"][0]["own"] is False
    ok(decide(stack, org["com1"], made["id"], made["latest"]["hash"]))
    BranchPost(made["id"]).update(actions=[BranchPost.version.set(branch_posts.MAX_VERSIONS)])
    path = f"/branch-posts/{made['id']}"
    refused(call(stack, "PUT", path, org["sec1"], json={"text": "再改一次"}), 409, "最多修改")


def test_parallel_identical_edits_make_one_version(stack, org):
    made = ok(post(stack, org["a"], "原来的内容"), 201)
    ok(decide(stack, org["sec1"], made["id"], made["latest"]["hash"]))
    photo = upload(stack, org["a"])
    body = {"text": "修改后的内容", "photos": [photo]}
    path = f"/branch-posts/{made['id']}"
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: call(stack, "PUT", path, org["a"], json=body), range(4)))
    assert [r.status_code for r in answers] == [200] * 4, [r.text for r in answers]
    stored = BranchPost.get(made["id"], consistent_read=True)
    assert stored.version == 2 and [s.act for s in stored.steps].count("edit") == 1
    assert len(stored.photos) == 1 and stored.photos[0].startswith("posts/")
    assert page(stack, org["b"])["items"][0]["text"] == "原来的内容"


def test_a_refused_photo_keeps_none_of_the_others(stack, org):
    def kept_now() -> set[str]:
        listed = uploads.s3().list_objects_v2(Bucket=uploads.get_settings().uploads_bucket)
        return {o["Key"] for o in listed.get("Contents", []) if o["Key"].startswith("posts/")}

    good = upload(stack, org["a"])
    bad = upload(stack, org["a"], b"GIF89a" + b"\x00" * 100)
    before = kept_now()
    refused(post(stack, org["a"], photos=[good, bad]), 415)
    assert posts_now() == []
    assert kept_now() == before


def test_after_moving_branch_she_may_withdraw_but_not_edit(stack, org):
    made = ok(post(stack, org["a"], "调动前发布的动态"), 201)
    org["a"].update(actions=[Member.branch_id.set("B2")])
    moved = Member.get(org["a"].member_no)
    path = f"/branch-posts/{made['id']}"
    refused(call(stack, "PUT", path, moved, json={"text": "调动后修改"}), 403, "不是该支部党员")
    body = {"text": "发到原支部", "branch_id": "B1", "request_key": rid()}
    refused(call(stack, "POST", "/branch-posts", moved, json=body), 403, "本支部党员")
    ok(call(stack, "POST", f"{path}/withdraw", moved))


EVIL = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x66" * 3000


def test_a_reused_upload_form_never_changes_an_approved_photo(stack, org):
    """A pre-signed form stays valid for its 15 minutes: posting other bytes with it again and
    naming the same upload key (in an edit, in a new post) makes a new object under a new name
    that needs its own review; the approved photo's object is never overwritten."""
    wanted = {"name": "a.jpg", "content_type": "image/jpeg", "size": len(JPEG)}
    form = ok(call(stack, "POST", "/branch-post-uploads", org["a"], json=wanted))

    def send(data: bytes) -> None:
        files = {"file": ("a.jpg", data, "image/jpeg")}
        assert requests.post(form["url"], data=form["fields"], files=files, timeout=30).ok

    send(JPEG)
    made = ok(post(stack, org["a"], photos=[form["key"]]), 201)
    approved = made["latest"]["photos"][0]["key"]
    ok(decide(stack, org["sec1"], made["id"], made["latest"]["hash"]))
    send(EVIL)
    again = ok(post(stack, org["a"], "另一条，待审核", photos=[form["key"]]), 201)
    send(EVIL)
    path = f"/branch-posts/{made['id']}"
    edited = ok(
        call(stack, "PUT", path, org["a"], json={"text": "改过的", "photos": [form["key"]]})
    )
    fresh = {again["latest"]["photos"][0]["key"], edited["latest"]["photos"][0]["key"]}
    assert approved not in fresh and len(fresh) == 2
    assert (
        edited["latest"]["state"] == "pending"
        and edited["latest"]["hash"] != made["latest"]["hash"]
    )
    shown = page(stack, org["b"])["items"]
    assert [p["id"] for p in shown] == [made["id"]] and shown[0]["text"] == made["latest"]["text"]
    assert requests.get(shown[0]["photos"][0]["url"], timeout=10).content == JPEG
    # The reviewer approves what she sees: the new bytes under their own key.
    queued = ok(call(stack, "GET", "/branch-post-queue", org["sec1"]))["items"]
    for q in queued:
        assert requests.get(q["latest"]["photos"][0]["url"], timeout=10).content == EVIL
    # Each upload is deleted once kept: naming it again finds nothing.
    refused(post(stack, org["a"], "再发一次", photos=[form["key"]]), 404)


def test_readers_never_learn_the_authors_member_number(stack, org):
    """Readers get a photo's signed link only: neither it nor anything else in the answer
    carries the author's member number (kept keys are "posts/<random>"); the author and the
    reviewers still get the keys (an edit names the photos it keeps by them)."""
    made = ok(post(stack, org["a"], photos=[upload(stack, org["a"])]), 201)
    ok(decide(stack, org["sec1"], made["id"], made["latest"]["hash"]))
    number = org["a"].member_no
    for reader in ("b", "m2", "m3"):
        answers = [
            page(stack, org[reader]),
            ok(call(stack, "GET", "/branch-feed", org[reader])),
            ok(call(stack, "GET", f"/branch-posts/{made['id']}", org[reader])),
        ]
        for got in answers:
            assert number not in str(got), (reader, got)
            item = got["items"][0] if "items" in got else got
            assert list(item["photos"][0]) == ["url"]
    for insider in ("a", "sec1"):
        got = ok(call(stack, "GET", f"/branch-posts/{made['id']}", org[insider]))
        assert got["photos"][0]["key"].startswith("posts/") and number not in str(got["photos"])

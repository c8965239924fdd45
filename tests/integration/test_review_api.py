"""The review API over HTTP: scope (403 outside), version binding (409), decisions kept."""

from __future__ import annotations

import json
import re

import pytest
import requests

from chalicelib import review
from chalicelib.models import PublishedVersion, ReviewDecision, ReviewItem
from tools import review_store
from tools.fixtures import PASSWORD, REVIEW_TEXT, make_member, make_tree, submit_for_review

pytestmark = pytest.mark.usefixtures("clean_tables")

UNITS: dict = {}  # the tree made for the current test
TEXT = REVIEW_TEXT


def submit(
    slug: str, branch: str, body: str = "正文。", text: str | None = None, files: dict | None = None
) -> review_store.Submission:
    return submit_for_review(slug, UNITS[branch], body=body, text=text, files=files)


@pytest.fixture
def org():
    UNITS.clear()
    UNITS.update(make_tree())
    make_member("50000001", "B1", name="甲书记", roles=("branch_secretary",))
    make_member("50000002", "B2", name="乙书记", roles=("branch_secretary",))
    make_member("50000003", "B3", name="丙委员", roles=("party_committee",))
    make_member("50000004", "B1", name="丁党员")
    make_member("50000005", "B1", name="戊委员", roles=("branch_committee",))


@pytest.fixture
def api(stack, org):
    url = f"{stack.url}/api"

    def call(member_no: str, method: str, path: str, body: object | None = None):
        login = requests.post(
            f"{url}/auth/login", json={"member_no": member_no, "password": PASSWORD}, timeout=30
        )
        login.raise_for_status()
        token = login.json()["access_token"]
        return requests.request(
            method,
            url + path,
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )

    return call


def item_path(sub: review_store.Submission) -> str:
    return f"/review/items/{sub.slug}/{sub.content_hash}"


def test_reviewers_see_only_their_scope(api) -> None:
    b1 = submit("b1-post", "B1")
    b2 = submit("b2-post", "B2")
    mine = api("50000001", "GET", "/review/items").json()["items"]
    assert [i["slug"] for i in mine] == ["b1-post"]
    assert mine[0]["hash"] == b1.content_hash
    committee = api("50000003", "GET", "/review/items").json()["items"]
    assert {i["slug"] for i in committee} == {"b1-post", "b2-post"}
    # Outside the scope: reading, approving and returning are all refused.
    for method, suffix, body in (
        ("GET", "", None),
        ("POST", "/approve", None),
        ("POST", "/return", {"reason": "不行"}),
    ):
        r = api("50000001", method, item_path(b2) + suffix, body)
        assert r.status_code == 403, (method, suffix, r.text)
    # Members and read-only committee members review nothing.
    for member_no in ("50000004", "50000005"):
        r = api(member_no, "GET", "/review/items")
        assert r.status_code == 403
        assert r.json()["Message"]
    assert api("50000005", "POST", item_path(b1) + "/approve").status_code == 403
    assert ReviewItem.get("b2-post", b2.content_hash).state == review.PENDING
    assert not list(PublishedVersion.scan())


def test_approve_publishes_exactly_that_hash_and_keeps_the_decision(api) -> None:
    sub = submit("b1-post", "B1")
    detail = api("50000001", "GET", item_path(sub)).json()
    assert detail["preview_html"] == "<p>正文。</p>"
    assert detail["body"] == "正文。"
    r = api("50000001", "POST", item_path(sub) + "/approve")
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "approved"
    # A retried request gets the same answer and writes nothing more.
    assert api("50000001", "POST", item_path(sub) + "/approve").status_code == 200
    published = PublishedVersion.get("b1-post")
    assert published.content_hash == sub.content_hash
    assert published.source_text == sub.source_text
    decisions = list(ReviewDecision.query("b1-post"))
    assert len(decisions) == 1
    assert (decisions[0].reviewer, decisions[0].decision) == ("50000001", "approved")
    assert decisions[0].content_hash == sub.content_hash
    assert api("50000001", "GET", "/review/items").json()["items"] == []
    # Another reviewer cannot decide it again.
    assert api("50000003", "POST", item_path(sub) + "/return", {"reason": "x"}).status_code == 409


def test_an_edit_supersedes_the_version_under_review(api) -> None:
    old = submit("b1-post", "B1", "初稿。")
    new = submit("b1-post", "B1", "修改稿。")
    r = api("50000001", "POST", item_path(old) + "/approve")
    assert r.status_code == 409
    assert "内容已更新" in r.json()["Message"]
    assert ReviewItem.get("b1-post", old.content_hash).state == review.SUPERSEDED
    listed = api("50000001", "GET", "/review/items").json()["items"]
    assert [i["hash"] for i in listed] == [new.content_hash]
    with pytest.raises(PublishedVersion.DoesNotExist):
        PublishedVersion.get("b1-post")


def test_an_older_version_approved_late_never_replaces_a_newer_one(api) -> None:
    """Should superseding ever fail, the older version stays pending: approving it after the
    newer one was approved must not put the older text back online."""
    old = submit("b1-post", "B1", "初稿。")
    new = submit("b1-post", "B1", "修改稿。")
    ReviewItem.get("b1-post", old.content_hash).update(  # as if superseding had failed
        actions=[ReviewItem.state.set(review.PENDING)]
    )
    assert api("50000001", "POST", item_path(new) + "/approve").status_code == 200
    late = api("50000001", "POST", item_path(old) + "/approve")
    assert late.status_code == 409 and "更新的版本" in late.json()["Message"]
    assert PublishedVersion.get("b1-post").content_hash == new.content_hash


def test_return_needs_a_reason_and_is_recorded(api) -> None:
    sub = submit("b1-post", "B1")
    r = api("50000003", "POST", item_path(sub) + "/return", {"reason": "  "})
    assert r.status_code == 400
    r = api("50000003", "POST", item_path(sub) + "/return", {})
    assert r.status_code == 400
    r = api("50000003", "POST", item_path(sub) + "/return", {"reason": "第二段数据需核实"})
    assert r.status_code == 200, r.text
    item = ReviewItem.get("b1-post", sub.content_hash)
    assert (item.state, item.reason, item.decided_by) == (
        "returned",
        "第二段数据需核实",
        "50000003",
    )
    history = api("50000003", "GET", item_path(sub)).json()["history"]
    assert history[0]["decision"] == "returned"
    assert history[0]["reason"] == "第二段数据需核实"
    assert history[0]["reviewer_name"] == "丙委员"
    with pytest.raises(PublishedVersion.DoesNotExist):
        PublishedVersion.get("b1-post")


def test_unknown_versions_are_404_and_need_login(api, stack) -> None:
    sub = submit("b1-post", "B1")
    assert api("50000001", "GET", f"/review/items/b1-post/{'0' * 64}").status_code == 404
    assert api("50000001", "GET", "/review/items/../x").status_code in (403, 404)
    r = requests.post(f"{stack.url}/api{item_path(sub)}/approve", timeout=30)
    assert r.status_code == 401


# What a reviewer's screen may show: no unit id, no file path, no content hash.
UNIT_ID = re.compile(r"\b(?:B[0-9]|C[0-9]|G[0-9])\b")
HASHLIKE = re.compile(r"[0-9a-f]{8,}")
PATHLIKE = re.compile(r"\b(?:articles|images|content)/|\.(?:md|jpg|png|svg)\b")
SHOWN_KEYS = ("title", "category", "unit_name", "fields", "body", "changes")


def _shown(detail: dict) -> str:
    return json.dumps({k: detail.get(k) for k in SHOWN_KEYS}, ensure_ascii=False)


def test_the_reviewer_reads_unit_names_fields_and_no_internals(api) -> None:
    text = (
        "Title: 先进事迹\nDate: 2026-03-02 09:00\nCategory: 先进风采\nSource: 党委宣传部\n"
        "Branch: B1\nUnit: B2\nExemplar: individual\nPhoto: {static}/images/xianjin/li.jpg\n"
        "Slug: li-shiji\n\n第一段。\n"
    )
    sub = submit("li-shiji", "B1", text=text, files={"images/xianjin/li.jpg": "a" * 64})
    listed = api("50000001", "GET", "/review/items").json()["items"]
    assert listed[0]["unit_name"] == "第一党支部"
    detail = api("50000001", "GET", item_path(sub)).json()
    assert detail["unit_name"] == "第一党支部"
    fields = {f["label"]: f["value"] for f in detail["fields"]}
    assert fields == {
        "发布日期": "2026-03-02 09:00",
        "来源": "党委宣传部",
        "相关单位": "第二党支部",
        "先进类型": "个人",
        "照片": "见下方预览",
    }
    assert detail["changes"] is None  # nothing of it is published yet
    assert "source_path" not in detail and "source_text" not in detail
    shown = _shown(detail)
    assert not UNIT_ID.search(shown), shown
    assert not HASHLIKE.search(shown), shown
    assert not PATHLIKE.search(shown), shown


def test_an_edit_of_a_published_article_shows_what_changes_in_words(api) -> None:
    paragraphs = [f"第{i}段没有改。" for i in range(1, 7)]
    old_text = TEXT.format(slug="b1-post", branch="B1", body="\n\n".join(paragraphs))
    old = submit("b1-post", "B1", text=old_text)
    assert api("50000001", "POST", item_path(old) + "/approve").status_code == 200
    edited = [*paragraphs[:3], "第4段改过了。", *paragraphs[4:], "新加的一段。"]
    new_text = old_text.replace("Branch: B1", "Branch: B2").replace(
        "\n\n".join(paragraphs), "\n\n".join(edited)
    )
    new = submit("b1-post", "B2", text=new_text, files={"images/a.jpg": "b" * 64})
    changes = api("50000003", "GET", item_path(new)).json()["changes"]
    assert changes["fields"] == [{"label": "作者单位", "old": "第一党支部", "new": "第二党支部"}]
    assert changes["files"] == [{"name": "a.jpg", "change": "新增"}]
    assert changes["body"] == [
        {"op": "skip", "count": 2},
        {"op": "same", "text": "第3段没有改。"},
        {"op": "del", "text": "第4段没有改。"},
        {"op": "add", "text": "第4段改过了。"},
        {"op": "same", "text": "第5段没有改。"},
        {"op": "same", "text": "第6段没有改。"},
        {"op": "add", "text": "新加的一段。"},
    ]
    history = api("50000003", "GET", item_path(new)).json()["history"]
    assert [h["this_version"] for h in history] == [False]

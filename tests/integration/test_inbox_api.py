"""The 消息 centre over HTTP: a member's own messages only, newest first with a cursor; the unread
count exact (and capped); marking read idempotent under parallel requests; 全部已读 bounded;
the kinds she mutes; clear Chinese errors, never a 5xx; and what the badge's count costs."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from chalicelib import inbox, outbox
from chalicelib.models import Message, NotifyPrefs
from tools.bench_routes import Routes
from tools.capacity import metered
from tools.fixtures import bearer, make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")

T0 = 1_790_000_000.0  # 2026-09-21


@pytest.fixture
def members(stack):
    make_tree()
    return {
        "a": make_member("79000001", "B1", name="甲", password=None),
        "b": make_member("79000002", "B1", name="乙", password=None),
    }


def put(member_no: str, n: int, kind: str = "system", at: float = T0, url: str = "/me.html"):
    """n messages to one member, one a minute from `at` (the last is the newest)."""
    ids = []
    for i in range(n):
        row = outbox.build(f"test:{kind}:{i}", kind, member_no, f"通知 {i}", f"正文 {i}", url,
                           created=at + 60 * i, channels=())  # fmt: skip
        row.save()
        ids.append(row.message_id)
    return ids


def call(stack, method: str, path: str, member=None, **kw) -> requests.Response:
    headers = bearer(member) if member else {}
    return requests.request(method, f"{stack.url}/api{path}", headers=headers, timeout=30, **kw)


def ok(r: requests.Response) -> dict:
    assert r.status_code == 200, r.text
    return r.json()


def unread(stack, member) -> int:
    return ok(call(stack, "GET", "/me/messages/unread", member))["unread"]


def test_her_messages_newest_first_a_page_at_a_time(stack, members):
    ids = put("79000001", 25)
    outbox.post("test:other", "dues_reminder", ["79000002"], "党费提醒", "请交党费。", "/me.html")
    first = ok(call(stack, "GET", "/me/messages", members["a"]))
    assert [m["id"] for m in first["items"]] == ids[::-1][: inbox.PAGE]
    newest = first["items"][0]
    assert newest == {
        "id": ids[-1],
        "kind": "system",
        "label": "系统消息",
        "title": "通知 24",
        "body": "正文 24",
        "url": "/me.html",
        "at": "2026-09-21T22:37:20+08:00",
        "read": False,
    }
    assert (first["unread"], first["more"]) == (25, False)
    second = ok(call(stack, "GET", "/me/messages", members["a"], params={"cursor": first["next"]}))
    assert [m["id"] for m in second["items"]] == ids[::-1][inbox.PAGE :]
    assert second["next"] is None and "unread" not in second
    # Her colleague sees only hers.
    other = ok(call(stack, "GET", "/me/messages", members["b"]))
    assert [m["label"] for m in other["items"]] == ["党费提醒"]


def test_a_cursor_is_checked(stack, members):
    put("79000001", 25)
    put("79000002", 25)
    cursor = ok(call(stack, "GET", "/me/messages", members["b"]))["next"]
    # Her colleague's cursor, or junk, is a 400 in Chinese, not her colleague's messages.
    for bad in (cursor, "x", "eyJ9", "A" * 3000):
        r = call(stack, "GET", "/me/messages", members["a"], params={"cursor": bad})
        assert r.status_code == 400, r.text
        assert r.json()["Message"] == "分页参数（cursor）无效"


def test_the_unread_count_is_exact_and_stops_at_99(stack, members):
    assert ok(call(stack, "GET", "/me/messages/unread", members["a"])) == {
        "unread": 0,
        "more": False,
    }
    ids = put("79000001", 101)
    put("79000002", 3)
    assert ok(call(stack, "GET", "/me/messages/unread", members["a"])) == {
        "unread": 99,
        "more": True,
    }
    assert unread(stack, members["b"]) == 3
    for mid in ids[:3]:
        ok(call(stack, "POST", f"/me/messages/{mid}/read", members["a"]))
    assert ok(call(stack, "GET", "/me/messages/unread", members["a"])) == {
        "unread": 98,
        "more": False,
    }


def test_marking_read_is_hers_only_and_idempotent(stack, members):
    [mine] = put("79000001", 1)
    [hers] = put("79000002", 1)
    # Her colleague's message id names no row of hers: 404, and the colleague's stays unread.
    r = call(stack, "POST", f"/me/messages/{hers}/read", members["a"])
    assert r.status_code == 404 and r.json()["Message"] == "消息不存在"
    assert Message.get("79000002", hers).unread_at is not None
    assert not list(Message.query("79000001", Message.message_id == hers))
    for bad in ("0" * 31, "G" * 32, "x", "%2e%2e"):
        r = call(stack, "POST", f"/me/messages/{bad}/read", members["a"])
        assert r.status_code == 404, (bad, r.text)
    done = ok(call(stack, "POST", f"/me/messages/{mine}/read", members["a"]))
    assert done == {"id": mine, "changed": True, "unread": 0, "more": False}
    again = ok(call(stack, "POST", f"/me/messages/{mine}/read", members["a"]))
    assert again == {"id": mine, "changed": False, "unread": 0, "more": False}
    row = Message.get("79000001", mine)
    assert row.unread_at is None and row.read_at
    listed = ok(call(stack, "GET", "/me/messages", members["a"]))["items"]
    assert listed[0]["read"] is True


def test_parallel_marks_of_one_message_count_once(stack, members):
    ids = put("79000001", 3)

    def mark(_: int) -> dict:
        return ok(call(stack, "POST", f"/me/messages/{ids[0]}/read", members["a"]))

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(mark, range(8)))
    assert sum(a["changed"] for a in answers) == 1
    assert unread(stack, members["a"]) == 2
    assert Message.unread.count("79000001", consistent_read=True) == 2


def test_read_all_is_bounded_idempotent_and_hers_only(stack, members):
    put("79000001", inbox.READ_ALL_LIMIT + 5)
    put("79000002", 2)
    first = ok(call(stack, "POST", "/me/messages/read-all", members["a"]))
    assert first == {"marked": inbox.READ_ALL_LIMIT, "unread": 5, "more": False}
    second = ok(call(stack, "POST", "/me/messages/read-all", members["a"]))
    assert second == {"marked": 5, "unread": 0, "more": False}
    third = ok(call(stack, "POST", "/me/messages/read-all", members["a"]))
    assert third == {"marked": 0, "unread": 0, "more": False}
    assert unread(stack, members["b"]) == 2


def test_parallel_read_all_marks_each_message_once(stack, members):
    put("79000001", 30)

    def read_all(_: int) -> dict:
        return ok(call(stack, "POST", "/me/messages/read-all", members["a"]))

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(read_all, range(4)))
    assert sum(a["marked"] for a in answers) == 30
    assert unread(stack, members["a"]) == 0


def test_settings_list_every_kind_and_keep_what_she_mutes(stack, members):
    got = ok(call(stack, "GET", "/me/message-settings", members["a"]))
    kinds = {k["kind"]: k for k in got["kinds"]}
    assert kinds["meeting_notice"] == {
        "kind": "meeting_notice",
        "label": "会议通知",
        "mutable": False,
        "muted": False,
        "why": inbox.IMMUTABLE_WHY,
    }
    assert kinds["dues_reminder"]["mutable"] and not kinds["dues_reminder"]["muted"]
    saved = ok(
        call(
            stack,
            "PUT",
            "/me/message-settings",
            members["a"],
            json={"muted": ["dues_reminder", "political_birthday", "dues_reminder"]},
        )
    )
    assert {k["kind"] for k in saved["kinds"] if k["muted"]} == {
        "dues_reminder",
        "political_birthday",
    }
    again = ok(call(stack, "GET", "/me/message-settings", members["a"]))
    assert again == saved
    assert NotifyPrefs.get("79000001").muted == {"dues_reminder", "political_birthday"}
    # Her colleague's are her own.
    other = ok(call(stack, "GET", "/me/message-settings", members["b"]))
    assert not any(k["muted"] for k in other["kinds"])
    # Unmuting everything.
    cleared = ok(call(stack, "PUT", "/me/message-settings", members["a"], json={"muted": []}))
    assert not any(k["muted"] for k in cleared["kinds"])
    assert not NotifyPrefs.get("79000001").muted


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"muted": ["dues_reminder", "meeting_notice"]}, "「会议通知」不能关闭"),
        ({"muted": ["no_such_kind"]}, "未知的消息类型：no_such_kind"),
        ({"muted": ["dues_reminder", 3]}, "须为字符串数组"),
        ({"muted": "dues_reminder"}, "须为数组"),
        ({"muted": ["dues_reminder"], "extra": 1}, "不支持的字段"),
        ({}, "缺少字段"),
        ({"muted": ["dues_reminder"] * 50}, "最多"),
    ],
)
def test_bad_settings_are_refused_and_nothing_changes(stack, members, body, message):
    ok(call(stack, "PUT", "/me/message-settings", members["a"], json={"muted": ["request_reply"]}))
    r = call(stack, "PUT", "/me/message-settings", members["a"], json=body)
    assert r.status_code == 400, r.text
    assert message in r.json()["Message"]
    assert NotifyPrefs.get("79000001").muted == {"request_reply"}


def test_signed_out_callers_are_refused(stack, members):
    for method, path in (
        ("GET", "/me/messages"),
        ("GET", "/me/messages/unread"),
        ("POST", f"/me/messages/{'0' * 32}/read"),
        ("POST", "/me/messages/read-all"),
        ("GET", "/me/message-settings"),
    ):
        r = call(stack, method, path)
        assert r.status_code == 401 and r.json()["Message"] == "请先登录", (path, r.text)


def test_what_the_badge_costs(stack, members):
    """GET /me/messages/unread, AWS-billed: the token check's member read (1, consistent) and
    the COUNT Query of the sparse index, which reads only the unread rows' key entries: the
    messages she has read cost nothing, however many."""
    routes = Routes()
    put("79000001", 120, kind="dues_reminder", at=T0 - 86400 * 30)
    for _ in range(2):  # read long ago
        routes.send("POST", "/me/messages/read-all", member=members["a"])
    put("79000001", 30)  # 30 unread among 150
    with metered() as m:
        reply = routes.send("GET", "/me/messages/unread", member=members["a"])
    assert reply.json_body == {"unread": 30, "more": False}
    assert m.calls == {"GetItem": 1, "Query": 1}
    assert m.read_units == 1.5, m.read_units  # 30 entries of ~130 bytes: one 4 KB, halved
    put("79000001", 90, kind="request_reply", at=T0 + 86400)  # 120 unread: the cap binds
    with metered() as m:
        reply = routes.send("GET", "/me/messages/unread", member=members["a"])
    assert reply.json_body == {"unread": 99, "more": True}
    assert m.calls == {"GetItem": 1, "Query": 1}
    assert m.read_units == 3.0, m.read_units  # one page of 100 entries (~15 KB), halved
    # Marking one read: her write budget's counter (1), the row and its two index entries
    # written (it leaves `unread`, its `by-time` copy changes), then the consistent count the
    # page's badge takes.
    [mid] = [r.message_id for r in Message.unread.query("79000001", limit=1)]
    with metered() as m:
        routes.send("POST", f"/me/messages/{mid}/read", member=members["a"])
    assert m.calls == {"GetItem": 1, "UpdateItem": 2, "Query": 1}
    assert m.write_units == 4.0 and m.read_units == 5.0, (m.write_units, m.read_units)

"""The outbox's write side: one row per event and recipient, however often and however
concurrently the event is posted, and a post cut short half-way completes on its retry."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib import outbox
from chalicelib.models import Message

pytestmark = pytest.mark.usefixtures("clean_tables")


def _rows(member_no: str) -> list[Message]:
    return list(Message.query(member_no))


def test_posting_an_event_twice_writes_each_recipients_row_once() -> None:
    first = outbox.post("test:notice:1", "system", ["m1", "m2", "m2"], "通知", "正文", "/me/")
    again = outbox.post("test:notice:1", "system", ["m1", "m2"], "通知（重发）", "正文", "/me/")
    assert (first.created, first.existing) == (2, 0)
    assert (again.created, again.existing) == (0, 2)
    [row] = _rows("m1")
    assert row.title == "通知"  # the first post's text stands
    assert row.unread_at == row.sort_key
    assert row.message_id == outbox.message_id("test:notice:1", "m1")


def test_parallel_posts_of_one_event_create_one_row_per_recipient() -> None:
    recipients = [f"m{i}" for i in range(20)]

    def post(_: int) -> outbox.PostResult:
        return outbox.post("test:parallel", "system", recipients, "通知", "正文")

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(post, range(8)))
    assert sum(r.created for r in results) == 20
    assert sum(r.existing for r in results) == 20 * 7
    assert all(len(_rows(m)) == 1 for m in recipients)


def test_a_post_cut_short_is_completed_by_its_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    real_save = Message.save
    calls = {"n": 0}

    def failing_save(self: Message, *args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 3:
            raise ConnectionError("the function died here")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(Message, "save", failing_save)
    with pytest.raises(ConnectionError):
        outbox.post("test:cut", "system", ["a", "b", "c", "d"], "通知", "正文")
    monkeypatch.setattr(Message, "save", real_save)
    retry = outbox.post("test:cut", "system", ["a", "b", "c", "d"], "通知", "正文")
    assert (retry.created, retry.existing) == (2, 2)
    assert [len(_rows(m)) for m in "abcd"] == [1, 1, 1, 1]


def test_a_push_is_owed_where_wecom_is_configured() -> None:
    outbox.post("test:push", "dues_reminder", ["m1"], "党费提醒", "本月党费尚未交纳。", "/me/")
    [row] = _rows("m1")
    assert row.wecom.state == "pending"
    assert row.push_shard and row.push_due == int(row.created_at)
    assert not row.urgent


@pytest.mark.parametrize(
    ("title", "url"),
    [
        ("", None),
        ("长" * 50, None),
        ("通知", "https://evil.example/"),
        ("通知", "//evil"),
        ("通知", "/\\evil.example"),  # browsers read "/\" as "//"
        ("通知", "/me/ x"),
        ("通知", "/me/\n"),
    ],
)
def test_bad_messages_are_refused_before_anything_is_written(title: str, url: str | None) -> None:
    with pytest.raises(ValueError):
        outbox.post("test:bad", "system", ["m1"], title, "正文", url)
    assert _rows("m1") == []


def test_an_unknown_kind_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        outbox.post("test:kind", "no_such_kind", ["m1"], "通知", "正文")

"""The outbox's delivery worker, driven against the WeCom stand-in over HTTP and DynamoDB Local:
delivered once per member and event whatever happens (token expiry mid-send, a worker killed
mid-send and restarted, two workers at once, errors), quiet hours, mutes and the pace."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import WECOM_ENV

pytestmark = pytest.mark.usefixtures("clean_tables")
ROOT = Path(__file__).resolve().parents[2]


def _hook(server, path: str, body: dict | None = None) -> dict:
    data = json.dumps(body or {}).encode()
    req = urllib.request.Request(server.url + path, data=data, method="POST")
    req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=5) as r:
        return json.loads(r.read())


def _get(server, path: str) -> dict:
    with urllib.request.urlopen(server.url + path, timeout=5) as r:
        return json.loads(r.read())


def _received(server) -> Counter:
    """(userid, title) → how many times that member received it."""
    return Counter((m["user"], m["title"]) for m in _get(server, "/_standin/messages")["received"])


@pytest.fixture
def standin(wecom):
    _hook(wecom, "/_standin/reset")
    return wecom


# WeCom's duplicate check compares "同样内容（请求json）": the content without the recipients, or
# the whole request JSON with touser. Exactly once must hold under both readings.
READINGS = ("content", "request")


@pytest.fixture(params=READINGS)
def reading(request, standin) -> str:
    """The stand-in's duplicate check under each reading in turn."""
    _hook(standin, "/_standin/duplicate-check", {"compare": request.param})
    return request.param


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch):
    """`settings(push_per_run=5, ...)`: the worker's settings for this test."""
    from chalicelib import settings as module

    def change(**kw: object) -> None:
        monkeypatch.setattr(module, "_settings", replace(module.get_settings(), **kw))

    return change


@pytest.fixture(autouse=True)
def daytime(settings) -> None:
    """No quiet hours unless a test sets them: the tests that do not freeze the clock run at
    whatever hour it is in Beijing."""
    settings(push_quiet_hours="")


@pytest.fixture(autouse=True)
def userids_are_member_numbers(settings) -> None:
    """The organisation of these tests uses its member numbers as WeCom userids (the bound
    userids of sign-in: test_bound_userids_are_the_ones_signed_in_with)."""
    settings(wecom_userid_field="member_no")


def _members(*numbers: str, active: bool = True) -> None:
    from chalicelib.models import Member

    with Member.batch_write() as batch:
        for no in numbers:
            batch.save(Member(no, name="党员", branch_id="B1", status="full", active=active))


def _post(event: str, recipients, title: str = "通知", kind: str = "system", **kw):
    from chalicelib import outbox

    return outbox.post(event, kind, list(recipients), title, f"{title}的正文。", "/me/", **kw)


def _run(**senders) -> dict:
    from chalicelib import delivery

    return delivery.run(senders or None)


def _row(member_no: str, event: str):
    from chalicelib import outbox
    from chalicelib.models import Message

    return Message.get(member_no, outbox.message_id(event, member_no), consistent_read=True)


def _due_left() -> int:
    from chalicelib.models import Message

    return sum(Message.push_due_index.count(s) for s in ("p0", "p1", "p2", "p3"))


def _stamp(iso_utc: str) -> int:
    return int(datetime.fromisoformat(iso_utc).replace(tzinfo=UTC).timestamp())


# ---- end to end -------------------------------------------------------------------------------


def test_messages_reach_each_member_once_in_one_call_per_event(standin) -> None:
    _members("m1", "m2", "m3")
    _post("test:a", ["m1", "m2", "m3"], "会议通知甲")
    _post("test:b", ["m2"], "会议通知乙")
    stats = _run()
    assert stats["sent"] == 4 and stats["calls"] == 2, stats
    assert _received(standin) == {
        ("m1", "会议通知甲"): 1,
        ("m2", "会议通知甲"): 1,
        ("m3", "会议通知甲"): 1,
        ("m2", "会议通知乙"): 1,
    }
    card = _get(standin, "/_standin/messages")["received"][0]
    assert card["url"].startswith(f"{WECOM_ENV['SITE_ORIGINS']}/me/?msg=")
    row = _row("m1", "test:a")
    assert row.wecom.state == "sent" and row.wecom.sent_at and row.wecom.attempts == 1
    assert row.push_shard is None and row.push_due is None and row.lease_until is None
    assert row.unread_at  # the 消息 centre entry is untouched: still unread
    assert _due_left() == 0
    assert _run().get("calls", 0) == 0  # nothing is sent again
    assert sum(_received(standin).values()) == 4


def test_two_events_with_the_same_text_both_arrive(standin) -> None:
    """WeCom's duplicate check compares content only: the link carries the event's digest."""
    _members("m1")
    _post("test:dues:2027-01", ["m1"], "党费提醒")
    _post("test:dues:2027-02", ["m1"], "党费提醒")
    _run()
    assert _received(standin) == {("m1", "党费提醒"): 2}


def test_a_run_reads_the_shared_token_once_for_all_its_calls(standin) -> None:
    from tests.aws_units import billed

    _members("m1")
    _run()  # nothing due: no token needed, none fetched
    assert "/cgi-bin/gettoken" not in _get(standin, "/_standin/counters")
    for n in range(3):
        _post(f"test:token:{n}", ["m1"], f"通知{n}")
    with billed() as bill:
        assert _run()["calls"] == 3
    assert bill.count("GetItem", "wecom-cache") == 1


def test_groups_are_split_at_the_senders_limit(standin) -> None:
    from chalicelib.push_senders import WeComSender

    sender = WeComSender()
    sender.max_recipients = 3
    numbers = [f"m{i}" for i in range(7)]
    _members(*numbers)
    _post("test:big", numbers, "大会通知")
    stats = _run(wecom=sender)
    assert stats["calls"] == 3 and stats["sent"] == 7
    assert len(_received(standin)) == 7


# ---- token expiry -----------------------------------------------------------------------------


def test_token_expired_mid_batch_and_between_batches_refreshes_once_each(standin) -> None:
    _members("m1", "m2")
    _post("test:one", ["m1", "m2"], "通知一")
    _post("test:two", ["m1", "m2"], "通知二")
    # WeCom expires every token right after the first send of the run: the second send is
    # refused with 42001, the token refreshed once and that send repeated once.
    _hook(standin, "/_standin/faults", {"faults": [{"expire": True, "count": 1}]})
    stats = _run()
    assert stats["sent"] == 4 and stats.get("retried", 0) == 0
    counters = _get(standin, "/_standin/counters")
    assert counters["/cgi-bin/gettoken"] == 2
    assert counters["/cgi-bin/message/send"] == 3
    # Between two runs: the next run's first send meets the expired token.
    _hook(standin, "/_standin/expire-tokens")
    _post("test:three", ["m1", "m2"], "通知三")
    assert _run()["sent"] == 2
    counters = _get(standin, "/_standin/counters")
    assert counters["/cgi-bin/gettoken"] == 3
    assert counters["/cgi-bin/message/send"] == 5
    received = _received(standin)
    assert len(received) == 6 and set(received.values()) == {1}


def test_a_send_refused_for_its_token_again_and_again_is_tried_twice_never_in_a_loop(
    standin,
) -> None:
    from chalicelib.push_senders import SEND_PATH, Card, WeComSender
    from chalicelib.wecom_client import WeComClient, WeComError

    client = WeComClient()
    client.access_token()
    _hook(standin, "/_standin/faults", {"faults": [{"errcode": 42001, "count": 100}]})
    payload = WeComSender().payload(Card("标题", "正文", "https://example.org/"), ["m1"])
    with pytest.raises(WeComError) as err:
        client.post(SEND_PATH, payload)
    assert err.value.errcode == 42001
    counters = _get(standin, "/_standin/counters")
    assert counters["/cgi-bin/message/send"] == 2  # the send and its one retry
    assert counters["/cgi-bin/gettoken"] == 2  # the first token and one refresh


# ---- a worker killed mid-send, two workers at once ---------------------------------------------


def _worker(**env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "chalicelib.delivery"],
        cwd=ROOT,
        env={**os.environ, "WECOM_USERID_FIELD": "member_no", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _wait_for(predicate, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_worker_killed_after_wecom_accepted_a_send_is_restarted_without_a_second_delivery(
    standin, reading
) -> None:
    members = [f"m{i}" for i in range(4)]
    _members(*members)
    for n in range(3):
        _post(f"test:kill:{n}", members, f"通知{n}")
    # The second send is delivered, then WeCom's answer is held: the worker is killed while it
    # waits, before it could record the send.
    _hook(standin, "/_standin/faults", {"faults": [{"hang": 30, "after": 1, "count": 1}]})
    worker = _worker(PUSH_LEASE_SECONDS="2", WECOM_TIMEOUT_SECONDS="60", PUSH_QUIET_HOURS="")
    try:
        _wait_for(lambda: len(_get(standin, "/_standin/messages")["received"]) == 8, seconds=60)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    assert sum(_received(standin).values()) == 8  # two events delivered, one recorded
    sending = [
        r for m in members for n in range(3) if (r := _row(m, f"test:kill:{n}")).wecom.sending_at
    ]
    assert len(sending) == 4 and all(r.wecom.state == "pending" for r in sending)
    time.sleep(3.5)  # the dead worker's lease (2 s, whole seconds) runs out
    stats = _run()
    assert stats["sent"] == 8, stats  # the interrupted event again, and the one never sent
    received = _received(standin)
    assert len(received) == 12 and set(received.values()) == {1}, received
    # The interrupted one was sent again and WeCom's duplicate check kept it from the members.
    assert len(_get(standin, "/_standin/messages")["suppressed"]) == 4
    assert _due_left() == 0
    assert all(_row(m, f"test:kill:{n}").wecom.state == "sent" for m in members for n in range(3))


def test_an_unanswered_send_is_retried_and_delivered_once(standin, settings, reading) -> None:
    settings(wecom_timeout=1.5)
    _members("m1")
    _post("test:timeout", ["m1"], "通知")
    _hook(standin, "/_standin/faults", {"faults": [{"hang": 4, "count": 1}]})
    assert _run()["retried"] == 1
    row = _row("m1", "test:timeout")
    assert row.wecom.state == "pending" and row.wecom.sending_at and row.push_due > time.time()
    row.update(actions=[type(row).push_due.set(int(time.time()))])  # the backoff has passed
    assert _run()["sent"] == 1
    assert _received(standin) == {("m1", "通知"): 1}
    assert len(_get(standin, "/_standin/messages")["suppressed"]) == 1


def test_two_workers_at_once_send_each_message_once(standin) -> None:
    members = [f"m{i}" for i in range(30)]
    _members(*members)
    for n in range(4):
        _post(f"test:parallel:{n}", members, f"通知{n}")
    # Slow answers, so that the two runs overlap.
    _hook(standin, "/_standin/faults", {"faults": [{"hang": 0.2, "count": 100}]})
    results: list = []

    def work() -> None:
        results.append(_run())

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(r.get("sent", 0) for r in results) == 120, results
    received = _received(standin)
    assert len(received) == 120 and set(received.values()) == {1}
    # Not merely saved by WeCom's duplicate check: no message was sent twice at all.
    assert _get(standin, "/_standin/messages")["suppressed"] == []


# ---- a resend is the stored call, byte for byte -------------------------------------------------


def _unanswered_next_send(standin, settings) -> None:
    """The next send is delivered, but its answer comes after the client gave up waiting."""
    settings(wecom_timeout=1.5, push_backoff_seconds=60)
    _hook(standin, "/_standin/faults", {"faults": [{"hang": 4, "count": 1}]})


def _log(standin) -> dict:
    return _get(standin, "/_standin/messages")


def test_a_resend_in_another_minute_is_the_same_request(standin, at, settings, reading) -> None:
    """The shards rotate with the minute: rebuilt, the group would list the recipients in
    another order, another request JSON (the reviewer's repro)."""
    numbers = [f"m{i:02d}" for i in range(12)]
    _members(*numbers)
    at("2027-03-01T02:00:00")
    _post("test:rotate", numbers, "通知")
    _unanswered_next_send(standin, settings)
    assert _run()["retried"] == 12
    at("2027-03-01T02:03:00")  # another first shard; the backoff has passed
    stats = _run()
    assert set(_received(standin).values()) == {1} and len(_received(standin)) == 12
    assert stats["sent"] == 12 and stats["calls"] == 1 and stats.get("replayed") == 12, stats
    suppressed = _log(standin)["suppressed"]
    assert len(suppressed) == 12 and len({m["msgid"] for m in suppressed}) == 1


def test_a_resend_leaves_out_what_was_posted_since_for_the_same_event(
    standin, at, settings, reading
) -> None:
    _members("m1", "m2", "m3", "m4")
    at("2027-03-01T02:00:00")
    _post("test:grown", ["m1", "m2", "m3"], "通知")
    _unanswered_next_send(standin, settings)
    assert _run()["retried"] == 3
    _post("test:grown", ["m1", "m2", "m3", "m4"], "通知")  # the same event, one more recipient
    at("2027-03-01T02:01:00")
    stats = _run()
    assert _received(standin) == {(m, "通知"): 1 for m in ("m1", "m2", "m3", "m4")}
    assert stats["sent"] == 4 and stats["calls"] == 2 and stats.get("replayed") == 3, stats


def test_rows_of_one_call_due_apart_each_replay_the_whole_call(
    standin, at, settings, reading
) -> None:
    """A row settled or due later is still in the call: the replay is the same touser."""
    from chalicelib.models import Message

    _members("m1", "m2")
    at("2027-03-01T02:00:00")
    _post("test:apart", ["m1", "m2"], "通知")
    _unanswered_next_send(standin, settings)
    assert _run()["retried"] == 2
    _row("m2", "test:apart").update(actions=[Message.push_due.set(_stamp("2027-03-01T02:30:00"))])
    at("2027-03-01T02:01:00")
    assert _run()["sent"] == 1
    assert _row("m1", "test:apart").wecom.state == "sent"
    at("2027-03-01T02:30:00")
    _run()
    assert _received(standin) == {("m1", "通知"): 1, ("m2", "通知"): 1}
    assert _row("m2", "test:apart").wecom.state == "sent"
    assert len(_log(standin)["suppressed"]) == 4  # two replays of m1|m2
    assert _due_left() == 0


def test_a_resend_keeps_the_link_of_the_first_send(standin, at, settings, reading) -> None:
    _members("m1")
    at("2027-03-01T02:00:00")
    _post("test:origin", ["m1"], "通知")
    _unanswered_next_send(standin, settings)
    assert _run()["retried"] == 1
    settings(site_origins=("https://moved.example.org",))  # the site moved in between
    at("2027-03-01T02:01:00")
    _run()
    assert _received(standin) == {("m1", "通知"): 1}
    assert _row("m1", "test:origin").wecom.state == "sent"
    (again,) = _log(standin)["suppressed"]
    assert again["url"].startswith(f"{WECOM_ENV['SITE_ORIGINS']}/me/?msg=")


def test_a_call_is_to_the_rows_leased_when_another_worker_took_one(
    standin, at, settings, reading, monkeypatch
) -> None:
    """Between the read and the lease another worker takes m3's row: the call made (and
    stored, and named on the rows) is to m1 and m2 only, and so is its replay."""
    import json as json_module

    from chalicelib import clock, delivery
    from chalicelib.models import Message, WeComCache

    _members("m1", "m2", "m3")
    at("2027-03-01T02:00:00")
    _post("test:race", ["m1", "m2", "m3"], "通知")
    real = delivery._Run.lease

    def lease(self, row, name, call, replay=False):
        if row.member_no == "m3" and not replay:  # the other worker got there first
            row.update(actions=[Message.lease_until.set(int(clock.now()) + 3600)])
        return real(self, row, name, call, replay)

    monkeypatch.setattr(delivery._Run, "lease", lease)
    _unanswered_next_send(standin, settings)
    assert _run()["retried"] == 2
    calls = {_row(m, "test:race").wecom.call for m in ("m1", "m2")}
    assert len(calls) == 1 and _row("m3", "test:race").wecom.call is None
    stored = json_module.loads(WeComCache.get(f"push-call#{calls.pop()}").value)
    assert stored["to"] == ["m1", "m2"]
    at("2027-03-01T02:01:00")
    assert _run()["sent"] == 2
    assert _received(standin) == {("m1", "通知"): 1, ("m2", "通知"): 1}


def test_a_send_whose_call_is_not_stored_is_given_up_not_rebuilt(
    standin, at, settings, reading
) -> None:
    from chalicelib.models import Message, WeComCache

    _members("m1", "m2")
    at("2027-03-01T02:00:00")
    _post("test:lost", ["m1"], "通知")
    _post("test:legacy", ["m2"], "通知二")
    _unanswered_next_send(standin, settings)
    _hook(standin, "/_standin/faults", {"faults": [{"hang": 4, "count": 2}]})
    assert _run()["retried"] == 2
    for item in WeComCache.scan(WeComCache.key.startswith("push-call#")):
        item.delete()
    # A row from before calls were stored: an unknown outcome and no call named.
    _row("m2", "test:legacy").update(actions=[Message.wecom.call.remove()])
    at("2027-03-01T02:01:00")
    stats = _run()
    assert stats["failed"] == 2 and stats.get("calls", 0) == 0, stats
    for member, event in (("m1", "test:lost"), ("m2", "test:legacy")):
        row = _row(member, event)
        assert row.wecom.state == "failed" and "outcome unknown" in row.wecom.error
        assert row.push_due is None
    assert _log(standin)["sends"] == 2  # the two first sends only


# ---- errors ------------------------------------------------------------------------------------


def test_transient_errors_are_retried_with_backoff_then_delivered(standin, at) -> None:
    at("2027-03-01T02:00:00")  # 10:00 in Beijing
    _members("m1")
    _post("test:busy", ["m1"], "通知")
    faults = [{"errcode": -1, "errmsg": "系统繁忙", "count": 1}, {"errcode": 45009, "count": 1}]
    _hook(standin, "/_standin/faults", {"faults": faults})
    assert _run()["retried"] == 1
    row = _row("m1", "test:busy")
    assert row.wecom.attempts == 1 and "-1" in row.wecom.error
    assert row.push_due == _stamp("2027-03-01T02:01:00")  # 60 s
    at("2027-03-01T02:00:59")
    assert _run().get("calls", 0) == 0  # not due yet
    at("2027-03-01T02:01:00")
    assert _run()["retried"] == 1
    row = _row("m1", "test:busy")
    assert "45009" in row.wecom.error and row.push_due == _stamp("2027-03-01T02:03:00")  # 120 s
    at("2027-03-01T02:03:00")
    assert _run()["sent"] == 1
    row = _row("m1", "test:busy")
    assert row.wecom.state == "sent" and row.wecom.attempts == 3 and row.wecom.error is None
    assert _received(standin) == {("m1", "通知"): 1}


def test_a_message_is_given_up_after_the_last_attempt_with_its_error(standin, at, settings) -> None:
    settings(push_max_attempts=3)
    at("2027-03-01T02:00:00")
    _members("m1")
    _post("test:down", ["m1"], "通知")
    _hook(standin, "/_standin/faults", {"faults": [{"errcode": -1, "count": 100}]})
    for minute in range(10):
        at(f"2027-03-01T02:{minute * 5:02d}:00")
        _run()
    row = _row("m1", "test:down")
    assert row.wecom.state == "failed" and "-1" in row.wecom.error and row.wecom.attempts == 3
    assert row.push_shard is None and _due_left() == 0
    assert _get(standin, "/_standin/counters")["/cgi-bin/message/send"] == 3


def test_invalid_users_fail_at_once_and_the_others_receive_it(standin) -> None:
    _members("m1", "m2", "m3")
    _hook(standin, "/_standin/users", {"userids": ["m1", "m2"]})
    _post("test:invalid", ["m1", "m2", "m3"], "通知")
    _post("test:nobody", ["m3"], "只给无效成员")
    stats = _run()
    assert stats["sent"] == 2 and stats["failed"] == 2
    for event in ("test:invalid", "test:nobody"):
        row = _row("m3", event)
        assert row.wecom.state == "failed" and row.wecom.error and row.push_due is None
    assert _run().get("calls", 0) == 0  # not retried
    assert _received(standin) == {("m1", "通知"): 1, ("m2", "通知"): 1}


def test_userids_are_matched_case_blind_as_wecom_answers_them(standin) -> None:
    """WeCom answers `invaliduser` in lower case: a refused "X9" is still X9's failure."""
    _members("Ab1", "X9")
    _hook(standin, "/_standin/users", {"userids": ["ab1"]})
    _post("test:case", ["Ab1", "X9"], "通知")
    stats = _run()
    assert stats["sent"] == 1 and stats["failed"] == 1
    assert _row("Ab1", "test:case").wecom.state == "sent"
    assert _row("X9", "test:case").wecom.state == "failed"


# ---- quiet hours, mutes, identities -------------------------------------------------------------


def test_quiet_hours_hold_non_urgent_pushes_until_half_past_seven(standin, at, settings) -> None:
    settings(push_quiet_hours="22:00-07:30")  # the default
    _members("m1")
    at("2027-03-01T15:00:00")  # 23:00 in Beijing
    _post("test:quiet", ["m1"], "党费提醒", kind="dues_reminder")
    _post("test:urgent", ["m1"], "会议变更", kind="meeting_change")  # urgent
    stats = _run()
    assert stats["sent"] == 1 and stats["held"] == 1
    assert _received(standin) == {("m1", "会议变更"): 1}
    assert _row("m1", "test:quiet").push_due == _stamp("2027-03-01T23:30:00")  # 07:30 Beijing
    at("2027-03-01T20:00:00")  # 04:00: still night
    assert _run().get("calls", 0) == 0
    at("2027-03-01T23:29:59")
    assert _run().get("calls", 0) == 0
    at("2027-03-01T23:30:00")
    assert _run()["sent"] == 1
    assert _received(standin) == {("m1", "会议变更"): 1, ("m1", "党费提醒"): 1}


def test_a_message_posted_in_the_small_hours_waits_for_the_same_morning(
    standin, at, settings
) -> None:
    settings(push_quiet_hours="22:00-07:30")
    _members("m1")
    at("2027-03-01T18:00:00")  # 02:00 in Beijing
    _post("test:night", ["m1"], "通知")
    assert _run()["held"] == 1
    assert _row("m1", "test:night").push_due == _stamp("2027-03-01T23:30:00")


def test_a_send_unanswered_just_before_the_night_is_repeated_not_held(
    standin, at, settings, reading
) -> None:
    """Held till 07:30 it would outlive WeCom's duplicate-check window and be given up."""
    settings(push_quiet_hours="22:00-07:30", wecom_timeout=1.5)
    _members("m1")
    at("2027-03-01T13:59:30")  # 21:59:30 in Beijing
    _post("test:dusk", ["m1"], "通知")
    _hook(standin, "/_standin/faults", {"faults": [{"hang": 4, "count": 1}]})
    assert _run()["retried"] == 1
    at("2027-03-01T14:00:30")  # quiet hours now; the backoff has passed
    stats = _run()
    assert stats["sent"] == 1 and stats.get("held", 0) == 0
    assert _received(standin) == {("m1", "通知"): 1}
    assert len(_get(standin, "/_standin/messages")["suppressed"]) == 1


def test_muted_kinds_are_skipped_but_kinds_that_cannot_be_muted_arrive(standin) -> None:
    from chalicelib.models import NotifyPrefs

    _members("m1", "m2")
    NotifyPrefs("m1", muted={"dues_reminder", "meeting_notice"}).save()
    _post("test:dues", ["m1", "m2"], "党费提醒", kind="dues_reminder")
    _post("test:meeting", ["m1"], "会议通知", kind="meeting_notice")  # not mutable
    stats = _run()
    assert stats["skipped"] == 1 and stats["sent"] == 2
    row = _row("m1", "test:dues")
    assert row.wecom.state == "skipped" and row.wecom.error == "muted" and row.push_due is None
    assert row.unread_at  # still in her 消息 centre
    assert _received(standin) == {("m2", "党费提醒"): 1, ("m1", "会议通知"): 1}


def test_members_without_a_wecom_identity_are_skipped(standin, settings) -> None:
    _members("m1")
    _members("m2", active=False)
    _post("test:who", ["m1", "m2", "not-in-registry"], "通知")
    stats = _run()
    assert stats["sent"] == 1 and stats["skipped"] == 2
    assert _row("not-in-registry", "test:who").wecom.state == "skipped"


def test_bound_userids_are_the_ones_signed_in_with(standin, settings) -> None:
    """Where userids are bound at the first WeCom sign-in (the default), the push goes to the
    bound userid; a member who never signed in through WeCom has none yet and is skipped."""
    from chalicelib.models import SignInBinding
    from chalicelib.models.signin import member_binding_key
    from chalicelib.settings import get_settings

    settings(wecom_userid_field="wecom_userid")
    _members("m1", "m2")
    corp = get_settings().wecom_corp_id
    SignInBinding(
        member_binding_key("wecom", corp, "m1"), member_no="m1", subject="zhangsan", bound_at=1
    ).save()
    _post("test:bound", ["m1", "m2"], "通知二")
    stats = _run()
    assert stats["sent"] == 1 and stats["skipped"] == 1
    assert _row("m2", "test:bound").wecom.state == "skipped"
    assert _received(standin) == {("zhangsan", "通知二"): 1}


# ---- the pace ----------------------------------------------------------------------------------


def test_a_run_stays_within_the_configured_pace(standin, settings) -> None:
    settings(push_per_run=5)
    _hook(standin, "/_standin/limits", {"app_per_minute": 5})  # WeCom would refuse a 6th
    numbers = [f"m{i:02d}" for i in range(12)]
    _members(*numbers)
    _post("test:pace", numbers, "通知")
    sent = []
    for _ in range(3):
        sent.append(_run().get("sent", 0))
        _hook(standin, "/_standin/advance", {"seconds": 60})
    assert sent == [5, 5, 2]
    assert _get(standin, "/_standin/counters")["/cgi-bin/message/send"] == 3  # no 45009
    assert len(_received(standin)) == 12


def test_one_member_gets_at_most_the_per_member_pace_a_run(standin, at) -> None:
    _members("m1")
    at("2027-03-01T02:00:00")
    for n in range(40):
        _post(f"test:flood:{n}", ["m1"], f"通知{n}")
    sent = []
    for minute in range(3):
        at(f"2027-03-01T02:{minute:02d}:00")
        sent.append(_run().get("sent", 0))
        _hook(standin, "/_standin/advance", {"seconds": 60})
    assert sent == [15, 15, 10]
    log = _get(standin, "/_standin/messages")
    assert len(log["received"]) == 40 and log["dropped"] == []


def test_without_the_pace_wecom_drops_the_excess(standin, settings) -> None:
    """What exceeds 30 a minute to one member WeCom drops silently."""
    settings(push_per_member_per_run=100)
    _members("m1")
    for n in range(40):
        _post(f"test:flood2:{n}", ["m1"], f"再通知{n}")
    _run()
    assert len(_get(standin, "/_standin/messages")["dropped"]) == 10


def test_one_members_backlog_keeps_nobody_waiting(standin, at, settings) -> None:
    """Rows over a member's pace move on to later minutes: the run's reads are not spent on
    them again and again, and the other members' messages, urgent or not, go at once (the
    reviewer's repro: before, the same rows filled every run and nothing else was read)."""
    from chalicelib import outbox

    settings(push_per_run=40, push_per_member_per_run=2)
    _members("m1", "m2", "m3")
    at("2027-03-01T02:00:00")
    for n in range(200):
        _post(f"test:bulk:{n}", ["m1"], f"待审核{n}", kind="review_request")
    first = f"p{(_stamp('2027-03-01T02:00:10') // 60) % 4}"  # the shard this minute reads first
    events = {}
    for member, kind in (("m2", "meeting_change"), ("m3", "request_reply")):  # urgent, not
        n = 0
        while outbox.build(f"test:{kind}:{n}", kind, member, "x", "y").push_shard != first:
            n += 1
        events[member] = f"test:{kind}:{n}"
    at("2027-03-01T02:00:10")
    _post(events["m2"], ["m2"], "会议改期", kind="meeting_change")
    _post(events["m3"], ["m3"], "诉求答复", kind="request_reply")
    for _ in range(3):  # the same minute: a retried or overlapping run
        _run()
    received = _received(standin)
    assert received[("m2", "会议改期")] == 1 and received[("m3", "诉求答复")] == 1
    assert sum(n for (member, _), n in received.items() if member == "m1") <= 3 * 2


def test_a_members_urgent_message_goes_before_her_backlog(standin, at, settings) -> None:
    settings(push_per_member_per_run=2)
    _members("m1")
    at("2027-03-01T02:00:00")
    for n in range(30):
        _post(f"test:pile:{n}", ["m1"], f"待审核{n}", kind="review_request")
    at("2027-03-01T02:00:10")
    _post("test:moved", ["m1"], "会议改期", kind="meeting_change")
    assert _run()["sent"] == 2
    assert _received(standin)[("m1", "会议改期")] == 1


def test_a_backlogs_read_cost_per_run_stays_bounded(standin, at) -> None:
    """300 messages to one member at 15 a minute: each later run reads about the 15 it sends,
    not the whole backlog; all arrive once."""
    from tests.aws_units import billed

    _members("m1")
    at("2027-03-01T02:00:00")
    for n in range(300):
        _post(f"test:backlog:{n}", ["m1"], f"通知{n}")
    first = _run()
    assert first["sent"] == 15 and first["paced"] == 285
    dues, reads, sent = [], [], 0
    for minute in range(1, 20):
        at(f"2027-03-01T{2 + minute // 60:02d}:{minute % 60:02d}:00")
        _hook(standin, "/_standin/advance", {"seconds": 60})
        with billed() as bill:
            stats = _run()
        dues.append(stats["due"])
        reads.append(bill.read_units)
        sent += stats.get("sent", 0)
    assert sent == 285 and max(dues) == 15, dues
    assert max(reads) <= 10, reads  # the 15 rows, 4 queries, her registry item, the token
    received = _received(standin)
    assert len(received) == 300 and set(received.values()) == {1}
    assert _get(standin, "/_standin/messages")["dropped"] == []


# ---- the stand-in's contract --------------------------------------------------------------------


def _send(server, token: str, body: dict) -> dict:
    req = urllib.request.Request(
        f"{server.url}/cgi-bin/message/send?access_token={token}",
        data=json.dumps(body, ensure_ascii=False).encode(),
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=5) as r:
        assert r.status == 200  # errors are in the body, as WeCom answers them
        return json.loads(r.read())


def test_standin_message_send_follows_the_documented_contract(standin) -> None:
    from chalicelib.wecom_client import WeComClient

    token = WeComClient().access_token()
    card = {
        "title": "标题",
        "description": "正文",
        "url": "https://example.org/a",
        "btntxt": "详情",
    }
    body = {"touser": "u1|U2|ghost", "msgtype": "textcard", "agentid": 1000002, "textcard": card}
    _hook(standin, "/_standin/users", {"userids": ["u1", "u2"]})
    assert _send(standin, "never-issued", body)["errcode"] == 40014
    answer = _send(standin, token, body)
    assert answer["errcode"] == 0 and answer["invaliduser"] == "ghost" and answer["msgid"]
    assert _send(standin, token, {**body, "touser": "ghost"})["errcode"] == 81013
    assert _send(standin, token, {**body, "agentid": 1})["errcode"] == 40056
    many = "|".join(f"u{i}" for i in range(1001))
    assert _send(standin, token, {**body, "touser": many})["errcode"] == 40031
    long_title = {**card, "title": "长" * 43}  # 129 bytes
    assert _send(standin, token, {**body, "textcard": long_title})["errcode"] == 45002
    # The duplicate check: the same content again within the interval is not received.
    checked = {**body, "touser": "u1", "enable_duplicate_check": 1}
    assert _send(standin, token, checked)["errcode"] == 0
    assert _send(standin, token, {**checked, "touser": "u1|u2"})["errcode"] == 0
    assert _received(standin)[("u1", "标题")] == 2  # the unchecked send, then the first checked
    assert _received(standin)[("u2", "标题")] == 2
    _hook(standin, "/_standin/advance", {"seconds": 1801})  # default interval 1800 s
    _send(standin, token, checked)
    assert _received(standin)[("u1", "标题")] == 3
    _hook(standin, "/_standin/expire-tokens")
    assert _send(standin, token, body)["errcode"] == 42001


def test_a_run_out_of_time_takes_no_more_rows_and_leaves_them_due(standin, settings) -> None:
    settings(push_run_seconds=0)
    _members("m1", "m2")
    _post("test:late", ["m1", "m2"], "通知")
    stats = _run()
    assert stats.get("calls", 0) == 0 and stats["deferred"] == 2
    row = _row("m1", "test:late")
    assert row.lease_until is None and row.wecom.attempts == 0 and row.push_due is not None


def test_make_devs_delivery_loop_brings_a_posted_message_to_the_standin(standin) -> None:
    from infra import dev

    _members("m1")
    stop = threading.Event()
    loop = threading.Thread(target=dev.deliver_loop, args=(stop, 0.1), daemon=True)
    loop.start()
    try:
        _post("test:dev", ["m1"], "演示通知")
        _wait_for(lambda: _received(standin) == {("m1", "演示通知"): 1}, seconds=10)
    finally:
        stop.set()
        loop.join(10)
    assert not loop.is_alive()


def test_units_of_a_delivered_and_of_a_held_message(standin, at, settings) -> None:
    """The bench's figures, kept: 6 write units per delivered message (lease and outcome, each on
    the row, the by-time LSI and the push-due GSI) and 1 per call (the stored call, under 1 KB
    for ten recipients), 4 for a hold (the GSI key moves)."""
    from tests.aws_units import billed

    settings(push_quiet_hours="22:00-07:30")
    numbers = [f"m{i}" for i in range(10)]
    _members(*numbers)
    at("2027-03-01T02:00:00")  # daytime
    _post("test:units", numbers, "通知", kind="meeting_notice")
    _run()  # the token fetched once, outside the bill
    _post("test:units2", numbers, "通知二", kind="meeting_notice")
    with billed() as bill:
        assert _run()["sent"] == 10
    assert bill.write_units == 10 * 6 + 1
    assert bill.count("PutItem", "wecom-cache") == 1
    # Reads: the members (0.5 each), one query per shard (0.5 at least), the token once.
    assert bill.read_units == 10 * 0.5 + 4 * 0.5 + 0.5
    at("2027-03-01T15:00:00")  # night
    _post("test:units3", numbers, "通知三", kind="dues_reminder")
    with billed() as bill:
        assert _run()["held"] == 10
    assert bill.write_units == 10 * 4


def test_an_unreadable_corp_secret_is_retried_not_taken_for_a_send(standin, monkeypatch) -> None:
    """The corp secret's SSM parameter unreadable: the token could not be fetched, nothing went
    out, so the row is pending again for a later run (not a crashed run, not "outcome unknown")."""
    from chalicelib.push_senders import WeComSender
    from chalicelib.settings import SettingsError
    from chalicelib.wecom_client import WeComClient

    def unreadable() -> str:
        raise SettingsError("cannot read the WeCom secret from SSM")

    _members("m1")
    _post("test:ssm", ["m1"], "通知")
    stats = _run(wecom=WeComSender(WeComClient(secret=unreadable)))
    assert stats["retried"] == 1, stats
    row = _row("m1", "test:ssm")
    assert row.wecom.state == "pending" and "SSM" in row.wecom.error
    from chalicelib import clock

    later = time.time() + 3600  # past its backoff
    monkeypatch.setattr(clock, "now", lambda: later)
    assert _run()["sent"] == 1  # the secret readable again: sent once
    assert _received(standin) == {("m1", "通知"): 1}

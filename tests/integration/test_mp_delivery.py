"""The Official Account's (服务号) template messages, the outbox's `mp` channel: driven over HTTP
against the stand-in (infra/wecom_standin.py, its "Official Account" block) and DynamoDB Local.
Delivered once to each member who bound her openid; 43004 (she does not follow the account) is
final for her; transient errors are retried with backoff; a token expired mid-send is refreshed
once; a worker killed mid-send is restarted and nothing is received twice; an unknown outcome is
never resent after the documented idempotency window. Also the OA's client and jsapi ticket."""

from __future__ import annotations

import json
import signal
import time
import urllib.error
import urllib.request
from collections import Counter
from urllib.parse import quote

import pytest

from tests.conftest import WECOM_ENV
from tests.integration.test_outbox_delivery import (  # helpers and fixtures, not tests
    _due_left,
    _get,
    _hook,
    _members,
    _post,
    _row,
    _run,
    _stamp,
    _wait_for,
    _worker,
    daytime,  # noqa: F401  (autouse: no quiet hours unless a test sets them)
    settings,  # noqa: F401
)

pytestmark = pytest.mark.usefixtures("clean_tables")
APP_ID = WECOM_ENV["WECHAT_MP_APP_ID"]
TEMPLATE = "standin-notice-template"
# One generic 通知 template for every kind: the current field types (thing ≤ 20 characters).
TEMPLATES = {
    "*": {
        "template_id": TEMPLATE,
        "data": {"thing1": "title", "thing2": "kind", "time3": "time", "thing4": "body"},
    }
}
SEND = "/cgi-bin/message/template/send"


@pytest.fixture
def standin(wecom):
    _hook(wecom, "/_standin/reset")
    return wecom


@pytest.fixture(autouse=True)
def mp_only(settings) -> None:  # noqa: F811
    """The Official Account's channel alone (no WeCom agent: no WeCom pushes), one template."""
    settings(wecom_agent_id="", wechat_mp_templates=json.dumps(TEMPLATES))


def openid(standin, member_no: str) -> str:
    return standin.oauth.openid(APP_ID, member_no)


def _bind(standin, *numbers: str) -> None:
    """Each member bound her openid at her first 公众号 sign-in."""
    from chalicelib.models import SignInBinding
    from chalicelib.models.signin import member_binding_key

    for no in numbers:
        SignInBinding(
            member_binding_key("mp", APP_ID, no),
            member_no=no,
            subject=openid(standin, no),
            bound_at=1,
        ).save()


def _log(standin) -> dict:
    return _get(standin, "/_standin/mp/messages")


def _received(standin) -> Counter:
    """(openid, thing1 = the title) → how many times she received it."""
    return Counter((m["openid"], m["data"]["thing1"]["value"]) for m in _log(standin)["received"])


def _counters(standin) -> dict:
    return _get(standin, "/_standin/counters")


# ---- delivered ---------------------------------------------------------------------------------


def test_each_bound_member_receives_the_template_message_once(standin) -> None:
    from chalicelib import outbox

    assert outbox.push_channels() == ("mp",)
    _members("m1", "m2", "m3")
    _bind(standin, "m1", "m2")
    _post("test:mp:a", ["m1", "m2", "m3"], "支部会议通知", kind="meeting_notice")
    stats = _run()
    assert stats["sent"] == 2 and stats["skipped"] == 1, stats
    assert _received(standin) == {
        (openid(standin, "m1"), "支部会议通知"): 1,
        (openid(standin, "m2"), "支部会议通知"): 1,
    }
    message = _log(standin)["received"][0]
    assert message["template_id"] == TEMPLATE
    assert message["url"].startswith(f"{WECOM_ENV['SITE_ORIGINS']}/me/?msg=")
    assert message["data"]["thing2"] == {"value": "会议通知"}
    assert message["data"]["thing4"] == {"value": "支部会议通知的正文。"}
    assert "年" in message["data"]["time3"]["value"]
    assert len(message["client_msg_id"]) == 32
    row = _row("m1", "test:mp:a")
    assert row.mp.state == "sent" and row.mp.attempts == 1 and row.mp.sending_at is None
    assert row.wecom is None and row.push_due is None
    skipped = _row("m3", "test:mp:a").mp
    assert skipped.state == "skipped" and "no address" in skipped.error
    assert _run().get("calls", 0) == 0  # nothing again
    assert len(_log(standin)["received"]) == 2


def test_a_long_title_is_cut_to_the_fields_limit_not_refused(standin) -> None:
    _members("m1")
    _bind(standin, "m1")
    title = "关于开展二〇二七年度基层党组织书记抓党建工作述职评议考核的通知"
    _post("test:mp:long", ["m1"], title)
    assert _run()["sent"] == 1
    (message,) = _log(standin)["received"]
    value = message["data"]["thing1"]["value"]
    assert len(value) == 20 and value.endswith("…") and title.startswith(value[:-1])


def test_a_kind_without_a_template_is_skipped_with_its_reason(standin, settings) -> None:  # noqa: F811
    only_meetings = {"meeting_notice": TEMPLATES["*"], "*": None}
    settings(wechat_mp_templates=json.dumps(only_meetings))
    _members("m1")
    _bind(standin, "m1")
    _post("test:mp:dues", ["m1"], "党费提醒", kind="dues_reminder")
    _post("test:mp:meeting", ["m1"], "会议通知", kind="meeting_notice")
    stats = _run()
    assert stats["sent"] == 1 and stats["skipped"] == 1
    dues = _row("m1", "test:mp:dues").mp
    assert dues.state == "skipped" and "no Official Account template" in dues.error
    assert _received(standin) == {(openid(standin, "m1"), "会议通知"): 1}


def test_without_a_template_there_is_no_mp_channel(settings) -> None:  # noqa: F811
    from chalicelib import outbox

    settings(wechat_mp_templates="")
    assert outbox.push_channels() == ()
    settings(wechat_mp_templates=json.dumps(TEMPLATES), wecom_agent_id="1000002")
    assert outbox.push_channels() == ("wecom", "mp")
    settings(wechat_mp_app_id="")
    assert outbox.push_channels() == ("wecom",)


def test_both_channels_deliver_one_message_each_once(standin, settings) -> None:  # noqa: F811
    settings(wecom_agent_id="1000002", wecom_userid_field="member_no")
    _members("m1")
    _bind(standin, "m1")
    _post("test:mp:both", ["m1"], "双通道通知")
    stats = _run()
    assert stats["sent"] == 2, stats
    row = _row("m1", "test:mp:both")
    assert row.wecom.state == "sent" and row.mp.state == "sent" and row.push_due is None
    assert _received(standin) == {(openid(standin, "m1"), "双通道通知"): 1}
    wecom = _get(standin, "/_standin/messages")["received"]
    assert [(m["user"], m["title"]) for m in wecom] == [("m1", "双通道通知")]


# ---- errors ------------------------------------------------------------------------------------


def test_a_member_who_does_not_follow_the_account_fails_for_good(standin, at) -> None:
    at("2027-03-01T02:00:00")
    _members("m1", "m2")
    _bind(standin, "m1", "m2")
    _hook(standin, "/_standin/mp/followers", {"openids": [openid(standin, "m1")]})
    _post("test:mp:follow", ["m1", "m2"], "通知")
    stats = _run()
    assert stats["sent"] == 1 and stats["failed"] == 1
    row = _row("m2", "test:mp:follow")
    assert row.mp.state == "failed" and "43004" in row.mp.error and row.push_due is None
    at("2027-03-01T03:00:00")
    assert _run().get("calls", 0) == 0  # never retried
    assert _counters(standin)[SEND] == 2
    assert _received(standin) == {(openid(standin, "m1"), "通知"): 1}


@pytest.mark.parametrize(("errcode", "permanent"), [(40003, True), (40037, True), (-1, False)])
def test_which_errors_are_final(standin, at, errcode: int, permanent: bool) -> None:
    at("2027-03-01T02:00:00")
    _members("m1")
    _bind(standin, "m1")
    _hook(standin, "/_standin/mp/faults", {"faults": [{"errcode": errcode, "count": 1}]})
    _post("test:mp:err", ["m1"], "通知")
    _run()
    row = _row("m1", "test:mp:err")
    assert row.mp.state == ("failed" if permanent else "pending") and str(errcode) in row.mp.error


def test_a_template_id_the_account_does_not_have_fails_every_member(standin) -> None:
    _hook(standin, "/_standin/mp/templates", {"ids": ["another-template"]})
    _members("m1", "m2")
    _bind(standin, "m1", "m2")
    _post("test:mp:tmpl", ["m1", "m2"], "通知")
    assert _run()["failed"] == 2
    assert all("40037" in _row(m, "test:mp:tmpl").mp.error for m in ("m1", "m2"))


def test_busy_and_the_daily_quota_are_retried_with_backoff_then_delivered(standin, at) -> None:
    at("2027-03-01T02:00:00")  # 10:00 in Beijing
    _members("m1")
    _bind(standin, "m1")
    _post("test:mp:busy", ["m1"], "通知")
    faults = [{"errcode": -1, "errmsg": "system error", "count": 1}, {"errcode": 45009, "count": 1}]
    _hook(standin, "/_standin/mp/faults", {"faults": faults})
    assert _run()["retried"] == 1
    row = _row("m1", "test:mp:busy")
    assert row.mp.state == "pending" and "-1" in row.mp.error and row.mp.sending_at is None
    assert row.push_due == _stamp("2027-03-01T02:01:00")
    at("2027-03-01T02:01:00")
    assert _run()["retried"] == 1
    assert _row("m1", "test:mp:busy").push_due == _stamp("2027-03-01T02:03:00")
    at("2027-03-01T02:03:00")
    assert _run()["sent"] == 1
    row = _row("m1", "test:mp:busy")
    assert row.mp.state == "sent" and row.mp.attempts == 3 and row.mp.error is None
    assert _received(standin) == {(openid(standin, "m1"), "通知"): 1}


# ---- the access token --------------------------------------------------------------------------


def test_token_expired_mid_send_is_refreshed_once(standin) -> None:
    _members("m1", "m2")
    _bind(standin, "m1", "m2")
    _post("test:mp:one", ["m1"], "通知一")
    _post("test:mp:two", ["m2"], "通知二")
    # Every token expires right after the first send: the second is refused with 42001, the
    # token refreshed once and that send repeated once.
    _hook(standin, "/_standin/mp/faults", {"faults": [{"expire": True, "count": 1}]})
    stats = _run()
    assert stats["sent"] == 2 and stats.get("retried", 0) == 0, stats
    counters = _counters(standin)
    assert counters["/cgi-bin/token"] == 2 and counters[SEND] == 3
    assert set(_received(standin).values()) == {1} and len(_received(standin)) == 2


def test_a_token_another_caller_replaced_is_refreshed_once(standin) -> None:
    """40001 "access_token is invalid or not latest": the cached token is not the account's."""
    from chalicelib.models import WeComCache
    from chalicelib.mp_client import MpClient

    client = MpClient()
    client.access_token()
    WeComCache(f"mp#access_token#{APP_ID}").update(actions=[WeComCache.value.set("stale")])
    assert MpClient().get("/cgi-bin/ticket/getticket", {"type": "jsapi"})["ticket"]
    counters = _counters(standin)
    assert counters["/cgi-bin/token"] == 2 and counters["/cgi-bin/ticket/getticket"] == 2


def test_a_token_refused_again_and_again_is_tried_twice_never_in_a_loop(standin) -> None:
    from chalicelib.mp_client import MpClient
    from chalicelib.wecom_client import WeComError

    _hook(standin, "/_standin/mp/faults", {"faults": [{"errcode": 40001, "count": 100}]})
    with pytest.raises(WeComError) as err:
        MpClient().post(SEND, {"touser": openid(standin, "m1")})
    assert err.value.errcode == 40001
    counters = _counters(standin)
    assert counters[SEND] == 2 and counters["/cgi-bin/token"] == 2


def test_twenty_callers_with_no_token_fetch_one(standin) -> None:
    """Each /cgi-bin/token call would replace the token: one refresher for every container."""
    from chalicelib.mp_client import MpClient
    from tests.integration.test_wecom_client import _parallel

    results = _parallel(20, lambda: MpClient().access_token())
    assert all(isinstance(r, str) for r in results) and len(set(results)) == 1, results
    assert _counters(standin)["/cgi-bin/token"] == 1


# ---- a worker killed mid-send, an unanswered send ----------------------------------------------


def test_a_killed_worker_is_restarted_and_nothing_is_received_twice(standin) -> None:
    members = [f"m{i}" for i in range(4)]
    _members(*members)
    _bind(standin, *members)
    for n in range(3):
        _post(f"test:mp:kill:{n}", members, f"通知{n}")
    # The second send is delivered, then its answer held: the worker is killed while it waits,
    # before it could record the first event's sends.
    _hook(standin, "/_standin/mp/faults", {"faults": [{"hang": 30, "after": 1, "count": 1}]})
    worker = _worker(
        PUSH_LEASE_SECONDS="2",
        WECOM_TIMEOUT_SECONDS="60",
        PUSH_QUIET_HOURS="",
        WECOM_AGENT_ID="",
        WECHAT_MP_TEMPLATES=json.dumps(TEMPLATES),
    )
    try:
        _wait_for(lambda: len(_log(standin)["received"]) == 4, seconds=60)
        time.sleep(0.5)  # the other sends of that event answered; the worker still waits
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    assert len(_log(standin)["received"]) == 4  # one event delivered, none recorded
    rows = [_row(m, f"test:mp:kill:{n}") for m in members for n in range(3)]
    sending = [r for r in rows if r.mp.sending_at]
    assert len(sending) == 4 and all(r.mp.state == "pending" for r in rows)
    time.sleep(3.5)  # the dead worker's lease (2 s, whole seconds) runs out
    stats = _run()
    assert stats["sent"] == 12, stats  # the interrupted event again, and the two never sent
    received = _received(standin)
    assert len(received) == 12 and set(received.values()) == {1}, received
    # The interrupted event was sent again with the same client_msg_id: not received again.
    assert len(_log(standin)["suppressed"]) == 4
    assert _due_left() == 0


def test_an_unanswered_send_is_repeated_within_the_window_and_received_once(
    standin,
    at,
    settings,  # noqa: F811
) -> None:
    settings(wecom_timeout=1.5)
    at("2027-03-01T02:00:00")
    _members("m1")
    _bind(standin, "m1")
    _post("test:mp:timeout", ["m1"], "通知")
    _hook(standin, "/_standin/mp/faults", {"faults": [{"hang": 4, "count": 1}]})
    assert _run()["retried"] == 1
    row = _row("m1", "test:mp:timeout")
    assert row.mp.state == "pending" and row.mp.sending_at
    at("2027-03-01T02:01:00")  # the backoff has passed, well inside the 10 minutes
    assert _run()["sent"] == 1
    assert _received(standin) == {(openid(standin, "m1"), "通知"): 1}
    assert len(_log(standin)["suppressed"]) == 1


def test_an_unanswered_send_past_the_window_is_given_up_never_resent(
    standin,
    at,
    settings,  # noqa: F811
) -> None:
    """Past the 10 minutes of client_msg_id a repeat could be received twice: at most once."""
    settings(wecom_timeout=1.5)
    at("2027-03-01T02:00:00")
    _members("m1")
    _bind(standin, "m1")
    _post("test:mp:late", ["m1"], "通知")
    _hook(standin, "/_standin/mp/faults", {"faults": [{"hang": 4, "count": 1}]})
    assert _run()["retried"] == 1
    at("2027-03-01T02:09:00")  # the worker was down: 9 minutes later
    assert _run()["failed"] == 1
    row = _row("m1", "test:mp:late")
    assert row.mp.state == "failed" and "outcome unknown" in row.mp.error
    assert _counters(standin)[SEND] == 1  # not sent again
    assert len(_log(standin)["received"]) == 1 and _due_left() == 0


# ---- the share configuration for plain WeChat --------------------------------------------------


def _http(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=20) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_share_config_for_plain_wechat_is_signed_with_the_accounts_ticket(stack, standin) -> None:
    from chalicelib.jssdk import signature
    from chalicelib.models import WeComCache

    page = f"{WECOM_ENV['SITE_ORIGINS']}/articles/a.html?from=singlemessage"
    query = f"url={quote(page + '#c1', safe='')}&app=mp"
    status, body = _http(f"{stack.url}/api/share/config?{query}")
    assert status == 200, body
    assert body["appId"] == APP_ID
    ticket = WeComCache.get(f"mp#jsapi_ticket#{APP_ID}").value
    assert ticket.startswith("standin-mp-ticket-")
    assert body["signature"] == signature(ticket, body["nonceStr"], body["timestamp"], page)
    for _ in range(3):  # cached for every container: no more ticket calls
        assert _http(f"{stack.url}/api/share/config?{query}")[0] == 200
    counters = _counters(standin)
    assert counters["/cgi-bin/ticket/getticket"] == 1 and counters["/cgi-bin/token"] == 1
    assert "/cgi-bin/get_jsapi_ticket" not in counters  # the corp's ticket is another one
    # 企业微信 (the default) still signs with the corp's ticket and its corp id.
    status, corp = _http(f"{stack.url}/api/share/config?url={quote(page, safe='')}&app=wecom")
    assert status == 200 and corp["appId"] == WECOM_ENV["WECOM_CORP_ID"]
    corp_ticket = WeComCache.get(f"jsapi_ticket#{WECOM_ENV['WECOM_CORP_ID']}").value
    assert corp["signature"] == signature(corp_ticket, corp["nonceStr"], corp["timestamp"], page)


def test_share_config_for_an_unknown_app_is_400(stack, standin) -> None:
    page = quote(f"{WECOM_ENV['SITE_ORIGINS']}/a.html", safe="")
    status, body = _http(f"{stack.url}/api/share/config?url={page}&app=qq")
    assert status == 400 and "app" in body["Message"]


# ---- the stand-in's contract --------------------------------------------------------------------


def _call(standin, path: str, body: dict | None = None) -> dict:
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
    req = urllib.request.Request(standin.url + path, data=data)
    with urllib.request.urlopen(req, timeout=5) as r:
        assert r.status == 200  # errors are in the body, as WeChat answers them
        return json.loads(r.read())


def test_standin_follows_the_documented_contract(standin) -> None:
    secret = WECOM_ENV["WECHAT_MP_SECRET"]
    base = "/cgi-bin/token?grant_type=client_credential"
    assert _call(standin, f"{base}&appid=wxother&secret={secret}")["errcode"] == 40013
    assert _call(standin, f"{base}&appid={APP_ID}&secret=wrong")["errcode"] == 40001
    assert _call(standin, f"/cgi-bin/token?appid={APP_ID}&secret={secret}")["errcode"] == 40002
    first = _call(standin, f"{base}&appid={APP_ID}&secret={secret}")["access_token"]
    second = _call(standin, f"{base}&appid={APP_ID}&secret={secret}")["access_token"]
    assert first != second  # each call a new token; the old one still valid five minutes
    ticket = _call(standin, f"/cgi-bin/ticket/getticket?access_token={first}&type=jsapi")
    assert ticket["errcode"] == 0 and ticket["expires_in"] == 7200
    assert _call(standin, "/cgi-bin/ticket/getticket?access_token=x&type=jsapi")["errcode"] == 40001
    send = f"{SEND}?access_token={second}"
    ok = {"touser": openid(standin, "u1"), "template_id": TEMPLATE, "url": "https://e.org/",
          "data": {"thing1": {"value": "标题"}}, "client_msg_id": "e1"}  # fmt: skip
    assert _call(standin, send, {**ok, "touser": "nobody"})["errcode"] == 40003
    assert _call(standin, send, {**ok, "template_id": "other"})["errcode"] == 40037
    assert (
        _call(standin, send, {**ok, "data": {"thing1": {"value": "长" * 21}}})["errcode"] == 47003
    )
    assert _call(standin, send, ok)["msgid"]
    assert _call(standin, send, ok)["errcode"] == 0  # the same client_msg_id: not again
    assert _call(standin, send, {**ok, "client_msg_id": "e2"})["errcode"] == 0
    assert len(_log(standin)["received"]) == 2 and len(_log(standin)["suppressed"]) == 1
    _hook(standin, "/_standin/mp/advance", {"seconds": 601})  # valid 10 minutes
    _call(standin, send, ok)
    assert len(_log(standin)["received"]) == 3
    _hook(standin, "/_standin/mp/followers", {"openids": []})
    assert _call(standin, send, ok)["errcode"] == 43004
    _hook(standin, "/_standin/mp/expire-tokens")
    assert _call(standin, send, ok)["errcode"] == 42001


# ---- quiet hours, mutes, units -----------------------------------------------------------------


def test_quiet_hours_and_mutes_hold_and_skip_template_messages_too(
    standin,
    at,
    settings,  # noqa: F811
) -> None:
    from chalicelib.models import NotifyPrefs

    settings(push_quiet_hours="22:00-07:30")
    _members("m1", "m2")
    _bind(standin, "m1", "m2")
    NotifyPrefs("m2", muted={"dues_reminder"}).save()
    at("2027-03-01T15:00:00")  # 23:00 in Beijing
    _post("test:mp:night", ["m1", "m2"], "党费提醒", kind="dues_reminder")
    _post("test:mp:change", ["m1"], "会议变更", kind="meeting_change")  # urgent
    stats = _run()
    assert stats["sent"] == 1 and stats["held"] == 1 and stats["skipped"] == 1, stats
    assert _row("m2", "test:mp:night").mp.error == "muted"
    assert _received(standin) == {(openid(standin, "m1"), "会议变更"): 1}
    at("2027-03-01T23:30:00")  # 07:30 in Beijing
    assert _run()["sent"] == 1
    assert _received(standin)[(openid(standin, "m1"), "党费提醒")] == 1


def test_units_of_a_delivered_template_message(standin) -> None:
    """The bench's figure for this channel: the lease and the outcome (6 write units, as WeCom's)
    and the stored call once (1 for a call to 10, under 1 KB), and besides the member's registry
    item her binding (0.5 read units each)."""
    from tests.aws_units import billed

    numbers = [f"m{i}" for i in range(10)]
    _members(*numbers)
    _bind(standin, *numbers)
    _post("test:mp:units", numbers, "通知", kind="meeting_notice")
    _run()  # the token fetched once, outside the bill
    _post("test:mp:units2", numbers, "通知二", kind="meeting_notice")
    with billed() as bill:
        assert _run()["sent"] == 10
    assert bill.write_units == 10 * 6 + 1
    # Members and bindings (0.5 each), one query per shard (0.5 at least), the token once.
    assert bill.read_units == 10 * 0.5 * 2 + 4 * 0.5 + 0.5


def test_plain_wechat_share_config_costs_half_a_read_unit_per_page_view(standin) -> None:
    """As the corp's: the account's ticket cached, one eventually consistent GetItem a view."""
    from chalicelib import jssdk
    from tests.aws_units import billed

    page = f"{WECOM_ENV['SITE_ORIGINS']}/a.html"
    jssdk.config(page, "mp")  # the first view fetches the token and the ticket
    with billed() as bill:
        for _ in range(10):
            assert jssdk.config(page, "mp")["appId"] == APP_ID
    assert bill.read_units == 10 * 0.5 and bill.write_units == 0
    assert _counters(standin)["/cgi-bin/ticket/getticket"] == 1


def test_an_unreadable_secret_is_retried_not_taken_for_a_send(standin, monkeypatch) -> None:
    """The AppSecret's SSM parameter unreadable: nothing went out, so the row is pending again
    without `sending_at` (later it is sent, not given up as "outcome unknown")."""
    from chalicelib import mp_client
    from chalicelib.settings import SettingsError

    def unreadable() -> str:
        raise SettingsError("cannot read the Official Account secret from SSM")

    monkeypatch.setattr(mp_client, "wechat_mp_secret", unreadable)
    _members("m1")
    _bind(standin, "m1")
    _post("test:mp:ssm", ["m1"], "通知")
    assert _run()["retried"] == 1
    row = _row("m1", "test:mp:ssm")
    assert row.mp.state == "pending" and row.mp.sending_at is None and "SSM" in row.mp.error

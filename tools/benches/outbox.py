"""The outbox: read and write units per notification posted (`outbox.post`, per recipient) and
per notification delivered to WeCom by the worker (`delivery.run`), for one event to 1,000
members (one send call per 1,000) and for messages of distinct events (one call each), against
the WeCom stand-in over HTTP; the worker's wall time per message on DynamoDB Local. The same for
the Official Account's template messages (one call per openid, the binding read per member)."""

from __future__ import annotations

import json
import os
import time
from dataclasses import replace

from infra import dynamodb_local, wecom_standin
from infra.local_stack import LocalStack
from tools.bench import Row
from tools.bench_routes import unit_rows
from tools.capacity import metered

MEMBERS = 1000
DISTINCT = 200
# The rows' names (tools/cost_estimate.py prices the first two).
POSTED = "notification posted (outbox.post, per recipient)"
DELIVERED = "notification delivered (one event to 1,000 members, per member)"
DELIVERED_ALONE = "notification delivered (distinct events, one send each)"
DELIVERED_MP = "notification delivered as a template message (one event to 1,000, per member)"
CORP, SECRET = "wwbench", "bench-secret"
MP_APP, MP_SECRET = "wxbenchmp", "bench-mp-secret"
MP_TEMPLATES = {"*": {"template_id": "standin-notice-template", "data": {"thing1": "title"}}}


def _members(n: int) -> list[str]:
    """n members, each with the WeCom userid she bound at sign-in (the default userid field:
    the worker reads the bindings)."""
    from chalicelib.models import Member, SignInBinding
    from chalicelib.models.signin import member_binding_key

    numbers = [f"4{i:07d}" for i in range(n)]
    with Member.batch_write() as batch:
        for no in numbers:
            batch.save(Member(no, name="党员", branch_id="B1", status="full"))
    with SignInBinding.batch_write() as batch:
        for no in numbers:
            key = member_binding_key("wecom", CORP, no)
            batch.save(SignInBinding(key, member_no=no, subject=f"u{no}", bound_at=1))
    return numbers


def _deliver(expected: int) -> None:
    from chalicelib import delivery

    sent = 0
    while sent < expected:
        stats = delivery.run()
        assert stats.get("sent", 0) > 0, stats
        sent += stats["sent"]


def _metered(expected: int):
    with metered() as meter:
        _deliver(expected)
    return meter


def _timed(expected: int) -> float:
    """Wall seconds, unmetered (the meter's look-ups would run in the worker's threads)."""
    started = time.perf_counter()
    _deliver(expected)
    return time.perf_counter() - started


def _per(meter, n: int):
    """The meter's totals divided by n (the rows are per notification)."""
    for attr in ("read_units", "write_units", "local_read", "local_write"):
        setattr(meter, attr, getattr(meter, attr) / n)
    return meter


def run(stack: LocalStack) -> list[Row]:
    from chalicelib import outbox
    from chalicelib import settings as module

    assert MEMBERS == 1000, "DELIVERED names the size"
    port = dynamodb_local.free_port()
    server = wecom_standin.serve(port, CORP, SECRET, mp_app_id=MP_APP, mp_secret=MP_SECRET)
    saved, saved_secret = module._settings, os.environ.get("WECOM_SECRET")
    saved_mp = os.environ.get("WECHAT_MP_SECRET")
    os.environ["WECOM_SECRET"] = SECRET
    os.environ["WECHAT_MP_SECRET"] = MP_SECRET
    module._settings = replace(
        module.get_settings(),
        wecom_corp_id=CORP,
        wecom_agent_id=str(wecom_standin.AGENT_ID),
        wecom_api_base=server.url,
        site_origins=(stack.url,),
        push_quiet_hours="",  # the bench runs at any hour
    )
    try:
        numbers = _members(MEMBERS)
        with metered() as posted:
            outbox.post("bench:meeting:1:notice", "meeting_notice", numbers, "会议通知", "正文")
        one_event = _metered(MEMBERS)
        outbox.post("bench:meeting:2:notice", "meeting_notice", numbers, "会议通知", "正文")
        one_s = _timed(MEMBERS)
        for i, no in enumerate(numbers[:DISTINCT]):
            outbox.post(f"bench:reply:{i}", "request_reply", [no], "诉求答复", f"答复 {i}")
        distinct = _metered(DISTINCT)
        for i, no in enumerate(numbers[:DISTINCT]):
            outbox.post(f"bench:reply2:{i}", "request_reply", [no], "诉求答复", f"再答复 {i}")
        distinct_s = _timed(DISTINCT)
        received = len(server.outbox.log()["received"])
        assert received == 2 * (MEMBERS + DISTINCT), received
        mp_event, mp_s = _mp(server, numbers)
    finally:
        module._settings = saved
        if saved_mp is None:
            os.environ.pop("WECHAT_MP_SECRET", None)
        else:
            os.environ["WECHAT_MP_SECRET"] = saved_mp
        if saved_secret is None:
            os.environ.pop("WECOM_SECRET", None)
        else:
            os.environ["WECOM_SECRET"] = saved_secret
        server.shutdown()
    return [
        *unit_rows(POSTED, _per(posted, MEMBERS)),
        *unit_rows(DELIVERED, _per(one_event, MEMBERS)),
        *unit_rows(DELIVERED_ALONE, _per(distinct, DISTINCT)),
        (
            "delivery worker, one event to 1,000 members (DynamoDB Local)",
            round(one_s * 1000 / MEMBERS, 2),
            "ms per message",
        ),
        (
            "delivery worker, distinct events (DynamoDB Local)",
            round(distinct_s * 1000 / DISTINCT, 2),
            "ms per message",
        ),
        *unit_rows(DELIVERED_MP, _per(mp_event, MEMBERS)),
        (
            "delivery worker, template messages, one event to 1,000 (DynamoDB Local)",
            round(mp_s * 1000 / MEMBERS, 2),
            "ms per message",
        ),
    ]


def _mp(server, numbers: list[str]):
    """The Official Account's channel alone: each member bound her openid; one event, metered,
    then another, timed."""
    from chalicelib import outbox
    from chalicelib import settings as module
    from chalicelib.models import SignInBinding
    from chalicelib.models.signin import member_binding_key

    module._settings = replace(
        module._settings,
        wecom_agent_id="",
        wechat_mp_app_id=MP_APP,
        wechat_mp_api_base=server.url,
        wechat_mp_templates=json.dumps(MP_TEMPLATES),
    )
    with SignInBinding.batch_write() as batch:
        for no in numbers:
            key = member_binding_key("mp", MP_APP, no)
            subject = server.oauth.openid(MP_APP, no)
            batch.save(SignInBinding(key, member_no=no, subject=subject, bound_at=1))
    outbox.post("bench:mp:1", "meeting_notice", numbers, "会议通知", "正文")
    meter = _metered(len(numbers))
    outbox.post("bench:mp:2", "meeting_notice", numbers, "会议通知", "正文")
    seconds = _timed(len(numbers))
    received = len(server.mp.received)
    assert received == 2 * len(numbers), received
    return meter, seconds

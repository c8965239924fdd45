"""诉求, the holes a review found: invisible or direction-changing text in every text field, the
timeline's limit (移交 ping-pong), each rates row over its own subtree, the overdue reminder
never to a request's own submitter, the loser of a race against a 移交, a retried step whose
body differs, her list paged, and 受理率 counting a request only once it is decided."""

from __future__ import annotations

import pytest

from chalicelib import registry, service_requests
from tests.integration import test_service_requests_api as api
from tests.integration.test_service_requests_api import call, items, step, submit
from tools.fixtures import rid

org = api.org  # the same people and tree

pytestmark = pytest.mark.usefixtures("clean_tables")

HIDDEN = [
    "\u200b" * 6,
    "\u2060" * 6,
    "\u202e好好好好好好",
    "好好\u202d好好好",
    "\u3164" * 6,
    "\u115f" * 6,
    "\u1160" * 6,
    "\uffa0" * 6,
    "\ufeff好好好好好",
    "好好\u2028好好好",
    "好" + "\u200b" * 5,
]


def _caller(member):
    return registry.caller_for(member)


@pytest.mark.parametrize("text", HIDDEN)
def test_invisible_or_reordering_text_is_refused_everywhere(stack, org, text):
    a, sec1 = org["a"], org["sec1"]
    r = submit(stack, a, text=text)
    assert r.status_code == 400, r.text
    assert items() == []
    req = submit(stack, a).json()
    assert step(stack, sec1, req["id"], "accept").status_code == 200
    short = text[:6]  # a short field: within its maximum
    for body in ({"act": "close", "answer": text}, {"act": "handle", "note": short},
                 {"act": "transfer", "to_unit": "B3", "note": short}):  # fmt: skip
        got = step(stack, sec1, req["id"], **body)
        assert got.status_code == 400, (body, got.text)
    assert step(stack, sec1, req["id"], "close", answer="已经修好了").status_code == 200
    rated = call(stack, "POST", f"/service-requests/{req['id']}/rating", a,
                 json={"rating": "basic", "comment": short})  # fmt: skip
    assert rated.status_code == 400, rated.text
    other = submit(stack, a).json()
    gone = call(stack, "POST", f"/service-requests/{other['id']}/withdrawal", a,
                json={"note": short})  # fmt: skip
    assert gone.status_code == 400, gone.text
    for item in items():
        assert item.rating is None and item.state in ("closed", "waiting")


def test_plain_text_with_blanks_inside_and_line_breaks_still_passes(stack, org):
    spaced = submit(stack, org["a"], text="好　　　　　　好")  # 2 visible characters
    assert spaced.status_code == 400 and "可见" in spaced.json()["Message"], spaced.text
    r = submit(stack, org["a"], text="第一行内容\n第二行 内容")
    assert r.status_code == 201, r.text


def test_the_overdue_reminder_never_goes_to_the_submitter_of_her_own_request(stack, org, at):
    from datetime import UTC, datetime

    from chalicelib import audiences

    sec1, sec2 = org["sec1"], org["sec2"]
    at("2026-11-01T00:00:00")
    body = {"category": "branch_life", "text": "书记本人提出的诉求", "request_key": rid(),
            "anonymous": True}  # fmt: skip
    service_requests.submit(_caller(sec1), sec1, body)
    at("2026-11-05T00:00:00")
    ctx = audiences.Context(datetime(2026, 11, 5, tzinfo=UTC))
    got = {d.member_no: d.fields for d in audiences.request_overdue(ctx, {})}
    assert sec1.member_no not in got
    assert org["com1"].member_no in got and org["g1"].member_no in got  # the others still hear
    # A late request of somebody else's still reaches her.
    service_requests.submit(_caller(org["a"]), org["a"], {**body, "request_key": rid()})
    at("2026-11-09T00:00:00")
    ctx = audiences.Context(datetime(2026, 11, 9, tzinfo=UTC))
    got = {d.member_no: d.fields for d in audiences.request_overdue(ctx, {})}
    assert sec1.member_no in got and sec2.member_no not in got

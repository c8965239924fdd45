"""Numbers JSON does not have, or Python cannot read, in any body: NaN, Infinity, 1e400 (a float
that overflows) and an integer of 5,000 digits (Python 3.11 refuses to parse one over 4,300) are a
Chinese 400 naming the field on every route that reads a body (web.json_body) — before, NaN and
Infinity reached the domain code as floats and the long integer was a 500 — and nothing is
written."""

from __future__ import annotations

import pytest
import requests

from chalicelib.models.red_energy import RedEnergyMovement
from tools.fixtures import bearer, make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")

BAD = {
    "NaN": "NaN",
    "Infinity": "Infinity",
    "-Infinity": "-Infinity",
    "1e400": "1e400",
    "5000 digits": "9" * 5000,
}


@pytest.mark.parametrize("number", list(BAD.values()), ids=list(BAD))
def test_a_number_json_cannot_hold_is_a_chinese_400(stack, number: str) -> None:
    make_tree()
    member = make_member("81000002", "B1", name="王芳")
    body = '{"project_id": "B1.p-x", "amount": ' + number + ', "request_key": "k-1234567890"}'
    reply = requests.post(
        f"{stack.url}/api/red-energy/donations",
        data=body.encode(),
        headers={**bearer(member), "Content-Type": "application/json"},
        timeout=60,
    )
    assert reply.status_code == 400, reply.text
    assert reply.json()["Message"] == "数额（amount）：数字无效或过大"
    assert list(RedEnergyMovement.scan()) == []


def test_a_key_given_twice_is_a_chinese_400(stack) -> None:
    """{"amount": 1, "amount": 999}: Python's json keeps the last silently; refused instead."""
    make_tree()
    member = make_member("81000002", "B1", name="王芳")
    body = '{"project_id": "B1.p-x", "amount": 1, "request_key": "k-1234567890", "amount": 999}'
    reply = requests.post(
        f"{stack.url}/api/red-energy/donations",
        data=body.encode(),
        headers={**bearer(member), "Content-Type": "application/json"},
        timeout=60,
    )
    assert reply.status_code == 400, reply.text
    assert reply.json()["Message"] == "字段重复：数额（amount）"
    assert list(RedEnergyMovement.scan()) == []


@pytest.mark.parametrize(
    "path",
    [
        "/branch-posts/p-1/withdraw",
        "/surveys/s-1/publish",
        "/surveys/s-1/close",
        "/volunteer-activities/va-1/signup",
    ],
)
def test_a_route_without_a_body_refuses_one(stack, path: str) -> None:
    """Fields sent to a route that takes none mean nothing there: refused, like unknown fields
    anywhere, before anything is looked up (web.no_body)."""
    make_tree()
    member = make_member("81000002", "B1", name="王芳")
    reply = requests.post(
        f"{stack.url}/api{path}",
        json={"member_no": "81000009"},
        headers=bearer(member),
        timeout=60,
    )
    assert reply.status_code == 400, reply.text
    assert reply.json()["Message"] == "不支持的字段：member_no"

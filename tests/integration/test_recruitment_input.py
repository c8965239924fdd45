"""党员发展 against odd input over HTTP (the app in-process): every route answers a clear Chinese
refusal, never a 5xx, and a refusal changes nothing; dates are YYYY-MM-DD in ASCII digits from
1900 to today; an unknown unit is answered like one out of scope (nobody learns which exist)."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest

from chalicelib.models import Member
from chalicelib.models.recruitment import Recruit
from tools.bench_routes import Routes
from tools.fixtures import bearer, make_member, make_tree, rid

pytestmark = pytest.mark.usefixtures("clean_tables")

CJK = re.compile(r"[\u4e00-\u9fff]")
TODAY = "2026-12-02"
ODD_DATES = [
    "9999-12-31", "9990-01-01", "0001-01-01", "1899-12-31", "2026-12-03", "2026-W49-2",
    "20261201", "２０２６-11-01", "2026-11-0１", "2026-11-01\n", "2026-02-30", "²⁰²⁶-11-01",
    "", " ", "2026-11-01T00:00:00",
]  # fmt: skip
ODD_VALUES = [
    "²", "１２", "٣", "x" * 5000, 10**20, -1, 1.5, True, False, [], {}, None, ["2026-11-01"],
    "\u0000", "\ud800", "🙂" * 3,
]  # fmt: skip


@pytest.fixture
def org(dynamodb, at):
    make_tree()
    sec = make_member("51000001", "B1", name="一支书记", roles=("branch_secretary",))
    other = make_member("51000002", "B2", name="二支书记", roles=("branch_secretary",))
    routes = Routes()
    headers = {"sec": bearer(sec), "other": bearer(other)}  # at the real time (`iat`)
    at(f"{TODAY}T10:00:00")
    body = {"name": "张三", "applied_on": "2026-11-01", "request_key": rid()}
    pid = send(routes, headers["sec"], "POST", "/units/B1/recruitment", body)[1]["id"]
    return routes, headers, pid


def send(routes, headers, method, path, body=None):
    data = b"" if body is None else json.dumps(body).encode("utf-8", "surrogatepass")
    reply = routes.http.request(
        method, path, headers={"Content-Type": "application/json", **headers}, body=data
    )
    return reply.status_code, json.loads(reply.body or b"null")


def snapshot() -> list:
    people = sorted(
        (json.dumps(p.to_simple_dict(), sort_keys=True, default=str) for p in Recruit.scan()),
    )
    members = sorted(json.dumps(m.to_simple_dict(), sort_keys=True) for m in Member.scan())
    return [people, members]


def refused(reply, status=400) -> None:
    got, body = reply
    assert got == status, body
    assert CJK.search(body["Message"]), body


def never_5xx(reply) -> None:
    got, body = reply
    assert got < 500, body
    if got >= 400:
        assert CJK.search(body["Message"]), body


@pytest.mark.parametrize("field", ["applied_on", "birth_date"])
@pytest.mark.parametrize("value", ODD_DATES)
def test_a_registration_refuses_an_odd_date(org, field, value) -> None:
    routes, headers, _ = org
    before = snapshot()
    body = {"name": "李四", "applied_on": "2026-11-01", "request_key": rid(), field: value}
    refused(send(routes, headers["sec"], "POST", "/units/B1/recruitment", body))
    assert snapshot() == before


@pytest.mark.parametrize("value", ODD_DATES)
def test_a_step_refuses_an_odd_date(org, value) -> None:
    routes, headers, pid = org
    before = snapshot()
    body = {"step": "talk", "on": value, "request_key": rid()}
    refused(send(routes, headers["sec"], "POST", f"/recruitment/{pid}/steps", body))
    assert snapshot() == before


ODD_DAYS = ["²", "١٢", "１２", "-1", "91", "1e1", " 7", "7\n", "x" * 3000, ""]


@pytest.mark.parametrize("value", ODD_DAYS)
def test_the_days_ahead_refuses_odd_numbers(org, value) -> None:
    routes, headers, pid = org
    for path in ("/units/B1/recruitment", f"/recruitment/{pid}"):
        refused(send(routes, headers["sec"], "GET", f"{path}?days={quote(value)}"))


REGISTER = {
    "name": "李四", "gender": "女", "birth_date": "1990-01-01", "phone": "13900001111",
    "applied_on": "2026-11-01", "note": "备注", "request_key": "k",
}  # fmt: skip
STEP = {
    "step": "talk", "on": "2026-11-05", "note": "谈话", "outcome": "full", "months": 6,
    "member_no": "60000001", "request_key": "k",
}  # fmt: skip


@pytest.mark.parametrize("value", ODD_VALUES, ids=repr)
def test_every_field_of_every_write_takes_odd_values_without_a_5xx(org, value) -> None:
    routes, headers, pid = org
    for path, fields, base in (
        ("/units/B1/recruitment", REGISTER, {"name": "李四", "applied_on": "2026-11-01"}),
        (f"/recruitment/{pid}/steps", STEP, {"step": "talk", "on": "2026-11-05"}),
    ):
        for field in fields:
            before = snapshot()
            body = {**base, "request_key": rid(), field: value}
            reply = send(routes, headers["sec"], "POST", path, body)
            never_5xx(reply)
            if reply[0] >= 400:
                assert snapshot() == before, (field, value)


@pytest.mark.parametrize("value", ["李\u0000四", "李\n四", "\u001b[31m", "李\u007f"])
def test_a_name_refuses_control_characters(org, value) -> None:
    routes, headers, _ = org
    before = snapshot()
    body = {"name": value, "applied_on": "2026-11-01", "request_key": rid()}
    refused(send(routes, headers["sec"], "POST", "/units/B1/recruitment", body))
    assert snapshot() == before


ODD_PHONES = ["１３８００００１２３４", "1３８００００１２３４", "13800001234\n", "２"]


@pytest.mark.parametrize("value", ODD_PHONES)
def test_a_phone_number_is_ascii_digits(org, value) -> None:
    routes, headers, _ = org
    before = snapshot()
    body = {"name": "李四", "applied_on": "2026-11-01", "phone": value, "request_key": rid()}
    refused(send(routes, headers["sec"], "POST", "/units/B1/recruitment", body))
    assert snapshot() == before


@pytest.mark.parametrize("unit", ["B9", "nosuch", "Ｂ1", "B1%0A", "x" * 40])
def test_odd_paths_are_answered_without_a_5xx(org, unit) -> None:
    routes, headers, _ = org
    for method, path, body in (
        ("GET", f"/units/{quote(unit)}/recruitment", None),
        ("POST", f"/units/{quote(unit)}/recruitment", {**REGISTER, "request_key": rid()}),
        ("GET", f"/recruitment/rp_{quote(unit)}", None),
        ("POST", f"/recruitment/rp_{quote(unit)}/steps", {**STEP, "request_key": rid()}),
    ):
        never_5xx(send(routes, headers["sec"], method, path, body))


def test_an_unknown_unit_is_answered_like_one_out_of_scope(org) -> None:
    routes, headers, _ = org
    for method, body in (("GET", None), ("POST", {**REGISTER, "request_key": rid()})):
        out_of_scope = send(routes, headers["other"], method, "/units/B1/recruitment", body)
        for unit in ("B9", "nosuch", "x" * 40):
            unknown = send(routes, headers["other"], method, f"/units/{unit}/recruitment", body)
            assert unknown == out_of_scope
            assert unknown[0] == 403

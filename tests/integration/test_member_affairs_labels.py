"""The bad-input messages of member affairs' routes (issue 15: 党费, 组织关系转接, 党员发展) name
every field in Chinese: each route of openapi.yaml that takes a body, over HTTP, with the body
missing every field and with each field of the wrong type; no ASCII field name appears without
its Chinese label before it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from chalicelib.web import FIELD_LABELS
from tools.bench_routes import Routes
from tools.fixtures import bearer, make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")

OPENAPI = Path(__file__).resolve().parents[2] / "functions" / "openapi.yaml"
ISSUE_15 = re.compile(
    r"^/(me/dues|units/\{unit_id\}/dues|dues/|transfers|transfer-|me/transfer"
    r"|units/\{unit_id\}/transfers|units/\{unit_id\}/recruitment|recruitment/"
    r"|members/\{member_no\}/dues/|me/directory|units/\{unit_id\}/anniversaries)"
)
PATH_VALUES = {
    "unit_id": "B1",
    "member_no": "61000001",
    "person_id": "rp_abcdefghijkl",
    "transfer_id": "tr_abcdefghijkl",
    "ref": "ref-1",
}
# 中文 label (itself possibly with a （…） part, "金额（分）"), then （ascii_name）.
LABELLED = re.compile(
    r"([\u4e00-\u9fff][^\s、：，（]*(?:（[^（）]*）)?)（([A-Za-z_][A-Za-z0-9_]*)）"
)


def routes_of_issue_15() -> list[tuple[str, str, dict, dict]]:
    spec = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))
    found = []
    for path, ops in spec["paths"].items():
        if not ISSUE_15.match(path):
            continue
        for method, op in ops.items():
            if not isinstance(op, dict):
                continue
            for param in op.get("parameters") or []:
                if isinstance(param, dict) and param.get("in") == "query":
                    found.append((method.upper(), path, {param["name"]: None}, {}))
            body = op.get("requestBody")
            if body:
                schema = body["content"]["application/json"]["schema"]
                if "$ref" in schema:
                    schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
                found.append((method.upper(), path, {}, schema.get("properties") or {}))
    return found


ROUTES = routes_of_issue_15()


def unlabelled(message: str) -> list[str]:
    """ASCII field names in the message that are not written 中文（name） with their label."""
    for label, name in LABELLED.findall(message):
        assert label.startswith(FIELD_LABELS.get(name, "\0")), (name, message)
    rest = LABELLED.sub("", message)
    return re.findall(r"[A-Za-z_]{2,}", rest)


def test_the_walk_covers_the_routes_of_issue_15() -> None:
    paths = {path for _, path, _, _ in ROUTES}
    assert {"/dues/payments", "/transfers", "/transfer-arrivals", "/units/{unit_id}/recruitment",
            "/recruitment/{person_id}/steps"} <= paths  # fmt: skip
    assert sum(bool(fields) for *_, fields in ROUTES) >= 7


def test_every_field_of_issue_15_has_a_chinese_label() -> None:
    names = {name for *_, query, fields in ROUTES for name in (*query, *fields)}
    assert not sorted(n for n in names if n not in FIELD_LABELS)


@pytest.fixture
def client(dynamodb):
    make_tree()
    member = make_member("61000009", "B1", name="一支书记", roles=("branch_secretary",))
    return Routes(), {"Content-Type": "application/json", **bearer(member)}


def test_bad_bodies_name_every_field_in_chinese(client) -> None:
    routes, headers = client
    for method, template, _, fields in ROUTES:
        if not fields:
            continue
        path = re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES[m[1]], template)
        typed = {n: 1 if f.get("type") == "integer" else "x" for n, f in fields.items()}
        # Every field missing; then each field of the wrong type, the others of the right one.
        bodies = [{}] + [{**typed, name: [["odd"]]} for name in fields]
        for body in bodies:
            reply = routes.http.request(method, path, headers=headers, body=json.dumps(body))
            message = json.loads(reply.body)["Message"]
            assert reply.status_code == 400, (template, body, message)
            assert not unlabelled(message), (template, body, message)
            if len(body) > 1:
                odd = next(n for n, v in body.items() if v == [["odd"]])
                assert f"（{odd}）" in message, (template, body, message)

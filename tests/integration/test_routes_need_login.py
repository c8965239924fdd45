"""Every operation the OpenAPI document marks as bearer-secured refuses callers without a token."""

from __future__ import annotations

import jwt
import pytest
import requests

from tests.unit.test_openapi import SPEC

SECURED = [
    (path, method.upper())
    for path, item in SPEC["paths"].items()
    for method, op in item.items()
    if op.get("security") == [{"bearer": []}]
]
FORGED = jwt.encode({"sub": "10000001", "iat": 0, "exp": 4102444800}, "x" * 48, algorithm="HS256")


@pytest.mark.parametrize(("path", "method"), SECURED)
@pytest.mark.parametrize(
    "auth", [None, "Bearer", "Bearer not-a-jwt", f"Bearer {FORGED}", "Basic abc"]
)
def test_secured_routes_refuse_without_a_valid_token(stack, path, method, auth):
    headers = {"Content-Type": "application/json"}
    if auth:
        headers["Authorization"] = auth
    r = requests.request(method, f"{stack.url}/api{path}", headers=headers, data="{}", timeout=30)
    assert r.status_code == 401
    assert r.json()["Code"] == "UnauthorizedError"
    assert "登录" in r.json()["Message"]

"""The OpenAPI document and the app's routes describe the same API."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from app import app

SPEC = yaml.safe_load((Path(__file__).resolve().parents[2] / "functions/openapi.yaml").read_text())


def _spec_operations() -> set[tuple[str, str]]:
    return {
        (path, method.upper())
        for path, item in SPEC["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }


def test_every_route_is_documented_and_nothing_else():
    routes = {(path, method) for path, methods in app.routes.items() for method in methods}
    assert _spec_operations() == routes


def test_every_operation_documents_its_responses_and_errors_share_one_schema():
    for path, item in SPEC["paths"].items():
        for method, op in item.items():
            assert op.get("summary"), f"{method} {path} has no summary"
            assert op.get("responses"), f"{method} {path} has no responses"
            if op.get("security") == [{"bearer": []}]:
                assert "401" in op["responses"], f"{method} {path} needs a 401 response"


# --- exact to parameters, request bodies, security and status codes ---------------------------

import re  # noqa: E402

from chalicelib import identifiers  # noqa: E402

OPERATIONS = [
    (path, method, op)
    for path, item in SPEC["paths"].items()
    for method, op in item.items()
    if method in {"get", "post", "put", "patch", "delete"}
]
# Operations that never touch the database (no 503 to declare).
NO_DATABASE = {("/points/rules", "get"), ("/auth/options", "get")}


def _resolve(node: dict) -> dict:
    ref = node.get("$ref")
    if not ref:
        return node
    out: dict = SPEC
    for part in ref.lstrip("#/").split("/"):
        out = out[part]
    return out


def _view(path: str, method: str):
    return app.routes[path][method.upper()].view_function


@pytest.mark.parametrize(("path", "method", "op"), OPERATIONS, ids=lambda v: str(v)[:40])
def test_every_path_parameter_is_declared(path, method, op):
    declared = {p["name"] for p in map(_resolve, op.get("parameters", [])) if p["in"] == "path"}
    assert declared == set(re.findall(r"\{(\w+)\}", path)), f"{method} {path}"


@pytest.mark.parametrize(("path", "method", "op"), OPERATIONS, ids=lambda v: str(v)[:40])
def test_security_says_what_the_route_requires(path, method, op):
    auth = _view(path, method).auth
    security = op.get("security", [])
    if auth == "signed_in":
        assert security == [{"bearer": []}], f"{method} {path}"
        assert "401" in op["responses"]
    elif auth == "optional":
        assert security == [{}, {"bearer": []}], f"{method} {path}"
        assert "401" in op["responses"]
    else:
        assert not any("bearer" in s for s in security), f"{method} {path} is public"


_KINDS = {str: "string", int: "integer", bool: "boolean", list: "array", dict: "object"}
_KINDS[float] = "number"  # a JSON number that may have a fraction (志愿服务 hours)


@pytest.mark.parametrize(("path", "method", "op"), OPERATIONS, ids=lambda v: str(v)[:40])
def test_request_bodies_are_the_ones_the_routes_take(path, method, op):
    fields = getattr(_view(path, method), "body_fields", None)
    body = op.get("requestBody")
    if fields is None:
        assert body is None, f"{method} {path} documents a body the route does not take"
        return
    schema = body["content"]["application/json"]["schema"]
    assert body.get("required") is True and schema.get("additionalProperties") is False
    assert set(schema["properties"]) == set(fields), f"{method} {path}"
    assert set(schema.get("required", [])) == {n for n, f in fields.items() if f.required}
    for name, field in fields.items():
        prop = schema["properties"][name]
        kinds = field.kind if isinstance(field.kind, tuple) else (field.kind,)
        assert prop.get("type") in {_KINDS[k] for k in kinds}, f"{method} {path} {name}"
        if prop.get("type") == "string":
            assert "maxLength" in prop and prop["maxLength"] <= field.max_chars, (path, name)
    for status in ("400", "413"):
        assert status in op["responses"], f"{method} {path} needs {status}"


@pytest.mark.parametrize(("path", "method", "op"), OPERATIONS, ids=lambda v: str(v)[:40])
def test_database_trouble_is_documented(path, method, op):
    if (path, method) in NO_DATABASE:
        assert "503" not in op["responses"]
    else:
        assert "503" in op["responses"], f"{method} {path}"


_PATTERNS = {
    "slug": None,  # 404 for any unknown slug: no pattern promised
    "campaign_id": identifiers.CAMPAIGN_ID,
    "view_id": identifiers.CLIENT_KEY,
    "request_id": identifiers.CLIENT_KEY,
    "member_no": identifiers.MEMBER_NO,
    "content_hash": identifiers.CONTENT_HASH,
    "message_id": identifiers.MESSAGE_ID,
}


def _patterns():
    """(where, name, pattern) of every documented pattern of an identifier."""
    for path, method, op in OPERATIONS:
        for p in map(_resolve, op.get("parameters", [])):
            yield f"{method} {path}", p["name"], p.get("schema", {}).get("pattern")
        body = op.get("requestBody")
        if body:
            props = body["content"]["application/json"]["schema"]["properties"]
            for name, prop in props.items():
                yield f"{method} {path}", name, prop.get("pattern")


def test_identifier_patterns_are_the_ones_the_code_uses():
    for where, name, pattern in _patterns():
        wanted = _PATTERNS.get(name)
        if pattern is not None and wanted is not None:
            assert pattern == f"^{wanted.pattern}$", f"{where}: {name}"


def test_every_reference_resolves() -> None:
    """A `$ref` names a component that exists in its own section (a schema merged under
    `parameters` leaves every reference to it dangling)."""
    text = (Path(__file__).resolve().parents[2] / "functions/openapi.yaml").read_text()
    refs = set(re.findall(r"#/components/(\w+)/(\w+)", text))
    dangling = sorted(
        f"{section}/{name}"
        for section, name in refs
        if name not in SPEC["components"].get(section, {})
    )
    assert not dangling


def test_every_signed_in_write_documents_the_write_budget():
    """A signed-in member's POST/PUT/PATCH/DELETE may meet her write budget (write_budget.py):
    its 429 is declared, with Retry-After."""
    for path, method, op in OPERATIONS:
        if method == "get" or not any("bearer" in s for s in op.get("security", [])):
            continue
        refused = _resolve(op["responses"].get("429", {}))
        assert "Retry-After" in refused.get("headers", {}), f"{method} {path}"
        assert "write budget" in refused.get("description", ""), f"{method} {path}"

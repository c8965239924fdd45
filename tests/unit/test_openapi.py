"""The OpenAPI document and the app's routes describe the same API."""

from __future__ import annotations

from pathlib import Path

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

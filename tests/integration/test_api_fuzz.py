"""Property-based requests from the OpenAPI document (schemathesis) against the real API:
no request produces a 5xx, every status and body the API answers is one the document declares.

Generated from `functions/openapi.yaml` as it is, with valid and invalid data (schemathesis's
positive and negative modes), signed in as a member of a small seeded organisation. The example
count is kept small for CI (FUZZ_EXAMPLES, default 25 per operation and mode); raise it to soak.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tools.fixtures import bearer, make_campaign, make_item, make_member, make_tree

SPEC = Path(__file__).resolve().parents[2] / "functions" / "openapi.yaml"
schema = schemathesis.openapi.from_path(SPEC)
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def fuzz_auth(stack) -> dict[str, str]:
    from tools.tables import truncate_all

    truncate_all()
    make_tree()
    member = make_member("77000001", "B1", roles=("branch_secretary",), password=None)
    make_item("a1")
    make_campaign("c1")
    return {**bearer(member), "X-Requested-With": "dangjian-h5"}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_request_gets_a_5xx_or_an_undocumented_answer(case, stack, fuzz_auth):
    case.call_and_validate(base_url=f"{stack.url}/api", headers=fuzz_auth, checks=CHECKS)

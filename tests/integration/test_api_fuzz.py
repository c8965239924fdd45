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
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
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


OPERATIONS = sorted((op.ok().path, op.ok().method.upper()) for op in schema.get_all_operations())


# Parametrised by pytest itself (not schemathesis' own collection), so that every operation and
# mode is its own test item under pytest-xdist too.
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=lambda v: str(v))
def test_no_request_gets_a_5xx_or_an_undocumented_answer(path, method, mode, stack, fuzz_auth):
    operation = schema[path][method]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case) -> None:
        case.call_and_validate(base_url=f"{stack.url}/api", headers=fuzz_auth, checks=CHECKS)

    try:
        check()
    except Unsatisfiable:
        # No invalid request can be made from this operation's document (no body, no
        # constrained parameter): nothing to send in this mode.
        assert mode == GenerationMode.NEGATIVE
        pytest.skip("nothing in this operation can be made invalid")

"""`infra/deploy.py` decisions in states moto cannot put a stack into (the rest runs against a
moto server in tests/integration/test_deploy_moto.py): which change set a state allows, names."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from infra import deploy


class _Stacks:
    """The one call `change_set_type` makes, answering as CloudFormation does."""

    def __init__(self, status: str | None) -> None:
        self.status = status

    def describe_stacks(self, StackName: str) -> dict[str, Any]:  # noqa: N803 (botocore's name)
        if self.status is None:
            error = {
                "Code": "ValidationError",
                "Message": f"Stack with id {StackName} does not exist",
            }
            raise ClientError({"Error": error}, "DescribeStacks")
        return {"Stacks": [{"StackName": StackName, "StackStatus": self.status}]}


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (None, "CREATE"),
        # A first change set that failed leaves an empty stack in review: create again.
        ("REVIEW_IN_PROGRESS", "CREATE"),
        ("CREATE_COMPLETE", "UPDATE"),
        ("UPDATE_COMPLETE", "UPDATE"),
        ("UPDATE_ROLLBACK_COMPLETE", "UPDATE"),
    ],
)
def test_the_stacks_state_decides_create_or_update(status: str | None, kind: str) -> None:
    assert deploy.change_set_type(_Stacks(status), "dangjian-dev") == kind


@pytest.mark.parametrize(
    ("status", "says"),
    [
        ("ROLLBACK_COMPLETE", "delete the stack"),
        ("UPDATE_ROLLBACK_FAILED", "continue the rollback"),
        ("UPDATE_IN_PROGRESS", "another operation is running"),
        ("DELETE_IN_PROGRESS", "another operation is running"),
    ],
)
def test_a_stack_that_cannot_take_a_change_set_is_refused_with_what_to_do(
    status: str, says: str
) -> None:
    with pytest.raises(SystemExit, match=f"dangjian-dev is {status}: .*{says}"):
        deploy.change_set_type(_Stacks(status), "dangjian-dev")


def test_change_set_names_are_unique_and_valid_for_the_same_release() -> None:
    code, template = (
        "dangjian/dev/8816704e83c36dce-deployment.zip",
        "dangjian/dev/9b4fa6193206f316-packaged.json",
    )
    names = {deploy.change_set_name(code, template) for _ in range(50)}
    assert len(names) == 50
    for name in names:
        assert name.startswith("deploy-") and "-8816704e-9b4fa619-" in name
        assert len(name) <= 128 and all(c.isalnum() or c == "-" for c in name)

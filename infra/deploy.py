"""`make deploy STAGE=...`: package, upload, and create or update the stack `dangjian-<stage>`.

Uses botocore (already installed for PynamoDB) instead of the AWS CLI: awscli v1 pins an old
docutils that conflicts with Pelican's, and the CLI's `s3 sync` compares sizes and times, not
checksums. Needs AWS credentials in the usual places (environment, profile, SSO).

    python infra/deploy.py STAGE --artifacts BUCKET [--region REGION]
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import botocore.session
from botocore.exceptions import ClientError, WaiterError

from infra import package as pkg

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]  # roles; the SAM transform


def stack_name(stage: str) -> str:
    # The hand-written policy's log-group ARNs assume functions named `dangjian-<stage>-...`,
    # which CloudFormation derives from the stack name.
    return f"dangjian-{stage}"


def s3_url(region: str, bucket: str, key: str) -> str:
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://{bucket}.s3.{region}.{suffix}/{key}"


def upload(s3: Any, bucket: str, path: Path, stage: str) -> str:
    """Content-addressed, so an earlier version stays in the bucket for a rollback."""
    data = path.read_bytes()
    key = f"dangjian/{stage}/{hashlib.sha256(data).hexdigest()[:16]}-{path.name}"
    s3.put_object(Bucket=bucket, Key=key, Body=data)
    return key


# A stack in one of these states cannot take a change set. Saying what to do beats
# CloudFormation's "is in X state and can not be updated".
BLOCKED = {
    "ROLLBACK_COMPLETE": "its first creation failed and was rolled back; delete the stack and "
    "deploy again (tables are retained: an empty dangjian-<stage>-* table the failed attempt "
    "left must be deleted first, or the new stack cannot create it)",
    "ROLLBACK_FAILED": "a rollback failed; see the stack's events, fix and delete it",
    "DELETE_FAILED": "a delete failed; see the stack's events",
    "UPDATE_ROLLBACK_FAILED": "an update's rollback failed; continue the rollback (console or "
    "`continue-update-rollback`) before deploying again",
}


def stack_status(cfn: Any, name: str) -> str | None:
    """The stack's status, or None when there is none (a deleted stack is not listed by name)."""
    try:
        stacks = cfn.describe_stacks(StackName=name)["Stacks"]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise
    return stacks[0]["StackStatus"]


def change_set_type(cfn: Any, name: str) -> str:
    """CREATE for a new stack (or one left in review by a failed first change set), else UPDATE."""
    status = stack_status(cfn, name)
    if status in (None, "REVIEW_IN_PROGRESS"):
        return "CREATE"
    if status in BLOCKED:
        raise SystemExit(f"{name} is {status}: {BLOCKED[status]}")
    if status.endswith("_IN_PROGRESS"):
        raise SystemExit(f"{name} is {status}: another operation is running; wait for it")
    return "UPDATE"


def packaged_template(template: dict[str, Any], code_uri: str) -> dict[str, Any]:
    """Chalice's template with every function's code pointing at the uploaded zip."""
    out = copy.deepcopy(template)
    for resource in out["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = code_uri
    return out


def change_set_name(code_key: str, template_key: str) -> str:
    """Unique per run, so a change set left from an earlier run never clashes with this one, and
    saying what went: `deploy-<UTC time>-<code hash>-<template hash>-<random>`."""
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    code, template = (k.rsplit("/", 1)[-1].split("-")[0][:8] for k in (code_key, template_key))
    return f"deploy-{stamp}-{code}-{template}-{secrets.token_hex(3)}"


def deploy(
    stage: str,
    region: str,
    artifacts: str,
    built: pkg.Package | None = None,
    import_existing: bool = False,
) -> dict[str, str]:
    """Package (unless `built` is given), upload, apply one change set; the stack's outputs.
    `import_existing`: CloudFormation imports the template's named resources that exist and
    belong to no stack instead of creating them (tools/restore.py's switch: restored tables)."""
    if built is None:
        built = pkg.package(stage, region)
    print(built.report())
    built.check_limits()
    session = botocore.session.get_session()
    s3 = session.create_client("s3", region_name=region)
    cfn = session.create_client("cloudformation", region_name=region)

    code_key = upload(s3, artifacts, built.zip_path, stage)
    template = packaged_template(built.template, f"s3://{artifacts}/{code_key}")
    template_path = built.directory / "packaged.json"
    template_path.write_text(json.dumps(template, ensure_ascii=False))
    template_key = upload(s3, artifacts, template_path, stage)

    name = stack_name(stage)
    kind = change_set_type(cfn, name)
    change_set = change_set_name(code_key, template_key)
    print(f"{kind} {name} in {region} (change set {change_set})")
    # Later calls name the change set by its ARN: exactly this one, whatever else the stack has.
    change_set_id = cfn.create_change_set(
        StackName=name,
        ChangeSetName=change_set,
        ChangeSetType=kind,
        TemplateURL=s3_url(region, artifacts, template_key),
        Capabilities=CAPABILITIES,
        Tags=[{"Key": "app", "Value": "dangjian"}, {"Key": "stage", "Value": stage}],
        **({"ImportExistingResources": True} if import_existing else {}),
    )["Id"]
    try:
        cfn.get_waiter("change_set_create_complete").wait(
            ChangeSetName=change_set_id, WaiterConfig={"Delay": 5}
        )
    except WaiterError:
        reason = cfn.describe_change_set(ChangeSetName=change_set_id).get("StatusReason", "")
        # A failed change set cannot be executed; it would only pile up on the stack.
        cfn.delete_change_set(ChangeSetName=change_set_id)
        if "didn't contain changes" in reason or "No updates" in reason:
            print("no changes to the stack")
            return outputs(cfn, name)
        raise SystemExit(f"change set {change_set} failed: {reason}") from None
    cfn.execute_change_set(ChangeSetName=change_set_id)
    waiter = "stack_create_complete" if kind == "CREATE" else "stack_update_complete"
    try:
        cfn.get_waiter(waiter).wait(StackName=name, WaiterConfig={"Delay": 15, "MaxAttempts": 240})
    except WaiterError as exc:
        raise SystemExit(
            f"{name} did not reach {waiter}: {exc}; CloudFormation rolls an update back by itself "
            "(see the stack's events)"
        ) from None
    return outputs(cfn, name)


def outputs(cfn: Any, name: str) -> dict[str, str]:
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage")
    parser.add_argument("--region", default=os.environ.get("AWS_REGION") or pkg.DEFAULT_REGION)
    parser.add_argument("--artifacts", required=True, help="S3 bucket for code and templates")
    args = parser.parse_args()
    for key, value in sorted(deploy(args.stage, args.region, args.artifacts).items()):
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()

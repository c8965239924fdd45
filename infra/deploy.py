"""`make deploy STAGE=...`: package, upload, and create or update the stack `dangjian-<stage>`.

Uses botocore (already installed for PynamoDB) instead of the AWS CLI: awscli v1 pins an old
docutils that conflicts with Pelican's, and the CLI's `s3 sync` compares sizes and times, not
checksums. Needs AWS credentials in the usual places (environment, profile, SSO).

    python infra/deploy.py STAGE --artifacts BUCKET [--region REGION]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "infra"))

import botocore.session  # noqa: E402
import package as pkg  # noqa: E402
from botocore.exceptions import ClientError, WaiterError  # noqa: E402

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


def stack_exists(cfn: Any, name: str) -> bool:
    try:
        stacks = cfn.describe_stacks(StackName=name)["Stacks"]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return False
        raise
    return stacks[0]["StackStatus"] != "REVIEW_IN_PROGRESS"


def deploy(stage: str, region: str, artifacts: str) -> dict[str, str]:
    built = pkg.package(stage, region)
    print(built.report())
    built.check_limits()
    session = botocore.session.get_session()
    s3 = session.create_client("s3", region_name=region)
    cfn = session.create_client("cloudformation", region_name=region)

    code_key = upload(s3, artifacts, built.zip_path, stage)
    template = built.template
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = f"s3://{artifacts}/{code_key}"
    template_path = built.directory / "packaged.json"
    template_path.write_text(json.dumps(template, ensure_ascii=False))
    template_key = upload(s3, artifacts, template_path, stage)

    name = stack_name(stage)
    change_set = f"deploy-{code_key.split('/')[-1][:16]}-{template_key.split('/')[-1][:8]}"
    kind = "UPDATE" if stack_exists(cfn, name) else "CREATE"
    print(f"{kind} {name} in {region} (change set {change_set})")
    cfn.create_change_set(
        StackName=name,
        ChangeSetName=change_set,
        ChangeSetType=kind,
        TemplateURL=s3_url(region, artifacts, template_key),
        Capabilities=CAPABILITIES,
        Tags=[{"Key": "app", "Value": "dangjian"}, {"Key": "stage", "Value": stage}],
    )
    try:
        cfn.get_waiter("change_set_create_complete").wait(StackName=name, ChangeSetName=change_set)
    except WaiterError:
        reason = cfn.describe_change_set(StackName=name, ChangeSetName=change_set).get(
            "StatusReason", ""
        )
        if "didn't contain changes" in reason or "No updates" in reason:
            cfn.delete_change_set(StackName=name, ChangeSetName=change_set)
            print("no changes to the stack")
            return outputs(cfn, name)
        raise SystemExit(f"change set failed: {reason}") from None
    cfn.execute_change_set(StackName=name, ChangeSetName=change_set)
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

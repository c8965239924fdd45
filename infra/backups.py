"""The exports bucket in the template: where `schedules.export_tables` puts the weekly export of
every table (chalicelib/backups.py), and the bucket's name in that function's environment.

Private (public access blocked, bucket-owner-enforced), SSE-S3, TLS only, not versioned (an
export is written once; a version history would only keep expired exports longer); a lifecycle
rule deletes every object `export_keep_days` (infra/operations.toml) after it was written, and
drops unfinished multipart uploads after a day. Kept when the stack is deleted or replaced: the
exports must outlive what they back up. Named from the stack, as infra/access.py grants it.
"""

from __future__ import annotations

from typing import Any

from infra import operations

BUCKET = "ExportsBucket"
FUNCTION = "ExportTables"  # Chalice's id of `export_tables` (infra/template.cfn_name)


def bucket(keep_days: int) -> dict[str, Any]:
    return {
        "Type": "AWS::S3::Bucket",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "BucketName": {"Fn::Sub": "${AWS::StackName}-exports-${AWS::AccountId}-${AWS::Region}"},
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                ]
            },
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            "LifecycleConfiguration": {
                "Rules": [
                    {
                        "Id": "expire-exports",
                        "Status": "Enabled",
                        "ExpirationInDays": keep_days,
                        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                    }
                ]
            },
        },
    }


def bucket_policy() -> dict[str, Any]:
    arn = {"Fn::GetAtt": [BUCKET, "Arn"]}
    return {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": {"Ref": BUCKET},
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "TlsOnly",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [arn, {"Fn::Sub": f"${{{BUCKET}.Arn}}/*"}],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ],
            },
        },
    }


def add(template: dict[str, Any], stage: str) -> None:
    """The bucket, its policy, its name in the export function's environment and an output."""
    keep = operations.load(stage).export_keep_days
    resources = template["Resources"]
    resources[BUCKET] = bucket(keep)
    resources[BUCKET + "Policy"] = bucket_policy()
    resources.setdefault(FUNCTION, {}).setdefault("Properties", {}).setdefault(
        "Environment", {}
    ).setdefault("Variables", {})["EXPORTS_BUCKET"] = {"Ref": BUCKET}
    template.setdefault("Outputs", {})["ExportsBucketName"] = {"Value": {"Ref": BUCKET}}

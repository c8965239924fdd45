"""The IAM policies of the functions, made from the access map (infra/access.py) and the models.

`make package` writes them (infra/package.py) before `chalice package` reads them; they are not
kept in git. `python infra/policy.py STAGE` prints the API's policy.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from chalicelib.settings import get_settings
from infra.access import (
    ACCESS,
    EXPORT_ACTIONS,
    EXPORT_MARKER,
    EXPORTERS,
    EXPORTS_BUCKET,
    JWT_PARAMETER,
    STREAMS,
    UPLOAD_ACTIONS,
    UPLOAD_PREFIXES,
    UPLOADS_BUCKET,
    WECHAT_MP_PARAMETER,
    WECHAT_MP_SECRET_READERS,
    WECOM_PARAMETER,
    WECOM_SECRET_READERS,
)

ROOT = Path(__file__).resolve().parent.parent
CHALICE = ROOT / "functions" / ".chalice"

_ARN = "arn:${AWS::Partition}"


def _config() -> dict[str, Any]:
    return json.loads((CHALICE / "config.json").read_text())


def table_name(model: type, stage: str) -> str:
    """The model's table in `stage` (the models carry the local prefix; swap it)."""
    suffix = model.Meta.table_name.removeprefix(get_settings().table_prefix)
    prefix = _config()["stages"][stage]["environment_variables"]["TABLE_PREFIX"]
    return f"{prefix}{suffix}"


def _sid(model: type, index: str | None) -> str:
    parts = [model.__name__] + ([p.capitalize() for p in index.split("-")] if index else [])
    return "".join(parts)


def policy(stage: str, function: str = "api") -> dict[str, Any]:
    statements: list[dict[str, Any]] = [
        {
            "Sid": "Logs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": {
                "Fn::Sub": f"{_ARN}:logs:${{AWS::Region}}:${{AWS::AccountId}}"
                f":log-group:/aws/lambda/dangjian-{stage}-*"
            },
        }
    ]
    if function == "api":
        statements.append(
            {
                "Sid": "JwtKeys",
                "Effect": "Allow",
                "Action": ["ssm:GetParameter"],
                "Resource": {
                    "Fn::Sub": f"{_ARN}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter"
                    + JWT_PARAMETER.format(stage=stage)
                },
            }
        )
    if function in WECOM_SECRET_READERS:
        statements.append(
            {
                "Sid": "WeComSecret",
                "Effect": "Allow",
                "Action": ["ssm:GetParameter"],
                "Resource": {
                    "Fn::Sub": f"{_ARN}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter"
                    + WECOM_PARAMETER.format(stage=stage)
                },
            }
        )
    if function in WECHAT_MP_SECRET_READERS:  # 公众号 sign-in and sharing, template messages
        statements.append(
            {
                "Sid": "WeChatMpSecret",
                "Effect": "Allow",
                "Action": ["ssm:GetParameter"],
                "Resource": {
                    "Fn::Sub": f"{_ARN}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter"
                    + WECHAT_MP_PARAMETER.format(stage=stage)
                },
            }
        )
    if function == "api":  # files from phones: each area's uploads and the files it keeps
        bucket = f"{_ARN}:s3:::" + UPLOADS_BUCKET.format(stage=stage)
        statements.append(
            {
                "Sid": "Uploads",
                "Effect": "Allow",
                "Action": list(UPLOAD_ACTIONS),
                "Resource": [
                    {"Fn::Sub": f"{bucket}/{where}{area}/*"}
                    for area in UPLOAD_PREFIXES
                    for where in ("incoming/", "")
                ],
            }
        )
    if function == "api":  # 微党课 media: editors' uploads and the checked files
        from infra.access import MEDIA_BUCKET, MEDIA_GRANTS

        bucket = f"{_ARN}:s3:::" + MEDIA_BUCKET.format(stage=stage)
        for sid, (where, actions) in MEDIA_GRANTS.items():
            statements.append(
                {
                    "Sid": sid,
                    "Effect": "Allow",
                    "Action": list(actions),
                    "Resource": [{"Fn::Sub": f"{bucket}/{where}"}],
                }
            )
    if function in EXPORTERS:  # the weekly export: its markers, and DynamoDB's files
        bucket = f"{_ARN}:s3:::" + EXPORTS_BUCKET.format(stage=stage)
        statements.append(
            {
                "Sid": "ExportsList",
                "Effect": "Allow",
                "Action": ["s3:ListBucket"],
                "Resource": [{"Fn::Sub": bucket}],
            }
        )
        statements.append(
            {
                "Sid": "ExportsWrite",
                "Effect": "Allow",
                "Action": list(EXPORT_ACTIONS),
                "Resource": [{"Fn::Sub": f"{bucket}/*"}],
            }
        )
        # The daily check of the week's exports (chalicelib/backups.check): the markers only
        # (not the exported items), and DescribeExport on the stage's tables' exports.
        statements.append(
            {
                "Sid": "ExportsMarkers",
                "Effect": "Allow",
                "Action": ["s3:GetObject"],
                "Resource": [{"Fn::Sub": f"{bucket}/*/{EXPORT_MARKER}"}],
            }
        )
        prefix = _config()["stages"][stage]["environment_variables"]["TABLE_PREFIX"]
        statements.append(
            {
                "Sid": "ExportsCheck",
                "Effect": "Allow",
                "Action": ["dynamodb:DescribeExport"],
                "Resource": [
                    {
                        "Fn::Sub": f"{_ARN}:dynamodb:${{AWS::Region}}:${{AWS::AccountId}}"
                        f":table/{prefix}*/export/*"
                    }
                ],
            }
        )
    for (model, index), actions in ACCESS[function].items():
        arn = f"{_ARN}:dynamodb:${{AWS::Region}}:${{AWS::AccountId}}:table/"
        arn += table_name(model, stage) + (f"/index/{index}" if index else "")
        statements.append(
            {
                "Sid": _sid(model, index),
                "Effect": "Allow",
                "Action": [f"dynamodb:{a}" for a in sorted(actions)],
                "Resource": [{"Fn::Sub": arn}],
            }
        )
    for model in STREAMS.get(function, ()):
        arn = f"{_ARN}:dynamodb:${{AWS::Region}}:${{AWS::AccountId}}:table/"
        statements.append(
            {
                "Sid": _sid(model, None) + "Stream",
                "Effect": "Allow",
                "Action": [
                    "dynamodb:DescribeStream",
                    "dynamodb:GetRecords",
                    "dynamodb:GetShardIterator",
                    "dynamodb:ListStreams",
                ],
                "Resource": [{"Fn::Sub": arn + table_name(model, stage) + "/stream/*"}],
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def policy_files(stage: str) -> dict[str, str]:
    """File name (as config.json names it) → function, for every function of the stage."""
    config = _config()["stages"][stage]
    files = {config["iam_policy_file"]: "api"}
    for function, conf in config.get("lambda_functions", {}).items():
        if "iam_policy_file" in conf:
            files[conf["iam_policy_file"]] = function
    return files


def write(stage: str, directory: Path = CHALICE) -> list[Path]:
    written = []
    for name, function in policy_files(stage).items():
        path = directory / name
        path.write_text(json.dumps(policy(stage, function), indent=2) + "\n")
        written.append(path)
    return written


if __name__ == "__main__":
    print(json.dumps(policy(sys.argv[1] if len(sys.argv) > 1 else "dev"), indent=2))

"""The weekly export of every table to S3 (`schedules.export_tables`), DynamoDB's own
`ExportTableToPointInTime` (a full export, DYNAMODB_JSON): it reads the table's point-in-time
backup, not the table, so it costs no read capacity and never slows a request.

Where: the stage's exports bucket (`EXPORTS_BUCKET`, infra/backups.py), under the Beijing day and
the table's name without the stage's prefix: `2026-12-02/members/AWSDynamoDB/<export id>/...`
(AWS's layout below that; tools/restore.py reads it). The bucket's lifecycle rule expires each
export after `export_keep_days` (infra/operations.toml).

Once a day per table, however often the job runs: each request carries a client token made of
the table and the day (a Lambda retry within AWS's 8 hours of token memory starts nothing new),
and after AWS accepted it the job writes a marker, `<day>/<table>/export.json`; a later run
that day lists the day's markers first and skips those tables.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import date
from typing import Any

from botocore.exceptions import ClientError

from . import aws_session, clock

MARKER = "export.json"


def day_prefix(day: date) -> str:
    return f"{day.isoformat()}/"


def table_prefix(day: date, suffix: str) -> str:
    """`2026-12-02/members`: where one table's export of that day goes."""
    return f"{day.isoformat()}/{suffix}"


def client_token(table: str, day: date) -> str:
    """The same for the same table and day, so AWS starts one export however often we ask."""
    return hashlib.sha256(f"{table}|{day.isoformat()}".encode()).hexdigest()[:32]


def table_arn(function_arn: str, table: str) -> str:
    """The table's ARN in the function's own partition, region and account."""
    _, partition, _, region, account, *_ = function_arn.split(":")
    return f"arn:{partition}:dynamodb:{region}:{account}:table/{table}"


def _done(s3: Any, bucket: str, day: date) -> set[str]:
    """The tables (suffixes) whose export of `day` was started already (their markers)."""
    done: set[str] = set()
    kwargs = {"Bucket": bucket, "Prefix": day_prefix(day)}
    while True:
        page = s3.list_objects_v2(**kwargs)
        for obj in page.get("Contents", []):
            parts = obj["Key"].split("/")
            if len(parts) == 3 and parts[2] == MARKER:
                done.add(parts[1])
        if not page.get("IsTruncated"):
            return done
        kwargs["ContinuationToken"] = page["NextContinuationToken"]


def run(function_arn: str, dynamodb: Any = None, s3: Any = None) -> dict[str, Any]:
    """Start today's export of every table not exported yet today; what was started, skipped
    and refused (a refusal is logged and the others still go: the next run tries it again)."""
    from .models import ALL_MODELS
    from .settings import get_settings

    bucket = os.environ["EXPORTS_BUCKET"]
    prefix = get_settings().table_prefix
    dynamodb = dynamodb or aws_session.aws_client("dynamodb")
    s3 = s3 or aws_session.aws_client("s3")
    day = clock.today()
    done = _done(s3, bucket, day)
    started, skipped, failed = [], [], []
    for model in ALL_MODELS:
        table = model.Meta.table_name
        suffix = table.removeprefix(prefix)
        if suffix in done:
            skipped.append(suffix)
            continue
        try:
            reply = dynamodb.export_table_to_point_in_time(
                TableArn=table_arn(function_arn, table),
                ClientToken=client_token(table, day),
                S3Bucket=bucket,
                S3Prefix=table_prefix(day, suffix),
                S3SseAlgorithm="AES256",
                ExportFormat="DYNAMODB_JSON",
                ExportType="FULL_EXPORT",
            )
        except ClientError as exc:
            failed.append({"table": suffix, "error": exc.response["Error"]["Code"]})
            continue
        described = reply["ExportDescription"]
        marker = {"table": table, "export_arn": described["ExportArn"], "day": day.isoformat()}
        s3.put_object(
            Bucket=bucket,
            Key=f"{table_prefix(day, suffix)}/{MARKER}",
            Body=json.dumps(marker).encode(),
            ContentType="application/json",
        )
        started.append(suffix)
    return {
        "day": day.isoformat(),
        "started": len(started),
        "skipped": len(skipped),
        "failed": failed,
    }

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

AWS may accept an export and fail it later (ExportStatus FAILED): the job runs DAILY and first
checks, with DescribeExport, each table's latest export among the last `CHECK_DAYS` days of
markers. A failed one is reported (the run fails: the function's Errors alarm) and that table
exported again the same day; a table without an export in the window is exported too (a new
table, a refusal). Otherwise a table is exported only on `EXPORT_WEEKDAY`. So a failure is heard
within a day of the run that started it, and each run costs a few S3 requests and free
DescribeExport calls.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import date, timedelta
from typing import Any

from botocore.exceptions import ClientError

from . import aws_session, clock

MARKER = "export.json"
EXPORT_WEEKDAY = 6  # Sunday in Beijing: the run at 03:30 (Saturday 19:30 UTC) exports every table
CHECK_DAYS = 7  # the window of markers checked: the week since the last export day


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


def _latest(s3: Any, bucket: str, today: date) -> dict[str, date]:
    """Each table (suffix) → the day of its latest marker among the last CHECK_DAYS days."""
    latest: dict[str, date] = {}
    for back in range(CHECK_DAYS - 1, -1, -1):  # oldest first: a later day replaces it
        day = today - timedelta(days=back)
        latest |= dict.fromkeys(_done(s3, bucket, day), day)
    return latest


def check(dynamodb: Any, s3: Any, bucket: str, latest: dict[str, date]) -> list[dict[str, str]]:
    """The tables whose latest export AWS failed (or whose state cannot be read): table, day,
    and AWS's reason."""
    failed = []
    for suffix, day in sorted(latest.items()):
        key = f"{table_prefix(day, suffix)}/{MARKER}"
        try:
            arn = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())["export_arn"]
            described = dynamodb.describe_export(ExportArn=arn)["ExportDescription"]
        except ClientError as exc:
            failed.append({"table": suffix, "day": day.isoformat(), "error": _code(exc)})
            continue
        if described["ExportStatus"] == "FAILED":
            reason = described.get("FailureCode") or described.get("FailureMessage") or "FAILED"
            failed.append({"table": suffix, "day": day.isoformat(), "error": reason})
    return failed


def _code(exc: ClientError) -> str:
    return exc.response["Error"]["Code"]


def run(function_arn: str, dynamodb: Any = None, s3: Any = None) -> dict[str, Any]:
    """Check the exports of the last CHECK_DAYS days, then start today's export of every table
    due (every table on EXPORT_WEEKDAY; any day, a table whose latest export failed or that has
    none in the window) and not exported yet today: what was started, skipped, refused
    (`failed`) and found failed (`export_failed`). A refusal is logged and the others still go:
    the next run tries it again."""
    from .models import ALL_MODELS
    from .settings import get_settings

    bucket = os.environ["EXPORTS_BUCKET"]
    prefix = get_settings().table_prefix
    dynamodb = dynamodb or aws_session.aws_client("dynamodb")
    s3 = s3 or aws_session.aws_client("s3")
    day = clock.today()
    latest = _latest(s3, bucket, day)
    export_failed = check(dynamodb, s3, bucket, latest)
    redo = {f["table"] for f in export_failed}
    every = day.weekday() == EXPORT_WEEKDAY
    started, skipped, failed = [], [], []
    for model in ALL_MODELS:
        table = model.Meta.table_name
        suffix = table.removeprefix(prefix)
        due = every or suffix not in latest or suffix in redo
        if not due or latest.get(suffix) == day:
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
            failed.append({"table": suffix, "error": _code(exc)})
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
        "checked": len(latest),
        "started": len(started),
        "skipped": len(skipped),
        "failed": failed,
        "export_failed": export_failed,
    }

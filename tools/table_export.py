"""The local stand-in for DynamoDB's export to S3: writes every table of a DynamoDB (Local) in
exactly the layout AWS's `ExportTableToPointInTime` (FULL_EXPORT, DYNAMODB_JSON) writes and
`schedules.export_tables` asks for, into a folder that plays the exports bucket:

    <folder>/<day>/<table>/AWSDynamoDB/<export id>/_started
    <folder>/<day>/<table>/AWSDynamoDB/<export id>/manifest-summary.json
    <folder>/<day>/<table>/AWSDynamoDB/<export id>/manifest-files.json   (one JSON object a line)
    <folder>/<day>/<table>/AWSDynamoDB/<export id>/data/<name>.json.gz   (`{"Item": {...}}` lines)
    <folder>/<day>/<table>/export.json                                   (the job's marker)

Used only locally and by the tests (AWS writes the real thing; DynamoDB Local cannot export), so
that `tools/restore.py` reads the same files from a folder as from the bucket. Binary values
are base64 text, as in AWS's files.

    python -m tools.table_export FOLDER [--day 2026-12-02]
"""

from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import json
import secrets
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ITEMS_PER_FILE = 1000  # AWS writes at least one file per partition; several files are normal
ACCOUNT = "000000000000"  # what the stand-in's ARNs carry


def to_json(value: Any) -> Any:
    """botocore's attribute values (bytes for B and BS) → the export's JSON (base64 text)."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list | set | tuple):
        return [to_json(v) for v in value]
    return value


def _stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def scan(client: Any, table: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    while True:
        page = client.scan(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def export_table(
    client: Any, table: str, folder: Path, prefix: str, region: str = "ap-east-1"
) -> dict[str, Any]:
    """One table's full export under `folder/prefix` (the S3 prefix); its summary."""
    started = datetime.now(UTC)
    export_id = f"{int(started.timestamp() * 1000):014d}-{secrets.token_hex(4)}"
    base = f"{prefix}/AWSDynamoDB/{export_id}"
    (folder / base / "data").mkdir(parents=True)
    (folder / base / "_started").write_bytes(b"")
    items = scan(client, table)
    lines, size = [], 0
    for start in range(0, max(len(items), 1), ITEMS_PER_FILE):
        chunk = items[start : start + ITEMS_PER_FILE]
        body = "".join(json.dumps({"Item": to_json(i)}, ensure_ascii=False) + "\n" for i in chunk)
        raw = gzip.compress(body.encode())
        key = f"{base}/data/{secrets.token_hex(13)}.json.gz"
        (folder / key).write_bytes(raw)
        md5 = hashlib.md5(raw).digest()  # the manifest's checksum, as AWS's
        lines.append(
            {
                "itemCount": len(chunk),
                "md5Checksum": base64.b64encode(md5).decode(),
                "etag": md5.hex(),
                "dataFileS3Key": key,
            }
        )
        size += len(body.encode())
    files_key = f"{base}/manifest-files.json"
    (folder / files_key).write_text("".join(json.dumps(x) + "\n" for x in lines))
    arn = f"arn:aws:dynamodb:{region}:{ACCOUNT}:table/{table}"
    summary = {
        "version": "2020-06-30",
        "exportArn": f"{arn}/export/{export_id}",
        "startTime": _stamp(started),
        "endTime": _stamp(datetime.now(UTC)),
        "tableArn": arn,
        "tableId": hashlib.sha256(table.encode()).hexdigest()[:32],
        "exportTime": _stamp(started),
        "s3Bucket": folder.name,
        "s3Prefix": prefix,
        "s3SseAlgorithm": "AES256",
        "s3SseKmsKeyId": None,
        "manifestFilesS3Key": files_key,
        "billedSizeBytes": size,
        "itemCount": len(items),
        "outputFormat": "DYNAMODB_JSON",
        "exportType": "FULL_EXPORT",
    }
    (folder / base / "manifest-summary.json").write_text(json.dumps(summary))
    return summary


def export_all(client: Any, folder: Path, day: date) -> dict[str, int]:
    """Every model's table, as the daily job asks AWS to; table (without prefix) → items."""
    from chalicelib import backups
    from chalicelib.models import ALL_MODELS
    from infra.template import table_suffix

    counts = {}
    for model in ALL_MODELS:
        suffix = table_suffix(model)
        prefix = backups.table_prefix(day, suffix)
        summary = export_table(client, model.Meta.table_name, folder, prefix)
        marker = {"table": model.Meta.table_name, "export_arn": summary["exportArn"]}
        (folder / prefix / backups.MARKER).write_text(json.dumps({**marker, "day": str(day)}))
        counts[suffix] = summary["itemCount"]
    return counts


def main(argv: list[str] | None = None) -> int:
    from chalicelib import clock
    from chalicelib.models.base import dynamodb_client

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--day", type=date.fromisoformat, default=None)
    args = parser.parse_args(argv)
    day = args.day or clock.today()
    counts = export_all(dynamodb_client(), args.folder, day)
    print(f"导出 {len(counts)} 张表，{sum(counts.values())} 条记录：{args.folder / str(day)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

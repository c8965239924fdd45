"""`make publish STAGE=...`: sync the built site (`output/`) to the stage's bucket by checksum.

An object is uploaded only when its MD5 differs from the bucket's ETag (SSE-S3, single-part
uploads: the ETag is the MD5), so a full Pelican rebuild with new mtimes uploads only what really
changed. Each object gets its Cache-Control: content-hashed assets (`theme/`, `search/`, `qr/`,
`images/`) are immutable for a year, everything else (HTML) is short-lived, because WeChat's
webview caches hard.
Files gone from `output/` are deleted, except old hashed assets, kept for `KEEP_OLD_ASSETS_DAYS`
so that a page still cached somewhere never loads a missing script. Changed HTML paths are
invalidated in CloudFront.

    python infra/publish.py STAGE [--region REGION] [--dry-run]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import mimetypes
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "output"
KEEP_OLD_ASSETS_DAYS = 7
# Content-hashed files (a new build gives new names): cached for a year, and old ones kept a while
# for pages still cached in a phone. theme/: CSS and JS; search/: the search index shards;
# qr/: QR codes named by a hash of the URL they encode (plugins/qr_links); images/: content
# images, exemplar photos and other `{static}` files, named by their hash (plugins/static_hash).
ASSET_PREFIXES = ("theme/", "search/", "qr/", "images/")
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=60, must-revalidate"
# Beyond this many changed paths one wildcard path is cheaper (the first 1,000 a month are free).
MAX_INVALIDATION_PATHS = 20
# Kept as they are in an invalidation path: RFC 1738's reserved and safe characters (letters,
# digits and `-_.~` are never encoded by `quote`).
URL_SAFE = "/;:@=&$+!*'(),"


@dataclass
class Remote:
    etag: str
    last_modified: datetime


@dataclass
class Plan:
    upload: list[str] = field(default_factory=list)
    delete: list[str] = field(default_factory=list)
    unchanged: int = 0

    def invalidation_paths(self) -> list[str]:
        """Changed or removed non-asset paths; `index.html` is also served as `/`.

        CloudFront wants non-ASCII and RFC 1738 "unsafe" characters URL-encoded, as a browser
        sends them (`/images/%E6%94%AF...svg`), and nothing else (a `+` stays a `+`)."""
        paths = sorted(
            "/" + quote(k, safe=URL_SAFE)
            for k in self.upload + self.delete
            if not k.startswith(ASSET_PREFIXES)
        )
        if any(p.endswith("/index.html") for p in paths):
            paths += sorted({p[: -len("index.html")] for p in paths if p.endswith("index.html")})
        if len(paths) > MAX_INVALIDATION_PATHS:
            return ["/*"]
        return paths


def cache_control(key: str) -> str:
    return IMMUTABLE if key.startswith(ASSET_PREFIXES) else SHORT


def content_type(key: str) -> str:
    kind = mimetypes.guess_type(key)[0] or "application/octet-stream"
    if kind.startswith("text/") or kind in {"application/javascript", "application/json"}:
        kind += "; charset=utf-8"
    return kind


def local_files(root: Path) -> dict[str, str]:
    """Key → MD5 hex of every file under `root`."""
    return {
        path.relative_to(root).as_posix(): hashlib.md5(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def plan(local: dict[str, str], remote: dict[str, Remote], now: datetime) -> Plan:
    out = Plan()
    for key, md5 in local.items():
        if key in remote and remote[key].etag.strip('"') == md5:
            out.unchanged += 1
        else:
            out.upload.append(key)
    cutoff = now - timedelta(days=KEEP_OLD_ASSETS_DAYS)
    for key, obj in remote.items():
        if key in local:
            continue
        if key.startswith(ASSET_PREFIXES) and obj.last_modified > cutoff:
            continue
        out.delete.append(key)
    return out


def remote_objects(s3: Any, bucket: str) -> dict[str, Remote]:
    out = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            out[obj["Key"]] = Remote(obj["ETag"], obj["LastModified"])
    return out


def stack_outputs(cfn: Any, stage: str) -> dict[str, str]:
    from botocore.exceptions import ClientError

    name = f"dangjian-{stage}"
    try:
        stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    except ClientError as exc:
        if "does not exist" in str(exc):
            raise SystemExit(f"{name} does not exist in this region: make deploy first") from None
        raise
    out = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    missing = {"SiteBucketName", "DistributionId"} - set(out)
    if missing:
        raise SystemExit(
            f"{name} ({stack['StackStatus']}) has no output {', '.join(sorted(missing))}"
        )
    return out


def delete_keys(s3: Any, bucket: str, keys: list[str]) -> None:
    """DeleteObjects answers 200 and lists the keys it could not delete under `Errors`."""
    for start in range(0, len(keys), 1000):
        chunk = keys[start : start + 1000]
        result = s3.delete_objects(
            Bucket=bucket, Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True}
        )
        errors = result.get("Errors", [])
        if errors:
            listed = "; ".join(
                f"{e['Key']}: {e.get('Code')} {e.get('Message', '')}" for e in errors
            )
            raise SystemExit(f"s3://{bucket}: {len(errors)} object(s) not deleted: {listed}")


# `Duration:` is the editor's figure rounded to the second; the stored file's may differ by this.
DURATION_TOLERANCE = 2


def lesson_media_problems(s3: Any, bucket: str, root: Path) -> list[str]:
    """What stops publishing the built 微党课: a lesson whose media is not in the stage's media
    bucket (never uploaded: members would get a broken player), or whose `Duration:` is not the
    stored file's duration (a short one makes "watched" cheap; a long one, out of reach). The
    build never needs the media; publishing checks them, by a HEAD each (the duration was kept
    with the object when it was checked at upload)."""
    from botocore.exceptions import ClientError

    from chalicelib import lesson_rules

    catalog = root / "catalog.json"
    if not catalog.is_file():
        return []
    problems = []
    for entry in json.loads(catalog.read_text(encoding="utf-8")):
        if entry.get("kind") != "lesson":
            continue
        key = lesson_rules.media_key(str(entry.get("media")))
        where = f"微党课「{entry.get('title')}」（{entry.get('slug')}）"
        try:
            head = s3.head_object(Bucket=bucket, Key=key)
        except ClientError:
            problems.append(f"{where}：存储中没有 {key}，请先用 make upload-media 上传")
            continue
        stored = int((head.get("Metadata") or {}).get("duration") or 0)
        if abs(stored - int(entry.get("duration") or 0)) > DURATION_TOLERANCE:
            problems.append(
                f"{where}：Duration 写的是 {entry.get('duration')} 秒，文件实际 {stored} 秒"
            )
    return problems


def publish(
    stage: str, region: str, root: Path = OUTPUT, dry_run: bool = False, check: bool = False
) -> Plan:
    import botocore.session

    if not (root / "index.html").is_file():
        raise SystemExit(f"{root} has no index.html: build the site first (make build)")
    session = botocore.session.get_session()
    outputs = stack_outputs(session.create_client("cloudformation", region_name=region), stage)
    bucket, distribution = outputs["SiteBucketName"], outputs["DistributionId"]
    s3 = session.create_client("s3", region_name=region)
    problems = lesson_media_problems(s3, outputs.get("MediaBucketName", ""), root)
    if problems:
        raise SystemExit("未发布：\n" + "\n".join(problems))
    if check:  # `make publish` checks before it loads the catalog into the tables
        print("微党课 media: every lesson's file is stored, with its duration")
        return Plan()
    todo = plan(local_files(root), remote_objects(s3, bucket), datetime.now(UTC))
    print(
        f"s3://{bucket}: {len(todo.upload)} to upload, {len(todo.delete)} to delete, "
        f"{todo.unchanged} unchanged"
    )
    if dry_run:
        return todo
    # Assets first, pages last: a new page never references an asset not yet uploaded.
    for key in sorted(todo.upload, key=lambda k: not k.startswith(ASSET_PREFIXES)):
        s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=(root / key).read_bytes(),
            ContentType=content_type(key),
            CacheControl=cache_control(key),
        )
    delete_keys(s3, bucket, todo.delete)
    paths = todo.invalidation_paths()
    if paths:
        session.create_client("cloudfront", region_name=region).create_invalidation(
            DistributionId=distribution,
            InvalidationBatch={
                "Paths": {"Quantity": len(paths), "Items": paths},
                "CallerReference": f"publish-{time.time_ns()}",
            },
        )
        print(f"invalidated {len(paths)} path(s) in {distribution}")
    print(f"published: {outputs.get('SiteURL', '')}")
    return todo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage")
    parser.add_argument("--region", default=os.environ.get("AWS_REGION") or "ap-east-1")
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument(
        "--check", action="store_true", help="only check the built lessons' media in storage"
    )
    args = parser.parse_args()
    publish(args.stage, args.region, dry_run=args.dry_run, check=args.check)


if __name__ == "__main__":
    sys.exit(main())

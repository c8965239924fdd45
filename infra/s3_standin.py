"""The local S3: moto's server mode (`moto[server]`, pinned in requirements-dev.txt), started by
`make dev` and by the tests' `s3` fixture, with the uploads bucket made as the stack makes it
(private, CORS for the site's origins, an expiry rule for `incoming/`).

Why moto: it is already the project's AWS stand-in (the deploy test), it speaks S3's wire protocol
for everything uploads.py does — pre-signed POST (SigV4 policy), HEAD, ranged GET, CopyObject,
DeleteObject, pre-signed GET — and answers CORS preflights from the bucket's CORS rules, so a page
uploads to it from the browser exactly as to S3. No Java, no daemon, no other dependency.

What it does NOT check (README, Organisation life → the record): the POST policy's conditions
(`content-length-range`, the `Content-Type` equality) are not enforced — it stores an oversize
file or another type. That is why uploads.py checks every object after upload (size by HEAD,
the real type by its first bytes) and refuses what storage let through; tests/unit/test_uploads.py
shows both: moto accepts the oversize POST, our check refuses it. Lifecycle rules are stored, never
run; the signature of a pre-signed POST/GET is not verified either.

The 微党课 media bucket (MEDIA_BUCKET, chalicelib/media_uploads.py) lives here too: editors PUT
to it with pre-signed URLs (CORS allows PUT from the console's origin) and the dev server
(infra/dev_server.py) serves `/media/*` from it, Range requests included. moto 5.2.5 neither
verifies `x-amz-checksum-sha256` on a PUT (wrong bytes are stored; tests/unit/test_media_uploads.py
shows it) nor keeps it (HEAD returns no `ChecksumSHA256`), and ignores `If-None-Match` and
`x-amz-copy-source-if-match` on CopyObject: media_uploads.check therefore hashes the stored bytes
itself when storage reports no checksum, and compares the copy's ETag with the one it checked.

    python -m infra.s3_standin PORT [ORIGIN ...]
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time

from botocore.config import Config

from infra import dynamodb_local

BUCKET = "dangjian-dev-uploads"
MEDIA_BUCKET = "dangjian-dev-media"  # chalicelib.settings.media_bucket's default
REGION = "ap-east-1"
# As the stack's UploadsBucket: objects never attached expire after a day.
INCOMING_PREFIX = "incoming/"


def client(endpoint: str):
    import botocore.session

    return botocore.session.get_session().create_client(
        "s3",
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )


def _cors(origins: list[str], methods: list[str]) -> list[dict]:
    return [
        {
            "AllowedOrigins": origins,
            "AllowedMethods": methods,
            "AllowedHeaders": ["*"],
            "ExposeHeaders": ["ETag"],
            "MaxAgeSeconds": 3600,
        }
    ]


def cors_rules(origins: list[str]) -> list[dict]:
    """The browser POSTs the form and reads the photos (pre-signed GET) from the site's pages."""
    return _cors(origins, ["POST", "GET", "HEAD"])


def media_cors_rules(origins: list[str]) -> list[dict]:
    """The console PUTs lesson media with pre-signed URLs (its signed headers included)."""
    return _cors(origins, ["PUT", "GET", "HEAD"])


def _make(endpoint: str, bucket: str, cors: list[dict], rule_id: str) -> None:
    """A private bucket as the stack makes it: its CORS, and `incoming/` expiring after a day."""
    s3 = client(endpoint)
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": cors})
    s3.put_bucket_lifecycle_configuration(
        Bucket=bucket,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": rule_id,
                    "Status": "Enabled",
                    "Filter": {"Prefix": INCOMING_PREFIX},
                    "Expiration": {"Days": 1},
                }
            ]
        },
    )


def make_bucket(endpoint: str, origins: list[str], bucket: str = BUCKET) -> None:
    """The uploads bucket (files from phones): objects never attached expire."""
    _make(endpoint, bucket, cors_rules(origins), "expire-unattached")


def make_media_bucket(endpoint: str, origins: list[str], bucket: str = MEDIA_BUCKET) -> None:
    """The media bucket: CORS for the console's PUT, uploads never checked expire."""
    _make(endpoint, bucket, media_cors_rules(origins), "expire-unchecked")


def serve(port: int, origins: list[str], bucket: str = BUCKET, media_bucket: str = MEDIA_BUCKET):
    """moto's server on 127.0.0.1:`port` (a thread of this process) with the buckets made."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    dynamodb_local.wait_for_port(port, timeout=30)
    make_bucket(f"http://127.0.0.1:{port}", origins, bucket)
    make_media_bucket(f"http://127.0.0.1:{port}", origins, media_bucket)
    return server


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    serve(int(sys.argv[1]), sys.argv[2:] or ["http://127.0.0.1:8080"])
    print(
        f"S3 stand-in on http://127.0.0.1:{sys.argv[1]} (buckets {BUCKET}, {MEDIA_BUCKET})",
        flush=True,
    )
    while True:
        time.sleep(3600)

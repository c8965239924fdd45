"""Files from phones, straight to storage: a pre-signed POST to the private uploads bucket, then a
check of what really arrived before anything refers to it. Generic: meetings use it now, requests,
posts and lessons later (each with its own key prefix).

1. `presign(prefix, kind, name, content_type, size)`: the declared file is checked first (type,
   size, name) and refused up front; then a POST form valid for UPLOAD_SECONDS whose policy pins
   the key, the `Content-Type` and a `content-length-range` up to the kind's limit. The key is
   `incoming/<prefix>/<random>.<ext>`: the bucket's lifecycle deletes what is never attached.
2. `verify(key, prefix, kind)` after the upload: the key must be an upload key under `prefix`,
   the object must exist (HEAD: its real size within the kind's limit, not empty) and its first
   bytes must be a type of the kind — and the type it was declared as (a ranged GET, never the
   whole file). S3 enforces the POST policy, but the local stand-in does not, and a policy is not
   the last word anyway: a refused object is deleted, with a clear Chinese 4xx.
3. `keep(checked)` copies exactly the checked bytes (the copy is conditional on the ETag the check
   saw) out of `incoming/` (server-side), so it never expires, to a FRESH name `<area>/<random>.
   <ext>` (the area is the prefix's first part: no member number, no upload token), written only
   if the name is free; the caller deletes the upload once its record names the kept key. A
   kept object is thus never overwritten, and re-using a still valid upload form (it can be
   posted again for its 15 minutes) only ever makes a new object with a new name: what a
   reviewer approved by its kept key stays what she saw. `signed_get(key)` gives a short-lived
   link to show it.

Types by magic number: JPEG (FF D8 FF), PNG (89 'PNG' 0D 0A 1A 0A), WebP ('RIFF' … 'WEBP') for
photos; PDF ('%PDF-'), DOCX and XLSX for attachments — a ZIP ('PK' 03 04) whose central directory
(the last 64 KB) names `word/document.xml` (DOCX) or `xl/workbook.xml` (XLSX). Old binary .doc/.xls
and anything else are refused: they are what macros and surprises travel in.
"""

from __future__ import annotations

import re
import secrets
import threading
from dataclasses import dataclass
from typing import Any

from botocore.config import Config
from botocore.exceptions import ClientError

from . import aws_session
from .errors import (
    BadRequestError,
    ConflictError,
    NotFoundError,
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
)
from .settings import get_settings

MB = 1024 * 1024
INCOMING = "incoming/"
UPLOAD_SECONDS = 15 * 60  # a 10 MB photo on a weak network
LINK_SECONDS = 10 * 60  # a pre-signed GET: long enough to look, too short to pass around
HEAD_BYTES = 16
TAIL_BYTES = 64 * 1024
MAX_NAME_CHARS = 100

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    max_bytes: int
    types: dict[str, str]  # content type → extension
    formats: str  # the types as members read them


KINDS: dict[str, Kind] = {
    "photo": Kind(
        "photo",
        "照片",
        10 * MB,
        {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"},
        "JPG、PNG 或 WebP",
    ),
    "attachment": Kind(
        "attachment",
        "附件",
        20 * MB,
        {"application/pdf": "pdf", DOCX: "docx", XLSX: "xlsx"},
        "PDF、Word（.docx）或 Excel（.xlsx）",
    ),
}
_EXTENSIONS = "|".join(sorted({e for k in KINDS.values() for e in k.types.values()}))
_TOKEN = re.compile(rf"^[0-9a-f]{{32}}\.({_EXTENSIONS})$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

GONE = "文件不存在或已过期，请重新上传"


@dataclass(frozen=True)
class Checked:
    """An upload that passed the check: what it really is."""

    key: str
    content_type: str
    size: int
    etag: str = ""  # of the object checked: `keep` copies exactly it


_lock = threading.Lock()
_client: Any = None


def new_client(*, read_timeout: float, attempts: int) -> Any:
    """An S3 client from the process's one botocore session, addressed as the settings say."""
    settings = get_settings()
    local = settings.s3_endpoint is not None
    with aws_session.lock:
        return aws_session.botocore_session().create_client(
            "s3",
            region_name=settings.region,
            endpoint_url=settings.s3_endpoint,
            config=Config(
                signature_version="s3v4",
                # AWS: https://<bucket>.s3.<region>.amazonaws.com, the origin the CSP
                # allows; the stand-in: http://127.0.0.1:<port>/<bucket>.
                # (us-east-1 too: botocore's default there is the global host.)
                s3={
                    "addressing_style": "path" if local else "virtual",
                    "us_east_1_regional_endpoint": "regional",
                },
                connect_timeout=2,
                read_timeout=read_timeout,
                retries={"max_attempts": attempts},
            ),
        )


def s3() -> Any:
    """The process's S3 client for files from phones (built once)."""
    global _client
    with _lock:
        if _client is None:
            _client = new_client(read_timeout=5, attempts=2)
        return _client


def reset_for_tests() -> None:
    global _client
    with _lock:
        _client = None


def kind_of(key: str) -> Kind:
    kind = KINDS.get(key)
    if kind is None:
        raise BadRequestError("文件类别（kind）须为 photo 或 attachment")
    return kind


def clean_name(name: str) -> str:
    """The file name she chose, for display only (never part of a key)."""
    name = _CONTROL.sub("", name or "").strip().replace("/", "_").replace("\\", "_")
    if not name:
        raise BadRequestError("文件名（name）不能为空")
    if len(name) > MAX_NAME_CHARS:
        raise BadRequestError(f"文件名（name）过长（最多 {MAX_NAME_CHARS} 字）")
    return name


def check_declared(kind: Kind, content_type: str, size: int) -> str:
    """Refuse up front what is declared wrong; the extension of the type."""
    ext = kind.types.get((content_type or "").lower().strip())
    if ext is None:
        raise UnsupportedMediaTypeError(f"{kind.label}须为 {kind.formats} 格式")
    if size <= 0:
        raise BadRequestError(f"{kind.label}是空文件")
    if size > kind.max_bytes:
        raise PayloadTooLargeError(f"{kind.label}不能超过 {kind.max_bytes // MB} MB")
    return ext


def presign(prefix: str, kind: Kind, content_type: str, size: int) -> dict[str, Any]:
    """A POST form for one upload under `incoming/<prefix>/`: {url, fields, key, expires_in}."""
    ext = check_declared(kind, content_type, size)
    content_type = content_type.lower().strip()
    key = f"{INCOMING}{prefix}/{secrets.token_hex(16)}.{ext}"
    form = s3().generate_presigned_post(
        Bucket=get_settings().uploads_bucket,
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[
            {"Content-Type": content_type},
            ["content-length-range", 1, kind.max_bytes],
        ],
        ExpiresIn=UPLOAD_SECONDS,
    )
    return {"url": form["url"], "fields": form["fields"], "key": key, "expires_in": UPLOAD_SECONDS}


def is_upload_key(key: str, prefix: str) -> bool:
    head = f"{INCOMING}{prefix}/"
    return isinstance(key, str) and key.startswith(head) and bool(_TOKEN.match(key[len(head) :]))


def fresh_kept_key(key: str) -> str:
    """A new name for an upload kept for good: its area (the prefix's first part) and a random
    token with its extension — nothing of the rest of the prefix (a member number), nothing of
    the upload's own token, and never the same name twice."""
    area = key[len(INCOMING) :].split("/", 1)[0]
    ext = key.rsplit(".", 1)[-1]
    return f"{area}/{secrets.token_hex(16)}.{ext}"


def _missing(exc: ClientError) -> bool:
    code = str(exc.response.get("Error", {}).get("Code", ""))
    return code in {"404", "NoSuchKey", "NotFound", "416", "InvalidRange"}


def _changed(exc: ClientError) -> bool:
    code = str(exc.response.get("Error", {}).get("Code", ""))
    return code in {"412", "PreconditionFailed"}


CHANGED = "文件在检查后被改动，请重新上传"


def _range(key: str, spec: str, etag: str) -> bytes:
    response = s3().get_object(
        Bucket=get_settings().uploads_bucket, Key=key, Range=spec, IfMatch=etag
    )
    return response["Body"].read()


def sniff(head: bytes, tail: bytes = b"") -> str | None:
    """The content type the bytes really are (among the kinds' types), or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"PK\x03\x04"):
        if b"word/document.xml" in tail:
            return DOCX
        if b"xl/workbook.xml" in tail:
            return XLSX
    return None


def verify(key: str, prefix: str, kind: Kind) -> Checked:
    """What arrived at `key`, checked: refused (and deleted) when it is not what it may be."""
    if not is_upload_key(key, prefix):
        raise BadRequestError("文件标识（key）不正确，或文件不属于此处")
    bucket = get_settings().uploads_bucket
    try:
        meta = s3().head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if _missing(exc):
            raise NotFoundError(GONE) from None
        raise
    size = int(meta["ContentLength"])
    etag = str(meta.get("ETag") or "")
    declared = str(meta.get("ContentType") or "").lower()
    if size > kind.max_bytes:
        discard(key)
        raise PayloadTooLargeError(f"{kind.label}不能超过 {kind.max_bytes // MB} MB，请重新选择")
    if size <= 0:
        discard(key)
        raise BadRequestError(f"{kind.label}是空文件，请重新选择")
    try:
        head = _range(key, f"bytes=0-{HEAD_BYTES - 1}", etag)
        zipped = head.startswith(b"PK\x03\x04")
        tail = _range(key, f"bytes=-{TAIL_BYTES}", etag) if zipped else b""
    except ClientError as exc:
        if _missing(exc):
            raise NotFoundError(GONE) from None
        if _changed(exc):
            raise ConflictError(CHANGED) from None
        raise
    real = sniff(head, tail)
    if real is None or real not in kind.types or real != declared:
        discard(key)
        raise UnsupportedMediaTypeError(
            f"文件内容不是 {kind.formats} 格式的{kind.label}，请重新选择"
        )
    return Checked(key, real, size, etag)


def keep(checked: Checked) -> str:
    """Copy a checked upload out of `incoming/` to a fresh name; the kept key. The copy takes
    exactly the bytes checked (else 409) and never overwrites. The caller deletes the upload
    (`discard`) once its record names the kept key: a retry after a crash in between finds the
    upload still there (and keeps it again under another name; the first copy is never named)."""
    bucket = get_settings().uploads_bucket
    target = fresh_kept_key(checked.key)
    try:
        copied = s3().copy_object(
            Bucket=bucket,
            Key=target,
            CopySource={"Bucket": bucket, "Key": checked.key},
            CopySourceIfMatch=checked.etag,
            IfNoneMatch="*",
        )
    except ClientError as exc:
        if _missing(exc):
            raise NotFoundError(GONE) from None
        if _changed(exc):
            raise ConflictError(CHANGED) from None
        raise
    # S3 refuses the copy itself when the upload changed; a stand-in may not (moto does not):
    # the copy's own ETag says which bytes were taken (SSE-S3: the MD5 of the bytes, as the
    # upload's; infra/stack.yaml).
    if str(copied.get("CopyObjectResult", {}).get("ETag", "")) != checked.etag:
        discard(target)
        raise ConflictError(CHANGED)
    return target


def discard(key: str) -> None:
    """Delete an upload (deleting a missing key is not an error in S3)."""
    s3().delete_object(Bucket=get_settings().uploads_bucket, Key=key)


def signed_get(key: str, name: str | None = None) -> str:
    """A short-lived link to a kept file (attachments download under their own name)."""
    params: dict[str, Any] = {"Bucket": get_settings().uploads_bucket, "Key": key}
    if name:
        from urllib.parse import quote

        params["ResponseContentDisposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return s3().generate_presigned_url("get_object", Params=params, ExpiresIn=LINK_SECONDS)

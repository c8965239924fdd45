"""微党课 media into storage: editors' videos and audio, named by the SHA-256 of their bytes.

The manner of uploads.py (files from phones), for files a hundred times larger that a lesson's
approved text names by hash (`Media: <sha256>.mp4`):

1. `request_upload(member, name, size, sha256, kind)`: the declared file is checked first (kind,
   extension, size, hash) and refused up front (415/413/400). When `media/<sha256>.<ext>` is
   stored already the answer is `{"exists": true, ...}` — nothing to send. Otherwise a pre-signed
   PUT to `incoming/media/<sha256>.<ext>` in the media bucket, valid UPLOAD_SECONDS, whose
   signature covers `Content-Type`, `Content-Length` and `x-amz-checksum-sha256`: S3 refuses bytes
   of another length or whose SHA-256 is not the declared one.
2. `check(member, sha256, kind)` after the PUT: HEAD (size within the kind's limit), a ranged GET
   of the head (media_check.HEAD_BYTES) judged by media_check — the same parser the upload tool
   runs before sending — and the bytes' SHA-256 against the name: the checksum S3 verified and
   keeps (`ChecksumSHA256`), or, where storage kept none (the local stand-in, which neither
   verifies nor keeps it), the hash of the whole object read back. Then a server-side copy to
   `media/<sha256>.<ext>` that never overwrites (`If-None-Match: *`) and takes exactly the bytes
   checked (`x-amz-copy-source-if-match`), with the headers the site serves it with (type, a
   year's immutable cache: the name is the content) and its duration; then the upload is deleted.
   A refused object is deleted, with a Chinese 4xx.

Idempotent and exact in parallel: the same file is the same name, so a second upload, a retried
check, or two editors checking at once end with the one object (a copy that finds the object
there, or the upload gone because the other check kept it, is success).

Who: staff (any role of org.ROLES that applies to a unit: 支部委员 and above). Members get 403.
Uploading publishes nothing: a lesson naming the file is published only once approved.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from . import lesson_rules, media_check, registry, scope, uploads
from .errors import (
    BadRequestError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    PayloadTooLargeError,
    ServiceUnavailableError,
    UnsupportedMediaTypeError,
)
from .models import Member
from .settings import get_settings

MB = 1024 * 1024
INCOMING = "incoming/"
UPLOAD_SECONDS = 15 * 60  # as uploads.py; an 800 MB file needs ~7 Mbit/s to make it
CACHE_CONTROL = "public, max-age=31536000, immutable"  # the name is the content's hash
HASH_CHUNK = 1 * MB
SHA256 = re.compile(r"^[0-9a-f]{64}$")
MAX_NAME_CHARS = 200

GONE = "没有找到上传的文件（可能已过期），请重新上传"
CHANGED = "文件在检查时被改动，请重新上传"
MISMATCH = "文件内容与 SHA-256 不符（上传不完整或被改动），请重新上传"
NOT_STAFF = "只有支部委员及以上的工作人员可以上传微党课音视频"


RETRY_AFTER_SECONDS = 3
UNAVAILABLE = "存储暂时不可用，请稍后重试"
F = TypeVar("F", bound=Callable[..., Any])


def storage_guard(fn: F) -> F:
    """Storage failing (5xx, unreachable, slow) is a 503 with Retry-After, never a 500: both
    steps are safe to repeat."""

    @functools.wraps(fn)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ClientError as exc:
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
            if status >= 500:
                raise ServiceUnavailableError(UNAVAILABLE, RETRY_AFTER_SECONDS) from exc
            raise
        except BotoCoreError as exc:
            raise ServiceUnavailableError(UNAVAILABLE, RETRY_AFTER_SECONDS) from exc

    return guarded  # type: ignore[return-value]


_lock = threading.Lock()
_client: Any = None


def s3() -> Any:
    """The media bucket's client: uploads.py's, with time for a server-side copy of a large file
    (the API function has 15 s in all) and no retry of one."""
    global _client
    with _lock:
        if _client is None:
            _client = uploads.new_client(read_timeout=12, attempts=1)
        return _client


def reset_for_tests() -> None:
    global _client
    with _lock:
        _client = None


def require_editor(member: Member) -> scope.Caller:
    """Staff who make content: any role that applies to a unit (支部委员 and above)."""
    caller = registry.caller_for(member)
    if not scope.grants(caller):
        raise ForbiddenError(NOT_STAFF)
    return caller


def kind_of(key: str) -> lesson_rules.MediaKind:
    kind = lesson_rules.MEDIA_KINDS.get(key or "")
    if kind is None:
        raise BadRequestError("类别（kind）须为 video（视频）或 audio（音频）")
    return kind


def media_name(sha256: str, kind: lesson_rules.MediaKind) -> str:
    sha256 = (sha256 or "").strip().lower()
    if not SHA256.match(sha256):
        raise BadRequestError("sha256 须为文件 SHA-256 的 64 位十六进制值")
    return f"{sha256}.{kind.ext}"


def incoming_key(name: str) -> str:
    return INCOMING + lesson_rules.media_key(name)


def check_declared(kind: lesson_rules.MediaKind, name: str, size: int) -> None:
    """Refuse up front what is declared wrong: the file's extension, its size."""
    shown = (name or "").strip()
    if not shown or len(shown) > MAX_NAME_CHARS:
        raise BadRequestError(f"文件名（name）不能为空，最多 {MAX_NAME_CHARS} 字")
    ext = shown.rsplit(".", 1)[-1].lower() if "." in shown else ""
    if ext != kind.ext:
        raise UnsupportedMediaTypeError(
            f"{kind.label}须为 .{kind.ext} 文件（"
            + ("H.264/AAC 的 MP4" if kind.key == "video" else "AAC 的 M4A")
            + "），请先转换格式"
        )
    if size <= 0:
        raise BadRequestError(f"{kind.label}是空文件")
    if size > kind.max_bytes:
        raise PayloadTooLargeError(f"{kind.label}不能超过 {kind.max_bytes // MB} MB")


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _missing(exc: ClientError) -> bool:
    # The API may not list the bucket (infra/access.py), so S3 answers 403 for a key not there.
    return _code(exc) in {"404", "NoSuchKey", "NotFound", "403", "AccessDenied", "Forbidden"}


def _changed(exc: ClientError) -> bool:
    return _code(exc) in {"412", "PreconditionFailed"}


def _head(key: str, checksum: bool = False) -> dict[str, Any] | None:
    params: dict[str, Any] = {"Bucket": get_settings().media_bucket, "Key": key}
    if checksum:
        params["ChecksumMode"] = "ENABLED"
    try:
        return s3().head_object(**params)
    except ClientError as exc:
        if _missing(exc):
            return None
        raise


def _stored(name: str, kind: lesson_rules.MediaKind, meta: dict[str, Any]) -> dict[str, Any]:
    """What an editor pastes for a stored file (its duration was kept with it)."""
    data = meta.get("Metadata") or {}
    seconds = int(data.get("duration") or 0)
    out: dict[str, Any] = {
        "media": name,
        "kind": kind.key,
        "size": int(meta.get("ContentLength") or 0),
        "duration": seconds,
        "url": lesson_rules.MEDIA_URL_PREFIX + name,
        "lines": [f"Media: {name}"]
        + ([f"Duration: {media_check.duration_text(seconds)}"] if seconds else []),
    }
    for field in ("width", "height"):
        if data.get(field):
            out[field] = int(data[field])
    return out


@storage_guard
def request_upload(member: Member, name: str, size: int, sha256: str, kind: str) -> dict[str, Any]:
    """A pre-signed PUT for one media file, or `{"exists": true}` when it is stored already."""
    require_editor(member)
    media_kind = kind_of(kind)
    check_declared(media_kind, name, size)
    stored_name = media_name(sha256, media_kind)
    meta = _head(lesson_rules.media_key(stored_name))
    if meta is not None:
        return {"exists": True, **_stored(stored_name, media_kind, meta)}
    checksum = base64.b64encode(bytes.fromhex(stored_name[:64])).decode()
    key = incoming_key(stored_name)
    url = s3().generate_presigned_url(
        "put_object",
        Params={
            "Bucket": get_settings().media_bucket,
            "Key": key,
            "ContentType": media_kind.content_type,
            "ContentLength": size,
            "ChecksumSHA256": checksum,
        },
        ExpiresIn=UPLOAD_SECONDS,
    )
    return {
        "exists": False,
        "media": stored_name,
        "method": "PUT",
        "url": url,
        # Every one of them is signed: the PUT must send exactly these.
        "headers": {"Content-Type": media_kind.content_type, "x-amz-checksum-sha256": checksum},
        "key": key,
        "expires_in": UPLOAD_SECONDS,
    }


def _discard(key: str) -> None:
    s3().delete_object(Bucket=get_settings().media_bucket, Key=key)


def _range(key: str, size: int, etag: str) -> bytes:
    end = min(size, media_check.HEAD_BYTES) - 1
    response = s3().get_object(
        Bucket=get_settings().media_bucket, Key=key, Range=f"bytes=0-{end}", IfMatch=etag
    )
    return response["Body"].read()


def _sha256_of(key: str, etag: str) -> str:
    """The whole object's SHA-256, read back (only where storage kept no checksum)."""
    body = s3().get_object(Bucket=get_settings().media_bucket, Key=key, IfMatch=etag)["Body"]
    digest = hashlib.sha256()
    for chunk in iter(lambda: body.read(HASH_CHUNK), b""):
        digest.update(chunk)
    return digest.hexdigest()


def _refuse(key: str, error: Exception) -> Exception:
    _discard(key)
    return error


def _copy(source: str, target: str, etag: str, info: media_check.MediaInfo, kind: Any) -> None:
    bucket = get_settings().media_bucket
    metadata = {"duration": str(info.seconds), "codecs": ",".join(info.codecs)}
    if info.width:
        metadata.update(width=str(info.width), height=str(info.height))
    copied = s3().copy_object(
        Bucket=bucket,
        Key=target,
        CopySource={"Bucket": bucket, "Key": source},
        CopySourceIfMatch=etag,
        IfNoneMatch="*",
        MetadataDirective="REPLACE",
        ContentType=kind.content_type,
        CacheControl=CACHE_CONTROL,
        Metadata=metadata,
    )
    # S3 refuses the copy itself when the upload changed; the stand-in does not: the copy's own
    # ETag says which bytes were taken (uploads.keep does the same).
    if str(copied.get("CopyObjectResult", {}).get("ETag", "")) != etag:
        _discard(target)
        raise ConflictError(CHANGED)


@storage_guard
def check(member: Member, sha256: str, kind: str) -> dict[str, Any]:
    """Judge what arrived for `<sha256>.<ext>` and keep it as `media/<sha256>.<ext>`."""
    require_editor(member)
    media_kind = kind_of(kind)
    name = media_name(sha256, media_kind)
    target, key = lesson_rules.media_key(name), incoming_key(name)
    kept = _head(target)
    if kept is not None:  # kept before (a retried check, or another editor's at once)
        _discard(key)
        return {"exists": True, **_stored(name, media_kind, kept)}
    meta = _head(key, checksum=True)
    if meta is None:
        # Another check may have kept it and deleted the upload since we looked at the target.
        kept = _head(target)
        if kept is None:
            raise NotFoundError(GONE)
        return {"exists": True, **_stored(name, media_kind, kept)}
    size, etag = int(meta["ContentLength"]), str(meta.get("ETag") or "")
    if size > media_kind.max_bytes:
        too_large = f"{media_kind.label}不能超过 {media_kind.max_bytes // MB} MB"
        raise _refuse(key, PayloadTooLargeError(too_large))
    if size <= 0:
        raise _refuse(key, BadRequestError(f"{media_kind.label}是空文件"))
    try:
        head = _range(key, size, etag)
        try:
            info = media_check.inspect(head, size)
        except media_check.MediaRefusedError as refused:
            error = (UnsupportedMediaTypeError if refused.status == 415 else BadRequestError)(
                refused.message
            )
            raise _refuse(key, error) from None
        if info.kind != media_kind.key:
            found = lesson_rules.MEDIA_KINDS[info.kind]
            raise _refuse(
                key,
                UnsupportedMediaTypeError(
                    f"文件是{found.label}，不是{media_kind.label}：请按{found.label}上传"
                    f"（.{found.ext}）"
                ),
            )
        stored = str(meta.get("ChecksumSHA256") or "")
        expected = base64.b64encode(bytes.fromhex(name[:64])).decode()
        if stored and "-" not in stored:
            matches = stored == expected
        else:  # storage kept no whole-object checksum (the stand-in): hash the bytes
            matches = _sha256_of(key, etag) == name[:64]
        if not matches:
            raise _refuse(key, BadRequestError(MISMATCH))
        _copy(key, target, etag, info, media_kind)
    except ClientError as exc:
        if _changed(exc) and _head(target) is None:
            raise ConflictError(CHANGED) from None
        if not (_missing(exc) or _changed(exc)):
            raise
        # The upload went while we looked (another check kept it), or the copy met the kept
        # object (If-None-Match): done, when the object is there.
        kept = _head(target)
        if kept is None:
            raise NotFoundError(GONE) from None
        return {"exists": True, **_stored(name, media_kind, kept)}
    _discard(key)
    kept = _head(target)
    if kept is None:  # deleted in between: nothing kept, the caller uploads again
        raise NotFoundError(GONE)
    return {"exists": False, **_stored(name, media_kind, kept)}

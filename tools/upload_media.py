"""Upload a 微党课 video or audio file to the media bucket, and print the lines to paste into the
lesson's Markdown: `make upload-media FILE=path BY=<your member number>`
(`python -m tools.upload_media FILE... --by NO [--stage dev|prod --region R]`).

1. The file is checked here first, with the API's own parser (chalicelib/media_check.py): an
   MP4 with `moov` before `mdat`, H.264 video and AAC audio (or an AAC-only .m4a), at most
   3 hours, within the kind's size — a file that would be refused is refused before any network.
2. Its SHA-256 names it: `<sha256>.mp4` (video) or `<sha256>.m4a` (audio).
3. As the editor BY, through the same domain functions as `POST /api/media/uploads` and
   `/api/media/uploads/check` (chalicelib/media_uploads.py: her role is checked there; tools
   call them in this process, as `make review` and `make erase-member` do): a pre-signed PUT,
   the bytes PUT over HTTP straight to storage with the signed SHA-256 header, then the check
   that keeps it as `media/<sha256>.<ext>`. A file stored already is not sent again.

Without `--stage`: the storage and tables of the `make dev` running now (its S3 stand-in).
With it: the stage's media bucket (the stack's output `MediaBucketName`) and tables in AWS.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from pathlib import Path
from typing import Any

CHUNK = 1024 * 1024
PUT_TIMEOUT = (10, 120)  # connect, between bytes: an 800 MB file on a slow uplink


class UploadFailedError(RuntimeError):
    """The file was not uploaded; the message says why (Chinese, for editors)."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_local(path: Path) -> Any:
    """The file's MediaInfo, or UploadFailedError saying what media_check says (no network)."""
    from chalicelib import lesson_rules, media_check

    if not path.is_file():
        raise UploadFailedError(f"{path}：文件不存在")
    size = path.stat().st_size
    with path.open("rb") as f:
        head = f.read(media_check.HEAD_BYTES)
    try:
        info = media_check.inspect(head, size)
    except media_check.MediaRefusedError as refused:
        raise UploadFailedError(f"{path.name}：{refused.message}") from None
    kind = lesson_rules.MEDIA_KINDS[info.kind]
    if size > kind.max_bytes:
        raise UploadFailedError(f"{path.name}：{kind.label}不能超过 {kind.max_bytes // CHUNK} MB")
    return info


def upload(path: Path, editor_no: str) -> dict[str, Any]:
    """Check, hash, PUT and keep one file as editor `editor_no`; the API's answer (`lines`...)."""
    import requests

    from chalicelib import lesson_rules, media_uploads, registry
    from chalicelib.errors import ApiError

    info = check_local(path)
    kind = lesson_rules.MEDIA_KINDS[info.kind]
    editor = registry.get_member(editor_no, consistent=True)
    if editor is None or not editor.active:
        raise UploadFailedError(f"没有在册的党员编号 {editor_no}（须为支部委员及以上的工作人员）")
    size, sha256 = path.stat().st_size, sha256_of(path)
    name = f"{path.stem}.{kind.ext}"  # the display name; the stored name is the hash
    try:
        ticket = media_uploads.request_upload(editor, name, size, sha256, kind.key)
        if ticket["exists"]:
            return _with_duration(ticket, info)
        with path.open("rb") as body:
            headers = {**ticket["headers"], "Content-Length": str(size)}
            sent = requests.put(ticket["url"], data=body, headers=headers, timeout=PUT_TIMEOUT)
        if sent.status_code != 200:
            raise UploadFailedError(
                f"{path.name}：存储拒绝了上传（HTTP {sent.status_code}），请重试\n{sent.text[:300]}"
            )
        return media_uploads.check(editor, sha256, kind.key)
    except ApiError as exc:
        raise UploadFailedError(f"{path.name}：{exc.message}") from None
    except requests.RequestException as exc:
        why = exc.__class__.__name__
        raise UploadFailedError(f"{path.name}：连接存储失败（{why}），请重试") from None


def _with_duration(answer: dict[str, Any], info: Any) -> dict[str, Any]:
    """A file stored without its duration kept (put there by other means): the local check's."""
    from chalicelib import media_check

    if answer.get("duration"):
        return answer
    lines = [*answer["lines"], f"Duration: {media_check.duration_text(info.seconds)}"]
    return {**answer, "duration": info.seconds, "lines": lines}


def describe(path: Path, answer: dict[str, Any]) -> str:
    """What the editor reads: the file, what it is, and the Markdown lines to paste."""
    from chalicelib import lesson_rules, media_check

    kind = lesson_rules.MEDIA_KINDS[answer["kind"]]
    size = f"{answer['size'] / CHUNK:.1f} MB"
    picture = f"，{answer['width']}×{answer['height']}" if answer.get("width") else ""
    state = "已存在，无需重复上传" if answer["exists"] else "已上传并通过检查"
    length = media_check.duration_text(answer["duration"]) if answer.get("duration") else "?"
    return "\n".join(
        [f"{path.name}：{kind.label} {length}{picture}，{size}，{state}。粘贴到课程的 Markdown："]
        + [f"  {line}" for line in answer["lines"]]
    )


def _stage_bucket(stage: str, region: str) -> str:
    """The stage's media bucket, from its stack's outputs."""
    import botocore.session

    from infra.publish import stack_outputs

    cfn = botocore.session.get_session().create_client("cloudformation", region_name=region)
    outputs = stack_outputs(cfn, stage)
    if "MediaBucketName" not in outputs:
        raise SystemExit(f"dangjian-{stage} 没有输出 MediaBucketName：请先 make deploy")
    return outputs["MediaBucketName"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="上传微党课视频或音频，打印要粘贴的 Markdown 行")
    parser.add_argument("files", nargs="+", type=Path, help=".mp4（H.264/AAC）或 .m4a（AAC）")
    parser.add_argument("--by", required=True, help="上传人（支部委员及以上）的党员编号")
    parser.add_argument("--stage", choices=("dev", "prod"))
    parser.add_argument("--region", default=os.environ.get("AWS_REGION") or "ap-east-1")
    args = parser.parse_args(argv)
    # Every file checked before anything is sent: one bad file of several sends nothing.
    try:
        for path in args.files:
            check_local(path)
    except UploadFailedError as exc:
        print(exc, file=sys.stderr)
        return 1
    if args.stage:  # before chalicelib reads its settings
        os.environ["MEDIA_BUCKET"] = _stage_bucket(args.stage, args.region)
    failed = 0
    for path in args.files:
        try:
            print(describe(path, upload(path, args.by)), flush=True)
        except UploadFailedError as exc:
            print(exc, file=sys.stderr)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

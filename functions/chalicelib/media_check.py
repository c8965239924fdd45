"""What a lesson's media file really is, from its first bytes: the one check the upload tool runs
before any network and the API runs again on what arrived in storage (a ranged GET of the head).

A file is accepted when it is an MP4 (ISO base media file format) that every WeChat webview and
Chromium plays inline and can start before the whole file has arrived:

- `ftyp` is the first box and names an MP4 brand (not QuickTime's `qt  `);
- `moov` (the index) comes before `mdat` (the media data): "faststart"; otherwise a phone would
  have to fetch the whole file before the first frame;
- not fragmented (no `mvex`), with a duration in `mvhd` of at most
  lesson_rules.MAX_DURATION_SECONDS;
- a video: one `vide` track coded H.264 (`avc1`) and at most one `soun` track coded AAC (`mp4a`
  whose decoder config names MPEG-4 or MPEG-2 AAC); an audio file: one AAC `soun` track, no video.
  Tracks of other handlers (timecode, text) are ignored: players ignore them too.

Everything else — WebM/Matroska, QuickTime, HEVC (`hvc1`/`hev1`), MP3 in MP4, a file cut short,
random bytes — is refused with a `MediaRefusedError` whose message says, in Chinese, what to do.

Only the head is needed: `moov` of a 3-hour lesson at 60 frames a second with 48 kHz AAC holds
about 1.15 million samples' sizes, times and offsets — at most ≈ 13.8 MB (16 bytes a video
sample, 8 an audio sample, every sample its own chunk; the demo files measure 12.5 and 4.8 bytes
a sample), half that at 30 frames a second; HEAD_BYTES (16 MB) covers it. `total_size`
(the whole file's size, from the caller's stat or HEAD) lets a head shorter than the file be
judged: a box that claims to run past the end of the file means the file was cut short.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from . import lesson_rules

MB = 1024 * 1024
HEAD_BYTES = 16 * MB  # what the check reads of a file: moov of a 3-hour lesson fits

FASTSTART = "（请用 ffmpeg -i 原文件 -c copy -movflags +faststart 新文件.mp4 重新封装）"
REENCODE = (
    "（请转为 H.264 视频 + AAC 音频的 MP4，例如 ffmpeg -i 原文件 -c:v libx264 -c:a aac "
    "-movflags +faststart 新文件.mp4）"
)
TRUNCATED = "文件不完整（可能在导出、复制或上传时被截断），请重新导出后再试"
NOT_MP4 = "文件不是 MP4/M4A 格式" + REENCODE

# Brands of ISO/MP4 files (ftyp): any of them among the major or compatible brands.
MP4_BRANDS = {
    b"isom",
    b"iso2",
    b"iso3",
    b"iso4",
    b"iso5",
    b"iso6",
    b"mp41",
    b"mp42",
    b"avc1",
    b"M4A ",
    b"M4V ",
    b"M4B ",
    b"MSNV",
    b"dash",
}
# MPEG-4 audio (AAC, 0x40) and MPEG-2 AAC main/LC/SSR (0x66-0x68), as esds names them.
AAC_OBJECT_TYPES = {0x40, 0x66, 0x67, 0x68}
CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl"}


class MediaRefusedError(ValueError):
    """The file is not acceptable; `message` says why (Chinese, for editors); `status` the
    HTTP status an API answers (415 not this format, 400 out of bounds)."""

    def __init__(self, message: str, status: int = 415) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class MediaInfo:
    kind: str  # "video" or "audio" (lesson_rules.MEDIA_KINDS)
    duration: float  # seconds, from mvhd
    codecs: tuple[str, ...]  # sample entry types: ("avc1", "mp4a") or ("mp4a",)
    width: int = 0  # of the video track's coded picture; 0 for audio
    height: int = 0

    @property
    def seconds(self) -> int:
        """The duration in whole seconds, as a lesson's `Duration:` line says it."""
        return max(1, round(self.duration))


# Bounds on what the check reads, so a crafted head costs milliseconds, not the function's
# memory and time: boxes at one level (a real moov has under 20 children) and the ftyp's size.
MAX_BOXES = 1024
MAX_FTYP_BYTES = 1024


@dataclass(frozen=True)
class _Box:
    kind: bytes
    start: int  # of the header
    body: int  # of the payload
    end: int  # one past the last byte (as declared)


def _boxes(data: bytes, start: int, end: int, total: int):
    """The boxes between `start` and `end` of `data` (headers must lie in `data`; a box may end
    beyond it when `data` is a head of a file of `total` bytes)."""
    pos, count = start, 0
    while pos < end:
        if pos + 8 > len(data):
            return  # the next header is past the head we have
        count += 1
        if count > MAX_BOXES:  # a real file has a few dozen; a crafted one, millions
            raise MediaRefusedError("文件结构异常（同一层的数据块过多）" + REENCODE)
        size, kind = struct.unpack_from(">I4s", data, pos)
        body = pos + 8
        if size == 1:
            if pos + 16 > len(data):
                return
            (size,) = struct.unpack_from(">Q", data, pos + 8)
            body = pos + 16
        elif size == 0:  # to the end of the file
            size = total - pos
        if size < body - pos or pos + size > total or pos + size > end:
            raise MediaRefusedError(TRUNCATED)
        yield _Box(kind, pos, body, pos + size)
        pos += size


def _need(data: bytes, box: _Box) -> None:
    if box.end > len(data):
        raise MediaRefusedError(
            f"文件开头 {HEAD_BYTES // MB} MB 内读不完索引（moov），文件过大或结构异常" + FASTSTART
        )


def _find(data: bytes, parent: _Box, kind: bytes, total: int) -> _Box | None:
    return next((b for b in _boxes(data, parent.body, parent.end, total) if b.kind == kind), None)


def _mvhd(data: bytes, box: _Box) -> float:
    _need(data, box)
    version = data[box.body]
    if version == 1:
        timescale, duration = struct.unpack_from(">IQ", data, box.body + 20)
        unknown = duration == 0xFFFFFFFFFFFFFFFF
    else:
        timescale, duration = struct.unpack_from(">II", data, box.body + 12)
        unknown = duration == 0xFFFFFFFF
    if not timescale or not duration or unknown:
        raise MediaRefusedError("文件没有记录时长（可能是直播录制的分片文件）" + FASTSTART)
    return duration / timescale


def _descriptor(data: bytes, pos: int) -> tuple[int, int, int]:
    """An MPEG-4 descriptor at `pos`: (tag, payload start, payload length)."""
    tag = data[pos]
    length, pos = 0, pos + 1
    for _ in range(4):
        byte = data[pos]
        pos += 1
        length = (length << 7) | (byte & 0x7F)
        if not byte & 0x80:
            break
    return tag, pos, length


def _aac(data: bytes, entry: _Box, total: int) -> bool:
    """Whether an `mp4a` sample entry's esds names AAC (not MP3 or another MPEG audio)."""
    version = struct.unpack_from(">H", data, entry.body + 8)[0]
    children = entry.body + 28 + {1: 16, 2: 36}.get(version, 0)  # QuickTime sound v1/v2
    esds = next((b for b in _boxes(data, children, entry.end, total) if b.kind == b"esds"), None)
    if esds is None:
        return False
    tag, pos, _ = _descriptor(data, esds.body + 4)
    if tag != 0x03:  # ES_Descriptor: ES_ID, flags, then optional fields
        return False
    flags = data[pos + 2]
    pos += 3
    if flags & 0x80:
        pos += 2
    if flags & 0x40:
        pos += 1 + data[pos]
    if flags & 0x20:
        pos += 2
    tag, pos, _ = _descriptor(data, pos)
    return tag == 0x04 and data[pos] in AAC_OBJECT_TYPES


def _track(data: bytes, trak: _Box, total: int) -> tuple[bytes, bytes, int, int]:
    """(handler, sample entry type, width, height) of a track."""
    mdia = _find(data, trak, b"mdia", total)
    hdlr = mdia and _find(data, mdia, b"hdlr", total)
    if mdia is None or hdlr is None:
        raise MediaRefusedError("文件的轨道信息不完整" + REENCODE)
    handler = data[hdlr.body + 8 : hdlr.body + 12]
    minf = _find(data, mdia, b"minf", total)
    stbl = minf and _find(data, minf, b"stbl", total)
    stsd = stbl and _find(data, stbl, b"stsd", total)
    if stsd is None:
        return handler, b"", 0, 0
    (count,) = struct.unpack_from(">I", data, stsd.body + 4)
    entries = list(_boxes(data, stsd.body + 8, stsd.end, total))
    if count != 1 or len(entries) != 1:
        raise MediaRefusedError("每个轨道只能有一种编码" + REENCODE)
    entry = entries[0]
    width = height = 0
    if handler == b"vide" and entry.end - entry.body >= 78:
        width, height = struct.unpack_from(">HH", data, entry.body + 24)
    if entry.kind == b"mp4a" and not _aac(data, entry, total):
        return handler, b"mp4a-not-aac", 0, 0
    return handler, entry.kind, width, height


def _codec_refusal(handler: bytes, codec: bytes) -> MediaRefusedError:
    name = codec.decode("latin-1").strip() or "未知"
    if codec in {b"hvc1", b"hev1"}:
        return MediaRefusedError("视频编码是 H.265/HEVC，部分手机的微信不能播放" + REENCODE)
    if codec == b"mp4a-not-aac":
        return MediaRefusedError("音频不是 AAC 编码（可能是 MP3）" + REENCODE)
    what, want = ("视频", "H.264") if handler == b"vide" else ("音频", "AAC")
    return MediaRefusedError(f"{what}编码是 {name}，不是 {want}" + REENCODE)


def inspect(head: bytes, total_size: int | None = None) -> MediaInfo:
    """The media file whose first bytes are `head` (the whole file when `total_size` is None);
    MediaRefusedError when it is not one a lesson may use."""
    try:
        return _inspect(head, total_size)
    except (struct.error, IndexError, StopIteration):  # a field past its box: not a sound file
        raise MediaRefusedError(NOT_MP4) from None


def _inspect(head: bytes, total_size: int | None) -> MediaInfo:
    total = len(head) if total_size is None else total_size
    if total <= 0 or not head:
        raise MediaRefusedError("文件是空的", 400)
    if head[:4] == b"\x1a\x45\xdf\xa3":
        raise MediaRefusedError("文件是 WebM/MKV 格式，微信中不能可靠播放" + REENCODE)
    if len(head) < 16 or head[4:8] != b"ftyp":
        raise MediaRefusedError(NOT_MP4)
    top = _boxes(head, 0, total, total)
    ftyp = next(top)
    _need(head, ftyp)
    if ftyp.end - ftyp.start > MAX_FTYP_BYTES:
        raise MediaRefusedError("文件结构异常（文件类型块过大）" + REENCODE)
    brands = {head[ftyp.body : ftyp.body + 4]} | {
        head[p : p + 4] for p in range(ftyp.body + 8, ftyp.end - 3, 4)
    }
    if head[ftyp.body : ftyp.body + 4] == b"qt  ":
        raise MediaRefusedError("文件是 QuickTime（.mov）格式" + REENCODE)
    if not brands & MP4_BRANDS:
        raise MediaRefusedError(NOT_MP4)
    moov = None
    for box in top:
        if box.kind == b"mdat" and moov is None:
            raise MediaRefusedError(
                "文件的索引（moov）在媒体数据之后，手机要下载完才能播放" + FASTSTART
            )
        if box.kind == b"moov":
            moov = box
            break
    if moov is None:
        if total > len(head):
            raise MediaRefusedError(
                f"文件开头 {HEAD_BYTES // MB} MB 内没有索引（moov）" + FASTSTART
            )
        raise MediaRefusedError("文件不完整，没有索引（moov）" + FASTSTART)
    _need(head, moov)
    children = list(_boxes(head, moov.body, moov.end, total))
    if any(b.kind == b"mvex" for b in children):
        raise MediaRefusedError("文件是分片 MP4（fMP4）" + FASTSTART)
    mvhd = next((b for b in children if b.kind == b"mvhd"), None)
    if mvhd is None:
        raise MediaRefusedError("文件没有时长信息（mvhd）" + REENCODE)
    duration = _mvhd(head, mvhd)
    tracks = [_track(head, b, total) for b in children if b.kind == b"trak"]
    video = [t for t in tracks if t[0] == b"vide"]
    audio = [t for t in tracks if t[0] == b"soun"]
    if len(video) > 1 or len(audio) > 1:
        raise MediaRefusedError("文件只能有一个视频轨道和一个音频轨道" + REENCODE)
    for handler, codec, *_ in video + audio:
        if codec != {b"vide": b"avc1", b"soun": b"mp4a"}[handler]:
            raise _codec_refusal(handler, codec)
    if not video and not audio:
        raise MediaRefusedError("文件里没有视频或音频" + REENCODE)
    if duration > lesson_rules.MAX_DURATION_SECONDS:
        hours = lesson_rules.MAX_DURATION_SECONDS / 3600
        raise MediaRefusedError(f"时长超过 {hours:g} 小时，请分成几讲上传", 400)
    # The media must end where the file says: mdat follows moov and lies within the file.
    rest = list(top)
    if not any(b.kind == b"mdat" for b in rest) and total <= len(head):
        raise MediaRefusedError("文件不完整，没有媒体数据（mdat）" + FASTSTART)
    if video:
        _, _, width, height = video[0]
        codecs = ("avc1", "mp4a") if audio else ("avc1",)
        return MediaInfo("video", duration, codecs, width, height)
    return MediaInfo("audio", duration, ("mp4a",))


def duration_text(seconds: int) -> str:
    """`m:ss` (or `h:mm:ss`), as a lesson's `Duration:` line writes it."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"

"""Small media files made at test time with Debian's ffmpeg (infra/setup.sh installs it), for the
微党课 media checks: each a second or two, tiny pictures, so the whole set takes ~2 s to make."""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

VIDEO = ["-f", "lavfi", "-i", "testsrc2=size=160x90:rate=10"]
TONE = ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=22050"]
H264 = ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-preset", "ultrafast"]
AAC = ["-c:a", "aac", "-b:a", "24k"]
FASTSTART = ["-movflags", "+faststart"]

# name → ffmpeg arguments after the inputs ("-t 2" and the output name are added)
RECIPES: dict[str, list[str]] = {
    "ok.mp4": [*VIDEO, *TONE, *H264, *AAC, *FASTSTART],
    "silent.mp4": [*VIDEO, *H264, *FASTSTART],
    "no-faststart.mp4": [*VIDEO, *TONE, *H264, *AAC],
    "audio.m4a": [*TONE, *AAC, *FASTSTART],
    "hevc.mp4": [
        *VIDEO,
        "-c:v",
        "libx265",
        "-tag:v",
        "hvc1",
        "-x265-params",
        "log-level=none",
        *FASTSTART,
    ],
    "webm.webm": [*VIDEO, "-c:v", "libvpx", "-b:v", "100k"],
    "mp3-audio.mp4": [*TONE, "-c:a", "libmp3lame", *FASTSTART],
    "quicktime.mov": [*VIDEO, *H264],
    "fragmented.mp4": [*VIDEO, *H264, "-movflags", "frag_keyframe+empty_moov"],
}


def make(folder: Path, names: tuple[str, ...] = tuple(RECIPES)) -> dict[str, Path]:
    """The recipes' files in `folder` (made once per folder)."""
    out = {}
    for name in names:
        path = folder / name
        if not path.exists():
            subprocess.run(
                ["ffmpeg", "-loglevel", "error", "-y", *RECIPES[name], "-t", "2", str(path)],
                check=True,
                capture_output=True,
            )
        out[name] = path
    return out


def with_duration(data: bytes, seconds: int) -> bytes:
    """The same file with its mvhd (version 0) claiming `seconds` of duration."""
    at = data.index(b"mvhd") + 4  # the box's payload: version, flags, times, timescale, duration
    assert data[at] == 0, "a version-0 mvhd"
    (timescale,) = struct.unpack_from(">I", data, at + 12)
    return data[: at + 16] + struct.pack(">I", timescale * seconds) + data[at + 20 :]

"""The 微党课 media parser (chalicelib/media_check.py) over files made at test time with ffmpeg
(tests/media_samples.py), cross-checked with ffprobe: what plays inline in WeChat is accepted with
its kind, duration, codecs and size; everything else is refused with a Chinese message saying
what to do — whole files and the head a ranged GET gives the API alike."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from chalicelib import lesson_rules, media_check
from chalicelib.media_check import MediaRefusedError
from tests import media_samples

DEMO = Path(__file__).resolve().parents[2] / "tools" / "demo_media"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return media_samples.make(tmp_path_factory.mktemp("media"))


def ffprobe(path: Path) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)],
        check=True,
        capture_output=True,
    )
    return json.loads(out.stdout)


ACCEPTED = [
    # file, kind, codecs
    ("ok.mp4", "video", ("avc1", "mp4a")),
    ("silent.mp4", "video", ("avc1",)),
    ("audio.m4a", "audio", ("mp4a",)),
]


@pytest.mark.parametrize(("name", "kind", "codecs"), ACCEPTED)
def test_what_plays_inline_is_accepted_as_ffprobe_sees_it(files, name, kind, codecs) -> None:
    data = files[name].read_bytes()
    info = media_check.inspect(data)
    probe = ffprobe(files[name])
    assert (info.kind, info.codecs) == (kind, codecs)
    assert info.duration == pytest.approx(float(probe["format"]["duration"]), abs=0.1)
    assert info.seconds == 2
    video = [s for s in probe["streams"] if s["codec_type"] == "video"]
    if video:
        assert video[0]["codec_name"] == "h264"
        assert (info.width, info.height) == (video[0]["width"], video[0]["height"]) == (160, 90)
    # The head a ranged GET returns judges it the same, given the whole size.
    assert media_check.inspect(data[: len(data) // 2 + 4096], len(data)) == info


REFUSED = [
    # file, words of the message, status
    ("no-faststart.mp4", "-movflags +faststart", 415),
    ("hevc.mp4", "H.265/HEVC", 415),
    ("webm.webm", "WebM", 415),
    ("mp3-audio.mp4", "不是 AAC", 415),
    ("quicktime.mov", "QuickTime", 415),
    ("fragmented.mp4", "分片", 415),
]


@pytest.mark.parametrize(("name", "words", "status"), REFUSED)
def test_what_does_not_play_everywhere_is_refused_saying_what_to_do(
    files, name, words, status
) -> None:
    with pytest.raises(MediaRefusedError) as refused:
        media_check.inspect(files[name].read_bytes())
    assert words in refused.value.message and refused.value.status == status
    assert "ffmpeg" in refused.value.message  # how to make one that is accepted


def test_random_bytes_empty_and_cut_short_files_are_refused(files) -> None:
    data = files["ok.mp4"].read_bytes()
    cases = {
        "random": (os.urandom(5000), None, "不是 MP4"),
        "random with an ftyp": (data[:32] + os.urandom(5000), None, "不"),
        "cut in the media data": (data[: len(data) - 500], None, "不完整"),
        "cut in the index": (data[:600], None, "不完整"),
        "head of a file shorter than it says": (data, len(data) - 1, "不完整"),
        "only the ftyp": (data[:32], None, "不"),
    }
    for label, (head, total, words) in cases.items():
        with pytest.raises(MediaRefusedError) as refused:
            media_check.inspect(head, total)
        assert words in refused.value.message, label
    with pytest.raises(MediaRefusedError) as refused:
        media_check.inspect(b"")
    assert refused.value.status == 400


def test_a_lesson_longer_than_the_limit_is_refused_by_its_mvhd(files) -> None:
    data = files["ok.mp4"].read_bytes()
    limit = lesson_rules.MAX_DURATION_SECONDS
    assert media_check.inspect(media_samples.with_duration(data, limit)).seconds == limit
    with pytest.raises(MediaRefusedError) as refused:
        media_check.inspect(media_samples.with_duration(data, limit + 1))
    assert refused.value.status == 400 and "3 小时" in refused.value.message


def test_a_video_whose_index_does_not_fit_the_head_is_refused(files) -> None:
    data = files["ok.mp4"].read_bytes()
    with pytest.raises(MediaRefusedError) as refused:
        media_check.inspect(data[:200], len(data))  # as if moov ran past HEAD_BYTES
    assert "moov" in refused.value.message


def test_the_demo_lessons_files_are_accepted() -> None:
    sums = dict(reversed(line.split()) for line in (DEMO / "SHA256SUMS").read_text().splitlines())
    seen = {name: media_check.inspect((DEMO / name).read_bytes()) for name in sorted(sums)}
    assert {n: (i.kind, i.seconds) for n, i in seen.items()} == {
        "lesson-demo-1.mp4": ("video", 30),
        "lesson-demo-2.mp4": ("video", 20),
        "lesson-demo-3.m4a": ("audio", 40),
    }


def test_duration_text_is_what_a_lesson_writes() -> None:
    assert [media_check.duration_text(s) for s in (0, 5, 30, 754, 3600, 10800)] == [
        "0:00",
        "0:05",
        "0:30",
        "12:34",
        "1:00:00",
        "3:00:00",
    ]


def _box(kind: bytes, payload: bytes) -> bytes:
    return (8 + len(payload)).to_bytes(4, "big") + kind + payload


def test_a_crafted_head_is_refused_before_it_is_walked_whole() -> None:
    """Millions of empty boxes in the index, or a huge type block: refused as soon as the count
    or size passes what any real file has, so the API's check stays cheap (no 5xx)."""
    head = media_check.HEAD_BYTES
    bomb = (
        _box(b"ftyp", b"isom\0\0\0\0isomavc1")
        + _box(b"moov", _box(b"free", b"") * ((head - 64) // 8))
        + _box(b"mdat", b"\0" * 8)
    )
    with pytest.raises(MediaRefusedError, match="数据块过多"):
        media_check.inspect(bomb[:head], len(bomb))
    brands = _box(b"ftyp", b"isom\0\0\0\0" + b"abcd" * 4096) + _box(b"moov", b"")
    with pytest.raises(MediaRefusedError, match="文件类型块过大"):
        media_check.inspect(brands, len(brands))

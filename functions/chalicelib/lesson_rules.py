"""微党课 (video and audio lessons): the one definition of what a lesson's media may be and what
makes a lesson watched, imported by the build (plugins/lessons), the upload tool and the API.

Media live in storage, never in git: a lesson names its file by content hash
(`Media: <sha256>.mp4`), so approving the lesson's text approves exactly those bytes, and a
replaced file (a new hash in the text) publishes nothing until approved again.

Credit is wall-clock time actually playing (laid on the member's one reading line, so tabs and
devices never add up to more than the time that passed); a lesson is watched when the media
positions she played cover WATCHED_SHARE of its duration. Playing faster covers more of the
lesson per wall second (at most MAX_RATE), never more credited time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class MediaKind:
    key: str  # "video" or "audio"
    label: str  # shown to editors
    ext: str  # the stored object's extension
    content_type: str
    max_bytes: int


MEDIA_KINDS: dict[str, MediaKind] = {
    k.key: k
    for k in (
        # H.264 video + AAC audio in MP4, moov before mdat ("faststart"): plays inline in WeChat
        # on Android (X5/XWeb) and iOS (WKWebView) and starts before the whole file arrives.
        MediaKind("video", "视频", "mp4", "video/mp4", 800 * MB),
        # AAC audio in an MP4 container (.m4a): the audio form every WeChat webview plays.
        MediaKind("audio", "音频", "m4a", "audio/mp4", 200 * MB),
    )
}
BY_EXT: dict[str, MediaKind] = {k.ext: k for k in MEDIA_KINDS.values()}

# How a lesson names its media file, and where the object lives in storage and on the site.
MEDIA_NAME = re.compile(r"(?P<sha256>[0-9a-f]{64})\.(?P<ext>mp4|m4a)")
MEDIA_PREFIX = "media/"  # storage key prefix and site path: /media/<sha256>.<ext>
MEDIA_URL_PREFIX = "/" + MEDIA_PREFIX

MAX_DURATION_SECONDS = 3 * 3600  # a lesson is at most 3 hours
WATCHED_SHARE = 0.8  # share of the duration her played positions must cover to count as watched
MAX_RATE = 2.0  # the fastest playback speed offered; media covered per credited wall second
SEGMENT_SECONDS = 5  # coverage is kept per segment of this length (a bitmap per member and lesson)
VIEW_CAP_FACTOR = 2  # one page view credits at most twice the lesson's duration


def media_key(name: str) -> str:
    """The storage key of a media name (`<sha256>.<ext>`)."""
    return MEDIA_PREFIX + name


def segments(duration: float) -> int:
    """How many coverage segments a lesson of `duration` seconds has (at least 1)."""
    return max(1, -(-int(duration) // SEGMENT_SECONDS))

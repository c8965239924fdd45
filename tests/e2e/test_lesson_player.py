"""A 微党课 in WeChat on a phone: a short test video made at test time with ffmpeg (H.264/AAC,
faststart), published as a lesson with its subtitles and chapters.

- Without JavaScript the page reads: poster, speaker, chapters, the transcript.
- With it: nothing loads or plays before she asks; subtitles show and switch off and on; the
  speed buttons set the playback rate; a chapter link seeks and the transcript follows; large
  text (适老化) grows the transcript without a sideways scroll.
- Signed in: her heartbeats carry playing time, position and ranges; the page shows 已看 x%,
  resumes at the right second after a reload (从 mm:ss 继续), and the watched lesson's points
  appear in a toast.
Real time is short: the video is 10 s, played at 1.5× and 2×."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from chalicelib.models import CatalogItem, Member
from tests.e2e.conftest import WECHAT_UA
from tests.e2e.signing import sign_in
from tests.e2e.test_dialogs_toasts import expect_toast, record_toasts
from tools.fixtures import make_member, make_tree
from tools.publish_catalog import FILENAME, publish

pytestmark = pytest.mark.usefixtures("clean_tables", "s3")
ROOT = Path(__file__).resolve().parents[2]
SLUG = "e2e-lesson"
PAGE = f"/articles/{SLUG}.html"
SECONDS = 10
VTT = """WEBVTT

00:00.000 --> 00:02.500
第一句：同志们好。

00:02.500 --> 00:05.000
第二句：今天学习党章。

00:05.000 --> 00:07.500
第三句：坚定理想信念。

00:07.500 --> 00:10.000
第四句：谢谢大家。
"""


def make_video(target: Path) -> str:
    """A 10-second H.264/AAC MP4 with its index first (faststart); returns its media name."""
    subprocess.run(
        [
            *("ffmpeg", "-v", "error", "-y"),
            *("-f", "lavfi", "-i", f"testsrc=size=320x180:rate=15:duration={SECONDS}"),
            *("-f", "lavfi", "-i", f"sine=frequency=440:duration={SECONDS}"),
            *("-c:v", "libx264", "-profile:v", "baseline", "-pix_fmt", "yuv420p"),
            *("-c:a", "aac", "-b:a", "64k", "-shortest", "-movflags", "+faststart"),
            str(target),
        ],
        check=True,
    )
    return hashlib.sha256(target.read_bytes()).hexdigest() + ".mp4"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test video, and a build of a content folder holding only its lesson (review gate
    off, like the reading test), made once for this module's tests."""
    tmp = tmp_path_factory.mktemp("lesson")
    video = tmp / "lesson.mp4"
    media = make_video(video)
    content = tmp / "content"
    (content / "lessons").mkdir(parents=True)
    (content / "images" / "lessons").mkdir(parents=True)
    (content / "images" / "lessons" / "e2e.vtt").write_text(VTT, encoding="utf-8")
    shutil.copy(
        ROOT / "content" / "images" / "lessons" / "chuxin-shiming.jpg",
        content / "images" / "lessons" / "e2e.jpg",
    )
    (content / "lessons" / "e2e.md").write_text(
        "\n".join(
            [
                "Title: 测试党课",
                "Date: 2026-11-20 09:00",
                "Category: 微党课",
                "Branch: B0101",
                f"Slug: {SLUG}",
                f"Media: {media}",
                f"Duration: 0:{SECONDS:02d}",
                "Speaker: 测试主讲人",
                "Lesson_Series: 测试系列",
                "Poster: {static}/images/lessons/e2e.jpg",
                "Subtitles: {static}/images/lessons/e2e.vtt",
                "Chapters: 0:00 开头; 0:05 后半",
                "",
                "测试用的微党课。",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    out = tmp / "out"
    subprocess.run(
        [
            *(sys.executable, "-m", "pelican", str(content), "-q", "-o", str(out)),
            *("-s", "pelicanconf.py"),
            *("-e", 'REVIEW_GATE="off"', "CACHE_CONTENT=false", "LOAD_CONTENT_CACHE=false"),
        ],
        cwd=ROOT,
        check=True,
    )
    return tmp


def serve_lesson(served: Path, built: Path) -> Path:
    """Publish the build's catalog and add its page, theme and files to the served folder;
    returns the video file."""
    out, video = built / "out", built / "lesson.mp4"
    publish(out / FILENAME)
    assert CatalogItem.get(SLUG).media == hashlib.sha256(video.read_bytes()).hexdigest() + ".mp4"
    page = served / PAGE.lstrip("/")
    page.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(out / PAGE.lstrip("/"), page)
    for folder in ("theme", "images"):
        shutil.copytree(out / folder, served / folder, dirs_exist_ok=True)
    return video


def store_media(video: Path) -> None:
    """The video in the media bucket, where storage keeps an uploaded lesson's media (the dev
    server serves it at /media/*, ranges and all, as CloudFront does)."""
    from chalicelib import lesson_rules
    from infra import s3_standin
    from tests.conftest import S3_ENV

    name = hashlib.sha256(video.read_bytes()).hexdigest() + ".mp4"
    s3_standin.client(S3_ENV["S3_ENDPOINT"]).put_object(
        Bucket=S3_ENV["MEDIA_BUCKET"],
        Key=lesson_rules.media_key(name),
        Body=video.read_bytes(),
        ContentType="video/mp4",
    )


def media_requests(page: Page) -> list[str]:
    """The media requests this phone makes from now on."""
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/media/" in r.url else None)
    return asked


MEDIA = "#lesson-media"
FONT_PX = "e => parseFloat(getComputedStyle(e).fontSize)"


def _time(phone: Page) -> float:
    return phone.locator(MEDIA).evaluate("m => m.currentTime")


def test_the_lesson_page_reads_without_javascript_and_plays_with_it(
    site, phone: Page, browser: Browser, built: Path
) -> None:
    video = serve_lesson(site.site, built)

    # No JavaScript: everything to read is there, the player's own controls play it.
    plain = browser.new_context(
        java_script_enabled=False,
        user_agent=WECHAT_UA,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
    ).new_page()
    plain.goto(f"{site.url}{PAGE}")
    expect(plain.locator("h1")).to_have_text("测试党课")
    expect(plain.locator(".lesson-speaker")).to_contain_text("测试主讲人")
    expect(plain.locator("#lesson-transcript li")).to_have_count(4)
    expect(plain.locator("#lesson-transcript")).to_contain_text("坚定理想信念")
    expect(plain.locator(".lesson-chapters a")).to_have_count(2)
    expect(plain.locator("#lesson-tools")).to_be_hidden()
    assert plain.locator(MEDIA).get_attribute("poster")
    assert plain.locator(MEDIA).get_attribute("controls") is not None
    plain.context.close()

    store_media(video)
    asked = media_requests(phone)
    subtitles: list[str] = []
    phone.on("request", lambda r: subtitles.append(r.url) if r.url.endswith(".vtt") else None)
    phone.goto(f"{site.url}{PAGE}")
    expect(phone.locator("#lesson-tools")).to_be_visible()
    # Nothing plays, nothing of the video or its subtitles file loads, before she asks.
    phone.wait_for_load_state("load")
    assert phone.locator(MEDIA).evaluate("m => m.paused") and not asked and not subtitles
    # Subtitles are on (shown from the first play); the switch turns them off and on.
    mode = "m => m.textTracks[0].mode"
    expect(phone.locator("#lesson-subs")).to_have_text("字幕：开")
    assert phone.locator(MEDIA).evaluate(mode) == "disabled"
    phone.click("#lesson-subs")
    expect(phone.locator("#lesson-subs")).to_have_text("字幕：关")
    phone.click("#lesson-subs")
    expect(phone.locator("#lesson-subs")).to_have_text("字幕：开")
    assert not subtitles
    # Speeds.
    phone.click("[data-rate='1.5']")
    assert phone.locator(MEDIA).evaluate("m => m.playbackRate") == 1.5
    expect(phone.locator("[data-rate='1.5']")).to_have_attribute("aria-pressed", "true")
    expect(phone.locator("[data-rate='1.0']")).to_have_attribute("aria-pressed", "false")
    # A chapter seeks and plays; the cue's text is on the picture and marked in the transcript.
    phone.click(".lesson-chapters a:has-text('后半')")
    phone.wait_for_function(
        "() => { const m = document.querySelector('#lesson-media');"
        " const cues = [...m.textTracks[0].activeCues].map((c) => c.text);"
        " return !m.paused && m.currentTime > 5 && cues.some((t) => t.startsWith('第三句')); }"
    )
    assert asked and all("/media/" in u for u in asked) and subtitles
    expect(phone.locator("#cue-2")).to_have_class(re.compile(r"\bis-current\b"))
    assert phone.locator(MEDIA).evaluate(mode) == "showing"
    phone.click("#lesson-subs")
    expect(phone.locator("#lesson-subs")).to_have_text("字幕：关")
    assert phone.locator(MEDIA).evaluate(mode) == "hidden"
    phone.click("#lesson-subs")
    assert phone.locator(MEDIA).evaluate(mode) == "showing"
    phone.locator(MEDIA).evaluate("m => m.pause()")

    # Every transcript time is a 44 px target, one-line cues too.
    heights = phone.eval_on_selector_all(
        ".transcript .cue-time", "els => els.map((e) => e.getBoundingClientRect().height)"
    )
    assert len(heights) == 4 and min(heights) >= 44, heights

    # Large text (适老化): the transcript grows 1.3×, and nothing scrolls sideways.
    normal = phone.locator("#cue-1 .cue-text").evaluate(FONT_PX)
    phone.evaluate("localStorage.setItem('large_text', '1')")
    phone.reload()
    large = phone.locator("#cue-1 .cue-text").evaluate(FONT_PX)
    assert large == pytest.approx(normal * 1.3, rel=0.02)
    assert phone.evaluate("document.documentElement.scrollWidth <= innerWidth")


def _queue_empty(phone: Page) -> None:
    for _ in range(100):
        if phone.evaluate("localStorage.getItem('dj_reading_queue')") == "[]":
            return
        time.sleep(0.1)
    raise AssertionError(phone.evaluate("localStorage.getItem('dj_reading_queue')"))


def test_a_member_watches_resumes_and_earns_the_lesson(site, phone: Page, built: Path) -> None:
    make_tree()
    member = make_member("73000019", "B1", name="赵学习")
    member.update(actions=[Member.joined_on.remove()])  # no political-birthday points today
    store_media(serve_lesson(site.site, built))
    beats: list[dict] = []
    phone.on(
        "request",
        lambda r: (
            beats.append(json.loads(r.post_data))
            if r.url.endswith("/api/reading/heartbeat")
            else None
        ),
    )
    record_toasts(phone)
    sign_in(phone, site.url, "73000019", PAGE)
    expect(phone.locator("#lesson-status")).to_have_text("已看 0%")
    expect(phone.locator("#lesson-resume")).to_be_hidden()

    # She plays the first part at 2× and pauses (past the first 5-second segment).
    phone.click("[data-rate='2.0']")
    phone.click(".lesson-chapters a:has-text('开头')")
    phone.wait_for_function("() => document.querySelector('#lesson-media').currentTime >= 6")
    phone.locator(MEDIA).evaluate("m => m.pause()")
    stopped = int(_time(phone))
    _queue_empty(phone)
    expect(phone.locator("#lesson-status")).to_have_text(re.compile(r"^已看 [1-9]\d?%$"))
    last = beats[-1]
    assert last["slug"] == SLUG and last["position"] == stopped
    played = [r for b in beats for r in b.get("ranges", [])]
    assert played and played[0][0] < 0.5 and max(r[1] for r in played) >= 6
    assert sum(b["seconds"] for b in beats) <= SECONDS  # wall seconds, never media seconds

    # Another visit resumes where she stopped.
    phone.reload()
    expect(phone.locator("#lesson-resume")).to_have_text(re.compile(rf"从 00:{stopped:02d} 继续"))
    phone.click("[data-rate='1.5']")
    phone.locator(MEDIA).evaluate("m => { m.muted = true; return m.play(); }")
    phone.wait_for_function("() => document.querySelector('#lesson-media').currentTime > 0")
    assert _time(phone) >= stopped
    expect(phone.locator("#lesson-resume")).to_be_hidden()
    # Back to the start and through to the end: watched, and its points in a toast.
    phone.click(".lesson-chapters a:has-text('开头')")
    phone.wait_for_function("() => document.querySelector('#lesson-media').ended", timeout=30_000)
    expect(phone.locator("#lesson-status")).to_have_text("已看完")
    expect_toast(phone, "已看完本课，积分 +1")

"""上传音视频 in the console (console_media.js), in headless Chromium against the real API and
the S3 stand-in's media bucket. A 党委委员 at a desktop's 1366×768 picks a small MP4 made by
ffmpeg now; the kind is preselected, the page hashes it, PUTs it to the pre-signed URL with
exactly the headers the API named (progress to 100 %), the API checks and keeps it, and the page
shows the lines to paste (the file's hash, its duration) with a 复制 button; the object is at
`media/<sha256>.mp4`. Refused up front (no request): a .webm, an audio file chosen as 视频, an
audio file over the kind's limit. Refused by the API's check: WebM bytes and random bytes named
.mp4 — the API's Chinese message shows, nothing is kept. On a phone (390×844, WeChat, and at 1.3×
text) the page keeps the layout rules with a result shown."""

from __future__ import annotations

import base64
import hashlib
import random
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Request, expect

from chalicelib import lesson_rules, media_check
from infra import s3_standin
from tests import media_samples
from tests.conftest import S3_ENV
from tests.e2e import layout_settled
from tests.e2e.signing import sign_in
from tools.fixtures import make_member, make_tree

EDITOR = "72000001"
MEMBER = "72000002"
PAGE = "/console-media.html"
MB = lesson_rules.MB
SHOTS = Path(__file__).resolve().parents[2] / "var" / "test-output" / "console"


@pytest.fixture(scope="module")
def org(site, s3):
    make_tree()
    make_member(EDITOR, "B3", name="党委委员", roles=("party_committee",))
    make_member(MEMBER, "B3", name="党员")
    return site


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("console-media")
    made = media_samples.make(folder, ("ok.mp4", "audio.m4a", "webm.webm"))
    # Named .mp4, so only the API's check can tell.
    made["webm-named.mp4"] = folder / "webm-named.mp4"
    made["webm-named.mp4"].write_bytes(made["webm.webm"].read_bytes())
    made["random.mp4"] = folder / "random.mp4"
    made["random.mp4"].write_bytes(random.Random(19).randbytes(64 * 1024))
    return made


def refusal(data: bytes) -> str:
    """What the API's check (the same parser) says of these bytes."""
    with pytest.raises(media_check.MediaRefusedError) as refused:
        media_check.inspect(data)
    return refused.value.message


def stored(s3: str, key: str) -> bool:
    client = s3_standin.client(s3)
    try:
        client.head_object(Bucket=S3_ENV["MEDIA_BUCKET"], Key=key)
    except client.exceptions.ClientError:
        return False
    return True


def forget(s3: str, digest: str) -> None:
    """The file's objects gone (another test of this session may have kept the same bytes)."""
    client = s3_standin.client(s3)
    for key in (f"media/{digest}.mp4", f"incoming/media/{digest}.mp4"):
        client.delete_object(Bucket=S3_ENV["MEDIA_BUCKET"], Key=key)


@pytest.fixture
def desktop(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 1366, "height": 768},
        locale="zh-CN",
        permissions=["clipboard-read", "clipboard-write"],
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, errors


def test_an_editor_uploads_a_video_and_gets_the_lines(org, s3, files, desktop: Page) -> None:
    page = desktop
    data = files["ok.mp4"].read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    forget(s3, digest)
    puts: list[Request] = []
    page.on("request", lambda r: puts.append(r) if r.method == "PUT" else None)
    sign_in(page, org.url, EDITOR, PAGE)
    expect(page.locator(".console-nav-item.is-active")).to_have_text("上传音视频")
    expect(page.locator("#cm-submit")).to_be_disabled()

    # Refused up front, before any request: not a kind's extension; audio chosen as 视频.
    page.set_input_files("#cm-file", files["webm.webm"])
    expect(page.locator("#cm-error")).to_contain_text("只能上传 .mp4（视频）或 .m4a（音频）文件")
    expect(page.locator("#cm-submit")).to_be_disabled()
    page.set_input_files("#cm-file", files["audio.m4a"])
    expect(page.locator("input[value=audio]")).to_be_checked()  # preselected from .m4a
    expect(page.locator("#cm-submit")).to_be_enabled()
    page.locator("label.cm-kind", has_text="视频").click()
    expect(page.locator("#cm-error")).to_have_text("这是音频文件（.m4a），请选择「音频」")
    expect(page.locator("#cm-submit")).to_be_disabled()
    # Over the kind's limit (lesson_rules', rendered into the page): a file of one byte more.
    audio = lesson_rules.MEDIA_KINDS["audio"]
    page.evaluate(
        """size => {
          const transfer = new DataTransfer();
          transfer.items.add(new File([new Uint8Array(size)], '大文件.m4a'));
          const input = document.getElementById('cm-file');
          input.files = transfer.files;
          input.dispatchEvent(new Event('change'));
        }""",
        audio.max_bytes + 1,
    )
    expect(page.locator("#cm-error")).to_contain_text(f"音频不能超过 {audio.max_bytes // MB} MB")
    expect(page.locator("#cm-submit")).to_be_disabled()
    assert not puts

    # A valid video: hashed, PUT with the signed headers, checked, kept.
    page.set_input_files("#cm-file", files["ok.mp4"])
    expect(page.locator("input[value=video]")).to_be_checked()
    expect(page.locator("#cm-error")).to_be_hidden()
    page.locator("#cm-submit").click()
    seconds = media_check.inspect(data).seconds
    lines = f"Media: {digest}.mp4\nDuration: {media_check.duration_text(seconds)}"
    expect(page.locator("#cm-summary")).to_contain_text("已上传并通过检查")
    assert page.text_content("#cm-lines") == lines
    expect(page.locator("#cm-percent")).to_have_text("100%")
    assert page.eval_on_selector("#cm-progress", "p => p.value") == 100
    expect(page.locator("#cm-error")).to_be_hidden()
    assert len(puts) == 1
    headers = puts[0].all_headers()
    assert puts[0].url.startswith(S3_ENV["S3_ENDPOINT"] + "/")
    assert headers["content-type"] == "video/mp4"
    assert headers["x-amz-checksum-sha256"] == base64.b64encode(bytes.fromhex(digest)).decode()
    assert stored(s3, f"media/{digest}.mp4") and not stored(s3, f"incoming/media/{digest}.mp4")
    page.locator("#cm-copy").click()
    expect(page.locator(".dj-toast-text")).to_have_text("已复制")
    assert page.evaluate("navigator.clipboard.readText()") == lines
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "media-desktop.png"), full_page=True)

    # Refused by the check (the bytes are not MP4): the API's message; nothing kept.
    for name in ("webm-named.mp4", "random.mp4"):
        bad_data = files[name].read_bytes()
        bad = hashlib.sha256(bad_data).hexdigest()
        page.set_input_files("#cm-file", files[name])
        expect(page.locator("#cm-result")).to_be_hidden()
        page.locator("#cm-submit").click()
        expect(page.locator("#cm-error")).to_have_text(refusal(bad_data))
        expect(page.locator("#cm-progress-box")).to_be_hidden()
        assert not stored(s3, f"media/{bad}.mp4") and not stored(s3, f"incoming/media/{bad}.mp4")
    assert len(puts) == 3


def test_a_member_is_told_only_staff_upload(org, files, desktop: Page) -> None:
    from chalicelib.media_uploads import NOT_STAFF

    sign_in(desktop, org.url, MEMBER, PAGE)
    desktop.set_input_files("#cm-file", files["audio.m4a"])
    desktop.locator("#cm-submit").click()
    expect(desktop.locator("#cm-error")).to_have_text(NOT_STAFF)


def test_a_phone_shows_the_page_within_the_layout_rules(org, s3, files, phone: Page) -> None:
    sign_in(phone, org.url, EDITOR, PAGE)
    phone.set_input_files("#cm-file", files["ok.mp4"])
    phone.locator("#cm-submit").click()
    expect(phone.locator("#cm-result")).to_be_visible()
    expect(phone.locator("#cm-lines")).to_have_text(re.compile(r"^Media: [0-9a-f]{64}\.mp4\s"))
    for large in (False, True):
        phone.evaluate("l => document.documentElement.classList.toggle('large-text', l)", large)
        options = {"edge": 12, "target": 44, "minFont": 15.6 if large else 12}
        found = layout_settled.problems(phone, {**options, "overflowOnly": False})
        assert not found, ("大字" if large else "") + "\n".join(found[:40])
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        SHOTS.mkdir(parents=True, exist_ok=True)
        phone.screenshot(
            path=str(SHOTS / f"media-phone{'-large' if large else ''}.png"), full_page=True
        )

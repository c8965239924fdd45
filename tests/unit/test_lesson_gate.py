"""The review gate with 微党课: the approval binds the media by the hash in `Media:` and the
poster and subtitles by their bytes (tools/review_version.META_FILES). A replaced video, poster or
subtitles file publishes nothing new until approved; a lesson never approved is nowhere."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from PIL import Image

from tests.unit.test_site_build import ROOT, build
from tools import review as review_tool
from tools.review_version import references
from tools.site_content import ContentError

LESSON = "lessons/chuxin-shiming.md"
POSTER = "images/lessons/chuxin-shiming.jpg"
SUBS = "images/lessons/chuxin-shiming.vtt"
NEW_HASH = "b" * 64
NEW_WORDS = "未经审核的新字幕"


def _all_text(output: Path) -> str:
    return "\n".join(
        p.read_text(encoding="utf-8", errors="replace") for p in output.rglob("*") if p.is_file()
    )


@pytest.fixture
def content(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    (folder / "lessons").mkdir(parents=True)
    (folder / "images" / "lessons").mkdir(parents=True)
    shutil.copy(ROOT / "content" / "units.csv", folder / "units.csv")
    for rel in (LESSON, POSTER, SUBS):
        shutil.copy(ROOT / "content" / rel, folder / rel)
    return folder


def test_poster_and_subtitles_are_part_of_the_version() -> None:
    text = (ROOT / "content" / LESSON).read_text(encoding="utf-8")
    refs = {(r.kind, r.path) for r in references(text, LESSON)}
    assert {("poster", POSTER), ("subtitles", SUBS)} <= refs


def test_replaced_media_poster_and_subtitles_keep_the_approved_version(
    content: Path, tmp_path: Path
) -> None:
    files = tmp_path / "files"
    approvals = review_tool.approvals_for(content, files_dir=files)
    old_poster = (content / POSTER).read_bytes()
    old_subs = (content / SUBS).read_bytes()
    text = (content / LESSON).read_text(encoding="utf-8")
    old_hash = text.split("Media: ", 1)[1].split(".", 1)[0]
    # The editor replaces the video (a new upload: a new hash), the picture and the subtitles.
    (content / LESSON).write_text(text.replace(old_hash, NEW_HASH), encoding="utf-8")
    Image.new("RGB", (64, 36), (0, 90, 200)).save(content / POSTER)
    (content / SUBS).write_text(
        f"WEBVTT\n\n00:00.000 --> 00:05.000\n{NEW_WORDS}\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    build(content, out, approvals, REVIEW_FILES_DIR=str(files))

    page = (out / "articles" / "weidangke-chuxin-shiming.html").read_text(encoding="utf-8")
    assert f"/media/{old_hash}.mp4" in page
    everything = _all_text(out)
    assert NEW_HASH not in everything and NEW_WORDS not in everything
    assert "初心从哪里来" in page  # the approved transcript
    published = {p.name: p.read_bytes() for p in (out / "images" / "lessons").iterdir()}
    digest = {name: hashlib.sha256(data).hexdigest() for name, data in published.items()}
    assert sorted(published.values()) == sorted([old_poster, old_subs])
    assert sorted(digest.values()) == sorted(
        hashlib.sha256(b).hexdigest() for b in (old_poster, old_subs)
    )

    # Approved anew, the new version is what members get.
    fresh = tmp_path / "fresh"
    build(content, fresh, review_tool.approvals_for(content, files_dir=files))
    page = (fresh / "articles" / "weidangke-chuxin-shiming.html").read_text(encoding="utf-8")
    assert f"/media/{NEW_HASH}.mp4" in page and NEW_WORDS in page
    assert f"/media/{old_hash}.mp4" not in _all_text(fresh)


def test_a_lesson_never_approved_is_nowhere(content: Path, tmp_path: Path) -> None:
    text = (content / LESSON).read_text(encoding="utf-8")
    (content / "lessons" / "new.md").write_text(
        text.replace("weidangke-chuxin-shiming", "weidangke-new")
        .replace(text.split("Media: ", 1)[1].split(".", 1)[0], NEW_HASH)
        .replace("把初心写在岗位上", "待审核的新课"),
        encoding="utf-8",
    )
    approvals = dict(
        [review_tool.approval_of(content, content / LESSON, tmp_path / "out-approvals.files")]
    )
    out = tmp_path / "out"
    build(content, out, approvals)
    assert (out / "articles" / "weidangke-chuxin-shiming.html").is_file()
    everything = _all_text(out)
    assert NEW_HASH not in everything and "待审核的新课" not in everything


def test_an_indented_file_line_is_bound_as_the_reader_reads_it(
    content: Path, tmp_path: Path
) -> None:
    """Markdown takes ` Subtitles:` (up to three spaces) as metadata: the version binds it too, so
    bytes replaced after approval are not published, and a file the version cannot bind (under
    pages/) is refused rather than published as it is on disk."""
    text = (content / LESSON).read_text(encoding="utf-8")
    indented = text.replace("Subtitles: {static}", "   Subtitles: {static}")
    assert indented != text
    refs = {(r.kind, r.path) for r in references(indented, LESSON)}
    assert ("subtitles", SUBS) in refs
    (content / LESSON).write_text(indented, encoding="utf-8")
    files = tmp_path / "files"
    approvals = review_tool.approvals_for(content, files_dir=files)
    assert SUBS in approvals["weidangke-chuxin-shiming"]["files"]
    (content / SUBS).write_text(
        "WEBVTT\n\n00:00.000 --> 00:05.000\n" + NEW_WORDS + "\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    build(content, out, approvals, REVIEW_FILES_DIR=str(files))
    assert NEW_WORDS not in _all_text(out)

    (content / "pages").mkdir()
    shutil.copy(ROOT / "content" / SUBS, content / "pages" / "t.vtt")
    (content / LESSON).write_text(
        indented.replace("   Subtitles: {static}/" + SUBS, " Subtitles: /pages/t.vtt"),
        encoding="utf-8",
    )
    with pytest.raises(ContentError, match=r"pages/t\.vtt"):
        review_tool.approvals_for(content, files_dir=tmp_path / "files2")


def test_lesson_text_is_published_as_text(content: Path, tmp_path: Path) -> None:
    """Cue text (entities decoded), chapters, speaker and series are plain text: markup in them is
    shown, never run — as the reviewer saw it on 待审核."""
    (content / SUBS).write_text(
        "WEBVTT\n\n00:00.000 --> 00:04.000\n"
        "讲 &lt;img src=x onerror=alert(1)&gt; 与 &lt;/li&gt;\n\n"
        "00:04.000 --> 00:08.000\n<v 张三>第二句 <b onclick=alert(2)>加粗</b>\n",
        encoding="utf-8",
    )
    text = (content / LESSON).read_text(encoding="utf-8")
    text = text.replace("Speaker: 王建国", "Speaker: 王<i>建国</i>")
    text = text.replace("Lesson_Series: 支部书记讲党课", "Lesson_Series: 系列<s>x</s>")
    text = text.replace("0:10 初心从哪里来", "0:04 初心<u>从哪里来</u>")
    (content / LESSON).write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    build(content, out)
    page = (out / "articles" / "weidangke-chuxin-shiming.html").read_text(encoding="utf-8")
    speakers = (out / "lessons" / "speakers.html").read_text(encoding="utf-8")
    section = (out / "category" / "weidangke.html").read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img src=x" not in page
    assert "onclick" not in page
    for markup in ("<u>从哪里来</u>", "<i>建国</i>", "<s>x</s>"):
        assert markup not in page + speakers + section, markup
    assert "王&lt;i&gt;建国&lt;/i&gt;" in speakers and "系列&lt;s&gt;x&lt;/s&gt;" in section

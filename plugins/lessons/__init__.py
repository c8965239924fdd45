"""微党课 (video and audio lessons): a lesson is an article of Category 微党课 whose media live in
storage, named by content hash (functions/chalicelib/lesson_rules.py is the one definition).

    Category: 微党课
    Media: <sha256>.mp4                 # or .m4a for an audio lesson (lesson_rules.MEDIA_NAME)
    Duration: 12:34                     # m:ss or h:mm:ss, at most lesson_rules.MAX_DURATION_SECONDS
    Speaker: 张明
    Lesson_Series: 支部书记讲党课         # optional: the 微党课 page groups lessons by it
    Poster: {static}/images/lessons/x.jpg   # optional picture shown before play
    Subtitles: {static}/images/lessons/x.vtt  # WebVTT, required: the page's transcript
    Chapters: 0:00 导言; 3:20 第一部分       # optional, times within the duration, ascending

Each wrong field stops the build naming file, line and field (a bad subtitles file also names
its own line). The review gate binds Poster and Subtitles to the approved version like a Photo
(tools/review_version.META_FILES) and the media by the hash in the text, so only approved bytes
are published; the build itself never reads the media object.

Gives each lesson `article.lesson` (Lesson: media URL, kind, cues for the transcript, chapters,
published poster/subtitles URLs) and the `lesson` template; the template context gets
`lessons` = {"series": [(name, lessons)], "speakers": [(name, lessons)]}; writes the speaker
list `SPEAKERS_URL`.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pelican import signals
from pelican.contents import Article

from chalicelib import lesson_rules
from tools.review_version import problem, references, resolve
from tools.site_content import PROBLEMS, metadata_line, read_source, where

from . import vtt

CATEGORY = "微党课"
SECTION_SLUG = "weidangke"
SPEAKERS_URL = "lessons/speakers.html"
TEMPLATE = "lesson"
# Playback speeds offered on a lesson page: never above the one limit the server credits by.
RATES = tuple(r for r in (0.75, 1.0, 1.25, 1.5, 2.0) if r <= lesson_rules.MAX_RATE)
FIELDS = ("media", "duration", "speaker", "lesson_series", "poster", "subtitles", "chapters")
_STATIC = re.compile(r"^\{(?:static|attach)\}")
_DURATION = re.compile(r"(?:(\d+):)?(\d{1,2}):([0-5]\d)")
_CHAPTER = re.compile(r"^(\S+)\s+(.+)$")
POSTER_SUFFIXES = (".jpg", ".jpeg", ".png")


@dataclass(frozen=True)
class Chapter:
    start: int  # seconds
    title: str
    anchor: str  # the transcript cue it starts at (the link without JavaScript)

    @property
    def clock(self) -> str:
        return vtt.clock(self.start)


@dataclass
class Lesson:
    media: str  # `<sha256>.<ext>`
    kind: str  # "video" or "audio"
    content_type: str
    duration: int  # seconds
    speaker: str
    series: str | None
    subtitles: str  # content path of the WebVTT file ("" when its approved bytes are gone)
    cues: list[vtt.Cue]
    chapters: list[Chapter] = field(default_factory=list)
    poster: str | None = None  # content path
    poster_url: str | None = None  # set once the static files are placed (hashed names)
    subtitles_url: str | None = None

    @property
    def url(self) -> str:
        return lesson_rules.MEDIA_URL_PREFIX + self.media

    @property
    def duration_label(self) -> str:
        return vtt.clock(self.duration)

    @property
    def kind_label(self) -> str:
        return lesson_rules.MEDIA_KINDS[self.kind].label

    @property
    def transcript(self) -> str:
        return "\n".join(c.text for c in self.cues)


def parse_clock(value: str) -> int | None:
    """Seconds of `m:ss` or `h:mm:ss` (minutes below 60 when hours are given); None if not."""
    match = _DURATION.fullmatch(value.strip())
    if match is None:
        return None
    hours, minutes, seconds = match.groups()
    if hours is not None and int(minutes) > 59:
        return None
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)


def _file(raw: Any, source_rel: str) -> str | None:
    value = _STATIC.sub("", str(raw).strip())
    return resolve(value, source_rel) if value else None


def check(
    source_path: str | Path,
    meta: dict[str, Any],
    content: str | Path,
    unavailable: dict[str, str] | None = None,
) -> tuple[Lesson | None, list[str]]:
    """The lesson an article's metadata describes, and its problems (`file:line: field：why`).

    `content` is the folder the build reads (the review gate's approved files), `unavailable`
    the files whose approved bytes cannot be published (the gate warned about those already)."""
    path = str(source_path)
    text = read_source(path)
    unavailable = unavailable or {}
    found: list[str] = []

    def bad(key: str, message: str) -> None:
        found.append(f"{where(path, metadata_line(text, key))}: {key}：{message}")

    source_rel = Path(os.path.relpath(path, content)).as_posix()
    media = str(meta.get("media") or "").strip()
    kind = None
    match = lesson_rules.MEDIA_NAME.fullmatch(media)
    if not media:
        bad("Media", "缺少 Media（媒体文件名，上传后由 make upload-media 给出）")
    elif match is None:
        bad(
            "Media",
            f"「{media}」不是存储中的媒体文件名：须为 64 位小写十六进制 SHA-256 加 .mp4 或 .m4a"
            "（用 make upload-media FILE=… 上传后复制它给出的一行）",
        )
    else:
        kind = lesson_rules.BY_EXT[match.group("ext")]
    raw_duration = str(meta.get("duration") or "").strip()
    duration = parse_clock(raw_duration) if raw_duration else None
    if not raw_duration:
        bad("Duration", "缺少 Duration（时长，如 12:34 或 1:02:03）")
    elif duration is None or duration <= 0:
        bad("Duration", f"「{raw_duration}」不是时长（应如 12:34 或 1:02:03）")
        duration = None
    elif duration > lesson_rules.MAX_DURATION_SECONDS:
        limit = vtt.clock(lesson_rules.MAX_DURATION_SECONDS)
        bad("Duration", f"「{raw_duration}」超过一节微党课的最长时长 {limit}")
        duration = None
    for key in ("Media", "Duration", "Speaker", "Lesson_Series", "Poster", "Subtitles", "Chapters"):
        if isinstance(meta.get(key.lower()), list):  # the key written twice: which one?
            bad(key, f"{key} 只能写一行")
    speaker = str(meta.get("speaker") or "").strip()
    if not speaker:
        bad("Speaker", "缺少 Speaker（主讲人）")
    series = str(meta.get("lesson_series") or "").strip() or None

    poster = None
    if meta.get("poster"):
        poster = _file(meta["poster"], source_rel)
        if poster is None:
            bad("Poster", f"封面图不在内容目录中：{meta['poster']}")
        elif poster in unavailable:
            poster = None  # approved, but its approved bytes are gone: no picture
        elif not poster.lower().endswith(POSTER_SUFFIXES):
            bad("Poster", f"封面图须为 JPEG 或 PNG：{poster}")
        elif not (Path(content) / poster).is_file():
            bad("Poster", f"封面图不存在：{poster}")

    # The files the approval binds (tools/review_version): a poster or subtitles file the reader
    # found but the version does not name would be published unreviewed.
    bound = {r.path for r in references(text, source_rel) if problem(r) is None}
    if poster and poster not in bound:
        bad("Poster", f"封面图须是可随审核绑定的内容文件（不在 pages/、quizzes/ 中）：{poster}")
        poster = None
    cues: list[vtt.Cue] = []
    subtitles = _file(meta["subtitles"], source_rel) if meta.get("subtitles") else None
    if not meta.get("subtitles"):
        bad("Subtitles", "缺少 Subtitles（WebVTT 字幕文件：页面的文字稿，静音和大字模式也能看）")
    elif subtitles is None:
        bad("Subtitles", f"字幕文件不在内容目录中：{meta['subtitles']}")
    elif subtitles not in bound:
        bad("Subtitles", f"字幕须是可随审核绑定的内容文件（不在 pages/、quizzes/ 中）：{subtitles}")
        subtitles = None
    elif subtitles in unavailable:
        subtitles = ""  # approved, but its approved bytes are gone (the gate warned): no transcript
    elif not subtitles.lower().endswith(".vtt"):
        bad("Subtitles", f"字幕须为 WebVTT 文件（.vtt）：{subtitles}")
    else:
        target = Path(content) / subtitles
        try:
            data = target.read_bytes()
            if len(data) > vtt.MAX_BYTES:
                raise vtt.VttError(1, f"文件超过 {vtt.MAX_BYTES // 1024} KB")
            cues = vtt.parse(data.decode("utf-8"))
        except FileNotFoundError:
            bad("Subtitles", f"字幕文件不存在：{subtitles}")
        except UnicodeDecodeError:
            bad("Subtitles", f"{subtitles} 须为 UTF-8 编码")
        except vtt.VttError as exc:
            bad("Subtitles", f"{subtitles} {exc}")
        else:
            late = next((c for c in cues if duration and c.start >= duration), None)
            if late is not None:
                bad(
                    "Subtitles",
                    f"{subtitles} 第 {late.line} 行：字幕开始于 {vtt.clock(late.start)}，"
                    f"超出时长 {vtt.clock(duration or 0)}",
                )

    chapters: list[Chapter] = []
    for part in (p.strip() for p in re.split("[;；]", str(meta.get("chapters") or ""))):
        if not part:
            continue
        item = _CHAPTER.match(part)
        start = parse_clock(item.group(1)) if item else None
        if item is None or start is None:
            bad(
                "Chapters",
                f"「{part}」应写成「时间 标题」，如「3:20 第一部分」，各章之间用分号分隔",
            )
            continue
        if chapters and start <= chapters[-1].start:
            bad("Chapters", f"「{part}」的时间须晚于上一章")
            continue
        if duration and start >= duration:
            bad("Chapters", f"「{part}」的时间超出时长 {vtt.clock(duration)}")
            continue
        at = max((i for i, c in enumerate(cues) if c.start <= start + 0.5), default=0)
        chapters.append(Chapter(start, item.group(2).strip(), f"cue-{at}"))

    if found or kind is None or duration is None or subtitles is None:
        return None, found
    lesson = Lesson(
        media=media,
        kind=kind.key,
        content_type=kind.content_type,
        duration=duration,
        speaker=speaker,
        series=series,
        subtitles=subtitles,
        cues=cues,
        chapters=chapters,
        poster=poster,
    )
    return lesson, found


def review_block(text: str, relative: str, files: dict[str, bytes]) -> str:
    """What a reviewer reads of a lesson on 待审核, after its introduction: kind, duration and
    speaker, and the transcript from exactly the subtitles bytes being registered (the media
    themselves are named by hash in the text the version binds)."""
    meta: dict[str, str] = {}
    for line in text.split("\n\n", 1)[0].splitlines():
        key, _, value = line.partition(":")
        meta[key.strip().lower()] = value.strip()
    match = lesson_rules.MEDIA_NAME.fullmatch(meta.get("media", ""))
    kind = lesson_rules.BY_EXT[match.group("ext")].label if match else "媒体"
    facts = f"{kind} · 时长 {meta.get('duration', '')} · 主讲 {meta.get('speaker', '')}"
    if meta.get("lesson_series"):
        facts += f" · {meta['lesson_series']}"
    subtitles = _file(meta.get("subtitles", ""), relative)
    try:
        cues = vtt.parse(files[subtitles or ""].decode("utf-8"))
    except (KeyError, UnicodeDecodeError, vtt.VttError):
        cues = []
    lines = "".join(f"<li>{vtt.clock(c.start)} {html.escape(c.text)}</li>" for c in cues)
    transcript = f"<p>文字稿（字幕，随本版本一同审核）：</p><ol>{lines}</ol>" if cues else ""
    return (
        f'<section class="review-lesson"><p>微党课：{html.escape(facts)}</p>{transcript}</section>'
    )


def _is_lesson(meta: dict[str, Any]) -> bool:
    category = meta.get("category")
    return category is not None and category.name == CATEGORY


def _on_content_init(instance: Any) -> None:
    if not isinstance(instance, Article):
        return
    meta = instance.metadata
    if not _is_lesson(meta):
        strays = [k for k in FIELDS if k in meta and k != "chapters"]
        if strays:
            key = {"lesson_series": "Lesson_Series"}.get(strays[0], strays[0].capitalize())
            PROBLEMS.add_meta(
                instance.source_path, key, f"{key}：只有 Category 为「{CATEGORY}」的微党课可以写"
            )
        return
    settings = instance.settings
    lesson, found = check(
        instance.source_path, meta, settings["PATH"], settings.get("REVIEW_UNAVAILABLE") or {}
    )
    PROBLEMS.found.update(found)
    if lesson is not None:
        instance.lesson = lesson
        instance.template = TEMPLATE


def _lessons(generator: Any) -> list[Any]:
    return [a for a in generator.articles if getattr(a, "lesson", None) is not None]


def _on_articles_finalized(generator: Any) -> None:
    lessons = _lessons(generator)
    links = generator.context["static_links"]
    series: dict[str, list[Any]] = {}
    speakers: dict[str, list[Any]] = {}
    for a in lessons:  # newest first, as Pelican ordered them
        for path in (a.lesson.poster, a.lesson.subtitles):
            if path:
                links.add(path)
        series.setdefault(a.lesson.series or "", []).append(a)
        speakers.setdefault(a.lesson.speaker, []).append(a)
    generator.context["lessons"] = {
        # Named series first (by name), then the lessons of no series (其他微党课).
        # Within a series in the order they came out (第一讲 first), as a course is followed.
        "series": [
            (name, sorted(items, key=lambda a: a.date))
            for name, items in sorted(series.items(), key=lambda kv: (kv[0] == "", kv[0]))
        ],
        "speakers": sorted(speakers.items()),
        "speakers_url": SPEAKERS_URL,
        "rates": RATES,
        "max_rate": lesson_rules.MAX_RATE,
    }


def _on_static_finalized(generator: Any) -> None:
    """Point each lesson at the published (hashed) names of its poster and subtitles."""
    published = generator.context.get("static_published", {})
    for item in generator.context.get("generated_content", {}).values():
        lesson = getattr(item, "lesson", None)
        if lesson is None:
            continue
        if lesson.poster:
            lesson.poster_url = "/" + published.get(lesson.poster, lesson.poster)
        if lesson.subtitles:
            lesson.subtitles_url = "/" + published.get(lesson.subtitles, lesson.subtitles)


def speaker_anchor(name: str) -> str:
    """An ASCII anchor for a speaker's part of the speaker list (names are Chinese)."""
    return "s-" + hashlib.sha256(str(name).encode("utf-8")).hexdigest()[:10]


def _on_generator_init(generator: Any) -> None:
    generator.env.filters["speaker_anchor"] = speaker_anchor
    generator.env.filters["lesson_clock"] = vtt.clock


def _on_writer_finalized(generator: Any, writer: Any) -> None:
    context = generator.context
    if "lessons" not in context:
        return
    writer.write_file(
        SPEAKERS_URL,
        generator.get_template("lesson_speakers"),
        context,
    )


def register() -> None:
    signals.generator_init.connect(_on_generator_init)
    signals.content_object_init.connect(_on_content_init)
    signals.article_generator_finalized.connect(_on_articles_finalized)
    signals.static_generator_finalized.connect(_on_static_finalized)
    signals.article_writer_finalized.connect(_on_writer_finalized)

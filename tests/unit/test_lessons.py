"""微党课 (plugins/lessons): a lesson's metadata and subtitles checked with file, line and field;
the WebVTT reader; the pages, catalog and search entries a build makes of the demo lessons with
no media anywhere; the page's weight before play."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from chalicelib import lesson_rules
from plugins.lessons import RATES, check, parse_clock, vtt
from tests.unit.test_site_build import ROOT, build
from tools import publish_catalog
from tools.page_weight import ARTICLE_BUDGET, page_weight

DEMO_SUMS = ROOT / "tools" / "demo_media" / "SHA256SUMS"
HASH = "a" * 64
GOOD_VTT = (
    "WEBVTT\n\n00:00.000 --> 00:05.000\n同志们好。\n\n00:05.000 --> 00:10.000\n今天讲纪律。\n"
)


# ---- the WebVTT reader ------------------------------------------------------------------------


def test_vtt_reads_cues_as_browsers_play_them() -> None:
    text = (
        "\ufeffWEBVTT - 党课字幕\nKind: captions\n\n"
        "NOTE 录制于党员活动室\n\n"
        "STYLE\n::cue { color: yellow }\n\n"
        "intro\n00:00.000 --> 00:04.500 line:90%\n<v 张明>同志们好，</v>\n今天讲&amp;学\n\n"
        "01:00:01.250 --> 01:00:03.000\n<b>重点</b>：<c.red>纪律</c>\r\n"
    )
    cues = vtt.parse(text)
    assert [(c.start, c.end, c.text, c.line) for c in cues] == [
        (0.0, 4.5, "同志们好， 今天讲&学", 10),
        (3601.25, 3603.0, "重点：纪律", 14),
    ]


@pytest.mark.parametrize(
    ("text", "line", "why"),
    [
        ("WEBVT\n\n00:00.000 --> 00:01.000\n字\n", 1, "第一行须为 WEBVTT"),
        ("WEBVTT\n00:00.000 --> 00:01.000\n字\n", 2, "须先空一行"),
        ("WEBVTT\n\n00:00.000 --> 00:01.000\n字\n\n0:02 --> 0:03\n字\n", 6, "时间轴格式不对"),
        ("WEBVTT\n\n00:00.000 --> 00:01.000\n字\n\n00:05.000 --> 00:04.000\n字\n", 6, "结束时间"),
        ("WEBVTT\n\n00:05.000 --> 00:06.000\n字\n\n00:01.000 --> 00:02.000\n字\n", 6, "先后"),
        ("WEBVTT\n\n00:00.000 --> 00:01.000\n字\n00:01.000 --> 00:02.000\n字\n", 3, "空一行"),
        ("WEBVTT\n\n00:00.000 --> 00:01.000\n<b></b>\n", 3, "没有文字"),
        ("WEBVTT\n\nintro\n字\n", 3, "缺少时间轴"),
        ("WEBVTT\n\nNOTE 只有注释\n", 1, "没有字幕"),
    ],
)
def test_vtt_mistakes_name_their_line(text: str, line: int, why: str) -> None:
    with pytest.raises(vtt.VttError) as failure:
        vtt.parse(text)
    assert failure.value.line == line, failure.value
    assert why in str(failure.value)


def test_clock_and_durations() -> None:
    assert [vtt.clock(s) for s in (0, 65.9, 3725)] == ["0:00", "1:05", "1:02:05"]
    assert [parse_clock(v) for v in ("0:30", "12:34", "1:02:03", "90:00")] == [30, 754, 3723, 5400]
    assert [parse_clock(v) for v in ("30", "1:60", "1:75:00", "abc", "-1:00")] == [None] * 5


def test_speeds_never_exceed_the_credit_rule() -> None:
    assert max(RATES) <= lesson_rules.MAX_RATE and 1.0 in RATES


# ---- a lesson's metadata: each problem names file, line and field -----------------------------


def _lesson(content: Path, **fields: str) -> tuple[Path, dict]:
    meta = {
        "Title": "第一讲",
        "Category": "微党课",
        "Slug": "jiang-1",
        "Media": f"{HASH}.mp4",
        "Duration": "0:30",
        "Speaker": "王建国",
        "Subtitles": "{static}/images/lessons/a.vtt",
    } | fields
    meta = {k: v for k, v in meta.items() if v is not None}
    path = content / "lessons" / "jiang-1.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(f"{k}: {v}" for k, v in meta.items()) + "\n\n简介。\n", "utf-8")
    return path, {k.lower(): v for k, v in meta.items()}


@pytest.fixture
def content(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    (folder / "images" / "lessons").mkdir(parents=True)
    (folder / "images" / "lessons" / "a.vtt").write_text(GOOD_VTT, encoding="utf-8")
    (folder / "images" / "lessons" / "p.jpg").write_bytes(
        (ROOT / "content" / "images" / "lessons" / "chuxin-shiming.jpg").read_bytes()
    )
    return folder


def test_a_good_lesson_gives_media_url_transcript_and_chapters(content: Path) -> None:
    path, meta = _lesson(
        content,
        Poster="{static}/images/lessons/p.jpg",
        Chapters="0:00 导言; 0:05 纪律",
        Lesson_Series="支部书记讲党课",
    )
    lesson, found = check(path, meta, content)
    assert found == [] and lesson is not None
    assert lesson.url == lesson_rules.MEDIA_URL_PREFIX + f"{HASH}.mp4"
    assert (lesson.kind, lesson.content_type, lesson.duration) == ("video", "video/mp4", 30)
    assert lesson.transcript == "同志们好。\n今天讲纪律。"
    assert [(c.start, c.title, c.anchor) for c in lesson.chapters] == [
        (0, "导言", "cue-0"),
        (5, "纪律", "cue-1"),
    ]
    assert lesson.poster == "images/lessons/p.jpg" and lesson.series == "支部书记讲党课"
    audio, _ = check(*_lesson(content, Media=f"{HASH}.m4a"), content)
    assert audio is not None and (audio.kind, audio.content_type) == ("audio", "audio/mp4")


@pytest.mark.parametrize(
    ("fields", "vtt_text", "line", "message"),
    [
        ({"Media": None}, None, 1, "Media：缺少 Media"),
        ({"Media": f"{HASH.upper()}.mp4"}, None, 4, "Media：「"),
        ({"Media": f"{HASH}.mov"}, None, 4, "不是存储中的媒体文件名"),
        ({"Media": "lesson.mp4"}, None, 4, "64 位小写十六进制"),
        ({"Duration": None}, None, 1, "Duration：缺少 Duration"),
        ({"Duration": "半小时"}, None, 5, "Duration：「半小时」不是时长"),
        ({"Duration": "0:00"}, None, 5, "不是时长"),
        ({"Duration": "3:00:01"}, None, 5, "超过一节微党课的最长时长 3:00:00"),
        ({"Speaker": None}, None, 1, "Speaker：缺少 Speaker"),
        ({"Subtitles": None}, None, 1, "Subtitles：缺少 Subtitles"),
        ({"Subtitles": "{static}/images/lessons/none.vtt"}, None, 7, "字幕文件不存在"),
        ({"Subtitles": "{static}/images/lessons/p.jpg"}, None, 7, "须为 WebVTT 文件"),
        ({"Subtitles": "{static}/../../x.vtt"}, None, 7, "不在内容目录中"),
        (
            {},
            "WEBVTT\n\n00:00.000 --> 00:01.000\n字\n\n00:09.000 --> 00:08.000\n字\n",
            7,
            "Subtitles：images/lessons/a.vtt 第 6 行：结束时间须晚于开始时间",
        ),
        (
            {},
            "WEBVTT\n\n00:00.000 --> 00:01.000\n字\n\n00:31.000 --> 00:32.000\n字\n",
            7,
            "images/lessons/a.vtt 第 6 行：字幕开始于 0:31，超出时长 0:30",
        ),
        ({"Poster": "{static}/images/lessons/none.jpg"}, None, 8, "Poster：封面图不存在"),
        ({"Poster": "{static}/images/lessons/a.vtt"}, None, 8, "Poster：封面图须为 JPEG 或 PNG"),
        ({"Chapters": "导言"}, None, 8, "Chapters：「导言」应写成「时间 标题」"),
        ({"Chapters": "0:10 甲; 0:05 乙"}, None, 8, "Chapters：「0:05 乙」的时间须晚于上一章"),
        ({"Chapters": "0:00 甲; 0:30 乙"}, None, 8, "Chapters：「0:30 乙」的时间超出时长 0:30"),
    ],
)
def test_lesson_problems_name_file_line_and_field(
    content: Path, fields: dict, vtt_text: str | None, line: int, message: str
) -> None:
    if vtt_text is not None:
        (content / "images" / "lessons" / "a.vtt").write_text(vtt_text, encoding="utf-8")
    path, meta = _lesson(content, **fields)
    lesson, found = check(path, meta, content)
    assert lesson is None
    assert len(found) == 1, found
    assert re.fullmatch(rf".*lessons/jiang-1\.md:{line}: .*", found[0]), found
    assert message in found[0], found


def test_a_bad_lesson_stops_the_build_and_lesson_fields_belong_to_lessons(
    content: Path, tmp_path: Path
) -> None:
    (content / "units.csv").write_bytes((ROOT / "content" / "units.csv").read_bytes())
    _lesson(content, Duration="4:00:00", Date="2026-11-20", Branch="B0101")
    other = content / "articles" / "wen.md"
    other.parent.mkdir()
    other.write_text(
        "Title: 文\nDate: 2026-11-20\nCategory: 制度建设\nSlug: wen\nBranch: B0101\n"
        "Speaker: 张明\n\n正文。\n",
        encoding="utf-8",
    )
    with pytest.raises(Exception) as failure:
        build(content, tmp_path / "out")
    message = str(failure.value)
    assert re.search(r"lessons/jiang-1\.md:5: Duration：「4:00:00」超过", message), message
    assert re.search(r"articles/wen\.md:6: Speaker：只有 Category 为「微党课」", message), message


def test_publish_catalog_checks_lesson_entries() -> None:
    good = {
        "slug": "k",
        "title": "课",
        "url": "/articles/k.html",
        "category": "微党课",
        "kind": "lesson",
        "reading_minutes": 1,
        "chars": 10,
        "media": f"{HASH}.m4a",
        "media_kind": "audio",
        "duration": 40,
        "speaker": "张明",
        "lesson_series": None,
    }
    assert publish_catalog._check(good, 0) == []
    for change, field in [
        ({"media": "x.mp4"}, "media"),
        ({"media_kind": "video"}, "media_kind"),
        ({"duration": lesson_rules.MAX_DURATION_SECONDS + 1}, "duration"),
        ({"duration": "40"}, "duration"),
        ({"speaker": ""}, "speaker"),
        ({"lesson_series": 3}, "lesson_series"),
    ]:
        (problem,) = publish_catalog._check(good | change, 0)
        assert f" {field}:" in problem


# ---- the demo lessons built, with no media anywhere -------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped content built from a copy of content/ alone: the media live in storage (and
    tools/demo_media), never where the build reads."""
    tmp = tmp_path_factory.mktemp("lessons")
    content = tmp / "content"
    shutil.copytree(ROOT / "content", content)
    assert not [p for p in content.rglob("*") if p.suffix in (".mp4", ".m4a")]
    build(content, tmp / "out")
    return tmp / "out"


def _demo_media() -> dict[str, str]:
    lines = DEMO_SUMS.read_text(encoding="utf-8").split("\n")
    return {name: digest for digest, name in (line.split() for line in lines if line.strip())}


def test_the_demo_lessons_use_the_demo_media(site: Path) -> None:
    catalog = {e["slug"]: e for e in json.loads((site / "catalog.json").read_text("utf-8"))}
    lessons = {s: e for s, e in catalog.items() if e["kind"] == "lesson"}
    media = _demo_media()
    assert sorted((e["media"], e["media_kind"], e["duration"]) for e in lessons.values()) == sorted(
        [
            (media["lesson-demo-1.mp4"] + ".mp4", "video", 30),
            (media["lesson-demo-2.mp4"] + ".mp4", "video", 20),
            (media["lesson-demo-3.m4a"] + ".m4a", "audio", 40),
        ]
    )
    series = [e["lesson_series"] for e in lessons.values()]
    assert len([s for s in series if s]) == 2 and len(set(filter(None, series))) == 1
    assert all(e["speaker"] and e["category"] == "微党课" for e in lessons.values())
    assert all("media" not in e for e in catalog.values() if e["kind"] != "lesson")
    assert not [p for p in site.rglob("*") if p.suffix in (".mp4", ".m4a")]
    assert not (site / "media").exists()


def test_a_lesson_page_plays_inline_and_reads_without_javascript(site: Path) -> None:
    page = (site / "articles" / "weidangke-chuxin-shiming.html").read_text("utf-8")
    (video,) = re.findall(r"<video[^>]*>", page)
    for attribute in ("controls", "playsinline", "webkit-playsinline", "x5-playsinline"):
        assert f" {attribute}" in video
    assert 'x5-video-player-type="h5-page"' in video and 'preload="none"' in video
    assert "autoplay" not in page
    assert re.search(r'poster="/images/lessons/chuxin-shiming\.[0-9a-f]{16}\.jpg"', video)
    digest = _demo_media()["lesson-demo-1.mp4"]
    assert f'<source src="/media/{digest}.mp4" type="video/mp4">' in page
    # No `default`: the subtitles file loads at the first play (lesson.js), not with the page.
    track = re.search(r'<track kind="subtitles" srclang="zh-CN"[^>]* src="([^"]+)">', page)
    assert track and (site / track.group(1).lstrip("/")).read_text("utf-8").startswith("WEBVTT")
    article = re.search(r"<article [^>]*>", page).group(0)
    for data in ('data-slug="weidangke-chuxin-shiming"', f'data-lesson="{digest}.mp4"'):
        assert data in article
    assert 'data-duration="30"' in article and 'data-media-kind="video"' in article
    # Readable without JavaScript: speaker, duration, chapters linking the transcript, its text.
    assert "王建国" in page and "0:30" in page
    assert '<a href="#cue-2" data-seek="10">' in page
    assert re.search(r'<li id="cue-2" data-start="10.0" data-end="15.0">.*初心从哪里来', page)
    assert 'id="lesson-tools" hidden' in page  # the JavaScript controls only with JavaScript
    assert "reading.js" not in page  # a lesson counts playing time, not reading
    audio = (site / "articles" / "weidangke-sanhui-yike.html").read_text("utf-8")
    assert re.search(r'<audio id="lesson-media" controls preload="none">', audio)
    assert '<img class="lesson-poster"' in audio and 'type="audio/mp4"' in audio


def test_section_lists_lessons_by_series_and_links_the_speaker_list(site: Path) -> None:
    section = (site / "category" / "weidangke.html").read_text("utf-8")
    assert "支部书记讲党课" in section and "其他微党课" in section
    assert section.index("支部书记讲党课") < section.index("第一讲") < section.index("第二讲")
    assert section.index("其他微党课") < section.index("音频党课：怎样开好")
    assert 'href="/lessons/speakers.html"' in section
    speakers = (site / "lessons" / "speakers.html").read_text("utf-8")
    for name in ("王建国", "李秀英", "张明"):
        assert name in speakers
    for anchor in re.findall(
        r'href="/lessons/speakers\.html#([^"]+)"',
        section
        + "".join(
            (site / "articles" / f).read_text("utf-8")
            for f in ("weidangke-chuxin-shiming.html", "weidangke-jilv-guiju.html")
        ),
    ):
        assert f'id="{anchor}"' in speakers
    home = (site / "learn.html").read_text("utf-8")
    assert 'href="/category/weidangke.html"' in home


def test_search_finds_a_lesson_by_what_is_said_in_it(site: Path) -> None:
    docs_name = next((site / "search").glob("docs.*.json"))
    docs = json.loads(docs_name.read_text("utf-8"))
    ids = [i for i, d in enumerate(docs["docs"]) if d[0] == "/articles/weidangke-jilv-guiju.html"]
    assert ids
    found = []
    for shard in docs["files"]:
        index = json.loads((site / "search" / shard).read_text("utf-8"))
        if "违章" in index:  # only in the subtitles: 作业现场不违章
            doc, total = [], 0
            for delta in index["违章"]:
                total += delta
                doc.append(total)
            found = doc
    assert ids[0] in found


def test_a_lesson_page_before_play_fits_the_article_budget(site: Path) -> None:
    for name in ("weidangke-chuxin-shiming", "weidangke-sanhui-yike"):
        weight = page_weight(site, f"articles/{name}.html")
        assert not weight.missing, weight.missing
        # The media and the subtitles file load on play (the transcript is in the page).
        assert [p.startswith("media/") for p in weight.on_play] == [True, False]
        assert weight.on_play[1].endswith(".vtt")
        assert not any(p.startswith("media/") for p in [*weight.assets, *weight.on_demand])
        # The dev build is not minified: the production build's figure is lower
        # (tests/integration/test_page_weight.py checks it against the budget too).
        assert weight.first_visit <= ARTICLE_BUDGET * 1.5, weight


def test_the_reviewer_reads_the_lessons_transcript_before_approving() -> None:
    from tools import review as review_tool

    drafts, problems = review_tool.read_drafts(ROOT / "content")
    assert problems == []
    (draft,) = [d for d in drafts if d.slug == "weidangke-chuxin-shiming"]
    shown = review_tool.preview_html(draft, ROOT / "content")
    assert "微党课：视频 · 时长 0:30 · 主讲 王建国 · 支部书记讲党课" in shown
    assert "<li>0:10 初心从哪里来？来自党同人民群众的血肉联系。</li>" in shown
    assert "封面：<img" in shown and "images/" not in shown

"""The review gate against an editor's tricks: what members see is the approved version alone.

Each group builds the site with Pelican into a temporary folder, approvals read from a file (with
the approved files' bytes in the file store next to it, as `tools.review export` writes them):

- EDITS: every trick changes an approved article (or adds a file) after approval, each its own
  article, all in one build. The output must be byte for byte the output of the approved content
  itself, and no trick's marker may appear anywhere in it.
- FILES: images, photos and attachments replaced, deleted or added after approval: each page
  shows exactly the approved bytes, and the new ones are nowhere.
- COLLISIONS: approved content (or a screen) that would overwrite a path someone else owns stops
  the build with both files named.
- DAILY: one editor's unfinished work never stops the build: links to pending articles become
  plain text with a warning naming both files; a pending file is withheld with a warning.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from pelican import Pelican
from pelican.settings import read_settings

from tools import review as review_tool
from tools.review_version import file_hash, suffixed, version_hash

ROOT = Path(__file__).resolve().parents[2]
PLAIN = {
    "Title": "原标题",
    "Date": "2026-03-01 09:00",
    "Category": "思想建设",
    "Source": "党委宣传部",
    "Branch": "B0101",
    "Summary": "原摘要",
}


# --- building ------------------------------------------------------------------------------


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def build(
    content: Path, out: Path, approvals: dict, files: Path | None = None, **settings: object
) -> list[str]:
    """Build with the gate reading `approvals`; returns the warnings logged."""
    approvals_file = out.parent / f"{out.name}-approvals.json"
    approvals_file.write_text(json.dumps(approvals, ensure_ascii=False), encoding="utf-8")
    overrides = {
        "PATH": str(content),
        "OUTPUT_PATH": str(out),
        "CACHE_CONTENT": False,
        "LOAD_CONTENT_CACHE": False,
        "REVIEW_GATE": "file",
        "REVIEW_APPROVALS_FILE": str(approvals_file),
        "REVIEW_FILES_DIR": str(files or approvals_file.with_suffix(".files")),
        **settings,
    }
    records = _Records()
    logging.getLogger().addHandler(records)
    try:
        Pelican(read_settings(str(ROOT / "pelicanconf.py"), override=overrides)).run()
    finally:
        logging.getLogger().removeHandler(records)
    return records.messages


def tree(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def write(path: Path, meta: dict[str, str], body: str = "正文内容。") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    header = "\n".join(f"{k}: {v}" for k, v in meta.items())
    path.write_text(f"{header}\n\n{body}\n", encoding="utf-8")
    return path


def set_meta(path: Path, **fields: str | None) -> None:
    """Set, add (before the blank line) or remove (None) header fields; `_` in a name is `-`
    except in Save_as."""
    head, body = path.read_text(encoding="utf-8").split("\n\n", 1)
    lines = head.split("\n")
    for raw, value in fields.items():
        key = raw if raw == "Save_as" else raw.replace("_", "-")
        at = [i for i, line in enumerate(lines) if line.lower().startswith(key.lower() + ":")]
        if value is None:
            lines = [line for i, line in enumerate(lines) if i not in at]
        elif at:
            lines[at[0]] = f"{key}: {value}"
        else:
            lines.append(f"{key}: {value}")
    path.write_text("\n".join(lines) + "\n\n" + body, encoding="utf-8")


def add_body(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + f"\n{text}\n", encoding="utf-8")


def svg(label: str) -> str:
    return f'<svg xmlns="http://www.w3.org/2000/svg"><title>{label}</title></svg>'


def img_srcs(page: str) -> list[str]:
    return re.findall(r'<img[^>]*\bsrc="([^"]+)"', page)


# --- EDITS: one build of every trick against the build of the approved content itself ---------


@dataclass(frozen=True)
class Trick:
    name: str
    # The approved article the trick edits (None: the trick only adds files).
    target: dict[str, str] | None
    edit: Callable[[Path, Path | None, str], None]  # (content, target file, marker)
    body: str = "正文内容。"


def _exemplar(slug: str) -> dict[str, str]:
    return PLAIN | {
        "Category": "先进风采",
        "Exemplar": "individual",
        "Photo": f"{{static}}/images/t/{slug}.svg",
        "Unit": "B0101",
        "Year": "2026",
        "Campaign": "youxiu-2026",
    }


def _campaign(slug: str) -> dict[str, str]:
    return PLAIN | {
        "Category": "先进风采",
        "Exemplar": "campaign",
        "Campaign": f"c-{slug}",
        "Template": "campaign",
        "Vote-End": "2099-12-31 18:00",
    }


def _pending(meta: dict[str, str], name: str = "pending.md") -> Callable:
    def edit(content: Path, _: Path | None, mark: str) -> None:
        write(content / "articles" / "extra" / f"{mark}-{name}", meta, f"{mark} 未审核正文")

    return edit


def _meta(**fields: str | None) -> Callable:
    def edit(_: Path, target: Path | None, mark: str) -> None:
        assert target is not None
        set_meta(target, **{k: (v.replace("MARK", mark) if v else v) for k, v in fields.items()})

    return edit


def _body(text: str) -> Callable:
    return lambda _, target, mark: add_body(target, text.replace("MARK", mark))


def _new_photo(_: Path, target: Path | None, mark: str) -> None:
    content = target.parents[1]
    (content / "images" / "t" / f"{mark}.svg").write_text(svg(mark), encoding="utf-8")
    set_meta(target, Photo=f"{{static}}/images/t/{mark}.svg")


def _new_image(_: Path, target: Path | None, mark: str) -> None:
    content = target.parents[1]
    (content / "images" / "t" / f"{mark}.svg").write_text(svg(mark), encoding="utf-8")
    add_body(target, f"![{mark}]({{static}}/images/t/{mark}.svg)")


def _exemplar_toggle(content: Path, target: Path | None, mark: str) -> None:
    (content / "images" / "t" / f"{mark}.svg").write_text(svg(mark), encoding="utf-8")
    set_meta(
        target,
        Category="先进风采",
        Exemplar="individual",
        Photo=f"{{static}}/images/t/{mark}.svg",
        Unit="B0201",
        Year="2019",
        Tags=mark,
    )


def _crlf_bom(_: Path, target: Path | None, mark: str) -> None:
    target.write_bytes(b"\xef\xbb\xbf" + target.read_bytes().replace(b"\n", b"\r\n"))


def _move(_: Path, target: Path | None, mark: str) -> None:
    moved = target.parent / "moved" / target.name
    moved.parent.mkdir()
    target.rename(moved)


def _move_and_edit(_: Path, target: Path | None, mark: str) -> None:
    moved = target.parent / "moved2" / target.name
    moved.parent.mkdir()
    target.rename(moved)
    add_body(moved, mark)


def _copy_elsewhere(content: Path, target: Path | None, mark: str) -> None:
    shutil.copy(target, content / "articles" / f"{mark}-copy.md")


def _copy_and_edit(content: Path, target: Path | None, mark: str) -> None:
    copy = content / "articles" / "extra" / f"{mark}-copy.md"
    copy.parent.mkdir(exist_ok=True)
    shutil.copy(target, copy)
    add_body(copy, mark)


def _html_file(content: Path, target: Path | None, mark: str) -> None:
    slug = target.stem
    (content / "articles" / f"{mark}.html").write_text(
        f'<html><head><title>{mark}</title><meta name="slug" content="{slug}">'
        f'<meta name="date" content="2026-03-01"><meta name="category" content="思想建设">'
        f'<meta name="branch" content="B0101"></head><body>{mark}</body></html>',
        encoding="utf-8",
    )


def _translation(content: Path, target: Path | None, mark: str) -> None:
    text = target.read_text(encoding="utf-8").replace("Summary:", "Lang: en\nSummary:")
    (content / "articles" / f"{mark}-en.md").write_text(text + f"\n{mark}\n", encoding="utf-8")


def _unreferenced_file(content: Path, _: Path | None, mark: str) -> None:
    (content / "images" / f"{mark}.svg").write_text(svg(mark), encoding="utf-8")


def _slug_removed(_: Path, target: Path | None, mark: str) -> None:
    set_meta(target, Slug=None, Title=mark)


def _pending_installment(content: Path, _: Path | None, mark: str) -> None:
    meta = PLAIN | {"Series": "constitution", "Day": "2", "Title": mark, "Slug": mark.lower()}
    meta.pop("Date")
    write(content / "dangzhang" / f"{mark}.md", meta, mark)


TRICKS = [
    Trick("topic-added", {}, _meta(Topic="MARK")),
    Trick("summary-changed", {}, _meta(Summary="MARK")),
    Trick("summary-added", {"Summary": None}, _meta(Summary="MARK")),
    Trick("source-changed", {}, _meta(Source="MARK")),
    Trick("session-added", {"Category": "道德讲堂"}, _meta(Session="MARK")),
    Trick("title-changed", {}, _meta(Title="MARK")),
    Trick("body-changed", {}, _body("MARK 追加的正文")),
    Trick("save-as-screen", {}, _meta(Save_as="login.html")),
    Trick("url-screen", {}, _meta(URL="login.html")),
    Trick("save-as-and-url-screen", {}, _meta(Save_as="me.html", URL="me.html")),
    Trick("save-as-article", {}, _meta(Save_as="articles/qiuji-dushu.html")),
    Trick("save-as-index", {}, _meta(Save_as="index.html")),
    Trick("save-as-catalog", {}, _meta(Save_as="catalog.json")),
    Trick("save-as-campaigns", {}, _meta(Save_as="campaigns.json")),
    Trick("save-as-image", {}, _meta(Save_as="images/xianjin/wang-haiyan.svg")),
    Trick("save-as-section", {}, _meta(Save_as="category/sixiang.html")),
    Trick("save-as-outside", {}, _meta(Save_as="../../escape-MARK.html")),
    Trick("template-screen", {}, _meta(Template="login")),
    Trick("template-campaign", {}, _meta(Template="campaign")),
    Trick("status-hidden", {}, _meta(Status="hidden")),
    Trick("status-draft", {}, _meta(Status="draft")),
    Trick("date-future", {}, _meta(Date="2099-01-01 09:00")),
    Trick("date-past", {}, _meta(Date="2001-01-01 09:00")),
    Trick("category-changed", {}, _meta(Category="党纪党规", Doc_Type="MARK")),
    Trick("category-removed", {}, _meta(Category=None)),
    Trick("exemplar-toggle", {}, _exemplar_toggle),
    Trick(
        "campaign-toggle",
        {},
        _meta(
            Category="先进风采",
            Exemplar="campaign",
            Campaign="MARK",
            Template="campaign",
            Vote_End="2099-12-31 18:00",
        ),
    ),
    Trick("join-campaign", {}, _meta(Category="先进风采", Exemplar="individual", Campaign="c-x")),
    Trick("candidate-moves-campaign", "exemplar", _meta(Campaign="c-campaign-rules")),
    Trick("candidate-leaves-campaign", "exemplar", _meta(Campaign=None)),
    Trick("photo-path-changed", "exemplar", _new_photo),
    Trick("photo-removed", "exemplar", _meta(Photo=None)),
    Trick("exemplar-unit-year", "exemplar", _meta(Unit="B0201", Year="2019")),
    Trick("exemplar-kind", "exemplar", _meta(Exemplar="collective")),
    Trick(
        "campaign-rules",
        "campaign",
        _meta(Vote_End="2100-01-01 00:00", Vote_Per_Member="9", Vote_Units="B0201"),
    ),
    Trick("campaign-results-live", "campaign", _meta(Vote_Results="live")),
    Trick("campaign-id", "campaign", _meta(Campaign="MARK")),
    Trick("doc-fields", "doc", _meta(Doc_Number="MARK", Issued_By="MARK", Doc_Type="MARK")),
    Trick("lang", {}, _meta(Lang="en")),
    Trick("translation-flag", {}, _meta(Translation="true")),
    Trick("slug-changed", {}, _meta(Slug="MARK")),
    Trick("slug-removed", {}, _slug_removed),
    Trick("slug-of-another-approved", {}, _meta(Slug="qiuji-dushu", Title="MARK")),
    Trick("slug-of-an-edited-approved", {}, _meta(Slug="t-title-changed", Title="MARK")),
    Trick("branch-changed", {}, _meta(Branch="B0201")),
    Trick("tags-authors-modified", {}, _meta(Tags="MARK", Author="MARK", Modified="2030-01-01")),
    Trick("series-day", {}, _meta(Series="constitution", Day="1", Date=None)),
    Trick("raw-script", {}, _body('<script>alert("MARK")</script>')),
    Trick("new-static-image", {}, _new_image),
    Trick("link-to-pending", {}, _body("[待审](/articles/MARK.html)")),
    Trick("crlf-and-bom", {}, _crlf_bom),
    Trick("moved", {}, _move),
    Trick("moved-and-edited", {}, _move_and_edit),
    Trick("copied-elsewhere", {}, _copy_elsewhere),
    Trick("copied-and-edited", {}, _copy_and_edit),
    Trick("html-file-same-slug", {}, _html_file),
    Trick("translation-file", {}, _translation),
    Trick("pending-new", None, _pending(PLAIN | {"Title": "新文", "Slug": "pending-new"})),
    Trick("pending-save-as-screen", None, _pending(PLAIN | {"Slug": "p-s", "Save_as": "me.html"})),
    Trick("pending-reuses-slug", None, _pending(PLAIN | {"Slug": "qiuji-dushu"})),
    Trick("pending-no-slug", None, _pending(PLAIN)),
    Trick("pending-bad-metadata", None, _pending({"Title": "坏", "Slug": "p-bad"})),
    Trick("pending-unknown-category", None, _pending(PLAIN | {"Slug": "p-c", "Category": "杂"})),
    Trick(
        "pending-campaign",
        None,
        _pending(_campaign("p-camp") | {"Slug": "p-camp", "Campaign": "p-camp"}),
    ),
    Trick("pending-candidate", None, _pending(_exemplar("wang") | {"Slug": "p-cand"})),
    Trick("pending-slug-of-screen", None, _pending(PLAIN | {"Slug": "login"})),
    Trick("pending-installment", None, _pending_installment),
    Trick("unreferenced-image", None, _unreferenced_file),
]
TARGET_KINDS = {"exemplar": _exemplar, "campaign": _campaign}


def _target_meta(trick: Trick, slug: str) -> dict[str, str]:
    if trick.target == "doc":
        return PLAIN | {
            "Category": "党纪党规",
            "Doc-Type": "制度规范",
            "Doc-Number": f"示范〔2026〕{len(slug)} 号",
            "Issued-By": "示范党委",
        }
    if isinstance(trick.target, str):
        return TARGET_KINDS[trick.target](slug)
    meta = PLAIN | (trick.target or {})
    return {k: v for k, v in meta.items() if v is not None}


def _slug(trick: Trick) -> str:
    return "t-" + trick.name


def _mark(trick: Trick) -> str:
    return "MARK" + trick.name.replace("-", "").upper()


@pytest.fixture(scope="module")
def edits(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("edits")
    approved = tmp / "approved"
    shutil.copytree(ROOT / "content", approved)
    (approved / "images" / "t").mkdir()
    for trick in TRICKS:
        if trick.target is None:
            continue
        slug = _slug(trick)
        meta = _target_meta(trick, slug) | {"Slug": slug}
        if "Photo" in meta:
            (approved / "images" / "t" / f"{slug}.svg").write_text(svg(slug), encoding="utf-8")
        write(approved / "articles" / f"{slug}.md", meta, trick.body)
    # The campaign the "moves campaign" trick points at exists and is approved.
    write(
        approved / "articles" / "t-c-campaign-rules.md",
        _campaign("x") | {"Slug": "t-c-campaign-rules", "Campaign": "c-campaign-rules"},
    )
    files = tmp / "files"
    approvals = review_tool.approvals_for(approved, files_dir=files)
    tricked = tmp / "tricked"
    shutil.copytree(approved, tricked)
    for trick in TRICKS:
        target = tricked / "articles" / f"{_slug(trick)}.md" if trick.target is not None else None
        trick.edit(tricked, target, _mark(trick))
    expected, got = tmp / "expected", tmp / "got"
    build(approved, expected, approvals, files)
    warnings = build(tricked, got, approvals, files)
    return {"expected": tree(expected), "got": tree(got), "warnings": warnings, "tmp": tmp}


def test_the_tricks_are_many_and_distinct() -> None:
    assert len(TRICKS) >= 60
    assert len({t.name for t in TRICKS}) == len(TRICKS)


def test_output_is_the_approved_sites_byte_for_byte(edits: dict) -> None:
    expected, got = edits["expected"], edits["got"]
    assert sorted(set(got) - set(expected)) == [], "files only the tricks produced"
    assert sorted(set(expected) - set(got)) == [], "approved files the tricks removed"
    changed = sorted(p for p in expected if expected[p] != got[p])
    assert changed == [], "files whose bytes differ from the approved site's"


@pytest.mark.parametrize("trick", TRICKS, ids=lambda t: t.name)
def test_no_trace_of_the_trick(edits: dict, trick: Trick) -> None:
    mark = _mark(trick).encode()
    leaked = [path for path, data in edits["got"].items() if mark in data]
    assert leaked == []
    assert not list(edits["tmp"].rglob(f"escape-{_mark(trick)}*"))
    if trick.target is not None:
        page = f"articles/{_slug(trick)}.html"
        assert page in edits["expected"], "the approved article is published"
        assert edits["got"].get(page) == edits["expected"][page]


def test_screens_and_build_files_are_untouched(edits: dict) -> None:
    for name in ("login.html", "me.html", "index.html", "catalog.json", "campaigns.json"):
        assert edits["got"][name] == edits["expected"][name], name
    campaigns = json.loads(edits["got"]["campaigns.json"])
    assert {c["id"] for c in campaigns} == {"youxiu-2026", "c-campaign-rules"} | {
        f"c-{_slug(t)}" for t in TRICKS if t.target == "campaign"
    }


def test_withheld_files_are_named_in_warnings(edits: dict) -> None:
    warnings = "\n".join(edits["warnings"])
    for trick in ("pending-reuses-slug", "pending-no-slug", "copied-and-edited"):
        mark = _mark(next(t for t in TRICKS if t.name == trick))
        assert re.search(rf"{mark}-(pending|copy)\.md:1: 未发布：", warnings), trick
    assert re.search(r"MARKHTMLFILESAMESLUG\.html:1: 未发布：不是 Markdown", warnings)
    assert "已是已审核文章" in warnings and "缺少 Slug" in warnings


def test_the_party_rules_document_box_renders(edits: dict) -> None:
    page = edits["got"]["articles/zhibu-gongzuo-guifan.html"].decode()
    box = re.search(r'<dl class="doc-info">(.*?)</dl>', page, re.S)
    assert box, "no document box"
    facts = dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", box.group(1)))
    assert facts == {
        "类别": "制度规范",
        "文号": "示范党〔2026〕3 号",
        "发布机关": "示范供电公司党委",
        "施行日期": "2026-06-01",
    }
    doc = edits["got"]["articles/t-doc-fields.html"].decode()
    assert "<dt>文号</dt><dd>示范〔2026〕" in doc


# --- FILES: images, photos and attachments changed after approval -------------------------


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("files")
    content = tmp / "content"
    shutil.copytree(ROOT / "content" / "pages", content / "pages")
    images = content / "images" / "t"
    images.mkdir(parents=True)
    for name in ("img", "photo", "deleted", "same", "rel", "bar", "legacy", "noblob", "future"):
        (images / f"{name}.svg").write_text(svg(f"approved {name}"), encoding="utf-8")
    (images / "shared.svg").write_text(svg("approved shared"), encoding="utf-8")
    (content / "files").mkdir()
    (content / "files" / "att.pdf").write_bytes(b"%PDF approved attachment")
    arts = content / "articles"
    write(arts / "img.md", PLAIN | {"Slug": "f-img"}, "![图]({static}/images/t/img.svg)")
    write(arts / "photo.md", _exemplar("photo") | {"Slug": "f-photo", "Campaign": "f-c"})
    write(arts / "campaign.md", _campaign("c") | {"Slug": "f-campaign", "Campaign": "f-c"})
    write(arts / "deleted.md", _exemplar("deleted") | {"Slug": "f-deleted", "Campaign": "f-c"})
    write(arts / "same.md", PLAIN | {"Slug": "f-same"}, "![图]({static}/images/t/same.svg)")
    write(arts / "rel.md", PLAIN | {"Slug": "f-rel"}, "![图]({static}../images/t/rel.svg)")
    write(arts / "bar.md", PLAIN | {"Slug": "f-bar"}, "![图](|static|/images/t/bar.svg)")
    write(arts / "att.md", PLAIN | {"Slug": "f-att"}, "[附件]({attach}/files/att.pdf)")
    write(arts / "sh1.md", PLAIN | {"Slug": "f-sh1"}, "![图]({static}/images/t/shared.svg)")
    write(arts / "sh2.md", PLAIN | {"Slug": "f-sh2"}, "![图]({static}/images/t/shared.svg)")
    write(arts / "legacy.md", PLAIN | {"Slug": "f-legacy"}, "![图]({static}/images/t/legacy.svg)")
    write(arts / "noblob.md", PLAIN | {"Slug": "f-noblob"}, "![图]({static}/images/t/noblob.svg)")
    future = PLAIN | {"Slug": "f-future", "Date": "2099-01-01 09:00"}
    write(arts / "future.md", future, "![图]({static}/images/t/future.svg)")
    quiz = PLAIN | {"Slug": "f-quiz"}
    bank = "{static}/quizzes/dangyuan-jichu.yaml"
    write(arts / "quiz.md", quiz, f"[题库]({bank}) ![x]({{static}}/pages/login.md)")
    shutil.copytree(ROOT / "content" / "quizzes", content / "quizzes")
    original = {p: p.read_bytes() for p in [*images.iterdir(), content / "files" / "att.pdf"]}
    store = tmp / "store"
    approvals = {}
    for path in sorted(arts.glob("*.md")):
        slug, entry = review_tool.approval_of(content, path, store)
        approvals[slug] = entry
    approvals["f-legacy"]["files"] = None  # approved before files were bound
    approvals["f-legacy"]["hash"] = version_hash(approvals["f-legacy"]["source"], {})
    (store / file_hash((images / "noblob.svg").read_bytes())).unlink()
    # After approval: every file replaced (the marker), one deleted, one new file.
    for name in ("img", "photo", "rel", "bar", "legacy", "noblob", "future", "shared"):
        (images / f"{name}.svg").write_text(svg(f"MARKNEW {name}"), encoding="utf-8")
    (images / "deleted.svg").unlink()
    (images / "unreferenced.svg").write_text(svg("MARKNEW unreferenced"), encoding="utf-8")
    (content / "files" / "att.pdf").write_bytes(b"%PDF MARKNEW attachment")
    # sh2's new version (with the new shared image) is approved; sh1's is not.
    slug, entry = review_tool.approval_of(content, arts / "sh2.md", store)
    approvals[slug] = entry
    out = tmp / "out"
    warnings = build(content, out, approvals, store)
    return {"out": out, "original": original, "warnings": warnings, "content": content}


def _image_of(files: dict, slug: str) -> bytes:
    page = (files["out"] / "articles" / f"{slug}.html").read_text(encoding="utf-8")
    (src,) = [s for s in img_srcs(page) if "/images/" in s]
    return (files["out"] / src.lstrip("/")).read_bytes()


@pytest.mark.parametrize(
    ("slug", "name"),
    [
        ("f-img", "img"),
        ("f-rel", "rel"),
        ("f-bar", "bar"),
        ("f-same", "same"),
        ("f-sh1", "shared"),
        ("f-photo", "photo"),
        ("f-deleted", "deleted"),
    ],
)
def test_each_page_shows_the_approved_bytes(files: dict, slug: str, name: str) -> None:
    images = files["content"] / "images" / "t"
    assert _image_of(files, slug) == files["original"][images / f"{name}.svg"]


def _published_as(path: str, data: bytes) -> str:
    """The address of a file with these bytes: its name with their hash (plugins/static_hash)."""
    return suffixed(path, file_hash(data))


def test_new_bytes_are_nowhere(files: dict) -> None:
    out = files["out"]
    leaked = [p for p in out.rglob("*") if p.is_file() and b"MARK" in p.read_bytes()]
    # f-sh2's new version was approved with the new shared image: only that may be published.
    shared = (files["content"] / "images" / "t" / "shared.svg").read_bytes()
    assert [p.relative_to(out).as_posix() for p in leaked] == [
        _published_as("images/t/shared.svg", shared)
    ]
    sh2 = (out / "articles" / "f-sh2.html").read_text(encoding="utf-8")
    assert img_srcs(sh2) == ["/" + _published_as("images/t/shared.svg", shared)]


def test_an_unchanged_image_keeps_its_address(files: dict) -> None:
    """Images are published under content-hashed names (served immutable): the same bytes keep
    their address from build to build, new bytes get a new one. An image replaced after
    approval is still shown from the address its approved bytes always had."""
    images = files["content"] / "images" / "t"
    page = (files["out"] / "articles" / "f-same.html").read_text(encoding="utf-8")
    assert img_srcs(page) == [
        "/" + _published_as("images/t/same.svg", (images / "same.svg").read_bytes())
    ]
    img = (files["out"] / "articles" / "f-img.html").read_text(encoding="utf-8")
    approved = files["original"][images / "img.svg"]
    assert img_srcs(img) == ["/" + _published_as("images/t/img.svg", approved)]


def test_changed_bytes_get_a_new_address(files: dict) -> None:
    """f-sh1 shows the shared image's approved bytes, f-sh2 the newly approved ones: two
    addresses, so a phone holding the old image for a year never shows it for the new."""
    out, images = files["out"], files["content"] / "images" / "t"
    (sh1,) = img_srcs((out / "articles" / "f-sh1.html").read_text(encoding="utf-8"))
    (sh2,) = img_srcs((out / "articles" / "f-sh2.html").read_text(encoding="utf-8"))
    old = files["original"][images / "shared.svg"]
    assert sh1 == "/" + _published_as("images/t/shared.svg", old)
    assert sh2 == "/" + _published_as("images/t/shared.svg", (images / "shared.svg").read_bytes())
    assert sh1 != sh2


def test_exemplar_lists_show_the_approved_photo(files: dict) -> None:
    listing = (files["out"] / "xianjin" / "year" / "2026.html").read_text(encoding="utf-8")
    srcs = [s for s in img_srcs(listing) if "photo" in s]
    assert srcs and all(
        (files["out"] / s.lstrip("/")).read_bytes()
        == files["original"][files["content"] / "images" / "t" / "photo.svg"]
        for s in srcs
    )


def test_an_attachment_is_the_approved_one(files: dict) -> None:
    page = (files["out"] / "articles" / "f-att.html").read_text(encoding="utf-8")
    (href,) = re.findall(r'href="([^"]*att[^"]*\.pdf)"', page)
    assert href.startswith("/articles/")
    assert (files["out"] / href.lstrip("/")).read_bytes() == b"%PDF approved attachment"


def test_legacy_or_lost_files_are_left_out_with_a_warning(files: dict) -> None:
    for slug in ("f-legacy", "f-noblob"):
        page = (files["out"] / "articles" / f"{slug}.html").read_text(encoding="utf-8")
        assert img_srcs(page) == [], slug
    warnings = "\n".join(files["warnings"])
    assert re.search(r"legacy\.md:\d+: images/t/legacy\.svg：审核记录早于图片绑定", warnings)
    assert re.search(
        r"noblob\.md:\d+: images/t/noblob\.svg：已审核版本的文件内容无法取得", warnings
    )


def test_sources_question_banks_and_draft_files_are_never_copied(files: dict) -> None:
    out = files["out"]
    assert not (out / "quizzes").exists() and not (out / "pages").exists()
    assert not list(out.rglob("future*.svg")) and not list(out.rglob("unreferenced*"))
    page = (out / "articles" / "f-quiz.html").read_text(encoding="utf-8")
    assert "quizzes" not in page and "题库" in page


# --- COLLISIONS: approved content may not take another's path --------------------------------


def _small_site(tmp: Path) -> Path:
    content = tmp / "content"
    shutil.copytree(ROOT / "content" / "pages", content / "pages")
    write(content / "articles" / "a.md", PLAIN | {"Slug": "a"})
    return content


def _approve_all(content: Path) -> dict:
    return dict(
        review_tool.approval_of(content, p) for p in sorted((content / "articles").rglob("*.md"))
    )


@pytest.mark.parametrize(
    ("case", "setup", "names"),
    [
        (
            "save-as-screen",
            lambda c: write(
                c / "articles" / "b.md", PLAIN | {"Slug": "b", "Save_as": "login.html"}
            ),
            ("articles/b.md:8", "pages/login.md"),
        ),
        (
            "url-screen",
            lambda c: write(c / "articles" / "b.md", PLAIN | {"Slug": "b", "URL": "login.html"}),
            ("articles/b.md:8", "pages/login.md"),
        ),
        (
            "save-as-other-article",
            lambda c: write(
                c / "articles" / "b.md", PLAIN | {"Slug": "b", "Save_as": "articles/a.html"}
            ),
            ("articles/b.md:8", "articles/a.md"),
        ),
        (
            "lang-meets-slug",
            lambda c: (
                write(c / "articles" / "b.md", PLAIN | {"Slug": "b", "Lang": "en"}),
                write(c / "articles" / "c.md", PLAIN | {"Slug": "b-en"}),
            ),
            ("articles/b.md", "articles/c.md"),
        ),
        (
            "save-as-build-file",
            lambda c: write(
                c / "articles" / "b.md", PLAIN | {"Slug": "b", "Save_as": "catalog.json"}
            ),
            ("articles/b.md:8", "catalog.json"),
        ),
        (
            "save-as-outside",
            lambda c: write(
                c / "articles" / "b.md", PLAIN | {"Slug": "b", "Save_as": "../../../x.html"}
            ),
            ("articles/b.md:8", "不能指向站点之外"),
        ),
        (
            "page-with-screen-slug-and-save-as",
            lambda c: write(
                c / "pages" / "z.md", {"Title": "假", "Slug": "about", "Save_as": "login.html"}
            ),
            ("pages/z.md:3", "pages/login.md"),
        ),
        (
            "two-pages-one-slug",
            lambda c: write(c / "pages" / "z.md", {"Title": "假", "Slug": "login"}),
            ("pages/z.md", "pages/login.md"),
        ),
        (
            "page-lang-meets-screen",
            lambda c: write(c / "pages" / "z.md", {"Title": "假", "Slug": "quiz", "Lang": "play"}),
            ("pages/z.md:3", "pages/quiz-play.md"),
        ),
        (
            "attachments-one-name",
            lambda c: (
                (c / "x").mkdir(),
                (c / "y").mkdir(),
                (c / "x" / "f.pdf").write_bytes(b"1"),
                (c / "y" / "f.pdf").write_bytes(b"2"),
                write(c / "articles" / "b.md", PLAIN | {"Slug": "b"}, "[x]({attach}/x/f.pdf)"),
                write(c / "articles" / "c.md", PLAIN | {"Slug": "c"}, "[y]({attach}/y/f.pdf)"),
            ),
            ("x/f.pdf", "y/f.pdf"),
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_approved_collisions_stop_the_build_naming_both_files(
    tmp_path: Path, case: str, setup: Callable, names: tuple[str, ...]
) -> None:
    content = _small_site(tmp_path)
    setup(content)
    with pytest.raises(Exception, match=r"发布位置|页面|Save_as") as failure:
        build(content, tmp_path / "out", _approve_all(content))
    message = str(failure.value)
    for name in names:
        assert name in message, message
    assert not (tmp_path / "out" / "login.html").exists(), "nothing is written"


# --- DAILY: one editor's unfinished work never stops the build ------------------------------


@pytest.fixture(scope="module")
def daily(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("daily")
    content = _small_site(tmp)
    arts = content / "articles"
    write(arts / "future.md", PLAIN | {"Slug": "d-future", "Date": "2099-01-01 09:00"})
    body = "\n\n".join(
        [
            "读[待审文章]({filename}pending.md)。",
            "再读[网址链接](/articles/d-pending.html)。",
            "明日[将发布]({filename}future.md)与[网址](/articles/d-future.html)。",
            "[已发布](/articles/a.html)",
            "[已撤下]({filename}gone.md)与[撤下网址](/articles/d-gone.html)。",
        ]
    )
    write(
        arts / "links.md",
        PLAIN | {"Slug": "d-links", "Summary": "见[待审]({filename}./pending.md)"},
        body,
    )
    write(arts / "gone.md", PLAIN | {"Slug": "d-gone"})
    # Approved drafts (status or date) are never written, whatever their Save_as says.
    write(arts / "draft.md", PLAIN | {"Slug": "d-draft", "Status": "draft", "Save_as": "me.html"})
    later = {"Slug": "d-later", "Date": "2099-01-01", "Save_as": "login.html"}
    write(arts / "later.md", PLAIN | later, "![图]({static}/images/later.svg)")
    (content / "images").mkdir()
    (content / "images" / "later.svg").write_text(svg("MARKLATER"), encoding="utf-8")
    approvals = _approve_all(content)
    (arts / "gone.md").unlink()  # its editor took it down after approval
    # Unfinished work of other editors, after approval.
    write(arts / "pending.md", PLAIN | {"Slug": "d-pending", "Title": "MARKPENDING"})
    write(arts / "reuse.md", PLAIN | {"Slug": "a", "Title": "MARKREUSE"})
    write(arts / "noslug.md", {k: v for k, v in PLAIN.items() if k != "Summary"}, "MARKNOSLUG")
    write(arts / "broken.md", {"Title": "MARKBROKEN", "Slug": "d-broken", "Category": "杂"})
    (arts / "undecodable.md").write_bytes(b"Title: \xff\xfe\n\nMARK")
    installments = content / "dangzhang"
    write(
        installments / "day-1.md",
        {
            "Title": "第一天",
            "Category": "党章百日学",
            "Branch": "B0101",
            "Series": "constitution",
            "Day": "1",
            "Slug": "d-day-1",
        },
    )
    approvals.update(_approve_all_in(content, installments))
    write(installments / "day-2.md", {"Title": "MARKDAY2", "Series": "constitution", "Day": "x"})
    out = tmp / "out"
    warnings = build(
        content,
        out,
        approvals,
        SERIES={
            "constitution": {"title": "党章百日学", "category": "党章百日学", "start": "2020-01-01"}
        },
    )
    return {"out": out, "warnings": "\n".join(warnings)}


def _approve_all_in(content: Path, folder: Path) -> dict:
    return dict(review_tool.approval_of(content, p) for p in sorted(folder.glob("*.md")))


def test_links_to_unpublished_articles_become_plain_text(daily: dict) -> None:
    page = (daily["out"] / "articles" / "d-links.html").read_text(encoding="utf-8")
    body = page.split('class="article-body"', 1)[1]
    for text in ("待审文章", "网址链接", "将发布", "网址", "已撤下", "撤下网址"):
        assert text in body
        assert not re.search(rf"<a [^>]*>{text}</a>", body), text
    assert '<a href="/articles/a.html">已发布</a>' in body
    assert "{filename}" not in page


def test_approved_drafts_write_nothing(daily: dict) -> None:
    out = daily["out"]
    for screen in ("me.html", "login.html"):
        page = (out / screen).read_text(encoding="utf-8")
        assert "原标题" not in page and "正文内容" not in page, screen
    assert not list(out.rglob("later*")) and not list(out.rglob("d-draft*"))


def test_each_such_link_is_a_warning_naming_both_files(daily: dict) -> None:
    warnings = daily["warnings"]
    assert re.search(r"links\.md:17: 链接的文章 \S*articles/gone\.md 尚未发布", warnings)
    assert re.search(r"links\.md:9: 链接的文章 \S*articles/pending\.md 尚未发布", warnings)
    assert re.search(r"links\.md:11: 链接的文章 \S*articles/pending\.md 尚未发布", warnings)
    assert re.search(r"links\.md:13: 链接的文章 \S*articles/future\.md 尚未发布", warnings)


def test_pending_files_are_withheld_with_a_warning_and_the_rest_is_published(daily: dict) -> None:
    out, warnings = daily["out"], daily["warnings"]
    for name in ("reuse.md", "noslug.md", "undecodable.md", "day-2.md"):
        assert re.search(rf"{name}:1: 未发布：", warnings), name
    assert not [p for p in out.rglob("*") if p.is_file() and b"MARK" in p.read_bytes()]
    assert (out / "articles" / "a.html").is_file()
    assert (out / "articles" / "d-day-1.html").is_file(), "the daily installment is published"
    assert not (out / "articles" / "d-future.html").exists()


def test_approved_bytes_never_replace_another_approved_file(tmp_path: Path) -> None:
    """The approved bytes of a replaced image are published under a name carrying their hash;
    a file in content/ that already has that name and other approved bytes is a collision."""
    content = _small_site(tmp_path)
    (content / "images").mkdir()
    (content / "images" / "x.svg").write_text(svg("approved"), encoding="utf-8")
    write(content / "articles" / "b.md", PLAIN | {"Slug": "b"}, "![x]({static}/images/x.svg)")
    store = tmp_path / "store"
    approvals = dict([review_tool.approval_of(content, content / "articles" / "b.md", store)])
    digest = approvals["b"]["files"]["images/x.svg"]
    (content / "images" / "x.svg").write_text(svg("replaced"), encoding="utf-8")
    squatter = content / "images" / f"x.{digest[:16]}.svg"
    squatter.write_text(svg("squatter"), encoding="utf-8")
    ref = f"![s]({{static}}/images/{squatter.name})"
    write(content / "articles" / "c.md", PLAIN | {"Slug": "c"}, ref)
    approvals["c"] = review_tool.approval_of(content, content / "articles" / "c.md", store)[1]
    with pytest.raises(Exception, match="另一份已审核文件") as failure:
        build(content, tmp_path / "out", approvals, store)
    assert "articles/b.md" in str(failure.value) or "articles/c.md" in str(failure.value)

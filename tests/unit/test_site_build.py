"""Builds the Pelican site in-process into a temporary directory and checks the output."""

from __future__ import annotations

import hashlib
import json
import random
import re
import shutil
from pathlib import Path

import pytest
from pelican import Pelican
from pelican.settings import read_settings

from plugins import asset_hash, reading_time
from tools import review as review_tool

ROOT = Path(__file__).resolve().parents[2]

HASHED = re.compile(r"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{8})\.(?P<ext>css|js|svg)$")
ASSET_REF = re.compile(r"""(?:href|src)="(/theme/[^"#]+)""")
JS_IMPORT = re.compile(r"""\b(?:from|import)\s*\(?\s*["'](\.{1,2}/[^"']+)["']""")


def build(content: Path, output: Path, approvals: dict | None = None, **override: object) -> None:
    """Build with the review gate reading an approvals file (default: approve all content as it
    is, referenced files included, into the file store next to the approvals file); `override`:
    further settings (THEME, MODULES, ...)."""
    approvals_file = output.parent / f"{output.name}-approvals.json"
    approvals_file.parent.mkdir(parents=True, exist_ok=True)
    if approvals is None:
        approvals = dict(
            review_tool.approval_of(content, p, approvals_file.with_suffix(".files"))
            for p in sorted(content.rglob("*.md"))
            if "Slug: " in p.read_text(encoding="utf-8") and "pages" not in p.parts
        )
    approvals_file.write_text(json.dumps(approvals, ensure_ascii=False), encoding="utf-8")
    settings = read_settings(
        str(ROOT / "pelicanconf.py"),
        override={
            "PATH": str(content),
            "OUTPUT_PATH": str(output),
            "CACHE_CONTENT": False,
            "LOAD_CONTENT_CACHE": False,
            "REVIEW_GATE": "file",
            "REVIEW_APPROVALS_FILE": str(approvals_file),
            **override,
        },
    )
    Pelican(settings).run()


def article(path: Path, **meta: str) -> None:
    meta.setdefault("Branch", "B0101")
    header = "\n".join(f"{key}: {value}" for key, value in meta.items())
    path.write_text(f"{header}\n\n正文内容。\n", encoding="utf-8")


def demo_articles() -> dict[str, dict[str, str]]:
    """Slug -> metadata of each demo article in content/articles."""
    found = {}
    for path in sorted((ROOT / "content" / "articles").glob("*.md")):
        header = path.read_text(encoding="utf-8").split("\n\n", 1)[0]
        meta = dict(line.split(": ", 1) for line in header.splitlines())
        found[meta["Slug"]] = meta
    return found


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real content plus two articles that must never be published."""
    tmp = tmp_path_factory.mktemp("site")
    content = tmp / "content"
    shutil.copytree(ROOT / "content", content)
    article(
        content / "articles" / "future.md",
        Title="未来文章",
        Date="2099-01-01 09:00",
        Category="思想建设",
        Slug="future-article",
    )
    article(
        content / "articles" / "draft.md",
        Title="草稿文章",
        Date="2026-01-05 09:00",
        Category="思想建设",
        Slug="draft-article",
        Status="draft",
    )
    output = tmp / "output"
    build(content, output)
    return output


def read(site: Path, name: str) -> str:
    return (site / name).read_text(encoding="utf-8")


def test_home_lists_three_modules_and_every_section(site: Path) -> None:
    settings = read_settings(str(ROOT / "pelicanconf.py"))
    home = read(site, "index.html")
    assert len(settings["MODULES"]) == 3
    for module in settings["MODULES"]:
        assert module["name"] in home
        for section in module["sections"]:
            assert section["name"] in home
            assert f'href="/category/{section["slug"]}.html"' in home
            # every grid link has a page, even for sections without articles yet
            assert (site / "category" / f"{section['slug']}.html").is_file()


def test_section_slugs_are_ascii_and_unique() -> None:
    settings = read_settings(str(ROOT / "pelicanconf.py"))
    slugs = [s["slug"] for m in settings["MODULES"] for s in m["sections"]]
    assert len(slugs) == len(set(slugs)) == 14
    assert all(re.fullmatch(r"[a-z]+", slug) for slug in slugs)


def test_each_demo_article_has_title_date_reading_time_and_progress_bar(site: Path) -> None:
    demos = demo_articles()
    assert len(demos) >= 8
    for slug, meta in demos.items():
        page = read(site, f"articles/{slug}.html")
        assert f"<h1>{meta['Title']}</h1>" in page
        assert f'<time class="article-date" datetime="{meta["Date"][:10]}' in page
        assert re.search(r'class="reading-time">约 \d+ 分钟读完<', page)
        assert meta["Source"] in page
        assert 'id="read-progress"' in page
        assert f'data-slug="{slug}"' in page
        assert re.search(r'src="/theme/js/progress\.[0-9a-f]{8}\.js"', page)


def test_category_page_lists_its_articles(site: Path) -> None:
    page = read(site, "category/sixiang.html")
    for slug, meta in demo_articles().items():
        if meta["Category"] == "思想建设":
            assert f'href="/articles/{slug}.html"' in page


def test_unpublished_articles_are_not_written(site: Path) -> None:
    assert not (site / "drafts").exists()
    assert not list(site.rglob("*future-article*"))
    assert not list(site.rglob("*draft-article*"))
    assert "未来文章" not in read(site, "index.html")
    assert "草稿文章" not in read(site, "category/sixiang.html")


def test_asset_references_point_to_existing_files_named_by_their_hash(site: Path) -> None:
    referenced = set()
    for html in site.rglob("*.html"):
        referenced.update(ASSET_REF.findall(html.read_text(encoding="utf-8")))
    assert "/theme/css/" in " ".join(referenced)
    for ref in referenced:
        path = site / ref.lstrip("/")
        assert path.is_file(), ref
        if ref.startswith("/theme/covers/"):
            continue  # cover renditions: named by their source's hash (tests/unit/test_covers)
        match = HASHED.match(path.name)
        assert match, ref
        assert match["hash"] == hashlib.sha256(path.read_bytes()).hexdigest()[:8], ref


def test_only_hashed_assets_are_published_one_per_source(site: Path) -> None:
    sources = sorted(
        p.relative_to(ROOT / "theme" / "static").with_suffix("").as_posix()
        for p in (ROOT / "theme" / "static").rglob("*")
        if p.suffix in (".css", ".js", ".svg")
    )
    published = sorted(
        (p.parent.relative_to(site / "theme") / HASHED.match(p.name)["stem"]).as_posix()
        for p in (site / "theme").rglob("*")
        if p.is_file() and p.parent.name != "covers"  # the covers' renditions (plugins/covers)
    )
    assert published == sources


def test_js_imports_point_to_existing_hashed_files(site: Path) -> None:
    checked = 0
    for js in (site / "theme" / "js").glob("*.js"):
        for spec in JS_IMPORT.findall(js.read_text(encoding="utf-8")):
            target = (js.parent / spec).resolve()
            assert target.is_file(), f"{js.name} imports {spec}"
            assert HASHED.match(target.name), f"{js.name} imports unhashed {spec}"
            checked += 1
    assert checked >= 3  # login/activate/me import api.js and form.js


@pytest.mark.parametrize(
    ("page", "ids"),
    [
        ("login.html", ["login-form", "member_no", "password", "login-submit", "form-error"]),
        (
            "activate.html",
            [
                "activate-form",
                "member_no",
                "name",
                "phone_last4",
                "password",
                "password2",
                "activate-submit",
                "form-error",
            ],
        ),
        ("me.html", ["me-name", "me-member-no", "me-branch", "me-roles", "me-status", "logout"]),
    ],
)
def test_account_pages_have_the_element_ids(site: Path, page: str, ids: list[str]) -> None:
    html = read(site, page)
    for element_id in ids:
        assert html.count(f'id="{element_id}"') == 1, element_id
    assert "<noscript>" in html
    script = page.replace(".html", "")
    assert re.search(rf'<script type="module" src="/theme/js/{script}\.[0-9a-f]{{8}}\.js">', html)


def test_login_links_to_activation(site: Path) -> None:
    assert 'href="/activate.html"' in read(site, "login.html")


@pytest.mark.parametrize(
    ("meta", "field"),
    [
        ({"Title": "无栏目", "Date": "2026-03-01", "Slug": "no-category"}, "缺少 Category"),
        (
            {"Title": "错栏目", "Date": "2026-03-01", "Category": "杂谈", "Slug": "bad-category"},
            "Category「杂谈」",
        ),
        ({"Title": "无日期", "Category": "思想建设", "Slug": "no-date"}, "缺少 Date"),
    ],
)
def test_bad_metadata_fails_the_build_naming_file_and_field(
    tmp_path: Path, meta: dict[str, str], field: str
) -> None:
    content = tmp_path / "content"
    (content / "articles").mkdir(parents=True)
    article(
        content / "articles" / "ok.md",
        Title="好",
        Date="2026-03-01",
        Category="制度建设",
        Slug="ok",
    )
    article(content / "articles" / "bad.md", **meta)
    with pytest.raises(Exception, match=re.escape(field)) as failure:
        build(content, tmp_path / "output")
    assert type(failure.value).__name__ == "MetadataError"
    message = str(failure.value)
    assert "bad.md" in message
    assert "ok.md" not in message


def test_reading_time_counts_han_characters_and_words() -> None:
    assert reading_time.count_units("学习党章 and the rules, 2026") == 4 + 4
    assert reading_time.reading_minutes("<p>短文</p>") == 1
    assert reading_time.reading_minutes("<p>" + "党" * 401 + "</p>") == 2
    assert reading_time.reading_minutes("<p>" + "word " * 800 + "</p>") == 2


def test_reading_units_are_han_characters_plus_words_between_them() -> None:
    """The definition (the count the API credits by): every Han character one unit, then the
    words of letters/digits left when Han characters are taken as spaces."""
    han = re.compile(f"[{reading_time.HAN}]")

    def defined(text: str) -> int:
        others, count = han.subn(" ", text)
        return count + len(re.findall(r"[^\W_]+", others))

    rng = random.Random(5)
    pool = [chr(c) for c in range(0x20, 0x3_0000) if not 0xD800 <= c < 0xE000]
    near = "党章a1_ 。\u4e00\U00020001éΩ٣"
    cases = ["第2026年学习abc党章", "ab党cd", "党_a", "\U0002a6df\U0002a6e0x", ""]
    for _ in range(20_000):
        cases.append("".join(rng.choice(pool if rng.random() < 0.5 else near) for _ in range(8)))
    for text in cases:
        assert reading_time.count_units(text) == defined(text), ascii(text)


def test_manifest_hashes_leaves_first(tmp_path: Path) -> None:
    js = tmp_path / "js"
    js.mkdir()
    (js / "leaf.js").write_text("export const x = 1;\n", encoding="utf-8")
    (js / "main.js").write_text("import { x } from './leaf.js';\n", encoding="utf-8")
    before = asset_hash.build_manifest(tmp_path)
    assert (
        before["js/main.js"]
        .data.decode()
        .startswith(f"import {{ x }} from './{Path(before['js/leaf.js'].name).name}';")
    )
    # Changing only the leaf changes the importer's name too.
    (js / "leaf.js").write_text("export const x = 2;\n", encoding="utf-8")
    after = asset_hash.build_manifest(tmp_path)
    assert after["js/leaf.js"].name != before["js/leaf.js"].name
    assert after["js/main.js"].name != before["js/main.js"].name


def test_manifest_rejects_missing_imports_and_cycles(tmp_path: Path) -> None:
    js = tmp_path / "js"
    js.mkdir()
    (js / "a.js").write_text("import './missing.js';\n", encoding="utf-8")
    with pytest.raises(asset_hash.AssetError, match=r"missing\.js"):
        asset_hash.build_manifest(tmp_path)
    (js / "a.js").write_text("import './b.js';\n", encoding="utf-8")
    (js / "b.js").write_text("import './a.js';\n", encoding="utf-8")
    with pytest.raises(asset_hash.AssetError, match="cycle"):
        asset_hash.build_manifest(tmp_path)

"""The icon sprite: every icon a template or a setting names exists, an unknown name stops the
build, pages reference the one hashed sprite, and the icons are line icons in currentColor."""

from __future__ import annotations

import copy
import re
import shutil
from pathlib import Path

import pytest
from pelican.settings import read_settings

from plugins.icons import IconError, icon_names, sprite_path, symbols
from tests.unit.test_site_build import ROOT, build

THEME = ROOT / "theme"
# icon('name'...), empty_state('name'...) in templates
_USED = re.compile(r"""\b(?:icon|empty_state)\(\s*['"]([^'"]+)['"]""")


def _settings() -> dict:
    return read_settings(str(ROOT / "pelicanconf.py"))


def used_names() -> dict[str, str]:
    """Icon name -> where it is named (templates, MODULES)."""
    found = {}
    for template in sorted((THEME / "templates").glob("*.html")):
        for name in _USED.findall(template.read_text(encoding="utf-8")):
            found[name] = template.name
    settings = _settings()
    for kind, name in settings["QUIZ_KIND_ICONS"].items():
        found[name] = f"QUIZ_KIND_ICONS {kind}"
    for module in settings["MODULES"]:
        for section in module["sections"]:
            found[section["icon"]] = f"MODULES {section['name']}"
    return found


def test_every_icon_named_in_templates_and_settings_is_in_the_sprite() -> None:
    names = icon_names(sprite_path(THEME))
    used = used_names()
    assert len(used) >= 15  # the sections, the tab bar, the empty states
    missing = {name: where for name, where in used.items() if name not in names}
    assert not missing


def test_sprite_holds_line_icons_in_current_color() -> None:
    drawn = symbols(sprite_path(THEME))
    assert len(drawn) >= 20
    for name, svg in drawn.items():
        assert 'viewBox="0 0 24 24"' in svg, name
        assert 'fill="none"' in svg and 'stroke="currentColor"' in svg, name
        # no colour of its own, no fill anywhere, nothing fetched
        assert not re.search(r"#[0-9a-fA-F]{3,6}|rgb\(|fill=\"(?!none)|href=", svg), name


def _theme_copy(tmp_path: Path) -> Path:
    theme = tmp_path / "theme"
    shutil.copytree(THEME, theme)
    return theme


def test_a_template_naming_an_unknown_icon_stops_the_build(tmp_path: Path) -> None:
    theme = _theme_copy(tmp_path)
    learn = theme / "templates" / "learn.html"
    learn.write_text(
        learn.read_text(encoding="utf-8").replace("icon('pencil')", "icon('pencli')"),
        encoding="utf-8",
    )
    with pytest.raises(IconError, match=r"^learn\.html: unknown icon 'pencli'"):
        build(ROOT / "content", tmp_path / "out", THEME=str(theme))


def test_a_section_naming_an_unknown_icon_stops_the_build(tmp_path: Path) -> None:
    modules = copy.deepcopy(_settings()["MODULES"])
    modules[0]["sections"][0]["icon"] = "思"  # the old single character
    with pytest.raises(IconError, match="'思'"):
        build(ROOT / "content", tmp_path / "out", MODULES=modules)


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("icons") / "out"
    build(ROOT / "content", target)
    return target


def test_section_icons_are_sprite_references_not_characters(out: Path) -> None:
    sprite = [p.name for p in (out / "theme").glob("icons.*.svg")]
    assert len(sprite) == 1
    for page in ("index.html", "learn.html"):
        html = (out / page).read_text(encoding="utf-8")
        icons = re.findall(r'<span class="grid-icon[^"]*">(.*?)</span>', html, re.S)
        assert len(icons) >= 13, page
        for inner in icons:
            assert re.fullmatch(
                rf'\s*<svg class="icon" aria-hidden="true"><use href="/theme/{sprite[0]}#[a-z-]+"'
                rf' xlink:href="/theme/{sprite[0]}#[a-z-]+"/></svg>\s*',
                inner,
            ), inner


def test_the_tab_bar_draws_the_sprite_inline(out: Path) -> None:
    html = (out / "articles" / "sanhui-yike.html").read_text(encoding="utf-8")
    home = symbols(sprite_path(THEME))["home"]
    drawing = re.search(r">(.*)</svg>", home).group(1)
    assert drawing in html
    assert "<use" not in html.split('<nav class="tabbar"')[1]


# An empty list says what to do next (empty_state in _macros.html), never a bare 暂无….
_BARE = re.compile(r"暂无|class=\"empty\">(?!加载中)|textContent = '[^']*(?:没有|暂无)")


def test_no_template_or_script_leaves_a_bare_empty_list() -> None:
    files = [*(THEME / "templates").glob("*.html"), *(THEME / "static" / "js").glob("*.js")]
    bare = [
        f"{f.name}:{n}: {line.strip()}"
        for f in files
        for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1)
        if _BARE.search(line)
    ]
    assert not bare

"""The theme's CSS and JS minified by esbuild before hashing (plugins/asset_hash, ASSET_MINIFY):
comments gone, imports still rewritten to hashed names, the hash of the shipped bytes, nothing
newer than the supported browsers written, and a file esbuild refuses stops the build by name."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from plugins import asset_hash
from plugins.asset_hash import minify

LEAF = """\
// A helper module: this line comment must not ship.
/* Nor this block comment. */
export function pick(value, fallback) {
  // Written the long way: Chrome 78 has no `??`, so the minifier must not write it either.
  return value !== null && value !== undefined ? value : fallback;
}
export const GREETING = '已计入学习，积分 +1';
"""
MAIN = """\
import { pick, GREETING } from './leaf.js';

/** The entry module. */
export async function run(options) {
  const { later } = await import('./later.js'); // on demand
  return pick(options, GREETING) + later;
}
"""
CSS = """\
/* The page's colours: this comment must not ship. */
:root {
  --primary: #c8161d; /* 党徽红 */
}

.button {
  color: var(--primary);
}
"""


def theme(tmp_path: Path) -> Path:
    (tmp_path / "js").mkdir()
    (tmp_path / "css").mkdir()
    (tmp_path / "js" / "leaf.js").write_text(LEAF, encoding="utf-8")
    (tmp_path / "js" / "main.js").write_text(MAIN, encoding="utf-8")
    (tmp_path / "js" / "later.js").write_text("export const later = 1; // x\n", encoding="utf-8")
    (tmp_path / "css" / "main.css").write_text(CSS, encoding="utf-8")
    return tmp_path


def test_minified_assets_have_no_comments_and_keep_their_imports_hashed(tmp_path: Path) -> None:
    manifest = asset_hash.build_manifest(theme(tmp_path), minify=True)
    shipped = {name: asset.data.decode("utf-8") for name, asset in manifest.items()}
    for name, text in shipped.items():
        assert "//" not in text and "/*" not in text, (name, text)
        if name != "js/later.js":  # a one-liner: `export{e as later}` can be longer
            assert len(text) < 0.8 * len((tmp_path / name).read_text(encoding="utf-8")), name
        # The name carries the hash of what is shipped, not of the source.
        assert (
            manifest[name].name.split(".")[-2]
            == hashlib.sha256(manifest[name].data).hexdigest()[: asset_hash.HASH_LENGTH]
        )
    leaf = Path(manifest["js/leaf.js"].name).name
    later = Path(manifest["js/later.js"].name).name
    assert f'from"./{leaf}"' in shipped["js/main.js"]
    assert f'import("./{later}")' in shipped["js/main.js"]
    assert "'./leaf.js'" not in shipped["js/main.js"]
    # Chinese text stays UTF-8 (3 bytes a character), not \\uXXXX escapes (6).
    assert "已计入学习，积分 +1" in shipped["js/leaf.js"]
    assert "#c8161d" in shipped["css/main.css"]


def test_the_minifier_writes_nothing_newer_than_the_supported_browsers(tmp_path: Path) -> None:
    """esbuild at its default target would turn the long-hand null check into `??` (Chrome 80)."""
    shipped = asset_hash.build_manifest(theme(tmp_path), minify=True)["js/leaf.js"].data.decode()
    assert "??" not in shipped and "?." not in shipped, shipped


def test_targets_come_from_the_browserslist(tmp_path: Path) -> None:
    assert minify.esbuild_targets() == ["chrome78", "ios12"]  # package.json "browserslist"
    package = tmp_path / "package.json"
    package.write_text(json.dumps({"browserslist": ["> 0.5%"]}), encoding="utf-8")
    with pytest.raises(minify.MinifyError, match=r"> 0\.5%"):
        minify.esbuild_targets(package)


@pytest.mark.parametrize(
    ("name", "text", "says"),
    [
        (
            "js/broken.js",
            "export const x = ;\n",
            r"js/broken\.js: .*Unexpected \";\".*broken\.js:1:17",
        ),
        ("css/broken.css", ".a { color: red;\n", r"css/broken\.css.*Expected \"\}\""),
    ],
)
def test_a_file_esbuild_refuses_is_named(tmp_path: Path, name: str, text: str, says: str) -> None:
    static = theme(tmp_path)
    (static / name).write_text(text, encoding="utf-8")
    with pytest.raises(minify.MinifyError, match=f"(?s)theme/static/{says}"):
        asset_hash.build_manifest(static, minify=True)
    # The development build ships the sources and does not look.
    assert asset_hash.build_manifest(static)[name].data.decode() == text


def test_a_missing_esbuild_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(minify, "ESBUILD", tmp_path / "no-esbuild")
    static = theme(tmp_path)
    (static / "js" / "new.js").write_text("export const n = 2;\n", encoding="utf-8")
    with pytest.raises(minify.MinifyError, match=r"theme/static/js/new\.js.*npm ci"):
        asset_hash.build_manifest(static, minify=True)

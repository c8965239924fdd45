"""The theme never calls the browser's alert(), confirm() or prompt(): WeChat shows them with the
page's address as their title, they cannot be styled or enlarged, and they block the page. The
WeUI dialogs of theme/static/js/dialog.js take their place."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
THEME = ROOT / "theme"
# A call of the global (alert(…), window.confirm(…)), not a method or a name ending in it
# (confirmDialog(…), form.prompt(…)); comments are left out.
NATIVE = re.compile(r"(?<![\w$.])(?:window\.)?(alert|confirm|prompt)\s*\(")
COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/|\{#.*?#\}|<!--.*?-->", re.S)


def _calls(text: str) -> list[str]:
    return [m.group(0) for m in NATIVE.finditer(COMMENT.sub("", text))]


def test_the_theme_calls_no_native_dialog():
    found = {
        str(path.relative_to(ROOT)): calls
        for path in sorted(THEME.rglob("*"))
        if path.suffix in {".js", ".html"} and (calls := _calls(path.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_the_check_sees_a_call():
    assert _calls("if (!confirm('确定？')) return;") == ["confirm("]
    assert _calls("x = window.prompt('原因')") == ["window.prompt("]
    assert _calls('<button onclick="alert(1)">') == ["alert("]
    assert _calls("await confirmDialog({}); api.prompt(); // confirm(") == []

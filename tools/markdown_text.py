"""Plain text written into Markdown so that Pelican's Markdown shows exactly that text.

A line of an official text may start with `1.`, `- `, `#`, `>`, `: ` or `~~~`, or hold `*`, `_`,
backticks, `[…](…)`, `<tag>` or `&name;` anywhere: each of these would become a list, heading,
quote, definition, code block, emphasis, link, HTML or an entity. `escape` neutralises all of them:
every character Python-Markdown (with `extra`) lets a backslash escape is escaped wherever it
stands (a backslash before one of these is always removed again, so nothing stray is shown), and
what a backslash cannot escape becomes an HTML entity: `<` and `&` everywhere, a `:` or `~` that
starts the line. The result is meant for a single-line paragraph or heading (no line breaks).

`html` is for metadata Pelican treats as HTML (Title and fields templates print unescaped).
"""

from __future__ import annotations

import html as _html

# Python-Markdown's ESCAPED_CHARS with the extra extension loaded (tables add `|`); a test keeps
# this equal to what the pinned Markdown reports.
BACKSLASH_ESCAPABLE = frozenset("\\`*_{}[]()>#+-.!|")
_ENTITIES = {"<": "&lt;", "&": "&amp;"}
_LINE_START_ENTITIES = {":": "&#58;", "~": "&#126;"}


def escape(text: str) -> str:
    """Markdown for one line that renders as `text` (whitespace at either end is dropped)."""
    text = " ".join(text.split("\n")).strip()
    out = []
    for i, char in enumerate(text):
        if char in BACKSLASH_ESCAPABLE:
            out.append("\\" + char)
        elif char in _ENTITIES:
            out.append(_ENTITIES[char])
        elif i == 0 and char in _LINE_START_ENTITIES:
            out.append(_LINE_START_ENTITIES[char])
        else:
            out.append(char)
    return "".join(out)


def html(text: str) -> str:
    """Text for a metadata field that templates print as HTML (Title, Chapter …)."""
    return _html.escape(" ".join(text.split()), quote=False)

"""The site's icon sprite: `theme/static/icons.svg`, one `<symbol id=...>` per icon.

Templates draw an icon with the `icon(name, label=None)` macro of `_macros.html`, which asks the
`icon_href` filter for `/theme/icons.<hash>.svg#name`: the sprite is one cached, content-hashed
file (plugins/asset_hash publishes it), so a page carries only a short `<use>` per icon. A name
the sprite does not define stops the build, naming the template being rendered.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from jinja2 import pass_context
from markupsafe import Markup
from pelican import signals

SPRITE = "icons.svg"
_SYMBOL = re.compile(r"""<symbol\b([^>]*)\bid="([a-z][a-z0-9-]*)"([^>]*)>(.*?)</symbol>""", re.S)


class IconError(Exception):
    """A template names an icon the sprite does not define."""


def sprite_path(theme: str | Path) -> Path:
    return Path(theme) / "static" / SPRITE


def symbols(sprite: Path) -> dict[str, str]:
    """Id -> the symbol as a standalone `<svg>` (its attributes, its drawing)."""
    return {
        name: f"<svg{before.rstrip()}{after}>{body}</svg>"
        for before, name, after, body in _SYMBOL.findall(sprite.read_text(encoding="utf-8"))
    }


def icon_names(sprite: Path) -> set[str]:
    """The ids of the sprite's symbols."""
    return set(symbols(sprite))


def _on_generator_init(generator: Any) -> None:
    drawn = symbols(sprite_path(generator.theme))
    names = set(drawn)

    def check(context: Any, name: str) -> None:
        if name not in names:
            # the page being written (macros are imported with the page's context), else the
            # template the call is in
            page = context.get("output_file") or getattr(context, "name", None) or "?"
            raise IconError(
                f"{page}: unknown icon {name!r} (theme/static/{SPRITE} defines: "
                f"{', '.join(sorted(names))})"
            )

    @pass_context
    def icon_href(context: Any, name: str) -> str:
        check(context, name)
        asset = generator.env.filters["asset"]  # plugins/asset_hash: the sprite's hashed URL
        return f"{asset(context, SPRITE)}#{name}"

    @pass_context
    def icon_inline(context: Any, name: str, attributes: str = "") -> Markup:
        """The symbol as an inline `<svg>`, with the macro's class and ARIA attributes."""
        check(context, name)
        return Markup(drawn[name].replace("<svg", f"<svg {attributes}", 1))

    generator.env.filters["icon_href"] = icon_href
    generator.env.filters["icon_inline"] = icon_inline


def register() -> None:
    signals.generator_init.connect(_on_generator_init)

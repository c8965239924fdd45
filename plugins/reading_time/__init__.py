"""Estimated reading time for Chinese articles: `article.reading_minutes` (and the count it
comes from, `article.reading_units`, which the catalog hands to the server).

Word counters built for English count a whole Chinese paragraph as one word. We count each
Han character as one unit and each run of other letters/digits (an English word, a number)
as one unit, at the speed `chalicelib.reading_rules` sets (the API credits reading by the same
rule), never less than 1 minute.
"""

from __future__ import annotations

import html
import re
from typing import Any

from pelican import signals
from pelican.contents import Article

from chalicelib.reading_rules import reading_minutes as minutes_for

_TAG = re.compile(r"<[^>]+>")
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002a6df\U0002a700-\U0002ebef"
# Runs, not single characters: a match per Han character cost most of this plugin's time.
_HAN_RUN = re.compile(f"[{HAN}]+")
_WORD = re.compile(rf"[^\W_{HAN}]+")  # letters/digits of other scripts: Han separates words


def count_units(text: str) -> int:
    """Han characters plus words of other scripts in plain text."""
    return sum(map(len, _HAN_RUN.findall(text))) + len(_WORD.findall(text))


def plain_text(content_html: str) -> str:
    return html.unescape(_TAG.sub(" ", content_html or ""))


def html_units(content_html: str) -> int:
    """`count_units` of an HTML fragment's text."""
    return count_units(plain_text(content_html))


def reading_minutes(content_html: str) -> int:
    return minutes_for(html_units(content_html))


def _on_content_init(instance: Any) -> None:
    if isinstance(instance, Article):
        text = plain_text(instance._content)
        # Kept with the HTML it came from: plugins/search_index reuses it while that is unchanged.
        instance._plain_text = (instance._content, text)
        instance.reading_units = count_units(text)
        instance.reading_minutes = minutes_for(instance.reading_units)


def register() -> None:
    signals.content_object_init.connect(_on_content_init)

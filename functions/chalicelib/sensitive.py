"""The sensitive-word filter for comments: a configurable word list, matched after normalising.

The list is a text file (one word a line, `#` comments), `sensitive_words.txt` next to this module
unless `SENSITIVE_WORDS_FILE` names another; it is read once per cold start. Text and words are
compared after NFKC (full-width letters and digits become half-width), case folding and
dropping whitespace and punctuation, so 「赌 博」, 「ＣＡＳＩＮＯ」 and 「赌*博」 all hit.
A hit never drops a comment: the caller holds it for review.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

from .settings import SettingsError, get_settings

DEFAULT_FILE = Path(__file__).with_name("sensitive_words.txt")


def normalise(text: str) -> str:
    """NFKC, case-folded, without whitespace, punctuation or symbols (categories Z*, P*, S*, C*)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] not in "ZPSC")


@cache
def _words(path: str) -> tuple[tuple[str, str], ...]:
    """(normalised, as written) for every word of the file."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise SettingsError(f"cannot read the sensitive-word list {path}: {exc}") from None
    out = []
    for line in lines:
        word = line.strip()
        if word and not word.startswith("#") and normalise(word):
            out.append((normalise(word), word))
    return tuple(out)


def words() -> tuple[tuple[str, str], ...]:
    return _words(get_settings().sensitive_words_file or str(DEFAULT_FILE))


def find(text: str) -> list[str]:
    """The listed words the text contains (as written in the list), in list order."""
    flat = normalise(text)
    return [word for norm, word in words() if norm in flat]

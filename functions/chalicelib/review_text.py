"""The text of an article version as it is hashed and stored (no imports: the site build and the
review tools use it without loading the tables)."""

from __future__ import annotations

import hashlib


def normalise(text: str) -> str:
    """The text that is hashed and stored: no BOM, LF line ends, one final newline."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return text.rstrip() + "\n"


def source_hash(text: str) -> str:
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()

"""A client-side search index for Chinese, built with the site (theme/static/js/search.js reads it).

Terms: each run of Han characters gives its character bigrams (a lone character is a term by
itself); other text gives lower-cased words of letters and digits (NFKC first, so full-width
letters match). The JS tokenises a query the same way and keeps the documents holding every
query term: bigrams find words of any length without a dictionary.

Files (named by content hash, so WeChat's cache never serves a stale index):
- `search/docs.<hash>.json`: {"shards": N, "docs": [[url, title, section, date, summary], ...],
  "files": [shard file names]}
- `search/t<i>.<hash>.json`: {term: [doc ids, delta-encoded]} for the terms whose first
  character's code point ≡ i (mod N). A query loads only the shards of its terms' first
  characters, so a phone fetches a small part of a large index. N grows with the index
  (about 20,000 postings a shard).

The search page gets the docs file's URL from the template context (`search_index.docs_url`).
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import unicodedata
from collections import defaultdict
from itertools import islice
from operator import sub
from pathlib import Path
from typing import Any

from pelican import signals

from plugins.kept import Kept

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# One C-level pass each (the build's costliest loop was a Python one over every character):
# every bigram inside a Han run (lookahead: overlapping), lone Han characters, Latin words.
_BIGRAM = re.compile(rf"(?=([{HAN}]{{2}}))")
_LONE = re.compile(rf"(?<![{HAN}])[{HAN}](?![{HAN}])")
_WORD = re.compile(r"[a-z0-9]+")
_TAG = re.compile(r"<[^>]+>")
POSTINGS_PER_SHARD = 20_000
MAX_SHARDS = 64
SUMMARY_CHARS = 60


# Full-width punctuation is in nearly every Chinese text and alone makes NFKC redo the whole
# string. Each of these decomposes to one ASCII character (NFKC's own result for it), so putting
# that in first leaves NFKC's result unchanged (the compatibility decomposition is the same), and
# most texts are then already normalised: the quick check skips the costly pass.
_WIDE = tuple((c, unicodedata.normalize("NFKC", c)) for c in "，：；（）！？\u3000")


def nfkc(text: str) -> str:
    """unicodedata.normalize("NFKC", text), quicker on Chinese text."""
    for wide, narrow in _WIDE:
        text = text.replace(wide, narrow)
    if unicodedata.is_normalized("NFKC", text):
        return text
    return unicodedata.normalize("NFKC", text)


def terms(text: str) -> set[str]:
    text = nfkc(text).lower()
    found = set(_BIGRAM.findall(text))
    found.update(_LONE.findall(text))
    found.update(_WORD.findall(text))
    return found


# A document's terms, kept between builds by its text (plugins/kept): only changed articles are
# tokenised again. The patterns are part of the key, so changing them starts afresh.
kept = Kept("search-terms.pickle")
_RULES = "\0".join(p.pattern for p in (_BIGRAM, _LONE, _WORD)).encode("utf-8")


def _doc_terms(text: str) -> list[str]:
    key = hashlib.sha256(_RULES + b"\0" + text.encode("utf-8")).hexdigest()
    found = kept.get(key)
    if found is None:
        fresh = list(terms(text))
        kept.put(key, "\n".join(fresh))  # one string: quick to keep and load; no term has \n
        return fresh
    return found.split("\n") if found else []


def plain_text(content_html: str) -> str:
    return html.unescape(_TAG.sub(" ", content_html or ""))


def _article_text(article: Any) -> str:
    """The article's plain text; plugins/reading_time's when the HTML is still the one it read."""
    content = article._content
    kept = getattr(article, "_plain_text", None)
    if kept is not None and kept[0] is content:
        return kept[1]
    return plain_text(content)


def _transcript(article: Any) -> str:
    lesson = getattr(article, "lesson", None)
    return f" {lesson.speaker} {lesson.transcript}" if lesson is not None else ""


def shard_count(postings: int) -> int:
    n = 1
    while n < MAX_SHARDS and postings / n > POSTINGS_PER_SHARD:
        n *= 2
    return n


def build(docs: list[dict[str, str]]) -> tuple[dict[str, Any], list[dict[str, list[int]]]]:
    """(docs file, shards) for documents with url, title, section, date, summary, text."""
    index: defaultdict[str, list[int]] = defaultdict(list)
    rows = []
    for doc_id, doc in enumerate(docs):
        rows.append([doc["url"], doc["title"], doc["section"], doc["date"], doc["summary"]])
        for term in _doc_terms(f"{doc['title']} {doc['summary']} {doc['text']}"):
            index[term].append(doc_id)
    n = shard_count(sum(len(p) for p in index.values()))
    shards: list[dict[str, list[int]]] = [{} for _ in range(n)]
    for term in sorted(index):
        ids = index[term]
        shards[ord(term[0]) % n][term] = [ids[0], *map(sub, islice(ids, 1, None), ids)]  # deltas
    return {"shards": n, "docs": rows}, shards


def _dump(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _named(stem: str, data: bytes) -> str:
    return f"search/{stem}.{hashlib.sha256(data).hexdigest()[:8]}.json"


def _on_all_finalized(generators: list[Any]) -> None:
    articles = next(g for g in generators if hasattr(g, "articles") and hasattr(g, "drafts"))
    docs = []
    for a in articles.articles:
        summary = plain_text(str(a.metadata.get("summary") or "")).strip()
        docs.append(
            {
                "url": "/" + a.url,
                "title": plain_text(a.title),
                "section": a.category.name,
                "date": a.date.strftime("%Y-%m-%d"),
                "summary": summary[:SUMMARY_CHARS],
                # A 微党课 is found by what is said in it too (plugins/lessons: the subtitles).
                "text": _article_text(a) + _transcript(a),
            }
        )
    meta, shards = build(docs)
    files = {}
    names = []
    for i, shard in enumerate(shards):
        data = _dump(shard)
        name = _named(f"t{i}", data)
        files[name] = data
        names.append(name.rsplit("/", 1)[1])
    meta["files"] = names
    data = _dump(meta)
    docs_name = _named("docs", data)
    files[docs_name] = data
    articles.context["search_index"] = {"docs_url": "/" + docs_name, "files": files}


def _on_writer_finalized(generator: Any, writer: Any) -> None:
    folder = Path(generator.output_path) / "search"
    if folder.is_dir():
        for old in folder.glob("*.json"):
            old.unlink()  # earlier dev builds' versions
    for name, data in generator.context.get("search_index", {}).get("files", {}).items():
        target = Path(generator.output_path) / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _on_initialized(pelican: Any) -> None:
    kept.begin(pelican.settings)


def _on_finalized(pelican: Any) -> None:
    kept.save()


def register() -> None:
    signals.initialized.connect(_on_initialized)
    signals.finalized.connect(_on_finalized)
    signals.all_generators_finalized.connect(_on_all_finalized)
    signals.article_writer_finalized.connect(_on_writer_finalized)

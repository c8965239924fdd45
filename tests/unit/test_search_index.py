"""The search index: Han bigrams, words of other scripts, shards by first character."""

from __future__ import annotations

import random
import unicodedata

from plugins import search_index
from tests.unit.test_site_build import read, site  # noqa: F401 - site is a fixture


def test_terms_are_han_bigrams_and_words() -> None:
    assert search_index.terms("三会一课") == {"三会", "会一", "一课"}
    assert search_index.terms("党") == {"党"}
    assert search_index.terms("ＡＢＣ abc 2026年") == {"abc", "2026", "年"}


def test_quick_nfkc_is_nfkc() -> None:
    """The shortcut for full-width punctuation gives NFKC's result on any text: Chinese text,
    compatibility characters (…, ①, ﬁ, ｶ), combining marks right after a replaced character."""
    cases = ["学习，（强国）！ＡＢ①…ﬁｶﾞ", "，\u0301（\u0338：\u20dd", "Ａ\u0301\u3000e\u0301", ""]
    rng = random.Random(11)
    pool = [chr(c) for c in range(0x20, 0x3_0000) if not 0xD800 <= c < 0xE000]
    wide = "，：；（）！？\u3000"
    for _ in range(20_000):
        cases.append(
            "".join(rng.choice(wide) if rng.random() < 0.4 else rng.choice(pool) for _ in range(6))
        )
    for text in cases:
        assert search_index.nfkc(text) == unicodedata.normalize("NFKC", text), ascii(text)


def test_postings_are_delta_encoded_and_sharded_by_first_character() -> None:
    docs = [
        {"url": f"/a{i}.html", "title": t, "section": "s", "date": "2026-01-01", "summary": ""}
        | {"text": t}
        for i, t in enumerate(["党章学习", "学习强国", "党章"])
    ]
    meta, shards = search_index.build(docs)
    assert meta["shards"] == len(shards) == 1
    table = shards[0]
    assert table["党章"] == [0, 2]  # docs 0 and 2
    assert table["学习"] == [0, 1]
    assert search_index.shard_count(10) == 1
    assert search_index.shard_count(100_000) == 8


def test_the_built_site_has_a_search_page_and_its_index(site) -> None:  # noqa: F811
    import json
    import re

    page = read(site, "search.html")
    url = re.search(r'data-index="(/search/docs\.[0-9a-f]{8}\.json)"', page).group(1)
    docs = json.loads((site / url.lstrip("/")).read_text(encoding="utf-8"))
    assert any(d[1] == "三分钟读懂“三会一课”" for d in docs["docs"])
    shard = json.loads((site / "search" / docs["files"][0]).read_text(encoding="utf-8"))
    assert "三会" in shard

"""The site sync's plan: checksums decide uploads; headers per file; old hashed assets linger."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from infra import publish

NOW = datetime(2026, 11, 22, tzinfo=UTC)


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def test_only_changed_files_are_uploaded_and_removed_pages_deleted() -> None:
    local = {"index.html": _md5("new"), "about.html": _md5("same"), "theme/js/a.1.js": _md5("a")}
    remote = {
        "index.html": publish.Remote(f'"{_md5("old")}"', NOW),
        "about.html": publish.Remote(f'"{_md5("same")}"', NOW - timedelta(days=90)),
        "gone.html": publish.Remote('"x"', NOW),
        "theme/js/a.0.js": publish.Remote('"y"', NOW - timedelta(days=1)),
        "theme/js/a.9.js": publish.Remote('"z"', NOW - timedelta(days=30)),
    }
    todo = publish.plan(local, remote, NOW)
    assert sorted(todo.upload) == ["index.html", "theme/js/a.1.js"]
    assert todo.unchanged == 1
    # A recent old asset stays for pages still cached; an old one goes.
    assert sorted(todo.delete) == ["gone.html", "theme/js/a.9.js"]
    assert todo.invalidation_paths() == ["/gone.html", "/index.html", "/"]


def test_many_changed_pages_are_one_wildcard_invalidation() -> None:
    todo = publish.Plan(upload=[f"articles/{i}.html" for i in range(50)])
    assert todo.invalidation_paths() == ["/*"]
    assert publish.Plan(upload=["theme/css/main.1.css"]).invalidation_paths() == []


def test_cache_control_and_content_type_per_file() -> None:
    assert publish.cache_control("theme/js/api.a2524868.js") == publish.IMMUTABLE
    # Content images and photos carry the hash of their bytes (plugins/static_hash).
    assert publish.cache_control("images/xianjin/a.0123456789abcdef.svg") == publish.IMMUTABLE
    assert "max-age=31536000" in publish.IMMUTABLE and "immutable" in publish.IMMUTABLE
    assert publish.cache_control("articles/x.html") == publish.SHORT
    assert "max-age=60" in publish.SHORT
    assert publish.content_type("index.html") == "text/html; charset=utf-8"
    assert publish.content_type("theme/css/main.1.css") == "text/css; charset=utf-8"
    assert publish.content_type("theme/js/api.1.js").endswith("javascript; charset=utf-8")


def test_local_checksums_are_md5_like_s3_etags(tmp_path: Path) -> None:
    (tmp_path / "theme").mkdir()
    (tmp_path / "theme" / "a.css").write_text("body{}")
    (tmp_path / "index.html").write_text("<p>hi</p>")
    assert publish.local_files(tmp_path) == {
        "index.html": _md5("<p>hi</p>"),
        "theme/a.css": _md5("body{}"),
    }


def test_invalidation_paths_are_url_encoded_as_cloudfront_matches_them() -> None:
    # An `{attach}` file keeps its name next to its article (plugins/static_hash): invalidated.
    todo = publish.Plan(
        upload=["articles/支部 合影.svg", "articles/a+b.html", "images/x.0123456789abcdef.svg"],
        delete=["index.html"],
    )
    # Only what a browser encodes is encoded: a `+` or `(` is sent as it is.
    assert todo.invalidation_paths() == [
        "/articles/%E6%94%AF%E9%83%A8%20%E5%90%88%E5%BD%B1.svg",
        "/articles/a+b.html",
        "/index.html",
        "/",
    ]


class _Bucket:
    """DeleteObjects as S3 answers it: 200, with the keys it refused under `Errors`."""

    def __init__(self, refuse: set[str]) -> None:
        self.refuse, self.calls = refuse, []

    def delete_objects(self, Bucket: str, Delete: dict) -> dict:  # noqa: N803 (botocore's names)
        keys = [o["Key"] for o in Delete["Objects"]]
        self.calls.append(keys)
        errors = [{"Key": k, "Code": "AccessDenied", "Message": "Access Denied"} for k in keys]
        return {"Errors": [e for e in errors if e["Key"] in self.refuse]}


def test_deletes_go_in_batches_of_1000_and_a_refused_key_stops_the_publish() -> None:
    bucket = _Bucket(refuse=set())
    publish.delete_keys(bucket, "site", [f"p/{i}.html" for i in range(2500)])
    assert [len(c) for c in bucket.calls] == [1000, 1000, 500]
    with pytest.raises(SystemExit, match=r"1 object\(s\) not deleted: gone.html: AccessDenied"):
        publish.delete_keys(_Bucket(refuse={"gone.html"}), "site", ["a.html", "gone.html"])

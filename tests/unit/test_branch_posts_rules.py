"""支部家园's pure rules: the text accepted (trimmed, 1–500, no control or invisible-only text),
the photo list, the version hash (text and photo keys, in order), the committee a branch's posts
are fed to, who reviews a branch and whose queue covers which subtree."""

from __future__ import annotations

import pytest

from chalicelib import branch_posts as bp
from chalicelib.errors import BadRequestError
from chalicelib.scope import Caller


def test_text_is_trimmed_and_bounded():
    assert bp.clean_text("  支部活动\r\n照片  ") == "支部活动\n照片"
    assert bp.clean_text("好") == "好"
    assert bp.clean_text("字" * 500) == "字" * 500
    assert bp.clean_text("👍") == "👍"
    for bad in ("", "   ", "字" * 501, "\u200b\u200b", "\ufeff", "好\x00", "好\x1b[0m", None, 5):
        with pytest.raises(BadRequestError):
            bp.clean_text(bad)


def test_photo_list():
    assert bp._photo_list(None) == []
    assert bp._photo_list(["a", "b"]) == ["a", "b"]
    for bad in ("a", [1], ["a", "a"], ["x"] * 10, {"a": 1}):
        with pytest.raises(BadRequestError):
            bp._photo_list(bad)


def test_version_hash_binds_text_and_photo_order():
    h = bp.version_hash("内容", ["posts/1/a.jpg", "posts/1/b.jpg"])
    assert h == bp.version_hash("内容", ["posts/1/a.jpg", "posts/1/b.jpg"])
    assert h != bp.version_hash("内容", ["posts/1/b.jpg", "posts/1/a.jpg"])
    assert h != bp.version_hash("内容", ["posts/1/a.jpg"])
    assert h != bp.version_hash("内容。", ["posts/1/a.jpg", "posts/1/b.jpg"])


def test_feed_unit_is_the_committee_above_the_branch():
    assert bp.feed_unit(["C1", "G1", "B1"], ["committee", "general_branch", "branch"]) == "C1"
    assert bp.feed_unit(["X", "C2", "B2"], ["group", "committee", "branch"]) == "C2"
    assert bp.feed_unit(["X", "B3"], ["group", "branch"]) == "X"


def _caller(roles, path=("C1", "G1", "B1")):
    kinds = {"C1": "committee", "G1": "general_branch", "B1": "branch", "B2": "branch"}
    return Caller("1", tuple(path), tuple(kinds[u] for u in path), tuple(roles))


def test_review_prefixes():
    assert bp._review_prefixes(_caller(())) == []
    assert bp._review_prefixes(_caller(("branch_committee",))) == [("C1", "C1/G1/B1/")]
    assert bp._review_prefixes(_caller(("branch_secretary", "branch_committee"))) == [
        ("C1", "C1/G1/B1/")
    ]
    assert bp._review_prefixes(_caller(("branch_secretary", "general_branch_committee"))) == [
        ("C1", "C1/G1/")
    ]
    assert bp._review_prefixes(_caller(("admin",))) == [("C1", "C1/")]

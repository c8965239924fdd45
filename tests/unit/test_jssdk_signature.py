"""The JS-SDK signature and the own-origin check (no network)."""

from __future__ import annotations

import pytest

from chalicelib.jssdk import is_own_page, signature

TICKET = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"


def test_documented_test_vector() -> None:
    assert (
        signature(TICKET, "Wm3WZYTPz0wzccnW", 1414587457, "http://mp.weixin.qq.com?params=value")
        == "0f9de62fce790f9a083d5c99e95740ceb90c27ed"
    )


def test_fragment_is_not_signed() -> None:
    base = "http://mp.weixin.qq.com?params=value"
    assert signature(TICKET, "Wm3WZYTPz0wzccnW", "1414587457", base + "#section-2") == signature(
        TICKET, "Wm3WZYTPz0wzccnW", 1414587457, base
    )


def test_every_field_counts() -> None:
    base = signature(TICKET, "n", 1, "https://a.example/x")
    assert signature(TICKET + "x", "n", 1, "https://a.example/x") != base
    assert signature(TICKET, "m", 1, "https://a.example/x") != base
    assert signature(TICKET, "n", 2, "https://a.example/x") != base
    assert signature(TICKET, "n", 1, "https://a.example/y") != base


ORIGINS = ("https://dj.example.org", "http://127.0.0.1:8080")


@pytest.mark.parametrize(
    "url",
    [
        "https://dj.example.org/articles/a.html",
        "https://DJ.example.org/?x=1#top",
        "http://127.0.0.1:8080/me.html",
    ],
)
def test_own_pages(url: str) -> None:
    assert is_own_page(url, ORIGINS)


@pytest.mark.parametrize(
    "url",
    [
        "",
        "/articles/a.html",
        "https://evil.example/articles/a.html",
        "https://dj.example.org.evil.example/",
        "https://dj.example.org@evil.example/",
        "https://user@dj.example.org/",
        "http://dj.example.org/",  # other scheme, other origin
        "javascript:alert(1)",
        "https://[::1/",
    ],
)
def test_foreign_pages(url: str) -> None:
    assert not is_own_page(url, ORIGINS)

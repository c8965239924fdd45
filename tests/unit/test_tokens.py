"""Access tokens: HS256 pinned, required claims, audience, issuer, type, key rotation by kid."""

from __future__ import annotations

import json
import time
import warnings

import jwt
import pytest

from chalicelib import settings, tokens
from chalicelib.errors import UnauthorizedError

KEY = "t" * 48  # the tests' key (tests/conftest.py), kid "test-1"


def _forge(claims: dict, key: str = KEY, kid: str = "test-1", alg: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid})


def _claims(**over) -> dict:
    now = int(time.time())
    base = {
        "sub": "10000001",
        "iat": now,
        "exp": now + 60,
        "aud": "dangjian-h5",
        "iss": "dangjian-api",
        "typ": "access",
        "sep": 0,
        "sid": "s1",
        "auth_time": now,
    }
    base.update(over)
    return {k: v for k, v in base.items() if v is not None}


def test_round_trip_carries_member_epoch_and_login():
    token = tokens.issue_access_token("10000001", 3, "login-1", 1_700_000_000)
    assert jwt.get_unverified_header(token)["kid"] == "test-1"
    claims = tokens.verify_access_token(token)
    assert (claims.member_no, claims.epoch, claims.session_id, claims.auth_time) == (
        "10000001",
        3,
        "login-1",
        1_700_000_000,
    )


with warnings.catch_warnings():  # pyjwt warns that 48 bytes is short for HS512: that is the point
    warnings.simplefilter("ignore")
    HS512_WITH_OUR_KEY = _forge(_claims(), alg="HS512")


@pytest.mark.parametrize(
    "token",
    [
        _forge(_claims(exp=int(time.time()) - 1)),
        _forge(_claims(aud="someone-else")),
        _forge(_claims(iss="someone-else")),
        _forge(_claims(typ="refresh")),
        _forge(_claims(sep=None)),
        _forge(_claims(sid=None)),
        _forge(_claims(sid=7)),
        _forge(_claims(auth_time=None)),
        _forge(_claims(exp=None)),
        _forge(_claims(iat=None)),
        _forge(_claims(sub=None)),
        _forge(_claims(aud=None)),
        _forge(_claims(), key="w" * 48),
        _forge(_claims(), kid="unknown"),
        HS512_WITH_OUR_KEY,
        jwt.encode(_claims(), None, algorithm="none"),
        "not.a.token",
    ],
)
def test_bad_tokens_are_refused(token):
    with pytest.raises(UnauthorizedError):
        tokens.verify_access_token(token)


def test_rotation_old_kid_still_verifies_new_kid_signs(monkeypatch):
    old = tokens.issue_access_token("10000001", 0, "s", 0)
    monkeypatch.setenv("JWT_KEYS", json.dumps({"test-2": "n" * 40, "test-1": KEY}))
    settings.reset_for_tests()
    try:
        new = tokens.issue_access_token("10000001", 0, "s", 0)
        assert jwt.get_unverified_header(new)["kid"] == "test-2"
        assert tokens.verify_access_token(old).member_no == "10000001"
        assert tokens.verify_access_token(new).member_no == "10000001"
    finally:
        monkeypatch.undo()
        settings.reset_for_tests()


@pytest.mark.parametrize("value", ["", "not json", "[]", "{}", json.dumps({"k": "short"})])
def test_misconfigured_keys_fail_loudly(monkeypatch, value):
    monkeypatch.setenv("JWT_KEYS", value)
    settings.reset_for_tests()
    try:
        with pytest.raises(settings.SettingsError):
            settings.jwt_keys()
    finally:
        monkeypatch.undo()
        settings.reset_for_tests()


def test_refresh_tokens_are_stored_only_hashed():
    token, digest = tokens.new_refresh_token()
    assert len(token) >= 43 and token not in digest
    assert tokens.hash_refresh_token(token) == digest


def test_a_refresh_token_has_one_successor_found_again_under_any_key(monkeypatch):
    token, _ = tokens.new_refresh_token()
    successor = tokens.successor_token(token)
    assert successor == tokens.successor_token(token) != token
    stored = tokens.hash_refresh_token(successor)
    assert tokens.known_successor(token, stored) == successor
    assert tokens.known_successor("another-token", stored) is None
    monkeypatch.setenv("JWT_KEYS", json.dumps({"test-2": "n" * 40, "test-1": KEY}))
    settings.reset_for_tests()
    try:  # a key rotated within the grace period: the successor is still recognised
        assert tokens.known_successor(token, stored) == successor
    finally:
        monkeypatch.undo()
        settings.reset_for_tests()


def test_a_device_mark_belongs_to_one_member_and_epoch_and_cannot_be_forged():
    mark = tokens.device_token("10000001", "dev-abc", 0)
    assert tokens.device_for("10000001", 0, mark) == "dev-abc"
    assert tokens.device_for("10000002", 0, mark) is None
    assert tokens.device_for("10000001", 1, mark) is None  # the password changed since
    owner, _device, epoch, mac = mark.split(".")
    assert tokens.device_for("10000001", 0, f"{owner}.other.{epoch}.{mac}") is None
    assert tokens.device_for("10000001", 0, None) is None
    assert tokens.device_for("10000001", 0, "garbage") is None


def test_a_shared_phone_keeps_the_marks_of_several_members():
    cookie = None
    for n in range(1, 4):
        member = f"1000000{n}"
        cookie = tokens.add_device_mark(cookie, member, tokens.device_token(member, f"d{n}", 0))
    assert [tokens.device_for(f"1000000{n}", 0, cookie) for n in range(1, 4)] == ["d1", "d2", "d3"]
    again = tokens.add_device_mark(cookie, "10000001", tokens.device_token("10000001", "d9", 0))
    assert tokens.device_for("10000001", 0, again) == "d9" and again.count("~") == 2

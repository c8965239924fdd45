from __future__ import annotations

import pytest

from chalicelib import passwords
from chalicelib.errors import UnprocessableError


def test_hash_verifies_only_the_same_password():
    stored = passwords.hash_password("hongqi2026")
    assert stored.startswith("scrypt$14$")
    assert passwords.verify_password("hongqi2026", stored)
    assert not passwords.verify_password("hongqi2027", stored)
    assert stored != passwords.hash_password("hongqi2026")  # salted


def test_no_stored_hash_never_verifies():
    assert not passwords.verify_password("anything1", None)


@pytest.mark.parametrize("weak", ["", "abc1234", "12345678", "2026112212345", "x" * 129])
def test_password_rule_refuses(weak):
    with pytest.raises(UnprocessableError):
        passwords.check_rule(weak)


@pytest.mark.parametrize("ok", ["abcd1234", "党建学习2026", "password"])
def test_password_rule_accepts(ok):
    passwords.check_rule(ok)

"""The rotating check-in code (chalicelib/checkin_codes.py): RFC 6238's HMAC-SHA256 codes, the
current step and the previous one accepted, nothing older or newer, another secret refused, and
the comparison done in constant time over every accepted step."""

from __future__ import annotations

import hmac

import pytest

from chalicelib import checkin_codes as codes

RFC_SECRET = "12345678901234567890123456789012"  # RFC 6238 appendix B's SHA-256 seed
STEP = 30


@pytest.mark.parametrize(
    ("at", "eight_digits"),
    [
        (59, "46119246"),
        (1111111109, "68084774"),
        (1234567890, "91819424"),
        (2000000000, "90698825"),
    ],
)
def test_codes_are_rfc_6238_sha256_truncated_to_six_digits(at, eight_digits):
    """RFC 6238's own test vectors (8 digits), of which ours are the last six."""
    assert codes.code_at(RFC_SECRET, codes.step_counter(at, STEP)) == eight_digits[-6:]


def test_a_code_is_six_digits_with_its_leading_zeros():
    found = [codes.code_at("s", c) for c in range(2000)]
    assert all(len(c) == 6 and c.isdigit() for c in found)
    assert any(c.startswith("0") for c in found)


def test_step_boundaries():
    secret = codes.new_secret()
    t = 1_790_000_010  # a step starts at 1_790_000_010 (a multiple of 30)
    assert t % STEP == 0
    now = codes.current(secret, t, STEP)
    assert (now.refresh_at, now.valid_until) == (t + STEP, t + 2 * STEP)
    assert codes.current(secret, t + STEP - 0.001, STEP).code == now.code  # the same step
    assert codes.current(secret, t - 0.001, STEP).code != now.code  # the step before
    assert codes.current(secret, t + STEP, STEP).code != now.code  # the next step
    # Accepted through its own step and the next, refused from the step after.
    assert codes.verify(secret, now.code, t, STEP)
    assert codes.verify(secret, now.code, t + STEP - 0.001, STEP)
    assert codes.verify(secret, now.code, t + STEP, STEP)  # the previous step's code
    assert codes.verify(secret, now.code, t + 2 * STEP - 0.001, STEP)
    assert not codes.verify(secret, now.code, t + 2 * STEP, STEP)  # two steps old
    assert not codes.verify(secret, now.code, t + 10 * STEP, STEP)  # a screenshot minutes on
    # Nor is a code accepted before its step (a code is never guessed ahead from an old one).
    assert not codes.verify(secret, now.code, t - 0.001, STEP)


def test_another_secret_or_a_wrong_code_is_refused():
    mine, other = codes.new_secret(), codes.new_secret()
    assert mine != other and len(mine) >= 43
    t = 1_790_000_000
    theirs = codes.current(other, t, STEP).code
    assert codes.current(mine, t, STEP).code != theirs  # 1 in a million to collide; seeds fixed
    assert not codes.verify(mine, theirs, t, STEP)
    assert not codes.verify(mine, "", t, STEP)
    assert not codes.verify(mine, codes.current(mine, t, STEP).code + "0", t, STEP)
    assert not codes.verify(mine, None, t, STEP)  # type: ignore[arg-type]


def test_the_steps_length_is_the_callers():
    secret = codes.new_secret()
    t = 1_790_000_040
    code = codes.current(secret, t, 60).code
    assert codes.verify(secret, code, t + 60, 60)
    assert not codes.verify(secret, code, t + 120 + 60, 60)
    with pytest.raises(ValueError):
        codes.step_counter(t, 0)


def test_the_comparison_is_constant_time_and_covers_both_steps(monkeypatch):
    """hmac.compare_digest for each accepted step, and no early exit on the first match: the
    time to answer says nothing about which step (or how much of a guess) matched."""
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(codes.hmac, "compare_digest", spy)
    secret = codes.new_secret()
    t = 1_790_000_010
    code = codes.current(secret, t, STEP).code
    assert codes.verify(secret, code, t, STEP)
    assert len(calls) == codes.ACCEPTED_STEPS
    calls.clear()
    assert not codes.verify(secret, "000000" if code != "000000" else "111111", t, STEP)
    assert len(calls) == codes.ACCEPTED_STEPS

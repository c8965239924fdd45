"""Rotating check-in codes: a secret and a time step give a 6-digit code, as TOTP does (RFC 6238,
HMAC-SHA256 over the step counter, RFC 4226's dynamic truncation).

Generic: a meeting's check-in uses it now, volunteering check-in later. Whoever holds the secret
(the server only; the organiser's page gets codes, never the secret) can show the current code;
a code is accepted during its own step and the next one only, so a code shown at 14:00:10 with
30-second steps is refused from 14:01:00 on — a screenshot passed round minutes later is worth
nothing, while a member who reads the code just before it turns over still gets in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

DIGITS = 6
# The steps a code is accepted in: its own and the one after it (a code read at the end of its
# step is typed during the next). Never more: each step added widens what a screenshot buys.
ACCEPTED_STEPS = 2


def new_secret() -> str:
    """A fresh secret (256 bits, URL-safe text) for one meeting or event."""
    return secrets.token_urlsafe(32)


def step_counter(now: float, step_seconds: int) -> int:
    """The number of whole steps since the epoch (RFC 6238's T)."""
    if step_seconds <= 0:
        raise ValueError("step_seconds must be positive")
    return int(now // step_seconds)


def code_at(secret: str, counter: int) -> str:
    """The code of one step: HMAC-SHA256(secret, counter as 8 bytes big-endian), truncated."""
    digest = hmac.new(secret.encode(), counter.to_bytes(8, "big"), hashlib.sha256).digest()
    offset = digest[-1] & 0x0F
    number = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return str(number % 10**DIGITS).zfill(DIGITS)


@dataclass(frozen=True)
class Current:
    """The code to show now, when the next one replaces it, and until when it is accepted."""

    code: str
    counter: int
    refresh_at: int  # epoch seconds: the next step starts (show the next code from then on)
    valid_until: int  # epoch seconds: the code is refused from then on


def current(secret: str, now: float, step_seconds: int) -> Current:
    counter = step_counter(now, step_seconds)
    return Current(
        code=code_at(secret, counter),
        counter=counter,
        refresh_at=(counter + 1) * step_seconds,
        valid_until=(counter + ACCEPTED_STEPS) * step_seconds,
    )


def verify(secret: str, code: str, now: float, step_seconds: int) -> bool:
    """Whether `code` is the code of the current step or of the one before. Every accepted step
    is compared (no early exit) in constant time, so the answer's timing says nothing about
    how close a guess was."""
    if not isinstance(code, str):
        return False
    counter = step_counter(now, step_seconds)
    given = code.encode()
    matched = False
    for back in range(ACCEPTED_STEPS):
        matched |= hmac.compare_digest(code_at(secret, counter - back).encode(), given)
    return matched

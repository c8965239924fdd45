"""Password hashing with scrypt (memory-hard, in the standard library) and the password rule."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from .errors import UnprocessableError
from .settings import get_settings

_R, _P = 8, 1
MIN_LENGTH = 8
MAX_LENGTH = 128


def check_rule(password: str) -> None:
    """Length ≥ 8 and not only digits (a phone number or birthday is too easy to guess)."""
    if len(password) < MIN_LENGTH or password.isdigit():
        raise UnprocessableError("密码至少 8 位，且不能全是数字")
    if len(password) > MAX_LENGTH:
        raise UnprocessableError(f"密码不能超过 {MAX_LENGTH} 位")


def _derive(password: str, salt: bytes, log2_n: int) -> bytes:
    n = 1 << log2_n
    return hashlib.scrypt(
        password.encode(), salt=salt, n=n, r=_R, p=_P, maxmem=256 * n * _R, dklen=32
    )


def hash_password(password: str) -> str:
    log2_n = get_settings().scrypt_log2_n
    salt = secrets.token_bytes(16)
    digest = _derive(password, salt, log2_n)
    b64 = base64.urlsafe_b64encode
    return f"scrypt${log2_n}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, encoded: str | None) -> bool:
    """Constant-time check; with no stored hash it still spends the same work (no timing oracle)."""
    if not encoded:
        _derive(password, b"\0" * 16, get_settings().scrypt_log2_n)
        return False
    _, log2_n, salt, digest = encoded.split("$")
    b64d = base64.urlsafe_b64decode
    return hmac.compare_digest(_derive(password, b64d(salt), int(log2_n)), b64d(digest))

"""Access tokens (JWT, HS256 pinned) and opaque refresh tokens."""

from __future__ import annotations

import hashlib
import secrets

import jwt

from . import clock
from .errors import UnauthorizedError
from .settings import get_settings, jwt_keys

ALGORITHM = "HS256"
ACCESS_TYPE = "access"
_REQUIRED = ["exp", "iat", "sub", "aud", "iss"]


def issue_access_token(member_no: str, epoch: int, now: int | None = None) -> str:
    """`sep` carries the member's session epoch: a password change invalidates the token at once."""
    settings = get_settings()
    kid, key = next(iter(jwt_keys().items()))
    iat = int(clock.now()) if now is None else now
    claims = {
        "sub": member_no,
        "iat": iat,
        "exp": iat + settings.access_token_seconds,
        "aud": settings.jwt_audience,
        "iss": settings.jwt_issuer,
        "typ": ACCESS_TYPE,
        "sep": epoch,
    }
    return jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": kid})


def verify_access_token(token: str) -> tuple[str, int]:
    """Return the member number and session epoch the token was issued for, or raise 401."""
    settings = get_settings()
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        key = jwt_keys().get(kid) if isinstance(kid, str) else None
        if key is None:
            raise jwt.InvalidTokenError("unknown kid")
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": _REQUIRED},
        )
    except jwt.ExpiredSignatureError:
        raise UnauthorizedError("登录已过期,请重新登录") from None
    except jwt.InvalidTokenError:
        raise UnauthorizedError("登录凭证无效,请重新登录") from None
    sub, sep = claims["sub"], claims.get("sep")
    if claims.get("typ") != ACCESS_TYPE or not isinstance(sub, str) or not isinstance(sep, int):
        raise UnauthorizedError("登录凭证无效,请重新登录")
    return sub, sep


def new_refresh_token() -> tuple[str, str]:
    """A fresh opaque token and the hash under which it is stored (the token itself never is)."""
    token = secrets.token_urlsafe(32)
    return token, hash_refresh_token(token)


def hash_refresh_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()

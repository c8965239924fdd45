"""Access tokens (JWT, HS256 pinned), opaque refresh tokens and their successors, device marks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

import jwt

from . import clock
from .errors import UnauthorizedError
from .settings import get_settings, jwt_keys

ALGORITHM = "HS256"
ACCESS_TYPE = "access"
_REQUIRED = ["exp", "iat", "sub", "aud", "iss"]


@dataclass(frozen=True)
class AccessClaims:
    member_no: str
    epoch: int  # the member's session epoch: a password change ends every token at once
    session_id: str  # the login (session family): logging out ends its tokens at once
    auth_time: int  # when that login began (server time)


def issue_access_token(
    member_no: str, epoch: int, session_id: str, auth_time: int, now: int | None = None
) -> str:
    """`sep`: the session epoch; `sid`: the login; `auth_time`: when the member signed in."""
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
        "sid": session_id,
        "auth_time": auth_time,
    }
    return jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": kid})


def verify_access_token(token: str) -> AccessClaims:
    """The claims the token was issued with, or raise 401."""
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
        raise UnauthorizedError("登录已过期，请重新登录") from None
    except jwt.InvalidTokenError:
        raise UnauthorizedError("登录凭证无效，请重新登录") from None
    sub, sep, sid, auth_time = (
        claims["sub"],
        claims.get("sep"),
        claims.get("sid"),
        claims.get("auth_time"),
    )
    if (
        claims.get("typ") != ACCESS_TYPE
        or not isinstance(sub, str)
        or not isinstance(sep, int)
        or not isinstance(sid, str)
        or not isinstance(auth_time, int)
    ):
        raise UnauthorizedError("登录凭证无效，请重新登录")
    return AccessClaims(sub, sep, sid, auth_time)


def new_refresh_token() -> tuple[str, str]:
    """A fresh opaque token and the hash under which it is stored (the token itself never is)."""
    token = secrets.token_urlsafe(32)
    return token, hash_refresh_token(token)


def hash_refresh_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _mac(key: bytes, purpose: str, value: str) -> str:
    digest = hmac.new(key, f"{purpose}\n{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def successor_token(refresh_token: str) -> str:
    """The one token that replaces `refresh_token` when it is used: derived from it with the
    signing key, so a retry of the same refresh gets the same successor (never a second live
    token of the login), and nothing but its hash is stored."""
    key = next(iter(jwt_keys().values()))
    return _mac(key, "refresh-successor", refresh_token)


def known_successor(refresh_token: str, successor_hash: str) -> str | None:
    """The successor issued for `refresh_token` (with whichever key was signing then), or None."""
    for key in jwt_keys().values():
        candidate = _mac(key, "refresh-successor", refresh_token)
        if hmac.compare_digest(hash_refresh_token(candidate), successor_hash):
            return candidate
    return None


DEVICE_MARKS = 5  # members one shared phone remembers
_MARK_SEPARATOR = "~"


def device_token(member_no: str, device_id: str, epoch: int) -> str:
    """A mark this browser keeps after signing in as `member_no`: its login attempts are counted
    apart from those of unknown devices, so guesses elsewhere cannot lock it out. It carries the
    session epoch: a password change makes every earlier mark worthless."""
    key = next(iter(jwt_keys().values()))
    owner = base64.urlsafe_b64encode(member_no.encode()).decode().rstrip("=")
    mac = _mac(key, "device", f"{member_no}.{device_id}.{epoch}")
    return f"{owner}.{device_id}.{epoch}.{mac}"


def device_for(member_no: str, epoch: int, cookie: str | None) -> str | None:
    """The device id of a valid mark for this member and epoch among the cookie's marks."""
    for mark in (cookie or "").split(_MARK_SEPARATOR)[:DEVICE_MARKS]:
        parts = mark.split(".")
        if len(parts) != 4 or not parts[1] or len(parts[1]) > 64 or parts[2] != str(epoch):
            continue
        for key in jwt_keys().values():
            if hmac.compare_digest(
                _mac(key, "device", f"{member_no}.{parts[1]}.{epoch}"), parts[3]
            ):
                return parts[1]
    return None


def add_device_mark(cookie: str | None, member_no: str, mark: str) -> str:
    """The cookie's marks with `mark` first, this member's older marks and the oldest dropped."""
    owner = base64.urlsafe_b64encode(member_no.encode()).decode().rstrip("=")
    kept = [m for m in (cookie or "").split(_MARK_SEPARATOR) if m and not m.startswith(owner + ".")]
    return _MARK_SEPARATOR.join([mark, *kept][:DEVICE_MARKS])


def new_device_id() -> str:
    return secrets.token_urlsafe(12)

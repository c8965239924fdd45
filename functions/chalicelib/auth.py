"""Activation, login, refresh-token rotation, logout and password change, as plain functions.

Refresh tokens rotate on every use. Each login starts a family; presenting a token that was already
used means it was copied, so the whole family is revoked (the thief and the member both sign in
again). A password change bumps the member's session epoch, which ends every family and every
access token issued before it.
"""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from pynamodb.exceptions import TransactWriteError, UpdateError

from . import clock, passwords, throttle, tokens
from .errors import ConflictError, UnauthorizedError, UnprocessableError
from .models import Member, RefreshToken, SessionFamily
from .models.base import cancellation_codes, transaction
from .registry import get_member
from .settings import get_settings

LOGIN_FAILED = "党员编号或密码错误;首次使用请先激活账号"
ACTIVATION_FAILED = "信息不匹配,请核对党员编号、姓名和手机号后四位"
SESSION_ENDED = "登录已失效,请重新登录"
REUSED = "登录凭证已被使用过,为安全起见已退出该登录,请重新登录"
# A used refresh token still works this long: a phone that lost the reply to its refresh (or two
# pages refreshing together) is not signed out. Past it, reuse means a copy: the login is revoked.
REUSE_GRACE_SECONDS = 30


@dataclass(frozen=True)
class Session:
    access_token: str
    refresh_token: str
    expires_in: int
    refresh_max_age: int
    member: Member


def _start_session(member: Member, now: float) -> Session:
    settings = get_settings()
    lifetime = settings.refresh_token_days * 86400
    family = SessionFamily(
        secrets.token_urlsafe(16),
        member_no=member.member_no,
        epoch=member.session_epoch,
        created_at=int(now),
        expires_at=datetime.fromtimestamp(int(now) + lifetime, UTC),
    )
    family.save()
    return _issue(member, family, now)


def _issue(member: Member, family: SessionFamily, now: float) -> Session:
    token, token_hash = tokens.new_refresh_token()
    RefreshToken(
        token_hash,
        family_id=family.family_id,
        member_no=member.member_no,
        expires_at=family.expires_at,
    ).save()
    return _session(member, token, family, now)


def _session(member: Member, refresh_token: str, family: SessionFamily, now: float) -> Session:
    settings = get_settings()
    return Session(
        access_token=tokens.issue_access_token(member.member_no, member.session_epoch, int(now)),
        refresh_token=refresh_token,
        expires_in=settings.access_token_seconds,
        refresh_max_age=max(0, int(family.expires_at.timestamp() - now)),
        member=member,
    )


def activate(member_no: str, name: str, phone_last4: str, password: str) -> Session:
    """First use: prove identity with the registry's name and phone, then choose a password."""
    now = clock.now()
    member_no = member_no.strip()  # one spelling for the lock and the lookup
    key = f"activate#{member_no}"
    attempt = throttle.reserve(key, now)
    member = get_member(member_no)
    phone = (member.phone or "") if member else ""
    if (
        member is None
        or not member.active
        or member.name != name.strip()
        or not phone
        or phone[-4:] != phone_last4.strip()
    ):
        raise UnauthorizedError(ACTIVATION_FAILED)
    throttle.release(attempt)  # identity proven: what follows is not guessing
    if member.password_hash:
        raise ConflictError("该账号已激活,请直接登录")
    passwords.check_rule(password)
    try:
        member.update(
            actions=[Member.password_hash.set(passwords.hash_password(password))],
            condition=Member.password_hash.does_not_exist(),
        )
    except UpdateError:
        raise ConflictError("该账号已激活,请直接登录") from None
    return _start_session(member, now)


def login(member_no: str, password: str) -> Session:
    now = clock.now()
    member_no = member_no.strip()  # " 10000001" must not get a lock of its own
    key = f"login#{member_no}"
    attempt = throttle.reserve(key, now)
    member = get_member(member_no)
    stored = member.password_hash if member and member.active else None
    if not passwords.verify_password(password, stored):
        raise UnauthorizedError(LOGIN_FAILED)
    throttle.release(attempt)
    return _start_session(member, now)


def _revoke(family_id: str) -> None:
    # A family that is already gone (expired) has nothing left to revoke.
    with contextlib.suppress(UpdateError):
        SessionFamily(family_id).update(
            actions=[SessionFamily.revoked.set(True)],
            condition=SessionFamily.family_id.exists(),
        )


def _token_record(refresh_token: str | None, now: float) -> RefreshToken | None:
    if not refresh_token:
        return None
    try:
        record = RefreshToken.get(tokens.hash_refresh_token(refresh_token), consistent_read=True)
    except RefreshToken.DoesNotExist:
        return None
    # TTL deletion is best-effort, so expiry is checked here too.
    return record if record.expires_at.timestamp() > now else None


def refresh(refresh_token: str | None) -> Session:
    """Trade a refresh token for a new access token and a new refresh token (used once)."""
    now = clock.now()
    record = _token_record(refresh_token, now)
    if record is None:
        raise UnauthorizedError(SESSION_ENDED)
    try:
        family = SessionFamily.get(record.family_id, consistent_read=True)
    except SessionFamily.DoesNotExist:
        raise UnauthorizedError(SESSION_ENDED) from None
    member = get_member(record.member_no)
    if (
        family.revoked
        or member is None
        or not member.active
        or family.epoch != member.session_epoch
    ):
        raise UnauthorizedError(SESSION_ENDED)
    if record.used_at is not None:
        if now - record.used_at <= REUSE_GRACE_SECONDS:
            # The reply carrying its successor was most likely lost (weak network, two pages
            # refreshing at once): another token of the same login, not a sign-out.
            return _issue(member, family, now)
        _revoke(family.family_id)
        raise UnauthorizedError(REUSED)
    token, token_hash = tokens.new_refresh_token()
    try:
        with transaction() as tx:
            tx.update(
                record,
                actions=[RefreshToken.used_at.set(int(now))],
                condition=RefreshToken.used_at.does_not_exist(),
            )
            tx.condition_check(
                SessionFamily,
                family.family_id,
                condition=SessionFamily.revoked == False,  # noqa: E712
            )
            tx.save(
                RefreshToken(
                    token_hash,
                    family_id=family.family_id,
                    member_no=member.member_no,
                    expires_at=family.expires_at,
                )
            )
    except TransactWriteError as exc:
        # PynamoDB's order: the family check 0, the new token's put 1, the old token's update 2.
        codes = cancellation_codes(exc)
        if codes[0:1] == ["ConditionalCheckFailed"]:
            raise UnauthorizedError(SESSION_ENDED) from None  # revoked meanwhile
        if codes[2:3] == ["ConditionalCheckFailed"]:
            # A parallel request used this token a moment ago: within the grace period.
            return _issue(member, family, now)
        raise  # throttling or a conflict: a 500 the page retries, not a sign-out
    return _session(member, token, family, now)


def logout(refresh_token: str | None) -> None:
    record = _token_record(refresh_token, clock.now())
    if record is not None:
        _revoke(record.family_id)


def change_password(member: Member, old_password: str, new_password: str) -> Session:
    """Ends every session of the member (new epoch) and starts one for this device."""
    now = clock.now()
    key = f"login#{member.member_no}"
    attempt = throttle.reserve(key, now)
    if not passwords.verify_password(old_password, member.password_hash):
        raise UnauthorizedError("原密码不正确")
    throttle.release(attempt)
    passwords.check_rule(new_password)
    if old_password == new_password:
        raise UnprocessableError("新密码不能与原密码相同")
    member.update(
        actions=[
            Member.password_hash.set(passwords.hash_password(new_password)),
            Member.session_epoch.add(1),
        ]
    )
    return _start_session(member, now)

"""Activation, login, refresh-token rotation, logout and password change, as plain functions.

Refresh tokens rotate on every use. Each login starts a family; the token that replaces a used one
is derived from it (`tokens.successor_token`), so a retry of the same refresh — a reply lost on a
weak network, two pages refreshing at once — gets that same successor again, never a second live
token. Presenting a used token after the grace period means it was copied: the whole family is
revoked (the thief and the member both sign in again). Ending a family also ends its access
tokens at once (`end_session`). A password change bumps the member's session epoch, which ends
every family and every access token issued before it.

Guessing is bounded three ways (module `throttle`): per account (5 in 15 minutes, counted apart
for a browser that signed in to the account before, so a colleague's wrong guesses cannot lock a
member out of her own phone), per client and organisation-wide for activation, whose secret (the
last four phone digits) has only 10^4 values.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from pynamodb.exceptions import UpdateError

from . import clock, metric_names, observe, passwords, throttle, tokens
from .errors import (
    BadRequestError,
    ConflictError,
    TooManyRequestsError,
    UnauthorizedError,
    UnprocessableError,
)
from .identifiers import is_member_no
from .models import Member, RefreshToken, SessionFamily
from .models.base import Transaction, TransactionCancelled
from .registry import get_member
from .settings import get_settings

LOGIN_FAILED = "党员编号或密码错误；首次使用请先激活账号"
# The same answer whether the details are wrong or the account is already activated: activation
# must not tell a guesser which accounts exist, which are activated, or that a guess was right.
ACTIVATION_FAILED = (
    "信息不匹配或该账号已激活。请核对党员编号、姓名和手机号后四位；已激活的账号请直接登录"
)
SESSION_ENDED = "登录已失效，请重新登录"
REUSED = "登录凭证已被使用过，为安全起见已退出该登录，请重新登录"
REFRESHED_ELSEWHERE = "登录状态刚在另一个页面更新，请重试"
# A used refresh token still works this long: a phone that lost the reply to its refresh (or two
# pages refreshing together) is not signed out. Past it, reuse means a copy: the login is revoked.
REUSE_GRACE_SECONDS = 30


@dataclass(frozen=True)
class Session:
    access_token: str
    refresh_token: str | None  # None: keep the cookie the browser has
    expires_in: int
    refresh_max_age: int
    member: Member
    device: str | None = None  # the device-mark cookie to set (tokens.add_device_mark)


@dataclass(frozen=True)
class Client:
    """What the request says about who is asking, besides the body."""

    address: str = ""  # the client's IP address ("" when unknown)
    device: str | None = None  # the device mark cookie, if any


def clean_member_no(value: str) -> str:
    """One spelling for the lock and the lookup; a malformed number is a 400 that touches
    no table and no lock (an empty one must not become everyone's `login#` key)."""
    member_no = value.strip()
    if not is_member_no(member_no):
        raise BadRequestError("党员编号（member_no）格式不正确：1–32 位字母、数字、- 或 _")
    return member_no


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
    token, token_hash = tokens.new_refresh_token()
    RefreshToken(
        token_hash,
        family_id=family.family_id,
        member_no=member.member_no,
        expires_at=family.expires_at,
    ).save()
    return _session(member, token, family, now)


def _session(
    member: Member, refresh_token: str | None, family: SessionFamily, now: float
) -> Session:
    settings = get_settings()
    return Session(
        access_token=tokens.issue_access_token(
            member.member_no,
            member.session_epoch,
            family.family_id,
            int(family.created_at),
            int(now),
        ),
        refresh_token=refresh_token,
        expires_in=settings.access_token_seconds,
        refresh_max_age=max(0, int(family.expires_at.timestamp() - now)),
        member=member,
    )


def _with_device(session: Session, member: Member, client: Client) -> Session:
    """Mark this browser as one that signed in to the account (unless it is already marked);
    a shared phone keeps the marks of several members."""
    if tokens.device_for(member.member_no, member.session_epoch, client.device):
        return session
    mark = tokens.device_token(member.member_no, tokens.new_device_id(), member.session_epoch)
    cookie = tokens.add_device_mark(client.device, member.member_no, mark)
    return Session(**{**session.__dict__, "device": cookie})


@contextlib.contextmanager
def _counting_refusals() -> Iterator[None]:
    """A sign-in refused by its guess budgets (a 429) is counted: the metric ThrottledLogins."""
    try:
        yield
    except TooManyRequestsError:
        observe.count(metric_names.THROTTLED_LOGINS)
        raise


def check_activation(
    member_no: str, name: str, phone_last4: str, client: Client, *, bound_ok: bool = False
) -> Member:
    """The activation check (registry name and phone's last four digits, not yet activated),
    under the activation budgets; the member it proves, or 401 (the same for every failure).
    `bound_ok`: an account bound to WeCom / 公众号 passes too (binding a second one is then
    refused as such, by the binding's own condition)."""
    now = clock.now()
    member_no = clean_member_no(member_no)
    settings = get_settings()
    window = settings.activation_window_seconds
    # The account's own 5, then the client's and the organisation's budgets of failures.
    with _counting_refusals():
        attempts = throttle.reserve_all(
            now,
            throttle.Budget(f"activate#{member_no}"),
            throttle.Budget(
                f"activate-client#{client.address}", settings.activation_client_failures, window
            ),
            throttle.Budget("activate-org", settings.activation_org_failures, window),
        )
    member = get_member(member_no)
    phone = (member.phone or "") if member else ""
    if (
        member is None
        or not member.active
        or member.password_hash
        or (member.bound_to and not bound_ok)  # signs in through WeCom: activated that way
        or member.name != name.strip()
        or len(phone) < 4
        or phone[-4:] != phone_last4.strip()
    ):
        raise UnauthorizedError(ACTIVATION_FAILED)
    for attempt in attempts:
        throttle.release(attempt)  # identity proven: this was not guessing
    return member


def activate(
    member_no: str, name: str, phone_last4: str, password: str, client: Client = Client()
) -> Session:
    """First use: prove identity with the registry's name and phone, then choose a password."""
    clean_member_no(member_no)  # a malformed number is a 400 first, as before
    passwords.check_rule(password)  # says nothing about the account, costs no guess
    member = check_activation(member_no, name, phone_last4, client)
    try:
        member.update(
            actions=[Member.password_hash.set(passwords.hash_password(password))],
            condition=Member.password_hash.does_not_exist() & Member.bound_to.does_not_exist(),
        )
    except UpdateError:  # activated or bound by a parallel request a moment ago
        raise UnauthorizedError(ACTIVATION_FAILED) from None
    return sign_in(member, client)


def check_password(member_no: str, password: str, client: Client) -> Member:
    """The member whose password this is, or 401. A browser that signed in to this account
    before has its own bucket of attempts."""
    now = clock.now()
    member_no = clean_member_no(member_no)
    member = get_member(member_no)
    epoch = int(member.session_epoch) if member else 0
    device = tokens.device_for(member_no, epoch, client.device)
    key = f"login#{member_no}" + (f"#device#{device}" if device else "")
    with _counting_refusals():
        attempt = throttle.reserve(key, now)
    stored = member.password_hash if member and member.active else None
    if not passwords.verify_password(password, stored):
        raise UnauthorizedError(LOGIN_FAILED)
    throttle.release(attempt)
    return member


def login(member_no: str, password: str, client: Client = Client()) -> Session:
    return sign_in(check_password(member_no, password, client), client)


def sign_in(member: Member, client: Client = Client()) -> Session:
    """A new login of a member whose identity is proven (password, activation, WeCom); counted
    as the metric Logins."""
    session = _with_device(_start_session(member, clock.now()), member, client)
    observe.count(metric_names.LOGINS)
    return session


def end_session(member_no: str, family_id: str) -> None:
    """End a login now: its refresh tokens (the family) and its access tokens (the member's
    ended-sessions list, which the token check reads with the member; entries older than an
    access token's lifetime are pruned, so the list stays short)."""
    with contextlib.suppress(UpdateError):  # a family already gone (expired): nothing to end
        SessionFamily(family_id).update(
            actions=[SessionFamily.revoked.set(True)],
            condition=SessionFamily.family_id.exists(),
        )
    now = int(clock.now())
    try:
        member = Member(member_no)
        member.update(
            actions=[Member.ended_sessions.add({f"{family_id}@{now}"})],
            condition=Member.member_no.exists(),
        )
    except UpdateError:
        return  # no such member (removed from the registry): no token of hers verifies
    horizon = now - get_settings().access_token_seconds - 60
    stale = {e for e in member.ended_sessions or () if _ended_at(e) < horizon}
    if stale:
        with contextlib.suppress(UpdateError):
            member.update(actions=[Member.ended_sessions.delete(stale)])


def _ended_at(entry: str) -> int:
    _, _, at = entry.rpartition("@")
    return int(at) if at.isdigit() else 0


def session_ended(member: Member, session_id: str) -> bool:
    """Was this login ended (logout, a copied refresh token) while its access tokens live?"""
    return any(e.rpartition("@")[0] == session_id for e in member.ended_sessions or ())


def _token_record(refresh_token: str | None, now: float) -> RefreshToken | None:
    if not refresh_token or len(refresh_token) > 200:
        return None
    try:
        record = RefreshToken.get(tokens.hash_refresh_token(refresh_token), consistent_read=True)
    except RefreshToken.DoesNotExist:
        return None
    # TTL deletion is best-effort, so expiry is checked here too.
    return record if record.expires_at.timestamp() > now else None


def _replayed(
    refresh_token: str, record: RefreshToken, member: Member, family: SessionFamily, now: float
) -> Session:
    """A used token again. Within the grace period: the successor already issued for it (with a
    fresh access token), if that successor is still unused; otherwise nothing. After it: a copy,
    and the whole login ends."""
    if now - (record.used_at or 0) > REUSE_GRACE_SECONDS:
        end_session(member.member_no, family.family_id)
        raise UnauthorizedError(REUSED)
    successor = (
        tokens.known_successor(refresh_token, record.successor_hash)
        if record.successor_hash
        else None
    )
    following = _token_record(successor, now) if successor else None
    if following is None or following.used_at is not None:
        # Its successor was used already (by the page that got it): this browser holds a newer
        # cookie; answer without a token and without clearing that cookie.
        raise ConflictError(REFRESHED_ELSEWHERE)
    return _session(member, successor, family, now)


def refresh(refresh_token: str | None) -> Session:
    """Trade a refresh token for a new access token and its successor (used once)."""
    now = clock.now()
    record = _token_record(refresh_token, now)
    if record is None or refresh_token is None:
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
        return _replayed(refresh_token, record, member, family, now)
    successor = tokens.successor_token(refresh_token)
    successor_hash = tokens.hash_refresh_token(successor)
    try:
        with Transaction() as tx:
            tx.update(
                "used",
                record,
                actions=[
                    RefreshToken.used_at.set(int(now)),
                    RefreshToken.successor_hash.set(successor_hash),
                ],
                condition=RefreshToken.used_at.does_not_exist(),
            )
            tx.check(
                "family",
                SessionFamily,
                family.family_id,
                condition=SessionFamily.revoked == False,  # noqa: E712
            )
            tx.save(
                "successor",
                RefreshToken(
                    successor_hash,
                    family_id=family.family_id,
                    member_no=member.member_no,
                    expires_at=family.expires_at,
                ),
                condition=RefreshToken.token_hash.does_not_exist(),
            )
    except TransactionCancelled as exc:
        if exc.failed("family"):
            raise UnauthorizedError(SESSION_ENDED) from None  # revoked meanwhile
        if exc.failed("used") or exc.failed("successor"):
            # A parallel request used this token a moment ago: its successor is the answer.
            record.refresh(consistent_read=True)
            return _replayed(refresh_token, record, member, family, now)
        raise  # throttling or a conflict: a 503 the page retries, not a sign-out
    return _session(member, successor, family, now)


def logout(refresh_token: str | None) -> None:
    record = _token_record(refresh_token, clock.now())
    if record is not None:
        end_session(record.member_no, record.family_id)


def change_password(member: Member, old_password: str, new_password: str) -> Session:
    """Ends every session of the member (new epoch) and starts one for this device.

    Wrong old passwords are counted on a lock of their own: someone holding a stolen access
    token must not be able to lock the member out of login with them."""
    now = clock.now()
    attempt = throttle.reserve(f"password#{member.member_no}", now)
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

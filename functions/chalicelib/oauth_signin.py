"""Sign-in through WeCom (企业微信) or the Official Account (公众号), as plain functions.

1. `start`: a one-time `state` (32 random bytes) is stored with the SHA-256 of a browser cookie
   (`dj_oauth`, HttpOnly, SameSite=Lax: sent on WeChat's redirect back, a top-level GET) and the
   page to return to; the browser goes to the authorize page.
2. `finish` (the callback): the state must exist, be unexpired, belong to this provider and this
   browser (login CSRF: a callback link made in another browser fails) and be unused — its
   `used_at` is set by one conditional write, so a replayed callback is refused even before
   WeChat refuses the used code. The code is exchanged for the userid / openid.
3. A bound userid / openid (or, with `WECOM_USERID_FIELD=member_no`, a userid that is a member
   number) signs its member in like a password login. An unbound one gets a bind ticket
   (cookie `dj_bind`, 15 minutes) and the page asks once for the member's identity (`bind`).

Binding sets no password: a member inside WeCom never needs one. The proof asked is the
activation check (member number, name, phone's last four digits) for a member who has not
activated; a member who already chose a password confirms with it instead (the activation check
refuses activated accounts, as it always has: a colleague who knows her name and phone must not
be able to take over an account that has a password). The binding is one-to-one: two items (the
userid's, the member's) written in one transaction, each only if it does not exist yet. The same
transaction marks the member (`bound_to`): a bound account counts as activated, so nobody can
activate it afterwards with her name and phone and give it a password of their own.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

from pynamodb.exceptions import DoesNotExist, UpdateError

from . import auth, clock, identifiers
from .errors import (
    BadRequestError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    UnauthorizedError,
)
from .models import Member, SignInBinding, SignInState
from .models.base import Transaction, TransactionCancelled, condition_failed
from .models.signin import member_binding_key
from .oauth_providers import Identity, Provider, configured, provider
from .registry import get_member
from .settings import get_settings

STATE_SECONDS = 600  # WeChat's codes live 5 minutes; the whole round trip gets 10
BIND_SECONDS = 900  # time to type the identity check
DEFAULT_NEXT = "/me.html"
CALLBACK = "/api/auth/{name}/callback"

FORGED = "登录请求无效：请从本站登录页重新登录（链接不能在其他浏览器或设备上打开）"
EXPIRED = "登录已超时，请重新登录"
REPLAYED = "这个登录链接已经使用过了，请重新登录"
CODE_REFUSED = "{label}授权已失效或已使用，请重新登录"
NOT_IN_CORP = "仅本单位企业微信成员可以用企业微信登录，请使用党员编号和密码登录"
NO_MEMBER = "未找到与您的企业微信账号对应的党员信息，请联系管理员核对"
INACTIVE = "该账号已停用，请联系管理员"
BIND_EXPIRED = "身份核对已超时，请重新从{label}进入本站"
BIND_TAKEN = "该{label}账号已绑定其他党员，如有疑问请联系管理员"
MEMBER_TAKEN = "该党员账号已绑定另一个{label}账号，如需更换请联系管理员"
# A member who signs in through one provider has no other proof than her name and phone, which a
# colleague may know: she keeps the one she bound, or the administrator removes it first.
BOUND_ELSEWHERE = (
    "该党员账号已通过企业微信或公众号登录，不能再用姓名和手机号绑定；"
    "如需改用此方式登录，请联系党务管理员解除原绑定"
)
BIND_PROOF = "请填写姓名和手机号后四位，或已设置的密码"
BIND_IDENTITY_FAILED = (
    "信息不匹配或该账号已设置密码。请核对党员编号、姓名和手机号后四位；"
    "已设置密码的账号请选择「用密码确认」"
)
BIND_PASSWORD_FAILED = "党员编号或密码错误；未设置过密码的账号请选择「核对身份信息」"


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _expiry(now: float, seconds: int) -> dict:
    return {
        "valid_until": int(now) + seconds,
        "expires_at": datetime.fromtimestamp(int(now) + seconds + 86400, UTC),
    }


def enabled(name: str) -> Provider:
    """The provider, set up for this stage, or 404 with its Chinese message."""
    found = provider(name)
    if found is None:
        raise NotFoundError("不支持的登录方式")
    if not configured(name):
        raise NotFoundError(found.not_configured)
    return found


def safe_next(value: str | None) -> str:
    """A path on this site to return to (like the pages' own `nextPath`): not another origin
    ("//host", "/\\host", "https:"), not a control character, not the sign-in pages."""
    if not value or len(value) > 500 or not value.startswith("/"):
        return DEFAULT_NEXT
    if any(ord(c) < 0x20 or c == "\\" for c in value):
        return DEFAULT_NEXT
    base = "https://site.invalid"
    url = urlsplit(urljoin(base + "/", value))
    if f"{url.scheme}://{url.netloc}" != base:
        return DEFAULT_NEXT
    if url.path in {"/login.html", "/activate.html"}:
        return DEFAULT_NEXT
    return value


def site_origin(host: str | None) -> str:
    """Our callback's origin: the configured origin the request came to (`make dev` has two),
    else the first (in AWS, API Gateway sees its own host, never the site's)."""
    origins = get_settings().site_origins
    for origin in origins:
        if host and urlsplit(origin).netloc == host:
            return origin
    return origins[0]


def browser_cookie(existing: str | None) -> str:
    """The browser's state cookie: kept while it looks like ours (two tabs may start at once)."""
    if existing and identifiers.is_oauth_state(existing):
        return existing
    return secrets.token_urlsafe(32)


def start(name: str, next_path: str | None, cookie: str, host: str | None) -> str:
    """Store a new state for this browser; the authorize URL to send it to."""
    chosen = enabled(name)
    now = clock.now()
    state = secrets.token_urlsafe(32)
    SignInState(
        f"state#{state}",
        provider=chosen.name,
        browser=_hash(cookie),
        next_path=safe_next(next_path),
        **_expiry(now, STATE_SECONDS),
    ).save(condition=SignInState.key.does_not_exist())
    callback = site_origin(host) + CALLBACK.format(name=chosen.name)
    return chosen.authorize_url(callback, state)


@dataclass(frozen=True)
class Finished:
    next_path: str
    session: auth.Session | None = None  # signed in
    bind_ticket: str | None = None  # not bound yet: the identity check comes first


def _use_state(chosen: Provider, state: str | None, cookie: str | None, now: float) -> str:
    """Check and use up the state; its `next` path."""
    if not identifiers.is_oauth_state(state):
        raise ForbiddenError(FORGED)
    try:
        item = SignInState.get(f"state#{state}", consistent_read=True)
    except DoesNotExist:
        raise ForbiddenError(FORGED) from None
    if item.provider != chosen.name or not cookie:
        raise ForbiddenError(FORGED)
    if not hmac.compare_digest(item.browser or "", _hash(cookie)):
        raise ForbiddenError(FORGED)
    if item.used_at is not None:
        raise ConflictError(REPLAYED)
    if item.valid_until < now:
        raise BadRequestError(EXPIRED)
    try:
        item.update(
            actions=[SignInState.used_at.set(int(now))],
            condition=SignInState.used_at.does_not_exist(),
        )
    except UpdateError as exc:
        if condition_failed(exc):  # a parallel callback with the same state won
            raise ConflictError(REPLAYED) from None
        raise
    return item.next_path or DEFAULT_NEXT


def _binding_key(chosen: Provider, subject: str) -> str:
    return f"{chosen.name}#{chosen.app_id}#{subject}"


def _member_key(chosen: Provider, member_no: str) -> str:
    return member_binding_key(chosen.name, chosen.app_id, member_no)


def _account_mark(chosen: Provider) -> str:
    return f"{chosen.name}#{chosen.app_id}"


def bound_member(chosen: Provider, subject: str) -> Member | None:
    """The member this userid / openid signs in, or None when it is not bound yet (403 when
    the organisation uses member numbers as userids and this one is none)."""
    if chosen.name == "wecom" and get_settings().wecom_userid_field == "member_no":
        member = get_member(subject) if identifiers.is_member_no(subject) else None
        if member is None:
            raise ForbiddenError(NO_MEMBER)
        return member
    try:
        binding = SignInBinding.get(_binding_key(chosen, subject))
    except DoesNotExist:
        return None
    member = get_member(binding.member_no)
    if member is None:
        raise ForbiddenError(NO_MEMBER)
    return member


def finish(
    name: str, code: str | None, state: str | None, cookie: str | None, client: auth.Client
) -> Finished:
    """The callback: state, code, then the session or a bind ticket."""
    chosen = enabled(name)
    now = clock.now()
    next_path = _use_state(chosen, state, cookie, now)
    if not identifiers.is_oauth_code(code):
        raise BadRequestError(CODE_REFUSED.format(label=chosen.label))
    identity: Identity = chosen.exchange(code or "")
    if not identity.member:
        raise ForbiddenError(NOT_IN_CORP)
    member = bound_member(chosen, identity.subject)
    if member is not None:
        if not member.active:
            raise ForbiddenError(INACTIVE)
        mark = _account_mark(chosen)
        if mark not in (member.bound_to or ()):
            # Userids that are member numbers need no binding, but the account signs in through
            # WeCom now: it counts as activated, so nobody activates it with her name and phone.
            member.update(actions=[Member.bound_to.add({mark})])
        return Finished(next_path, session=auth.sign_in(member, client))
    ticket = secrets.token_urlsafe(32)
    SignInState(
        f"bind#{_hash(ticket)}",
        provider=chosen.name,
        subject=identity.subject,
        next_path=next_path,
        **_expiry(now, BIND_SECONDS),
    ).save()
    return Finished(next_path, bind_ticket=ticket)


def _ticket(ticket: str | None) -> SignInState | None:
    if not identifiers.is_oauth_state(ticket):
        return None
    try:
        return SignInState.get(f"bind#{_hash(ticket or '')}", consistent_read=True)
    except DoesNotExist:
        return None


def bind(
    ticket: str | None,
    member_no: str,
    proof: dict[str, str],
    client: auth.Client,
) -> tuple[auth.Session, str]:
    """Bind the ticket's userid / openid to the member the proof names, once; sign her in.
    `proof`: `name` and `phone_last4` (not activated yet) or `password` (activated)."""
    now = clock.now()
    item = _ticket(ticket)
    chosen = provider(item.provider) if item else None
    if item is None or chosen is None:
        raise ForbiddenError(BIND_EXPIRED.format(label="企业微信或公众号"))
    expired = BIND_EXPIRED.format(label=chosen.label)
    if item.used_at is not None or item.valid_until < now or not configured(chosen.name):
        raise ForbiddenError(expired)
    try:
        if proof.get("password"):
            member = auth.check_password(member_no, proof["password"], client)
        elif proof.get("name") and proof.get("phone_last4"):
            member = auth.check_activation(
                member_no, proof["name"], proof["phone_last4"], client, bound_ok=True
            )
            if member.bound_to:  # already signs in through WeCom or the 公众号
                if _account_mark(chosen) in member.bound_to:
                    raise ConflictError(MEMBER_TAKEN.format(label=chosen.label))
                raise ConflictError(BOUND_ELSEWHERE)
        else:
            raise BadRequestError(BIND_PROOF)
    except UnauthorizedError as exc:  # the same answer for every failure, in this page's words
        raise UnauthorizedError(
            BIND_PASSWORD_FAILED if proof.get("password") else BIND_IDENTITY_FAILED, exc.headers
        ) from None
    subject = item.subject or ""
    try:
        with Transaction() as tx:
            tx.update(
                "ticket",
                item,
                actions=[SignInState.used_at.set(int(now))],
                condition=SignInState.used_at.does_not_exist(),
            )
            tx.save(
                "subject",
                SignInBinding(
                    _binding_key(chosen, subject),
                    member_no=member.member_no,
                    subject=subject,
                    bound_at=int(now),
                ),
                condition=SignInBinding.key.does_not_exist(),
            )
            tx.save(
                "member",
                SignInBinding(
                    _member_key(chosen, member.member_no),
                    member_no=member.member_no,
                    subject=subject,
                    bound_at=int(now),
                ),
                condition=SignInBinding.key.does_not_exist(),
            )
            # Counts as activated from now on; proven by the activation check, it must still be
            # unactivated and unbound (no password set, no other provider bound by a parallel
            # request meanwhile).
            tx.update(
                "account",
                Member(member.member_no),
                actions=[Member.bound_to.add({_account_mark(chosen)})],
                condition=Member.member_no.exists()
                & (
                    Member.password_hash.does_not_exist() & Member.bound_to.does_not_exist()
                    if "password" not in proof
                    else Member.password_hash.exists()
                ),
            )
    except TransactionCancelled as exc:
        if exc.failed("ticket"):
            raise ForbiddenError(expired) from None
        if exc.failed("account"):
            raise UnauthorizedError(BIND_IDENTITY_FAILED) from None
        if exc.failed("subject"):
            raise ConflictError(BIND_TAKEN.format(label=chosen.label)) from None
        if exc.failed("member"):
            raise ConflictError(MEMBER_TAKEN.format(label=chosen.label)) from None
        raise  # a conflict or throttling: 503, the page sends it again
    return auth.sign_in(member, client), item.next_path or DEFAULT_NEXT


def bound_subject(chosen: Provider, member_no: str) -> str | None:
    """The userid / openid bound to this member, or None."""
    try:
        return SignInBinding.get(_member_key(chosen, member_no), consistent_read=True).subject
    except DoesNotExist:
        return None


def unbind(chosen: Provider, member_no: str) -> str | None:
    """Remove a member's binding, both items at once (an administrator's act: a new WeCom
    account, a mistaken bind — or one made by someone else); the userid / openid it had, or None
    when there was none. Every session of the account ends (its epoch moves on: no refresh token
    from before works), since whoever used the binding may still be signed in; the next sign-in
    through WeCom asks for the identity check again.
    Called by `tools/signin_bindings.py` with the operator's credentials, never by the API."""
    subject = bound_subject(chosen, member_no)
    if subject is None:
        return None
    with Transaction() as tx:
        tx.delete(
            "member",
            SignInBinding(_member_key(chosen, member_no)),
            condition=SignInBinding.subject == subject,
        )
        tx.delete(
            "subject",
            SignInBinding(_binding_key(chosen, subject)),
            condition=SignInBinding.member_no == member_no,
        )
        tx.update(
            "account",
            Member(member_no),
            actions=[
                Member.bound_to.delete({_account_mark(chosen)}),
                Member.session_epoch.add(1),
            ],
            condition=Member.member_no.exists(),
        )
    return subject

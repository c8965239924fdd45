"""HTTP plumbing shared by every blueprint: errors, JSON bodies, the caller, cookies.

Every route declares who may call it, on the line under its `@bp.route`:

    @bp.route("/points/me", methods=["GET"])
    @web.signed_in(bp)              # the handler gets the member from the token: (member, ...)
    @web.signed_in_or_anonymous(bp) # the member when a token is sent, else None
    @web.public                     # no token needed

`tests/unit/test_route_auth.py` checks that every route says one of them.
"""

from __future__ import annotations

import functools
import json
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from chalice.app import Blueprint, Request, Response

from . import auth, metric_names, observe, tokens, write_budget
from .errors import (
    ApiError,
    BadRequestError,
    ForbiddenError,
    PayloadTooLargeError,
    ServiceUnavailableError,
    UnauthorizedError,
    busy,
)
from .models import Member
from .models.base import TransactionCancelled
from .registry import get_member
from .settings import get_settings

logger = logging.getLogger(__name__)

# Chalice answers some errors itself, in English; members get them in Chinese.
_CHALICE_ERRORS = {
    "MethodNotAllowedError": "不支持该请求方法",
    "UnsupportedMediaType": "请求内容须为 JSON(Content-Type: application/json)",
    "InternalServerError": "服务器开小差了，请稍后再试",
    "BadRequest": "请求格式不正确",
}

FIELD_LABELS = {
    "member_no": "党员编号",
    "password": "密码",
    "name": "姓名",
    "phone_last4": "手机号后四位",
    "old_password": "原密码",
    "new_password": "新密码",
    "view_id": "阅读记录编号",
    "seq": "序号",
    "slug": "文章",
    "seconds": "时长",
    "reason": "理由",
    "muted": "静音的消息类型",
    # Member affairs (issue 15): 党费, 组织关系转接, 党员发展 — bodies and query parameters.
    "amount_fen": "金额（分）",
    "paid_on": "交费日期",
    "request_key": "请求编号",
    "note": "说明",
    "month": "月份",
    "quarter": "季度",
    "to_unit": "转入支部",
    "other_org": "对方组织",
    "letter_no": "介绍信编号",
    "decision": "决定",
    "status": "状态",
    "joined_on": "入党日期",
    "phone": "手机号",
    "gender": "性别",
    "birth_date": "出生日期",
    "applied_on": "申请日期",
    "step": "环节",
    "on": "日期",
    "outcome": "结果",
    "months": "月数",
    "days": "天数",
    # 志愿服务 (issue 16).
    "unit_id": "组织",
    "topic": "活动主题",
    "place": "活动地点",
    "starts_at": "开始时间",
    "ends_at": "结束时间",
    "deadline_at": "报名截止时间",
    "places": "招募人数",
    "full_only": "仅限正式党员",
    "hours": "工时",
    "code": "签到码",
    # 问卷 (issue 16)
    "title": "标题",
    "intro": "说明",
    "questions": "题目",
    "opens_at": "开始时间",
    "closes_at": "截止时间",
    "answers": "回答",
    # 红能量 (issue 16): redeeming, donating, the catalogue staff maintain.
    "item_id": "物品",
    "quantity": "数量",
    "project_id": "捐赠项目",
    "amount": "数额",
    "description": "说明",
    "cost": "兑换所需红能量",
    "stock": "库存",
    "stock_change": "库存变化",
    "target": "募集目标",
    "deadline": "截止日期",
    "active": "上架状态",
    # 支部家园 (branch_posts.py)
    "photos": "照片",
    "branch_id": "支部",
    "hash": "版本",
    # 诉求 (issue 16); generic labels: other services' bodies may share these names
    "category": "类别",
    "text": "内容",
    "anonymous": "是否匿名",
    "act": "办理操作",
    "answer": "答复内容",
    "version": "版本号",
    "rating": "评价",
    "comment": "评价意见",
    "content_type": "文件类型",
    "size": "文件大小",
    # 党务工作台: registry upkeep (registry_upkeep.py, registry_units.py, registry_upload.py)
    "education": "学历",
    "occupation": "职业",
    "roles": "职务",
    "rev": "版本号",
    "kind": "类型",
    "parent_id": "上级单位编号",
    "filename": "文件名",
    "content": "文件内容",
    "apply": "是否导入",
    "q": "搜索",
    # 季度检查 (issue 17)
    "units": "检查对象",
    "item": "检查项目",
    "score": "得分",
    "summary": "通报正文",
    # 考核评价 (issue 17): 民主评议
    "year": "年度",
    "grade": "评议等次",
    "period": "统计周期",
}
MAX_FIELD_CHARS = 200
# Routes that take long texts (a meeting's minutes: 20,000 characters, up to 6 bytes each when
# escaped in JSON) get a larger body limit than the default, by their route template.
LARGE_BODY_ROUTES = {
    "/meetings/{meeting_id}/record": 128 * 1024,
    "/meetings/{meeting_id}/corrections": 128 * 1024,
    # 问卷: up to 50 questions of 20 options, and 50 text answers of 200 characters.
    "/surveys": 256 * 1024,
    # 党务工作台: a registry spreadsheet as base64 (registry_upload.UPLOAD_MAX_BYTES of file).
    "/registry/import": 2_100_000,
    "/surveys/{survey_id}": 256 * 1024,
    "/surveys/{survey_id}/answers": 64 * 1024,
}

REFRESH_COOKIE = "dj_rt"
DEVICE_COOKIE = "dj_dev"
# The cookies go only to the auth endpoints; in production and locally the API lives under /api.
REFRESH_COOKIE_PATH = "/api/auth"
DEVICE_COOKIE_DAYS = 365
# Cookie-authenticated calls (refresh, logout) must carry this header: a page on another origin
# (another site, or another host of the same site, which SameSite=Strict lets through) cannot
# send it without a CORS preflight, which this API never grants.
CSRF_HEADER = "X-Requested-With"
CSRF_VALUE = "dangjian-h5"

# DynamoDB answers that mean "busy or away, try again shortly", not "your request is wrong".
_UNAVAILABLE_CODES = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "TransactionConflictException",
    "TransactionInProgressException",
}
_UNAVAILABLE_REASONS = {"ThrottlingError", "ProvisionedThroughputExceeded", "TransactionConflict"}
# Of those, DynamoDB's throttling (counted as the metric DatabaseThrottles).
_THROTTLE_CODES = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
}
_THROTTLE_REASONS = {"ThrottlingError", "ProvisionedThroughputExceeded"}
RETRY_AFTER_SECONDS = 3


def _causes(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or any(current is s for s in seen):
            continue
        seen.append(current)
        todo += [current.__cause__, current.__context__, getattr(current, "cause", None)]
    return seen


def database_trouble(exc: BaseException) -> ApiError | None:
    """The answer for a failure of the database rather than of the request: 503 with
    Retry-After when it is unreachable, slow or throttling (the page keeps what the member did
    and tries again); 400 when DynamoDB refused a value as invalid — a key no validation caught
    must still not be a 5xx. None when it is not a database failure. Throttling that reaches
    here (botocore's retries did not absorb it) is counted: the metric DatabaseThrottles."""
    causes = _causes(exc)
    for cause in causes:
        if isinstance(cause, TransactionCancelled) and (
            set(cause.reasons.values()) & _UNAVAILABLE_REASONS
        ):
            if set(cause.reasons.values()) & _THROTTLE_REASONS:
                observe.count(metric_names.DATABASE_THROTTLES)
            return _unavailable()
        if isinstance(cause, ClientError):
            code = cause.response.get("Error", {}).get("Code", "")
            if code in _UNAVAILABLE_CODES:
                if code in _THROTTLE_CODES:
                    observe.count(metric_names.DATABASE_THROTTLES)
                return _unavailable()
            if code == "ValidationException":
                return BadRequestError("请求参数不正确")
        elif isinstance(cause, BotoCoreError):  # connect/read timeouts, no route to the host
            return _unavailable()
    return None


def _unavailable() -> ServiceUnavailableError:
    return busy(RETRY_AFTER_SECONDS)


def error_middleware(event: Request, get_response: Callable[[Request], Response]) -> Response:
    """Turn ApiError into its response, refuse oversize bodies, translate Chalice's own errors.
    (Database trouble is turned into an ApiError by each route's guard: `_guard`.)"""
    body = event.raw_body if event.method in {"POST", "PUT", "PATCH"} else b""
    limit = LARGE_BODY_ROUTES.get(event.path, get_settings().max_body_bytes)
    if body and len(body) > limit:
        return PayloadTooLargeError(f"请求内容过大（上限 {limit // 1024} KB）").to_response()
    try:
        response = get_response(event)
    except ApiError as exc:
        return exc.to_response()
    if isinstance(response.body, dict) and response.body.get("Code") in _CHALICE_ERRORS:
        response.body = {**response.body, "Message": _CHALICE_ERRORS[response.body["Code"]]}
    if response.status_code >= 400:
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _label(name: str) -> str:
    return f"{FIELD_LABELS.get(name, name)}（{name}）"


@dataclass(frozen=True)
class Field:
    """One expected key of a JSON body: its type, whether it is required, its longest text."""

    kind: type | tuple[type, ...] = str
    required: bool = True
    max_chars: int = MAX_FIELD_CHARS


_KIND_LABELS = {str: "字符串", int: "整数", bool: "布尔值", list: "数组", dict: "对象"}
_KIND_LABELS[float] = "数字"  # hours (志愿服务): a JSON number, 2 or 2.5


class _BadNumber:
    """What NaN, Infinity, 1e400 or an integer of over MAX_INT_DIGITS digits parses to: Python's
    json reads the first two (JSON has neither), turns 1e400 into inf and refuses an integer of
    over 4,300 digits with a ValueError; each is a 400 naming its field instead."""


BAD_NUMBER = _BadNumber()
MAX_INT_DIGITS = 30  # far beyond any count, amount or version a request carries


def _int(text: str) -> int | _BadNumber:
    return int(text) if len(text.lstrip("-")) <= MAX_INT_DIGITS else BAD_NUMBER


def _float(text: str) -> float | _BadNumber:
    value = float(text)
    return BAD_NUMBER if math.isinf(value) else value


def _constant(_name: str) -> _BadNumber:
    return BAD_NUMBER


class _DuplicateKey(Exception):  # noqa: N818 - a state of the body, raised out of json.loads
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are unique: {"q1": "a", "q1": "b"} is refused, where Python's json
    would keep the last silently (a validator and a later reader could then disagree)."""
    out: dict[str, Any] = {}
    for name, value in pairs:
        if name in out:
            raise _DuplicateKey(name)
        out[name] = value
    return out


def _holds_bad_number(value: Any) -> bool:
    if value is BAD_NUMBER:
        return True
    if isinstance(value, dict):
        return any(_holds_bad_number(v) for v in value.values())
    if isinstance(value, list):
        return any(_holds_bad_number(v) for v in value)
    return False


def no_body(request: Request) -> None:
    """A route that takes no body (a sign-up, a withdrawal, a publish): none, or {}. Fields sent
    along would mean nothing there, so they are refused as every route refuses fields it does
    not take, with json_body's messages."""
    if (request.raw_body or b"").strip():
        json_body(request, {})


def json_body(request: Request, fields: tuple[str, ...] | dict[str, Field]) -> dict[str, Any]:
    """Parse a JSON object whose keys are exactly the given fields (a tuple means short strings)."""
    spec = {name: Field() for name in fields} if isinstance(fields, tuple) else fields
    raw = request.raw_body or b""
    if not raw.strip():
        raise BadRequestError("请求内容不能为空")
    try:
        data = json.loads(
            raw,
            parse_constant=_constant,
            parse_float=_float,
            parse_int=_int,
            object_pairs_hook=_object,
        )
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadRequestError("请求内容不是有效的 JSON") from None
    except _DuplicateKey as dup:
        raise BadRequestError(f"字段重复：{_label(dup.name)}") from None
    except RecursionError:  # 16 KB of "[" is valid JSON that no request of ours needs
        raise BadRequestError("请求内容嵌套过深") from None
    if not isinstance(data, dict):
        raise BadRequestError("请求内容须为 JSON 对象")
    missing = [f for f, rule in spec.items() if rule.required and f not in data]
    if missing:
        raise BadRequestError("缺少字段：" + "、".join(_label(f) for f in missing))
    extra = sorted(set(data) - set(spec))
    if extra:
        raise BadRequestError("不支持的字段：" + "、".join(extra))
    if not _encodable(data):
        raise BadRequestError("请求内容含有无效字符")
    bad = [name for name, value in data.items() if _holds_bad_number(value)]
    if bad:
        raise BadRequestError(f"{_label(bad[0])}：数字无效或过大")
    for name, value in data.items():
        rule = spec[name]
        kinds = rule.kind if isinstance(rule.kind, tuple) else (rule.kind,)
        # bool is an int in Python; JSON true must not pass for a number.
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            label = "或".join(_KIND_LABELS.get(k, k.__name__) for k in kinds)
            raise BadRequestError(f"{_label(name)} 须为{label}")
        if isinstance(value, str) and len(value) > rule.max_chars:
            raise BadRequestError(f"{_label(name)} 过长（最多 {rule.max_chars} 字）")
    return data


@dataclass(frozen=True)
class Caller:
    """The signed-in member and what her token says about this login."""

    member: Member
    claims: tokens.AccessClaims


def current_caller(request: Request) -> Caller:
    """The caller, taken from the access token only (one read: the member, which also says
    whether this login was ended)."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise UnauthorizedError("请先登录")
    claims = tokens.verify_access_token(token.strip())
    # A strongly consistent read (one read unit instead of half): a logout, a password change or
    # a deactivation a moment ago must already count, on every request.
    member = get_member(claims.member_no, consistent=True)
    if (
        member is None
        or not member.active
        or member.session_epoch != claims.epoch
        or auth.session_ended(member, claims.session_id)
    ):
        raise UnauthorizedError("登录已失效，请重新登录")
    return Caller(member, claims)


def _encodable(value: Any) -> bool:
    """No lone surrogates (valid JSON, not valid UTF-8): they would fail deep inside a handler."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(_encodable(k) and _encodable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_encodable(v) for v in value)
    return True


def current_member(request: Request) -> Member:
    return current_caller(request).member


def optional_member(request: Request) -> Member | None:
    """The caller when a token is sent (an invalid one is still 401, so the page refreshes it)."""
    if not request.headers.get("authorization"):
        return None
    return current_member(request)


# --- who may call a route ----------------------------------------------------------------------


Handler = Callable[..., Response]


def _guard(handler: Handler) -> Handler:
    """Database trouble becomes an ApiError here, inside the view: Chalice turns any other
    exception raised in a view into its own 500 before a middleware can see it."""

    @functools.wraps(handler)
    def guarded(*args: Any, **kwargs: Any) -> Response:
        try:
            return handler(*args, **kwargs)
        except ApiError:
            raise
        except Exception as exc:
            answer = database_trouble(exc)
            if answer is None:
                raise
            logger.warning("database trouble in %s: %r", handler.__name__, exc)
            raise answer from exc

    return guarded


def _injecting(
    bp: Blueprint, caller: Callable[[Request], Member | None], auth: str
) -> Callable[[Handler], Handler]:
    """A decorator that hands the handler `caller(request)` first and marks who may call. A
    signed-in caller's writes take her write budget first (write_budget.py): after the token
    check, so nobody can spend another member's budget, and before the route's own work."""

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def view(*args: Any, **kwargs: Any) -> Response:
            request = bp.current_request
            member = caller(request)
            if member is not None:
                observe.note_member(member.member_no)
                if request.method in write_budget.METHODS:
                    write_budget.take(member.member_no)
            return handler(member, *args, **kwargs)

        view = _guard(view)
        view.auth = auth  # type: ignore[attr-defined]
        return view

    return wrap


def signed_in(bp: Blueprint) -> Callable[[Handler], Handler]:
    """The route needs a valid access token; the handler gets the member first."""
    return _injecting(bp, current_member, "signed_in")


def signed_in_or_anonymous(bp: Blueprint) -> Callable[[Handler], Handler]:
    """Open to everyone; the handler gets the member when a token is sent, else None."""
    return _injecting(bp, optional_member, "optional")


def public(handler: Handler) -> Handler:
    """No token needed (sign-in itself, published rules)."""
    view = _guard(handler)
    view.auth = "public"  # type: ignore[attr-defined]
    return view


def body(bp: Blueprint, fields: tuple[str, ...] | dict[str, Field]) -> Callable[[Handler], Handler]:
    """The route takes a JSON object with exactly these fields (a tuple means short strings);
    the handler gets it as `body=`. Declared at the route, so the OpenAPI test can compare it."""
    spec = {name: Field() for name in fields} if isinstance(fields, tuple) else dict(fields)

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def view(*args: Any, **kwargs: Any) -> Response:
            return handler(*args, body=json_body(bp.current_request, spec), **kwargs)

        view.body_fields = spec  # type: ignore[attr-defined]
        return view

    return wrap


def require_same_origin(request: Request) -> None:
    """Cookie-authenticated calls must come from this site's own pages (CSRF_HEADER)."""
    headers = request.headers
    if headers.get(CSRF_HEADER.lower()) != CSRF_VALUE or headers.get(
        "sec-fetch-site", "same-origin"
    ) not in ("same-origin", "none"):
        raise ForbiddenError("请从本站页面操作")


def client_of(request: Request) -> auth.Client:
    """The client's address (API Gateway's sourceIp: behind CloudFront, the viewer's address)
    and the device mark cookie."""
    identity = (request.context or {}).get("identity") or {}
    address = str(identity.get("sourceIp") or "")[:64]
    return auth.Client(address=address, device=_cookie(request, DEVICE_COOKIE))


def _cookie(request: Request, name: str) -> str | None:
    cookies = SimpleCookie()
    try:
        cookies.load(request.headers.get("cookie", ""))
    except Exception:  # a malformed Cookie header is the same as none
        return None
    morsel = cookies.get(name)
    return morsel.value if morsel else None


def request_cookie(request: Request, name: str) -> str | None:
    """A cookie the request carries (None when absent or the header is malformed)."""
    return _cookie(request, name)


def refresh_cookie(request: Request) -> str | None:
    return _cookie(request, REFRESH_COOKIE)


def _set_cookie(name: str, value: str, max_age: int) -> str:
    secure = "; Secure" if get_settings().cookie_secure else ""
    return (
        f"{name}={value}; Max-Age={max_age}; Path={REFRESH_COOKIE_PATH}"
        f"; HttpOnly; SameSite=Strict{secure}"
    )


def set_refresh_cookie(token: str, max_age: int) -> str:
    return _set_cookie(REFRESH_COOKIE, token, max_age)


def set_device_cookie(mark: str) -> str:
    return _set_cookie(DEVICE_COOKIE, mark, DEVICE_COOKIE_DAYS * 86400)


def clear_refresh_cookie() -> str:
    return set_refresh_cookie("", 0)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        body=body, status_code=status, headers={"Cache-Control": "no-store", **(headers or {})}
    )


# Lambda's limit on a response through API Gateway is 6 MB; leave room for the headers.
LARGE_BODY_LIMIT = 5_500_000


def large_json_response(body: Any, too_large: str) -> Response:
    """A possibly large JSON body (an export) as UTF-8 text, where Chalice would escape every
    Chinese character as six ASCII bytes (three times the size); one that would still pass
    Lambda's response limit is a 413 with `too_large` (what to ask for instead), never the 502
    API Gateway would answer."""
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    if len(text.encode("utf-8")) > LARGE_BODY_LIMIT:
        raise PayloadTooLargeError(too_large)
    return Response(
        body=text,
        status_code=200,
        headers={"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"},
    )

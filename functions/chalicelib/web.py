"""HTTP plumbing shared by every blueprint: errors, JSON bodies, the caller, cookies."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any

from chalice.app import Request, Response

from . import tokens
from .errors import ApiError, BadRequestError, PayloadTooLargeError, UnauthorizedError
from .models import Member
from .registry import get_member
from .settings import get_settings

# Chalice answers some errors itself, in English; members get them in Chinese.
_CHALICE_ERRORS = {
    "MethodNotAllowedError": "不支持该请求方法",
    "UnsupportedMediaType": "请求内容须为 JSON(Content-Type: application/json)",
    "InternalServerError": "服务器开小差了,请稍后再试",
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
}
MAX_FIELD_CHARS = 200

REFRESH_COOKIE = "dj_rt"
# The cookie goes only to the auth endpoints; in production and locally the API lives under /api.
REFRESH_COOKIE_PATH = "/api/auth"


def error_middleware(event: Request, get_response: Callable[[Request], Response]) -> Response:
    """Turn ApiError into its response, refuse oversize bodies, translate Chalice's own errors."""
    body = event.raw_body if event.method in {"POST", "PUT", "PATCH"} else b""
    if body and len(body) > get_settings().max_body_bytes:
        return PayloadTooLargeError(
            f"请求内容过大(上限 {get_settings().max_body_bytes // 1024} KB)"
        ).to_response()
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
    return f"{FIELD_LABELS.get(name, name)}({name})"


@dataclass(frozen=True)
class Field:
    """One expected key of a JSON body: its type, whether it is required, its longest text."""

    kind: type | tuple[type, ...] = str
    required: bool = True
    max_chars: int = MAX_FIELD_CHARS


_KIND_LABELS = {str: "字符串", int: "整数", bool: "布尔值", list: "数组", dict: "对象"}


def json_body(request: Request, fields: tuple[str, ...] | dict[str, Field]) -> dict[str, Any]:
    """Parse a JSON object whose keys are exactly the given fields (a tuple means short strings)."""
    spec = {name: Field() for name in fields} if isinstance(fields, tuple) else fields
    raw = request.raw_body or b""
    if not raw.strip():
        raise BadRequestError("请求内容不能为空")
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadRequestError("请求内容不是有效的 JSON") from None
    except RecursionError:  # 16 KB of "[" is valid JSON that no request of ours needs
        raise BadRequestError("请求内容嵌套过深") from None
    if not isinstance(data, dict):
        raise BadRequestError("请求内容须为 JSON 对象")
    missing = [f for f, rule in spec.items() if rule.required and f not in data]
    if missing:
        raise BadRequestError("缺少字段:" + "、".join(_label(f) for f in missing))
    extra = sorted(set(data) - set(spec))
    if extra:
        raise BadRequestError("不支持的字段:" + "、".join(extra))
    for name, value in data.items():
        rule = spec[name]
        kinds = rule.kind if isinstance(rule.kind, tuple) else (rule.kind,)
        # bool is an int in Python; JSON true must not pass for a number.
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            label = "或".join(_KIND_LABELS.get(k, k.__name__) for k in kinds)
            raise BadRequestError(f"{_label(name)} 须为{label}")
        if isinstance(value, str) and len(value) > rule.max_chars:
            raise BadRequestError(f"{_label(name)} 过长(最多 {rule.max_chars} 字)")
    return data


def current_member(request: Request) -> Member:
    """The caller, taken from the access token only; every authenticated handler starts here."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise UnauthorizedError("请先登录")
    member_no, epoch = tokens.verify_access_token(token.strip())
    member = get_member(member_no)
    if member is None or not member.active or member.session_epoch != epoch:
        raise UnauthorizedError("登录已失效,请重新登录")
    return member


def refresh_cookie(request: Request) -> str | None:
    cookies = SimpleCookie()
    try:
        cookies.load(request.headers.get("cookie", ""))
    except Exception:  # a malformed Cookie header is the same as none
        return None
    morsel = cookies.get(REFRESH_COOKIE)
    return morsel.value if morsel else None


def set_refresh_cookie(token: str, max_age: int) -> str:
    secure = "; Secure" if get_settings().cookie_secure else ""
    return (
        f"{REFRESH_COOKIE}={token}; Max-Age={max_age}; Path={REFRESH_COOKIE_PATH}"
        f"; HttpOnly; SameSite=Strict{secure}"
    )


def clear_refresh_cookie() -> str:
    return set_refresh_cookie("", 0)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        body=body, status_code=status, headers={"Cache-Control": "no-store", **(headers or {})}
    )

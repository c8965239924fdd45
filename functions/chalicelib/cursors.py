"""The one codec of the opaque page cursors (`next` / `?cursor=`): a DynamoDB LastEvaluatedKey as
URL-safe base64 JSON, checked on the way back so that a forged cursor can never reach a Query
as another member's key or as an invalid one (400 instead)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any

from .errors import BadRequestError

MAX_CURSOR_CHARS = 2048
INVALID = "分页参数（cursor）无效"


def encode(key: dict[str, Any] | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode()


def decode(
    cursor: str,
    fields: dict[str, Callable[[str], bool]],
    check: Callable[[dict[str, str]], bool] | None = None,
) -> dict[str, Any]:
    """The key back, if it has exactly `fields` (string attributes), each accepted by its test,
    and `check` accepts them together; otherwise 400."""
    if len(cursor) > MAX_CURSOR_CHARS:
        raise BadRequestError(INVALID)
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, RecursionError, binascii.Error):
        raise BadRequestError(INVALID) from None
    if (
        not isinstance(key, dict)
        or set(key) != set(fields)
        or not all(
            isinstance(v, dict) and set(v) == {"S"} and isinstance(v["S"], str)
            for v in key.values()
        )
    ):
        raise BadRequestError(INVALID)
    values = {name: key[name]["S"] for name in fields}
    if not all(0 < len(v.encode()) <= 1024 and fields[n](v) for n, v in values.items()) or (
        check is not None and not check(values)
    ):
        raise BadRequestError(INVALID)
    return key

"""What the functions tell the operator: one JSON object per log line, and metrics in
CloudWatch's Embedded Metric Format (EMF) inside those lines (README: Logs and metrics).

- `configure(app)` (once, at the import of app.py): every log record, ours and the libraries',
  comes out as one JSON line — in Lambda through the runtime's own handler (our formatter set on
  it), elsewhere (chalice local, tests, tools) on stdout. Every line passes `redact`.
- `http_middleware`: one line per API request (method, route pattern, status, latency, request
  id; the member number only on a 403, 429 or 5xx) that is also that request's EMF document:
  Requests, ServerErrors, ClientErrors, Latency and whatever the request counted.
- `event_middleware`: the same batching for the scheduled and stream functions (one EMF line per
  invocation, only when something was counted).
- `count(name, value)`: a metric of `metric_names`, added to the current request's (or
  invocation's) line; outside one, emitted at once on a line of its own.

EMF is written by hand: the format is one `_aws` block (CloudWatch's specification,
"Embedded metric format specification"), and the library for it would add a dependency and
write lines of its own beside the request line.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from . import metric_names as m
from .settings import get_settings

REQUEST_LOGGER = "dangjian.request"
METRICS_LOGGER = "dangjian.metrics"
# Under Chalice's own logger ("dangjian", level ERROR unless debug): these say INFO themselves.
for _name in (REQUEST_LOGGER, METRICS_LOGGER):
    logging.getLogger(_name).setLevel(logging.INFO)
UNITS = {m.LATENCY: "Milliseconds", m.OUTBOX_OLDEST_SECONDS: "Seconds"}  # else "Count"
# Answers whose line names the caller (README: Logs and metrics says why these).
MEMBER_STATUSES = frozenset({403, 429})
QUIET_LIBRARIES = ("botocore", "boto3", "urllib3", "pynamodb")

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_member: contextvars.ContextVar[str | None] = contextvars.ContextVar("member", default=None)
_batch: contextvars.ContextVar[dict[str, float] | None] = contextvars.ContextVar(
    "metrics", default=None
)

# --- redaction ---------------------------------------------------------------------------------

_JWT = re.compile(r"eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*")
_BEARER = re.compile(r"(?i)\b(bearer)\s+[^\s\"',;]+")
# `Basic <base64 of user:password>`: taken out only when it decodes to text with a colon, so
# "basic information" and the like stay.
_BASIC = re.compile(r"(?i)\b(basic)\s+([A-Za-z0-9+/]{4,}={0,2})(?![\w+/=])")
# An 11-digit mainland mobile number, with or without +86 / 86 before it, written whole or in
# 3-4-4 groups with a space or a dash (138 1234 5678, 138-1234-5678). Digits on either side
# keep it off longer figures (timestamps, ids); member numbers have 8 digits.
_PHONE = re.compile(r"(?<!\d)(?:\+?86[ -]?)?1[3-9]\d([ -]?)\d{4}\1\d{4}(?!\d)")
# `"password": "x"`, `password=x`, `'access_token': 'x'`, `dj_rt=x` (the refresh cookie),
# `activation_code=x`, `state=x` (OAuth), and the same inside escaped JSON (`\"password\": \"x\"`).
_KEYS = (
    r"\w*password|\w*passwd|\w*token|\w*secret\w*|\w*ticket|\w*credentials?|api_?key"
    r"|(?!(?:error|status|response)_code\b)\w*_code|code|state|dj_rt|dj_dev"
)
_SECRET_KEY = re.compile(
    rf"(?i)(\b(?:{_KEYS})\b(?:\\?[\"'])?\s*[:=]\s*)"
    r"(\\\"(?:(?!\\\").)*\\\"|\"[^\"]*\"|'[^']*'|[^\s,;&}\]]+)"
)


def _basic(match: re.Match[str]) -> str:
    import base64
    import binascii

    try:
        plain = base64.b64decode(match.group(2) + "==", validate=False).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return match.group(0)
    return f"{match.group(1)} [redacted]" if ":" in plain else match.group(0)


def redact(text: str) -> str:
    """`text` without anything that looks like a token, a password's value or a phone number."""
    text = _JWT.sub("[jwt]", text)
    text = _BEARER.sub(r"\1 [redacted]", text)
    text = _BASIC.sub(_basic, text)
    text = _SECRET_KEY.sub(r'\1"[redacted]"', text)
    return _PHONE.sub("[phone]", text)


# --- the JSON lines ----------------------------------------------------------------------------


class JsonFormatter(logging.Formatter):
    """A record as one JSON object: time, level, logger, message, request_id, and the fields a
    record carries in `extra={"fields": {...}}` (the request line's, an EMF document's)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            "request_id": _request_id.get() or getattr(record, "aws_request_id", None),
        }
        if record.exc_info:
            line["exception"] = redact(self.formatException(record.exc_info))
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        return json.dumps(line, ensure_ascii=False, default=str)


class _StdoutHandler(logging.StreamHandler):
    """Writes to whatever sys.stdout is at the time (a test's capture replaces it)."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stdout

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def configure(app: Any) -> None:
    """JSON lines from every logger, INFO and above. In Lambda the runtime's handler on the root
    logger is the way to CloudWatch: it keeps its place and gets our formatter; so does the
    plain handler `chalice local` puts there (basicConfig). Chalice's own logger (its "Caught
    exception" lines) is sent through the root's handlers too."""
    root = logging.getLogger()
    formatter = JsonFormatter()
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME") and root.handlers:
        for handler in root.handlers:
            handler.setFormatter(formatter)
    elif plain := [h for h in root.handlers if type(h) is logging.StreamHandler]:
        for handler in plain:
            handler.setFormatter(formatter)
    elif not any(isinstance(h, _StdoutHandler) for h in root.handlers):
        handler = _StdoutHandler()
        handler.setFormatter(formatter)
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    # The libraries' INFO lines ("Found credentials in environment variables." at every cold
    # start) say nothing an operator acts on: their warnings and errors still come through.
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
    chalice_log = getattr(app, "log", None)
    if isinstance(chalice_log, logging.Logger):
        for handler in list(chalice_log.handlers):
            chalice_log.removeHandler(handler)
        chalice_log.propagate = True


# --- metrics -----------------------------------------------------------------------------------


def emf(metrics: dict[str, float]) -> dict[str, Any]:
    """The EMF fields of a line carrying `metrics` (names of metric_names.ALL) for this stage."""
    unknown = set(metrics) - set(m.ALL)
    if unknown:
        raise ValueError(f"not in metric_names.ALL: {sorted(unknown)}")
    return {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": m.NAMESPACE,
                    "Dimensions": [[m.DIMENSION]],
                    "Metrics": [{"Name": n, "Unit": UNITS.get(n, "Count")} for n in metrics],
                }
            ],
        },
        m.DIMENSION: get_settings().stage,
        **metrics,
    }


def count(name: str, value: float = 1) -> None:
    """Add `value` to metric `name` in the current request's or invocation's line; outside one
    (a tool, a test calling the logic), a line of its own now."""
    if name not in m.ALL:
        raise ValueError(f"{name} is not in metric_names.ALL")
    batch = _batch.get()
    if batch is None:
        _emit_metrics({name: value})
    else:
        batch[name] = batch.get(name, 0) + value


def _emit_metrics(metrics: dict[str, float]) -> None:
    logging.getLogger(METRICS_LOGGER).info("metrics", extra={"fields": emf(metrics)})


def note_member(member_no: str) -> None:
    """The signed-in caller of this request (web.py); named on the request line only for the
    statuses in MEMBER_STATUSES and 5xx."""
    _member.set(member_no)


def _start(request_id: str | None) -> list[contextvars.Token]:
    return [
        _request_id.set(request_id or uuid.uuid4().hex),
        _member.set(None),
        _batch.set({}),
    ]


def _end(tokens: list[contextvars.Token]) -> None:
    for var, token in zip((_request_id, _member, _batch), tokens, strict=True):
        var.reset(token)


def _request_id_of(event: Any) -> str | None:
    """API Gateway's request id (the client sees it as x-amzn-RequestId); else Lambda's."""
    context = getattr(event, "context", None)
    if isinstance(context, dict) and context.get("requestId"):
        return str(context["requestId"])
    lambda_context = getattr(event, "lambda_context", None) or context
    return getattr(lambda_context, "aws_request_id", None)


def http_middleware(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """The request line. Registered first, so it sees the answer the client gets (the error
    middleware's included), and an exception escaping the others as the 500 Chalice makes of it."""
    tokens = _start(_request_id_of(event))
    started = time.perf_counter()
    status = 500
    try:
        response = get_response(event)
        status = int(response.status_code)
        return response
    finally:
        _request_line(event, status, (time.perf_counter() - started) * 1000)
        _end(tokens)


def _request_line(event: Any, status: int, latency_ms: float) -> None:
    batch = _batch.get() or {}
    metrics = {
        m.REQUESTS: 1,
        m.SERVER_ERRORS: int(status >= 500),
        m.CLIENT_ERRORS: int(400 <= status < 500),
        m.LATENCY: round(latency_ms, 1),
        **batch,
    }
    method, route = str(getattr(event, "method", "")), str(getattr(event, "path", ""))
    fields: dict[str, Any] = {
        "method": method,
        "route": route,  # Chalice's Request.path is the route's pattern, never the sent path
        "status": status,
        "latency_ms": round(latency_ms, 1),
    }
    member = _member.get()
    if member and (status >= 500 or status in MEMBER_STATUSES):
        fields["member_no"] = member
    level = logging.ERROR if status >= 500 else logging.INFO
    logging.getLogger(REQUEST_LOGGER).log(
        level, f"{method} {route} {status}", extra={"fields": {**fields, **emf(metrics)}}
    )


def event_middleware(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """A scheduled or stream invocation: its log lines carry Lambda's request id, and what it
    counted goes out as one EMF line at its end."""
    tokens = _start(_request_id_of(event))
    try:
        return get_response(event)
    finally:
        batch = _batch.get()
        if batch:
            _emit_metrics(batch)
        _end(tokens)

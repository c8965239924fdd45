"""User actions for the benches: the real Chalice routes in-process (Chalice's test client), each
request metered by `tools.capacity` — the token check, the route's own work and anything it adds
(a sign-in award, a points award) included, whatever the functions behind the route do inside.

Rows are labelled by the user action, read and write units apart, AWS-billed and as DynamoDB
Local reports them: `heartbeat: write units (AWS-billed)`, `heartbeat: read units (DynamoDB
Local)`, … `tools/cost_estimate.py` reads them by those names.

Work a request leaves to the stream functions (the points aggregator applying the ledger's new
records, as Lambda would after the request) is metered apart, right after the request, as
`<action>: write units (AWS-billed, stream aggregator)`: one action's records in a batch of
their own, so an upper bound of what it costs when batches carry many records.
"""

from __future__ import annotations

import json
import re
import tempfile
from typing import Any

from chalicelib import web
from tools.bench import AGGREGATOR, Row, units_figure
from tools.capacity import Meter, metered
from tools.fixtures import bearer

KINDS = (
    ("read", "AWS-billed", "read_units", "RRU"),
    ("write", "AWS-billed", "write_units", "WRU"),
    ("read", "DynamoDB Local", "local_read", "RRU"),
    ("write", "DynamoDB Local", "local_write", "WRU"),
)
SAME_ORIGIN = {web.CSRF_HEADER: web.CSRF_VALUE}


def unit_rows(action: str, meter: Meter) -> list[Row]:
    return [
        (units_figure(action, kind, source), round(getattr(meter, attr), 2), unit)
        for kind, source, attr, unit in KINDS
    ]


class Routes:
    """The app's routes in this process; paths without the `/api` stage prefix (`/me`)."""

    def __init__(self) -> None:
        from chalice.test import Client

        from app import app

        # An empty project dir: no .chalice/config.json, so no stage environment replaces the
        # bench's (table prefix, DynamoDB Local endpoint, keys).
        self._dir = tempfile.TemporaryDirectory()
        self.http = Client(app, project_dir=self._dir.name).http

    def send(
        self,
        method: str,
        path: str,
        *,
        member: Any = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        h = {"Content-Type": "application/json", **(bearer(member) if member else {})}
        h.update(headers or {})
        data = json.dumps(body).encode() if body is not None else b""
        reply = self.http.request(method, path, headers=h, body=data)
        if reply.status_code >= 300:
            raise RuntimeError(f"{method} {path}: {reply.status_code} {reply.body!r}")
        return reply

    def measure(self, action: str, method: str, path: str, **kw: Any) -> tuple[Any, list[Row]]:
        """Send one request under the meter, then let the stream functions apply what it wrote,
        under a meter of their own: (reply, the unit rows of both)."""
        poller = _stream_poller()
        if poller:
            poller.skip()  # records of the setup are not this action's
        with metered() as meter:
            reply = self.send(method, path, **kw)
        rows = unit_rows(action, meter)
        if poller:
            with metered() as later:
                poller.drain()
            rows += [
                (units_figure(action, "read", AGGREGATOR), round(later.read_units, 2), "RRU"),
                (units_figure(action, "write", AGGREGATOR), round(later.write_units, 2), "WRU"),
            ]
        return reply, rows


def _stream_poller() -> Any:
    """The local stand-in for Lambda's stream event sources, where the app has stream functions."""
    try:
        from infra import stream_poller
    except ImportError:
        return None
    return stream_poller


def cookie(reply: Any, name: str) -> str:
    """A cookie's value from a reply's Set-Cookie header(s)."""
    raw = reply.headers.get("Set-Cookie") or reply.headers.get("set-cookie") or ""
    found = re.search(rf"{name}=([^;]*)", raw if isinstance(raw, str) else "; ".join(raw))
    if not found:
        raise RuntimeError(f"no {name} cookie in {raw!r}")
    return found.group(1)


def refresh_headers(refresh_token: str) -> dict[str, str]:
    return {**SAME_ORIGIN, "Cookie": f"{web.REFRESH_COOKIE}={refresh_token}"}

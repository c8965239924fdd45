"""The JS-SDK configuration (wx.config / 分享) signed on the server.

The signature is WeCom's (and WeChat's) documented algorithm: the fields `jsapi_ticket`,
`noncestr`, `timestamp`, `url` sorted by name, joined as `k=v&...` (raw values, not URL-encoded),
SHA-1 in hex; the url without its `#fragment`. The jsapi_ticket is cached in `WeComCache` until it
expires, refreshed by one caller at a time like the access token (`wecom_client.SharedCredential`).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from urllib.parse import urlsplit

from .settings import get_settings
from .wecom_client import SharedCredential, WeComClient, WeComError


def signature(ticket: str, noncestr: str, timestamp: int | str, url: str) -> str:
    fields = {
        "jsapi_ticket": ticket,
        "noncestr": noncestr,
        "timestamp": str(timestamp),
        "url": url.split("#", 1)[0],
    }
    plain = "&".join(f"{k}={fields[k]}" for k in sorted(fields))
    return hashlib.sha1(plain.encode()).hexdigest()


def is_own_page(url: str, origins: tuple[str, ...]) -> bool:
    """True when `url` is an http(s) page on one of the site's own origins."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.username is not None:
        return False
    return f"{parts.scheme}://{parts.netloc}".lower() in {o.lower() for o in origins}


class Ticket:
    def __init__(self, client: WeComClient) -> None:
        self.client = client
        self.cache = SharedCredential(f"jsapi_ticket#{client.corp_id}", self._fetch)

    def _fetch(self) -> tuple[str, int]:
        body = self.client.get("/cgi-bin/get_jsapi_ticket")
        if not body.get("ticket"):
            raise WeComError(-1, "no ticket in the answer", "/cgi-bin/get_jsapi_ticket")
        return str(body["ticket"]), int(body.get("expires_in", 7200))

    def get(self) -> str:
        return self.cache.get()


_ticket: Ticket | None = None


def config(url: str) -> dict[str, str | int]:
    """{appId, timestamp, nonceStr, signature} for wx.config on the page `url`."""
    global _ticket
    if _ticket is None:
        _ticket = Ticket(WeComClient())
    timestamp = int(time.time())
    nonce = secrets.token_urlsafe(12)
    return {
        "appId": get_settings().wecom_corp_id,
        "timestamp": timestamp,
        "nonceStr": nonce,
        "signature": signature(_ticket.get(), nonce, timestamp, url),
    }

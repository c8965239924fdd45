"""The JS-SDK configuration (wx.config / 分享) signed on the server.

The signature is WeCom's (and WeChat's) documented algorithm: the fields `jsapi_ticket`,
`noncestr`, `timestamp`, `url` sorted by name, joined as `k=v&...` (raw values, not URL-encoded),
SHA-1 in hex; the url without its `#fragment`. The jsapi_ticket is cached in `WeComCache` until it
expires, refreshed by one caller at a time like the access token (`wecom_client.SharedCredential`).

Two signers: inside 企业微信 the corp's ticket (`/cgi-bin/get_jsapi_ticket`, appId = the corp id);
inside plain WeChat only an Official Account's ticket is accepted (`/cgi-bin/ticket/getticket?
type=jsapi`, appId = its AppID, the page's domain set as its JS接口安全域名), so `app="mp"` signs
with that one.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from urllib.parse import urlsplit

from .mp_client import TICKET_PATH, MpClient
from .wecom_client import SharedCredential, WeComClient, WeComError

WECOM_TICKET_PATH = "/cgi-bin/get_jsapi_ticket"


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
    def __init__(
        self,
        client: WeComClient,
        path: str = WECOM_TICKET_PATH,
        params: dict[str, str] | None = None,
        key: str | None = None,
    ) -> None:
        self.client, self.path, self.params = client, path, params
        self.cache = SharedCredential(key or f"jsapi_ticket#{client.corp_id}", self._fetch)

    def _fetch(self) -> tuple[str, int]:
        body = self.client.get(self.path, self.params)
        if not body.get("ticket"):
            raise WeComError(-1, "no ticket in the answer", self.path)
        return str(body["ticket"]), int(body.get("expires_in", 7200))

    def get(self) -> str:
        return self.cache.get()


def mp_ticket() -> Ticket:
    """The Official Account's jsapi_ticket (cached apart from the corp's, under its AppID)."""
    client = MpClient()
    return Ticket(client, TICKET_PATH, {"type": "jsapi"}, f"mp#jsapi_ticket#{client.app_id}")


_tickets: dict[str, Ticket] = {}


def config(url: str, app: str = "wecom") -> dict[str, str | int]:
    """{appId, timestamp, nonceStr, signature} for wx.config on the page `url`: signed for
    企业微信 (`app="wecom"`) or for plain WeChat through the Official Account (`app="mp"`)."""
    if app not in _tickets:
        _tickets[app] = mp_ticket() if app == "mp" else Ticket(WeComClient())
    ticket = _tickets[app]
    timestamp = int(time.time())
    nonce = secrets.token_urlsafe(12)
    return {
        "appId": ticket.client.corp_id,
        "timestamp": timestamp,
        "nonceStr": nonce,
        "signature": signature(ticket.get(), nonce, timestamp, url),
    }

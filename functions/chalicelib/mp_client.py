"""The WeChat Official Account's (服务号) server API client: template messages, the jsapi_ticket.

The same client as WeCom's (`wecom_client.WeComClient`: the access token shared through
`WeComCache` by every Lambda container, one refresher at a time, a call refused for its token
refreshed and retried once) with the Official Account's own token call, cache key and errcodes.

The token is `GET /cgi-bin/token?grant_type=client_credential&appid&secret`. Unlike WeCom's,
each such call issues a NEW token (the previous one stays valid five more minutes, "新老
access_token都可用"), so a stampede of refreshers would keep invalidating each other's tokens:
one refresher at a time matters even more here. A call refused with 40001 ("invalid credential,
access_token is invalid or not latest": another caller refreshed it), 40014 (invalid) or 42001
(expired) drops that token, refreshes it and is retried once.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from .settings import get_settings, wechat_mp_secret, wechat_mp_secret_configured
from .wecom_client import WeComClient, WeComError, _get_json

TOKEN_PATH = "/cgi-bin/token"
TICKET_PATH = "/cgi-bin/ticket/getticket"


def configured() -> bool:
    """The Official Account's API may be called: its AppID and AppSecret (named, not read)."""
    return bool(get_settings().wechat_mp_app_id and wechat_mp_secret_configured())


class MpClient(WeComClient):
    token_errors = frozenset({40001, 40014, 42001})

    def __init__(
        self,
        app_id: str | None = None,
        secret: Callable[[], str] | None = None,
        base_url: str | None = None,
        keep_seconds: float = 0.0,
    ) -> None:
        settings = get_settings()
        super().__init__(
            app_id or settings.wechat_mp_app_id,
            secret or (lambda: wechat_mp_secret()),  # looked up when needed (SSM)
            base_url or settings.wechat_mp_api_base,
            keep_seconds,
        )

    @property
    def app_id(self) -> str:
        return self.corp_id

    def token_key(self) -> str:
        return f"mp#access_token#{self.corp_id}"

    def _fetch_token(self) -> tuple[str, int]:
        query = urlencode(
            {"grant_type": "client_credential", "appid": self.corp_id, "secret": self._secret()}
        )
        body = _get_json(f"{self.base_url}{TOKEN_PATH}?{query}", self.timeout, TOKEN_PATH)
        if int(body.get("errcode", 0) or 0) != 0 or not body.get("access_token"):
            raise WeComError(int(body.get("errcode", -1)), str(body.get("errmsg", "")), TOKEN_PATH)
        return str(body["access_token"]), int(body.get("expires_in", 7200))

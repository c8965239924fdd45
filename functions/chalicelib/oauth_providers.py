"""The two web-OAuth sign-ins a member may use inside WeChat: 企业微信 (WeCom) and an Official
Account (服务号), each with its authorize URL and its code exchange.

Both use `snsapi_base` (silent: no consent screen, only the identity). WeCom: the code is
exchanged by `GET /cgi-bin/auth/getuserinfo?access_token&code` through `WeComClient` (the
shared corp access token, refreshed there) for the member's WeCom `userid` (a non-member of the
corp gets an `openid` instead). The Official Account: `GET /sns/oauth2/access_token?appid&secret
&code&grant_type=authorization_code` gives the `openid`. Codes are valid 5 minutes, once:
WeChat answers 40029 (invalid) or 40163 (used), which is `CodeRefusedError` here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from . import identifiers
from .settings import (
    get_settings,
    wechat_mp_secret,
    wechat_mp_secret_configured,
    wecom_secret_configured,
)
from .wecom_client import WeComClient, WeComError, _get_json

logger = logging.getLogger(__name__)

# WeChat's answers for a code that is unknown, expired or used (WeCom: always 40029).
CODE_ERRORS = frozenset({40029, 40163})


class CodeRefusedError(Exception):
    """WeChat refused the code (unknown, expired, used): the member starts again."""


@dataclass(frozen=True)
class Identity:
    subject: str  # WeCom userid, or the openid
    member: bool  # WeCom: a member of the corp (an openid of a non-member is not)


@dataclass(frozen=True)
class Provider:
    name: str  # "wecom" / "mp": the routes' path part
    label: str  # what the member knows it as
    app_id: str  # corp id / AppID: bindings are per corp / app
    not_configured: str
    agent_id: str = ""
    exchange_code: Callable[[str], Identity] | None = None

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        """As documented (parameters in this order, `#wechat_redirect` at the end)."""
        params = [
            ("appid", self.app_id),
            ("redirect_uri", redirect_uri),
            ("response_type", "code"),
            ("scope", "snsapi_base"),
            ("state", state),
        ]
        if self.agent_id:
            params.append(("agentid", self.agent_id))
        base = get_settings().oauth_authorize_base.rstrip("/")
        query = urlencode(params, quote_via=quote)
        return f"{base}/connect/oauth2/authorize?{query}#wechat_redirect"

    def exchange(self, code: str) -> Identity:
        assert self.exchange_code is not None
        return self.exchange_code(code)


WECOM_OFF = "本单位未开通企业微信登录"
MP_OFF = "本单位未开通公众号登录"


def _wecom_exchange(code: str) -> Identity:
    try:
        body = WeComClient().get("/cgi-bin/auth/getuserinfo", {"code": code})
    except WeComError as exc:
        if exc.errcode in CODE_ERRORS:
            raise CodeRefusedError(str(exc)) from exc
        raise
    userid = body.get("userid") or body.get("UserId")  # the older documentation's spelling
    if userid:
        if not identifiers.WECOM_USERID.fullmatch(str(userid)):
            # Not the userid itself: the error is logged, and a userid may be a name or a phone.
            what = f"unexpected userid ({len(str(userid))} characters)"
            raise WeComError(-1, what, "/cgi-bin/auth/getuserinfo")
        return Identity(str(userid), member=True)
    openid = body.get("openid") or body.get("OpenId") or ""
    return Identity(str(openid), member=False)


def _mp_exchange(code: str) -> Identity:
    settings = get_settings()
    path = "/sns/oauth2/access_token"
    query = urlencode(
        {
            "appid": settings.wechat_mp_app_id,
            "secret": wechat_mp_secret(),
            "code": code,
            "grant_type": "authorization_code",
        }
    )
    body = _get_json(
        f"{settings.wechat_mp_api_base.rstrip('/')}{path}?{query}", settings.wecom_timeout, path
    )
    errcode = int(body.get("errcode", 0) or 0)
    if errcode in CODE_ERRORS:
        raise CodeRefusedError(f"{path}: errcode {errcode}")
    openid = str(body.get("openid") or "")
    if errcode or not identifiers.OPENID.fullmatch(openid):
        raise WeComError(errcode or -1, str(body.get("errmsg", "no openid")), path)
    return Identity(openid, member=True)


def provider(name: str) -> Provider | None:
    """The provider of that name when it exists; `configured()` says whether it is set up."""
    settings = get_settings()
    if name == "wecom":
        return Provider(
            "wecom",
            "企业微信",
            settings.wecom_corp_id,
            WECOM_OFF,
            agent_id=settings.wecom_agent_id,
            exchange_code=_wecom_exchange,
        )
    if name == "mp":
        return Provider(
            "mp", "公众号", settings.wechat_mp_app_id, MP_OFF, exchange_code=_mp_exchange
        )
    return None


def configured(name: str) -> bool:
    """Set up for this stage: its ids, its secret (named, not read) and the site's origin."""
    settings = get_settings()
    if not settings.site_origins:
        return False
    if name == "wecom":
        return bool(
            settings.wecom_corp_id and settings.wecom_agent_id and wecom_secret_configured()
        )
    if name == "mp":
        return bool(settings.wechat_mp_app_id and wechat_mp_secret_configured())
    return False

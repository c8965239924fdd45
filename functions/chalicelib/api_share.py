"""Route of sharing: the JS-SDK configuration for one of the site's pages.

`app=wecom` (the default: inside 企业微信) signs with the corp's jsapi_ticket; `app=mp` (inside
plain WeChat, which accepts only an Official Account's signature) with the Official Account's.
share.js chooses by the user agent. A stage without that app answers 404 and the page shares as
a plain link."""

from __future__ import annotations

import logging

from chalice import Blueprint, Response

from . import jssdk, mp_client, web
from .errors import BadRequestError, NotFoundError, busy
from .settings import SettingsError, get_settings, wecom_secret_configured
from .wecom_client import WeComError

bp = Blueprint(__name__)
logger = logging.getLogger(__name__)

NOT_CONFIGURED = {"wecom": "本站未开通企业微信分享", "mp": "本站未开通微信公众号分享"}


def _configured(app: str) -> bool:
    if app == "mp":
        return mp_client.configured()
    return bool(get_settings().wecom_corp_id and wecom_secret_configured())


@bp.route("/share/config", methods=["GET"])
@web.public
def share_config() -> Response:
    params = bp.current_request.query_params or {}
    url = params.get("url", "")
    app = params.get("app") or "wecom"
    if app not in NOT_CONFIGURED:
        raise BadRequestError("app 须为 wecom 或 mp")
    if len(url) > 2000 or not jssdk.is_own_page(url, get_settings().site_origins):
        raise BadRequestError("url 须为本站页面的地址")
    if not _configured(app):
        raise NotFoundError(NOT_CONFIGURED[app])
    try:
        return web.json_response(jssdk.config(url, app))
    except SettingsError as exc:  # an id without its secret: a stage set up half-way
        logger.error("share config (%s): %s", app, exc)
        raise NotFoundError(NOT_CONFIGURED[app]) from exc
    except WeComError as exc:
        logger.warning("share config (%s): %s", app, exc)
        raise busy() from exc

"""Route of sharing: the JS-SDK configuration for one of the site's pages."""

from __future__ import annotations

import logging

from chalice import Blueprint, Response

from . import jssdk, web
from .errors import BadRequestError, NotFoundError, busy
from .settings import SettingsError, get_settings, wecom_secret_configured
from .wecom_client import WeComError

bp = Blueprint(__name__)
logger = logging.getLogger(__name__)


@bp.route("/share/config", methods=["GET"])
@web.public
def share_config() -> Response:
    url = (bp.current_request.query_params or {}).get("url", "")
    if len(url) > 2000 or not jssdk.is_own_page(url, get_settings().site_origins):
        raise BadRequestError("url 须为本站页面的地址")
    if not get_settings().wecom_corp_id or not wecom_secret_configured():
        raise NotFoundError("本站未开通企业微信分享")
    try:
        return web.json_response(jssdk.config(url))
    except SettingsError as exc:  # a corp id without its secret: a stage set up half-way
        logger.error("share config: %s", exc)
        raise NotFoundError("本站未开通企业微信分享") from exc
    except WeComError as exc:
        logger.warning("share config: %s", exc)
        raise busy() from exc

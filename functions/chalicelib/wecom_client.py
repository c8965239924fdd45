"""The WeCom (企业微信) server API client every later feature sends through (sign-in, outbox).

The access token is cached in DynamoDB (`WeComCache`), shared by every Lambda container: WeCom
limits how often a token may be fetched, and each fetch invalidates nothing but costs a call, so
one caller at a time refreshes it under a conditional-write lease while the others wait briefly and
reread. A call answered with 42001 (expired) or 40014 (invalid token) drops that token, refreshes
it and is retried once; any other error is raised as `WeComError`, never retried in a loop.

HTTP goes through the standard library (urllib): nothing more to ship in the Lambda package.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from pynamodb.exceptions import DoesNotExist, UpdateError

from .models import WeComCache
from .settings import get_settings, wecom_secret

TOKEN_ERRORS = frozenset({42001, 40014})
# Refresh this long before WeCom's expiry, so a token is never used in its last minutes.
MARGIN_SECONDS = 300
# How long a refresher holds the lease (longer than one WeCom round trip with its timeout), and
# how long the others wait for it before giving up.
LEASE_SECONDS = 15
WAIT_SECONDS = 10.0
POLL_SECONDS = 0.1


class WeComError(RuntimeError):
    """WeCom answered with a non-zero errcode (or could not be reached: errcode -1)."""

    def __init__(self, errcode: int, errmsg: str, path: str) -> None:
        super().__init__(f"WeCom {path}: errcode {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class WeComUnreachableError(WeComError):
    """No answer (a timeout, a refused connection, not JSON): a send may have gone through."""


def _get_json(
    url: str, timeout: float, path: str, payload: dict[str, Any] | None = None
) -> dict[str, Any]:
    """GET `url`, or POST `payload` as JSON to it; WeCom's answer (errors are in its body)."""
    request: str | urllib.request.Request = url
    if payload is not None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        request = urllib.request.Request(
            url, data=data, method="POST", headers={"Content-Type": "application/json"}
        )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise WeComUnreachableError(-1, f"unreachable or not JSON: {exc}", path) from exc


class SharedCredential:
    """One credential in `WeComCache`, refreshed by one caller at a time."""

    def __init__(self, key: str, fetch: Callable[[], tuple[str, int]]) -> None:
        self.key = key
        self.fetch = fetch  # -> (value, expires_in seconds)

    def _read(self, consistent: bool) -> WeComCache | None:
        try:
            return WeComCache.get(self.key, consistent_read=consistent)
        except DoesNotExist:
            return None

    @staticmethod
    def _fresh(item: WeComCache | None, now: float) -> str | None:
        if item and item.value and item.valid_until and item.valid_until > now:
            return item.value
        return None

    def get(self, *, stale: str | None = None) -> str:
        """The cached value; refreshed if missing, expired or `stale` (a value WeCom refused)."""
        deadline = time.monotonic() + WAIT_SECONDS
        # The first read eventually consistent (half a read unit: the one read of every page
        # view's share configuration); a stale answer only fails the lease's condition below,
        # and the reads while waiting are consistent.
        consistent = False
        while True:
            now = time.time()
            item = self._read(consistent)
            consistent = True
            value = self._fresh(item, now)
            if value and value != stale:
                return value
            if self._take_lease(now, item.generation if item else None):
                return self._refresh(now)
            if time.monotonic() > deadline:
                raise WeComError(-1, f"timed out waiting for the refresh of {self.key}", self.key)
            time.sleep(POLL_SECONDS)

    def _take_lease(self, now: float, seen: int | None) -> bool:
        """The lease, only while nobody holds it and the item is still the generation just
        read: a caller that read it just before another's refresh ended (WeCom may even answer
        the same token again) must not refresh it a second time."""
        unchanged = (
            WeComCache.generation.does_not_exist()
            if seen is None
            else WeComCache.generation == seen
        )
        free = WeComCache.lease_until.does_not_exist() | (WeComCache.lease_until < int(now))
        try:
            WeComCache(self.key).update(
                actions=[WeComCache.lease_until.set(int(now) + LEASE_SECONDS)],
                condition=free & unchanged,
            )
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def _refresh(self, now: float) -> str:
        try:
            value, expires_in = self.fetch()
        except BaseException:
            WeComCache(self.key).update(actions=[WeComCache.lease_until.remove()])
            raise
        valid_until = int(now) + max(expires_in - MARGIN_SECONDS, expires_in // 2)
        WeComCache(self.key).update(
            actions=[
                WeComCache.value.set(value),
                WeComCache.valid_until.set(valid_until),
                WeComCache.expires_at.set(timedelta(seconds=expires_in + 86400)),
                WeComCache.lease_until.remove(),
                WeComCache.generation.add(1),
            ]
        )
        return value


class WeComClient:
    """WeCom's server API. The Official Account's (`mp_client.MpClient`) is the same client with
    its own token call, cache key and token errcodes: the subclass overrides these three."""

    token_errors = TOKEN_ERRORS

    def __init__(
        self,
        corp_id: str | None = None,
        secret: Callable[[], str] = wecom_secret,
        base_url: str | None = None,
        keep_seconds: float = 0.0,
    ) -> None:
        settings = get_settings()
        # A caller making many calls in a row (the delivery worker) keeps the token it read this
        # long instead of reading the cache before each call; one WeCom refuses is refreshed.
        self.keep_seconds = keep_seconds
        self._kept: tuple[str, float] | None = None
        self.corp_id = corp_id or settings.wecom_corp_id
        self.base_url = (base_url or settings.wecom_api_base).rstrip("/")
        self.timeout = settings.wecom_timeout
        self._secret = secret
        self.token = SharedCredential(self.token_key(), self._fetch_token)

    def token_key(self) -> str:
        return f"access_token#{self.corp_id}"

    def _fetch_token(self) -> tuple[str, int]:
        path = "/cgi-bin/gettoken"
        query = urlencode({"corpid": self.corp_id, "corpsecret": self._secret()})
        body = _get_json(f"{self.base_url}{path}?{query}", self.timeout, path)
        if body.get("errcode", 0) != 0 or not body.get("access_token"):
            raise WeComError(int(body.get("errcode", -1)), str(body.get("errmsg", "")), path)
        return str(body["access_token"]), int(body.get("expires_in", 7200))

    def access_token(self) -> str:
        if self._kept and time.monotonic() < self._kept[1]:
            return self._kept[0]
        return self._keep(self.token.get())

    def _keep(self, token: str) -> str:
        if self.keep_seconds:
            self._kept = (token, time.monotonic() + self.keep_seconds)
        return token

    def get(self, path: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        """`GET path` with the access token; on 42001/40014 one refresh and one retry."""
        return self._call(path, params, None)

    def post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """`POST path` with a JSON body (message/send), the same one refresh and one retry: a
        call refused for its token was not carried out, so sending it again is safe."""
        return self._call(path, None, payload)

    def _call(
        self, path: str, params: dict[str, str] | None, payload: dict[str, Any] | None
    ) -> dict[str, Any]:
        token = self.access_token()
        for attempt in (1, 2):
            query = urlencode({**(params or {}), "access_token": token})
            body = _get_json(f"{self.base_url}{path}?{query}", self.timeout, path, payload)
            errcode = int(body.get("errcode", 0))
            if errcode == 0:
                return body
            if errcode in self.token_errors and attempt == 1:
                token = self._keep(self.token.get(stale=token))
                continue
            raise WeComError(errcode, str(body.get("errmsg", "")), path)
        raise AssertionError("unreachable")

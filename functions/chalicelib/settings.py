"""Every setting of the function side, read once from the environment.

Chalice sets stage variables from `.chalice/config.json`; tests and local tools set the same names.
PynamoDB reads `Meta.host`/`table_name` when a model class is created, so the environment must be
complete before `chalicelib.models` is imported.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field


class SettingsError(RuntimeError):
    """The deployment is misconfigured; fail loudly at start-up rather than per request."""


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _bool(name: str, default: bool) -> bool:
    return _env(name, "true" if default else "false").lower() in {"1", "true", "yes"}


def _jwt_keys() -> dict[str, bytes]:
    """Signing keys by key id. The first key in `JWT_KEYS` signs; all of them verify (rotation)."""
    raw = os.environ.get("JWT_KEYS", "")
    if not raw:
        raise SettingsError("JWT_KEYS is not set: a JSON object {kid: secret}, secrets >= 32 bytes")
    try:
        keys = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise SettingsError(f"JWT_KEYS is not valid JSON: {exc}") from None
    if not isinstance(keys, dict) or not keys:
        raise SettingsError("JWT_KEYS must be a non-empty JSON object {kid: secret}")
    out: dict[str, bytes] = {}
    for kid, secret in keys.items():
        secret_bytes = str(secret).encode()
        if len(secret_bytes) < 32:
            raise SettingsError(f"JWT key {kid!r} is shorter than 32 bytes")
        out[str(kid)] = secret_bytes
    return out


@dataclass(frozen=True)
class Settings:
    stage: str = field(default_factory=lambda: _env("STAGE", "dev"))
    table_prefix: str = field(default_factory=lambda: _env("TABLE_PREFIX", "dangjian-dev-"))
    dynamodb_host: str | None = field(default_factory=lambda: os.environ.get("DYNAMODB_HOST"))
    region: str = field(default_factory=lambda: _env("AWS_DEFAULT_REGION", "cn-north-1"))
    jwt_issuer: str = field(default_factory=lambda: _env("JWT_ISSUER", "dangjian-api"))
    jwt_audience: str = field(default_factory=lambda: _env("JWT_AUDIENCE", "dangjian-h5"))
    access_token_seconds: int = field(
        default_factory=lambda: int(_env("ACCESS_TOKEN_SECONDS", "900"))
    )
    refresh_token_days: int = field(default_factory=lambda: int(_env("REFRESH_TOKEN_DAYS", "30")))
    # Secure cookies need HTTPS; only plain-HTTP local development turns this off.
    cookie_secure: bool = field(default_factory=lambda: _bool("COOKIE_SECURE", True))
    # Cost factor of scrypt (2**n); tests may lower it, production keeps 2**14 (16 MiB per hash).
    scrypt_log2_n: int = field(default_factory=lambda: int(_env("SCRYPT_LOG2_N", "14")))
    login_max_failures: int = 5
    login_window_seconds: int = 15 * 60
    max_body_bytes: int = 16 * 1024


_settings: Settings | None = None
_keys: dict[str, bytes] | None = None


def get_settings() -> Settings:
    global _settings
    if _settings is None:
        _settings = Settings()
    return _settings


def jwt_keys() -> dict[str, bytes]:
    """Loaded on first use so that importing the app never needs the secret (packaging, OpenAPI)."""
    global _keys
    if _keys is None:
        _keys = _jwt_keys()
    return _keys


def reset_for_tests() -> None:
    global _settings, _keys
    _settings = None
    _keys = None

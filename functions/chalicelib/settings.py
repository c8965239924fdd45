"""Every setting of the function side, read once from the environment.

Chalice sets stage variables from `.chalice/config.json`; tests and local tools set the same names.
PynamoDB reads `Meta.host`/`table_name` when a model class is created, so the environment must be
complete before `chalicelib.models` is imported.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from typing import Any

from .aws_session import aws_client


class SettingsError(RuntimeError):
    """The deployment is misconfigured; fail loudly at start-up rather than per request."""


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _bool(name: str, default: bool) -> bool:
    return _env(name, "true" if default else "false").lower() in {"1", "true", "yes"}


def _parse_jwt_keys(raw: str, source: str) -> dict[str, bytes]:
    """`{kid: secret}`; the first key signs, all of them verify (rotation)."""
    try:
        keys = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise SettingsError(f"{source} is not valid JSON: {exc}") from None
    if not isinstance(keys, dict) or not keys:
        raise SettingsError(f"{source} must be a non-empty JSON object {{kid: secret}}")
    out: dict[str, bytes] = {}
    for kid, secret in keys.items():
        secret_bytes = str(secret).encode()
        if len(secret_bytes) < 32:
            raise SettingsError(f"JWT key {kid!r} is shorter than 32 bytes")
        out[str(kid)] = secret_bytes
    return out


def _ssm_client() -> Any:
    """botocore (already in the package for PynamoDB) rather than boto3: nothing more to ship.
    Built once, from the process's one botocore session (aws_session)."""
    return aws_client("ssm", os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"))


def _jwt_keys() -> dict[str, bytes]:
    """`JWT_KEYS` (local development, tests) or else the SecureString `JWT_KEYS_PARAMETER` names.

    In AWS the secret lives only in SSM Parameter Store; the Lambda role may read that one
    parameter, and neither the repository nor the template ever holds it.
    """
    raw = os.environ.get("JWT_KEYS", "")
    if raw:
        return _parse_jwt_keys(raw, "JWT_KEYS")
    parameter = os.environ.get("JWT_KEYS_PARAMETER", "")
    if not parameter:
        raise SettingsError(
            "JWT_KEYS (a JSON object {kid: secret}, secrets >= 32 bytes) or "
            "JWT_KEYS_PARAMETER (the SSM SecureString holding it) must be set"
        )
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        response = _ssm_client().get_parameter(Name=parameter, WithDecryption=True)
    except (BotoCoreError, ClientError) as exc:
        raise SettingsError(
            f"cannot read the JWT keys from SSM parameter {parameter}: {exc}"
        ) from exc
    return _parse_jwt_keys(response["Parameter"]["Value"], f"SSM parameter {parameter}")


def wecom_secret_configured() -> bool:
    """Whether a corp secret is set (in the environment or as an SSM parameter's name), unread."""
    return bool(os.environ.get("WECOM_SECRET") or os.environ.get("WECOM_SECRET_PARAMETER"))


def _secret(name: str, what: str) -> str:
    """`NAME` (local development, tests) or else the SecureString `NAME_PARAMETER` names: like
    the JWT keys, such a secret lives only in SSM in AWS."""
    raw = os.environ.get(name, "")
    if raw:
        return raw
    parameter = os.environ.get(f"{name}_PARAMETER", "")
    if not parameter:
        raise SettingsError(f"{name} or {name}_PARAMETER (SSM SecureString) must be set")
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        response = _ssm_client().get_parameter(Name=parameter, WithDecryption=True)
    except (BotoCoreError, ClientError) as exc:
        raise SettingsError(f"cannot read the {what} from SSM {parameter}: {exc}") from exc
    return str(response["Parameter"]["Value"])


def wecom_secret() -> str:
    """The WeCom corp secret: `WECOM_SECRET` or the SSM parameter `WECOM_SECRET_PARAMETER`."""
    return _secret("WECOM_SECRET", "WeCom secret")


def wechat_mp_secret_configured() -> bool:
    """Whether the Official Account's AppSecret is set (in the environment or SSM), unread."""
    return bool(os.environ.get("WECHAT_MP_SECRET") or os.environ.get("WECHAT_MP_SECRET_PARAMETER"))


def wechat_mp_secret() -> str:
    """The Official Account's AppSecret: `WECHAT_MP_SECRET` or the SSM parameter
    `WECHAT_MP_SECRET_PARAMETER` (like the corp secret)."""
    return _secret("WECHAT_MP_SECRET", "Official Account secret")


@dataclass(frozen=True)
class Settings:
    stage: str = field(default_factory=lambda: _env("STAGE", "dev"))
    table_prefix: str = field(default_factory=lambda: _env("TABLE_PREFIX", "dangjian-dev-"))
    dynamodb_host: str | None = field(default_factory=lambda: os.environ.get("DYNAMODB_HOST"))
    region: str = field(default_factory=lambda: _env("AWS_DEFAULT_REGION", "ap-east-1"))
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
    # Some organisations forbid point rankings: false turns every board endpoint and page off.
    rankings_enabled: bool = field(default_factory=lambda: _bool("RANKINGS_ENABLED", True))
    # 考核评价 (assessment.py): false switches the whole area off for this organisation (its
    # routes answer 404, its page says so, its nightly job does nothing).
    assessment_enabled: bool = field(default_factory=lambda: _bool("ASSESSMENT_ENABLED", True))
    board_top_n: int = field(default_factory=lambda: int(_env("BOARD_TOP_N", "50")))
    red_black_size: int = field(default_factory=lambda: int(_env("RED_BLACK_SIZE", "5")))
    # Comments: "post" (visible at once, reviewers can hide) or "pre" (held until a reviewer of
    # the commenter's branch approves); the word list (one word a line) and the rate limits.
    comment_moderation: str = field(default_factory=lambda: _env("COMMENT_MODERATION", "post"))
    sensitive_words_file: str = field(default_factory=lambda: _env("SENSITIVE_WORDS_FILE", ""))
    comments_per_minute: int = field(default_factory=lambda: int(_env("COMMENTS_PER_MINUTE", "2")))
    comments_per_day: int = field(default_factory=lambda: int(_env("COMMENTS_PER_DAY", "20")))
    login_max_failures: int = 5
    login_window_seconds: int = 15 * 60
    # Activation guesses across accounts (the last four digits have only 10^4 values and member
    # numbers are sequential): failed activations per client and organisation-wide per window.
    activation_client_failures: int = field(
        default_factory=lambda: int(_env("ACTIVATION_CLIENT_FAILURES", "10"))
    )
    activation_org_failures: int = field(
        default_factory=lambda: int(_env("ACTIVATION_ORG_FAILURES", "50"))
    )
    activation_window_seconds: int = field(
        default_factory=lambda: int(_env("ACTIVATION_WINDOW_SECONDS", "3600"))
    )
    # DynamoDB client limits: a stalled database must fail fast, inside the function's own
    # timeout (15 s): (connect + read) x (1 + retries) = 10 s at most for one call, and the
    # first failure ends the request with a 503 the page retries, not a Lambda timeout.
    db_connect_timeout: float = field(
        default_factory=lambda: float(_env("DB_CONNECT_TIMEOUT_SECONDS", "2"))
    )
    db_read_timeout: float = field(
        default_factory=lambda: float(_env("DB_READ_TIMEOUT_SECONDS", "3"))
    )
    db_max_retries: int = field(default_factory=lambda: int(_env("DB_MAX_RETRIES", "1")))
    max_body_bytes: int = 16 * 1024
    # WeCom (企业微信): the corp id, and the API origin (the one place it is named; tests and
    # `make dev` point it at infra/wecom_standin.py). The secret is read by `wecom_secret()`.
    wecom_corp_id: str = field(default_factory=lambda: _env("WECOM_CORP_ID", ""))
    wecom_api_base: str = field(
        default_factory=lambda: _env("WECOM_API_BASE", "https://qyapi.weixin.qq.com")
    )
    wecom_timeout: float = field(default_factory=lambda: float(_env("WECOM_TIMEOUT_SECONDS", "5")))
    # WeCom sign-in (web OAuth, snsapi_base) and application messages: the app's agent id
    # (unset: no WeCom sign-in and no pushes), the authorize page's origin (WeCom's and the
    # Official Account's), and which registry field a WeCom userid is: "wecom_userid" (bound once
    # per member at sign-in) or "member_no" (the organisation uses the ERP number as the userid:
    # no binding).
    wecom_agent_id: str = field(default_factory=lambda: _env("WECOM_AGENT_ID", ""))
    oauth_authorize_base: str = field(
        default_factory=lambda: _env("OAUTH_AUTHORIZE_BASE", "https://open.weixin.qq.com")
    )
    wecom_userid_field: str = field(
        default_factory=lambda: _env("WECOM_USERID_FIELD", "wecom_userid")
    )
    # The WeChat Official Account (服务号), optional per organisation: its AppID (unset: no 公众号
    # sign-in) and its API origin; the AppSecret is read by `wechat_mp_secret()`.
    wechat_mp_app_id: str = field(default_factory=lambda: _env("WECHAT_MP_APP_ID", ""))
    wechat_mp_api_base: str = field(
        default_factory=lambda: _env("WECHAT_MP_API_BASE", "https://api.weixin.qq.com")
    )
    # Its template messages (the outbox's `mp` channel): the template of each message kind as
    # JSON (chalicelib/mp_templates.py); unset: no pushes through the Official Account.
    wechat_mp_templates: str = field(default_factory=lambda: _env("WECHAT_MP_TEMPLATES", ""))
    # The site's own origins (comma-separated): the only pages the JS-SDK config is signed for.
    site_origins: tuple[str, ...] = field(
        default_factory=lambda: tuple(
            o.strip().rstrip("/") for o in _env("SITE_ORIGINS", "").split(",") if o.strip()
        )
    )

    # Files from phones (uploads.py): the private bucket the pages upload to with pre-signed
    # POSTs. `S3_ENDPOINT` only locally (the S3 stand-in, infra/s3_standin.py); unset in AWS.
    uploads_bucket: str = field(
        default_factory=lambda: _env("UPLOADS_BUCKET", "dangjian-dev-uploads")
    )
    s3_endpoint: str | None = field(default_factory=lambda: os.environ.get("S3_ENDPOINT") or None)

    # 微党课 media (media_uploads.py): the private bucket of lesson videos and audio, served at
    # /media/* through CloudFront (the S3 stand-in's own bucket locally, same S3_ENDPOINT).
    media_bucket: str = field(default_factory=lambda: _env("MEDIA_BUCKET", "dangjian-dev-media"))

    # The outbox's delivery (chalicelib/delivery.py; README: Notifications) pushes through the
    # same WeCom application (`wecom_agent_id`) to the userid `wecom_userid_field` names.
    # No pushes of non-urgent messages in these hours (Asia/Shanghai, "HH:MM-HH:MM"; "" none).
    push_quiet_hours: str = field(default_factory=lambda: _env("PUSH_QUIET_HOURS", "22:00-07:30"))
    # The pace of one run (one a minute): person-times in all, and messages to one member (WeCom
    # drops what exceeds 30 a minute or 1000 an hour to one member: 15 a run stays below both).
    push_per_run: int = field(default_factory=lambda: int(_env("PUSH_PER_RUN", "5000")))
    push_per_member_per_run: int = field(
        default_factory=lambda: int(_env("PUSH_PER_MEMBER_PER_RUN", "15"))
    )
    # Transient failures: attempts in all, the first wait (doubled each time), the lease a worker
    # holds on a message while sending it, and how long one run may keep starting sends.
    push_max_attempts: int = field(default_factory=lambda: int(_env("PUSH_MAX_ATTEMPTS", "6")))
    push_backoff_seconds: int = field(
        default_factory=lambda: int(_env("PUSH_BACKOFF_SECONDS", "60"))
    )
    push_lease_seconds: int = field(default_factory=lambda: int(_env("PUSH_LEASE_SECONDS", "90")))
    push_run_seconds: float = field(default_factory=lambda: float(_env("PUSH_RUN_SECONDS", "40")))
    # Meeting check-in (meeting_checkin.py): open from this many minutes before a meeting starts
    # to this many after it ends; the rotating code's step (a code is accepted in its own step
    # and the next: 30 s gives 30–60 s); wrong codes a member may send per meeting.
    checkin_opens_minutes: int = field(default_factory=lambda: int(_env("CHECKIN_OPENS_MIN", "30")))
    checkin_closes_minutes: int = field(
        default_factory=lambda: int(_env("CHECKIN_CLOSES_MIN", "30"))
    )
    checkin_step_seconds: int = field(
        default_factory=lambda: int(_env("CHECKIN_STEP_SECONDS", "30"))
    )
    checkin_max_wrong: int = field(default_factory=lambda: int(_env("CHECKIN_MAX_WRONG", "10")))
    # The per-member write budget (write_budget.py; README: Limits): at most this many
    # POST/PUT/PATCH/DELETE requests by one signed-in member per fixed window of seconds.
    write_budget_limit: int = field(default_factory=lambda: int(_env("WRITE_BUDGET_LIMIT", "120")))
    write_budget_window_seconds: int = field(
        default_factory=lambda: int(_env("WRITE_BUDGET_WINDOW_SECONDS", "60"))
    )

    def __post_init__(self) -> None:
        # Only plain-HTTP local development may send the refresh cookie without Secure.
        if not self.cookie_secure and os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
            raise SettingsError("COOKIE_SECURE=false is for local development only, not Lambda")
        if self.wecom_userid_field not in {"wecom_userid", "member_no"}:
            raise SettingsError("WECOM_USERID_FIELD must be wecom_userid or member_no")


_settings: Settings | None = None
_keys: dict[str, bytes] | None = None
_keys_loaded_at = 0.0
# A warm Lambda re-reads the parameter this often, so a rotated key reaches every container
# without a redeploy (README: rotating the JWT key).
KEYS_MAX_AGE_SECONDS = 300.0


def get_settings() -> Settings:
    global _settings
    if _settings is None:
        _settings = Settings()
    return _settings


def jwt_keys() -> dict[str, bytes]:
    """Loaded on first use (the cold start) so that importing the app never needs the secret
    (packaging, OpenAPI), then cached for `KEYS_MAX_AGE_SECONDS`. If a later re-read fails the
    cached keys stay in use: a brief SSM outage must not log everybody out."""
    global _keys, _keys_loaded_at
    now = time.monotonic()
    if _keys is None or now - _keys_loaded_at > KEYS_MAX_AGE_SECONDS:
        try:
            _keys = _jwt_keys()
        except SettingsError:
            if _keys is None:
                raise
        _keys_loaded_at = now
    return _keys


def reset_for_tests() -> None:
    global _settings, _keys, _keys_loaded_at
    _settings = None
    _keys = None
    _keys_loaded_at = 0.0

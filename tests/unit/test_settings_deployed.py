"""Settings a deployed stage must never have: plain-HTTP cookies, database limits past the
function's own timeout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chalicelib import settings

CONFIG = json.loads(
    (Path(__file__).resolve().parents[2] / "functions/.chalice/config.json").read_text()
)


@pytest.mark.parametrize("stage", sorted(CONFIG["stages"]))
def test_no_deployed_stage_sends_the_refresh_cookie_without_secure(stage: str) -> None:
    env = {**CONFIG["environment_variables"], **CONFIG["stages"][stage]["environment_variables"]}
    assert env.get("COOKIE_SECURE", "true").lower() in {"1", "true", "yes"}


def test_insecure_cookies_are_refused_inside_lambda(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COOKIE_SECURE", "false")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "dangjian-dev")
    with pytest.raises(settings.SettingsError):
        settings.Settings()
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME")
    assert settings.Settings().cookie_secure is False  # plain-HTTP local development may


def test_a_stalled_database_fails_inside_the_function_timeout() -> None:
    s = settings.Settings()
    worst = (s.db_connect_timeout + s.db_read_timeout) * (1 + s.db_max_retries)
    assert worst < CONFIG["lambda_timeout"]

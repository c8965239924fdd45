"""JWT keys from SSM Parameter Store (AWS) or `JWT_KEYS` (local, tests).

botocore's Stubber stands in for SSM: it checks the exact request we send (the parameter name,
decryption on) and answers like the service would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import botocore.session
import pytest
from botocore.stub import Stubber

from chalicelib import settings

PARAMETER = "/dangjian/prod/jwt-keys"
KEYS = {"2026-02": "n" * 40, "2026-01": "o" * 40}


@pytest.fixture
def ssm(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    client = botocore.session.get_session().create_client(
        "ssm",
        region_name="ap-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    monkeypatch.delenv("JWT_KEYS", raising=False)
    monkeypatch.setenv("JWT_KEYS_PARAMETER", PARAMETER)
    monkeypatch.setattr(settings, "_ssm_client", lambda: client)
    settings.reset_for_tests()
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()
    monkeypatch.undo()
    settings.reset_for_tests()


def _answer(stubber: Stubber, value: str) -> None:
    stubber.add_response(
        "get_parameter",
        {"Parameter": {"Name": PARAMETER, "Type": "SecureString", "Value": value, "Version": 1}},
        {"Name": PARAMETER, "WithDecryption": True},
    )


def test_keys_come_from_the_parameter_once_per_cold_start(ssm: Stubber) -> None:
    _answer(ssm, json.dumps(KEYS))
    first = settings.jwt_keys()
    assert list(first) == ["2026-02", "2026-01"]  # order kept: the first key signs
    assert first["2026-02"] == b"n" * 40
    assert settings.jwt_keys() is first  # cached: the stub had one answer only


def test_a_rotated_parameter_is_picked_up_after_the_cache_period(
    ssm: Stubber, monkeypatch: pytest.MonkeyPatch
) -> None:
    _answer(ssm, json.dumps({"2026-01": "o" * 40}))
    _answer(ssm, json.dumps(KEYS))
    assert list(settings.jwt_keys()) == ["2026-01"]
    clock = settings.time.monotonic() + settings.KEYS_MAX_AGE_SECONDS + 1
    monkeypatch.setattr(settings.time, "monotonic", lambda: clock)
    assert list(settings.jwt_keys()) == ["2026-02", "2026-01"]


def test_a_failed_re_read_keeps_the_cached_keys(
    ssm: Stubber, monkeypatch: pytest.MonkeyPatch
) -> None:
    _answer(ssm, json.dumps(KEYS))
    ssm.add_client_error("get_parameter", "InternalServerError", http_status_code=500)
    keys = settings.jwt_keys()
    clock = settings.time.monotonic() + settings.KEYS_MAX_AGE_SECONDS + 1
    monkeypatch.setattr(settings.time, "monotonic", lambda: clock)
    assert settings.jwt_keys() == keys


def test_a_missing_parameter_fails_loudly_with_its_name(ssm: Stubber) -> None:
    ssm.add_client_error("get_parameter", "ParameterNotFound", http_status_code=400)
    with pytest.raises(settings.SettingsError, match=PARAMETER):
        settings.jwt_keys()


@pytest.mark.parametrize("value", ["not json", "{}", json.dumps({"k": "short"})])
def test_a_malformed_parameter_fails_loudly(ssm: Stubber, value: str) -> None:
    _answer(ssm, value)
    with pytest.raises(settings.SettingsError):
        settings.jwt_keys()


def test_jwt_keys_in_the_environment_win_without_calling_ssm(
    ssm: Stubber, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JWT_KEYS", json.dumps({"local": "l" * 40}))
    assert list(settings.jwt_keys()) == ["local"]  # the stub has no answer queued: no SSM call


def test_neither_variable_set_fails_loudly(ssm: Stubber, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JWT_KEYS_PARAMETER")
    with pytest.raises(settings.SettingsError, match="JWT_KEYS_PARAMETER"):
        settings.jwt_keys()

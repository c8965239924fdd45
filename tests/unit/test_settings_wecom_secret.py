"""The WeCom corp secret from SSM Parameter Store (AWS) or `WECOM_SECRET` (local, tests); read
only when a token is fetched (every ~2 hours), so a rotated secret is used at the next refresh."""

from __future__ import annotations

from collections.abc import Iterator

import botocore.session
import pytest
from botocore.stub import Stubber

from chalicelib import settings

PARAMETER = "/dangjian/prod/wecom-secret"


@pytest.fixture
def ssm(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    client = botocore.session.get_session().create_client(
        "ssm", region_name="ap-east-1", aws_access_key_id="t", aws_secret_access_key="t"
    )
    monkeypatch.delenv("WECOM_SECRET", raising=False)
    monkeypatch.setenv("WECOM_SECRET_PARAMETER", PARAMETER)
    monkeypatch.setattr(settings, "_ssm_client", lambda: client)
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def test_secret_comes_from_the_parameter(ssm: Stubber) -> None:
    ssm.add_response(
        "get_parameter",
        {"Parameter": {"Name": PARAMETER, "Type": "SecureString", "Value": "s3cr3t", "Version": 1}},
        {"Name": PARAMETER, "WithDecryption": True},
    )
    assert settings.wecom_secret() == "s3cr3t"


def test_unreadable_parameter_is_a_settings_error(ssm: Stubber) -> None:
    ssm.add_client_error("get_parameter", "ParameterNotFound")
    with pytest.raises(settings.SettingsError, match="WeCom secret"):
        settings.wecom_secret()


def test_neither_set_is_a_settings_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WECOM_SECRET", raising=False)
    monkeypatch.delenv("WECOM_SECRET_PARAMETER", raising=False)
    with pytest.raises(settings.SettingsError, match="WECOM_SECRET"):
        settings.wecom_secret()


def test_local_secret_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WECOM_SECRET", "local")
    assert settings.wecom_secret() == "local"

"""Other AWS clients (SSM, for the JWT keys) come from the process's one botocore session and are
built once: a warm Lambda re-reads the keys every five minutes, and used to build a new session
and client each time."""

from __future__ import annotations

import botocore.session
import pytest

from chalicelib import aws_session, settings


def test_the_ssm_client_is_built_once_from_the_shared_session(monkeypatch: pytest.MonkeyPatch):
    made: list[tuple[botocore.session.Session, str]] = []
    original = botocore.session.Session.create_client

    def counting(self, service_name, *args, **kwargs):
        made.append((self, service_name))
        return original(self, service_name, *args, **kwargs)

    monkeypatch.setattr(botocore.session.Session, "create_client", counting)
    monkeypatch.setattr(aws_session, "_clients", {})
    monkeypatch.setenv("AWS_REGION", "ap-east-1")

    first = settings._ssm_client()
    assert settings._ssm_client() is first
    assert first.meta.region_name == "ap-east-1"
    assert made == [(aws_session.botocore_session(), "ssm")]

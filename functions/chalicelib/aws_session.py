"""The process's one botocore session, and the clients of AWS services other than DynamoDB
(SSM, for the JWT keys) built from it once each. The session's loader caches the parsed service
models, so every further client costs much less. `models/base.py` builds the one DynamoDB client
from the same session; this module needs nothing else of ours, so settings can use it too.

botocore clients are thread-safe, sessions are not: everything here happens under one lock."""

from __future__ import annotations

import threading

import botocore.session
from botocore.client import BaseClient

lock = threading.RLock()
_session: botocore.session.Session | None = None
_clients: dict[tuple[str, str | None], BaseClient] = {}


def botocore_session() -> botocore.session.Session:
    """The process's one botocore session. Only ever used under `lock`."""
    global _session
    with lock:
        if _session is None:
            _session = botocore.session.get_session()
        return _session


def aws_client(service: str, region: str | None = None) -> BaseClient:
    """A client of another AWS service from the one session, built once per process."""
    with lock:
        if (service, region) not in _clients:
            _clients[service, region] = botocore_session().create_client(
                service, region_name=region
            )
        return _clients[service, region]

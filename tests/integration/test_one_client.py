"""One botocore session and one DynamoDB client per process, whatever the tables, transactions and
low-level calls a process makes (a cold Lambda used to build a client per table it touched)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import UTC, datetime

import pytest

from chalicelib.models import ALL_MODELS, LoginThrottle, Member, SessionFamily
from chalicelib.models.base import Transaction, connection, dynamodb_client
from chalicelib.settings import get_settings

pytestmark = pytest.mark.usefixtures("clean_tables")
LATER = datetime(2100, 1, 1, tzinfo=UTC)

# A fresh process, as a Lambda container starts: every `create_client("dynamodb")` is counted
# from before the app is imported. Eight threads touch every table at once on first use (chalice
# local serves parallel requests from threads), then gets, queries and a transaction follow.
CHILD = textwrap.dedent(
    """
    import json, threading
    from datetime import UTC, datetime

    import botocore.session

    made = []
    original = botocore.session.Session.create_client

    def counting(self, service_name, *args, **kwargs):
        client = original(self, service_name, *args, **kwargs)
        if service_name == "dynamodb":
            made.append((id(self), id(client)))
        return client

    botocore.session.Session.create_client = counting

    import app  # noqa: F401 - the whole app, as the Lambda runtime imports it
    from chalicelib.models import ALL_MODELS, LoginThrottle, Member, OrgUnit, SessionFamily
    from chalicelib.models.base import Transaction

    def report():
        counts = {"clients": len({c for _, c in made}), "sessions": len({s for s, _ in made})}
        print(json.dumps(counts), flush=True)

    start = threading.Barrier(8)

    def touch(models):
        start.wait()
        for model in models:
            list(model.scan(limit=1))

    threads = [threading.Thread(target=touch, args=(ALL_MODELS[i::8],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        Member.get("no-such-member")
    except Member.DoesNotExist:
        pass
    list(OrgUnit.query("no-such-unit"))
    later = datetime(2100, 1, 1, tzinfo=UTC)
    with Transaction() as tx:
        tx.save("throttle", LoginThrottle("one-client#tx", count=1, expires_at=later))
        family = SessionFamily(
            "one-client#tx", member_no="1", epoch=1, created_at=1, expires_at=later
        )
        tx.save("family", family)
    report()
    from chalicelib.models.base import dynamodb_client

    dynamodb_client().get_item(TableName=Member.Meta.table_name, Key={"member_no": {"S": "x"}})
    report()
    """
)


def test_a_fresh_process_builds_one_client_for_every_table_and_transaction():
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=120)
    lines = out.stdout.splitlines()
    assert lines, out.stderr[-3000:]
    # Every table (touched from eight threads at once), a get, a query and a transaction.
    assert json.loads(lines[0]) == {"clients": 1, "sessions": 1}, out.stderr[-3000:]
    # A low-level call through dynamodb_client() as well.
    assert out.returncode == 0, out.stderr[-3000:]
    assert json.loads(lines[1]) == {"clients": 1, "sessions": 1}
    assert LoginThrottle.get("one-client#tx").count == 1
    assert SessionFamily.get("one-client#tx").member_no == "1"


def test_models_transactions_and_low_level_calls_share_the_one_client():
    client = dynamodb_client()
    assert {id(model._get_connection().connection.client) for model in ALL_MODELS} == {id(client)}
    with Transaction() as tx:
        assert tx._tx._connection is connection()
        tx.save("throttle", LoginThrottle("one-client#shared", count=1, expires_at=LATER))
    assert connection().client is client
    # The low-level client reaches the same tables (its TableName carries the stage's prefix).
    item = client.get_item(
        TableName=LoginThrottle.Meta.table_name, Key={"key": {"S": "one-client#shared"}}
    )
    assert item["Item"]["count"] == {"N": "1"}
    assert Member.count() == 0


def test_the_shared_client_has_the_settings_host_region_timeouts_and_retries():
    settings = get_settings()
    meta = dynamodb_client().meta
    assert meta.endpoint_url == settings.dynamodb_host
    assert meta.region_name == settings.region
    assert meta.config.connect_timeout == settings.db_connect_timeout
    assert meta.config.read_timeout == settings.db_read_timeout
    assert meta.config.retries["total_max_attempts"] == 1 + settings.db_max_retries

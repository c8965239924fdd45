"""Table options shared by every model: the stage's table-name prefix, host and billing."""

from __future__ import annotations

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from ..settings import get_settings

_settings = get_settings()


class _Meta:
    host = _settings.dynamodb_host
    region = _settings.region
    billing_mode = "PAY_PER_REQUEST"


def table_meta(name: str) -> type:
    """A model's `Meta`: the table is `<TABLE_PREFIX><name>`."""
    return type("Meta", (_Meta,), {"table_name": f"{_settings.table_prefix}{name}"})


_connection: Connection | None = None


def transaction() -> TransactWrite:
    """A TransactWrite against the models' own endpoint: PynamoDB does not pass a model's
    host/region to transactions, so without this they would go to AWS from DynamoDB Local."""
    global _connection
    if _connection is None:
        _connection = Connection(host=_settings.dynamodb_host, region=_settings.region)
    return TransactWrite(connection=_connection)


def cancellation_codes(exc: TransactWriteError) -> list[str | None]:
    """Why each item of a cancelled transaction failed ("ConditionalCheckFailed", None, ...).

    The order is PynamoDB's, not the order of the calls: first the condition checks, then the
    deletes, the puts and the updates (each group in call order)."""
    return [r.code if r else None for r in getattr(exc, "cancellation_reasons", None) or []]

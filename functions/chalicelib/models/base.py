"""Table options shared by every model (the stage's prefix, host, billing, client limits) and
the one transaction helper."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from ..settings import get_settings

_settings = get_settings()
_LIMITS = {
    "connect_timeout_seconds": _settings.db_connect_timeout,
    "read_timeout_seconds": _settings.db_read_timeout,
    "max_retry_attempts": _settings.db_max_retries,
}


class _Meta:
    host = _settings.dynamodb_host
    region = _settings.region
    billing_mode = "PAY_PER_REQUEST"
    connect_timeout_seconds = _settings.db_connect_timeout
    read_timeout_seconds = _settings.db_read_timeout
    max_retry_attempts = _settings.db_max_retries


def table_meta(name: str, *, stream: str | None = None) -> type:
    """A model's `Meta`: the table is `<TABLE_PREFIX><name>`; `stream` ("NEW_AND_OLD_IMAGES", ...)
    turns on the table's DynamoDB Stream (created locally and in the stack alike)."""
    attrs: dict[str, Any] = {"table_name": f"{_settings.table_prefix}{name}"}
    if stream:
        attrs["stream_view_type"] = stream
    return type("Meta", (_Meta,), attrs)


_connection: Connection | None = None


def _transaction_connection() -> Connection:
    # PynamoDB does not pass a model's host/region/limits to transactions: without this they
    # would go to AWS from DynamoDB Local, with the library's 30 s timeouts.
    global _connection
    if _connection is None:
        _connection = Connection(host=_settings.dynamodb_host, region=_settings.region, **_LIMITS)
    return _connection


class TransactionCancelled(Exception):  # noqa: N818 - DynamoDB's own word
    """A transaction DynamoDB cancelled; `reasons` maps each item's label to its code
    ("ConditionalCheckFailed", "TransactionConflict", ...) or None when that item was fine."""

    def __init__(self, reasons: dict[str, str | None], cause: TransactWriteError) -> None:
        super().__init__(f"transaction cancelled: {reasons}")
        self.reasons = reasons
        self.cause = cause

    def failed(self, label: str) -> bool:
        """Did this item's own condition fail?"""
        return self.reasons.get(label) == "ConditionalCheckFailed"

    @property
    def conflict(self) -> bool:
        """Another write to the same items (or no reason given): trying again may succeed."""
        codes = set(self.reasons.values())
        return not self.reasons or "TransactionConflict" in codes


class Transaction:
    """TransactWriteItems whose items carry labels, so a cancellation is read by label.

        with Transaction() as tx:
            tx.save("entry", entry, condition=...)
            tx.update("cap", counter, actions=[...], condition=...)
        # raises TransactionCancelled; `exc.failed("cap")`

    PynamoDB sends the items grouped (condition checks, deletes, puts, updates) whatever the call
    order; `_ORDER` mirrors that grouping in this one place, and a test against DynamoDB Local
    checks that every label receives its own item's reason.
    """

    _ORDER = ("check", "delete", "put", "update")

    def __init__(self) -> None:
        self._tx = TransactWrite(connection=_transaction_connection())
        self._labels: dict[str, list[str]] = {kind: [] for kind in self._ORDER}

    def _label(self, kind: str, label: str) -> None:
        if any(label in labels for labels in self._labels.values()):
            raise ValueError(f"duplicate transaction label {label!r}")
        self._labels[kind].append(label)

    def check(
        self,
        label: str,
        model_cls: type[Model],
        hash_key: Any,
        range_key: Any = None,
        *,
        condition: Condition,
    ) -> None:
        self._label("check", label)
        self._tx.condition_check(model_cls, hash_key, range_key, condition=condition)

    def delete(self, label: str, model: Model, condition: Condition | None = None) -> None:
        self._label("delete", label)
        self._tx.delete(model, condition=condition)

    def save(self, label: str, model: Model, condition: Condition | None = None) -> None:
        self._label("put", label)
        self._tx.save(model, condition=condition)

    def update(
        self,
        label: str,
        model: Model,
        actions: Sequence[Action],
        condition: Condition | None = None,
    ) -> None:
        self._label("update", label)
        self._tx.update(model, actions=list(actions), condition=condition)

    def labels(self) -> list[str]:
        """The labels in the order DynamoDB receives the items."""
        return [label for kind in self._ORDER for label in self._labels[kind]]

    def __enter__(self) -> Transaction:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            return
        try:
            self._tx.__exit__(None, None, None)  # commits
        except TransactWriteError as error:
            codes = [r.code if r else None for r in error.cancellation_reasons or []]
            if not codes:  # not a cancellation (throttling, a network error): as it is
                raise
            reasons = dict(zip(self.labels(), codes, strict=False))
            raise TransactionCancelled(reasons, error) from error

"""Table options shared by every model (the stage's prefix, host, billing, client limits), the
process's one DynamoDB client, and the one transaction helper.

One client per process. PynamoDB gives each model class its own `TableConnection`, each with its
own `Connection`, botocore session and client: 27 tables meant 27 sessions, each parsing the
DynamoDB service model again (seconds of CPU and hundreds of MiB in a cold Lambda). PynamoDB 6 has
no option for sharing one (pynamodb/PynamoDB#876, #1245 are open), but its own design allows it:
a `Connection` serves any number of tables (every call names its table; `add_meta_table` is the
public way to teach it a schema), and `TableConnection.connection` is the public attribute through
which a model reaches it. So `share_connection(ALL_MODELS)`, called once by `chalicelib.models`,
lets PynamoDB build each model's `TableConnection` as usual and points it at the one shared
`Connection`; nothing is patched in the library and the models stay plain `Model` subclasses.
Transactions (`Transaction`) and low-level code (`dynamodb_client()`) use the same connection;
other AWS services (`aws_session.aws_client()`, SSM for the JWT keys) the same session.

botocore clients are thread-safe, sessions are not: the session and the client are built once,
under a lock (`chalice local` serves parallel requests from threads; a Lambda one at a time).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import Any

import botocore.session
from botocore.client import BaseClient
from pynamodb.connection import Connection
from pynamodb.exceptions import TableError, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from ..aws_session import botocore_session, lock
from ..settings import get_settings

_settings = get_settings()
_LIMITS = {
    "connect_timeout_seconds": _settings.db_connect_timeout,
    "read_timeout_seconds": _settings.db_read_timeout,
    "max_retry_attempts": _settings.db_max_retries,
    # One pool for every table now: a Lambda uses one connection at a time, but `chalice local`
    # serves bursts of parallel requests from threads, which would otherwise overflow the
    # library's 10 and reconnect on every call.
    "max_pool_connections": 50,
}


class _Meta:
    # PynamoDB still reads these (`max_retry_attempts` bounds batch-write retries); the client
    # itself is the shared one below, built from the same settings.
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


_connection: _SharedConnection | None = None


class _SharedConnection(Connection):
    """PynamoDB's `Connection` with the process's one session, its client built under a lock.

    PynamoDB builds the client on first use (and again if it ever holds no credentials); both
    happen here under the lock, so parallel first requests cannot build a client each."""

    @property
    def session(self) -> botocore.session.Session:
        return botocore_session()

    @property
    def client(self) -> Any:
        with lock:
            return super().client


def connection() -> Connection:
    """The process's one PynamoDB `Connection` (every table; host, region, timeouts and retries
    from the settings), for transactions and low-level calls: `connection().update_item(...)`."""
    global _connection
    with lock:
        if _connection is None:
            _connection = _SharedConnection(
                host=_settings.dynamodb_host, region=_settings.region, **_LIMITS
            )
        return _connection


def dynamodb_client() -> BaseClient:
    """The process's one botocore DynamoDB client, for what PynamoDB does not express (e.g. an
    UpdateItem with dynamic attribute names). Calls through it are plain botocore calls: the
    parameters are DynamoDB's own (`TableName` includes the stage's prefix, see `table_meta`)."""
    return connection().client


def share_connection(models: Iterable[type[Model]]) -> None:
    """Point each model at the shared connection. PynamoDB builds the model's `TableConnection`
    (cheap: no session, no client) from its `Meta` and schema; its table's schema moves to the
    shared `Connection` and the throwaway private `Connection` is dropped before it builds
    anything."""
    shared = connection()
    for model in models:
        table = model._get_connection()
        if table.connection is shared:
            continue
        try:
            shared.get_meta_table(table.table_name)
        except TableError:
            shared.add_meta_table(table.get_meta_table())
        table.connection = shared


def condition_failed(exc: Exception) -> bool:
    """Did a write fail only because its condition did not hold? (PynamoDB's errors carry the
    code as `cause_response_code`; a plain botocore ClientError in its response.)"""
    code = getattr(exc, "cause_response_code", None)
    if code is None:
        code = (getattr(exc, "response", None) or {}).get("Error", {}).get("Code")
    return code == "ConditionalCheckFailedException"


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
        self._tx = TransactWrite(connection=connection())
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

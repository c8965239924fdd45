"""Count the DynamoDB capacity units our own code consumes, as AWS bills them (benchmarks only).

`metered()` patches botocore's `BaseClient._make_api_call` for the duration of a `with` block. Every
DynamoDB data call made in it (PynamoDB goes through botocore) is counted twice:

- **AWS-billed** (`meter.read_units`, `meter.write_units`): derived from item sizes with AWS's
  published rules, below. DynamoDB Local follows them for plain PutItem/UpdateItem, but reports a
  TransactWriteItems per table, not per item (a 1-item and a 10-item transaction into one table
  both report 4.0), and reports nothing for a cancelled transaction.
- **DynamoDB Local's own figures** (`meter.local_read`, `meter.local_write`): what it answers to
  `ReturnConsumedCapacity=INDEXES`, kept beside the derived ones.

To know the sizes, the meter reads what it needs through the same client without counting it:
the table's key schema and indexes (DescribeTable, cached), the affected items before and after
each write (consistent GetItem), the full items behind a projected read, and for Query/Scan the
same page again without its filter and projection (AWS bills what was read, before any filter).

The rules, with their sources (AWS Amazon DynamoDB Developer Guide unless said otherwise):

- Item size (CapacityUnitCalculations.html, "DynamoDB item sizes and formats"): the sum of the
  UTF-8 lengths of the attribute names and the sizes of the values. A string is its UTF-8 bytes;
  a number about 1 byte per two significant digits + 1 (leading and trailing zeros trimmed); a
  binary its raw bytes; null or Boolean 1 byte; a List or Map 3 bytes + its elements, each
  element + 1 byte; a set the sum of its elements. The 100 bytes per item "for indexing" on that
  page are storage overhead (storage billing), not request units, so they are not added here.
- Reads (read-write-operations.html, "Capacity unit consumption for read operations"): GetItem
  1 unit per 4 KB of the item (rounded up), half if eventually consistent; reading an item that
  does not exist still costs the minimum. BatchGetItem: each item as its own GetItem (1.5 KB +
  6.5 KB count as 4 KB + 8 KB = 12 KB). Query and Scan: the sum of the sizes of all items read,
  rounded up to 4 KB once, half if eventually consistent; a filter does not reduce it, a
  projection does not either (the items are read whole). A transactional read (TransactGetItems)
  costs 2 units per 4 KB per item (transaction-apis.html, "Capacity management for
  transactions": two underlying reads, prepare and commit).
- Writes (read-write-operations.html, "Capacity unit consumption for write operations"):
  PutItem, UpdateItem and DeleteItem 1 unit per KB (rounded up) of the larger of the item before
  and after; BatchWriteItem each item on its own (a 500-byte item and a 3.5 KB item cost
  1 + 4 = 5); a conditional write whose condition fails still consumes write units (of the
  larger of the existing item and, for a PutItem, the item offered). TransactWriteItems costs
  2 units per KB per item, ConditionCheck included (transaction-apis.html, "Capacity management
  for transactions": every item is written twice, prepare and commit).
- A cancelled transaction (TransactionCanceledException): AWS's pages do not give a figure and
  its response carries no ConsumedCapacity at all (botocore's TransactionCanceledException page;
  measured against AWS in paritysuite/dynamodb-conformance#67). The conservative reading is
  used: every item of it is charged as in a transaction that went through (2 per KB of the
  larger of the existing item and the offered one), without index writes since nothing changed,
  and `meter.cancelled` counts them so a figure that rests on this is visible.
- Secondary indexes (GSI.html, "Provisioned throughput considerations for global secondary
  indexes", write capacity; the same for LSIs, LSI.html): per index, a write that puts an item
  into it (its key attributes now present) costs 1 write of the index entry's size (table keys
  + index keys + projected attributes, per KB rounded up); an update that changes an index key
  value costs 2 (delete the old entry, put the new one); an update that changes only projected
  attributes costs 1; an item that leaves the index (key attribute removed, item deleted) costs
  1; an item in the index neither before nor after costs nothing (sparse index). Index writes
  follow a transaction asynchronously and are not doubled.
"""

from __future__ import annotations

import base64
import contextlib
import math
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

Item = dict[str, Any]  # DynamoDB's wire format: {"name": {"S": "..."}, ...}
KB = 1024
READ_BLOCK = 4 * KB

READS = {"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"}
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
_FAILED_CONDITION = {"ConditionalCheckFailedException", "TransactionCanceledException"}


# ---- item sizes (pure) ---------------------------------------------------------------------


def _utf8(text: str) -> int:
    return len(text.encode("utf-8"))


def number_size(text: str) -> int:
    """About 1 byte per two significant digits, plus 1 (leading and trailing zeros trimmed)."""
    mantissa = re.split(r"[eE]", text.strip().lstrip("+-"))[0]
    digits = mantissa.replace(".", "").lstrip("0").rstrip("0")
    return (max(1, len(digits)) + 1) // 2 + 1


def _binary_size(value: bytes | bytearray | str) -> int:
    if isinstance(value, str):  # base64 as sent on the wire: the raw bytes count
        return len(base64.b64decode(value))
    return len(value)


def value_size(value: dict[str, Any]) -> int:
    """The size of one attribute value (without its name)."""
    (kind, v), *_ = value.items()
    if kind == "S":
        return _utf8(v)
    if kind == "N":
        return number_size(v)
    if kind == "B":
        return _binary_size(v)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(_utf8(s) for s in v)
    if kind == "NS":
        return sum(number_size(n) for n in v)
    if kind == "BS":
        return sum(_binary_size(b) for b in v)
    if kind == "L":
        return 3 + sum(value_size(e) + 1 for e in v)
    if kind == "M":
        return 3 + sum(_utf8(k) + value_size(e) + 1 for k, e in v.items())
    raise ValueError(f"unknown DynamoDB type {kind!r}")


def item_size(item: Item | None) -> int:
    """Bytes of an item: attribute names (UTF-8) plus their values; 0 for no item."""
    return sum(_utf8(name) + value_size(v) for name, v in (item or {}).items())


# ---- units (pure) --------------------------------------------------------------------------


def read_units(size: int, consistent: bool = True, transactional: bool = False) -> float:
    """Read units of one item (or of one Query/Scan page's summed size): per 4 KB, at least 1."""
    blocks = max(1, math.ceil(size / READ_BLOCK))
    if transactional:
        return 2.0 * blocks
    return float(blocks) if consistent else blocks / 2


def write_units(before: int, after: int, transactional: bool = False) -> float:
    """Write units of one item: per KB of the larger image, at least 1; doubled in a transaction."""
    units = max(1, math.ceil(max(before, after) / KB))
    return float(units * (2 if transactional else 1))


@dataclass(frozen=True)
class Index:
    name: str
    keys: tuple[str, ...]  # the index's key attributes
    projection: str  # ALL | KEYS_ONLY | INCLUDE
    include: tuple[str, ...] = ()


@dataclass(frozen=True)
class Schema:
    keys: tuple[str, ...]  # the table's key attributes
    indexes: tuple[Index, ...] = ()

    def key_of(self, item: Item) -> Item:
        return {k: item[k] for k in self.keys}


def index_entry(item: Item | None, schema: Schema, index: Index) -> Item | None:
    """The item's entry in the index, or None if it is not in it (a key attribute missing)."""
    if not item or any(k not in item for k in index.keys):
        return None
    if index.projection == "ALL":
        return dict(item)
    names = {*schema.keys, *index.keys, *(index.include if index.projection == "INCLUDE" else ())}
    return {k: v for k, v in item.items() if k in names}


def _entry_units(entry: Item) -> int:
    return max(1, math.ceil(item_size(entry) / KB))


def index_write_units(before: Item | None, after: Item | None, schema: Schema) -> float:
    """Write units all of the table's secondary indexes consume for one item's change."""
    total = 0
    for index in schema.indexes:
        old, new = index_entry(before, schema, index), index_entry(after, schema, index)
        if old is None and new is None:
            continue  # sparse: in the index neither before nor after
        if old is None:
            total += _entry_units(new)  # put into the index
        elif new is None:
            total += _entry_units(old)  # removed from the index
        elif any(old[k] != new[k] for k in index.keys):
            total += _entry_units(old) + _entry_units(new)  # key changed: delete + put
        elif old != new:
            total += max(_entry_units(old), _entry_units(new))  # projected attributes changed
    return float(total)


def schema_from_description(table: dict[str, Any]) -> Schema:
    """A Schema from DescribeTable's `Table`."""

    def index(spec: dict[str, Any]) -> Index:
        projection = spec.get("Projection") or {}
        return Index(
            name=spec["IndexName"],
            keys=tuple(k["AttributeName"] for k in spec["KeySchema"]),
            projection=projection.get("ProjectionType", "ALL"),
            include=tuple(projection.get("NonKeyAttributes") or ()),
        )

    specs = [
        *(table.get("GlobalSecondaryIndexes") or ()),
        *(table.get("LocalSecondaryIndexes") or ()),
    ]
    return Schema(
        keys=tuple(k["AttributeName"] for k in table["KeySchema"]),
        indexes=tuple(index(s) for s in specs),
    )


# ---- the meter -----------------------------------------------------------------------------


@dataclass
class Call:
    operation: str
    read: float = 0.0  # AWS-billed
    write: float = 0.0
    local_read: float = 0.0  # DynamoDB Local's report
    local_write: float = 0.0


@dataclass
class Meter:
    """AWS-billed units (read_units, write_units) and DynamoDB Local's (local_read, local_write)."""

    read_units: float = 0.0
    write_units: float = 0.0
    local_read: float = 0.0
    local_write: float = 0.0
    cancelled: int = 0  # cancelled transactions charged by the conservative rule above
    overhead_s: float = 0.0  # time spent in the meter's own look-ups (subtract it from timings)
    calls: dict[str, int] = field(default_factory=dict)
    log: list[Call] = field(default_factory=list)

    @property
    def total(self) -> float:
        return self.read_units + self.write_units

    @property
    def local_total(self) -> float:
        return self.local_read + self.local_write

    def record(self, call: Call) -> None:
        self.calls[call.operation] = self.calls.get(call.operation, 0) + 1
        self.log.append(call)
        self.read_units += call.read
        self.write_units += call.write
        self.local_read += call.local_read
        self.local_write += call.local_write


def local_units(operation: str, consumed: Any) -> tuple[float, float]:
    """(read, write) units from DynamoDB Local's ConsumedCapacity (one entry or a list)."""
    read = write = 0.0
    for entry in consumed if isinstance(consumed, list) else [consumed]:
        if not entry:
            continue
        r, w = entry.get("ReadCapacityUnits"), entry.get("WriteCapacityUnits")
        if r is None and w is None:
            # Some responses give only the total: reads are the operations that do not write.
            total = entry.get("CapacityUnits", 0.0)
            r, w = (total, None) if operation in READS else (None, total)
        read += r or 0.0
        write += w or 0.0
    return read, write


_PLACEHOLDER = re.compile(r"[#:][A-Za-z0-9_]+")
_NOT_READ_AGAIN = (
    "FilterExpression",
    "ProjectionExpression",
    "Select",
    "AttributesToGet",
    "QueryFilter",
    "ScanFilter",
    "ConditionalOperator",
    "ReturnConsumedCapacity",
)


_SCHEMAS: dict[str, Schema] = {}  # table name → schema (tables do not change under a bench)


class _Sizer:
    """Unmetered look-ups through the client the metered call uses."""

    def __init__(self, client: BaseClient, send: Any, meter: Meter) -> None:
        self.client, self.send, self.meter = client, send, meter

    def call(self, client: BaseClient, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        start = time.perf_counter()
        try:
            return self.send(client, operation, params)
        finally:
            self.meter.overhead_s += time.perf_counter() - start

    def schema(self, table: str) -> Schema:
        if table not in _SCHEMAS:
            described = self.call(self.client, "DescribeTable", {"TableName": table})
            _SCHEMAS[table] = schema_from_description(described["Table"])
        return _SCHEMAS[table]

    def get(self, table: str, key: Item) -> Item | None:
        reply = self.call(
            self.client, "GetItem", {"TableName": table, "Key": key, "ConsistentRead": True}
        )
        return reply.get("Item")

    def page_size(self, operation: str, params: dict[str, Any]) -> int:
        """Bytes of the items a Query/Scan page read: the same page without filter/projection."""
        again = {k: v for k, v in params.items() if k not in _NOT_READ_AGAIN}
        used = set(_PLACEHOLDER.findall(again.get("KeyConditionExpression", "")))
        for name in ("ExpressionAttributeNames", "ExpressionAttributeValues"):
            kept = {k: v for k, v in (again.get(name) or {}).items() if k in used}
            if kept:
                again[name] = kept
            else:
                again.pop(name, None)
        reply = self.call(self.client, operation, again)
        return sum(item_size(i) for i in reply.get("Items", []))


def _targets(operation: str, params: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """(action, table, key) of every item a write touches, and the item offered by a Put."""
    out = []
    if operation in ("PutItem", "UpdateItem", "DeleteItem"):
        table = params["TableName"]
        if operation == "PutItem":
            out.append(("Put", table, params["Item"]))
        else:
            out.append((operation[:-4], table, params["Key"]))
    elif operation == "BatchWriteItem":
        for table, requests in params["RequestItems"].items():
            for r in requests:
                if "PutRequest" in r:
                    out.append(("Put", table, r["PutRequest"]["Item"]))
                else:
                    out.append(("Delete", table, r["DeleteRequest"]["Key"]))
    elif operation == "TransactWriteItems":
        for entry in params["TransactItems"]:
            (action, spec), *_ = entry.items()
            out.append((action, spec["TableName"], spec.get("Item") or spec.get("Key")))
    return out


def _unprocessed(reply: dict[str, Any]) -> list[tuple[str, Item]]:
    out = []
    for table, requests in (reply.get("UnprocessedItems") or {}).items():
        for r in requests:
            if "PutRequest" in r:
                out.append((table, r["PutRequest"]["Item"]))
            else:
                out.append((table, r["DeleteRequest"]["Key"]))
    return out


def _bill_write(
    operation: str, params: dict[str, Any], sizer: _Sizer, send: Any
) -> tuple[dict[str, Any] | None, ClientError | None, float, bool]:
    """Send a write; (reply, condition error, AWS-billed write units, cancelled)."""
    targets = []
    for action, table, given in _targets(operation, params):
        schema = sizer.schema(table)
        key = schema.key_of(given)
        offered = given if action == "Put" else None
        targets.append((action, table, key, offered, schema, sizer.get(table, key)))
    reply, error = None, None
    try:
        reply = send()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in _FAILED_CONDITION:
            raise
        error = exc
    transactional = operation == "TransactWriteItems"
    skipped = set()
    if reply is not None:
        for table, given in _unprocessed(reply):
            skipped.add((table, repr(sizer.schema(table).key_of(given))))
    units = 0.0
    for action, table, key, offered, schema, before in targets:
        if (table, repr(key)) in skipped:
            continue
        if error is not None:  # nothing changed, yet the write is billed
            units += write_units(item_size(before), item_size(offered), transactional)
            continue
        after = before if action == "ConditionCheck" else sizer.get(table, key)
        units += write_units(item_size(before), item_size(after), transactional)
        if action != "ConditionCheck":
            units += index_write_units(before, after, schema)
    cancelled = error is not None and transactional
    return reply, error, units, cancelled


def _bill_read(
    operation: str, params: dict[str, Any], reply: dict[str, Any], sizer: _Sizer
) -> float:
    if operation == "GetItem":
        projected = "ProjectionExpression" in params or "AttributesToGet" in params
        item = reply.get("Item")
        if projected and item is not None:
            item = sizer.get(params["TableName"], params["Key"])  # billed by the whole item
        return read_units(item_size(item), bool(params.get("ConsistentRead")))
    if operation in ("Query", "Scan"):
        return read_units(sizer.page_size(operation, params), bool(params.get("ConsistentRead")))
    if operation == "BatchGetItem":
        units = 0.0
        unprocessed = reply.get("UnprocessedKeys") or {}
        for table, request in params["RequestItems"].items():
            schema = sizer.schema(table)
            left = [repr(schema.key_of(k)) for k in (unprocessed.get(table) or {}).get("Keys", [])]
            for key in request["Keys"]:
                if repr(schema.key_of(key)) in left:
                    continue
                size = item_size(sizer.get(table, key))
                units += read_units(size, bool(request.get("ConsistentRead")))
        return units
    # TransactGetItems
    return sum(
        read_units(item_size(sizer.get(g["Get"]["TableName"], g["Get"]["Key"])), transactional=True)
        for g in params["TransactItems"]
    )


@contextlib.contextmanager
def metered() -> Iterator[Meter]:
    """Count every DynamoDB data call made inside the block, AWS-billed and as Local reports."""
    meter = Meter()
    original = BaseClient._make_api_call

    def call(self: BaseClient, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        if self.meta.service_model.service_name != "dynamodb" or operation not in READS | WRITES:
            return original(self, operation, params)
        sizer = _Sizer(self, original, meter)
        asked = {**params, "ReturnConsumedCapacity": "INDEXES"}
        record = Call(operation)
        if operation in WRITES:
            reply, error, record.write, cancelled = _bill_write(
                operation, params, sizer, lambda: original(self, operation, asked)
            )
            meter.cancelled += int(cancelled)
        else:
            reply, error = original(self, operation, asked), None
            record.read = _bill_read(operation, params, reply, sizer)
        consumed = (reply if reply is not None else error.response).get("ConsumedCapacity")
        record.local_read, record.local_write = local_units(operation, consumed)
        meter.record(record)
        if error is not None:
            raise error
        return reply

    BaseClient._make_api_call = call  # type: ignore[method-assign]
    try:
        yield meter
    finally:
        BaseClient._make_api_call = original  # type: ignore[method-assign]

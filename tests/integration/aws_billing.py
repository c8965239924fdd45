"""Write units as AWS bills them, for the tests that hold a request to its write budget.

DynamoDB Local's ReturnConsumedCapacity is right for single-item writes (PutItem, UpdateItem,
DeleteItem: 1 unit per KB of the larger of the item before and after, plus its GSI writes), but
for TransactWriteItems it reports per table, not per item. So a transaction is billed here from
the items themselves: each item 2 units per KB of the larger of its two versions (read around
the call, unmetered), plus 1 unit per KB for each GSI entry written or removed (2 when its key
changes). A conditional single write that fails is billed too (AWS charges the existing item's
size, at least 1 KB); a cancelled transaction is counted, not billed.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

KB = 1024
SINGLE = {"PutItem", "UpdateItem", "DeleteItem"}


def _number_size(text: str) -> int:
    digits = str(Decimal(text).normalize()).lstrip("-").replace(".", "")
    digits = digits.split("E")[0].strip("0") or "0"
    return 1 + math.ceil(len(digits) / 2)


def value_size(value: dict[str, Any]) -> int:
    """Bytes of one DynamoDB value (AWS's item-size rules)."""
    (kind, v), *_ = value.items()
    if kind == "S":
        return len(v.encode())
    if kind == "N":
        return _number_size(v)
    if kind == "B":
        return len(v)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode()) for s in v)
    if kind == "NS":
        return sum(_number_size(n) for n in v)
    if kind == "L":
        return 3 + sum(1 + value_size(e) for e in v)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + value_size(e) for k, e in v.items())
    raise ValueError(kind)


def item_size(item: dict[str, Any] | None) -> int:
    if not item:
        return 0
    return sum(len(name.encode()) + value_size(v) for name, v in item.items())


def kb(size: int) -> int:
    return max(1, math.ceil(size / KB))


def _entry(item: dict | None, keys: list[str], names: set[str] | None) -> dict | None:
    """An item's entry in a GSI (None when it lacks the index's keys): `names` projected, or all."""
    if not item or not all(k in item for k in keys):
        return None
    return item if names is None else {n: v for n, v in item.items() if n in names}


def index_units(schema: dict[str, Any], old: dict | None, new: dict | None) -> int:
    """GSI writes: 1 unit per KB for an entry added, removed or changed, 2 when its key moves."""
    units = 0
    for keys, projection, extra in schema["indexes"]:
        names = None if projection == "ALL" else set(keys) | set(schema["keys"]) | set(extra)
        before, after = _entry(old, keys, names), _entry(new, keys, names)
        if before == after:
            continue
        size = kb(max(item_size(before), item_size(after)))
        moved = (
            before is not None and after is not None and any(before[k] != after[k] for k in keys)
        )
        units += 2 * size if moved else size
    return units


@dataclass
class Bill:
    write_units: float = 0.0
    calls: list[tuple[str, float]] = field(default_factory=list)  # (what, units)
    cancelled: int = 0

    def add(self, what: str, units: float) -> None:
        self.calls.append((what, units))
        self.write_units += units


@contextlib.contextmanager
def billed_writes() -> Iterator[Bill]:
    bill = Bill()
    original = BaseClient._make_api_call
    schemas: dict[str, dict[str, Any]] = {}

    def schema(client: BaseClient, table: str) -> dict[str, Any]:
        if table not in schemas:
            desc = original(client, "DescribeTable", {"TableName": table})["Table"]
            keys = [k["AttributeName"] for k in desc["KeySchema"]]
            indexes = [
                (
                    [k["AttributeName"] for k in i["KeySchema"]],
                    i["Projection"]["ProjectionType"],
                    i["Projection"].get("NonKeyAttributes", []),
                )
                for i in desc.get("GlobalSecondaryIndexes", [])
            ]
            schemas[table] = {"keys": keys, "indexes": indexes}
        return schemas[table]

    def get(client: BaseClient, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        got = original(client, "GetItem", {"TableName": table, "Key": key, "ConsistentRead": True})
        return got.get("Item")

    def call(self: BaseClient, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        if self.meta.service_model.service_name != "dynamodb":
            return original(self, operation, params)
        if operation in SINGLE:
            try:
                out = original(self, operation, {**params, "ReturnConsumedCapacity": "INDEXES"})
            except ClientError as exc:
                if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise
                key = params.get("Key") or {
                    k: params["Item"][k] for k in schema(self, params["TableName"])["keys"]
                }
                old = get(self, params["TableName"], key)
                bill.add(f"{operation} {params['TableName']} (failed)", kb(item_size(old)))
                raise
            bill.add(f"{operation} {params['TableName']}", out["ConsumedCapacity"]["CapacityUnits"])
            return out
        if operation == "TransactWriteItems":
            parts = []
            for entry in params["TransactItems"]:
                (kind, body), *_ = entry.items()
                if kind == "ConditionCheck":
                    continue
                table = body["TableName"]
                s = schema(self, table)
                key = body.get("Key") or {k: body["Item"][k] for k in s["keys"]}
                parts.append((kind, table, key, s, get(self, table, key)))
            try:
                out = original(self, operation, params)
            except ClientError as exc:
                if exc.response["Error"]["Code"] == "TransactionCanceledException":
                    bill.cancelled += 1
                raise
            for kind, table, key, s, old in parts:
                new = get(self, table, key)
                units = 2 * kb(max(item_size(old), item_size(new)))
                units += index_units(s, old, new)
                bill.add(f"Transact{kind} {table}", units)
            return out
        if operation == "BatchWriteItem":
            raise NotImplementedError("BatchWriteItem is not metered here")
        return original(self, operation, params)

    BaseClient._make_api_call = call  # type: ignore[method-assign]
    try:
        yield bill
    finally:
        BaseClient._make_api_call = original  # type: ignore[method-assign]

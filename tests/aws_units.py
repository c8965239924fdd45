"""Meter DynamoDB calls as AWS bills them (a test helper; `make bench` has its own metering).

Every call made through botocore inside `billed()` is logged by table and operation. Units:
- single-item writes (PutItem, UpdateItem, DeleteItem) and reads: DynamoDB Local's own
  ReturnConsumedCapacity=INDEXES, which follows AWS's rules for them (GSI writes included);
- TransactWriteItems: Local reports per table, so each item is counted here instead: 2 units per
  KB of the larger of its before and after images, plus, per GSI of its table, 2 per KB when the
  item's index key changes and 1 when only its projection does (read back outside the meter).
A refused conditional single-item write is billed its item's size (Local reports nothing); a
cancelled transaction is counted as written, which overstates it, never understates.
"""

from __future__ import annotations

import contextlib
import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from botocore.client import BaseClient

_READS = {"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"}
_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


def item_size(item: dict[str, Any] | None) -> int:
    """An item's size in bytes by DynamoDB's rules (names + values; maps and lists 3 + 1 each)."""
    if not item:
        return 0
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(value: dict[str, Any]) -> int:
    ((kind, v),) = value.items()
    if kind in {"S"}:
        return len(v.encode())
    if kind == "B":
        return len(v)
    if kind == "N":
        digits = Decimal(v).normalize().as_tuple().digits
        return math.ceil(len(digits) / 2) + 1
    if kind in {"BOOL", "NULL"}:
        return 1
    if kind in {"SS", "NS", "BS"}:
        return sum(_value_size({kind[0]: x}) for x in v)
    if kind == "L":
        return 3 + sum(1 + _value_size(x) for x in v)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + _value_size(x) for k, x in v.items())
    raise ValueError(kind)


@dataclass
class Bill:
    read_units: float = 0.0
    write_units: float = 0.0
    calls: Counter = field(default_factory=Counter)  # (operation, table) -> n

    def count(self, operation: str, table_suffix: str) -> int:
        return sum(
            n for (op, t), n in self.calls.items() if op == operation and t.endswith(table_suffix)
        )


def _tables(operation: str, params: dict[str, Any]) -> list[str]:
    if "TableName" in params:
        return [params["TableName"]]
    if operation in {"BatchGetItem", "BatchWriteItem"}:
        return list(params["RequestItems"])
    if operation == "TransactWriteItems":
        return [next(iter(i.values()))["TableName"] for i in params["TransactItems"]]
    return []


def _get(original: Any, client: BaseClient, table: str, key: dict[str, Any]) -> dict | None:
    out = original(client, "GetItem", {"TableName": table, "Key": key, "ConsistentRead": True})
    return out.get("Item")


def _gsis(original: Any, client: BaseClient, table: str, cache: dict) -> list[tuple[list, Any]]:
    if table not in cache:
        desc = original(client, "DescribeTable", {"TableName": table})["Table"]
        cache[table] = [
            ([k["AttributeName"] for k in g["KeySchema"]], g["Projection"])
            for g in desc.get("GlobalSecondaryIndexes", [])
        ]
    return cache[table]


def _projected(item: dict | None, keys: list[str], projection: dict) -> dict | None:
    if not item or any(k not in item for k in keys):
        return None  # not in the (sparse) index
    if projection["ProjectionType"] == "ALL":
        return item
    names = set(keys) | set(projection.get("NonKeyAttributes", []))
    return {k: v for k, v in item.items() if k in names}


def _kb(size: int) -> int:
    return max(1, math.ceil(size / 1024))


def _transaction_units(original: Any, client: BaseClient, params: dict, cache: dict) -> tuple:
    """(before images) now, and a function giving the units once the call has run."""
    items = []
    for entry in params["TransactItems"]:
        ((kind, body),) = entry.items()
        key = body.get("Key")
        table = body["TableName"]
        if key is None:  # Put: the key is in the item
            schema = original(client, "DescribeTable", {"TableName": table})["Table"]["KeySchema"]
            key = {k["AttributeName"]: body["Item"][k["AttributeName"]] for k in schema}
        items.append((kind, body, key, _get(original, client, table, key)))

    def after() -> float:
        units = 0.0
        for kind, body, key, before in items:
            if kind == "ConditionCheck":  # billed as a transactional write of its item
                units += 2 * _kb(item_size(before))
                continue
            table = body["TableName"]
            now = _get(original, client, table, key)
            units += 2 * _kb(max(item_size(before), item_size(now)))
            for keys, projection in _gsis(original, client, table, cache):
                old, new = _projected(before, keys, projection), _projected(now, keys, projection)
                if old == new:
                    continue
                size = max(item_size(old), item_size(new))
                changed = old is None or new is None or any(old[k] != new[k] for k in keys)
                units += (2 if changed and old and new else 1) * _kb(size)
        return units

    return after


@contextlib.contextmanager
def billed() -> Iterator[Bill]:
    bill = Bill()
    original = BaseClient._make_api_call
    gsi_cache: dict[str, Any] = {}

    def call(self: BaseClient, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        if self.meta.service_model.service_name != "dynamodb" or operation not in (
            _READS | _WRITES
        ):
            return original(self, operation, params)
        for table in _tables(operation, params):
            bill.calls[(operation, table)] += 1
        after = None
        if operation == "TransactWriteItems":
            after = _transaction_units(original, self, params, gsi_cache)
        try:
            response = original(self, operation, {**params, "ReturnConsumedCapacity": "INDEXES"})
        except Exception:
            if after is not None:
                bill.write_units += after()
            elif operation in _WRITES and "Key" in params:
                # A refused conditional write is billed its item's size; Local reports nothing.
                existing = _get(original, self, params["TableName"], params["Key"])
                bill.write_units += _kb(item_size(existing))
            elif operation in _WRITES:
                bill.write_units += 1
            raise
        if after is not None:
            bill.write_units += after()
        else:
            _add(bill, operation, response.get("ConsumedCapacity"))
        return response

    BaseClient._make_api_call = call  # type: ignore[method-assign]
    try:
        yield bill
    finally:
        BaseClient._make_api_call = original  # type: ignore[method-assign]


def _add(bill: Bill, operation: str, consumed: Any) -> None:
    for entry in consumed if isinstance(consumed, list) else [consumed]:
        if not entry:
            continue
        total = entry.get("CapacityUnits", 0.0)
        if operation in _READS:
            bill.read_units += entry.get("ReadCapacityUnits") or total
        else:
            bill.write_units += entry.get("WriteCapacityUnits") or total

"""AWS-billed units (tools.capacity's meter) with the calls counted per operation and table, so a
test can say "one read of the attempt" as well as "at most 6 write units"."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from botocore.client import BaseClient

from tools.capacity import READS, WRITES, Meter, metered


@dataclass
class Bill:
    meter: Meter
    calls: Counter = field(default_factory=Counter)  # (operation, table) -> n

    @property
    def read_units(self) -> float:
        return self.meter.read_units

    @property
    def write_units(self) -> float:
        return self.meter.write_units

    def count(self, operation: str, table_suffix: str) -> int:
        return sum(
            n
            for (op, table), n in self.calls.items()
            if op == operation and table.endswith(table_suffix)
        )


def _tables(operation: str, params: dict[str, Any]) -> list[str]:
    if "TableName" in params:
        return [params["TableName"]]
    if operation in {"BatchGetItem", "BatchWriteItem"}:
        return list(params["RequestItems"])
    if operation in {"TransactWriteItems", "TransactGetItems"}:
        return [next(iter(i.values()))["TableName"] for i in params["TransactItems"]]
    return []


@contextlib.contextmanager
def billed() -> Iterator[Bill]:
    """Inside the meter, so the meter's own look-ups (item sizes) are not counted as calls."""
    with metered() as meter:
        bill = Bill(meter)
        inner = BaseClient._make_api_call

        def call(self: BaseClient, operation: str, params: dict[str, Any]) -> dict[str, Any]:
            if self.meta.service_model.service_name == "dynamodb" and operation in READS | WRITES:
                for table in _tables(operation, params):
                    bill.calls[(operation, table)] += 1
            return inner(self, operation, params)

        BaseClient._make_api_call = call  # type: ignore[method-assign]
        try:
            yield bill
        finally:
            BaseClient._make_api_call = inner  # type: ignore[method-assign]

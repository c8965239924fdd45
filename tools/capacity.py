"""Count the DynamoDB capacity units our own code consumes (benchmarks only).

Every DynamoDB call made through botocore (PynamoDB uses it) is asked for `ReturnConsumedCapacity`
and the units it reports are added up, so a benchmark can say what one user action costs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from botocore.client import BaseClient

_METERED = {
    "GetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "Scan",
    "BatchGetItem",
    "BatchWriteItem",
    "TransactWriteItems",
    "TransactGetItems",
}


@dataclass
class Meter:
    read_units: float = 0.0
    write_units: float = 0.0
    calls: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return self.read_units + self.write_units

    def add(self, operation: str, consumed: Any) -> None:
        self.calls[operation] = self.calls.get(operation, 0) + 1
        for entry in consumed if isinstance(consumed, list) else [consumed]:
            if not entry:
                continue
            read = entry.get("ReadCapacityUnits")
            write = entry.get("WriteCapacityUnits")
            if read is None and write is None:
                # Some responses give only the total: reads are the operations that do not write.
                total = entry.get("CapacityUnits", 0.0)
                if operation in {"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"}:
                    read = total
                else:
                    write = total
            self.read_units += read or 0.0
            self.write_units += write or 0.0


@contextlib.contextmanager
def metered() -> Iterator[Meter]:
    meter = Meter()
    original = BaseClient._make_api_call

    def call(self: BaseClient, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        if self.meta.service_model.service_name != "dynamodb" or operation not in _METERED:
            return original(self, operation, params)
        response = original(self, operation, {**params, "ReturnConsumedCapacity": "INDEXES"})
        meter.add(operation, response.get("ConsumedCapacity"))
        return response

    BaseClient._make_api_call = call  # type: ignore[method-assign]
    try:
        yield meter
    finally:
        BaseClient._make_api_call = original  # type: ignore[method-assign]

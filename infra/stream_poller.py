"""Feed DynamoDB Local's streams to the stream functions, as Lambda's event source mapping does.

In AWS, Lambda polls a table's stream and calls the function with batches of records
(`{"Records": [...]}`); here a poller reads the same records from DynamoDB Local's Streams API
(same endpoint) and calls the same handler, so `make dev` and the tests run the production code
path. `make dev` runs it in a thread (`run`); tests call `drain()` when they want the totals
settled and `skip()` after emptying the tables.

A failed batch is retried from its first record, as Lambda retries a failed batch: the handler
must be safe to replay, which the tests check.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import botocore.session

from chalicelib import comment_stream, points_stream
from chalicelib.models import Comment, PointDay
from chalicelib.settings import get_settings

Handler = Callable[[list[dict[str, Any]]], Any]

# Table → the function Lambda would call with its stream's records (streams.py registers the
# same functions in AWS).
HANDLERS: dict[str, Handler] = {
    PointDay.Meta.table_name: points_stream.apply,
    Comment.Meta.table_name: comment_stream.apply,
}


class StreamPoller:
    """Reads one table's stream from where it last stopped (in this process)."""

    def __init__(self, table: str, handler: Handler, *, batch_size: int = 500) -> None:
        settings = get_settings()
        self.table = table
        self.handler = handler
        self.batch_size = batch_size
        self._client = botocore.session.get_session().create_client(
            "dynamodbstreams",
            region_name=settings.region,
            endpoint_url=settings.dynamodb_host,
        )
        # Shard id → the last sequence number read. Each pass asks for a fresh iterator after it
        # (DynamoDB Local refuses an iterator kept from an empty read once records arrive).
        self._read_to: dict[str, str | None] = {}
        self._closed: set[str] = set()
        self._lock = threading.Lock()

    def _stream_arn(self) -> str | None:
        """The table's current stream (a stream turned off and on again is a new one)."""
        from chalicelib.models.base import connection

        table = connection().dispatch("DescribeTable", {"TableName": self.table})["Table"]
        return table.get("LatestStreamArn") if table.get("StreamSpecification") else None

    def _shards(self, arn: str) -> list[dict[str, Any]]:
        shards: list[dict[str, Any]] = []
        start: str | None = None
        while True:
            kwargs: dict[str, Any] = {"StreamArn": arn}
            if start:
                kwargs["ExclusiveStartShardId"] = start
            desc = self._client.describe_stream(**kwargs)["StreamDescription"]
            shards += desc.get("Shards", [])
            start = desc.get("LastEvaluatedShardId")
            if not start:
                return shards

    def _iterator(self, arn: str, shard_id: str) -> str:
        last = self._read_to.get(shard_id)
        kwargs: dict[str, Any] = {"StreamArn": arn, "ShardId": shard_id}
        if last:
            kwargs.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=last)
        else:
            kwargs.update(ShardIteratorType="TRIM_HORIZON")
        return self._client.get_shard_iterator(**kwargs)["ShardIterator"]

    def _read(self, apply: bool) -> int:
        arn = self._stream_arn()
        if arn is None:
            return 0
        count = 0
        for shard in self._shards(arn):  # parents come before their children
            shard_id = shard["ShardId"]
            if shard_id in self._closed:
                continue
            iterator: str | None = self._iterator(arn, shard_id)
            while iterator:
                page = self._client.get_records(ShardIterator=iterator, Limit=self.batch_size)
                records = page.get("Records", [])
                if records and apply:
                    for r in records:
                        r.setdefault("eventSourceARN", arn)
                    self.handler(records)  # raises: nothing is marked read, the batch comes again
                if records:
                    self._read_to[shard_id] = records[-1]["dynamodb"]["SequenceNumber"]
                    count += len(records)
                iterator = page.get("NextShardIterator")
                if iterator is None:
                    self._closed.add(shard_id)
                if not records:
                    break  # caught up on an open shard
        return count

    def drain(self) -> int:
        """Apply every record written so far; the number of records."""
        with self._lock:
            return self._read(apply=True)

    def skip(self) -> int:
        """Move past every record written so far without applying them (tests, after emptying
        the tables)."""
        with self._lock:
            return self._read(apply=False)


_pollers: dict[str, StreamPoller] = {}


def pollers() -> list[StreamPoller]:
    for table, handler in HANDLERS.items():
        if table not in _pollers:
            _pollers[table] = StreamPoller(table, handler)
    return list(_pollers.values())


def drain() -> int:
    """Every stream function applies what its stream holds (tests call this before checking
    what the aggregators keep)."""
    return sum(p.drain() for p in pollers())


def skip() -> int:
    return sum(p.skip() for p in pollers())


def run(stop: threading.Event, interval: float = 0.5) -> None:
    """Poll until `stop` is set (make dev); a failing batch is logged and tried again."""
    import logging

    log = logging.getLogger(__name__)
    while not stop.is_set():
        try:
            drain()
        except Exception:
            log.exception("stream batch failed; retrying")
        stop.wait(interval)

"""The comments aggregator: the comments table's DynamoDB Stream → each item's visible count.

`apply(records)` is the handler of the Lambda on the `comments` stream (`streams.py`); locally
`infra/stream_poller.py` feeds it DynamoDB Local's records.

Why: a post used to add 1 to its item's counter inside a transaction with the comment (2 write
units each); every decision that showed or hid a comment did the same. Here a batch adds, per
item, the sum of what its records changed (a record's old and new status) in ONE UpdateItem.

Safe to replay: an item's records are in one stream shard, in order, and each has a sequence
number; the counter records the last one it applied (`applied`, zero-padded to compare as text).
The update is conditional on having applied nothing after the batch's first record; if that
fails (a redelivered or split batch), the counter is read and only the later records are added.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from pynamodb.exceptions import UpdateError

from .errors import busy
from .models import CommentStats
from .models.base import condition_failed

VISIBLE = "visible"
MAX_ATTEMPTS = 8


def _seq(record: dict[str, Any]) -> str:
    return record["dynamodb"]["SequenceNumber"].zfill(40)


def _visible(image: dict[str, Any] | None) -> int:
    return int(bool(image) and image.get("status", {}).get("S") == VISIBLE)


def changes(records: Iterable[dict[str, Any]]) -> dict[str, list[tuple[str, int]]]:
    """Item slug → [(sequence number, change of its visible count)], in stream order."""
    out: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for record in records:
        data = record.get("dynamodb") or {}
        delta = _visible(data.get("NewImage")) - _visible(data.get("OldImage"))
        if delta:
            out[data["Keys"]["slug"]["S"]].append((_seq(record), delta))
    return out


def apply(records: Iterable[dict[str, Any]]) -> dict[str, int]:
    by_item = changes(records)
    written = sum(_apply(slug, rows) for slug, rows in by_item.items())
    return {"items": len(by_item), "written": written}


def _apply(slug: str, rows: list[tuple[str, int]]) -> int:
    for _ in range(MAX_ATTEMPTS):
        if not rows:
            return 0  # applied before: a replay
        first, last = rows[0][0], rows[-1][0]
        try:
            CommentStats(slug).update(
                actions=[
                    CommentStats.visible.add(sum(d for _, d in rows)),
                    CommentStats.applied.set(last),
                ],
                condition=CommentStats.applied.does_not_exist() | (CommentStats.applied < first),
            )
            return 1
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
        done = CommentStats.get(slug, consistent_read=True).applied or ""
        rows = [(seq, d) for seq, d in rows if seq > done]
    raise busy()

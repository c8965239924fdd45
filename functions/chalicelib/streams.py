"""Functions fed by DynamoDB Streams (Lambdas `dangjian-<stage>-<name>`): `aggregate_points`
applies the ledger's new lines to the members' year totals (points_stream); `count_comments`
keeps each item's visible-comment count (comment_stream).

Chalice needs a stream ARN when the app is imported, but a table's stream ARN exists only once the
stack has made the table: the ARN below is a stand-in that `infra/template.py` replaces in the
packaged template with the table's `StreamArn` (and adds the retry settings Chalice cannot
express). Locally `infra/stream_poller.py` calls the same handler with DynamoDB Local's records.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from chalice import Blueprint

from . import comment_stream, points_stream
from .models import Comment, PointDay
from .settings import get_settings

bp = Blueprint(__name__)
log = logging.getLogger(__name__)

POINTS_FUNCTION = "aggregate_points"
COMMENTS_FUNCTION = "count_comments"


def stand_in_arn(table: str) -> str:
    return (
        f"arn:aws:dynamodb:{get_settings().region}:000000000000:table/{table}"
        "/stream/set-by-the-template"
    )


def _stream_function(name: str, model: type, apply: Callable[[list[dict]], dict[str, int]]) -> Any:
    """Register `apply` as the Lambda `name` on `model`'s table stream (batches of up to 500
    records, gathered for up to 2 s; from the oldest record the stream keeps)."""

    def handler(event: Any) -> dict[str, int]:
        stats = apply(event.to_dict()["Records"])
        log.info(json.dumps({"job": name, **stats}))
        return stats

    # Lambda finds the handler as `chalicelib.streams.<name>` (the attributes below).
    handler.__name__ = handler.__qualname__ = name
    return bp.on_dynamodb_record(
        stream_arn=stand_in_arn(model.Meta.table_name),
        batch_size=500,
        starting_position="TRIM_HORIZON",
        maximum_batching_window_in_seconds=2,
        name=name,
    )(handler)


aggregate_points = _stream_function(POINTS_FUNCTION, PointDay, points_stream.apply)
count_comments = _stream_function(COMMENTS_FUNCTION, Comment, comment_stream.apply)

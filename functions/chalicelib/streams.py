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


@bp.on_dynamodb_record(
    stream_arn=stand_in_arn(PointDay.Meta.table_name),
    batch_size=500,
    starting_position="TRIM_HORIZON",
    maximum_batching_window_in_seconds=2,
    name=POINTS_FUNCTION,
)
def aggregate_points(event: Any) -> dict[str, int]:
    stats = points_stream.apply(event.to_dict()["Records"])
    log.info(json.dumps({"job": POINTS_FUNCTION, **stats}))
    return stats


@bp.on_dynamodb_record(
    stream_arn=stand_in_arn(Comment.Meta.table_name),
    batch_size=500,
    starting_position="TRIM_HORIZON",
    maximum_batching_window_in_seconds=2,
    name=COMMENTS_FUNCTION,
)
def count_comments(event: Any) -> dict[str, int]:
    stats = comment_stream.apply(event.to_dict()["Records"])
    log.info(json.dumps({"job": COMMENTS_FUNCTION, **stats}))
    return stats

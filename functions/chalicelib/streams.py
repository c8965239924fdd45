"""Functions fed by DynamoDB Streams. `aggregate_points` (the Lambda
`dangjian-<stage>-aggregate_points`) applies the ledger's new lines to the members' year totals
(see points_stream).

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

from . import points_stream
from .models import PointDay
from .settings import get_settings

bp = Blueprint(__name__)
log = logging.getLogger(__name__)

POINTS_FUNCTION = "aggregate_points"
STAND_IN_ARN = (
    f"arn:aws:dynamodb:{get_settings().region}:000000000000:table/"
    f"{PointDay.Meta.table_name}/stream/set-by-the-template"
)


@bp.on_dynamodb_record(
    stream_arn=STAND_IN_ARN,
    batch_size=500,
    starting_position="TRIM_HORIZON",
    maximum_batching_window_in_seconds=2,
    name=POINTS_FUNCTION,
)
def aggregate_points(event: Any) -> dict[str, int]:
    stats = points_stream.apply(event.to_dict()["Records"])
    log.info(json.dumps({"job": POINTS_FUNCTION, **stats}))
    return stats

"""Scheduled functions. `rank_boards` (Lambda `dangjian-<stage>-rank_boards`, every 10 minutes)
recomputes the leaderboards, 红黑榜 and org-unit totals (see ranking.compute_boards). Its IAM
policy needs Scan on the org-units and members tables, Query on the point-totals table's
`by-board` index, and BatchGetItem/BatchWriteItem on the boards table."""

from __future__ import annotations

import json
import logging
from typing import Any

from chalice import Blueprint, Rate

from . import ranking

bp = Blueprint(__name__)
log = logging.getLogger(__name__)


@bp.schedule(Rate(10, unit=Rate.MINUTES), name="rank_boards")
def rank_boards(event: Any) -> dict[str, int]:
    stats = ranking.compute_boards()
    log.info(json.dumps({"job": "rank_boards", **stats}))
    return stats

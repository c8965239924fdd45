"""Scheduled functions. `rank_boards` (Lambda `dangjian-<stage>-rank_boards`, every 10 minutes,
one run at a time: reserved concurrency 1) recomputes the leaderboards, 红黑榜 and org-unit totals
that changed since its last run (see ranking.compute_boards). Its IAM policy (infra/access.py)
needs its own state table, BatchGetItem on the members and the point totals, and for its daily
full recompute Scan on the org-units, members and point-years tables; BatchGetItem/BatchWriteItem
on the boards table."""

from __future__ import annotations

import json
import logging
from typing import Any

from chalice import Blueprint, Rate

from . import ranking

bp = Blueprint(__name__)
log = logging.getLogger(__name__)


@bp.schedule(Rate(10, unit=Rate.MINUTES), name="rank_boards")
def rank_boards(event: Any) -> dict[str, Any]:
    stats = ranking.compute_boards()
    log.info(json.dumps({"job": "rank_boards", **stats}))
    return stats

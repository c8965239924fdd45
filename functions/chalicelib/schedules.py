"""Scheduled functions. `rank_boards` (Lambda `dangjian-<stage>-rank_boards`, every 10 minutes,
one run at a time: reserved concurrency 1) recomputes the leaderboards, 红黑榜 and org-unit totals
that changed since its last run (see ranking.compute_boards). Its IAM policy (infra/access.py)
needs its own state table, BatchGetItem on the members and the point totals, and for its daily
full recompute Scan on the org-units, members and point-years tables; BatchGetItem/BatchWriteItem
on the boards table.

`run_reminders` (every hour on the hour, UTC; one run at a time) sends the reminders of
reminders.toml that are due in this Beijing hour (reminders.run_due). Its policy: Query on the
members' `reminders` index, the review items' pending index and the comments' moderation index,
Scan on the org units (a few hundred items, read whole once per run), its own run markers,
PutItem on the messages (the outbox); for the 主题党日 warning, Query on the meetings' `by-month`
index and UpdateItem on the month rows (`warned_at`).

`check_meetings` (every day at 02:30 Beijing time; one run at a time) recomputes each unit's
month of organisation life (meeting_checks.run) and, on a month's first days, generates the
monthly lists. Its policy: Scan on the org units, Query on the meetings' `by-month` index and on
the month rows' `by-month` index, UpdateItem on the month rows; for the lists, Query on the
members' `reminders` index (the staff), BatchGetItem on the org units, Query and PutItem on the
plan items.

`deliver_messages` (every minute, one run at a time: reserved concurrency 1; 60 s timeout) pushes
the outbox's due messages to WeCom (chalicelib/delivery.py). Its policy: Query on the messages'
`push-due` index and UpdateItem on the messages (the lease and the outcome), BatchGetItem on the
members and the notification preferences, the WeCom token cache, and the WeCom secret in SSM.

`compute_console` (every hour at :20, one run at a time: reserved concurrency 1) recomputes the
党务工作台's figures (console_job.run). Its policy: Scan on the org units, members, point-years
and quiz scores; Query on this month's dues rows and monthly-check rows by index;
BatchGetItem/BatchWriteItem on its own console-figures table."""

from __future__ import annotations

import json
import logging
from typing import Any

from chalice import Blueprint, Cron, Rate

from . import clock, delivery, metric_names, observe, ranking

bp = Blueprint(__name__)
log = logging.getLogger(__name__)


@bp.schedule(Rate(10, unit=Rate.MINUTES), name="rank_boards")
def rank_boards(event: Any) -> dict[str, Any]:
    stats = ranking.compute_boards()
    log.info(json.dumps({"job": "rank_boards", **stats}))
    return stats


# Hourly on the hour (Beijing is UTC+8, so on the hour there too): a reminder is sent by the
# first run at or after its time; a missed run is caught up by the next one the same day.
@bp.schedule(Cron(0, "*", "*", "*", "?", "*"), name="run_reminders")
def run_reminders(event: Any) -> dict[str, Any]:
    from . import dues_months, reminders  # here: the API's cold start does not import them

    try:  # 党费: the month opened once (a marker; later hours one read) before its reminder
        log.info(json.dumps({"job": "open_dues_month", **dues_months.open_due()}))
    except Exception:  # the reminders still run; the next hour tries again
        log.exception("open_dues_month failed")
    stats = reminders.run_due()
    log.info(json.dumps({"job": "run_reminders", **stats}, ensure_ascii=False))
    return stats


# 18:30 UTC is 02:30 in Beijing: the day's figures are there before the office opens.
@bp.schedule(Cron(30, 18, "*", "*", "?", "*"), name="check_meetings")
def check_meetings(event: Any) -> dict[str, Any]:
    from . import meeting_checks  # here: the API's cold start does not import the job

    stats = meeting_checks.run()
    log.info(json.dumps({"job": "check_meetings", **stats}, ensure_ascii=False))
    return stats


@bp.schedule(Rate(1, unit=Rate.MINUTES), name="deliver_messages")
def deliver_messages(event: Any) -> dict[str, Any]:
    stats = delivery.run()
    waiting, oldest = delivery.backlog(int(clock.now()))
    observe.count(metric_names.OUTBOX_BACKLOG, waiting)
    observe.count(metric_names.OUTBOX_OLDEST_SECONDS, oldest)
    log.info(json.dumps({"job": "deliver_messages", **stats, "backlog": waiting}))
    return stats


# Hourly at :20 (after the hour's reminders): the 党务工作台's figures, at most an hour old.
@bp.schedule(Cron(20, "*", "*", "*", "?", "*"), name="compute_console")
def compute_console(event: Any) -> dict[str, Any]:
    from . import console_job  # here: the API's cold start does not import the job

    stats = console_job.run()
    log.info(json.dumps({"job": "compute_console", **stats}))
    return stats


# 考核评价 (assessment_job.py): 19:00 UTC is 03:00 in Beijing, after the monthly check of
# organisation life (02:30) whose month rows it reads. One run at a time (reserved concurrency 1).
# Its policy: Scan on the org units and the members, Query on the ledger days (one per member),
# the meetings' `by-month` index and the attendance rows, the dues months' and the month rows'
# `by-month` indexes; Query, GetItem and BatchWriteItem on its own assessment table.
@bp.schedule(Cron(0, 19, "*", "*", "?", "*"), name="assess")
def assess(event: Any) -> dict[str, Any]:
    from . import assessment_job  # here: the API's cold start does not import the job

    stats = assessment_job.run()
    log.info(json.dumps({"job": "assess", **stats}, ensure_ascii=False))
    return stats


# Records' copies of unit paths (unit_paths.py): after a unit moved or was renamed, every
# 10 minutes; a run with the unit tree unchanged is one GetItem of its version and one of its
# state. One run at a time (reserved concurrency 1). Its policy: GetItem and PutItem on its two
# ranking-state rows (and UpdateItem, the import's bump); Scan of the org units and of each
# table it re-paths, GetItem (the re-read of a record written meanwhile) and UpdateItem there.
@bp.schedule(Rate(10, unit=Rate.MINUTES), name="repath_units")
def repath_units(event: Any) -> dict[str, Any]:
    from . import unit_paths  # here: the API's cold start does not import the job

    stats = unit_paths.run()
    log.info(json.dumps({"job": "repath_units", **stats}))
    return stats


# The weekly export of every table (backups.py), by a DAILY run at 19:30 UTC, 03:30 in Beijing,
# the quietest hour, after the nightly assessment: each run checks the week's exports (AWS may
# fail one after accepting it) and re-exports a failed table; on Sunday (Beijing) it exports
# every table. Weekly, not daily, exports: point-in-time recovery already covers every second
# of 35 days; the export is the copy outside the tables, and a full one a day would cost more
# than all the members' reads and writes (README: Cost). Its policy: ExportTableToPointInTime
# on each of the stage's tables, DescribeExport on their exports; ListBucket on the exports
# bucket, GetObject and PutObject (and the two actions DynamoDB's export needs beside it) on its
# objects.
@bp.schedule(Cron(30, 19, "*", "*", "?", "*"), name="export_tables")
def export_tables(event: Any) -> dict[str, Any]:
    from . import backups  # here: the API's cold start does not import the job

    stats = backups.run(event.context.invoked_function_arn)
    log.info(json.dumps({"job": "export_tables", **stats}))
    if stats["failed"] or stats["export_failed"]:  # a Lambda error: the alarms hear it, and
        # Lambda's retry (an hour at most) asks only for the tables refused, the others having
        # their markers (a failed export found is exported again by this run already)
        refused = [f["table"] for f in stats["failed"]]
        lost = [f"{f['table']} ({f['day']}: {f['error']})" for f in stats["export_failed"]]
        raise RuntimeError(
            f"export_tables: {len(refused)} tables refused {refused}; "
            f"{len(lost)} exports failed {lost}"
        )
    return stats

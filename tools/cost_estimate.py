"""Monthly AWS cost per 1,000 active members, from the figures `make bench` measured.

    python -m tools.cost_estimate [bench/results/latest.json] [--members 1000] [--markdown]

Method: a usage model says how often an active member does each action per month; `make bench`
says what one action costs in DynamoDB read and write request units, as AWS bills them (derived
from item sizes by tools/capacity.py, through the real routes, so the awards a route adds are
in), and how long the handler runs. Reads and writes are priced apart, at the on-demand price
per million read and per million write request units. Prices are on-demand list prices
(assumptions, below). An action whose figures are not in the bench file
yet is left out and listed, so the estimate only ever rests on measured figures; adding an area
means adding its actions to `USAGE` once its bench module reports them.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from tools.bench import AGGREGATOR, units_figure

ROOT = Path(__file__).resolve().parent.parent
LATEST = ROOT / "bench" / "results" / "latest.json"

# On-demand list prices in USD, us-east-1, as of early 2025, from the maintainers' knowledge of
# the public price pages (not fetched): ASSUMPTIONS. ap-east-1 (Hong Kong), the default region,
# is dearer by roughly 10-40% depending on the service; aws-cn prices are in CNY and differ.
PRICES = {
    "dynamodb_write_per_million": 0.625,  # write request units, on demand
    "dynamodb_read_per_million": 0.125,  # read request units, on demand
    "lambda_gb_second": 0.0000166667,  # x86_64
    "lambda_gb_second_arm64": 0.0000133334,  # Graviton: the functions' architecture (issue 18)
    "lambda_per_million_requests": 0.20,
    "api_gateway_rest_per_million": 3.50,  # REST API, first 333 million
    "cloudfront_per_gb_asia": 0.120,  # data transfer out, Hong Kong/Asia tier
    "cloudfront_https_per_10k": 0.0120,
    "cloudwatch_logs_per_gb": 0.50,  # ingestion
    # Operations (README: Operations), the same convention: us-east-1 list prices, assumed.
    "cloudwatch_logs_storage_per_gb_month": 0.03,  # archived (billed compressed; we count raw)
    "cloudwatch_metric_per_month": 0.30,  # a custom metric (name x dimension value), first 10,000
    "cloudwatch_alarm_metric_per_month": 0.10,  # standard resolution, per metric an alarm reads
    "cloudwatch_dashboard_per_month": 3.00,  # beyond an account's 3 free (not subtracted)
    "dynamodb_export_per_gb": 0.10,  # full export to S3, per GB of table (with its LSIs)
    "dynamodb_storage_per_gb_month": 0.25,  # the tables themselves (the export sizes them)
    "dynamodb_pitr_per_gb_month": 0.20,  # point-in-time recovery, on every table
    "s3_standard_per_gb_month": 0.023,
    "sns_email_per_100k": 2.00,  # after the first 1,000 a month: alarms are a handful
    "budgets_per_day": 0.02,  # each budget beyond an account's first two (one per stage: free)
}
PRICES_AS_OF = "us-east-1 list prices, early 2025 (assumed, not fetched)"

LAMBDA_MEMORY_MB = 512  # functions/.chalice/config.json lambda_memory_size
# Lambda gives one full vCPU at 1,769 MB; below that CPU time stretches in proportion. The bench
# machine's figures are single-core timings, so they are scaled by this factor.
CPU_STRETCH = max(1.0, 1769 / LAMBDA_MEMORY_MB)
LOG_BYTES_PER_REQUEST = 400  # Lambda's START/END/REPORT lines
# Issue 18's logs, ASSUMPTIONS: one JSON line per request (request id, route, status, latency,
# at most a member number) of about 300 bytes, and one Embedded Metric Format line of about 350
# (the _aws block naming 4 or 5 metrics with the Stage dimension, and their values).
REQUEST_LINE_BYTES = 300
EMF_LINE_BYTES = 350
# The scheduled jobs, per stage whatever the members (functions/chalicelib/schedules.py): runs a
# month, each Lambda's lines, the job's own line and at most one EMF line.
# The full export of every table, weekly (schedules.export_tables): 52 a year.
EXPORTS_PER_MONTH = 52 / 12
JOB_RUNS_PER_MONTH = {
    "rank_boards": 30 * 24 * 6,
    "run_reminders": 30 * 24,
    "check_meetings": 30,
    "deliver_messages": 30 * 24 * 60,
    "compute_console": 30 * 24,
    "assess": 30,
    "repath_units": 30 * 24 * 6,
    "export_tables": 30,  # daily: checks the week's exports, exports on Sunday (backups.py)
}
JOB_LOG_BYTES_PER_RUN = LOG_BYTES_PER_REQUEST + 200 + EMF_LINE_BYTES
# The tables' size, ASSUMPTION (no bench measures storage): what an active member's month leaves
# behind, mostly ~1 KB items or less: 8 messages (with their LSI copy, ~10 KB), 25 ledger days
# and their claims (~14 KB), 40 read marks (~6 KB), 21 quiz attempts (~21 KB), attendance,
# comments, ballots, payments, sign-ups, answers (~6 KB): about 60 KB, kept a year of history.
TABLE_KB_PER_MEMBER_MONTH = 60
HISTORY_MONTHS = 12
EXPORT_COMPRESSION = 0.3  # DynamoDB JSON (~1.5x the items) gzipped (~1/5): the S3 objects
OPERATIONS_STAGE = "prod"  # whose operations.toml values (retention, exports kept) are priced
# 微党课 (issue 19), ASSUMPTIONS: an active member plays about 60 minutes of lessons a month
# (three 20-minute lessons, or the watching-time points' 6 minutes on 10 days), each minute
# fetched from CloudFront once; lessons encoded as the README recommends (540p H.264 at about
# 700 kbps with 64 kbps AAC: about 5.7 MB a minute); the library holds 100 lessons of 20 minutes
# in S3 (Standard). Media bytes dwarf every other row: the encoding is the cost lever.
LESSON_MINUTES_PER_MEMBER = 60
LESSON_MB_PER_MINUTE = 5.7
LESSON_LIBRARY_MINUTES = 100 * 20
LESSON_RANGE_REQUESTS_PER_MINUTE = 1  # the players fetch ranges of about a minute each
PAGE_VIEWS = 60  # per active member per month (a daily constitution installment, some articles)
BYTES_PER_PAGE_VIEW = 25_000  # compressed HTML; hashed CSS/JS are cached in the phone for a year


@dataclass(frozen=True)
class Action:
    name: str
    per_member_month: float
    latency_figure: str  # handler time per action (bench), ms
    # The bench actions whose AWS-billed read and write units make up this one, with a factor
    # each; by default the action of the same name.
    terms: tuple[tuple[str, float], ...] = ()
    request: bool = True  # False: units added to another request (no request, no handler time)

    def read_write(self, figures: dict[str, float]) -> tuple[float, float] | None:
        """(read units, write units), AWS-billed; None if the bench did not measure them."""
        reads = writes = 0.0
        for action, factor in self.terms or ((self.name, 1.0),):
            r = figures.get(units_figure(action, "read"))
            w = figures.get(units_figure(action, "write"))
            if r is None or w is None:
                return None
            # What the stream functions do after the request (an upper bound: one action's
            # records in a batch of their own), where the bench measured it.
            r += figures.get(units_figure(action, "read", AGGREGATOR), 0.0)
            w += figures.get(units_figure(action, "write", AGGREGATOR), 0.0)
            reads, writes = reads + factor * r, writes + factor * w
        return reads, writes


# An active member (one who studies most days) opens the H5 pages on about 25 days a month.
# Each visit refreshes the access token and reads /me; she logs in afresh about twice a month
# (new phone, cleared WeChat data, logout). The first sign-in of each day, by login or by
# refresh, carries the sign-in award (the route adds it): 2 logins + 23 refreshes; the other
# 7 refreshes come later the same day. The bench measures the award on the first login of the
# day; a first refresh of the day is a refresh plus that award (first login minus a later one).
# Once a year, the first sign-in on or after her 入党纪念日 adds that year's birthday points.
# Where no latency of that very request is measured, the nearest measured request of the same
# kind stands in (named below).
FIRST_LOGIN = "first login of the day (with the sign-in award)"
BIRTHDAY_LOGIN = "first login on or after the 入党纪念日 (with both awards)"
_HEARTBEAT_MS = "POST /reading/heartbeat over HTTP, p50"
_READ_MS = "GET /points/me over HTTP, p50"  # a one-item read behind the token check
_QUIZ_START_MS = "POST /quizzes/daily/attempt (start) over HTTP, p50"
_QUIZ_SUBMIT_MS = "POST .../attempt/submit over HTTP, p50"
USAGE = (
    Action(FIRST_LOGIN, 2, "login handler in-process, p50 (scrypt 2^14 dominates)"),
    Action(
        "first token refresh of the day (with the sign-in award)",
        23,
        "GET /me over HTTP, p50",
        (("token refresh", 1.0), (FIRST_LOGIN, 1.0), ("login (again the same day)", -1.0)),
    ),
    Action("token refresh", 7, "GET /me over HTTP, p50"),
    Action(
        "入党纪念日 points (once a year)",
        1 / 12,
        "",
        ((BIRTHDAY_LOGIN, 1.0), (FIRST_LOGIN, -1.0)),
        request=False,
    ),
    Action("GET /me", 30, "GET /me over HTTP, p50"),
    # ~40 article or installment views a month, ~6 heartbeats each; 25 of them complete a read.
    Action("heartbeat", 215, _HEARTBEAT_MS),
    Action("heartbeat that completes a read, with its award", 25, _HEARTBEAT_MS),
    Action("我的党建 (GET /points/me)", 8, _READ_MS),
    # The home page's 今日学习 on every visit of a signed-in member (about once a visit).
    Action("home page (GET /me/today)", 30, "GET /me/today over HTTP, p50"),
    # The 消息 badge on the other pages: kept a minute in the tab, so about one visit's worth.
    Action("消息 badge (GET /me/messages/unread)", 20, "GET /me/messages/unread over HTTP, p50"),
    Action("leaderboard page (branch board)", 4, "GET /boards/branch/{id} over HTTP, p50"),
    Action(
        "comment page (20, signed in)", 40, "GET /articles/{slug}/comments over HTTP (public), p50"
    ),
    Action("comment post, with its award", 2, "POST /articles/{slug}/comments over HTTP, p50"),
    Action("campaign view (signed in)", 2, _READ_MS),
    Action("vote, with its award", 1, "POST /campaigns/{id}/votes over HTTP, p50"),
    Action("quiz hub (4 quizzes)", 20, _READ_MS),
    Action("daily quiz start (5 questions drawn)", 20, _QUIZ_START_MS),
    Action("quiz answer saved", 100, "POST .../attempt/answer over HTTP, p50"),
    Action("daily quiz submit", 20, _QUIZ_SUBMIT_MS),
    Action("exam start (10 questions shuffled)", 0.5, _QUIZ_START_MS),
    Action("exam submit", 0.5, _QUIZ_SUBMIT_MS),
    Action("self-check start (8 items)", 1 / 3, _QUIZ_START_MS),
    Action("self-check submit", 1 / 3, _QUIZ_SUBMIT_MS),
    # Organisation life: about 4 meetings a month for each member (主题党日, 党小组会, and a share
    # of 支部委员会, 支部党员大会 and 党课), each noticed by its organiser to a branch of about 30
    # (one create: every attendee's row and her notice in the outbox, written once); she opens
    # 我的会议 and the meeting, and checks in at each.
    Action("meeting created (branch, 30 attendees)", 4 / 30, _READ_MS),
    Action(
        "meeting notices delivered to WeCom",
        4,
        "",
        (("notification delivered (one event to 1,000 members, per member)", 1.0),),
        request=False,
    ),
    Action("my meetings, upcoming (3 meetings)", 2, _READ_MS),
    Action("a meeting (member)", 4, _READ_MS),
    Action("check-in", 4, "POST /meetings/{id}/checkin over HTTP, p50"),
    # Member affairs: she opens 我的党费 about once a month and pays once (cash at the branch or
    # a bank export: a payment costs about the same either way); the secretary opens the
    # branch's month about 4 times (a branch of 30); a 通讯录 search or two; the 政治生日 card
    # once a year.
    Action("my dues (13 months, 12 payments)", 1, _READ_MS),
    Action("cash payment recorded (one month)", 1, _READ_MS),
    Action("a branch's month (30 members)", 4 / 30, _READ_MS),
    Action("通讯录 search, an exact name", 2, _READ_MS),
    Action("政治生日 card on the day", 1 / 12, _READ_MS),
    # 志愿服务: she opens her page about twice a month and takes part in about one activity
    # (sign-up, check-in); about one activity is published a month for every 15 members, and
    # confirming one of 10 participants is a tenth of a confirmation per member.
    Action("her page (open activities, hers, totals)", 2, _READ_MS),
    Action("sign-up (row + count, one transaction)", 1, _READ_MS),
    Action("check-in (budget + row)", 1, _READ_MS),
    Action("activity published", 1 / 15, _READ_MS),
    Action("hours confirmed, 奉献分 awarded (10 participants)", 1 / 10, _READ_MS),
    # Other notifications (the outbox): about 4 a month to each member (reminders, replies,
    # leave decisions; meeting notices are counted above), each written once and pushed to
    # WeCom by the delivery worker (its own Lambda, one run a minute: not a request of hers).
    Action(
        "notifications (posted and delivered to WeCom)",
        4,
        "",
        (
            ("notification posted (outbox.post, per recipient)", 1.0),
            ("notification delivered (one event to 1,000 members, per member)", 1.0),
        ),
        request=False,
    ),
    # 问卷: about one survey every two months reaches her; she opens her list and the survey,
    # and answers it; staff read the results of a survey of ~300 about 3 times.
    Action("her surveys (her list)", 1, _READ_MS),
    Action("a survey read by a respondent", 0.5, _READ_MS),
    Action("survey answered (one transaction: the open check and the put)", 0.5, _READ_MS),
    Action("survey results (300 respondents)", 0.5 * 3 / 300, _READ_MS),
    # 支部家园: about one post a month from every fifth member, each approved once; she opens
    # her branch's page and the committee's feed about twice a month each.
    Action("post made (waiting for review)", 0.2, _READ_MS),
    Action("post approved", 0.2, _READ_MS),
    Action("branch page (20 posts)", 2, _READ_MS),
    Action("committee feed (20 posts)", 2, _READ_MS),
    # 红能量: she opens her page about twice a month, redeems and donates about once a quarter
    # each; every order is handed over (about 1 in 30 is cancelled instead, a hundredth per
    # member); her secretary opens the branch's desk about 4 times a month and adds about one
    # item (a branch of 30).
    Action("member's page (balance, 2 units' catalogue, orders, movements)", 2, _READ_MS),
    Action("redemption (movement, order, wallet, stock: one transaction)", 1 / 3, _READ_MS),
    Action("donation (movement, wallet, project: one transaction)", 1 / 3, _READ_MS),
    Action("a unit's desk (catalogue, open and closed orders)", 4 / 30, _READ_MS),
    Action("item added (staff)", 1 / 30, _READ_MS),
    Action("order handed over (fulfilment)", 1 / 3, _READ_MS),
    Action("order cancelled (refund, stock, wallet: one transaction)", 1 / 100, _READ_MS),
    # 诉求: about one request a month from every tenth member, each accepted, handled, closed
    # with an answer and (seven in ten) rated, one in ten transferred and accepted again; she
    # opens her list about twice a month and a request's timeline once; staff (one member in
    # ten) open the desk and a unit's queue about 4 times a month each, and a committee's rates
    # about twice a month for ~300 members.
    Action("request submitted", 0.1, _READ_MS),
    Action("request accepted (her message)", 0.1, _READ_MS),
    Action("request transferred to another unit", 0.1 * 0.1, _READ_MS),
    Action("request accepted by the new unit (her message)", 0.1 * 0.1, _READ_MS),
    Action("request handled", 0.1, _READ_MS),
    Action("request closed with an answer (her message)", 0.1, _READ_MS),
    Action("request rated", 0.1 * 0.7, _READ_MS),
    Action("my requests (61: a page of 50)", 2, _READ_MS),
    Action("a request read (its timeline)", 1, _READ_MS),
    Action("the desk (her unit's queue, the organisation's units)", 0.1 * 4, _READ_MS),
    Action("a unit's open queue", 0.1 * 4, _READ_MS),
    Action("the four rates of a committee's subtree (5 units, 61 requests)", 2 / 300, _READ_MS),
    # 季度检查: each quarter a committee (~300 members) inspects its units (~10 per inspection, 8
    # items each: 80 cells, about one change in four), its inspectors open the grid ~40 times,
    # and publish once (opening and publishing grow with the units: the 2-unit figures × 5);
    # every member reads her 通报 list and one 通报 about once a quarter.
    Action("inspection opened (2 units)", 5 / 300 / 3, _READ_MS),
    Action("item scored (one cell)", 80 / 300 / 3, _READ_MS),
    Action("item score changed (one cell)", 20 / 300 / 3, _READ_MS),
    Action("inspection grid read (2 units × 8 items)", 40 / 300 / 3, _READ_MS),
    Action("bulletin published (2 units, their staff told)", 5 / 300 / 3, _READ_MS),
    Action("bulletins listed (a member)", 1 / 3, _READ_MS),
    Action("bulletin read (a member)", 1 / 3, _READ_MS),
    # 党务工作台 (issue 17): staff (one member in ten) open about 20 dashboards a month; the
    # precompute job runs hourly (720 runs a month), priced per member from a run after an
    # hour's activity of one member in ten at 10,000 members (tools/benches/console.py).
    Action(
        "console dashboard, a general branch of 1,000 members",
        0.1 * 20,
        "console dashboard, a general branch of 1,000 members, p50",
    ),
    Action(
        "console figures job, an hourly run after an hour's activity, per member",
        720,
        "",
        request=False,
    ),
    # 考核评价: the nightly job reads each member's month of ledger days and her rows every night
    # (its own Lambda, not a request of hers); her secretary opens the branch's member scores
    # about 4 times a month (a branch of 50).
    Action("assessment job, per member and night", 30, "", request=False),
    Action("assessment, a branch's 50 member scores", 4 / 50, _READ_MS),
)

# 微党课 (issue 19): the LESSON_MINUTES_PER_MEMBER above played with a beat every 15 s (240 a
# month); about 30 of them complete a minute of the day's 视听学习时长 (6 a day on 5 days) and 3
# make a lesson watched; she opens about 5 lessons (the resume position) and the home page's
# 继续观看 is read on each of its 30 visits.
_LESSON_BEAT_MS = "lesson heartbeat over HTTP, p50"
USAGE += (
    Action("lesson heartbeat", 240 - 30 - 3, _LESSON_BEAT_MS),
    Action("lesson heartbeat that completes a minute, with its award", 30, _LESSON_BEAT_MS),
    Action("lesson heartbeat that makes the lesson watched, with its award", 3, _LESSON_BEAT_MS),
    Action("lesson progress (GET /lessons/{slug}/progress)", 5, _READ_MS),
    Action("continue watching (GET /lessons/mine?state=in_progress&limit=3)", 30, _READ_MS),
)

# The per-member write budget (issue 18: a 429 beyond it) counts each write request of a signed-in
# member in one small item: one more write unit per request. ASSUMPTION: every member write
# route but login and token refresh (which have their own throttle) is budgeted.
WRITE_BUDGETED = (
    "heartbeat",
    "heartbeat that completes a read, with its award",
    "comment post, with its award",
    "vote, with its award",
    "daily quiz start (5 questions drawn)",
    "quiz answer saved",
    "daily quiz submit",
    "exam start (10 questions shuffled)",
    "exam submit",
    "self-check start (8 items)",
    "self-check submit",
    "meeting created (branch, 30 attendees)",
    "check-in",
    "cash payment recorded (one month)",
    "sign-up (row + count, one transaction)",
    "check-in (budget + row)",
    "activity published",
    "hours confirmed, 奉献分 awarded (10 participants)",
    "survey answered (one transaction: the open check and the put)",
    "post made (waiting for review)",
    "post approved",
    "redemption (movement, order, wallet, stock: one transaction)",
    "donation (movement, wallet, project: one transaction)",
    "item added (staff)",
    "order handed over (fulfilment)",
    "order cancelled (refund, stock, wallet: one transaction)",
    "request submitted",
    "request accepted (her message)",
    "request transferred to another unit",
    "request accepted by the new unit (her message)",
    "request handled",
    "request closed with an answer (her message)",
    "request rated",
    "inspection opened (2 units)",
    "item scored (one cell)",
    "item score changed (one cell)",
    "bulletin published (2 units, their staff told)",
    "lesson heartbeat",
    "lesson heartbeat that completes a minute, with its award",
    "lesson heartbeat that makes the lesson watched, with its award",
)


@functools.cache
def _template_counts() -> tuple[int, int]:
    """(metrics the stage's alarms read, dashboards), from the template `make package` builds:
    a metric-math alarm is priced per metric it reads."""
    from infra.template import merge_template

    resources = merge_template(OPERATIONS_STAGE)["Resources"].values()
    metrics = dashboards = 0
    for resource in resources:
        if resource.get("Type") == "AWS::CloudWatch::Alarm":
            fetched = resource["Properties"].get("Metrics")
            metrics += sum("MetricStat" in m for m in fetched) if fetched else 1
        dashboards += resource.get("Type") == "AWS::CloudWatch::Dashboard"
    return metrics, dashboards


def operations_rows(requests: float, members: int) -> list[tuple]:
    """Logs, metrics, alarms, the dashboard, the weekly exports, SNS and Budgets. Rows named
    `(per stage)` do not grow with the members."""
    from chalicelib.metric_names import ALL
    from infra import operations

    ops = operations.load(OPERATIONS_STAGE)
    p = PRICES
    ingest_gb = requests * (LOG_BYTES_PER_REQUEST + REQUEST_LINE_BYTES + EMF_LINE_BYTES) / 1e9
    jobs_gb = sum(JOB_RUNS_PER_MONTH.values()) * JOB_LOG_BYTES_PER_RUN / 1e9
    # Kept `log_retention_days`: in the steady state that many days of lines are stored.
    stored_gb = (ingest_gb + jobs_gb) * ops.log_retention_days / 30
    alarm_metrics, dashboards = _template_counts()
    table_gb = members * TABLE_KB_PER_MEMBER_MONTH * HISTORY_MONTHS / 1e6
    exported_gb = table_gb * EXPORTS_PER_MONTH  # a full export of every table each week
    kept_gb = table_gb * EXPORT_COMPRESSION * ops.export_keep_days / 7  # the exports kept
    return [
        ("CloudWatch Logs", ingest_gb, "GB", ingest_gb * p["cloudwatch_logs_per_gb"]),
        ("Logs, jobs (per stage)", jobs_gb, "GB", jobs_gb * p["cloudwatch_logs_per_gb"]),
        (
            f"Logs kept {ops.log_retention_days} d",
            stored_gb,
            "GB-month",
            stored_gb * p["cloudwatch_logs_storage_per_gb_month"],
        ),
        (
            "Metrics (per stage)",
            len(ALL),
            "metrics",
            len(ALL) * p["cloudwatch_metric_per_month"],
        ),
        (
            "Alarms (per stage)",
            alarm_metrics,
            "metrics",
            alarm_metrics * p["cloudwatch_alarm_metric_per_month"],
        ),
        (
            "Dashboard (per stage)",
            dashboards,
            "dashboards",
            dashboards * p["cloudwatch_dashboard_per_month"],
        ),
        (
            "Table storage and PITR",
            table_gb,
            "GB-month",
            table_gb * (p["dynamodb_storage_per_gb_month"] + p["dynamodb_pitr_per_gb_month"]),
        ),
        ("Weekly table exports", exported_gb, "GB", exported_gb * p["dynamodb_export_per_gb"]),
        (
            f"Exports kept {ops.export_keep_days} d",
            kept_gb,
            "GB-month",
            kept_gb * p["s3_standard_per_gb_month"],
        ),
        ("SNS, Budgets (per stage)", 0, "", 0.0),  # a few alarm mails; one budget of two free
    ]


def lesson_media_rows(members: int) -> list[tuple]:
    """The lessons' media through CloudFront (bytes and range requests) and kept in S3."""
    p = PRICES
    minutes = members * LESSON_MINUTES_PER_MEMBER
    transfer_gb = minutes * LESSON_MB_PER_MINUTE / 1000
    requests = minutes * LESSON_RANGE_REQUESTS_PER_MINUTE
    stored_gb = LESSON_LIBRARY_MINUTES * LESSON_MB_PER_MINUTE / 1000
    return [
        ("Lesson media transfer", transfer_gb, "GB", transfer_gb * p["cloudfront_per_gb_asia"]),
        (
            "Lesson media requests",
            requests,
            "requests",
            requests / 1e4 * p["cloudfront_https_per_10k"],
        ),
        (
            "Lesson media in S3 (per stage)",
            stored_gb,
            "GB-month",
            stored_gb * p["s3_standard_per_gb_month"],
        ),
    ]


def load_figures(path: Path) -> dict[str, float]:
    data = json.loads(path.read_text())
    return {f["figure"]: float(f["value"]) for f in data["figures"]}


def estimate(figures: dict[str, float], members: int = 1000) -> tuple[list[tuple], list[str]]:
    """Rows of (item, quantity, unit, USD) per month for `members` active members."""
    reads = writes = requests = gb_seconds = budget_writes = 0.0
    skipped = []
    for action in USAGE:
        units = action.read_write(figures)
        if units is None or (action.request and action.latency_figure not in figures):
            skipped.append(action.name)
            continue
        count = action.per_member_month * members
        reads += units[0] * count
        writes += units[1] * count
        if not action.request:
            continue
        budget_writes += count if action.name in WRITE_BUDGETED else 0.0
        requests += count
        seconds = figures[action.latency_figure] / 1000 * CPU_STRETCH
        gb_seconds += count * seconds * LAMBDA_MEMORY_MB / 1024
    page_views = PAGE_VIEWS * members
    transfer_gb = page_views * BYTES_PER_PAGE_VIEW / 1e9
    p = PRICES
    rows = [
        ("DynamoDB writes", writes, "WRU", writes / 1e6 * p["dynamodb_write_per_million"]),
        (
            "Write budget",
            budget_writes,
            "WRU",
            budget_writes / 1e6 * p["dynamodb_write_per_million"],
        ),
        ("DynamoDB reads", reads, "RRU", reads / 1e6 * p["dynamodb_read_per_million"]),
        (
            "Lambda requests",
            requests,
            "requests",
            requests / 1e6 * p["lambda_per_million_requests"],
        ),
        ("Lambda compute", gb_seconds, "GB-s", gb_seconds * p["lambda_gb_second_arm64"]),
        (
            "API Gateway",
            requests,
            "requests",
            requests / 1e6 * p["api_gateway_rest_per_million"],
        ),
        (
            "CloudFront requests",
            page_views + requests,
            "requests",
            (page_views + requests) / 1e4 * p["cloudfront_https_per_10k"],
        ),
        ("CloudFront transfer", transfer_gb, "GB", transfer_gb * p["cloudfront_per_gb_asia"]),
        *lesson_media_rows(members),
        *operations_rows(requests, members),
    ]
    return rows, skipped


def render(rows: list[tuple], skipped: list[str], members: int, markdown: bool) -> str:
    total = sum(r[3] for r in rows)
    fixed = sum(r[3] for r in rows if "(per stage)" in r[0])
    if markdown:
        lines = [
            f"| per month, {members:,} active members | quantity | unit | USD |",
            "|---|---:|---|---:|",
        ]
        lines += [f"| {n} | {q:,.1f} | {u} | {c:.4f} |" for n, q, u, c in rows]
        lines.append(f"| **total** | | | **{total:.2f}** |")
        lines.append(f"Of the total, {fixed:.2f} USD is per stage, whatever the members.")
    else:
        lines = [f"{n:<22}{q:>14,.1f} {u:<9}{c:>10.4f} USD" for n, q, u, c in rows]
        lines.append(f"{'total':<22}{'':>24}{total:>10.2f} USD / month / {members:,} members")
        lines.append(f"of which {fixed:.2f} USD per stage, whatever the members")
    lines.append(
        f"Prices: {PRICES_AS_OF}. Lambda {LAMBDA_MEMORY_MB} MB arm64 (the bench's x86 timings"
        f" taken as they are), CPU x{CPU_STRETCH:.2f}."
    )
    if skipped:
        lines.append(f"Not in the bench file yet, left out: {', '.join(skipped)}.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bench", nargs="?", type=Path, default=LATEST)
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    if not args.bench.is_file():
        sys.exit(f"{args.bench} not found: run `make bench` first")
    rows, skipped = estimate(load_figures(args.bench), args.members)
    print(render(rows, skipped, args.members, args.markdown))


if __name__ == "__main__":
    main()

"""The one list of the metrics the functions emit (CloudWatch Embedded Metric Format).

The code emits these names (`observe.py`), the template's alarms and dashboard name them
(`infra/template.py`), and a test checks that every alarm on this namespace names one of them
and that each of them is emitted somewhere. Every metric carries one dimension, `Stage`.
"""

from __future__ import annotations

NAMESPACE = "Dangjian"
DIMENSION = "Stage"

# Per API request (the middleware).
REQUESTS = "Requests"
SERVER_ERRORS = "ServerErrors"  # 5xx answers
CLIENT_ERRORS = "ClientErrors"  # 4xx answers
LATENCY = "Latency"  # milliseconds
WRITE_BUDGET_REFUSALS = "WriteBudgetRefusals"  # 429s of the per-member write budget
DATABASE_THROTTLES = "DatabaseThrottles"  # DynamoDB throttling that survived botocore's retries

# Domain events.
LOGINS = "Logins"
THROTTLED_LOGINS = "ThrottledLogins"
AWARDS = "Awards"
VOTES = "Votes"

# The outbox (deliver_messages, each run).
OUTBOX_BACKLOG = "OutboxBacklog"  # messages waiting after the run
OUTBOX_OLDEST_SECONDS = "OutboxOldestSeconds"  # age of the oldest waiting message

ALL = (
    REQUESTS,
    SERVER_ERRORS,
    CLIENT_ERRORS,
    LATENCY,
    WRITE_BUDGET_REFUSALS,
    DATABASE_THROTTLES,
    LOGINS,
    THROTTLED_LOGINS,
    AWARDS,
    VOTES,
    OUTBOX_BACKLOG,
    OUTBOX_OLDEST_SECONDS,
)

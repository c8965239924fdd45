"""The operations resources merged into the template (README: Operations): log retention, the
alarm topic, the alarms, the dashboard, the monthly budget, the API's stage throttling and
reserved concurrency. Every number an operator may change comes from `infra/operations.toml`
(`operations.load`); the metric names of our namespace come from `chalicelib.metric_names`.

Chalice has options for some of this (`log_retention_in_days`, `reserved_concurrency`), but they
live in `.chalice/config.json`: a second copy of the operator's numbers. Merging them here keeps
operations.toml the one place. Each function logs to a log group the stack makes
(`/aws/lambda/<stack>-<function>`, named by the function's `LoggingConfig`) rather than to the
one Lambda would make on its first run: the stack owns it before the function can write, so the
retention holds from the first line and an existing stack's update never collides with a group
Lambda already made.

    python -m infra.monitoring STAGE    # the resources, as JSON
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chalicelib import metric_names as mn
from infra import operations

ROOT = Path(__file__).resolve().parent.parent
CHALICE_CONFIG = ROOT / "functions" / ".chalice" / "config.json"
BUDGET_CODE = Path(__file__).resolve().parent / "budget_resource.py"

TOPIC = "AlarmTopic"
API = "APIHandler"  # Chalice's CloudFormation id of the API's function
PERIOD = 300  # seconds: every alarm looks at 5-minute windows
DURATION_SHARE = 0.8  # a function whose runs come within 80 % of its timeout is near failing
# The 5xx rate is judged only on windows with at least this many requests: one error at 3 a.m.
# is not a 100 % error rate.
RATE_MIN_REQUESTS = 20
RATE_PERCENT = 5  # % of requests answered 5xx in 5 minutes
API_ERRORS = 5  # the API function's own failures (timeouts, crashes) in 5 minutes
THROTTLED_LOGINS = 50  # refused logins in 5 minutes: guessing at scale, not a member mistyping
ITERATOR_AGE_MS = 10 * 60 * 1000  # a stream function 10 minutes behind, twice in a row
# The outbox: one run sends up to PUSH_PER_RUN (5000) and runs every minute, so a backlog above
# one run's worth, or a due message older than 30 minutes, that lasts 15 minutes is stuck.
OUTBOX_BACKLOG = 5000
OUTBOX_OLDEST_SECONDS = 1800
OUTBOX_WINDOWS = 3
HEARTBEAT = "deliver_messages"  # runs every minute: its absence is itself an alarm


@dataclass(frozen=True)
class Function:
    cfn: str  # the CloudFormation logical id
    name: str  # the Chalice name (`api_handler`, `rank_boards`) or the logical id
    timeout: int  # seconds
    chalice: bool  # an AWS::Serverless::Function of Chalice's, else one of our own


def cfn_name(function: str) -> str:
    """Chalice's CloudFormation id of a function: `aggregate_points` → `AggregatePoints`."""
    from infra.template import cfn_name as name

    return API if function == "api_handler" else name(function)


def functions(template: dict[str, Any], stage: str) -> list[Function]:
    """The stage's functions: Chalice's (the API and config.json's `lambda_functions`, timeouts
    as Chalice resolves them: function, stage, global) and the template's own Lambda functions."""
    config = json.loads(CHALICE_CONFIG.read_text())
    stage_config = config["stages"][stage]
    default = stage_config.get("lambda_timeout", config.get("lambda_timeout", 60))
    configured = stage_config.get("lambda_functions", {})
    names = ["api_handler", *(n for n in configured if n != "api_handler")]
    out = [
        Function(cfn_name(n), n, configured.get(n, {}).get("lambda_timeout", default), True)
        for n in names
    ]
    for key, resource in template["Resources"].items():
        if resource.get("Type") == "AWS::Lambda::Function":
            out.append(Function(key, key, resource["Properties"].get("Timeout", 3), False))
    return out


def _merge(resources: dict[str, Any], key: str, properties: dict[str, Any]) -> None:
    """Add properties to a resource the merge template may already name (Chalice merges ours
    into its own resource of that id)."""
    target = resources.setdefault(key, {}).setdefault("Properties", {})
    for name, value in properties.items():
        if isinstance(value, dict) and isinstance(target.get(name), dict):
            target[name].update(value)
        else:
            target[name] = value


def log_groups(fns: list[Function], days: int) -> dict[str, Any]:
    return {
        f"{f.cfn}LogGroup": {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {
                "LogGroupName": {"Fn::Sub": f"/aws/lambda/${{AWS::StackName}}-{f.cfn}"},
                "RetentionInDays": days,
            },
        }
        for f in fns
    }


def _email_id(address: str) -> str:
    """A subscription's logical id from its address: adding or removing one address leaves the
    others' subscriptions (and their confirmations) alone."""
    return "AlarmEmail" + hashlib.sha256(address.lower().encode()).hexdigest()[:10].upper()


def topic(emails: tuple[str, ...]) -> dict[str, Any]:
    """The alarm topic, its e-mail subscriptions and the policy letting CloudWatch alarms and
    AWS Budgets of this account publish. Not KMS-encrypted: with the AWS-managed key (whose
    policy cannot be changed) CloudWatch and Budgets cannot publish at all, a customer managed key
    costs 1 USD a month, and the messages carry no personal data (an alarm's name and figures)."""
    account = {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    out: dict[str, Any] = {
        TOPIC: {
            "Type": "AWS::SNS::Topic",
            "Properties": {
                "TopicName": {"Fn::Sub": "${AWS::StackName}-alarms"},
                "DisplayName": "智慧党建 告警",
            },
        },
        "AlarmTopicPolicy": {
            "Type": "AWS::SNS::TopicPolicy",
            "Properties": {
                "Topics": [{"Ref": TOPIC}],
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "CloudWatchAlarms",
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudwatch.amazonaws.com"},
                            "Action": "sns:Publish",
                            "Resource": {"Ref": TOPIC},
                            "Condition": {
                                "StringEquals": account,
                                "ArnLike": {
                                    "aws:SourceArn": {
                                        "Fn::Sub": "arn:${AWS::Partition}:cloudwatch:"
                                        "${AWS::Region}:${AWS::AccountId}:alarm:*"
                                    }
                                },
                            },
                        },
                        {
                            "Sid": "Budgets",
                            "Effect": "Allow",
                            "Principal": {"Service": "budgets.amazonaws.com"},
                            "Action": "sns:Publish",
                            "Resource": {"Ref": TOPIC},
                            "Condition": {"StringEquals": account},
                        },
                    ],
                },
            },
        },
    }
    for address in emails:
        out[_email_id(address)] = {
            "Type": "AWS::SNS::Subscription",
            "Properties": {"TopicArn": {"Ref": TOPIC}, "Protocol": "email", "Endpoint": address},
        }
    return out


def _ours(name: str, stage: str) -> dict[str, Any]:
    if name not in mn.ALL:
        raise ValueError(f"{name} is not in chalicelib.metric_names.ALL")
    return {
        "Namespace": mn.NAMESPACE,
        "MetricName": name,
        "Dimensions": [{"Name": mn.DIMENSION, "Value": stage}],
    }


def _lambda(metric: str, fn: Function) -> dict[str, Any]:
    return {
        "Namespace": "AWS/Lambda",
        "MetricName": metric,
        "Dimensions": [{"Name": "FunctionName", "Value": {"Ref": fn.cfn}}],
    }


def _alarm(name: str, description: str, metric: dict[str, Any], **props: Any) -> dict[str, Any]:
    """A 5-minute alarm `<stack>-<name>` whose changes (to ALARM and back to OK) go to the
    topic. Names without spaces: the dashboard names each alarm by its ARN."""
    if not re.fullmatch(r"[A-Za-z0-9-]+", name):
        raise ValueError(f"alarm name {name!r}: letters, digits and hyphens")
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmName": {"Fn::Sub": f"${{AWS::StackName}}-{name}"},
            "AlarmDescription": description,
            "ActionsEnabled": True,
            "AlarmActions": [{"Ref": TOPIC}],
            "OKActions": [{"Ref": TOPIC}],
            **metric,
            "EvaluationPeriods": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            **props,
        },
    }


def _stat(statistic: str) -> dict[str, Any]:
    if statistic.startswith("p"):
        return {"ExtendedStatistic": statistic, "Period": PERIOD}
    return {"Statistic": statistic, "Period": PERIOD}


def function_alarms(fns: list[Function], streams: list[str]) -> dict[str, Any]:
    """Per function: its failures, its throttling, its runs near the timeout; the stream
    functions' lag; the delivery worker's heartbeat. No invocation is no data, not a fault."""
    out: dict[str, Any] = {}
    quiet = {"TreatMissingData": "notBreaching"}
    for f in fns:
        api = f.cfn == API
        out[f"{f.cfn}ErrorsAlarm"] = _alarm(
            f"{f.cfn}-errors",
            "The function failed as a whole (an uncaught exception, a timeout, out of memory)."
            " First: its log group, the lines at the alarm's time.",
            {**_lambda("Errors", f), **_stat("Sum")},
            Threshold=API_ERRORS if api else 1,
            **quiet,
        )
        out[f"{f.cfn}ThrottlesAlarm"] = _alarm(
            f"{f.cfn}-throttles",
            "Lambda refused runs: the function reached its reserved concurrency (the API under a"
            " flood, a job still running when the next started) or the account its limit."
            " First: the dashboard's Lambda widgets, then the account's concurrency.",
            {**_lambda("Throttles", f), **_stat("Sum")},
            Threshold=1,
            **quiet,
        )
        limit = int(f.timeout * 1000 * DURATION_SHARE)
        out[f"{f.cfn}DurationAlarm"] = _alarm(
            f"{f.cfn}-duration",
            f"Runs took {int(DURATION_SHARE * 100)} % of the {f.timeout} s timeout or more"
            + (" (p99)" if api else " (the longest run)")
            + ": soon they fail. First: the slow lines in its log group (a table grown, a"
            " throttled dependency).",
            {**_lambda("Duration", f), **_stat("p99" if api else "Maximum")},
            Threshold=limit,
            **quiet,
        )
    for name in streams:
        f = next(f for f in fns if f.name == name)
        out[f"{f.cfn}IteratorAgeAlarm"] = _alarm(
            f"{f.cfn}-stream-lag",
            "The stream function is more than 10 minutes behind its table's stream (a batch"
            " that keeps failing is retried until its records are 24 h old, then lost). First:"
            " its Errors and its log group.",
            {**_lambda("IteratorAge", f), **_stat("Maximum")},
            Threshold=ITERATOR_AGE_MS,
            EvaluationPeriods=2,
            DatapointsToAlarm=2,
            **quiet,
        )
    worker = next(f for f in fns if f.name == HEARTBEAT)
    out[f"{worker.cfn}HeartbeatAlarm"] = _alarm(
        f"{worker.cfn}-not-running",
        "The outbox's delivery worker, scheduled every minute, did not run for 15 minutes:"
        " notifications wait. First: its EventBridge schedule rule (enabled?) and its Throttles.",
        {**_lambda("Invocations", worker), **_stat("Sum")},
        Threshold=1,
        ComparisonOperator="LessThanThreshold",
        EvaluationPeriods=3,
        DatapointsToAlarm=3,
        TreatMissingData="breaching",
    )
    return out


def api_alarms(stage: str, api_name: str) -> dict[str, Any]:
    quiet = {"TreatMissingData": "notBreaching"}

    def ours(metric: str, stat: str) -> dict[str, Any]:
        return {**_ours(metric, stage), **_stat(stat)}

    def fetched(key: str, metric: str) -> dict[str, Any]:
        return {
            "Id": key,
            "MetricStat": {"Metric": _ours(metric, stage), "Period": PERIOD, "Stat": "Sum"},
            "ReturnData": False,
        }

    return {
        "ApiServerErrorRateAlarm": _alarm(
            "api-5xx-rate",
            f"More than {RATE_PERCENT} % of the API's answers in 5 minutes were 5xx (windows"
            f" of at least {RATE_MIN_REQUESTS} requests). First: the API function's log group"
            " (status 5xx lines, their route), then DatabaseThrottles and the API's Throttles.",
            {
                "Metrics": [
                    fetched("errors", mn.SERVER_ERRORS),
                    fetched("requests", mn.REQUESTS),
                    {
                        "Id": "rate",
                        "Expression": f"IF(requests >= {RATE_MIN_REQUESTS},"
                        " 100 * FILL(errors, 0) / requests, 0)",
                        "Label": "5xx % of requests",
                        "ReturnData": True,
                    },
                ]
            },
            Threshold=RATE_PERCENT,
            ComparisonOperator="GreaterThanThreshold",
            **quiet,
        ),
        # The backstop: 5xx the function never answered itself (it crashed or timed out, Lambda
        # throttled it), counted by API Gateway.
        "ApiGateway5xxAlarm": _alarm(
            "api-gateway-5xx",
            "API Gateway answered at least 10 5xx in 5 minutes, some of which the function may"
            " never have seen (its timeout, a crash, Lambda throttling). First: the API"
            " function's Errors and Throttles alarms, then its log group.",
            {
                "Namespace": "AWS/ApiGateway",
                "MetricName": "5XXError",
                "Dimensions": [
                    {"Name": "ApiName", "Value": api_name},
                    {"Name": "Stage", "Value": "api"},
                ],
                **_stat("Sum"),
            },
            Threshold=10,
            **quiet,
        ),
        "DatabaseThrottlesAlarm": _alarm(
            "database-throttles",
            "DynamoDB throttled requests even after the client's retries (a hot key, or an"
            " on-demand table's sudden doubling). First: the dashboard's DynamoDB widget, the"
            " API's log lines with the table named.",
            ours(mn.DATABASE_THROTTLES, "Sum"),
            Threshold=1,
            **quiet,
        ),
        "ThrottledLoginsAlarm": _alarm(
            "throttled-logins",
            f"At least {THROTTLED_LOGINS} logins were refused in 5 minutes by the per-account"
            " login throttle: someone is guessing passwords at scale (members mistyping make a"
            " few). The throttle already holds. First: the API's log lines of refused logins"
            " (which member numbers, how spread), and tell the members concerned.",
            ours(mn.THROTTLED_LOGINS, "Sum"),
            Threshold=THROTTLED_LOGINS,
            **quiet,
        ),
        "OutboxBacklogAlarm": _alarm(
            "outbox-backlog",
            f"More than {OUTBOX_BACKLOG} messages were due after every delivery run for 15"
            " minutes: delivery is failing or cannot keep up. First: the delivery worker's log"
            " group (WeCom's error codes), OutboxOldestSeconds.",
            ours(mn.OUTBOX_BACKLOG, "Minimum"),
            Threshold=OUTBOX_BACKLOG,
            ComparisonOperator="GreaterThanThreshold",
            EvaluationPeriods=OUTBOX_WINDOWS,
            DatapointsToAlarm=OUTBOX_WINDOWS,
            **quiet,
        ),
        "OutboxOldestAlarm": _alarm(
            "outbox-oldest",
            "A due message has waited more than 30 minutes, after every run for 15 minutes"
            " (quiet hours move a message's due time: it is not due then). First: the delivery"
            " worker's log group, WeCom's or the Official Account's answers.",
            ours(mn.OUTBOX_OLDEST_SECONDS, "Minimum"),
            Threshold=OUTBOX_OLDEST_SECONDS,
            ComparisonOperator="GreaterThanThreshold",
            EvaluationPeriods=OUTBOX_WINDOWS,
            DatapointsToAlarm=OUTBOX_WINDOWS,
            **quiet,
        ),
    }


def _widget(title: str, metrics: list[list[Any] | dict[str, Any]], **view: Any) -> dict[str, Any]:
    return {
        "type": "metric",
        "width": 12,
        "height": 6,
        "properties": {
            "title": title,
            "region": "${AWS::Region}",
            "period": PERIOD,
            "view": "timeSeries",
            "metrics": metrics,
            **view,
        },
    }


def dashboard(
    fns: list[Function],
    streams: list[str],
    stage: str,
    api_name: str,
    table_prefix: str,
    alarms: dict[str, Any],
) -> dict[str, Any]:
    """One dashboard: the API's requests, errors and latency, the members' activity, each
    function, DynamoDB, the outbox, and every alarm's state. Its body is JSON under `Fn::Sub`,
    so the `${Function}` names and the `${AWS::...}` parts resolve at deploy time."""

    def ours(metric: str, stat: str = "Sum", **extra: Any) -> list[Any]:
        _ours(metric, stage)  # refuses a name not in metric_names.ALL
        return [mn.NAMESPACE, metric, mn.DIMENSION, stage, {"stat": stat, **extra}]

    def gateway(metric: str, stat: str = "Sum") -> list[Any]:
        return ["AWS/ApiGateway", metric, "ApiName", api_name, "Stage", "api", {"stat": stat}]

    def each(metric: str, stat: str, only: list[Function] | None = None) -> list[list[Any]]:
        return [
            ["AWS/Lambda", metric, "FunctionName", f"${{{f.cfn}}}", {"stat": stat, "label": f.cfn}]
            for f in (only or fns)
        ]

    def tables(metric: str) -> dict[str, Any]:
        search = (
            f'SEARCH(\'{{AWS/DynamoDB,TableName}} MetricName="{metric}"'
            f" TableName={table_prefix.rstrip('-')}', 'Sum', {PERIOD})"
        )
        return {"expression": f"SUM({search})", "label": f"{metric} (all tables)"}

    # Built from the names, not `${Alarm.Arn}`: the stack's DependsOn orders the two anyway.
    arn = "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:"
    stream_fns = [f for f in fns if f.name in streams]
    api = [f for f in fns if f.cfn == API]
    widgets = [
        _widget(
            "API requests and errors",
            [
                ours(mn.REQUESTS),
                ours(mn.SERVER_ERRORS),
                ours(mn.CLIENT_ERRORS),
                ours(mn.WRITE_BUDGET_REFUSALS),
                gateway("Count"),
                gateway("5XXError"),
                gateway("4XXError"),
            ],
        ),
        _widget(
            "API 5xx rate (%)",
            [
                {"expression": "100 * FILL(errors, 0) / requests", "label": "5xx %", "id": "rate"},
                ours(mn.SERVER_ERRORS, id="errors", visible=False),
                ours(mn.REQUESTS, id="requests", visible=False),
            ],
        ),
        _widget(
            "API latency (ms)",
            [
                ours(mn.LATENCY, "p50"),
                ours(mn.LATENCY, "p90"),
                ours(mn.LATENCY, "p99"),
                gateway("Latency", "p99"),
            ],
        ),
        _widget(
            "Awards, votes, logins",
            [ours(mn.AWARDS), ours(mn.VOTES), ours(mn.LOGINS), ours(mn.THROTTLED_LOGINS)],
        ),
        _widget("Lambda invocations", each("Invocations", "Sum")),
        _widget("Lambda errors", each("Errors", "Sum")),
        _widget("Lambda throttles", each("Throttles", "Sum")),
        _widget("Lambda duration, longest run (ms)", each("Duration", "Maximum")),
        _widget(
            "Stream lag and the API's concurrency",
            [
                *each("IteratorAge", "Maximum", stream_fns),
                *each("ConcurrentExecutions", "Maximum", api),
            ],
        ),
        _widget(
            "DynamoDB",
            [
                tables("ConsumedReadCapacityUnits"),
                tables("ConsumedWriteCapacityUnits"),
                tables("ThrottledRequests"),
                ours(mn.DATABASE_THROTTLES),
            ],
        ),
        _widget(
            "Outbox",
            [ours(mn.OUTBOX_BACKLOG, "Maximum"), ours(mn.OUTBOX_OLDEST_SECONDS, "Maximum")],
        ),
        {
            "type": "alarm",
            "width": 24,
            "height": 6,
            "properties": {
                "title": "Alarms",
                "alarms": [arn + a["Properties"]["AlarmName"]["Fn::Sub"] for a in alarms.values()],
            },
        },
    ]
    return {
        "OperationsDashboard": {
            "Type": "AWS::CloudWatch::Dashboard",
            "DependsOn": sorted(alarms),
            "Properties": {
                "DashboardName": {"Fn::Sub": "${AWS::StackName}"},
                "DashboardBody": {"Fn::Sub": json.dumps({"widgets": widgets}, ensure_ascii=False)},
            },
        }
    }


def budget_code() -> str:
    """infra/budget_resource.py as inline code (docstring left out), run as module `index`."""
    tree = ast.parse(BUDGET_CODE.read_text())
    if ast.get_docstring(tree):
        tree.body = tree.body[1:]
    code = ast.unparse(tree) + "\n"
    if len(code) > 4096:  # CloudFormation's limit on Code.ZipFile
        raise ValueError(f"{BUDGET_CODE.name}: {len(code)} characters, over 4096")
    return code


def budget(amount: int) -> dict[str, Any]:
    """The monthly cost budget (infra/budget_resource.py says why a custom resource)."""
    name = {"Fn::Sub": "${AWS::StackName}-monthly"}
    return {
        "BudgetFunctionRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                },
                "Policies": [
                    {
                        "PolicyName": "monthly-budget",
                        "PolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Sid": "TheStagesBudget",
                                    "Effect": "Allow",
                                    "Action": ["budgets:ModifyBudget", "budgets:ViewBudget"],
                                    "Resource": {
                                        "Fn::Sub": "arn:${AWS::Partition}:budgets::"
                                        "${AWS::AccountId}:budget/${AWS::StackName}-monthly"
                                    },
                                },
                                {
                                    "Sid": "Logs",
                                    "Effect": "Allow",
                                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                                    "Resource": {"Fn::GetAtt": ["BudgetFunctionLogGroup", "Arn"]},
                                },
                            ],
                        },
                    }
                ],
            },
        },
        "BudgetFunction": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Description": "Makes the stage's monthly AWS Budgets budget (a custom resource)",
                "Runtime": "python3.12",
                "Handler": "index.handler",
                "Architectures": ["arm64"],
                "MemorySize": 128,
                "Timeout": 60,
                "Role": {"Fn::GetAtt": ["BudgetFunctionRole", "Arn"]},
                "LoggingConfig": {"LogGroup": {"Ref": "BudgetFunctionLogGroup"}},
                "Code": {"ZipFile": budget_code()},
            },
        },
        "MonthlyBudget": {
            "Type": "Custom::MonthlyBudget",
            "Properties": {
                "ServiceToken": {"Fn::GetAtt": ["BudgetFunction", "Arn"]},
                "BudgetName": name,
                "AmountUsd": str(amount),
                "TopicArn": {"Ref": TOPIC},
            },
        },
    }


def add(template: dict[str, Any], stage: str) -> None:
    """Merge the operations resources for `stage` into the merge template."""
    from infra.access import STREAMS
    from infra.template import stage_environment

    ops = operations.load(stage)
    resources = template["Resources"]
    config = json.loads(CHALICE_CONFIG.read_text())
    api_name = f"{config['app_name']}-{stage}"
    fns = functions(template, stage)
    streams = list(STREAMS)
    alarms = {**function_alarms(fns, streams), **api_alarms(stage, api_name)}
    new = {
        **log_groups(fns, ops.log_retention_days),
        **topic(ops.alarm_emails),
        **alarms,
        **dashboard(
            fns, streams, stage, api_name, stage_environment(stage)["TABLE_PREFIX"], alarms
        ),
        **budget(ops.budget_monthly_usd),
    }
    # The budget's own function logs too (it runs on deploys only: no alarms watch it).
    budget_fn = Function("BudgetFunction", "BudgetFunction", 60, False)
    new.update(log_groups([budget_fn], ops.log_retention_days))
    clash = set(new) & set(resources)
    if clash:
        raise ValueError(f"the template already declares {sorted(clash)}")
    resources.update(new)
    for f in fns:
        _merge(resources, f.cfn, {"LoggingConfig": {"LogGroup": {"Ref": f"{f.cfn}LogGroup"}}})
    _merge(resources, API, {"ReservedConcurrentExecutions": ops.api_reserved_concurrency})
    # The stage's throttling, and a name per stage: API Gateway's metrics are keyed by the API's
    # name, which Chalice takes from the app (the same for dev and prod in one account).
    _merge(
        resources,
        "RestAPI",
        {
            "DefinitionBody": {"info": {"title": api_name}},
            "MethodSettings": [
                {
                    "ResourcePath": "/*",
                    "HttpMethod": "*",
                    "ThrottlingRateLimit": ops.api_rate_per_second,
                    "ThrottlingBurstLimit": ops.api_burst,
                }
            ],
        },
    )


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    from infra.template import merge_template

    merged = merge_template(sys.argv[1])
    print(json.dumps(merged["Resources"], ensure_ascii=False, indent=1))

"""infra/monitoring.py's resources in the merge template of the prod stage: the values come from
operations.toml, every alarm tells the topic, every alarm and dashboard metric of our namespace is
one the code emits (metric_names.ALL; the observability tests check each is emitted), and the
budget's custom resource does what CloudFormation asks, against moto's Budgets.

The packaged template (Chalice's functions merged) is checked in test_infra_package.py, which
runs cfn-lint over it and checks every packaged function's log group, alarms and architecture.
"""

from __future__ import annotations

import json
import re
import types
from typing import Any

import pytest

from chalicelib import metric_names as mn
from infra import monitoring, operations
from infra.template import merge_template

STAGE = "prod"
OPS = operations.load(STAGE)


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    return merge_template(STAGE)["Resources"]


def _of(resources: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in resources.items() if v.get("Type") == kind}


def _metrics(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    """The metrics an alarm reads: its own, or those its metric math fetches."""
    props = alarm["Properties"]
    if "Metrics" in props:
        return [m["MetricStat"]["Metric"] for m in props["Metrics"] if "MetricStat" in m]
    return [{k: props[k] for k in ("Namespace", "MetricName", "Dimensions")}]


def test_every_function_logs_to_a_group_kept_as_operations_toml_says(
    resources: dict[str, Any],
) -> None:
    fns = monitoring.functions({"Resources": resources}, STAGE)
    assert {f.cfn for f in fns} >= {"APIHandler", "AggregatePoints", "NotFoundPage"}
    for f in fns:
        config = resources[f.cfn]["Properties"]["LoggingConfig"]
        group = resources[config["LogGroup"]["Ref"]]
        assert group["Type"] == "AWS::Logs::LogGroup"
        assert group["Properties"]["RetentionInDays"] == OPS.log_retention_days
        # Inside the functions' log permission (infra/policy.py: /aws/lambda/dangjian-<stage>-*).
        name = group["Properties"]["LogGroupName"]["Fn::Sub"]
        assert name == f"/aws/lambda/${{AWS::StackName}}-{f.cfn}"
    groups = _of(resources, "AWS::Logs::LogGroup")
    assert all(
        g["Properties"]["RetentionInDays"] == OPS.log_retention_days for g in groups.values()
    )


def test_every_alarm_tells_the_topic_going_wrong_and_back(resources: dict[str, Any]) -> None:
    alarms = _of(resources, "AWS::CloudWatch::Alarm")
    assert len(alarms) > 20
    for key, alarm in alarms.items():
        props = alarm["Properties"]
        assert props["AlarmActions"] == [{"Ref": monitoring.TOPIC}], key
        assert props["OKActions"] == [{"Ref": monitoring.TOPIC}], key
        assert props["TreatMissingData"] in {"notBreaching", "breaching"}, key
        assert props["AlarmDescription"].count("First:") == 1, key  # what to do first
    assert resources[monitoring.TOPIC]["Type"] == "AWS::SNS::Topic"


def test_every_alarm_on_our_namespace_names_an_emitted_metric_of_the_stage(
    resources: dict[str, Any],
) -> None:
    ours = 0
    for key, alarm in _of(resources, "AWS::CloudWatch::Alarm").items():
        for metric in _metrics(alarm):
            if metric["Namespace"] != mn.NAMESPACE:
                continue
            ours += 1
            assert metric["MetricName"] in mn.ALL, key
            assert metric["Dimensions"] == [{"Name": mn.DIMENSION, "Value": STAGE}], key
    assert ours >= 6  # 5xx rate (two), database throttles, throttled logins, outbox (two)


def test_the_5xx_rate_needs_a_minimum_of_requests(resources: dict[str, Any]) -> None:
    props = resources["ApiServerErrorRateAlarm"]["Properties"]
    (expression,) = [m["Expression"] for m in props["Metrics"] if m.get("ReturnData")]
    fetched = {m["Id"]: m["MetricStat"]["Metric"]["MetricName"] for m in props["Metrics"][:2]}
    assert fetched == {"errors": mn.SERVER_ERRORS, "requests": mn.REQUESTS}
    assert expression.startswith(f"IF(requests >= {monitoring.RATE_MIN_REQUESTS},")
    assert props["TreatMissingData"] == "notBreaching"


def test_stream_lag_and_the_delivery_workers_heartbeat(resources: dict[str, Any]) -> None:
    from infra.access import STREAMS

    for function in STREAMS:
        alarm = resources[f"{monitoring.cfn_name(function)}IteratorAgeAlarm"]["Properties"]
        assert alarm["MetricName"] == "IteratorAge" and alarm["Statistic"] == "Maximum"
        assert alarm["Dimensions"][0]["Value"] == {"Ref": monitoring.cfn_name(function)}
    beat = resources["DeliverMessagesHeartbeatAlarm"]["Properties"]
    # No data from a job that runs every minute is the fault itself.
    assert beat["MetricName"] == "Invocations" and beat["TreatMissingData"] == "breaching"
    assert beat["ComparisonOperator"] == "LessThanThreshold"


def test_the_dashboard_shows_only_emitted_metrics_and_resolves(resources: dict[str, Any]) -> None:
    (board,) = _of(resources, "AWS::CloudWatch::Dashboard").values()
    body = board["Properties"]["DashboardBody"]["Fn::Sub"]
    widgets = json.loads(body)["widgets"]
    titles = " ".join(w["properties"]["title"] for w in widgets)
    for word in ("requests", "latency", "Awards", "Lambda", "DynamoDB", "Outbox", "Alarms"):
        assert word in titles, word
    ours = set()
    for widget in widgets:
        for metric in widget["properties"].get("metrics", []):
            if isinstance(metric, list) and metric[0] == mn.NAMESPACE:
                assert metric[1] in mn.ALL and metric[2:4] == [mn.DIMENSION, STAGE], metric
                ours.add(metric[1])
    assert {mn.REQUESTS, mn.AWARDS, mn.VOTES, mn.LOGINS, mn.OUTBOX_BACKLOG} <= ours
    # Every ${...} is a pseudo parameter or a resource of the template.
    for name in re.findall(r"\$\{([^}]+)\}", body):
        assert name.startswith("AWS::") or name in resources, name
    alarms = next(w for w in widgets if w["type"] == "alarm")["properties"]["alarms"]
    assert len(alarms) == len(_of(resources, "AWS::CloudWatch::Alarm"))
    assert sorted(board["DependsOn"]) == sorted(_of(resources, "AWS::CloudWatch::Alarm"))


def test_the_stage_throttling_and_the_apis_concurrency_come_from_operations_toml(
    resources: dict[str, Any],
) -> None:
    (setting,) = resources["RestAPI"]["Properties"]["MethodSettings"]
    assert setting == {
        "ResourcePath": "/*",
        "HttpMethod": "*",
        "ThrottlingRateLimit": OPS.api_rate_per_second,
        "ThrottlingBurstLimit": OPS.api_burst,
    }
    api = resources["APIHandler"]["Properties"]
    assert api["ReservedConcurrentExecutions"] == OPS.api_reserved_concurrency
    # uploads() put the bucket's name there first; the merge keeps it.
    assert "UPLOADS_BUCKET" in api["Environment"]["Variables"]


def test_the_budget_is_the_stages_amount_and_notifies_the_topic(resources: dict[str, Any]) -> None:
    props = resources["MonthlyBudget"]["Properties"]
    assert props["AmountUsd"] == str(OPS.budget_monthly_usd)
    assert props["TopicArn"] == {"Ref": monitoring.TOPIC}
    policy = resources["AlarmTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert {s["Principal"]["Service"] for s in policy} == {
        "cloudwatch.amazonaws.com",
        "budgets.amazonaws.com",
    }
    # The AWS-managed key would silently stop CloudWatch and Budgets from publishing.
    assert "KmsMasterKeyId" not in resources[monitoring.TOPIC]["Properties"]


def test_each_address_is_its_own_subscription_kept_when_others_change() -> None:
    both = monitoring.topic(("a@example.org", "b@example.org"))
    one = monitoring.topic(("b@example.org",))
    subs = {k: v for k, v in both.items() if v["Type"] == "AWS::SNS::Subscription"}
    assert sorted(s["Properties"]["Endpoint"] for s in subs.values()) == [
        "a@example.org",
        "b@example.org",
    ]
    assert all(s["Properties"]["Protocol"] == "email" for s in subs.values())
    kept = [k for k, v in one.items() if v["Type"] == "AWS::SNS::Subscription"]
    assert len(kept) == 1 and kept[0] in subs  # b's id did not move


def test_a_name_outside_the_emitted_list_is_refused() -> None:
    with pytest.raises(ValueError, match=r"not in chalicelib\.metric_names\.ALL"):
        monitoring._ours("RequestCount", STAGE)


# -- the budget's custom resource, its inline code run as Lambda runs it ---------------------


def _budget_function(resources: dict[str, Any]) -> Any:
    props = resources["BudgetFunction"]["Properties"]
    assert props["Handler"] == "index.handler" and props["Architectures"] == ["arm64"]
    module = types.ModuleType("index")
    exec(compile(props["Code"]["ZipFile"], "index.py", "exec"), module.__dict__)
    replies: list[dict[str, Any]] = []
    module.respond = lambda url, body: replies.append({"url": url, **body})
    module.replies = replies
    return module


def _event(kind: str, amount: Any = "100", **extra: Any) -> dict[str, Any]:
    props = {"BudgetName": "dangjian-prod-monthly", "TopicArn": "arn:aws:sns:ap-east-1:1:t"}
    if amount is not None:
        props["AmountUsd"] = amount
    return {
        "RequestType": kind,
        "StackId": "arn:aws:cloudformation:ap-east-1:123456789012:stack/dangjian-prod/x",
        "RequestId": "r1",
        "LogicalResourceId": "MonthlyBudget",
        "ResponseURL": "https://example.invalid/reply",
        "ResourceProperties": props,
        **extra,
    }


def test_the_budget_function_creates_updates_and_deletes(
    resources: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3
    from moto import mock_aws

    for name, value in (("AWS_ACCESS_KEY_ID", "t"), ("AWS_SECRET_ACCESS_KEY", "t")):
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-east-1")
    fn = _budget_function(resources)
    with mock_aws():
        budgets = boto3.client("budgets")

        def described() -> tuple[str, list[tuple[str, float]]]:
            got = budgets.describe_budget(AccountId="123456789012", BudgetName=fn_name)["Budget"]
            notes = budgets.describe_notifications_for_budget(
                AccountId="123456789012", BudgetName=fn_name
            )["Notifications"]
            kinds = sorted((n["NotificationType"], n["Threshold"]) for n in notes)
            return got["BudgetLimit"]["Amount"], kinds

        fn_name = "dangjian-prod-monthly"
        fn.handler(_event("Create"), None)
        assert fn.replies[-1]["Status"] == "SUCCESS"
        assert fn.replies[-1]["PhysicalResourceId"] == fn_name
        amount, kinds = described()
        assert float(amount) == 100 and kinds == [("ACTUAL", 100.0), ("FORECASTED", 80.0)]
        fn.handler(_event("Update", "250", PhysicalResourceId=fn_name), None)
        assert fn.replies[-1]["Status"] == "SUCCESS" and float(described()[0]) == 250
        fn.handler(_event("Delete", PhysicalResourceId=fn_name), None)
        assert fn.replies[-1]["Status"] == "SUCCESS"
        assert budgets.describe_budgets(AccountId="123456789012").get("Budgets", []) == []
        # A delete of what never got made, and a broken request: answered, never left hanging.
        fn.handler(_event("Delete", PhysicalResourceId="none"), None)
        assert fn.replies[-1]["Status"] == "SUCCESS"
        fn.handler(_event("Create", amount=None), None)
        assert fn.replies[-1]["Status"] == "FAILED" and "AmountUsd" in fn.replies[-1]["Reason"]
    assert {r["url"] for r in fn.replies} == {"https://example.invalid/reply"}


def test_the_rollback_of_a_failed_create_deletes_nothing(resources: dict[str, Any]) -> None:
    """A Create that fails answers a placeholder id; the rollback's Delete of it succeeds without
    calling DeleteBudget (the role may touch only the stack's budget: "none" would be refused,
    and the stack would end in ROLLBACK_FAILED)."""
    fn = _budget_function(resources)
    calls: list[str] = []

    class RefusedError(Exception):
        pass

    class Budgets:
        exceptions = types.SimpleNamespace(NotFoundException=LookupError)

        def create_budget(self, **_: Any) -> None:
            raise RefusedError("create refused")

        def delete_budget(self, **kwargs: str) -> None:
            calls.append(kwargs["BudgetName"])
            if kwargs["BudgetName"] != "dangjian-prod-monthly":
                raise RefusedError(f"not authorized on budget/{kwargs['BudgetName']}")
            raise LookupError(kwargs["BudgetName"])

    fn.handler(_event("Create"), None, Budgets())
    failed = fn.replies[-1]
    assert failed["Status"] == "FAILED"
    assert failed["PhysicalResourceId"] != "dangjian-prod-monthly"
    calls.clear()
    fn.handler(_event("Delete", PhysicalResourceId=failed["PhysicalResourceId"]), None, Budgets())
    assert fn.replies[-1]["Status"] == "SUCCESS" and calls == []
    fn.handler(_event("Delete", PhysicalResourceId="dangjian-prod-monthly"), None, Budgets())
    assert fn.replies[-1]["Status"] == "SUCCESS" and calls == ["dangjian-prod-monthly"]


def test_every_scheduled_job_reserves_one_run_in_both_stages() -> None:
    """A reservation of 1: a run never overlaps the next (README: Limits counts 8 per stage)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "functions"
    source = (root / "chalicelib" / "schedules.py").read_text()
    jobs = re.findall(r'@bp\.schedule\(.*name="(\w+)"\)', source)
    assert len(jobs) == 8
    config = json.loads((root / ".chalice" / "config.json").read_text())
    for stage in ("dev", "prod"):
        functions = config["stages"][stage]["lambda_functions"]
        for job in jobs:
            assert functions[job].get("reserved_concurrency") == 1, (stage, job)

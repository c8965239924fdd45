"""The stage's monthly AWS Budgets budget, made by a CloudFormation custom resource.

Why not `AWS::Budgets::Budget`: CloudFormation does not offer that type in every region, the
default one (ap-east-1) included (cfn-lint's region schemas lack it), while the Budgets API
itself is global. So the stack carries this small function (inlined by infra/monitoring.py, no
dependencies: boto3 is in the Lambda runtime) and a `Custom::MonthlyBudget` whose properties are
the budget's name, its amount in USD and the SNS topic to notify. On create and update it makes
the budget anew (delete, then create: one call path, and a changed amount or topic replaces the
notifications with it); on delete it removes it. It answers CloudFormation on the pre-signed
ResponseURL, always, so a failure fails the stack operation instead of hanging it for an hour.
"""

from __future__ import annotations

import contextlib
import json
import urllib.request
from typing import Any

# A notice when the month's forecast passes 80 % of the amount, and when the actual cost passes it.
NOTIFICATIONS = (("FORECASTED", 80.0), ("ACTUAL", 100.0))


def budget(name: str, amount: str) -> dict[str, Any]:
    return {
        "BudgetName": name,
        "BudgetType": "COST",
        "TimeUnit": "MONTHLY",
        "BudgetLimit": {"Amount": amount, "Unit": "USD"},
    }


def notifications(topic: str) -> list[dict[str, Any]]:
    return [
        {
            "Notification": {
                "NotificationType": kind,
                "ComparisonOperator": "GREATER_THAN",
                "Threshold": threshold,
                "ThresholdType": "PERCENTAGE",
            },
            "Subscribers": [{"SubscriptionType": "SNS", "Address": topic}],
        }
        for kind, threshold in NOTIFICATIONS
    ]


def _delete(client: Any, account: str, name: str) -> None:
    with contextlib.suppress(client.exceptions.NotFoundException):
        client.delete_budget(AccountId=account, BudgetName=name)


def apply(client: Any, event: dict[str, Any]) -> str:
    """Do what the event asks; the budget's name (the physical id)."""
    props = event["ResourceProperties"]
    account = event["StackId"].split(":")[4]
    name = props["BudgetName"]
    if event["RequestType"] == "Delete":
        made = event.get("PhysicalResourceId", name)
        # A Create that failed answered "none" (no budget made): its rollback's Delete must
        # succeed without asking Budgets, whose policy allows this stack's budget name only.
        if made == name:
            _delete(client, account, made)
        return made
    # A renamed budget: CloudFormation deletes the old one (its old physical id) afterwards.
    _delete(client, account, name)
    client.create_budget(
        AccountId=account,
        Budget=budget(name, str(props["AmountUsd"])),
        NotificationsWithSubscribers=notifications(props["TopicArn"]),
    )
    return name


def respond(url: str, body: dict[str, Any]) -> None:
    data = json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="PUT", headers={"Content-Type": ""})
    urllib.request.urlopen(request, timeout=20).close()


def handler(event: dict[str, Any], context: Any, client: Any = None) -> None:
    import boto3

    reply = {
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "PhysicalResourceId": event.get("PhysicalResourceId", "none"),
        "Status": "SUCCESS",
    }
    try:
        reply["PhysicalResourceId"] = apply(client or boto3.client("budgets"), event)
    except Exception as error:  # any failure must reach CloudFormation
        reply["Status"] = "FAILED"
        reply["Reason"] = f"{type(error).__name__}: {error}"[:900]
    respond(event["ResponseURL"], reply)

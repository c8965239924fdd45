"""The CloudFormation tables equal the tables PynamoDB itself creates from the models.

infra/template.py generates the resources from `ALL_MODELS`; this compares them with what
`Model.create_table` really made in DynamoDB Local (DescribeTable, DescribeTimeToLive), so a
mistake in the generator (key order, a missed index, projection or TTL) fails here.
"""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.models import ALL_MODELS
from infra import template


def _keys(schema: list[dict[str, str]]) -> list[tuple[str, str]]:
    return [(k["AttributeName"], k["KeyType"]) for k in schema]


def _indexes(indexes: list[dict[str, Any]]) -> dict[str, tuple]:
    return {
        i["IndexName"]: (
            _keys(i["KeySchema"]),
            i["Projection"]["ProjectionType"],
            sorted(i["Projection"].get("NonKeyAttributes", [])),
        )
        for i in indexes
    }


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.__name__)
def test_template_table_equals_the_table_pynamodb_creates(dynamodb: int, model: type) -> None:
    live = model._get_connection().describe_table()
    props = template.table_resource(model, "dangjian-prod-")["Properties"]
    assert props["TableName"] == "dangjian-prod-" + template.table_suffix(model)
    assert live["TableName"] == model.Meta.table_name
    assert _keys(props["KeySchema"]) == _keys(live["KeySchema"])
    assert sorted(
        (a["AttributeName"], a["AttributeType"]) for a in props["AttributeDefinitions"]
    ) == sorted((a["AttributeName"], a["AttributeType"]) for a in live["AttributeDefinitions"])
    assert _indexes(props.get("GlobalSecondaryIndexes", [])) == _indexes(
        live.get("GlobalSecondaryIndexes", [])
    )
    assert _indexes(props.get("LocalSecondaryIndexes", [])) == _indexes(
        live.get("LocalSecondaryIndexes", [])
    )
    assert live["BillingModeSummary"]["BillingMode"] == props["BillingMode"] == "PAY_PER_REQUEST"
    stream = live.get("StreamSpecification") or {}
    if stream.get("StreamEnabled"):
        assert props["StreamSpecification"] == {"StreamViewType": stream["StreamViewType"]}
    else:
        assert "StreamSpecification" not in props

    client = model._get_connection().connection.client
    ttl = client.describe_time_to_live(TableName=model.Meta.table_name)["TimeToLiveDescription"]
    if ttl.get("TimeToLiveStatus") in {"ENABLED", "ENABLING"}:
        assert props["TimeToLiveSpecification"] == {
            "AttributeName": ttl["AttributeName"],
            "Enabled": True,
        }
    else:
        assert "TimeToLiveSpecification" not in props


def test_every_table_is_protected_and_recoverable() -> None:
    for key, resource in template.table_resources("dangjian-prod-").items():
        props = resource["Properties"]
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert props["SSESpecification"]["SSEEnabled"] is True
        assert resource["DeletionPolicy"] == resource["UpdateReplacePolicy"] == "Retain", key


def test_a_table_made_without_its_stream_gets_it(dynamodb: int) -> None:
    """A local database made before a model asked for a stream (make dev keeps its data): the
    next `create_all` turns the stream on, so the stream functions see its writes."""
    from chalicelib.models import PointDay
    from tools import tables

    connection = PointDay._get_connection().connection
    name = PointDay.Meta.table_name
    connection.dispatch(
        "UpdateTable", {"TableName": name, "StreamSpecification": {"StreamEnabled": False}}
    )
    assert (
        not PointDay._get_connection()
        .describe_table()
        .get("StreamSpecification", {})
        .get("StreamEnabled")
    )
    tables.create_all()
    live = PointDay._get_connection().describe_table()["StreamSpecification"]
    assert live == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert tables.ensure_stream(PointDay) is False  # already on: nothing to do


def test_a_table_made_without_an_index_gets_it(dynamodb: int) -> None:
    """A local database made before a model added an index (the members' `reminders`, say):
    the next `create_all` adds it, and a Query through it works on the kept data."""
    from chalicelib.models import Member
    from tools import tables
    from tools.fixtures import make_member, make_tree

    connection = Member._get_connection().connection
    name = Member.Meta.table_name

    def indexes() -> set[str]:  # fresh (PynamoDB keeps the table's description it first read)
        table = connection.dispatch("DescribeTable", {"TableName": name})["Table"]
        return {i["IndexName"] for i in table.get("GlobalSecondaryIndexes", [])}

    # The table as it was made before the index: the same keys, the other index only.
    schema = Member._get_schema()
    by_branch = next(
        i for i in schema["global_secondary_indexes"] if i["index_name"] == "by-branch"
    )
    connection.dispatch("DeleteTable", {"TableName": name})
    connection.dispatch(
        "CreateTable",
        {
            "TableName": name,
            "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": schema["key_schema"],
            "AttributeDefinitions": [
                {"AttributeName": "member_no", "AttributeType": "S"},
                {"AttributeName": "branch_id", "AttributeType": "S"},
            ],
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": "by-branch",
                    "KeySchema": by_branch["key_schema"],
                    "Projection": by_branch["projection"],
                }
            ],
        },
    )
    assert indexes() == {"by-branch"}
    make_tree()
    make_member("95000001", "B1", name="李书记", roles=("branch_secretary",))
    tables.create_all()
    assert indexes() == {"by-branch", "reminders"}
    assert [m.member_no for m in Member.reminders.query("staff")] == ["95000001"]
    assert tables.ensure_indexes(Member) == []  # all there: nothing to do

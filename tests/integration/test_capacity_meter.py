"""The capacity meter against DynamoDB Local: what it derives from real calls, beside what Local
reports (the derivation's rules are checked case by case in tests/unit/test_capacity.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import boto3
import pytest
from botocore.exceptions import ClientError

from tools.capacity import item_size, metered

KB = 1024


@pytest.fixture
def table(dynamodb: int) -> Iterator[tuple[object, str]]:
    """A table with one sparse GSI (key g, keys only), through a plain boto3 client."""
    client = boto3.client("dynamodb", endpoint_url=f"http://127.0.0.1:{dynamodb}")
    name = f"meter-{uuid.uuid4().hex[:8]}"
    client.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "g", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
    )
    yield client, name
    client.delete_table(TableName=name)


def item(pk: str, size: int, **extra: dict) -> dict:
    """An item of exactly `size` bytes (a binary attribute d pads it)."""
    base = {"pk": {"S": pk}, **extra}
    return {**base, "d": {"B": b"x" * (size - item_size(base) - 1)}}


def test_put_counts_the_item_and_the_index_entry(table) -> None:
    client, name = table
    with metered() as m:
        client.put_item(TableName=name, Item=item("a", 1500, g={"S": "x"}))
    assert (m.read_units, m.write_units) == (0, 2 + 1)  # 1.5 KB → 2, index entry → 1
    assert m.local_write == 3  # Local agrees on a plain PutItem


def test_a_transaction_is_billed_per_item_not_per_table(table) -> None:
    client, name = table

    def transact(n: int) -> float:
        puts = [{"Put": {"TableName": name, "Item": item(f"t{n}-{i}", 500)}} for i in range(n)]
        with metered() as m:
            client.transact_write_items(TransactItems=puts)
        return m.write_units, m.local_write

    one, ten = transact(1), transact(10)
    assert one[0] == 2 and ten[0] == 20
    assert ten[1] < ten[0]  # what Local reports for it: per table


def test_a_failed_condition_still_costs_write_units(table) -> None:
    client, name = table
    client.put_item(TableName=name, Item=item("c", 1500))
    with metered() as m, pytest.raises(ClientError):
        client.put_item(
            TableName=name, Item=item("c", 300), ConditionExpression="attribute_not_exists(pk)"
        )
    assert m.write_units == 2  # the existing 1.5 KB item


def test_a_cancelled_transaction_is_charged_and_counted(table) -> None:
    client, name = table
    client.put_item(TableName=name, Item=item("d", 300))
    actions = [
        {"Put": {"TableName": name, "Item": item("e", 300)}},
        {
            "Put": {
                "TableName": name,
                "Item": item("d", 300),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
    ]
    with metered() as m, pytest.raises(ClientError):
        client.transact_write_items(TransactItems=actions)
    assert (m.write_units, m.cancelled) == (4, 1)
    assert client.get_item(TableName=name, Key={"pk": {"S": "e"}}).get("Item") is None


def test_update_that_moves_the_index_key(table) -> None:
    client, name = table
    client.put_item(TableName=name, Item=item("f", 300, g={"S": "x"}))
    with metered() as m:
        client.update_item(
            TableName=name,
            Key={"pk": {"S": "f"}},
            UpdateExpression="SET g = :g",
            ExpressionAttributeValues={":g": {"S": "y"}},
        )
    assert m.write_units == 1 + 2  # the item, then delete + put in by_g


def test_reads_are_billed_by_whole_items_before_filter_and_projection(table) -> None:
    client, name = table
    for i in range(3):
        client.put_item(TableName=name, Item=item(f"q{i}", 2 * KB, g={"S": "same"}))
    client.put_item(TableName=name, Item=item("big", 5 * KB))
    with metered() as m:
        client.get_item(
            TableName=name, Key={"pk": {"S": "big"}}, ProjectionExpression="pk", ConsistentRead=True
        )
    assert m.read_units == 2  # the 5 KB item, although only pk came back
    with metered() as m:
        got = client.scan(
            TableName=name,
            FilterExpression="pk = :none",
            ExpressionAttributeValues={":none": {"S": "nothing"}},
            ConsistentRead=True,
        )
    assert got["Items"] == [] and m.read_units == 3  # 11 KB read → 12 KB → 3
    with metered() as m:
        client.batch_get_item(
            RequestItems={
                name: {"Keys": [{"pk": {"S": "q0"}}, {"pk": {"S": "big"}}], "ConsistentRead": True}
            }
        )
    assert m.read_units == 1 + 2
    with metered() as m:
        client.transact_get_items(
            TransactItems=[{"Get": {"TableName": name, "Key": {"pk": {"S": "q1"}}}}]
        )
    assert m.read_units == 2


def test_a_route_is_metered_whole_the_sign_in_award_included(clean_tables) -> None:
    """The benches drive routes, not domain functions: the award the login route adds counts."""
    from tools.bench import units_figure
    from tools.bench_routes import Routes
    from tools.fixtures import PASSWORD, make_member, make_tree

    make_tree()
    make_member("30000009", "B1", joined_on=None)
    routes = Routes()
    body = {"member_no": "30000009", "password": PASSWORD}
    _, first = routes.measure("first", "POST", "/auth/login", body=body)
    _, again = routes.measure("again", "POST", "/auth/login", body=body)
    first, again = dict((n, v) for n, v, _ in first), dict((n, v) for n, v, _ in again)
    award = first[units_figure("first", "write")] - again[units_figure("again", "write")]
    assert award >= 1  # at least its ledger line, however the award path writes it
    assert first[units_figure("first", "read", "DynamoDB Local")] > 0

"""Create (or drop) every table from the PynamoDB models: `python -m tools.tables create`."""

from __future__ import annotations

import sys
import time

from chalicelib.models import ALL_MODELS


def create_all() -> list[str]:
    """Create missing tables; existing ones (and their data) are kept, and get the stream and
    the indexes their model asks for if they were made without them (a local database from
    before: `make dev` keeps its data across versions)."""
    created = []
    for model in ALL_MODELS:
        if not model.exists():
            model.create_table(wait=True)
            created.append(model.Meta.table_name)
        else:
            ensure_stream(model)
            ensure_indexes(model)
    return created


def ensure_stream(model: type) -> bool:
    """Turn on the model's stream on an existing table; True if it had to."""
    view = getattr(model.Meta, "stream_view_type", None)
    if not view:
        return False
    connection = model._get_connection().connection
    table = connection.dispatch("DescribeTable", {"TableName": model.Meta.table_name})["Table"]
    if table.get("StreamSpecification", {}).get("StreamEnabled"):
        return False
    connection.dispatch(
        "UpdateTable",
        {
            "TableName": model.Meta.table_name,
            "StreamSpecification": {"StreamEnabled": True, "StreamViewType": view},
        },
    )
    return True


def ensure_indexes(model: type) -> list[str]:
    """Add the model's global secondary indexes an existing table lacks (one UpdateTable each:
    DynamoDB creates one index per update); the names added."""
    schema = model._get_schema()
    connection = model._get_connection().connection
    name = model.Meta.table_name
    table = connection.dispatch("DescribeTable", {"TableName": name})["Table"]
    have = {i["IndexName"] for i in table.get("GlobalSecondaryIndexes", [])}
    added = []
    for index in schema["global_secondary_indexes"]:
        if index["index_name"] in have:
            continue
        keys = sorted(index["key_schema"], key=lambda k: k["KeyType"] != "HASH")  # HASH first
        connection.dispatch(
            "UpdateTable",
            {
                "TableName": name,
                "AttributeDefinitions": index["attribute_definitions"],
                "GlobalSecondaryIndexUpdates": [
                    {
                        "Create": {
                            "IndexName": index["index_name"],
                            "KeySchema": keys,
                            "Projection": index["projection"],
                        }
                    }
                ],
            },
        )
        added.append(index["index_name"])
        _wait_active(connection, name, index["index_name"])
    return added


def _wait_active(connection: object, table: str, index: str, seconds: float = 120) -> None:
    """Until the new index is built over the table's items (a Query before answers an error)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = connection.dispatch("DescribeTable", {"TableName": table})["Table"]  # type: ignore[attr-defined]
        status = {i["IndexName"]: i.get("IndexStatus") for i in found["GlobalSecondaryIndexes"]}
        if status.get(index) == "ACTIVE":
            return
        time.sleep(0.2)
    raise TimeoutError(f"index {index} of {table} not active after {seconds:.0f} s")


def delete_all() -> None:
    for model in ALL_MODELS:
        if model.exists():
            model.delete_table()


def truncate_all() -> None:
    """Empty every table (tests): a Scan is fine off the request path."""
    for model in ALL_MODELS:
        with model.batch_write() as batch:
            for item in model.scan():
                batch.delete(item)


if __name__ == "__main__":
    if sys.argv[1:] == ["create"]:
        print("created:", ", ".join(create_all()) or "(all tables exist)")
    elif sys.argv[1:] == ["delete"]:
        delete_all()
    else:
        sys.exit("usage: python -m tools.tables create|delete")

"""Create (or drop) every table from the PynamoDB models: `python -m tools.tables create`."""

from __future__ import annotations

import sys

from chalicelib.models import ALL_MODELS


def create_all() -> list[str]:
    """Create missing tables; existing ones (and their data) are kept, and get the stream their
    model asks for if they were made without it (a local database from before)."""
    created = []
    for model in ALL_MODELS:
        if not model.exists():
            model.create_table(wait=True)
            created.append(model.Meta.table_name)
        else:
            ensure_stream(model)
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

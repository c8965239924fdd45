"""Create (or drop) every table from the PynamoDB models: `python -m tools.tables create`."""

from __future__ import annotations

import sys

from chalicelib.models import ALL_MODELS


def create_all() -> list[str]:
    """Create missing tables; existing ones (and their data) are kept."""
    created = []
    for model in ALL_MODELS:
        if not model.exists():
            model.create_table(wait=True)
            created.append(model.Meta.table_name)
    return created


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

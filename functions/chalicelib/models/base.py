"""Table options shared by every model: the stage's table-name prefix, host and billing."""

from __future__ import annotations

from ..settings import get_settings

_settings = get_settings()


class _Meta:
    host = _settings.dynamodb_host
    region = _settings.region
    billing_mode = "PAY_PER_REQUEST"


def table_meta(name: str) -> type:
    """A model's `Meta`: the table is `<TABLE_PREFIX><name>`."""
    return type("Meta", (_Meta,), {"table_name": f"{_settings.table_prefix}{name}"})

"""The template `chalice package --merge-template` merges: infra/stack.yaml plus the tables.

Every `AWS::DynamoDB::Table` is generated from `chalicelib.models.ALL_MODELS` (key schema,
attribute definitions, indexes and projections, the TTL attribute), so a model added by any area
appears in the stack without being declared twice. Table names are `<TABLE_PREFIX><name>` with
the stage's prefix from `functions/.chalice/config.json`.

    python infra/template.py STAGE OUTFILE
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from infra import backups, monitoring

ROOT = Path(__file__).resolve().parent.parent
CHALICE_CONFIG = ROOT / "functions" / ".chalice" / "config.json"
STACK = Path(__file__).resolve().parent / "stack.yaml"
NOT_FOUND_PAGE = Path(__file__).resolve().parent / "not_found_page.py"
ZIPFILE_LIMIT = 4096  # CloudFormation's limit on inline code (`Code.ZipFile`)


def stage_environment(stage: str) -> dict[str, str]:
    """The environment Chalice gives the functions of `stage` (global, then stage values)."""
    config = json.loads(CHALICE_CONFIG.read_text())
    if stage not in config.get("stages", {}):
        raise SystemExit(f"unknown stage {stage!r}: one of {', '.join(config['stages'])}")
    return {
        **config.get("environment_variables", {}),
        **config["stages"][stage].get("environment_variables", {}),
    }


def table_suffix(model: type) -> str:
    """The model's table name without the prefix it was imported with (`members`)."""
    from chalicelib.settings import get_settings

    prefix = get_settings().table_prefix
    name = model.Meta.table_name
    if not name.startswith(prefix):
        raise ValueError(f"{model.__name__}: table {name!r} lacks the prefix {prefix!r}")
    return name[len(prefix) :]


def logical_id(model: type) -> str:
    """`org-units` → `OrgUnitsTable`: CloudFormation ids are alphanumeric."""
    words = re.split(r"[^A-Za-z0-9]+", table_suffix(model))
    return "".join(w.capitalize() for w in words) + "Table"


def _keys(key_schema: list[dict[str, str]]) -> list[dict[str, str]]:
    """HASH before RANGE, as DynamoDB requires (PynamoDB lists them in attribute order)."""
    return sorted(key_schema, key=lambda k: k["KeyType"] != "HASH")


def _index(index: dict[str, Any]) -> dict[str, Any]:
    projection = {"ProjectionType": index["projection"]["ProjectionType"]}
    if index["projection"].get("NonKeyAttributes"):
        projection["NonKeyAttributes"] = list(index["projection"]["NonKeyAttributes"])
    return {
        "IndexName": index["index_name"],
        "KeySchema": _keys(index["key_schema"]),
        "Projection": projection,
    }


def table_resource(model: type, prefix: str) -> dict[str, Any]:
    """One table: on demand, point-in-time recovery, KMS encryption, TTL, kept on stack delete."""
    from pynamodb.attributes import TTLAttribute

    schema = model._get_schema()
    props: dict[str, Any] = {
        "TableName": f"{prefix}{table_suffix(model)}",
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": sorted(
            schema["attribute_definitions"], key=lambda a: a["AttributeName"]
        ),
        "KeySchema": _keys(schema["key_schema"]),
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "SSESpecification": {"SSEEnabled": True, "SSEType": "KMS"},
        "DeletionProtectionEnabled": True,
    }
    if schema["global_secondary_indexes"]:
        props["GlobalSecondaryIndexes"] = [_index(i) for i in schema["global_secondary_indexes"]]
    if schema["local_secondary_indexes"]:
        props["LocalSecondaryIndexes"] = [_index(i) for i in schema["local_secondary_indexes"]]
    stream = getattr(model.Meta, "stream_view_type", None)
    if stream:
        props["StreamSpecification"] = {"StreamViewType": stream}
    ttl = [a.attr_name for a in model.get_attributes().values() if isinstance(a, TTLAttribute)]
    if ttl:
        props["TimeToLiveSpecification"] = {"AttributeName": ttl[0], "Enabled": True}
    # Data outlives the stack: deleting or replacing the stack never drops a table.
    return {
        "Type": "AWS::DynamoDB::Table",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": props,
    }


def table_resources(prefix: str) -> dict[str, dict[str, Any]]:
    from chalicelib.models import ALL_MODELS

    out: dict[str, dict[str, Any]] = {}
    for model in ALL_MODELS:
        key = logical_id(model)
        if key in out:
            raise ValueError(f"two models map to the CloudFormation id {key}")
        out[key] = table_resource(model, prefix)
    return out


def cfn_name(function: str) -> str:
    """Chalice's CloudFormation id of a function: `aggregate_points` → `AggregatePoints`."""
    return "".join(w.capitalize() for w in re.split(r"[^A-Za-z0-9]+", function))


def stream_sources() -> dict[str, dict[str, Any]]:
    """What Chalice cannot say about a stream function's event source, merged into its own:
    the real stream (the table's `StreamArn`, known only once the stack made the table; the
    code carries a stand-in) and how failures are retried. A failed batch is retried (the
    aggregator is safe to replay), split in halves to isolate a record that keeps failing,
    until its records are older than the stream keeps them (24 h)."""
    from chalicelib.models import ALL_MODELS
    from infra.access import STREAMS

    out: dict[str, dict[str, Any]] = {}
    for function, models in STREAMS.items():
        (model,) = (m for m in ALL_MODELS if m in models)
        name = cfn_name(function)
        out[name] = {
            "Properties": {
                "Events": {
                    f"{name}DynamodbEventSource": {
                        "Type": "DynamoDB",
                        "Properties": {
                            "Stream": {"Fn::GetAtt": [logical_id(model), "StreamArn"]},
                            "BisectBatchOnFunctionError": True,
                            "MaximumRetryAttempts": -1,
                        },
                    }
                }
            }
        }
    return out


def not_found_code() -> str:
    """infra/not_found_page.py as inline code: its docstring and comments left out, so it stays
    under CloudFormation's 4 KB; the runtime imports it as `index`."""
    import ast

    tree = ast.parse(NOT_FOUND_PAGE.read_text())
    if ast.get_docstring(tree):
        tree.body = tree.body[1:]
    code = ast.unparse(tree) + "\n"
    if len(code) > ZIPFILE_LIMIT:
        raise ValueError(f"{NOT_FOUND_PAGE.name}: {len(code)} characters, over {ZIPFILE_LIMIT}")
    return code


def uploads(template: dict[str, Any], environment: dict[str, str]) -> None:
    """The uploads bucket's name in the API's environment (uploads.py signs for it), and the
    stage's own site origins (`SITE_ORIGINS`, e.g. a custom domain) beside the distribution's in
    its CORS rule."""
    # Its name, not a Ref: the API must not depend on the bucket, whose CORS names the
    # distribution, which fronts the API (a cycle).
    name = template["Resources"]["UploadsBucket"]["Properties"]["BucketName"]
    template["Resources"]["APIHandler"] = {
        "Properties": {"Environment": {"Variables": {"UPLOADS_BUCKET": name}}}
    }
    rule = template["Resources"]["UploadsBucket"]["Properties"]["CorsConfiguration"]["CorsRules"][0]
    origins = [o.strip().rstrip("/") for o in environment.get("SITE_ORIGINS", "").split(",")]
    rule["AllowedOrigins"] += [o for o in origins if o.startswith("https://")]


def media(template: dict[str, Any], environment: dict[str, str]) -> None:
    """微党课 media: the media bucket's name in the API's environment (media_uploads.py signs
    PUTs for it; its name, not a Ref, as for the uploads bucket), and the stage's own site
    origins beside the distribution's in its CORS rule (the console PUTs from the browser)."""
    name = template["Resources"]["MediaBucket"]["Properties"]["BucketName"]
    api = template["Resources"].setdefault("APIHandler", {})
    variables = api.setdefault("Properties", {}).setdefault("Environment", {})
    variables.setdefault("Variables", {})["MEDIA_BUCKET"] = name
    rule = template["Resources"]["MediaBucket"]["Properties"]["CorsConfiguration"]["CorsRules"][0]
    origins = [o.strip().rstrip("/") for o in environment.get("SITE_ORIGINS", "").split(",")]
    rule["AllowedOrigins"] += [o for o in origins if o.startswith("https://")]


def merge_template(stage: str) -> dict[str, Any]:
    template = yaml.safe_load(STACK.read_text())
    uploads(template, stage_environment(stage))
    media(template, stage_environment(stage))  # after uploads(), which sets APIHandler
    prefix = stage_environment(stage)["TABLE_PREFIX"]
    tables = table_resources(prefix)
    clash = set(tables) & set(template["Resources"])
    if clash:
        raise ValueError(f"stack.yaml already declares {sorted(clash)}")
    template["Resources"].update(tables)
    template["Resources"].update(stream_sources())
    template["Resources"]["NotFoundPage"]["Properties"]["Code"]["ZipFile"] = not_found_code()
    backups.add(template, stage)  # the exports bucket (infra/backups.py)
    monitoring.add(template, stage)  # logs' retention, alarms, dashboard, budget, API limits
    for key, resource in tables.items():
        template["Outputs"][key + "Name"] = {"Value": resource["Properties"]["TableName"]}
    return template


def write(stage: str, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(merge_template(stage), ensure_ascii=False, indent=1))
    return out


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    print(write(sys.argv[1], Path(sys.argv[2])))

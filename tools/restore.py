"""`make restore`: rebuild a stage's tables into NEW tables (a new table prefix), from a daily
export or from a point in time, then (a separate, later step) switch the stage to them.

    # from an export (the bucket's day, or a local folder of the same layout)
    python -m tools.restore export s3://BUCKET/2026-12-02 --stage prod [--dry-run]
    # from a point in time (point-in-time recovery of each table, into the new names)
    python -m tools.restore point-in-time 2026-12-02T03:00:00+08:00 --stage prod [--dry-run]
    # after checking the restored tables: the stack takes them over, config.json names them
    python -m tools.restore switch dangjian-prod-r20261202- --stage prod --artifacts BUCKET

New tables are `<stage prefix>r<YYYYMMDD>-<name>` (`--prefix` to choose), made from the models'
one definition (infra/template.table_resource: keys, indexes, stream, TTL, encryption,
point-in-time recovery, deletion protection). Nothing existing is touched; a target table that
exists already stops the restore before anything is made.

From an export the files are read here (manifest-summary.json → manifest-files.json →
data/*.json.gz, `{"Item": {...}}` lines), every table in parallel, written with BatchWriteItem
(unprocessed items retried with backoff); each table's count must equal its manifest's.

The switch (README: Operations → Backups and restore): two stack updates. First the stack
forgets its tables — they have DeletionPolicy Retain, so they stay, untouched — with what refers
to them (the stream functions' event sources, anything naming a table by Ref/GetAtt); then
`TABLE_PREFIX` of the stage in functions/.chalice/config.json is set to the new prefix and the
stage deployed with CloudFormation's import of existing resources: the template names the
restored tables, which exist, are retained and belong to no stack, so CloudFormation imports
them instead of creating them. Afterwards the stack holds the restored tables under the same
logical ids and `make deploy` works as before.
"""

from __future__ import annotations

import argparse
import base64
import copy
import gzip
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "functions" / ".chalice" / "config.json"
BATCH = 25  # BatchWriteItem's limit
PARALLEL = 8


# ---------------------------------------------------------------- the export's files


def from_json(value: dict[str, Any]) -> dict[str, Any]:
    """One attribute value of the export's JSON → botocore's (base64 text back to bytes)."""
    ((kind, inner),) = value.items()
    if kind == "B":
        return {"B": base64.b64decode(inner)}
    if kind == "BS":
        return {"BS": [base64.b64decode(v) for v in inner]}
    if kind == "M":
        return {"M": item_from_json(inner)}
    if kind == "L":
        return {"L": [from_json(v) for v in inner]}
    return value


def item_from_json(item: dict[str, Any]) -> dict[str, Any]:
    return {name: from_json(value) for name, value in item.items()}


class Folder:
    """A local folder that plays the exports bucket (tools/table_export.py writes one)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def keys(self, prefix: str) -> list[str]:
        base = self.root / prefix
        if not base.exists():
            return []
        return sorted(str(p.relative_to(self.root)) for p in base.rglob("*") if p.is_file())

    def read(self, key: str) -> bytes:
        return (self.root / key).read_bytes()


class Bucket:
    """The stage's exports bucket in S3."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self.s3, self.bucket = s3, bucket

    def keys(self, prefix: str) -> list[str]:
        out: list[str] = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        ):
            out += [o["Key"] for o in page.get("Contents", [])]
        return out

    def read(self, key: str) -> bytes:
        return self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()


def open_location(where: str, region: str) -> tuple[Folder | Bucket, str]:
    """`s3://bucket/2026-12-02` or `path/2026-12-02` → (store, the day's prefix `2026-12-02/`)."""
    if where.startswith("s3://"):
        import botocore.session

        bucket, _, prefix = where[5:].partition("/")
        s3 = botocore.session.get_session().create_client("s3", region_name=region)
        return Bucket(s3, bucket), prefix.strip("/") + "/"
    path = Path(where).resolve()
    return Folder(path.parent), path.name + "/"


@dataclass
class TableExport:
    suffix: str
    summary: dict[str, Any]
    files: list[dict[str, Any]]  # manifest-files.json's lines

    @property
    def items(self) -> int:
        return int(self.summary["itemCount"])


def read_manifests(store: Folder | Bucket, day_prefix: str) -> dict[str, TableExport]:
    """Each table's export under the day: `<day>/<table>/AWSDynamoDB/<id>/manifest-summary.json`
    (the latest when a table has two) and its files' list."""
    found: dict[str, TableExport] = {}
    for key in store.keys(day_prefix):
        parts = key[len(day_prefix) :].split("/")
        if len(parts) != 4 or parts[1] != "AWSDynamoDB" or parts[3] != "manifest-summary.json":
            continue
        summary = json.loads(store.read(key))
        if summary.get("outputFormat") != "DYNAMODB_JSON" or summary.get("exportType") not in (
            None,
            "FULL_EXPORT",
        ):
            raise SystemExit(f"{key}：不是 DYNAMODB_JSON 的完整导出")
        old = found.get(parts[0])
        if old and old.summary["exportTime"] >= summary["exportTime"]:
            continue
        files = [json.loads(line) for line in lines(store.read(summary["manifestFilesS3Key"]))]
        found[parts[0]] = TableExport(parts[0], summary, files)
    return found


def lines(body: bytes) -> list[bytes]:
    """The export's JSON lines, split on the newline byte only: an item's text may hold U+2028,
    U+2029 or U+0085 unescaped (AWS's writer and tools/table_export.py leave them raw), which
    `str.splitlines()` takes for line ends. The dry run's check and the restore read alike."""
    return [line for line in body.split(b"\n") if line.strip()]


def check_files(store: Folder | Bucket, export: TableExport) -> None:
    """Every data file there with its manifest's count of lines: a damaged export stops the
    restore before any table is made (the items are read again, to be written, afterwards)."""
    total = 0
    for entry in export.files:
        body = gzip.decompress(store.read(entry["dataFileS3Key"]))
        count = len(lines(body))
        if count != int(entry["itemCount"]):
            raise SystemExit(
                f"{entry['dataFileS3Key']}：{count} 条，清单说 {entry['itemCount']} 条"
            )
        total += count
    if total != export.items:
        raise SystemExit(f"{export.suffix}：数据文件共 {total} 条，导出清单说 {export.items} 条")


def read_items(store: Folder | Bucket, export: TableExport) -> list[dict[str, Any]]:
    """Every item of one table's export; each file's count checked against the manifest."""
    items: list[dict[str, Any]] = []
    for entry in export.files:
        body = gzip.decompress(store.read(entry["dataFileS3Key"]))
        got = [item_from_json(json.loads(line)["Item"]) for line in lines(body)]
        if len(got) != int(entry["itemCount"]):
            raise SystemExit(
                f"{entry['dataFileS3Key']}：{len(got)} 条，清单说 {entry['itemCount']} 条"
            )
        items += got
    if len(items) != export.items:
        raise SystemExit(f"{export.suffix}：读到 {len(items)} 条，导出清单说 {export.items} 条")
    return items


# ---------------------------------------------------------------- the new tables


def models() -> list[type]:
    from chalicelib.models import ALL_MODELS

    return list(ALL_MODELS)


def suffix(model: type) -> str:
    from infra.template import table_suffix

    return table_suffix(model)


def create_params(model: type, prefix: str) -> dict[str, Any]:
    """CreateTable's parameters for the model under `prefix`, from the template's one
    definition of its table (infra/template.table_resource), but for the stream."""
    from infra.template import table_resource

    props = copy.deepcopy(table_resource(model, prefix)["Properties"])
    params: dict[str, Any] = {
        k: props[k]
        for k in (
            "TableName",
            "AttributeDefinitions",
            "KeySchema",
            "BillingMode",
            "GlobalSecondaryIndexes",
            "LocalSecondaryIndexes",
            "DeletionProtectionEnabled",
        )
        if k in props
    }
    params["SSESpecification"] = {"Enabled": True, "SSEType": props["SSESpecification"]["SSEType"]}
    return params  # no stream yet: finish_table turns it on once the items are in


def finish_table(client: Any, model: type, name: str, local: bool) -> None:
    """What CreateTable (or a point-in-time restore) does not set: the stream, deletion
    protection, TTL and point-in-time recovery (DynamoDB Local has none). Called once the items
    are in: a stream on while they are written would hold an INSERT per restored item, which the
    stream's function, attached at TRIM_HORIZON by the switch, would apply again (the restored
    counts already include them)."""
    from infra.template import table_resource

    props = table_resource(model, "")["Properties"]
    table = client.describe_table(TableName=name)["Table"]
    stream = props.get("StreamSpecification")
    if stream and not table.get("StreamSpecification", {}).get("StreamEnabled"):
        client.update_table(TableName=name, StreamSpecification={"StreamEnabled": True, **stream})
        wait_active(client, name)
    if not table.get("DeletionProtectionEnabled"):
        client.update_table(TableName=name, DeletionProtectionEnabled=True)
        wait_active(client, name)
    ttl = props.get("TimeToLiveSpecification")
    if ttl:
        client.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
    if not local:
        client.update_continuous_backups(
            TableName=name,
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
        )


# Attributes that record a position in ANOTHER table's stream (model name → attributes): after a
# restore that stream is the old table's, and the new table's sequence numbers do not compare
# with it (comment_stream's replay guard would skip new comments whose numbers sort lower).
STREAM_POSITIONS = {"CommentStats": ("applied",)}


def forget_stream_positions(client: Any, model: type, name: str) -> int:
    """Remove the old stream's positions from the restored items; how many items had one."""
    attrs = STREAM_POSITIONS.get(model.__name__)
    if not attrs:
        return 0
    keys = [k["AttributeName"] for k in client.describe_table(TableName=name)["Table"]["KeySchema"]]
    names = {f"#a{n}": a for n, a in enumerate(attrs)}
    done = 0
    for page in client.get_paginator("scan").paginate(TableName=name, ConsistentRead=True):
        for item in page["Items"]:
            if not any(a in item for a in attrs):
                continue
            client.update_item(
                TableName=name,
                Key={k: item[k] for k in keys},
                UpdateExpression="REMOVE " + ", ".join(names),
                ExpressionAttributeNames=names,
            )
            done += 1
    return done


def wait_active(client: Any, name: str, seconds: float = 3600) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        table = client.describe_table(TableName=name)["Table"]
        indexes = table.get("GlobalSecondaryIndexes", [])
        if table["TableStatus"] == "ACTIVE" and all(
            i.get("IndexStatus", "ACTIVE") == "ACTIVE" for i in indexes
        ):
            return
        time.sleep(1 if os.environ.get("DYNAMODB_HOST") else 10)
    raise SystemExit(f"{name} 在 {seconds:.0f} 秒内未就绪")


def existing(client: Any, names: list[str]) -> list[str]:
    out = []
    for name in names:
        try:
            client.describe_table(TableName=name)
            out.append(name)
        except client.exceptions.ResourceNotFoundException:
            pass
    return out


def write_items(client: Any, table: str, items: list[dict[str, Any]]) -> int:
    """BatchWriteItem in 25s; unprocessed items retried with a growing pause."""
    written = 0
    for start in range(0, len(items), BATCH):
        requests = [{"PutRequest": {"Item": i}} for i in items[start : start + BATCH]]
        pause = 0.05
        while requests:
            reply = client.batch_write_item(RequestItems={table: requests})
            left = reply.get("UnprocessedItems", {}).get(table, [])
            written += len(requests) - len(left)
            requests = left
            if left:
                time.sleep(pause)
                pause = min(pause * 2, 5)
    return written


# ---------------------------------------------------------------- the plans


@dataclass
class Plan:
    kind: str  # "export" or "point-in-time"
    stage: str
    prefix: str  # the new tables'
    old_prefix: str
    tables: list[tuple[type, str, int]] = field(default_factory=list)  # model, new name, items
    source: str = ""

    def lines(self) -> list[str]:
        what = "导出" if self.kind == "export" else "时间点"
        out = [
            f"恢复 {self.stage}（{what}：{self.source}）到新表，前缀 {self.prefix}",
            f"{'表':<28}{'新表':<52}{'条数':>8}",
        ]
        for model, name, items in self.tables:
            out.append(f"{suffix(model):<28}{name:<52}{items:>8}")
        total = sum(n for _, _, n in self.tables)
        about = "约 " if self.kind == "point-in-time" else ""
        out.append(f"共 {len(self.tables)} 张表，{about}{total} 条记录")
        out += switch_lines(self.stage, self.old_prefix, self.prefix)
        return out


def switch_lines(stage: str, old: str, new: str) -> list[str]:
    return [
        "之后切换（python -m tools.restore switch ...，另行执行）：",
        f"  1. 栈 dangjian-{stage} 不再管理 {old}* 表（DeletionPolicy Retain：表保留不动），"
        "同时去掉引用它们的流事件源",
        f"  2. functions/.chalice/config.json stages.{stage}.environment_variables.TABLE_PREFIX："
        f"{old} → {new}",
        f"  3. 部署（导入已有资源）：栈接管 {new}* 表，函数改用新表，流事件源接回",
    ]


def stage_prefix(stage: str) -> str:
    return json.loads(CONFIG.read_text())["stages"][stage]["environment_variables"]["TABLE_PREFIX"]


def new_prefix(stage: str, when: date) -> str:
    return f"dangjian-{stage}-r{when:%Y%m%d}-"


def dynamodb(endpoint: str | None, region: str) -> Any:
    import botocore.session

    return botocore.session.get_session().create_client(
        "dynamodb", region_name=region, endpoint_url=endpoint
    )


def _check_free(client: Any, plan: Plan) -> None:
    taken = existing(client, [name for _, name, _ in plan.tables])
    if taken:
        raise SystemExit(f"这些表已存在，未做任何改动：{', '.join(taken)}")


def _all_or_advice(client: Any, plan: Plan, work: Any) -> dict[str, int]:
    """Run the restore's table work; if it stops midway, say exactly what the operator does:
    the tables made so far are used by nothing (the stage still runs on its own), some are
    deletion-protected, and a restore is never resumed into them (a half-written table cannot
    be told from a whole one): restore again under another prefix, and delete these."""
    try:
        return work()
    except (Exception, SystemExit) as error:
        made = existing(client, [name for _, name, _ in plan.tables])
        raise SystemExit("\n".join(failure_advice(plan, made, error))) from error


def failure_advice(plan: Plan, made: list[str], error: BaseException) -> list[str]:
    again = plan.prefix.rstrip("-") + "b-"
    out = [
        f"恢复未完成：{type(error).__name__}: {error}",
        f"已建的 {len(made)} 张表（前缀 {plan.prefix}）未被任何服务使用，{plan.stage} 仍用原表。",
        f"1. 换一个前缀重新恢复：加 --prefix {again}（同一前缀不会续做）",
        "2. 删除这些半成品表（先关删除保护再删）：",
    ]
    out += [
        f"   aws dynamodb update-table --table-name {n} --no-deletion-protection-enabled"
        f" && aws dynamodb delete-table --table-name {n}"
        for n in made
    ]
    return out


def from_export(
    client: Any,
    store: Folder | Bucket,
    day_prefix: str,
    plan: Plan,
    dry_run: bool,
    local: bool,
) -> dict[str, int]:
    exports = read_manifests(store, day_prefix)
    missing = [suffix(m) for m in models() if suffix(m) not in exports]
    if missing:
        raise SystemExit(f"导出中缺少这些表：{', '.join(missing)}")
    plan.tables = [(m, f"{plan.prefix}{suffix(m)}", exports[suffix(m)].items) for m in models()]
    print("\n".join(plan.lines()))
    with ThreadPoolExecutor(PARALLEL) as pool:
        list(pool.map(lambda m: check_files(store, exports[suffix(m)]), models()))
    if dry_run:
        return {}
    _check_free(client, plan)

    def one(model: type) -> tuple[str, int]:
        name = f"{plan.prefix}{suffix(model)}"
        client.create_table(**create_params(model, plan.prefix))
        wait_active(client, name)
        export = exports[suffix(model)]
        written = write_items(client, name, read_items(store, export))
        if written != export.items:
            raise SystemExit(f"{name}：写入 {written} 条，导出有 {export.items} 条")
        forget_stream_positions(client, model, name)
        finish_table(client, model, name, local)  # the stream only now: see its docstring
        return suffix(model), written

    with ThreadPoolExecutor(PARALLEL) as pool:
        done = _all_or_advice(client, plan, lambda: dict(pool.map(one, models())))
    print(f"已恢复 {len(done)} 张表，{sum(done.values())} 条记录")
    return done


def from_point_in_time(
    client: Any, when: datetime | None, plan: Plan, dry_run: bool
) -> dict[str, int]:
    """RestoreTableToPointInTime of each table into its new name (indexes come with it), then
    the stream, TTL, point-in-time recovery and deletion protection the restore leaves off."""
    plan.tables = []
    for m in models():
        source = f"{plan.old_prefix}{suffix(m)}"
        count = client.describe_table(TableName=source)["Table"].get("ItemCount", 0)
        plan.tables.append((m, f"{plan.prefix}{suffix(m)}", int(count)))
    print("\n".join(plan.lines()))
    if dry_run:
        return {}
    _check_free(client, plan)
    for m, name, _ in plan.tables:
        args: dict[str, Any] = {
            "SourceTableName": f"{plan.old_prefix}{suffix(m)}",
            "TargetTableName": name,
            "BillingModeOverride": "PAY_PER_REQUEST",
            "SSESpecificationOverride": {"Enabled": True, "SSEType": "KMS"},
        }
        if when is None:
            args["UseLatestRestorableTime"] = True
        else:
            args["RestoreDateTime"] = when
        client.restore_table_to_point_in_time(**args)

    def one(entry: tuple[type, str, int]) -> tuple[str, int]:
        model, name, _ = entry
        wait_active(client, name)
        forget_stream_positions(client, model, name)
        finish_table(client, model, name, local=False)
        return suffix(model), int(client.describe_table(TableName=name)["Table"]["ItemCount"])

    with ThreadPoolExecutor(PARALLEL) as pool:
        done = _all_or_advice(client, plan, lambda: dict(pool.map(one, plan.tables)))
    print(f"已恢复 {len(done)} 张表（时间点恢复）")
    return done


# ---------------------------------------------------------------- the switch


def _names(value: Any) -> set[str]:
    """The logical ids a template value refers to (Ref, Fn::GetAtt, ${X} / ${X.Attr} in Fn::Sub)."""
    import re

    out: set[str] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "Ref" and isinstance(v, str):
                out.add(v)
            elif k == "Fn::GetAtt":
                out.add(v[0] if isinstance(v, list) else v.split(".")[0])
            elif k == "Fn::Sub":
                text = v if isinstance(v, str) else v[0]
                out |= {m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)\}", text)}
                out |= _names(v[1] if isinstance(v, list) else None)
            else:
                out |= _names(v)
    elif isinstance(value, list):
        for v in value:
            out |= _names(v)
    return out


def detached(template: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The stack's template without its tables and what refers to them: the stream functions'
    event sources (the functions stay), any other resource naming a table (or a resource so
    dropped), outputs naming them. Returns it and the ids dropped."""
    out = copy.deepcopy(template)
    resources = out["Resources"]
    gone = {k for k, r in resources.items() if r.get("Type") == "AWS::DynamoDB::Table"}
    for key in gone:
        del resources[key]
    changed = True
    while changed:
        changed = False
        for key, resource in list(resources.items()):
            events = resource.get("Properties", {}).get("Events")
            if resource.get("Type") == "AWS::Serverless::Function" and events:
                for name in [n for n, e in events.items() if _names(e) & gone]:
                    del events[name]
                if not events:
                    del resource["Properties"]["Events"]
            depends = resource.get("DependsOn", [])
            depends = [depends] if isinstance(depends, str) else depends
            if _names(resource) & gone or set(depends) & gone:
                del resources[key]
                gone.add(key)
                changed = True
    for key in [k for k, o in out.get("Outputs", {}).items() if _names(o) & gone]:
        del out["Outputs"][key]
    return out, sorted(gone)


def set_prefix(stage: str, prefix: str, path: Path | None = None) -> str:
    """config.json's TABLE_PREFIX of the stage set to `prefix`; the old one."""
    path = path or CONFIG
    config = json.loads(path.read_text())
    variables = config["stages"][stage]["environment_variables"]
    old, variables["TABLE_PREFIX"] = variables["TABLE_PREFIX"], prefix
    path.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")
    return old


def remaining_steps(template: dict[str, Any], old: str, new: str) -> list[int]:
    """Which of the switch's three steps are still to do: a switch cut short (a failed deploy,
    a closed terminal) is finished by running it again."""
    has_tables = any(
        r.get("Type") == "AWS::DynamoDB::Table" for r in template["Resources"].values()
    )
    if has_tables and old == new:
        raise SystemExit(f"已在使用 {new}，无需切换")
    return [1] * has_tables + [2] * (old != new) + [3]


def switch(stage: str, prefix: str, region: str, artifacts: str, dry_run: bool) -> None:
    import botocore.session

    from infra import deploy

    old = stage_prefix(stage)
    session = botocore.session.get_session()
    client = session.create_client("dynamodb", region_name=region)
    names = [f"{prefix}{suffix(m)}" for m in models()]
    missing = sorted(set(names) - set(existing(client, names)))
    if missing:
        raise SystemExit(f"新表不全，不切换：{', '.join(missing)}")
    for name in names:
        wait_active(client, name, seconds=5)
    cfn = session.create_client("cloudformation", region_name=region)
    stack = deploy.stack_name(stage)
    body = cfn.get_template(StackName=stack, TemplateStage="Original")["TemplateBody"]
    template = json.loads(body) if isinstance(body, str) else body
    steps = remaining_steps(template, old, prefix)
    plain, dropped = detached(template)
    print("\n".join(switch_lines(stage, old, prefix)))
    print(f"待执行的步骤：{', '.join(map(str, steps))}")
    if 1 in steps:
        print(f"第 1 步从栈中移除：{', '.join(dropped)}")
    if dry_run:
        return
    if 1 in steps:
        path = ROOT / ".cache" / "restore" / f"{stack}-detached.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(plain, ensure_ascii=False))
        s3 = session.create_client("s3", region_name=region)
        key = deploy.upload(s3, artifacts, path, stage)
        change_set = cfn.create_change_set(
            StackName=stack,
            ChangeSetName=f"detach-tables-{datetime.now():%Y%m%d%H%M%S}",
            ChangeSetType="UPDATE",
            TemplateURL=deploy.s3_url(region, artifacts, key),
            Capabilities=deploy.CAPABILITIES,
        )["Id"]
        cfn.get_waiter("change_set_create_complete").wait(
            ChangeSetName=change_set, WaiterConfig={"Delay": 5}
        )
        cfn.execute_change_set(ChangeSetName=change_set)
        cfn.get_waiter("stack_update_complete").wait(
            StackName=stack, WaiterConfig={"Delay": 15, "MaxAttempts": 240}
        )
    if 2 in steps:
        set_prefix(stage, prefix)
        print(f"config.json：{stage} 的 TABLE_PREFIX 改为 {prefix}（请提交）")
    for k, v in sorted(deploy.deploy(stage, region, artifacts, import_existing=True).items()):
        print(f"{k}: {v}")


# ---------------------------------------------------------------- the command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("how", choices=("export", "point-in-time", "switch"))
    parser.add_argument(
        "source",
        help="export: s3://BUCKET/DAY or a folder DAY; point-in-time: an ISO time or "
        "'latest'; switch: the new prefix",
    )
    parser.add_argument("--stage", choices=("dev", "prod"), default="dev")
    parser.add_argument("--region", default=os.environ.get("AWS_REGION") or "ap-east-1")
    parser.add_argument("--prefix", help="the new tables' prefix (default dangjian-STAGE-rDATE-)")
    parser.add_argument("--endpoint", default=os.environ.get("DYNAMODB_HOST"))
    parser.add_argument("--artifacts", help="switch: the S3 bucket for templates (ARTIFACT_BUCKET)")
    parser.add_argument("--dry-run", action="store_true", help="print what would happen, only")
    args = parser.parse_args(argv)
    if args.how == "switch":
        if not args.artifacts and not args.dry_run:
            parser.error("switch needs --artifacts")
        switch(args.stage, args.source, args.region, args.artifacts or "", args.dry_run)
        return 0
    local = bool(args.endpoint)
    old = os.environ.get("TABLE_PREFIX") if local else stage_prefix(args.stage)
    old = old or stage_prefix(args.stage)
    client = dynamodb(args.endpoint, args.region)
    if args.how == "export":
        store, day = open_location(args.source, args.region)
        day_of = datetime.strptime(day.strip("/"), "%Y-%m-%d")
        prefix = args.prefix or new_prefix(args.stage, day_of)
        plan = Plan("export", args.stage, prefix, old, source=args.source)
        from_export(client, store, day, plan, args.dry_run, local)
    else:
        when = None if args.source == "latest" else datetime.fromisoformat(args.source)
        if when is not None and when.tzinfo is None:
            parser.error("point-in-time: give the zone, e.g. 2026-12-02T03:00:00+08:00")
        prefix = args.prefix or new_prefix(args.stage, when or datetime.now())
        plan = Plan("point-in-time", args.stage, prefix, old, source=args.source)
        from_point_in_time(client, when, plan, args.dry_run)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The weekly export job (chalicelib/backups.py), its bucket in the template (infra/backups.py)
and its policy, and the AWS half of `make restore` (tools/restore.py: the point-in-time restore
and the switch's template), against moto (`mock_aws`, in this process: AWS's APIs emulated in
memory, botocore validating every call). moto runs ExportTableToPointInTime (one data file, no
manifests, and it ignores the client token) and RestoreTableToPointInTime (a copy of the table
as it is now); what it cannot show is said in README: Operations → Backups and restore."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from chalicelib import backups, clock, schedules
from chalicelib.models import ALL_MODELS
from infra import operations
from infra.template import merge_template, table_suffix
from tools import restore

REGION = "ap-east-1"
ACCOUNT = "123456789012"
FUNCTION = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:dangjian-dev-export_tables"
BUCKET = "dangjian-dev-exports-test"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch):
    """moto's DynamoDB with every table of the models (as `make restore` makes them, point-in-time
    recovery on) and the exports bucket; the two clients."""
    import botocore.session

    for name in ("DYNAMODB_HOST", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("EXPORTS_BUCKET", BUCKET)
    with mock_aws():
        session = botocore.session.get_session()
        ddb = session.create_client("dynamodb", region_name=REGION)
        s3 = session.create_client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        for model in ALL_MODELS:
            params = restore.create_params(model, "dangjian-dev-")
            params.pop("SSESpecification")  # moto's KMS key is not needed here
            ddb.create_table(**params)
            ddb.update_continuous_backups(
                TableName=params["TableName"],
                PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
            )
        yield ddb, s3


def _calls(client: Any) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    client.meta.events.register(
        "provide-client-params.dynamodb.ExportTableToPointInTime",
        lambda params, **_: seen.append(dict(params)),
    )
    return seen


def test_every_table_is_exported_once_a_day(aws, monkeypatch: pytest.MonkeyPatch) -> None:
    ddb, s3 = aws
    calls = _calls(ddb)
    monkeypatch.setattr(clock, "today", lambda: date(2026, 12, 2))  # a Wednesday
    first = backups.run(FUNCTION, ddb, s3)
    # No export in the window (a new stage): every table, whatever the day.
    assert first == {
        "day": "2026-12-02",
        "checked": 0,
        "started": len(ALL_MODELS),
        "skipped": 0,
        "failed": [],
        "export_failed": [],
    }
    assert len(calls) == len(ALL_MODELS)
    suffixes = {table_suffix(m) for m in ALL_MODELS}
    assert {c["S3Prefix"] for c in calls} == {f"2026-12-02/{s}" for s in suffixes}
    for call in calls:
        table = "dangjian-dev-" + call["S3Prefix"].split("/")[1]
        assert call["TableArn"] == f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{table}"
        assert (call["ExportFormat"], call["ExportType"]) == ("DYNAMODB_JSON", "FULL_EXPORT")
        assert call["S3Bucket"] == BUCKET and call["ClientToken"] == backups.client_token(
            table, date(2026, 12, 2)
        )
    assert len({c["ClientToken"] for c in calls}) == len(calls)
    _settled()
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, MaxKeys=1000)["Contents"]]
    # moto wrote each table's data under its prefix; the job wrote each table's marker.
    for s in suffixes:
        assert any(k.startswith(f"2026-12-02/{s}/AWSDynamoDB/") for k in keys), s
        marker = json.loads(
            s3.get_object(Bucket=BUCKET, Key=f"2026-12-02/{s}/export.json")["Body"].read()
        )
        assert marker["table"] == f"dangjian-dev-{s}" and ":table/" in marker["export_arn"]

    # Run again the same day (a retry, an operator's manual run): nothing new is started.
    again = backups.run(FUNCTION, ddb, s3)
    assert again["started"] == 0 and again["skipped"] == len(ALL_MODELS)
    assert len(calls) == len(ALL_MODELS)

    # The next days the run checks the week's exports and starts nothing while they are fine.
    monkeypatch.setattr(clock, "today", lambda: date(2026, 12, 3))
    checked = backups.run(FUNCTION, ddb, s3)
    assert (checked["checked"], checked["started"], checked["export_failed"]) == (
        len(ALL_MODELS),
        0,
        [],
    )

    # AWS fails an export it had accepted: the next run names the table and exports it again.
    comments = json.loads(
        s3.get_object(Bucket=BUCKET, Key="2026-12-02/comments/export.json")["Body"].read()
    )["export_arn"]

    def failed(parsed: dict[str, Any], **_: Any) -> None:
        export = parsed.get("ExportDescription", {})
        if export.get("ExportArn") == comments:
            export.update(ExportStatus="FAILED", FailureCode="S3NoSuchBucket")

    ddb.meta.events.register("after-call.dynamodb.DescribeExport", failed)
    monkeypatch.setattr(clock, "today", lambda: date(2026, 12, 4))
    monkeypatch.setattr(backups, "aws_session", _Clients(ddb, s3))
    with pytest.raises(RuntimeError, match=r"1 exports failed \['comments \(2026-12-02: S3NoSuch"):
        schedules.export_tables(_SCHEDULED, _Context())
    assert [c["S3Prefix"] for c in calls[len(ALL_MODELS) :]] == ["2026-12-04/comments"]
    # Lambda's retry of that run, and the next day: the table's latest export is the new one.
    assert backups.run(FUNCTION, ddb, s3)["export_failed"] == []
    ddb.meta.events.unregister("after-call.dynamodb.DescribeExport", failed)

    # Sunday in Beijing: every table again, under the new day, with new tokens. A table AWS
    # refuses (here: its point-in-time recovery was turned off) is reported; the others go.
    ddb.update_continuous_backups(
        TableName="dangjian-dev-members",
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False},
    )
    before = len(calls)
    monkeypatch.setattr(clock, "today", lambda: date(2026, 12, 6))
    sunday = backups.run(FUNCTION, ddb, s3)
    assert sunday["started"] == len(ALL_MODELS) - 1
    assert sunday["failed"] == [
        {"table": "members", "error": "PointInTimeRecoveryUnavailableException"}
    ]
    tokens = {c["ClientToken"] for c in calls[before:]}
    assert not tokens & {c["ClientToken"] for c in calls[:before]}

    # The scheduled function (as EventBridge calls it, with the Lambda's context) fails when a
    # table was refused, so the Lambda error alarm hears it and Lambda retries; the retry asks
    # only for the refused table.
    with pytest.raises(RuntimeError, match="1 tables refused"):
        schedules.export_tables(_SCHEDULED, _Context())
    assert [c["S3Prefix"] for c in calls[before + len(ALL_MODELS) :]] == ["2026-12-06/members"]


def _settled() -> None:
    """moto writes each export's data in a thread of its own: wait for them."""
    import threading

    from moto.dynamodb.models import TableExport

    for thread in threading.enumerate():
        if isinstance(thread, TableExport):
            thread.join()


class _Context:
    invoked_function_arn = FUNCTION


class _Clients:
    def __init__(self, ddb: Any, s3: Any) -> None:
        self.clients = {"dynamodb": ddb, "s3": s3}

    def aws_client(self, name: str) -> Any:
        return self.clients[name]


_SCHEDULED = {
    "version": "0",
    "account": ACCOUNT,
    "region": REGION,
    "detail": {},
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "time": "2026-12-03T19:30:00Z",
    "id": "e1",
    "resources": [],
}


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_the_exports_bucket_in_the_template(stage: str) -> None:
    template = merge_template(stage)
    bucket = template["Resources"]["ExportsBucket"]
    assert bucket["DeletionPolicy"] == bucket["UpdateReplacePolicy"] == "Retain"
    props = bucket["Properties"]
    assert props["BucketName"] == {
        "Fn::Sub": "${AWS::StackName}-exports-${AWS::AccountId}-${AWS::Region}"
    }
    rule = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert all(props["PublicAccessBlockConfiguration"].values())
    assert len(props["PublicAccessBlockConfiguration"]) == 4
    assert "VersioningConfiguration" not in props
    (expire,) = props["LifecycleConfiguration"]["Rules"]
    assert expire["Status"] == "Enabled" and "Prefix" not in expire
    assert expire["ExpirationInDays"] == operations.load(stage).export_keep_days
    deny = template["Resources"]["ExportsBucketPolicy"]["Properties"]["PolicyDocument"]
    assert deny["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    variables = template["Resources"]["ExportTables"]["Properties"]["Environment"]["Variables"]
    assert variables == {"EXPORTS_BUCKET": {"Ref": "ExportsBucket"}}


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_the_export_policy_is_exactly_the_export(stage: str) -> None:
    from infra import policy

    statements = policy.policy(stage, "export_tables")["Statement"]
    by_sid = {s["Sid"]: s for s in statements}
    prefix = restore.stage_prefix(stage)
    tables = {
        r["Fn::Sub"].rsplit("/", 1)[1]
        for s in statements
        if s["Action"] == ["dynamodb:ExportTableToPointInTime"]
        for r in s["Resource"]
    }
    assert tables == {f"{prefix}{table_suffix(m)}" for m in ALL_MODELS}
    actions = {a for s in statements for a in s["Action"]}
    assert {a for a in actions if a.startswith("dynamodb:")} == {
        "dynamodb:ExportTableToPointInTime",
        "dynamodb:DescribeExport",
    }
    # The check: DescribeExport on this stage's tables' exports only, GetObject on the markers.
    assert by_sid["ExportsCheck"]["Action"] == ["dynamodb:DescribeExport"]
    assert by_sid["ExportsCheck"]["Resource"] == [
        {
            "Fn::Sub": "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}"
            f":table/{prefix}*/export/*"
        }
    ]
    # The bucket the template makes (named from the stack, `dangjian-<stage>`), and only it.
    name = f"dangjian-{stage}-exports-${{AWS::AccountId}}-${{AWS::Region}}"
    assert by_sid["ExportsList"]["Resource"] == [
        {"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::{name}"}
    ]
    assert by_sid["ExportsWrite"]["Resource"] == [
        {"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::{name}/*"}
    ]
    assert set(by_sid["ExportsWrite"]["Action"]) == {
        "s3:AbortMultipartUpload",
        "s3:PutObject",
        "s3:PutObjectAcl",
    }
    assert by_sid["ExportsMarkers"] == {
        "Sid": "ExportsMarkers",
        "Effect": "Allow",
        "Action": ["s3:GetObject"],
        "Resource": [{"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::{name}/*/export.json"}],
    }


def test_the_job_runs_daily_in_the_quiet_hour_and_exports_on_sunday() -> None:
    config = json.loads(restore.CONFIG.read_text())
    for stage in config["stages"].values():
        assert "iam_policy_file" in stage["lambda_functions"]["export_tables"]
        assert stage["lambda_functions"]["export_tables"]["reserved_concurrency"] == 1
    source = (Path(backups.__file__).parent / "schedules.py").read_text()
    # 19:30 UTC is 03:30 in Beijing; Saturday's run is Sunday's in Beijing, the export day
    # (tools/cost_estimate.py prices 30 runs and 52/12 exports a month).
    assert '@bp.schedule(Cron(30, 19, "*", "*", "?", "*"), name="export_tables")' in source
    assert date(2026, 12, 6).weekday() == backups.EXPORT_WEEKDAY  # a Sunday


def test_a_point_in_time_restore_makes_the_models_tables(
    aws, capsys: pytest.CaptureFixture[str]
) -> None:
    ddb, _ = aws
    ddb.put_item(TableName="dangjian-dev-members", Item={"member_no": {"S": "10000001"}})
    stats = {"slug": {"S": "a1"}, "visible": {"N": "3"}, "applied": {"S": "0" * 39 + "9"}}
    ddb.put_item(TableName="dangjian-dev-comment-stats", Item=stats)
    plan = restore.Plan("point-in-time", "dev", "dangjian-dev-r20261202-", "dangjian-dev-")
    restore.from_point_in_time(ddb, None, plan, dry_run=True)
    assert "dangjian-dev-r20261202-members" in capsys.readouterr().out
    assert not [t for t in ddb.list_tables()["TableNames"] if "-r2026" in t]  # dry: nothing

    done = restore.from_point_in_time(ddb, None, plan, dry_run=False)
    assert set(done) == {table_suffix(m) for m in ALL_MODELS}
    assert done["members"] == 1
    for model in ALL_MODELS:
        name = f"dangjian-dev-r20261202-{table_suffix(model)}"
        table = ddb.describe_table(TableName=name)["Table"]
        want = restore.create_params(model, "dangjian-dev-r20261202-")
        assert {i["IndexName"] for i in table.get("GlobalSecondaryIndexes", [])} == {
            i["IndexName"] for i in want.get("GlobalSecondaryIndexes", [])
        }
        assert table.get("StreamSpecification", {}).get("StreamEnabled", False) == bool(
            getattr(model.Meta, "stream_view_type", None)
        ), name
        backups_on = ddb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
        assert backups_on["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == (
            "ENABLED"
        )
    # The old comments stream's position is left behind (restore.STREAM_POSITIONS): the new
    # stream's sequence numbers do not compare with it.
    got = ddb.get_item(TableName="dangjian-dev-r20261202-comment-stats", Key={"slug": {"S": "a1"}})
    assert got["Item"] == {"slug": {"S": "a1"}, "visible": {"N": "3"}}
    with pytest.raises(SystemExit, match="已存在"):
        restore.from_point_in_time(ddb, None, plan, dry_run=False)


def _deployed() -> dict[str, Any]:
    """The stage's template as CloudFormation keeps it: ours merged into Chalice's functions (the
    stream functions' event sources name their tables), plus an alarm on a table and a resource
    depending on that alarm."""
    template = merge_template("dev")
    resources = template["Resources"]
    for resource in resources.values():  # what ours merges into Chalice's functions
        resource.setdefault("Type", "AWS::Serverless::Function")
    resources["AggregatePoints"]["Properties"]["CodeUri"] = "s3://artifacts/code.zip"
    resources["MembersThrottleAlarm"] = {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {"Dimensions": [{"Name": "TableName", "Value": {"Ref": "MembersTable"}}]},
    }
    resources["AlarmNote"] = {"Type": "AWS::SSM::Parameter", "DependsOn": "MembersThrottleAlarm"}
    template["Outputs"]["MembersArn"] = {"Value": {"Fn::Sub": "${MembersTable.Arn}"}}
    return template


def test_the_switch_first_detaches_the_tables_and_only_what_names_them() -> None:
    template = _deployed()
    plain, dropped = restore.detached(template)
    tables = {k for k, r in template["Resources"].items() if r["Type"] == "AWS::DynamoDB::Table"}
    assert len(tables) == len(ALL_MODELS)
    assert set(dropped) == tables | {"MembersThrottleAlarm", "AlarmNote"}
    kept = plain["Resources"]
    assert set(kept) == set(template["Resources"]) - set(dropped)
    assert "Events" not in kept["AggregatePoints"]["Properties"]  # the function stays
    assert kept["ExportsBucket"] == template["Resources"]["ExportsBucket"]
    assert "MembersArn" not in plain["Outputs"] and "SiteURL" in plain["Outputs"]
    assert restore._names(plain) & tables == set()


def test_the_switch_changes_only_the_stages_prefix_in_config_json(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(restore.CONFIG.read_text())
    old = restore.set_prefix("prod", "dangjian-prod-r20261202-", path)
    assert old == "dangjian-prod-"
    before, after = json.loads(restore.CONFIG.read_text()), json.loads(path.read_text())
    assert after["stages"]["prod"]["environment_variables"]["TABLE_PREFIX"] == (
        "dangjian-prod-r20261202-"
    )
    after["stages"]["prod"]["environment_variables"]["TABLE_PREFIX"] = "dangjian-prod-"
    assert after == before
    # The tables the next deploy declares are the restored ones: the import's names.
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("infra.template.CHALICE_CONFIG", path)
        names = {
            r["Properties"]["TableName"]
            for r in merge_template("prod")["Resources"].values()
            if r.get("Type") == "AWS::DynamoDB::Table"
        }
    assert names == {f"dangjian-prod-r20261202-{table_suffix(m)}" for m in ALL_MODELS}


def test_a_switch_cut_short_is_finished_by_running_it_again() -> None:
    template = _deployed()
    plain, _ = restore.detached(template)
    new = "dangjian-dev-r20261202-"
    assert restore.remaining_steps(template, "dangjian-dev-", new) == [1, 2, 3]
    assert restore.remaining_steps(plain, "dangjian-dev-", new) == [2, 3]  # detached
    assert restore.remaining_steps(plain, new, new) == [3]  # config changed, not deployed
    with pytest.raises(SystemExit, match="无需切换"):
        restore.remaining_steps(template, new, new)  # done


def test_the_switch_makes_these_aws_calls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The switch's calls, in order, with parameters botocore validates (a Stubber: moto's
    CloudFormation deletes a retained resource an update removes, so it cannot stand in)."""
    import botocore.session
    from botocore.stub import ANY, Stubber

    from infra import deploy

    config = tmp_path / "config.json"
    config.write_text(restore.CONFIG.read_text())
    monkeypatch.setattr(restore, "CONFIG", config)
    monkeypatch.setattr(restore, "ROOT", tmp_path)
    new = "dangjian-prod-r20261202-"
    session = botocore.session.get_session()
    clients = {
        name: session.create_client(
            name, region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
        )
        for name in ("dynamodb", "cloudformation", "s3")
    }
    stubs = {name: Stubber(c) for name, c in clients.items()}
    names = [f"{new}{table_suffix(m)}" for m in ALL_MODELS]
    active = {"TableStatus": "ACTIVE", "TableName": "restored"}
    for name in names:  # every new table there ...
        stubs["dynamodb"].add_response("describe_table", {"Table": active}, {"TableName": name})
    for name in names:  # ... and ready
        stubs["dynamodb"].add_response("describe_table", {"Table": active}, {"TableName": name})
    template = _deployed()
    cfn = stubs["cloudformation"]
    cfn.add_response(
        "get_template",
        {"TemplateBody": json.dumps(template)},
        {"StackName": "dangjian-prod", "TemplateStage": "Original"},
    )
    stubs["s3"].add_response("put_object", {}, {"Bucket": "artifacts", "Key": ANY, "Body": ANY})
    change_set = "arn:aws:cloudformation:ap-east-1:123456789012:changeSet/detach/1"
    cfn.add_response(
        "create_change_set",
        {"Id": change_set},
        {
            "StackName": "dangjian-prod",
            "ChangeSetName": ANY,
            "ChangeSetType": "UPDATE",
            "TemplateURL": ANY,
            "Capabilities": deploy.CAPABILITIES,
        },
    )
    cfn.add_response(
        "describe_change_set", {"Status": "CREATE_COMPLETE"}, {"ChangeSetName": change_set}
    )
    cfn.add_response("execute_change_set", {}, {"ChangeSetName": change_set})
    stack = {"StackName": "dangjian-prod", "CreationTime": "2026-01-01", "StackStatus": ""}
    cfn.add_response(
        "describe_stacks",
        {"Stacks": [{**stack, "StackStatus": "UPDATE_COMPLETE"}]},
        {"StackName": "dangjian-prod"},
    )
    deployed: list[dict[str, Any]] = []

    def fake_deploy(stage: str, region: str, artifacts: str, **kw: Any) -> dict[str, str]:
        deployed.append({"stage": stage, "prefix": restore.stage_prefix(stage), **kw})
        return {}

    monkeypatch.setattr(deploy, "deploy", fake_deploy)
    monkeypatch.setattr(
        botocore.session.Session, "create_client", lambda self, name, **kw: clients[name]
    )
    for stub in stubs.values():
        stub.activate()
    restore.switch("prod", new, REGION, "artifacts", dry_run=False)
    for stub in stubs.values():
        stub.assert_no_pending_responses()
    # The template uploaded for step 1 has no table; config.json names the new prefix; the
    # deploy imports the existing tables.
    (uploaded,) = (tmp_path / ".cache" / "restore").glob("*.json")
    assert not [
        r
        for r in json.loads(uploaded.read_text())["Resources"].values()
        if r.get("Type") == "AWS::DynamoDB::Table"
    ]
    assert deployed == [{"stage": "prod", "prefix": new, "import_existing": True}]
    assert "待执行的步骤：1, 2, 3" in capsys.readouterr().out

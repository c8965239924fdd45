"""The IAM policies made from the access map (infra/access.py, infra/policy.py): least
privilege, complete.

Chalice's policy autogeneration cannot see PynamoDB's calls, so access is declared by hand, once.
These tests make a new table (or a newly queried index) without an entry fail here rather than in
production with AccessDenied, and keep the policies from growing beyond item-level access to this
stage's own tables.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from chalicelib.models import ALL_MODELS

ROOT = Path(__file__).resolve().parents[2]
CHALICE = ROOT / "functions" / ".chalice"
CONFIG = json.loads((CHALICE / "config.json").read_text())
STAGES = sorted(CONFIG["stages"])
ARN = re.compile(
    r"^arn:\$\{AWS::Partition\}:dynamodb:\$\{AWS::Region\}:\$\{AWS::AccountId\}:"
    r"table/(?P<table>[A-Za-z0-9_.-]+)(?:/index/(?P<index>[A-Za-z0-9_.-]+))?$"
)
# Item-level data access only: no Scan (never on a request path), no table administration.
ITEM_ACTIONS = {
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
}
# Reading a table's stream (Lambda's event source mapping polls it with the function's role).
STREAM_ACTIONS = {
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
}
STREAM_ARN = re.compile(
    r"^arn:\$\{AWS::Partition\}:dynamodb:\$\{AWS::Region\}:\$\{AWS::AccountId\}:"
    r"table/(?P<table>[A-Za-z0-9_.-]+)/stream/\*$"
)
HOW_TO_FIX = (
    "declare it in infra/access.py with only the actions the code performs on it "
    "(README: Deploying, the IAM policy)"
)


def _policy(stage: str, function: str | None = None) -> dict[str, Any]:
    """The API's policy, or a scheduled function's own (`lambda_functions` in config.json)."""
    from infra import policy

    return policy.policy(stage, function or "api")


# Scheduled jobs with a policy of their own: (stage, function name).
JOBS = [
    (stage, name)
    for stage in STAGES
    for name, conf in CONFIG["stages"][stage].get("lambda_functions", {}).items()
    if "iam_policy_file" in conf
]


def _prefix(stage: str) -> str:
    return CONFIG["stages"][stage]["environment_variables"]["TABLE_PREFIX"]


def _suffix(model: type) -> str:
    from chalicelib.settings import get_settings

    return model.Meta.table_name.removeprefix(get_settings().table_prefix)


def _resources(statement: dict[str, Any]) -> list[str]:
    """Resource ARNs as written; every one must be an `Fn::Sub` over the partition."""
    raw = statement["Resource"]
    out = []
    for item in raw if isinstance(raw, list) else [raw]:
        assert isinstance(item, dict) and set(item) == {"Fn::Sub"}, (
            f"{statement.get('Sid')}: write ARNs as Fn::Sub with ${{AWS::Partition}}: {item}"
        )
        out.append(item["Fn::Sub"])
    return out


def _grants(stage: str, function: str | None = None) -> dict[tuple[str, str | None], set[str]]:
    """(table, index or None) → DynamoDB actions allowed on it."""
    grants: dict[tuple[str, str | None], set[str]] = {}
    for statement in _policy(stage, function)["Statement"]:
        actions = statement["Action"]
        actions = [actions] if isinstance(actions, str) else actions
        if not any(a.startswith("dynamodb:") for a in actions):
            continue
        assert statement["Effect"] == "Allow"
        if set(actions) <= STREAM_ACTIONS:
            continue  # test_streams_are_read_only_by_their_functions
        if actions == ["dynamodb:DescribeExport"]:
            continue  # exports, not tables: tests/unit/test_backups.py checks the export policy
        for arn in _resources(statement):
            match = ARN.match(arn)
            assert match, f"{statement.get('Sid')}: not a table or index ARN: {arn}"
            key = (match["table"], match["index"])
            grants.setdefault(key, set()).update(actions)
    return grants


def _indexes(model: type) -> dict[str, str]:
    """Python attribute name → DynamoDB index name."""
    from pynamodb.indexes import Index

    return {
        name: value.Meta.index_name
        for name, value in vars(model).items()
        if isinstance(value, Index)
    }


# Each job's own code (its policy is its own); the API runs everything else.
JOB_MODULES = {
    "rank_boards": {"schedules.py", "ranking.py", "ranking_log.py"},
    "aggregate_points": {"streams.py", "points_stream.py", "ranking_log.py"},
    "count_comments": {"streams.py", "comment_stream.py"},
    "run_reminders": {"schedules.py", "reminders.py", "audiences.py", "dues_months.py"},
    "check_meetings": {"schedules.py", "meeting_checks.py"},
    "deliver_messages": {"schedules.py", "delivery.py", "push_senders.py", "quiet_hours.py"},
    "compute_console": {"schedules.py", "console_job.py"},
    "assess": {"schedules.py", "assessment_job.py"},
    "repath_units": {"schedules.py", "unit_paths.py"},
    "export_tables": {"schedules.py", "backups.py"},
}
# Beyond item access: the weekly export asks DynamoDB to export each table (tests/unit/
# test_backups.py checks it has exactly that).
JOB_TABLE_ACTIONS = {"export_tables": {"dynamodb:ExportTableToPointInTime"}}


def _code(job: str | None = None) -> str:
    """The code that runs in the API's Lambda, or in a job's (models excluded: they declare)."""
    lib = ROOT / "functions" / "chalicelib"
    every_job = set().union(*JOB_MODULES.values())
    if job:
        files = [lib / name for name in sorted(JOB_MODULES[job])]
    else:
        files = [p for p in lib.glob("*.py") if p.name not in every_job]
        files.append(ROOT / "functions" / "app.py")
    return "\n".join(p.read_text() for p in files)


@pytest.mark.parametrize("stage", STAGES)
def test_every_table_has_a_policy_entry(stage: str) -> None:
    """In the API's policy or a job's (the ranking job's state is the job's alone)."""
    tables = {table for table, _ in _grants(stage)}
    for job_stage, function in JOBS:
        if job_stage == stage:
            tables |= {table for table, _ in _grants(stage, function)}
    missing = [
        f"{_prefix(stage)}{_suffix(m)} ({m.__module__}.{m.__name__})"
        for m in ALL_MODELS
        if f"{_prefix(stage)}{_suffix(m)}" not in tables
    ]
    assert not missing, f"tables without IAM permissions in stage {stage}: {missing}; {HOW_TO_FIX}"


@pytest.mark.parametrize("stage", STAGES)
def test_queried_indexes_have_a_query_grant(stage: str) -> None:
    code = _code()
    grants = _grants(stage)
    missing = []
    for model in ALL_MODELS:
        table = f"{_prefix(stage)}{_suffix(model)}"
        for attr, index_name in _indexes(model).items():
            queried = re.search(rf"\b{model.__name__}\.{attr}\.(query|count)\(", code)
            if queried and "dynamodb:Query" not in grants.get((table, index_name), set()):
                missing.append(f"{table}/index/{index_name}")
        queried = re.search(rf"\b{model.__name__}\.(query|count)\(", code)
        if queried and "dynamodb:Query" not in grants.get((table, None), set()):
            missing.append(table)
    assert not missing, f"queried without dynamodb:Query in stage {stage}: {missing}; {HOW_TO_FIX}"


@pytest.mark.parametrize("stage", STAGES)
def test_only_item_actions_on_this_stages_own_tables(stage: str) -> None:
    known: dict[str, set[str]] = {
        f"{_prefix(stage)}{_suffix(m)}": set(_indexes(m).values()) for m in ALL_MODELS
    }
    for (table, index), actions in _grants(stage).items():
        assert table in known, f"policy-{stage}: {table} is not a table of this stage's models"
        assert index is None or index in known[table], f"{table} has no index {index}"
        assert actions <= ITEM_ACTIONS, f"{table}: not item-level: {actions - ITEM_ACTIONS}"
        if index is not None:
            assert actions == {"dynamodb:Query"}, f"{table}/index/{index}: indexes are only queried"


@pytest.mark.parametrize("stage", STAGES)
def test_no_wildcards_and_only_known_services(stage: str) -> None:
    for statement in _policy(stage)["Statement"]:
        actions = statement["Action"]
        for action in [actions] if isinstance(actions, str) else actions:
            assert "*" not in action, f"{statement['Sid']}: wildcard action {action}"
            assert action.split(":")[0] in {"dynamodb", "logs", "ssm", "s3"}, action
        for arn in _resources(statement):
            if ":s3:::" in arn:  # objects under an area's prefix of the uploads bucket
                assert arn.endswith("/*") and "*" not in arn[:-2], arn
            elif ":logs:" not in arn:  # log groups are named by CloudFormation: a prefix pattern
                assert "*" not in arn, f"{statement['Sid']}: wildcard resource {arn}"
            assert f"dangjian-{stage}-" in arn or f"/dangjian/{stage}/" in arn, arn


@pytest.mark.parametrize("stage", STAGES)
def test_the_jwt_parameter_is_the_one_the_functions_read(stage: str) -> None:
    """Each secret the API reads (the JWT keys, the WeCom corp secret, the Official Account's
    AppSecret) is granted once, exactly."""
    variables = CONFIG["stages"][stage]["environment_variables"]
    ssm = [s for s in _policy(stage)["Statement"] if s["Action"] == ["ssm:GetParameter"]]
    assert [r for s in ssm for r in _resources(s)] == [
        "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter" + variables[name]
        for name in ("JWT_KEYS_PARAMETER", "WECOM_SECRET_PARAMETER", "WECHAT_MP_SECRET_PARAMETER")
    ]


def test_the_stages_grant_the_same_thing() -> None:
    """Written twice (Chalice reads one file per stage), so they must not drift apart."""
    normalised = {
        stage: json.dumps(_policy(stage))
        .replace(_prefix(stage), "<prefix>")
        .replace(f"/dangjian/{stage}/", "/dangjian/<stage>/")
        for stage in STAGES
    }
    assert len(set(normalised.values())) == 1, "policy files differ beyond the stage name"


@pytest.mark.parametrize(("stage", "function"), JOBS)
def test_a_job_may_scan_only_the_tables_it_reads_whole(stage: str, function: str) -> None:
    """A Scan is allowed off the request path, so only in a scheduled job's own policy, and only
    on the tables whose model the job's code scans."""
    code = _code(job=function)
    scanned = {
        f"{_prefix(stage)}{_suffix(m)}"
        for m in ALL_MODELS
        if re.search(rf"\b{m.__name__}\.scan\(", code)
    }
    known = {f"{_prefix(stage)}{_suffix(m)}" for m in ALL_MODELS}
    grants = _grants(stage, function)
    assert grants, f"{function}: no DynamoDB access at all?"
    for (table, index), actions in grants.items():
        assert table in known, f"{function}: {table} is not a table of this stage's models"
        allowed = ITEM_ACTIONS | {"dynamodb:Scan"} | JOB_TABLE_ACTIONS.get(function, set())
        assert actions <= allowed, f"{table}: {actions - ITEM_ACTIONS}"
        if "dynamodb:Scan" in actions:
            assert index is None and table in scanned, f"{function}: Scan on {table}/{index}"
    assert scanned <= {t for (t, i), a in grants.items() if "dynamodb:Scan" in a}, (
        f"{function}: the code scans {scanned} but the policy does not allow it"
    )


def test_the_jobs_policies_match_across_stages() -> None:
    by_function: dict[str, set[str]] = {}
    for stage, function in JOBS:
        by_function.setdefault(function, set()).add(
            json.dumps(_policy(stage, function))
            .replace(_prefix(stage), "<prefix>")
            .replace(f"dangjian-{stage}-", "dangjian-<stage>-")
            .replace(f"/dangjian/{stage}/", "/dangjian/<stage>/")
        )
    assert all(len(v) == 1 for v in by_function.values()), "job policies differ beyond the stage"


def test_the_api_code_never_scans() -> None:
    """No Scan on a request path: only the jobs' modules may read a table whole."""
    assert not re.search(r"\b[A-Z]\w*\.scan\(", _code()), "a Scan in the API's code"


@pytest.mark.parametrize(("stage", "function"), JOBS)
def test_a_jobs_queries_are_granted_in_its_policy(stage: str, function: str) -> None:
    code = _code(job=function)
    grants = _grants(stage, function)
    for model in ALL_MODELS:
        table = f"{_prefix(stage)}{_suffix(model)}"
        for attr, index_name in _indexes(model).items():
            if re.search(rf"\b{model.__name__}\.{attr}\.(query|count)\(", code):
                assert "dynamodb:Query" in grants.get((table, index_name), set()), index_name


def test_package_writes_every_policy_file_config_json_names(tmp_path: Path) -> None:
    from infra import policy

    for stage in STAGES:
        written = {p.name for p in policy.write(stage, tmp_path)}
        config = CONFIG["stages"][stage]
        wanted = {config["iam_policy_file"]} | {
            c["iam_policy_file"]
            for c in config.get("lambda_functions", {}).values()
            if "iam_policy_file" in c
        }
        assert written == wanted
        for name in written:
            assert json.loads((tmp_path / name).read_text())["Statement"]


@pytest.mark.parametrize("stage", STAGES)
def test_streams_are_read_only_by_their_functions(stage: str) -> None:
    """Each stream function may read its own tables' streams, nothing else may read any."""
    from infra.access import STREAMS

    streamed = {
        f"{_prefix(stage)}{_suffix(m)}" for m in ALL_MODELS if hasattr(m.Meta, "stream_view_type")
    }
    for function in ["api", *(f for s, f in JOBS if s == stage)]:
        read = set()
        for statement in _policy(stage, function)["Statement"]:
            actions = set(statement["Action"])
            if actions & STREAM_ACTIONS:
                assert actions == STREAM_ACTIONS, f"{function}: {actions}"
                for arn in _resources(statement):
                    match = STREAM_ARN.match(arn)
                    assert match, f"{statement['Sid']}: not a stream ARN: {arn}"
                    read.add(match["table"])
        wanted = {f"{_prefix(stage)}{_suffix(m)}" for m in STREAMS.get(function, ())}
        assert read == wanted, f"{function} reads the streams of {read}, not {wanted}"
        assert read <= streamed, f"{function}: {read - streamed} have no stream"


@pytest.mark.parametrize("stage", STAGES)
def test_the_delivery_worker_reads_the_two_push_secrets_and_nothing_else(stage: str) -> None:
    """It calls WeCom and the Official Account (template messages), so it needs the corp secret
    and the AppSecret; not the JWT keys (it signs nothing)."""
    variables = CONFIG["stages"][stage]["environment_variables"]
    ssm = [
        s
        for s in _policy(stage, "deliver_messages")["Statement"]
        if s["Action"] == ["ssm:GetParameter"]
    ]
    assert [r for s in ssm for r in _resources(s)] == [
        "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter" + variables[name]
        for name in ("WECOM_SECRET_PARAMETER", "WECHAT_MP_SECRET_PARAMETER")
    ]


@pytest.mark.parametrize(("stage", "function"), JOBS)
def test_no_other_job_reads_a_secret(stage: str, function: str) -> None:
    """Only the API and the delivery worker call WeChat."""
    if function != "deliver_messages":
        actions = [s["Action"] for s in _policy(stage, function)["Statement"]]
        assert ["ssm:GetParameter"] not in actions, function


@pytest.mark.parametrize("stage", STAGES)
def test_the_api_may_touch_uploads_only_under_their_prefixes(stage: str) -> None:
    """Files from phones: object actions on the stack's uploads bucket, per area prefix, in the
    API's policy only (the bucket's name as infra/stack.yaml makes it for `dangjian-<stage>`)."""
    from infra.access import UPLOAD_PREFIXES

    bucket = "arn:${AWS::Partition}:s3:::" + f"dangjian-{stage}-uploads-"
    bucket += "${AWS::AccountId}-${AWS::Region}"
    (statement,) = [s for s in _policy(stage)["Statement"] if s["Sid"] == "Uploads"]
    assert statement["Action"] == ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
    assert sorted(_resources(statement)) == sorted(
        f"{bucket}/{where}{area}/*" for area in UPLOAD_PREFIXES for where in ("incoming/", "")
    )
    stack = yaml.safe_load((ROOT / "infra" / "stack.yaml").read_text())
    name = stack["Resources"]["UploadsBucket"]["Properties"]["BucketName"]["Fn::Sub"]
    assert name == "${AWS::StackName}-uploads-${AWS::AccountId}-${AWS::Region}"
    from infra.deploy import stack_name

    assert bucket.endswith(name.replace("${AWS::StackName}", stack_name(stage)))
    for job in JOB_MODULES:
        assert not any(s.get("Sid") == "Uploads" for s in _policy(stage, job)["Statement"]), job


def test_every_area_that_uploads_has_its_prefix_granted() -> None:
    """An area whose upload prefix the policy does not grant works locally (the stand-in checks
    no rights) and fails on AWS: each area's prefix, as its code makes it, is in the grant."""
    from chalicelib import branch_posts, meeting_records, service_requests
    from infra.access import UPLOAD_PREFIXES

    made = {
        "meetings": meeting_records.prefix("m-1"),
        "posts": branch_posts.upload_prefix("81000001"),
        "requests": service_requests.upload_prefix("81000001"),
    }
    for area, prefix in made.items():
        assert prefix.split("/", 1)[0] in UPLOAD_PREFIXES, area


def test_condition_checks_in_transactions_are_granted() -> None:
    """A transaction's ConditionCheck needs dynamodb:ConditionCheckItem on its table, which
    DynamoDB Local never asks for: every model a request-path `tx.check(...)` names has it."""
    import re

    from chalicelib import models
    from infra.access import ACCESS

    named = set()
    for path in (ROOT / "functions" / "chalicelib").glob("*.py"):
        named |= set(re.findall(r"tx\.check\(\s*\"[^\"]+\",\s*(\w+)", path.read_text()))
    assert named, "no transaction checks found: the pattern went stale"
    for name in sorted(named):
        model = getattr(models, name, None) or next(
            m for m in models.ALL_MODELS if m.__name__ == name
        )
        assert "ConditionCheckItem" in ACCESS["api"].get((model, None), ()), name

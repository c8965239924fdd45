"""The deploy path against moto's server mode: `infra/deploy.py`, `infra/publish.py` and the
function's SSM read, talking AWS's wire protocols to a moto server this test starts on a free
loopback port. botocore is pointed at it by `AWS_ENDPOINT_URL` (which botocore honours natively),
with fake credentials and no config files, so nothing here can reach AWS.

What runs for real: `chalice package` of the dev stage, the uploads of the zip and the template
(content-addressed keys), one change set per deploy (CREATE, then an unchanged deploy whose change
set is empty and deleted, then UPDATE with new code), the waiters, the stack's outputs; the site
sync by checksum (three syncs), the CloudFront invalidation; `chalicelib.settings` reading the JWT
keys from an SSM SecureString named by the deployed function's `JWT_KEYS_PARAMETER`.

What moto cannot follow, and what this test does instead (nothing else in the template is changed;
the table, bucket, role and permission resources are created by moto's own handlers):
- The SAM transform: moto ignores `Transform: AWS::Serverless-2016-10-31` and has no handler for
  `AWS::Serverless::*`. This test registers stand-ins in moto's CloudFormation:
  `AWS::Serverless::Function` becomes moto's `AWS::Lambda::Function` (`CodeUri: s3://b/k` becomes
  `Code: {S3Bucket, S3Key}`, and the stand-in refuses any other CodeUri; `Events` — the ranking
  job's schedule —, `Tracing`, `Architectures` and `Tags` are dropped); `AWS::Serverless::Api`
  becomes an empty `AWS::ApiGateway::RestApi` (no routes from `DefinitionBody`, no `api` stage).
- CloudFront: moto's CloudFormation has no CloudFront resources. Stand-ins create the
  `OriginAccessControl` and the `Distribution` through moto's CloudFront backend (origins with
  their resolved domain names, the default and the path behaviours); the cache, origin-request
  and response-headers policies stay unsupported, are not created, and their `Ref`s drop out.
- `AWS::Lambda::Url` has no moto handler: a stand-in gives its `FunctionUrl` (the shape Lambda
  gives, which the distribution's `not-found` origin takes its host from); the distribution's
  stand-in checks the site's behaviours go through the `site-or-404` origin group.
- `AWS::S3::BucketPolicy` has no moto handler: not created. Nor have the alarms, the dashboard
  and the SNS topic's policy (infra/monitoring.py; tests/unit/test_infra_monitoring.py reads
  them); the log groups, the topic and its subscriptions are moto's own.
- The monthly budget's custom resource (`Custom::MonthlyBudget`): moto would run its function in
  Docker; a stand-in makes the same budget in moto's Budgets backend.
- moto (5.2.5) does not recompute a stack's outputs when it executes a change set; the test
  wraps moto's `ChangeSet.apply` to recompute them as CloudFormation does.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import hashlib
import io
import json
import os
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from moto.apigateway.models import apigateway_backends
from moto.awslambda.models import LambdaFunction
from moto.budgets.models import budgets_backends
from moto.cloudformation import models as cfn_models
from moto.cloudformation import parsing as cfn_parsing
from moto.cloudfront.models import cloudfront_backends
from moto.core.common_models import CloudFormationModel
from moto.server import ThreadedMotoServer

from infra import budget_resource, deploy, publish
from infra import package as pkg

# moto warns once per resource type it has no handler for; the docstring lists them.
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS.*not supported by moto")

STAGE = "dev"
REGION = "ap-east-1"
ARTIFACTS = "dangjian-artifacts-test"
STACK = "dangjian-dev"


# -- stand-ins for what moto's CloudFormation lacks (module docstring) ----------------------------


def _lambda_json(cloudformation_json: dict[str, Any]) -> dict[str, Any]:
    props = dict(cloudformation_json["Properties"])
    uri = props.pop("CodeUri")
    if not str(uri).startswith("s3://"):
        raise ValueError(f"CodeUri {uri!r}: deploy.py must point it at the uploaded zip")
    bucket, key = uri[len("s3://") :].split("/", 1)
    props["Code"] = {"S3Bucket": bucket, "S3Key": key}
    for dropped in ("Events", "Tracing", "Architectures", "Tags"):
        props.pop(dropped, None)
    return {"Properties": props}


class SamFunction(CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Serverless::Function"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "FunctionName"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "Arn"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[override]
        cls, resource_name: str, cloudformation_json: dict, account_id: str, region_name: str, **kw
    ) -> LambdaFunction:
        return LambdaFunction.create_from_cloudformation_json(
            resource_name, _lambda_json(cloudformation_json), account_id, region_name, **kw
        )

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[override]
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ) -> LambdaFunction:
        return LambdaFunction.update_from_cloudformation_json(
            original_resource,
            new_resource_name,
            _lambda_json(cloudformation_json),
            account_id,
            region_name,
        )


class SamApi(CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Serverless::Api"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return False

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[override]
        cls, resource_name: str, cloudformation_json: dict, account_id: str, region_name: str, **kw
    ) -> Any:
        return apigateway_backends[account_id][region_name].create_rest_api(
            name=resource_name, description=""
        )


@dataclass
class _Made(CloudFormationModel):
    """What a CloudFront stand-in made: its id and the attributes `Fn::GetAtt` may ask for."""

    physical_resource_id: str
    attributes: dict[str, str]

    def get_cfn_attribute(self, attribute_name: str) -> str:
        return self.attributes[attribute_name]


class CloudFrontOac(CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudFront::OriginAccessControl"

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "Id"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[override]
        cls, resource_name: str, cloudformation_json: dict, account_id: str, region_name: str, **kw
    ) -> _Made:
        config = cloudformation_json["Properties"]["OriginAccessControlConfig"]
        made = cloudfront_backends[account_id]["aws"].create_origin_access_control(dict(config))
        return _Made(made.id, {"Id": made.id})


class LambdaUrl(CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Lambda::Url"

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in {"FunctionUrl", "FunctionArn"}

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[override]
        cls, resource_name: str, cloudformation_json: dict, account_id: str, region_name: str, **kw
    ) -> _Made:
        arn = cloudformation_json["Properties"]["TargetFunctionArn"]
        url_id = hashlib.sha256(arn.encode()).hexdigest()[:32]
        url = f"https://{url_id}.lambda-url.{region_name}.on.aws/"
        return _Made(url, {"FunctionUrl": url, "FunctionArn": arn})


def _behaviour(config: dict[str, Any]) -> dict[str, Any]:
    keys = ("PathPattern", "TargetOriginId", "ViewerProtocolPolicy", "Compress")
    return {k: config[k] for k in keys if k in config}


def _origin(config: dict[str, Any]) -> dict[str, Any]:
    out = {"Id": config["Id"], "DomainName": config["DomainName"]}
    if "S3OriginConfig" in config:
        if not config.get("OriginAccessControlId"):
            raise ValueError(f"origin {config['Id']}: no Origin Access Control")
        out["S3OriginConfig"] = {"OriginAccessIdentity": ""}
    if "CustomOriginConfig" in config:
        out["CustomOriginConfig"] = {"HTTPSPort": 443, "OriginProtocolPolicy": "https-only"}
    return out


class CloudFrontDistribution(CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudFront::Distribution"

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in {"Id", "DomainName"}

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[override]
        cls, resource_name: str, cloudformation_json: dict, account_id: str, region_name: str, **kw
    ) -> _Made:
        config = cloudformation_json["Properties"]["DistributionConfig"]
        # moto's backend knows no origin groups: the site's behaviours target the group's
        # first member, after checking the group is what the template says.
        groups = {g["Id"]: g for g in config.get("OriginGroups", {}).get("Items", [])}
        group = groups["site-or-404"]
        members = [m["OriginId"] for m in group["Members"]["Items"]]
        assert members == ["site", "not-found"], members
        assert group["FailoverCriteria"]["StatusCodes"]["Items"] == [403, 404]
        assert config["Origins"][-1]["DomainName"].endswith(".lambda-url.ap-east-1.on.aws")
        for b in [config["DefaultCacheBehavior"], *config.get("CacheBehaviors", [])]:
            if b["TargetOriginId"] in groups:
                b["TargetOriginId"] = groups[b["TargetOriginId"]]["Members"]["Items"][0]["OriginId"]
        behaviours = [_behaviour(b) for b in config.get("CacheBehaviors", [])]
        api_config = {
            "CallerReference": f"{kw['StackId']}/{kw['LogicalId']}",
            "Comment": config.get("Comment", ""),
            "Enabled": config["Enabled"],
            "DefaultRootObject": config.get("DefaultRootObject", ""),
            "Origins": {
                "Quantity": len(config["Origins"]),
                "Items": [_origin(o) for o in config["Origins"]],
            },
            "DefaultCacheBehavior": _behaviour(config["DefaultCacheBehavior"]),
            "CacheBehaviors": {"Quantity": len(behaviours), "Items": behaviours},
        }
        made, _, _ = cloudfront_backends[account_id]["aws"].create_distribution(api_config, [])
        return _Made(
            made.distribution_id, {"Id": made.distribution_id, "DomainName": made.domain_name}
        )


class MonthlyBudget(CloudFormationModel):
    """The budget's custom resource (infra/budget_resource.py): moto would run its function in
    Docker; the stand-in makes the same budget and notifications in moto's Budgets backend
    (tests/unit/test_infra_monitoring.py runs the function's code itself)."""

    @staticmethod
    def cloudformation_type() -> str:
        return "Custom::MonthlyBudget"

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return False

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[override]
        cls, resource_name: str, cloudformation_json: dict, account_id: str, region_name: str, **kw
    ) -> _Made:
        props = cloudformation_json["Properties"]
        backend = budgets_backends[account_id]["aws"]
        with contextlib.suppress(Exception):
            backend.delete_budget(account_id, props["BudgetName"])
        backend.create_budget(
            account_id,
            budget_resource.budget(props["BudgetName"], props["AmountUsd"]),
            budget_resource.notifications(props["TopicArn"]),
        )
        return _Made(props["BudgetName"], {})


def _resource_class(resource_type: str) -> Any:
    """moto sends every `Custom::` type to its Docker-run handler; the budget's to the stand-in."""
    if resource_type == MonthlyBudget.cloudformation_type():
        return MonthlyBudget
    return _moto_resource_class(resource_type)


_moto_resource_class = cfn_parsing.resource_class_from_type

# moto looks its handlers up once per process from CloudFormationModel's subclasses.
cfn_parsing.get_model_map.cache_clear()
cfn_parsing.get_name_type_map.cache_clear()


def _apply_and_refresh_outputs(change_set: cfn_models.ChangeSet) -> None:
    """moto applies a change set's resources but keeps the stack's outputs from before."""
    _moto_apply(change_set)
    stack = change_set.stack
    stack.template = change_set.template
    stack._parse_template()
    stack.output_map = stack._create_output_map()


_moto_apply = cfn_models.ChangeSet.apply


# -- the server and the deploys ----------------------------------------------------------------


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    """A moto server on a free loopback port; botocore pointed at it, with fake credentials."""
    with pytest.MonkeyPatch.context() as env:
        for name in (
            "AWS_PROFILE",
            "AWS_DEFAULT_PROFILE",
            "AWS_SESSION_TOKEN",
            "AWS_SECURITY_TOKEN",
            "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
            *(k for k in os.environ if k.startswith("AWS_ENDPOINT_URL_")),  # per service
        ):
            env.delenv(name, raising=False)
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        env.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
        env.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
        env.setenv("AWS_EC2_METADATA_DISABLED", "true")
        env.setenv("AWS_DEFAULT_REGION", REGION)
        env.setenv("AWS_REGION", REGION)
        env.setattr(cfn_models.ChangeSet, "apply", _apply_and_refresh_outputs)
        env.setattr(cfn_parsing, "resource_class_from_type", _resource_class)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        env.setenv("AWS_ENDPOINT_URL", endpoint)
        try:
            yield endpoint
        finally:
            server.stop()


def client(service: str) -> Any:
    return botocore.session.get_session().create_client(service, region_name=REGION)


def _code_sha256(path: Path) -> str:
    """Lambda's CodeSha256: base64 of the zip's SHA-256."""
    return base64.b64encode(hashlib.sha256(path.read_bytes()).digest()).decode()


def _new_code_version(built: pkg.Package, directory: Path) -> pkg.Package:
    """The same template with a changed zip, as after an edit of the function code."""
    directory.mkdir()
    shutil.copy(built.zip_path, directory / "deployment.zip")
    with zipfile.ZipFile(directory / "deployment.zip", "a") as archive:
        archive.writestr("chalicelib/release.txt", "second release\n")
    return pkg.Package(
        directory=directory,
        template=copy.deepcopy(built.template),
        zipped_bytes=(directory / "deployment.zip").stat().st_size,
        unzipped_bytes=built.unzipped_bytes + 15,
    )


@dataclass
class Deployed:
    outputs: dict[str, str]
    first_code: str  # CodeSha256 after the first deploy
    events_after_create: list[str]
    events_after_noop: list[str]
    change_sets_after_noop: list[dict[str, Any]]
    second_zip: Path
    printed: str


def _events(cfn: Any) -> list[str]:
    events = cfn.describe_stack_events(StackName=STACK)["StackEvents"]
    return [e["ResourceStatus"] for e in events if e["LogicalResourceId"] == STACK]


@pytest.fixture(scope="module")
def deployed(moto_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    """Deploy three times: a new stack, the same release again, a release with new code."""
    client("s3").create_bucket(
        Bucket=ARTIFACTS, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    cfn, lam = client("cloudformation"), client("lambda")
    built = pkg.package(STAGE, REGION, tmp_path_factory.mktemp("package"))
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        outputs = deploy.deploy(STAGE, REGION, ARTIFACTS, built)
        first_code = lam.get_function(FunctionName=outputs["APIHandlerName"])["Configuration"][
            "CodeSha256"
        ]
        events_after_create = _events(cfn)
        assert deploy.deploy(STAGE, REGION, ARTIFACTS, built) == outputs
        events_after_noop = _events(cfn)
        change_sets = cfn.list_change_sets(StackName=STACK)["Summaries"]
        second = _new_code_version(built, tmp_path_factory.mktemp("release") / "package")
        final = deploy.deploy(STAGE, REGION, ARTIFACTS, second)
    yield Deployed(
        outputs=final,
        first_code=first_code,
        events_after_create=events_after_create,
        events_after_noop=events_after_noop,
        change_sets_after_noop=change_sets,
        second_zip=second.zip_path,
        printed=printed.getvalue(),
    )


def test_deploy_creates_then_updates_the_stack_through_change_sets(deployed: Deployed) -> None:
    cfn, lam, ddb = client("cloudformation"), client("lambda"), client("dynamodb")
    stack = cfn.describe_stacks(StackName=STACK)["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    assert {"Key": "stage", "Value": STAGE} in stack["Tags"]
    assert "CREATE_COMPLETE" in deployed.events_after_create
    assert "UPDATE_COMPLETE" not in deployed.events_after_create
    # The unchanged release: its empty change set was deleted and the stack left alone.
    assert "no changes to the stack" in deployed.printed
    assert deployed.events_after_noop == deployed.events_after_create
    # (moto lists executed change sets, CloudFormation drops them; no other may be left.)
    left = [c["ExecutionStatus"] for c in deployed.change_sets_after_noop]
    assert left == ["EXECUTE_COMPLETE"]
    assert "UPDATE_COMPLETE" in _events(cfn)
    # The update ran the new code: every function of the zip (the API, the ranking job, the
    # points aggregator) runs the second zip; the 404 page's function is inline code.
    functions = lam.list_functions()["Functions"]
    handlers = sorted(f["Handler"] for f in functions)
    assert handlers == [
        "app.app",
        "chalicelib.schedules.assess",
        "chalicelib.schedules.check_meetings",
        "chalicelib.schedules.compute_console",
        "chalicelib.schedules.deliver_messages",
        "chalicelib.schedules.export_tables",
        "chalicelib.schedules.rank_boards",
        "chalicelib.schedules.repath_units",
        "chalicelib.schedules.run_reminders",
        "chalicelib.streams.aggregate_points",
        "chalicelib.streams.count_comments",
        "index.handler",  # the budget's custom resource (inline code)
        "index.handler",  # the 404 page (inline code)
    ]
    functions = [f for f in functions if f["Handler"] != "index.handler"]
    for function in functions:
        assert function["CodeSha256"] == _code_sha256(deployed.second_zip) != deployed.first_code
    # The operations resources moto can make: every function's log group with the stage's
    # retention, the alarm topic, the monthly budget notifying it.
    from infra import operations

    ops = operations.load(STAGE)
    groups = client("logs").describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{STACK}-")
    retention = {g["logGroupName"]: g.get("retentionInDays") for g in groups["logGroups"]}
    assert len(retention) == len(handlers) and set(retention.values()) == {ops.log_retention_days}
    account = stack["StackId"].split(":")[4]
    budget = client("budgets").describe_budget(AccountId=account, BudgetName=f"{STACK}-monthly")
    assert float(budget["Budget"]["BudgetLimit"]["Amount"]) == ops.budget_monthly_usd
    topics = [t["TopicArn"] for t in client("sns").list_topics()["Topics"]]
    assert [t for t in topics if t.endswith(f":{STACK}-alarms")]
    # What the stack made is real (in moto): the tables from the models, the bucket, the CDN.
    from chalicelib.models import ALL_MODELS

    tables = {k: v for k, v in deployed.outputs.items() if k.endswith("TableName")}
    assert len(tables) == len(ALL_MODELS)
    for model in ALL_MODELS:
        described = ddb.describe_table(TableName=model.Meta.table_name)["Table"]
        assert described["TableName"].startswith("dangjian-dev-")
        indexes = {i["IndexName"] for i in described.get("GlobalSecondaryIndexes", [])}
        assert indexes == {i["index_name"] for i in model._get_schema()["global_secondary_indexes"]}
    # The ledger table streams to the aggregator (moto does not make SAM's event source mapping;
    # tests/unit/test_infra_package.py checks it points at this table's StreamArn).
    from chalicelib.models import PointDay

    ledger = ddb.describe_table(TableName=PointDay.Meta.table_name)["Table"]
    assert ledger["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert ledger["LatestStreamArn"]
    client("s3").head_bucket(Bucket=deployed.outputs["SiteBucketName"])
    # The nightly export's bucket (infra/backups.py), its name in the export function's settings.
    exports = deployed.outputs["ExportsBucketName"]
    client("s3").head_bucket(Bucket=exports)
    (job,) = [f for f in functions if f["Handler"].endswith(".export_tables")]
    assert job["Environment"]["Variables"]["EXPORTS_BUCKET"] == exports
    dist = client("cloudfront").get_distribution(Id=deployed.outputs["DistributionId"])
    assert deployed.outputs["SiteURL"] == f"https://{dist['Distribution']['DomainName']}/"
    # The template CloudFormation holds is the uploaded one, its code in the artifacts bucket.
    body = cfn.get_template(StackName=STACK)["TemplateBody"]
    template = body if isinstance(body, dict) else json.loads(body)
    uri = template["Resources"]["APIHandler"]["Properties"]["CodeUri"]
    key = uri.removeprefix(f"s3://{ARTIFACTS}/")
    zipped = client("s3").get_object(Bucket=ARTIFACTS, Key=key)["Body"].read()
    assert zipped == deployed.second_zip.read_bytes()


# -- the site ----------------------------------------------------------------------------------

SITE = {
    "index.html": "<h1>首页</h1>",
    "articles/a.html": "<p>第一篇</p>",
    "articles/b.html": "<p>第二篇</p>",
    "articles/index.html": "<ul><li>a</li><li>b</li></ul>",
    "articles/支部 合影.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",  # an {attach} file
    "images/xianjin/a.0123456789abcdef.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
    "theme/css/main.1a2b3c4d.css": "body{margin:0}",
    "theme/js/api.5e6f7a8b.js": "export const api = 1;",
    "search/shard-0.9c8d7e6f.json": '{"a": 1}',
}


def _write_site(root: Path, files: dict[str, str]) -> None:
    for key, text in files.items():
        path = root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _invalidations(distribution: str) -> dict[str, list[str]]:
    """Every invalidation's paths by its CallerReference."""
    cf = client("cloudfront")
    listed = cf.list_invalidations(DistributionId=distribution)["InvalidationList"]
    out = {}
    for item in listed.get("Items", []):
        batch = cf.get_invalidation(DistributionId=distribution, Id=item["Id"])
        batch = batch["Invalidation"]["InvalidationBatch"]
        out[batch["CallerReference"]] = batch["Paths"].get("Items", [])
    return out


def _objects(bucket: str) -> dict[str, tuple[str, Any]]:
    listed = client("s3").list_objects_v2(Bucket=bucket).get("Contents", [])
    return {o["Key"]: (o["ETag"], o["LastModified"]) for o in listed}


def test_publish_syncs_by_checksum_and_invalidates_exactly_the_changed_pages(
    deployed: Deployed, tmp_path: Path
) -> None:
    bucket, distribution = deployed.outputs["SiteBucketName"], deployed.outputs["DistributionId"]
    s3 = client("s3")
    site = tmp_path / "output"
    _write_site(site, SITE)

    first = publish.publish(STAGE, REGION, root=site)
    assert sorted(first.upload) == sorted(SITE)
    assert set(_objects(bucket)) == set(SITE)
    page = s3.head_object(Bucket=bucket, Key="articles/a.html")
    assert page["CacheControl"] == publish.SHORT
    assert page["ContentType"] == "text/html; charset=utf-8"
    asset = s3.head_object(Bucket=bucket, Key="theme/js/api.5e6f7a8b.js")
    assert asset["CacheControl"] == publish.IMMUTABLE
    body = s3.get_object(Bucket=bucket, Key="articles/支部 合影.svg")["Body"].read()
    assert body == SITE["articles/支部 合影.svg"].encode()
    image = s3.head_object(Bucket=bucket, Key="images/xianjin/a.0123456789abcdef.svg")
    assert image["CacheControl"] == publish.IMMUTABLE
    # Pages only (hashed assets get new names instead); `/` is index.html; a path CloudFront
    # matches must be URL-encoded where it is not ASCII-safe.
    assert list(_invalidations(distribution).values()) == [
        [
            "/articles/%E6%94%AF%E9%83%A8%20%E5%90%88%E5%BD%B1.svg",
            "/articles/a.html",
            "/articles/b.html",
            "/articles/index.html",
            "/index.html",
            "/",
            "/articles/",
        ]
    ]
    invalidated = set(_invalidations(distribution))

    # A full rebuild writes every file anew (new mtimes, same bytes): nothing goes up.
    before = _objects(bucket)
    shutil.rmtree(site)
    _write_site(site, SITE)
    second = publish.publish(STAGE, REGION, root=site)
    assert second.upload == [] and second.delete == [] and second.unchanged == len(SITE)
    assert _objects(bucket) == before
    assert len(_invalidations(distribution)) == 1

    # One page changes, one is withdrawn, the CSS gets a new hash: exactly those two pages are
    # invalidated; the old CSS stays for pages still cached in a phone.
    changed = {k: v for k, v in SITE.items() if k not in {"articles/b.html"}}
    changed["articles/a.html"] = "<p>第一篇（修订）</p>"
    del changed["theme/css/main.1a2b3c4d.css"]
    changed["theme/css/main.0f0e0d0c.css"] = "body{margin:1px}"
    shutil.rmtree(site)
    _write_site(site, changed)
    third = publish.publish(STAGE, REGION, root=site)
    assert sorted(third.upload) == ["articles/a.html", "theme/css/main.0f0e0d0c.css"]
    assert third.delete == ["articles/b.html"]
    new = {k: v for k, v in _invalidations(distribution).items() if k not in invalidated}
    assert list(new.values()) == [["/articles/a.html", "/articles/b.html"]]
    after = _objects(bucket)
    assert "articles/b.html" not in after and "theme/css/main.1a2b3c4d.css" in after
    new_page = s3.get_object(Bucket=bucket, Key="articles/a.html")["Body"].read().decode()
    assert new_page == changed["articles/a.html"]


def test_publishing_a_stage_that_was_never_deployed_says_so(
    deployed: Deployed, tmp_path: Path
) -> None:
    _write_site(tmp_path, SITE)
    with pytest.raises(SystemExit, match=r"dangjian-prod does not exist .*make deploy first"):
        publish.publish("prod", REGION, root=tmp_path)


# -- the JWT key -------------------------------------------------------------------------------


def test_the_function_reads_its_jwt_keys_from_the_ssm_parameter_it_is_deployed_with(
    deployed: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib import settings, tokens

    config = client("lambda").get_function_configuration(
        FunctionName=deployed.outputs["APIHandlerName"]
    )
    environment = config["Environment"]["Variables"]
    assert "JWT_KEYS" not in environment
    parameter = environment["JWT_KEYS_PARAMETER"]
    assert parameter == "/dangjian/dev/jwt-keys"
    keys = {"2026-07": "n" * 48, "2026-01": "o" * 48}
    client("ssm").put_parameter(Name=parameter, Type="SecureString", Value=json.dumps(keys))

    monkeypatch.delenv("JWT_KEYS", raising=False)
    monkeypatch.setenv("JWT_KEYS_PARAMETER", parameter)
    settings.reset_for_tests()
    try:
        assert settings.jwt_keys() == {kid: secret.encode() for kid, secret in keys.items()}
        token = tokens.issue_access_token("10000009", 0, "login-1", 0)
        assert tokens.verify_access_token(token).member_no == "10000009"
        # A parameter that is not there is a settings error naming it.
        settings.reset_for_tests()
        monkeypatch.setenv("JWT_KEYS_PARAMETER", "/dangjian/dev/missing")
        with pytest.raises(settings.SettingsError, match="/dangjian/dev/missing"):
            settings.jwt_keys()
    finally:
        settings.reset_for_tests()


def test_publishing_lessons_needs_their_media_stored_with_their_duration(
    deployed: Deployed, tmp_path: Path
) -> None:
    """The build never needs a lesson's media; publishing does: a lesson whose video was never
    uploaded, or whose `Duration:` is not the stored file's, stops the publish, naming it."""
    media = deployed.outputs["MediaBucketName"]
    digest = "c" * 64
    lesson = {"slug": "weidangke-x", "title": "第一讲", "kind": "lesson"}
    lesson.update(media=f"{digest}.mp4", duration=600)
    site = tmp_path / "output"
    _write_site(site, {**SITE, "catalog.json": json.dumps([lesson], ensure_ascii=False)})
    with pytest.raises(SystemExit, match=rf"weidangke-x.*没有 media/{digest}\.mp4"):
        publish.publish(STAGE, REGION, root=site, dry_run=True)
    s3 = client("s3")
    s3.put_object(Bucket=media, Key=f"media/{digest}.mp4", Body=b"x", Metadata={"duration": "900"})
    with pytest.raises(SystemExit, match="Duration 写的是 600 秒，文件实际 900 秒"):
        publish.publish(STAGE, REGION, root=site, dry_run=True)
    s3.put_object(Bucket=media, Key=f"media/{digest}.mp4", Body=b"x", Metadata={"duration": "601"})
    assert publish.publish(STAGE, REGION, root=site, check=True).upload == []
    assert publish.publish(STAGE, REGION, root=site, dry_run=True).upload

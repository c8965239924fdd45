"""`chalice package` with our merge template: it succeeds, cfn-lint passes, Lambda's limits hold.

No AWS needed: Chalice renders the template locally and pip-installs functions/requirements.txt
(cached in functions/.chalice/deployments/ after the first run).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from infra import package as pkg
from infra import policy

ROOT = Path(__file__).resolve().parents[2]

CHALICE = ROOT / "functions" / ".chalice"
POLICY = policy.policy("prod")
# Functions with a policy of their own (a scheduled job that may Scan), by CloudFormation name.
OWN_POLICY = {
    "".join(part.capitalize() for part in name.split("_")): policy.policy("prod", name)
    for name, conf in json.loads((CHALICE / "config.json").read_text())["stages"]["prod"]
    .get("lambda_functions", {})
    .items()
    if "iam_policy_file" in conf
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> pkg.Package:
    out = pkg.package("prod", "ap-east-1", tmp_path_factory.mktemp("package"))
    print(out.report())  # the figures for the closing note: `pytest -s` shows them
    return out


def _resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def _functions_use_the_stage_policy(template: dict[str, Any]) -> list[str]:
    """Every Lambda function's role carries exactly its generated policy: the stage's, or
    the one config.json names for that function."""
    functions = _resources(template, "AWS::Serverless::Function")
    assert functions
    for name, function in functions.items():
        role = function["Properties"]["Role"]["Fn::GetAtt"][0]
        policies = template["Resources"][role]["Properties"]["Policies"]
        assert [p["PolicyDocument"] for p in policies] == [OWN_POLICY.get(name, POLICY)], name
    return sorted(functions)


def test_cfn_lint_passes_on_the_packaged_template(built: pkg.Package) -> None:
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "cfn-lint"),
            *("--regions", "ap-east-1", "--", str(built.template_path)),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_package_is_within_lambdas_limits(built: pkg.Package) -> None:
    built.check_limits()
    assert built.zipped_bytes < pkg.MAX_ZIPPED / 2, "half the limit: time to look at the deps"


def test_the_stack_has_tables_site_distribution_and_api(built: pkg.Package) -> None:
    t = built.template
    from chalicelib.models import ALL_MODELS

    assert len(_resources(t, "AWS::DynamoDB::Table")) == len(ALL_MODELS)
    assert len(_resources(t, "AWS::CloudFront::Distribution")) == 1
    assert _resources(t, "AWS::Serverless::Api")["RestAPI"]["Properties"]["StageName"] == "api"
    config = t["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    api = next(b for b in config["CacheBehaviors"] if b["PathPattern"] == "/api/*")
    assert api["TargetOriginId"] == "api" and "POST" in api["AllowedMethods"]
    origin_policy = t["Resources"]["ApiOriginRequestPolicy"]["Properties"]
    headers = origin_policy["OriginRequestPolicyConfig"]["HeadersConfig"]
    assert headers == {"HeaderBehavior": "allExcept", "Headers": ["Host"]}
    cache = t["Resources"]["ApiCachePolicy"]["Properties"]["CachePolicyConfig"]
    key = cache["ParametersInCacheKeyAndForwardedToOrigin"]
    assert key["HeadersConfig"]["Headers"] == ["Authorization"] and cache["DefaultTTL"] == 0
    bucket = t["Resources"]["SiteBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())


def test_no_secret_in_the_template(built: pkg.Package) -> None:
    text = built.template_path.read_text()
    assert "JWT_KEYS_PARAMETER" in text and '"JWT_KEYS"' not in text
    for function in _resources(built.template, "AWS::Serverless::Function").values():
        assert "JWT_KEYS" not in function["Properties"]["Environment"]["Variables"]


def test_every_function_runs_with_its_generated_policy(built: pkg.Package) -> None:
    names = _functions_use_the_stage_policy(built.template)
    assert set(OWN_POLICY) <= set(names), "a function in config.json was not packaged"


def test_a_scheduled_function_gets_the_same_policy(tmp_path: Path) -> None:
    """Chalice adds a role per function; a new `@app.schedule` job must carry our policy too."""
    project = tmp_path / "functions"
    shutil.copytree(ROOT / "functions", project, ignore=shutil.ignore_patterns("__pycache__"))
    with (project / "app.py").open("a") as app:
        app.write("\n\n@app.schedule('rate(1 day)')\ndef infra_test_job(event):\n    return None\n")
    out = pkg.package("prod", "ap-east-1", tmp_path / "out", project=project)
    assert "InfraTestJob" in _functions_use_the_stage_policy(out.template)
    assert _resources(out.template, "AWS::Serverless::Function")["InfraTestJob"]["Properties"][
        "Events"
    ]


def test_stream_functions_read_their_tables_stream(built: pkg.Package) -> None:
    """The code carries a stand-in stream ARN (the stream exists once the stack made the table);
    the packaged template must point the event source at the table's own stream."""
    from infra.access import STREAMS
    from infra.template import cfn_name, logical_id

    resources = built.template["Resources"]
    for function, models in STREAMS.items():
        events = resources[cfn_name(function)]["Properties"]["Events"]
        (source,) = events.values()
        assert source["Type"] == "DynamoDB"
        (model,) = models
        assert source["Properties"]["Stream"] == {"Fn::GetAtt": [logical_id(model), "StreamArn"]}
        assert source["Properties"]["BisectBatchOnFunctionError"] is True
        table = resources[logical_id(model)]["Properties"]
        assert table["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert "set-by-the-template" not in json.dumps(built.template)


def test_the_zip_carries_bytecode_for_every_module(built: pkg.Package) -> None:
    """Lambda cannot write .pyc files: the package brings them, or each cold start compiles."""
    import zipfile

    with zipfile.ZipFile(built.zip_path) as archive:
        names = set(archive.namelist())
    sources = [n for n in names if (n.endswith(".py") and "/" in n) or n == "app.py"]
    assert sources
    for source in sources:
        folder, _, file = source.rpartition("/")
        pyc = f"{folder + '/' if folder else ''}__pycache__/{file[:-3]}.cpython-311.pyc"
        assert pyc in names, f"no bytecode for {source}"


def _distribution(template: dict[str, Any]) -> dict[str, Any]:
    return template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]


def test_api_errors_stay_json_and_site_misses_get_the_404_page(built: pkg.Package) -> None:
    """A custom error response with a page would replace the API's JSON errors too: there is
    none; the site's behaviours (only they) fail over to the 404 page's origin on 403/404."""
    config = _distribution(built.template)
    assert all(
        "ResponsePagePath" not in e and "ResponseCode" not in e
        for e in config["CustomErrorResponses"]
    )
    origins = {o["Id"]: o for o in config["Origins"]}
    groups = {g["Id"]: g for g in config["OriginGroups"]["Items"]}
    assert config["OriginGroups"]["Quantity"] == len(groups) == 1
    behaviours = [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]
    for b in behaviours:
        if b.get("PathPattern") == "/api/*":
            assert b["TargetOriginId"] == "api" and "api" in origins  # an origin, no failover
        elif b.get("PathPattern") == "/media/*":  # 微党课 media: its bucket (a player, no page)
            assert b["TargetOriginId"] == "media" and "media" in origins
        else:
            assert b["TargetOriginId"] == "site-or-404", b.get("PathPattern", "default")
    group = groups["site-or-404"]
    assert [m["OriginId"] for m in group["Members"]["Items"]] == ["site", "not-found"]
    assert sorted(group["FailoverCriteria"]["StatusCodes"]["Items"]) == [403, 404]
    # The 404 origin is the function's URL, which only this distribution may call.
    not_found = origins["not-found"]
    assert not_found["DomainName"] == {
        "Fn::Select": [2, {"Fn::Split": ["/", {"Fn::GetAtt": ["NotFoundPageUrl", "FunctionUrl"]}]}]
    }
    oac = not_found["OriginAccessControlId"]["Fn::GetAtt"][0]
    oac_config = built.template["Resources"][oac]["Properties"]["OriginAccessControlConfig"]
    assert oac_config["OriginAccessControlOriginType"] == "lambda"
    assert oac_config["SigningBehavior"] == "always"
    resources = built.template["Resources"]
    assert resources["NotFoundPageUrl"]["Properties"]["AuthType"] == "AWS_IAM"
    grants = _resources(built.template, "AWS::Lambda::Permission")
    cloudfront = [
        g["Properties"]
        for g in grants.values()
        if g["Properties"]["Principal"] == "cloudfront.amazonaws.com"
    ]
    assert {g["Action"] for g in cloudfront} == {
        "lambda:InvokeFunctionUrl",
        "lambda:InvokeFunction",
    }
    assert all("${Distribution}" in g["SourceArn"]["Fn::Sub"] for g in cloudfront)


def _not_found_function(built: pkg.Package) -> Any:
    """The packaged function's inline code, loaded as Lambda loads it (module `index`)."""
    import types

    props = built.template["Resources"]["NotFoundPage"]["Properties"]
    assert props["Handler"] == "index.handler"
    module = types.ModuleType("index")
    exec(compile(props["Code"]["ZipFile"], "index.py", "exec"), module.__dict__)
    return module


def test_the_404_origin_answers_the_sites_404_page_with_status_404(
    built: pkg.Package, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3
    from moto import mock_aws

    page = "<!doctype html><title>页面不存在 · 智慧党建</title><p>您访问的页面不存在。</p>"
    monkeypatch.setenv("SITE_BUCKET", "site-bucket")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-east-1")
    with mock_aws():
        s3 = boto3.client("s3", region_name="ap-east-1")
        s3.create_bucket(
            Bucket="site-bucket", CreateBucketConfiguration={"LocationConstraint": "ap-east-1"}
        )
        # Before the first publish: still a 404 with a page, never a 5xx.
        empty = _not_found_function(built).handler({"rawPath": "/articles/x.html"}, None)
        assert empty["statusCode"] == 404 and "页面不存在" in empty["body"]
        s3.put_object(Bucket="site-bucket", Key="404.html", Body=page.encode())
        function = _not_found_function(built)
        for path in ("/articles/nope.html", "/no/such/dir/", "/theme/missing.css"):
            reply = function.handler({"rawPath": path, "requestContext": {}}, None)
            assert reply["statusCode"] == 404
            assert reply["headers"]["Content-Type"] == "text/html; charset=utf-8"
            assert reply["body"] == page


def test_every_immutable_prefix_is_cached_as_an_asset_by_cloudfront(built: pkg.Package) -> None:
    """What infra/publish.py marks immutable (hashed names: theme/, search/, qr/, images/) has
    its own behaviour with the asset cache policy, through the site-or-404 origin group."""
    from infra.publish import ASSET_PREFIXES

    config = _distribution(built.template)
    behaviours = {b["PathPattern"]: b for b in config["CacheBehaviors"]}
    for prefix in ASSET_PREFIXES:
        b = behaviours.get(f"/{prefix}*")
        assert b is not None, prefix
        assert b["CachePolicyId"] == {"Ref": "AssetCachePolicy"}, prefix
        assert b["TargetOriginId"] == "site-or-404" and b["Compress"] is True, prefix


def test_every_packaged_function_is_watched_kept_and_on_arm64(built: pkg.Package) -> None:
    """Chalice's functions and ours, as packaged (a function Chalice adds without config.json
    would show here): its log group with the stage's retention, its Errors, Throttles and
    Duration alarms (the last at 80 % of its own timeout), Graviton; the API's reserved
    concurrency and the stage's throttling from operations.toml (infra/monitoring.py)."""
    from infra import monitoring, operations

    ops = operations.load("prod")
    resources = built.template["Resources"]
    functions = {
        **_resources(built.template, "AWS::Serverless::Function"),
        **_resources(built.template, "AWS::Lambda::Function"),
    }
    assert len(functions) >= 12  # the API, the jobs, the streams, the 404 page, the budget's
    alarms = _resources(built.template, "AWS::CloudWatch::Alarm")
    watched = {
        (a["Properties"].get("MetricName"), a["Properties"]["Dimensions"][0]["Value"]["Ref"])
        for a in alarms.values()
        if a["Properties"].get("Namespace") == "AWS/Lambda"
    }
    for name, function in functions.items():
        props = function["Properties"]
        assert props["Architectures"] == ["arm64"], name
        group = resources[props["LoggingConfig"]["LogGroup"]["Ref"]]["Properties"]
        assert group["RetentionInDays"] == ops.log_retention_days, name
        if name == "BudgetFunction":  # runs on deploys only: not alarmed
            continue
        for metric in ("Errors", "Throttles", "Duration"):
            assert (metric, name) in watched, f"{name}: no {metric} alarm"
        duration = alarms[f"{name}DurationAlarm"]["Properties"]
        assert duration["Threshold"] == int(props["Timeout"] * 1000 * monitoring.DURATION_SHARE)
    api = resources["APIHandler"]["Properties"]
    assert api["ReservedConcurrentExecutions"] == ops.api_reserved_concurrency
    (setting,) = resources["RestAPI"]["Properties"]["MethodSettings"]
    assert (setting["ThrottlingRateLimit"], setting["ThrottlingBurstLimit"]) == (
        ops.api_rate_per_second,
        ops.api_burst,
    )
    # API Gateway's metrics are keyed by the API's name: one per stage, as the alarm says.
    gateway = alarms["ApiGateway5xxAlarm"]["Properties"]["Dimensions"][0]
    assert resources["RestAPI"]["Properties"]["DefinitionBody"]["info"]["title"] == gateway["Value"]


def test_the_package_has_no_native_code_so_arm64_runs_it(built: pkg.Package) -> None:
    """Graviton needs every file to run on arm64: the zip has pure-Python wheels only."""
    import zipfile

    with zipfile.ZipFile(built.zip_path) as archive:
        names = archive.namelist()
        wheels = [archive.read(n).decode() for n in names if n.endswith(".dist-info/WHEEL")]
    native = [n for n in names if n.endswith((".so", ".pyd", ".dylib")) or ".so." in n]
    assert native == []
    assert wheels and all("Root-Is-Purelib: true" in w for w in wheels)
    tags = {line for w in wheels for line in w.splitlines() if line.startswith("Tag:")}
    assert tags and all(t.endswith("-none-any") for t in tags), tags

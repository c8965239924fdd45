"""微党课 media in the stack (infra/stack.yaml, infra/template.py, infra/policy.py): a private,
unversioned, TLS-only bucket that only the distribution reads, and only its checked files; the
`/media/*` behaviour with the year-long asset cache; the API's environment naming the bucket and
its rights limited to what media_uploads.py does."""

from __future__ import annotations

import pytest

from infra import policy, template
from infra.deploy import stack_name

STAGES = ("dev", "prod")


@pytest.fixture(scope="module", params=STAGES)
def stage(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="module")
def merged(stage: str) -> dict:
    return template.merge_template(stage)


def test_the_media_bucket_is_private_unversioned_and_tls_only(merged: dict) -> None:
    bucket = merged["Resources"]["MediaBucket"]
    props = bucket["Properties"]
    assert bucket["DeletionPolicy"] == "Retain"
    assert all(props["PublicAccessBlockConfiguration"].values())
    assert "VersioningConfiguration" not in props  # a name is its bytes' hash: nothing to keep
    assert props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    (rule,) = props["LifecycleConfiguration"]["Rules"]
    assert (rule["Prefix"], rule["ExpirationInDays"]) == ("incoming/", 1)
    (cors,) = props["CorsConfiguration"]["CorsRules"]
    assert cors["AllowedMethods"] == ["PUT"]
    statements = {
        s["Sid"]: s
        for s in merged["Resources"]["MediaBucketPolicy"]["Properties"]["PolicyDocument"][
            "Statement"
        ]
    }
    assert set(statements) == {"CloudFrontReadsMedia", "TlsOnly"}
    reads = statements["CloudFrontReadsMedia"]
    assert reads["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert reads["Action"] == "s3:GetObject"
    assert reads["Resource"] == {"Fn::Sub": "${MediaBucket.Arn}/media/*"}  # never incoming/
    assert "${Distribution}" in str(reads["Condition"])
    tls = statements["TlsOnly"]
    assert tls["Effect"] == "Deny" and tls["Condition"] == {
        "Bool": {"aws:SecureTransport": "false"}
    }


def test_cloudfront_serves_media_from_the_bucket_with_a_long_cache(merged: dict) -> None:
    config = merged["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    origins = {o["Id"]: o for o in config["Origins"]}
    media = origins["media"]
    name = merged["Resources"]["MediaBucket"]["Properties"]["BucketName"]["Fn::Sub"]
    assert media["DomainName"]["Fn::Sub"].startswith(name + ".s3.${AWS::Region}.")
    assert media["OriginAccessControlId"] == origins["site"]["OriginAccessControlId"]
    assert media["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    (behaviour,) = [b for b in config["CacheBehaviors"] if b["PathPattern"] == "/media/*"]
    assert behaviour["TargetOriginId"] == "media"
    assert behaviour["AllowedMethods"] == ["GET", "HEAD"]
    assert behaviour["CachePolicyId"] == {"Ref": "AssetCachePolicy"}
    assert behaviour["Compress"] is False  # ranged answers of an already compressed file
    cache = merged["Resources"]["AssetCachePolicy"]["Properties"]["CachePolicyConfig"]
    assert cache["DefaultTTL"] == 31536000
    assert merged["Outputs"]["MediaBucketName"] == {"Value": {"Ref": "MediaBucket"}}


def test_the_api_knows_the_bucket_and_may_do_only_what_media_uploads_does(
    merged: dict, stage: str
) -> None:
    name = merged["Resources"]["MediaBucket"]["Properties"]["BucketName"]
    variables = merged["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert variables["MEDIA_BUCKET"] == name and "UPLOADS_BUCKET" in variables
    bucket = name["Fn::Sub"].replace("${AWS::StackName}", stack_name(stage))
    arn = "arn:${AWS::Partition}:s3:::" + bucket
    grants = {
        s["Sid"]: (s["Action"], [r["Fn::Sub"] for r in s["Resource"]])
        for s in policy.policy(stage)["Statement"]
        if s["Sid"].startswith("Media")
    }
    assert grants == {
        "MediaUploads": (
            ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
            [f"{arn}/incoming/media/*"],
        ),
        "MediaKept": (["s3:GetObject", "s3:PutObject"], [f"{arn}/media/*"]),  # no delete
    }
    for job in ("rank_boards", "deliver_messages"):
        assert not any(
            s["Sid"].startswith("Media") for s in policy.policy(stage, job)["Statement"]
        ), job

"""The production site obeys the CloudFront CSP (infra/stack.yaml): nothing inline but the scripts
whose hashes the CSP lists (the large-text switch in base.html's head), same origin.

A CSP violation only shows in a browser behind CloudFront, so the built pages are checked here.
"""

from __future__ import annotations

import base64
import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


# The CSP is an `Fn::Sub` (it names the uploads bucket's origin): resolved here as
# CloudFormation would for the prod stack in ap-east-1.
PSEUDO = {
    "AWS::StackName": "dangjian-prod",
    "AWS::AccountId": "123456789012",
    "AWS::Region": "ap-east-1",
    "AWS::URLSuffix": "amazonaws.com",
}
UPLOADS_ORIGIN = "https://dangjian-prod-uploads-123456789012-ap-east-1.s3.ap-east-1.amazonaws.com"
MEDIA_ORIGIN = "https://dangjian-prod-media-123456789012-ap-east-1.s3.ap-east-1.amazonaws.com"


def _csp() -> str:
    stack = yaml.safe_load((ROOT / "infra" / "stack.yaml").read_text())
    config = stack["Resources"]["SecurityHeadersPolicy"]["Properties"]
    value = config["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]["ContentSecurityPolicy"][
        "ContentSecurityPolicy"
    ]
    text = value["Fn::Sub"]
    for name, resolved in PSEUDO.items():
        text = text.replace("${" + name + "}", resolved)
    assert "${" not in text, text  # only pseudo parameters: no dependency on a resource
    return text


def test_csp_allows_only_the_own_origin() -> None:
    csp = _csp()
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp


@pytest.mark.usefixtures("approved_content")  # publishconf's gate reads DynamoDB (Local here)
def test_built_pages_have_no_inline_script_style_or_foreign_resources(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pelican",
            "content",
            "-q",
            "-s",
            "publishconf.py",
            "-o",
            str(tmp_path),
        ],
        cwd=ROOT,
        check=True,
    )
    pages = list(tmp_path.rglob("*.html"))
    assert pages
    problems = []
    csp = _csp()
    for page in pages:
        html = page.read_text()
        name = page.relative_to(tmp_path)
        for tag, body in re.findall(r"(<script\b[^>]*>)(.*?)</script>", html, re.S):
            if "src=" in tag or 'type="application/ld+json"' in tag:
                continue
            digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
            if f"'sha256-{digest}'" not in csp:
                problems.append(f"{name}: inline script not allowed by the CSP's hashes: {tag}")
        if re.search(r"<style\b|\sstyle=\"|\son[a-z]+=\"", html):
            problems.append(f"{name}: inline style or event handler")
        if re.search(r"<(?:script|link|img)\b[^>]*(?:src|href)=\"(https?:)?//", html):
            problems.append(f"{name}: resource from another origin")
    assert not problems, problems


def test_csp_lets_the_pages_load_wechats_js_sdk_and_nothing_else_foreign() -> None:
    """share.js loads WX_JSSDK_URL (pelicanconf.py) inside WeChat: its origin, and only it,
    is the one foreign source of scripts (theme/templates/_share.html)."""
    from urllib.parse import urlsplit

    from pelican.settings import get_settings_from_file

    sdk = urlsplit(get_settings_from_file(str(ROOT / "pelicanconf.py"))["WX_JSSDK_URL"])
    directives = dict(d.strip().split(" ", 1) for d in _csp().split(";") if " " in d.strip())
    sources = directives["script-src"].split()
    assert sdk.scheme == "https"
    assert [s for s in sources if "://" in s] == [f"{sdk.scheme}://{sdk.netloc}"]
    for name in ("style-src", "default-src"):
        assert "://" not in directives[name], name
    # Photos: the pages POST to and show from the uploads bucket's origin, and nothing else.
    # 微党课 media: the console PUTs to the media bucket's origin (connect-src only).
    foreign = {"connect-src": [UPLOADS_ORIGIN, MEDIA_ORIGIN], "img-src": [UPLOADS_ORIGIN]}
    for name, origins in foreign.items():
        assert [s for s in directives[name].split() if "://" in s] == origins, name


def test_the_uploads_origin_in_the_csp_is_the_one_botocore_signs_for() -> None:
    """The origin the API's pre-signed POST and GET links point at (uploads.py: virtual-hosted
    style in AWS) is the one the CSP allows, for the bucket name the stack gives."""
    import botocore.session
    from botocore.config import Config

    stack = yaml.safe_load((ROOT / "infra" / "stack.yaml").read_text())
    name = stack["Resources"]["UploadsBucket"]["Properties"]["BucketName"]["Fn::Sub"]
    for pseudo, resolved in PSEUDO.items():
        name = name.replace("${" + pseudo + "}", resolved)
    client = botocore.session.get_session().create_client(
        "s3",
        region_name="ap-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(signature_version="s3v4", s3={"addressing_style": "virtual"}),
    )
    form = client.generate_presigned_post(Bucket=name, Key="incoming/meetings/x/a.jpg")
    assert form["url"].rstrip("/") == UPLOADS_ORIGIN
    link = client.generate_presigned_url("get_object", Params={"Bucket": name, "Key": "k"})
    assert link.startswith(UPLOADS_ORIGIN + "/")


def test_the_media_origin_in_the_csp_is_the_one_the_api_signs_puts_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The console's PUT (theme/static/js/console_media.js) goes where media_uploads' own client
    signs it in AWS (virtual-hosted, regional): that origin, for the bucket name the stack gives,
    is in connect-src; and the media bucket's CORS lets the site PUT with the headers the
    signature covers (the browser sets Content-Length and Host itself)."""
    import dataclasses
    from urllib.parse import parse_qs, urlsplit

    from chalicelib import media_uploads, settings

    stack = yaml.safe_load((ROOT / "infra" / "stack.yaml").read_text())
    bucket = stack["Resources"]["MediaBucket"]["Properties"]
    name = bucket["BucketName"]["Fn::Sub"]
    for pseudo, resolved in PSEUDO.items():
        name = name.replace("${" + pseudo + "}", resolved)
    aws = dataclasses.replace(
        settings.get_settings(), media_bucket=name, s3_endpoint=None, region="ap-east-1"
    )
    monkeypatch.setattr(settings, "_settings", aws)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    media_uploads.reset_for_tests()
    try:
        url = media_uploads.s3().generate_presigned_url(
            "put_object",
            Params={
                "Bucket": name,
                "Key": "incoming/media/x.mp4",
                "ContentType": "video/mp4",
                "ContentLength": 1,
                "ChecksumSHA256": "x",
            },
        )
    finally:
        media_uploads.reset_for_tests()
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == MEDIA_ORIGIN
    directives = dict(d.strip().split(" ", 1) for d in _csp().split(";") if " " in d.strip())
    assert MEDIA_ORIGIN in directives["connect-src"].split()
    signed = set(parse_qs(parts.query)["X-Amz-SignedHeaders"][0].split(";"))
    rule = bucket["CorsConfiguration"]["CorsRules"][0]
    assert rule["AllowedMethods"] == ["PUT"]
    assert set(rule["AllowedHeaders"]) == signed - {"host", "content-length"}
    assert rule["AllowedOrigins"] == [{"Fn::Sub": "https://${Distribution.DomainName}"}]

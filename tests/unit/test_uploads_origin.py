"""The pre-signed forms and links name the uploads bucket's regional origin in every region,
the one origin the production CSP allows (infra/stack.yaml: `<bucket>.s3.<region>.<suffix>`);
in us-east-1 botocore would otherwise use the global host, which the CSP does not name."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlsplit

import pytest

from chalicelib import settings, uploads


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1", "ap-southeast-1"])
def test_forms_and_links_use_the_regional_origin(monkeypatch, region):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    deployed = replace(settings.get_settings(), region=region, s3_endpoint=None)
    monkeypatch.setattr(settings, "_settings", deployed)
    uploads.reset_for_tests()
    try:
        client = uploads.s3()
        form = client.generate_presigned_post("dj-uploads", "incoming/meetings/x.jpg")
        link = client.generate_presigned_url(
            "get_object", Params={"Bucket": "dj-uploads", "Key": "meetings/x.jpg"}
        )
        for url in (form["url"], link):
            assert urlsplit(url).hostname == f"dj-uploads.s3.{region}.amazonaws.com", url
    finally:
        uploads.reset_for_tests()

"""CloudFront's second origin for the site: the site's own 404 page, with status 404.

Why this and not a custom error response: CloudFront's custom error responses are per
distribution, so a `404 → /404.html` there would also replace the API's JSON errors (`404
{"Message": "文章不存在或尚未发布"}`) with a web page. Instead the site's cache behaviours (and only
they) target an origin group: the bucket first, and when it answers 403/404 (a missing key
through Origin Access Control is a 403), this function behind its URL, signed by CloudFront
(Origin Access Control for Lambda). The `/api/*` behaviour keeps the API as its origin, so its
errors reach the page unchanged. It runs only on a miss of the site (cheap), in the stack's own
region (Lambda@Edge would need a second stack in us-east-1).

infra/template.py inlines this file as the function's code (no dependencies: boto3 is in the
Lambda runtime), so it is kept self-contained.
"""

from __future__ import annotations

import os
import time
from typing import Any

PAGE_KEY = "404.html"  # output/404.html, built from theme/templates/404.html
KEEP_SECONDS = 300  # a warm function keeps the page this long (a publish may change it)
FALLBACK = "<!doctype html><meta charset=utf-8><title>页面不存在</title><h1>页面不存在</h1>"

_page: tuple[float, str] | None = None


def _read_page() -> str:
    import boto3

    got = boto3.client("s3").get_object(Bucket=os.environ["SITE_BUCKET"], Key=PAGE_KEY)
    return got["Body"].read().decode("utf-8")


def page() -> str:
    """The 404 page from the site bucket, kept a few minutes; a plain one if it cannot be read
    (a stack not yet published)."""
    global _page
    now = time.monotonic()
    if _page is None or now - _page[0] > KEEP_SECONDS:
        try:
            _page = (now, _read_page())
        except Exception:  # never a 5xx for a missing page
            return FALLBACK
    return _page[1]


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """A Lambda function URL response: the page with 404, as briefly cached as HTML pages."""
    return {
        "statusCode": 404,
        "headers": {
            "Content-Type": "text/html; charset=utf-8",
            "Cache-Control": "public, max-age=60",
        },
        "body": page(),
    }

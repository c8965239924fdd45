"""Pelican settings for production builds (`pelican content -s publishconf.py`)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pelicanconf import *  # noqa: F403

# Root-relative links: CloudFront serves the site and routes /api/* on the same origin.
SITEURL = ""
RELATIVE_URLS = False

# Always a clean, full build: no stale files (old hashed assets) and no cache.
DELETE_OUTPUT_DIRECTORY = True
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False

# Members see only approved text: approvals come from the review tables, never from a file, and
# the preview mode (REVIEW_GATE = "off") is refused (plugins/review_gate).
REVIEW_GATE = "dynamodb"
REVIEW_GATE_REQUIRED = True

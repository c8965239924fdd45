"""Pelican settings for production builds (`pelican content -s publishconf.py`)."""

import os
from pathlib import Path

from pelican.settings import get_settings_from_file

# Everything pelicanconf.py sets (loaded by path, as Pelican loads a settings file), then overrides.
globals().update(get_settings_from_file(str(Path(__file__).with_name("pelicanconf.py"))))

# Root-relative links: CloudFront serves the site and routes /api/* on the same origin.
SITEURL = ""
RELATIVE_URLS = False
# The stage's public origin, for the absolute og:url / og:image of shared pages (README: WeCom).
SITE_ORIGIN = os.environ.get("SITE_ORIGIN", "").rstrip("/")

# Always a clean, full build: no stale files (old hashed assets) and no cache.
DELETE_OUTPUT_DIRECTORY = True
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False

# Members see only approved text: approvals come from the review tables, never from a file, and
# the preview mode (REVIEW_GATE = "off") is refused (plugins/review_gate).
REVIEW_GATE = "dynamodb"
REVIEW_GATE_REQUIRED = True

# The theme's CSS and JS minified (plugins/asset_hash with esbuild) before they are hashed: what
# members download; development builds keep the readable sources.
ASSET_MINIFY = True

"""The one definition of every identifier pattern, imported by the build, the tools and the API.

Each pattern is anchored and bounded, so a value that matches is also a valid DynamoDB key
(non-empty, well under the 1,024/2,048-byte key limits): validating an identifier here is what
keeps junk from ever reaching a table.
"""

from __future__ import annotations

import re

# Article, page and installment slugs: lower-case ASCII, the page name /articles/<slug>.html.
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,99}")
# Questions inside a bank (`id:` of a question; the bank id and it make its key).
QUESTION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")
# Vote campaigns (the campaign article's slug, or an id staff choose through the API).
CAMPAIGN_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
# Quizzes and question banks (`id:` in content/quizzes/*.yaml).
QUIZ_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
# The organisation's own numbers: members (ERP 号) and org units (单位编号).
MEMBER_NO = re.compile(r"[0-9A-Za-z_-]{1,32}")
UNIT_ID = re.compile(r"[0-9A-Za-z_-]{1,32}")
# Client-made idempotency keys: a page view, a comment or vote request.
CLIENT_KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")
# SHA-256 of a reviewed source file.
CONTENT_HASH = re.compile(r"[0-9a-f]{64}")
# A message of the outbox (outbox.message_id: the event and the recipient, hashed).
MESSAGE_ID = re.compile(r"[0-9a-f]{32}")


def is_slug(value: object) -> bool:
    return isinstance(value, str) and SLUG.fullmatch(value) is not None


def is_campaign_id(value: object) -> bool:
    return isinstance(value, str) and CAMPAIGN_ID.fullmatch(value) is not None


def is_quiz_id(value: object) -> bool:
    return isinstance(value, str) and QUIZ_ID.fullmatch(value) is not None


def is_member_no(value: object) -> bool:
    return isinstance(value, str) and MEMBER_NO.fullmatch(value) is not None


def is_unit_id(value: object) -> bool:
    return isinstance(value, str) and UNIT_ID.fullmatch(value) is not None


def is_client_key(value: object) -> bool:
    return isinstance(value, str) and CLIENT_KEY.fullmatch(value) is not None


# Sign-in through WeCom / the Official Account: the one-time OAuth `state` (ours: 32 random
# bytes), the code WeCom or WeChat hands back (theirs: printable, bounded), a WeCom userid
# (WeCom allows 1–64 letters, digits and _-.@) and an openid.
OAUTH_STATE = re.compile(r"[A-Za-z0-9_-]{43}")
OAUTH_CODE = re.compile(r"[A-Za-z0-9_.~-]{1,256}")
WECOM_USERID = re.compile(r"[0-9A-Za-z_.@-]{1,64}")
OPENID = re.compile(r"[0-9A-Za-z_-]{1,64}")


def is_oauth_state(value: object) -> bool:
    return isinstance(value, str) and OAUTH_STATE.fullmatch(value) is not None


def is_oauth_code(value: object) -> bool:
    return isinstance(value, str) and OAUTH_CODE.fullmatch(value) is not None


def is_message_id(value: object) -> bool:
    return isinstance(value, str) and MESSAGE_ID.fullmatch(value) is not None
